package desk

import (
	"context"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// PasswordResetTTL is how long a "forgot password" link works.
const PasswordResetTTL = time.Hour

// RequestPasswordReset makes a one-time password reset token for the active
// user whose username or email is login and who has an email address, and
// enqueues the PASSWORD_RESET template message with the link that link
// makes of the token, in the same transaction: no token without its email,
// no email without its token. link must build on the account's configured
// address, never on a request's Host header. It answers nil when there is
// no such user, so that the page can answer the same either way and not
// reveal who has an account. A new token voids the user's earlier ones.
func (s *Service) RequestPasswordReset(ctx context.Context, accountID int64, login string, link func(token string) string) error {
	login = strings.TrimSpace(login)
	if login == "" {
		return sympoq.FieldErr("login", sympoq.FieldMissing, "is required")
	}
	if len(login) > 320 {
		return nil
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByLogin(ctx, accountID, login)
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			return nil
		} else if err != nil {
			return err
		}
		if !u.Active || u.Email == "" {
			return nil
		}
		token := NewToken()
		if err := tx.CreateUserToken(ctx, accountID, u.ID, store.TokenPasswordReset, HashKey(token), PasswordResetTTL); err != nil {
			return err
		}
		return s.SendPasswordReset(ctx, tx, u, link(token))
	})
}

// ResetPassword sets a new password with a one-time token of purpose
// store.TokenPasswordReset or store.TokenRegistration (which also makes a
// customer registered). The token is used up only when the password is
// accepted; every session of the user ends, since whoever knew the old
// password may hold one.
func (s *Service) ResetPassword(ctx context.Context, accountID int64, purpose, token, password string) (*sympoq.User, error) {
	if purpose != store.TokenPasswordReset && purpose != store.TokenRegistration {
		return nil, sympoq.Errorf(sympoq.EInvalid, "unknown token purpose")
	}
	invalid := sympoq.FieldErr("token", sympoq.FieldInvalid, "this link is unknown, used or expired; ask for a new one")
	if token == "" || len(token) > 200 {
		return nil, invalid
	}
	var u *sympoq.User
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		set, err := tx.Settings(ctx, accountID)
		if err != nil {
			return err
		}
		if code, msg := sympoq.ValidatePassword(password, set.General.PasswordMinLength); code != "" {
			return sympoq.FieldErr("password", code, "%s", msg)
		}
		id, err := tx.UseUserToken(ctx, accountID, purpose, HashKey(token))
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			return invalid
		} else if err != nil {
			return err
		}
		u, err = tx.User(ctx, accountID, id)
		if err != nil {
			return err
		}
		if !u.Active {
			return invalid
		}
		if u.Username == "" {
			// A customer known only from an email becomes able to sign
			// in with it.
			if code, _ := sympoq.ValidateUsername(u.Email); code != "" {
				return sympoq.FieldErr("token", sympoq.FieldInvalid, "your email address cannot serve as a username; ask the help desk to set one")
			}
			u.Username = u.Email
			u.Registered = true
			u.PasswordHash = HashPassword(password)
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
		} else if err := tx.SetUserPassword(ctx, accountID, id, HashPassword(password)); err != nil {
			return err
		}
		_, err = tx.DeleteSessions(ctx, accountID, id, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// RegisterInput is the self-registration form.
type RegisterInput struct {
	Name, Email, Password string
	Addr, UserAgent       string
}

// Register creates a registered customer from the self-registration form,
// when the account allows it, and signs them in.
func (s *Service) Register(ctx context.Context, accountID int64, in RegisterInput) (*NewSession, error) {
	var u *sympoq.User
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		set, err := tx.Settings(ctx, accountID)
		if err != nil {
			return err
		}
		if !set.General.Guest.SelfRegistration {
			return sympoq.Forbidden("this help desk does not offer self-registration")
		}
		u = &sympoq.User{AccountID: accountID, Kind: sympoq.KindCustomer, Role: sympoq.RoleCustomer, Active: true, Notifications: true}
		ui := UserInput{Name: Some(in.Name), Email: Some(in.Email), Password: Some(in.Password)}
		p, err := s.apply(ctx, tx, set, u, &ui, true)
		if err != nil {
			return err
		}
		if u.Email == "" {
			p.Add("email", sympoq.FieldMissing, "is required")
		}
		if err := p.Err(); err != nil {
			return err
		}
		err = tx.CreateUser(ctx, u)
		if sympoq.ErrorCode(err) == sympoq.EInvalid {
			// The address is taken: say so without more detail than the
			// duplicate itself (the forgot-password link is the way in).
			return sympoq.FieldErr("email", sympoq.FieldDuplicate, "already has an account here; use \"Forgot password\" to sign in")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.openSession(ctx, u, in.Addr, in.UserAgent)
}

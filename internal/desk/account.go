package desk

import (
	"context"
	"errors"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// Credentials are an administrator's login and API key, printed once when an
// account is created.
type Credentials struct {
	Account  *sympoq.Account
	Username string
	Password string
	APIKey   string
}

// minFixedKeyLen bounds a key given by the operator (SYMPOQ_ADMIN_API_KEY).
const minFixedKeyLen = 12

// CreateAccount makes an account with its defaults and an administrator
// "admin". An empty password or key is generated.
func (s *Service) CreateAccount(ctx context.Context, name, password, key string) (*Credentials, error) {
	var p sympoq.Problems
	if err := sympoq.ValidateAccountName(name); err != nil {
		p.Merge(err)
	}
	if password == "" {
		password = randomString(16)
	}
	if code, msg := sympoq.ValidatePassword(password, 8); code != "" {
		p.Add("admin_password", code, "%s", msg)
	}
	if key != "" && (len(key) < minFixedKeyLen || len(key) > 200) {
		p.Add("admin_api_key", sympoq.FieldInvalid, "must be %d to 200 characters", minFixedKeyLen)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if key == "" {
		key = NewAPIKeyValue()
	}
	c := &Credentials{Username: "admin", Password: password, APIKey: key}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		a, err := tx.CreateAccount(ctx, name)
		if err != nil {
			return err
		}
		c.Account = a
		if err := tx.EnsureCatchAll(ctx, a.ID); err != nil {
			return err
		}
		admin := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindAgent, Name: "Administrator", Username: c.Username,
			PasswordHash: HashPassword(password), Active: true, Notifications: true, Administrator: true,
			Permissions: []sympoq.QueuePermission{}}
		if err := tx.CreateUser(ctx, admin); err != nil {
			return err
		}
		k := &sympoq.APIKey{AccountID: a.ID, UserID: admin.ID, Name: "initial", Prefix: key[:4], Hash: HashKey(key),
			Scopes: []sympoq.Scope{sympoq.ScopeRead, sympoq.ScopeWrite}}
		if err := tx.CreateAPIKey(ctx, k); err != nil {
			var e *sympoq.Error
			if errors.As(err, &e) && len(e.Fields) == 1 && e.Fields[0].Code == sympoq.FieldDuplicate {
				return sympoq.FieldErr("admin_api_key", sympoq.FieldDuplicate, "is already the key of another user; choose another")
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// EnsureAccount creates the named account unless it exists. It returns the
// credentials when it created it, nil when the account was already there
// (also when another process created it at the same moment).
func (s *Service) EnsureAccount(ctx context.Context, name, password, key string) (*Credentials, error) {
	_, err := s.db.Read().AccountByName(ctx, name)
	if err == nil {
		return nil, nil
	}
	if sympoq.ErrorCode(err) != sympoq.ENotFound {
		return nil, err
	}
	c, err := s.CreateAccount(ctx, name, password, key)
	var e *sympoq.Error
	if errors.As(err, &e) && len(e.Fields) == 1 && e.Fields[0].Field == "name" && e.Fields[0].Code == sympoq.FieldDuplicate {
		return nil, nil
	}
	return c, err
}

// CreateAPIKeyFor makes a key for a user given by login, for the command line.
func (s *Service) CreateAPIKeyFor(ctx context.Context, accountID int64, login, name string, scopes []sympoq.Scope) (*NewKey, error) {
	u, err := s.db.Read().UserByLogin(ctx, accountID, login)
	if err != nil {
		return nil, err
	}
	a := sympoq.NewActor(u)
	return s.CreateAPIKey(ctx, a, APIKeyInput{Name: Some(name), Scopes: Some(scopes)})
}

// System is the actor for command-line administration: an administrator of
// the account who is nobody in particular.
func System(accountID int64) Actor {
	return sympoq.NewActor(&sympoq.User{AccountID: accountID, Kind: sympoq.KindAgent, Administrator: true, Active: true})
}

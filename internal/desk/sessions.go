package desk

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// Web session lifetimes: a session ends after SessionIdle without a request,
// and in any case SessionMax after sign-in.
const (
	SessionIdle = 12 * time.Hour
	SessionMax  = 7 * 24 * time.Hour
	// sessionTouchEvery bounds how often a session's last-seen time is
	// written: once a minute, not once a request.
	sessionTouchEvery = time.Minute
)

// ExpireSessions is the hourly job that deletes expired sessions (they
// already open nothing: expiry is checked in every lookup).
type ExpireSessions struct{}

// Kind names the job.
func (ExpireSessions) Kind() string { return "expire_sessions" }

// NewSession is a session just signed in, with its token, which only the
// browser keeps.
type NewSession struct {
	*sympoq.Session
	Token string
}

// LoginInput is what a sign-in form sends.
type LoginInput struct {
	Login, Password string
	Addr, UserAgent string
}

// dummyHash makes a failed lookup cost as much as a wrong password, so the
// time a sign-in takes does not tell whether the user exists.
var dummyHash = HashPassword(randomString(16))

// errBadLogin is the one answer to every failed sign-in: unknown user, wrong
// password, inactive user, no password set. Which one is not said.
var errBadLogin = sympoq.Errorf(sympoq.EUnauthorized, "the username or email and password do not match an active user")

// Login checks a username or email and password and opens a session.
func (s *Service) Login(ctx context.Context, accountID int64, in LoginInput) (*NewSession, error) {
	login := strings.TrimSpace(in.Login)
	if login == "" || in.Password == "" {
		var p sympoq.Problems
		if login == "" {
			p.Add("login", sympoq.FieldMissing, "is required")
		}
		if in.Password == "" {
			p.Add("password", sympoq.FieldMissing, "is required")
		}
		return nil, p.Err()
	}
	if len(login) > 320 || len(in.Password) > 1024 {
		return nil, errBadLogin
	}
	u, err := s.db.Read().UserByLogin(ctx, accountID, login)
	if sympoq.ErrorCode(err) == sympoq.ENotFound {
		CheckPassword(dummyHash, in.Password)
		return nil, errBadLogin
	} else if err != nil {
		return nil, err
	}
	hash := u.PasswordHash
	if hash == "" {
		hash = dummyHash
	}
	if !CheckPassword(hash, in.Password) || u.PasswordHash == "" || !u.Active {
		return nil, errBadLogin
	}
	return s.openSession(ctx, u, in.Addr, in.UserAgent)
}

func (s *Service) openSession(ctx context.Context, u *sympoq.User, addr, ua string) (*NewSession, error) {
	token := NewToken()
	var ns *NewSession
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		now := tx.Now()
		ss := &sympoq.Session{AccountID: u.AccountID, UserID: u.ID, Hash: HashKey(token), Created: now, LastSeen: now,
			Expires: now.Add(SessionIdle), Addr: clip(addr, 100), UserAgent: clip(ua, 300)}
		if err := tx.DeleteExpiredSessions(ctx, u.AccountID, u.ID); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, ss); err != nil {
			return err
		}
		ns = &NewSession{Session: ss, Token: token}
		return nil
	})
	return ns, err
}

// SessionActor returns the actor and session of a session token: the user
// loaded afresh, so a role change or a deactivation applies at once. An
// unknown, expired or revoked session, or one of an inactive user, is
// unauthorized.
func (s *Service) SessionActor(ctx context.Context, accountID int64, token, addr string) (Actor, *sympoq.Session, error) {
	expired := sympoq.Errorf(sympoq.EUnauthorized, "your session has ended; please sign in again")
	if token == "" || len(token) > 200 {
		return Actor{}, nil, expired
	}
	r := s.db.Read()
	ss, err := r.SessionByHash(ctx, accountID, HashKey(token))
	if sympoq.ErrorCode(err) == sympoq.ENotFound {
		return Actor{}, nil, expired
	} else if err != nil {
		return Actor{}, nil, err
	}
	a, err := s.ActorOf(ctx, accountID, ss.UserID)
	if sympoq.ErrorCode(err) == sympoq.EUnauthorized {
		return Actor{}, nil, expired
	} else if err != nil {
		return Actor{}, nil, err
	}
	now := r.Now()
	if now.Sub(ss.LastSeen) >= sessionTouchEvery || ss.Addr != clip(addr, 100) {
		expires := now.Add(SessionIdle)
		if limit := ss.Created.Add(SessionMax); expires.After(limit) {
			expires = limit
		}
		if s.bookkeep(ctx, "record session use", "session:"+strconv.FormatInt(ss.ID, 10), func(ctx context.Context, tx *store.Tx) error {
			return tx.TouchSession(ctx, accountID, ss.ID, clip(addr, 100), expires)
		}) {
			ss.LastSeen, ss.Expires, ss.Addr = now, expires, clip(addr, 100)
		}
	}
	return a, ss, nil
}

// Logout ends the session of a token. An unknown token is not an error: the
// browser is signed out either way.
func (s *Service) Logout(ctx context.Context, accountID int64, token string) error {
	if token == "" {
		return nil
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		ss, err := tx.SessionByHash(ctx, accountID, HashKey(token))
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			return nil
		} else if err != nil {
			return err
		}
		return tx.DeleteSession(ctx, accountID, ss.UserID, ss.ID)
	})
}

// Sessions lists the caller's open sessions.
func (s *Service) Sessions(ctx context.Context, a Actor) ([]*sympoq.Session, error) {
	if a.IsGuest() {
		return nil, sympoq.Errorf(sympoq.EUnauthorized, "sign in first")
	}
	return s.db.Read().Sessions(ctx, a.AccountID, a.ID())
}

// RevokeSession ends one of the caller's sessions.
func (s *Service) RevokeSession(ctx context.Context, a Actor, id int64) error {
	if a.IsGuest() {
		return sympoq.Errorf(sympoq.EUnauthorized, "sign in first")
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, a.AccountID, a.ID(), id) })
}

// RevokeOtherSessions ends every session of the caller but keep, and
// returns how many ended.
func (s *Service) RevokeOtherSessions(ctx context.Context, a Actor, keep int64) (int, error) {
	if a.IsGuest() {
		return 0, sympoq.Errorf(sympoq.EUnauthorized, "sign in first")
	}
	var n int
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.DeleteSessions(ctx, a.AccountID, a.ID(), keep)
		return err
	})
	return n, err
}

// RevokeUserSessions ends every session of a user of the account
// (administrators), e.g. after a lost laptop.
func (s *Service) RevokeUserSessions(ctx context.Context, a Actor, userID int64) (int, error) {
	var n int
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteAgents); err != nil {
			return err
		}
		if _, err := tx.User(ctx, a.AccountID, userID); err != nil {
			return err
		}
		var err error
		n, err = tx.DeleteSessions(ctx, a.AccountID, userID, 0)
		return err
	})
	return n, err
}

// SetFlash stores a one-time message for the next page of a session.
func (s *Service) SetFlash(ctx context.Context, ss *sympoq.Session, msg string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.SetSessionFlash(ctx, ss.AccountID, ss.ID, clip(msg, 500)) })
}

// TakeFlash returns a session's one-time message and clears it.
func (s *Service) TakeFlash(ctx context.Context, ss *sympoq.Session) (string, error) {
	if ss.Flash == "" {
		return "", nil
	}
	var msg string
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		msg, err = tx.TakeSessionFlash(ctx, ss.AccountID, ss.ID)
		return err
	})
	return msg, err
}

// NewToken returns 32 random bytes in base64url, safe in a URL as it is:
// the secret of a session or of a one-time link (only its hash is stored).
func NewToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

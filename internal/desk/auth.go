package desk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// HashKey is how API keys and one-time tokens are stored: keys are long and
// random, so a fast unsalted hash cannot be reversed, and lookups stay one
// indexed read.
func HashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// NewAPIKeyValue returns a fresh random key.
func NewAPIKeyValue() string { return randomString(32) }

// touchEvery bounds how often a key's last-used time is written.
const touchEvery = time.Minute

// Authenticate returns the actor of an API key, or unauthorized when the key
// is unknown, expired, revoked, or belongs to an inactive user.
func (s *Service) Authenticate(ctx context.Context, accountID int64, key, addr string) (Actor, *sympoq.APIKey, error) {
	unauthorized := sympoq.Errorf(sympoq.EUnauthorized, "missing, unknown, expired or revoked API key")
	if key == "" || len(key) > 200 {
		return Actor{}, nil, unauthorized
	}
	r := s.db.Read()
	hash := HashKey(key)
	k, u, ok := s.keys.get(s.db, accountID, hash)
	if !ok {
		// The epoch before the read: a change that commits meanwhile
		// makes this copy stale at once.
		epoch := s.db.AuthEpoch(accountID)
		var err error
		k, u, err = r.APIKeyWithUser(ctx, accountID, hash)
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			return Actor{}, nil, unauthorized
		} else if err != nil {
			return Actor{}, nil, err
		}
		s.keys.put(accountID, hash, epoch, k, u)
	}
	if !k.Usable(r.Now()) || !u.Active {
		return Actor{}, nil, unauthorized
	}
	if r.Now().Sub(k.LastUsed) > touchEvery || k.LastAddr != addr {
		id := k.ID
		if s.bookkeep(ctx, "record api key use", "key:"+hash, func(ctx context.Context, tx *store.Tx) error {
			return tx.TouchAPIKey(ctx, accountID, id, addr, touchEvery)
		}) {
			k.LastUsed, k.LastAddr = r.Now(), addr
			s.keys.touched(accountID, hash, k.LastUsed, addr)
		}
	}
	return sympoq.NewActor(u), k, nil
}

// bookkeepWait bounds how long a request waits to record that its API key
// or session was used. The record is bookkeeping, and the one writer may be
// busy with a long write of the scheduler or with a burst of submissions:
// a request that reads must not wait for it. A record that does not get
// the writer in time is made by a later request.
const bookkeepWait = 50 * time.Millisecond

// bookkeep makes a request's bookkeeping write fn, at most one at a time
// for each subject (the requests that arrive meanwhile go on without it),
// waiting at most bookkeepWait, and reports whether it was stored. It never
// fails the request: what went wrong is logged as what. fn's statements
// take the bounded context it is given.
func (s *Service) bookkeep(ctx context.Context, what, subject string, fn func(ctx context.Context, tx *store.Tx) error) bool {
	if _, busy := s.bookkeeping.LoadOrStore(subject, struct{}{}); busy {
		return false
	}
	defer s.bookkeeping.Delete(subject)
	ctx, cancel := context.WithTimeout(ctx, bookkeepWait)
	defer cancel()
	err := s.db.Tx(ctx, func(tx *store.Tx) error { return fn(ctx, tx) })
	switch {
	case err == nil:
		return true
	case ctx.Err() != nil:
		s.logger.DebugContext(ctx, what+": the writer is busy; later", "err", err)
	default:
		s.logger.WarnContext(ctx, what, "err", err)
	}
	return false
}

// keyCache keeps what authenticating each API key read (the key, its user
// with group and queue permissions), so that a request does not read it
// again: the store's AuthEpoch says when a change, in this process or
// (PostgreSQL) another, makes a copy stale. A revoked key, a deactivated
// user or a changed role therefore applies to the next request. Copies
// also age out: after keyCacheShared while the store hears of every other
// process's changes, after keyCacheAlone when it cannot (SQLite, or
// PostgreSQL while its listener reconnects).
type keyCache struct {
	mu sync.Mutex
	m  map[string]*cachedKey // by HashKey
}

type cachedKey struct {
	accountID int64
	epoch     uint64
	read      time.Time
	key       sympoq.APIKey
	user      sympoq.User
}

const (
	keyCacheShared = 30 * time.Second
	keyCacheAlone  = 2 * time.Second
	maxCachedKeys  = 10000 // past it, the cache starts over
)

// copyAge is how long a copy of what authentication reads may be used
// (keyCache, cardCache): longer while the store hears of other processes'
// changes at once.
func copyAge(db *store.DB) time.Duration {
	if db.AuthShared() {
		return keyCacheShared
	}
	return keyCacheAlone
}

// get returns copies of the key and user cached for hash in the account,
// if they are still current.
func (c *keyCache) get(db *store.DB, accountID int64, hash string) (*sympoq.APIKey, *sympoq.User, bool) {
	c.mu.Lock()
	e := c.m[hash]
	c.mu.Unlock()
	if e == nil || e.accountID != accountID || e.epoch != db.AuthEpoch(accountID) {
		return nil, nil, false
	}
	if time.Since(e.read) > copyAge(db) {
		return nil, nil, false
	}
	k, u := e.key, e.user // copies: a caller may change its own
	return &k, &u, true
}

func (c *keyCache) put(accountID int64, hash string, epoch uint64, k *sympoq.APIKey, u *sympoq.User) {
	e := &cachedKey{accountID: accountID, epoch: epoch, read: time.Now(), key: *k, user: *u}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedKeys {
		c.m = map[string]*cachedKey{}
	}
	c.m[hash] = e
	c.mu.Unlock()
}

// touched records in the cached copy the use just written to the store.
func (c *keyCache) touched(accountID int64, hash string, at time.Time, addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[hash]; e != nil && e.accountID == accountID {
		ne := *e
		ne.key.LastUsed, ne.key.LastAddr = at, addr
		c.m[hash] = &ne
	}
}

// APIKeyInput creates a key.
type APIKeyInput struct {
	Name    Opt[string]         `json:"name"`
	Scopes  Opt[[]sympoq.Scope] `json:"scopes"`
	Expires Opt[time.Time]      `json:"expires"`
}

// NewKey is a created key with its value, which is shown this once.
type NewKey struct {
	*sympoq.APIKey
	Key string
}

// CreateAPIKey makes a key for the caller.
func (s *Service) CreateAPIKey(ctx context.Context, a Actor, in APIKeyInput) (*NewKey, error) {
	if a.IsGuest() {
		return nil, sympoq.Errorf(sympoq.EUnauthorized, "sign in first")
	}
	var p sympoq.Problems
	name := in.Name.Value("")
	if name == "" {
		p.Add("name", sympoq.FieldMissing, "is required")
	}
	sympoq.CheckText(&p, "name", name, sympoq.MaxItemNameLen, false)
	scopes := []sympoq.Scope{sympoq.ScopeRead, sympoq.ScopeWrite}
	if in.Scopes.Set {
		scopes = nil
		seen := map[sympoq.Scope]bool{}
		for _, sc := range in.Scopes.V {
			if sc != sympoq.ScopeRead && sc != sympoq.ScopeWrite {
				p.Add("scopes", sympoq.FieldInvalid, "may hold only read and write")
				break
			}
			if !seen[sc] {
				seen[sc] = true
				scopes = append(scopes, sc)
			}
		}
		if len(scopes) == 0 && p.Len() == 0 {
			p.Add("scopes", sympoq.FieldInvalid, "must hold read, write or both")
		}
	}
	now := s.db.Now()
	expires := in.Expires.Value(time.Time{})
	if !expires.IsZero() && !expires.After(now) {
		p.Add("expires", sympoq.FieldInvalid, "must be in the future")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.createKey(ctx, a.AccountID, a.ID(), name, scopes, expires.UTC(), "")
}

func (s *Service) createKey(ctx context.Context, accountID, userID int64, name string, scopes []sympoq.Scope, expires time.Time, value string) (*NewKey, error) {
	if value == "" {
		value = NewAPIKeyValue()
	}
	k := &sympoq.APIKey{AccountID: accountID, UserID: userID, Name: name, Prefix: value[:4],
		Hash: HashKey(value), Scopes: scopes, Expires: expires}
	err := s.db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateAPIKey(ctx, k) })
	if err != nil {
		return nil, err
	}
	return &NewKey{APIKey: k, Key: value}, nil
}

// APIKeys lists the caller's keys.
func (s *Service) APIKeys(ctx context.Context, a Actor) ([]*sympoq.APIKey, error) {
	if a.IsGuest() {
		return nil, sympoq.Errorf(sympoq.EUnauthorized, "sign in first")
	}
	return s.db.Read().APIKeys(ctx, a.AccountID, a.ID())
}

// RevokeAPIKey revokes one of the caller's keys.
func (s *Service) RevokeAPIKey(ctx context.Context, a Actor, id int64) error {
	if a.IsGuest() {
		return sympoq.Errorf(sympoq.EUnauthorized, "sign in first")
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.RevokeAPIKey(ctx, a.AccountID, a.ID(), id) })
}

// ActorOf returns the actor of a user who proved who they are another way
// than with an API key (a web session, a mail sender address): loaded afresh,
// so a role change applies at once. An inactive or unknown user is
// unauthorized.
func (s *Service) ActorOf(ctx context.Context, accountID, userID int64) (Actor, error) {
	u, err := s.db.Read().User(ctx, accountID, userID)
	if sympoq.ErrorCode(err) == sympoq.ENotFound || (err == nil && !u.Active) {
		return Actor{}, sympoq.Errorf(sympoq.EUnauthorized, "unknown or inactive user")
	}
	if err != nil {
		return Actor{}, err
	}
	return sympoq.NewActor(u), nil
}

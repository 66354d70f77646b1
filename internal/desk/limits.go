package desk

import (
	"context"
	"sync"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// configTTL bounds how long a change another server process makes to an
// account's settings or custom fields takes to reach this one. A change
// made through this process applies at once (forgetConfig).
const configTTL = time.Second

// configCache keeps each account's settings and custom field definitions
// for the read paths that every request takes (authentication's rate
// limits, ticket views, lists), which would otherwise load and decode them
// on every call. The cached values are shared: readers must not change
// them. Use cases that change settings read them in their transaction, not
// from here.
type configCache struct {
	mu sync.Mutex
	m  map[int64]*cachedConfig
}

type cachedConfig struct {
	set     *sympoq.Settings
	defs    []*sympoq.CustomField
	expires time.Time
}

// maxCachedAccounts bounds the cache; past it, it starts over.
const maxCachedAccounts = 10000

// config returns the account's settings and custom fields, from the cache
// when fresh. tx reads them when they are not.
func (s *Service) config(ctx context.Context, tx *store.Tx, accountID int64) (*sympoq.Settings, []*sympoq.CustomField, error) {
	now := time.Now()
	s.cfg.mu.Lock()
	c, ok := s.cfg.m[accountID]
	s.cfg.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.set, c.defs, nil
	}
	set, err := tx.Settings(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	defs, err := tx.CustomFields(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	s.cfg.mu.Lock()
	if s.cfg.m == nil || len(s.cfg.m) >= maxCachedAccounts {
		s.cfg.m = map[int64]*cachedConfig{}
	}
	s.cfg.m[accountID] = &cachedConfig{set: set, defs: defs, expires: now.Add(configTTL)}
	s.cfg.mu.Unlock()
	return set, defs, nil
}

// forgetConfig drops the account's cached settings and custom fields after
// this process changed them.
func (s *Service) forgetConfig(accountID int64) {
	s.cfg.mu.Lock()
	delete(s.cfg.m, accountID)
	s.cfg.mu.Unlock()
}

// RateLimits returns an account's API budgets; every request needs them.
func (s *Service) RateLimits(ctx context.Context, accountID int64) (sympoq.RateLimits, error) {
	set, _, err := s.config(ctx, s.db.Read(), accountID)
	if err != nil {
		return sympoq.RateLimits{}, err
	}
	return set.RateLimits, nil
}

package desk

import (
	"context"
	"sync"
	"time"

	"github.com/sympoq/sympoq"
)

// limitsTTL bounds how stale a cached rate limit may be after an
// administrator changes it.
const limitsTTL = 10 * time.Second

type limitsCache struct {
	mu sync.Mutex
	m  map[int64]cachedLimits
}

type cachedLimits struct {
	l       sympoq.RateLimits
	expires time.Time
}

// RateLimits returns an account's API budgets, cached briefly because
// every request needs them.
func (s *Service) RateLimits(ctx context.Context, accountID int64) (sympoq.RateLimits, error) {
	now := time.Now()
	s.limits.mu.Lock()
	c, ok := s.limits.m[accountID]
	s.limits.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.l, nil
	}
	set, err := s.db.Read().Settings(ctx, accountID)
	if err != nil {
		return sympoq.RateLimits{}, err
	}
	s.limits.mu.Lock()
	if s.limits.m == nil || len(s.limits.m) > 10000 {
		s.limits.m = map[int64]cachedLimits{}
	}
	s.limits.m[accountID] = cachedLimits{l: set.RateLimits, expires: now.Add(limitsTTL)}
	s.limits.mu.Unlock()
	return set.RateLimits, nil
}

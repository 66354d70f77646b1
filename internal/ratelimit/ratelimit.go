// Package ratelimit decides whether a request fits its budget: a number of
// requests per window for a key, by the generic cell rate algorithm (GCRA),
// which allows a full burst and then one request per window/limit. Memory
// keeps the state in the process; Redis shares it across processes.
package ratelimit

import (
	"context"
	"time"
)

// Result is the outcome of one request against a budget.
type Result struct {
	Allowed    bool
	Limit      int
	Remaining  int
	Reset      time.Duration // until the budget is whole again
	RetryAfter time.Duration // when denied: until the next request fits
}

// Limiter takes one request of key against limit per window.
type Limiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration) (Result, error)
}

package ratelimit

import (
	"context"
	"sync"
	"time"
)

// sweepEvery bounds the work of forgetting keys whose budget is whole.
const sweepEvery = 4096

// Memory is a Limiter for one process.
type Memory struct {
	mu    sync.Mutex
	tat   map[string]time.Time // theoretical arrival time of the next request
	calls int
	// Now is the clock; tests may pin it.
	Now func() time.Time
}

// NewMemory returns an empty in-process limiter.
func NewMemory() *Memory {
	return &Memory{tat: map[string]time.Time{}, Now: time.Now}
}

// Allow implements GCRA with a burst of the whole limit.
func (m *Memory) Allow(_ context.Context, key string, limit int, window time.Duration) (Result, error) {
	if limit < 1 {
		limit = 1
	}
	interval := window / time.Duration(limit)
	now := m.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.calls%sweepEvery == 0 {
		for k, t := range m.tat {
			if t.Before(now) {
				delete(m.tat, k)
			}
		}
	}
	tat := m.tat[key]
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(interval)
	allowAt := next.Add(-window)
	if now.Before(allowAt) {
		return Result{Limit: limit, Reset: tat.Sub(now), RetryAfter: allowAt.Sub(now)}, nil
	}
	m.tat[key] = next
	remaining := int(now.Add(window).Sub(next) / interval)
	return Result{Allowed: true, Limit: limit, Remaining: remaining, Reset: next.Sub(now)}, nil
}

package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Redis is a Limiter whose state lives in Redis, so a budget holds across
// every server process that shares it.
type Redis struct {
	client    *redis.Client
	limiter   *redis_rate.Limiter
	namespace string
}

// NewRedis connects to the Redis at url (redis://host:port/db) and checks
// that it answers. Keys are kept under namespace, so that deployments (or
// tests) sharing one Redis do not share budgets; the processes of one
// deployment must use the same namespace.
func NewRedis(ctx context.Context, url, namespace string) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	c := redis.NewClient(opts)
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis: %w", err)
	}
	return &Redis{client: c, limiter: redis_rate.NewLimiter(c), namespace: namespace}, nil
}

// Close closes the connection pool.
func (r *Redis) Close() error { return r.client.Close() }

// Allow takes one request atomically in Redis (GCRA in a Lua script).
func (r *Redis) Allow(ctx context.Context, key string, limit int, window time.Duration) (Result, error) {
	if limit < 1 {
		limit = 1
	}
	res, err := r.limiter.Allow(ctx, "sympoq:"+r.namespace+":"+key, redis_rate.Limit{Rate: limit, Burst: limit, Period: window})
	if err != nil {
		return Result{}, err
	}
	out := Result{Allowed: res.Allowed > 0, Limit: limit, Reset: res.ResetAfter}
	if !out.Allowed {
		out.RetryAfter = res.RetryAfter
		return out, nil
	}
	// The script's own count rounds 8.9999… down; derive it from the reset
	// time as the in-memory limiter does.
	interval := window.Seconds() / float64(limit)
	out.Remaining = max(0, min(limit-1, int((window-res.ResetAfter).Seconds()/interval+1e-6)))
	return out, nil
}

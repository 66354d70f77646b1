package ratelimit_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/sympoq/sympoq/internal/ratelimit"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// each runs fn on the in-memory limiter and on Redis (when configured or
// required).
func each(t *testing.T, fn func(t *testing.T, l ratelimit.Limiter, advance func(time.Duration))) {
	t.Run("memory", func(t *testing.T) {
		m := ratelimit.NewMemory()
		now := time.Unix(1_700_000_000, 0)
		m.Now = func() time.Time { return now }
		fn(t, m, func(d time.Duration) { now = now.Add(d) })
	})
	t.Run("redis", func(t *testing.T) {
		url := storetest.Require(t, "Redis", "SYMPOQ_TEST_REDIS_URL")
		r, err := ratelimit.NewRedis(context.Background(), url, fmt.Sprintf("test%d", os.Getpid()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		fn(t, r, func(d time.Duration) { time.Sleep(d) })
	})
}

func TestBurstThenRefill(t *testing.T) {
	each(t, func(t *testing.T, l ratelimit.Limiter, advance func(time.Duration)) {
		ctx := context.Background()
		key := fmt.Sprintf("test:%d:%d", os.Getpid(), time.Now().UnixNano())
		const limit = 10
		window := time.Second
		for i := 0; i < limit; i++ {
			r, err := l.Allow(ctx, key, limit, window)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Allowed || r.Remaining != limit-1-i || r.Limit != limit {
				t.Fatalf("request %d: %+v, want allowed with %d remaining", i, r, limit-1-i)
			}
		}
		r, _ := l.Allow(ctx, key, limit, window)
		if r.Allowed || r.RetryAfter <= 0 || r.RetryAfter > window/limit+10*time.Millisecond {
			t.Fatalf("request over the burst: %+v, want denied with a retry of about %v", r, window/limit)
		}
		other, _ := l.Allow(ctx, key+":other", limit, window)
		if !other.Allowed {
			t.Errorf("another key is limited too")
		}
		advance(window/limit + 20*time.Millisecond)
		if r, _ := l.Allow(ctx, key, limit, window); !r.Allowed {
			t.Errorf("after one interval: %+v, want allowed", r)
		}
	})
}

// TestConcurrent: with many goroutines, exactly the limit gets through.
func TestConcurrent(t *testing.T) {
	each(t, func(t *testing.T, l ratelimit.Limiter, _ func(time.Duration)) {
		key := fmt.Sprintf("conc:%d:%d", os.Getpid(), time.Now().UnixNano())
		var mu sync.Mutex
		allowed := 0
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 25; i++ {
					r, err := l.Allow(context.Background(), key, 50, time.Hour)
					if err != nil {
						t.Error(err)
						return
					}
					if r.Allowed {
						mu.Lock()
						allowed++
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		if allowed != 50 {
			t.Errorf("%d of 200 requests allowed, want exactly the limit of 50", allowed)
		}
	})
}

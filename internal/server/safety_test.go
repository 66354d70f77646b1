package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestBurstOfWrites: a burst of ten times its write budget from one key, all
// at once, gets exactly the budget through and 429 for the rest, while
// another key of the account is answered as usual throughout.
func TestBurstOfWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		accountID, admin := s.account("default")
		_, other := s.customerKey(accountID, "calm@example.com")
		const budget = 10
		if r := s.call("PUT", "", api+"/settings", admin, map[string]any{"rate_limits": map[string]any{"read": 1000, "write": budget}}); r.status != 200 {
			t.Fatalf("PUT /settings = %d %s", r.status, r.body)
		}
		var k struct{ Key string }
		s.call("POST", "", api+"/profile/apikeys", admin, map[string]any{"name": "burst"}).decode(t, &k)

		var mu sync.Mutex
		burst, calm := map[int]int{}, map[int]int{}
		var errs []error
		var wg sync.WaitGroup
		for i := range 10 * budget {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := s.send("POST", "", api+"/tag", k.Key, strings.NewReader(fmt.Sprintf(`{"name":"burst %d"}`, i)), "application/json", nil)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				if r.status == 429 && (r.header.Get("Retry-After") == "" || r.problem().Code != "rate_limited") {
					errs = append(errs, fmt.Errorf("429 without Retry-After or problem: %v %s", r.header, r.body))
				}
				burst[r.status]++
			}()
			if i%10 == 0 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := s.send("GET", "", api+"/profile", other, nil, "application/json", nil)
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						errs = append(errs, err)
						return
					}
					calm[r.status]++
				}()
			}
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d requests failed, first: %v", len(errs), errs[0])
		}
		if burst[201] != budget || burst[429] != 9*budget {
			t.Errorf("burst of %d writes answered %v, want %d created and the rest 429", 10*budget, burst, budget)
		}
		if calm[200] != budget {
			t.Errorf("the other key during the burst got %v, want %d answers of 200", calm, budget)
		}
		var n int
		if err := db.Writer().QueryRow(`SELECT count(*) FROM tags WHERE name LIKE 'burst %'`).Scan(&n); err != nil || n != budget {
			t.Errorf("%d tags stored (%v), want %d", n, err, budget)
		}
	})
}

// TestIdempotentRetriesConcurrently: one request retried 50 times at once
// with its Idempotency-Key, through two server processes on one database,
// creates exactly one ticket. Each retry gets the first answer replayed, or
// 409 while the first is still in flight.
func TestIdempotentRetriesConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		s2 := newStack(t, db, "")
		_, admin := s.account("default")
		body, _ := json.Marshal(map[string]any{"description": "my printer is on fire", "customer": map[string]any{"email": "fire@example.com"}})
		var mu sync.Mutex
		var created []response
		codes := map[string]int{}
		var errs []error
		var wg sync.WaitGroup
		for i := range 50 {
			st := s
			if i%2 == 1 {
				st = s2
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := st.send("POST", "", api+"/request", admin, bytes.NewReader(body), "application/json", map[string]string{"Idempotency-Key": "fire-1"})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				codes[fmt.Sprint(r.status, " replayed=", r.header.Get("Idempotent-Replayed") == "true")]++
				if r.status == 201 {
					created = append(created, r)
				}
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d requests failed, first: %v", len(errs), errs[0])
		}
		t.Logf("answers to 50 concurrent retries: %v", codes)
		if codes["201 replayed=false"] != 1 || codes["201 replayed=false"]+codes["201 replayed=true"]+codes["409 replayed=false"] != 50 {
			t.Errorf("50 concurrent retries answered %v, want one 201, the rest replayed or 409", codes)
		}
		for _, r := range created[1:] {
			if string(r.body) != string(created[0].body) {
				t.Errorf("a replay differs from the first answer:\n%s\n%s", r.body, created[0].body)
				break
			}
		}
		var n int
		if err := db.Writer().QueryRow(`SELECT count(*) FROM tickets`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d tickets (%v) after 50 retries of one request, want 1", n, err)
		}
		if r, err := s2.send("POST", "", api+"/request", admin, bytes.NewReader(body), "application/json", map[string]string{"Idempotency-Key": "fire-1"}); err != nil ||
			r.status != 201 || r.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("a retry after the burst = %d %v %v, want the first answer replayed", r.status, r.header, err)
		}
	})
}

// endless is a JSON body that never ends: an object whose one string
// member goes on, up to limit bytes. It counts what it handed out.
type endless struct {
	n, limit int64
}

func (r *endless) Read(p []byte) (int, error) {
	if r.n >= r.limit {
		return 0, io.EOF
	}
	start := len(`{"description":"`)
	for i := range p {
		if r.n+int64(i) < int64(start) {
			p[i] = `{"description":"`[r.n+int64(i)]
		} else {
			p[i] = 'a'
		}
	}
	atomic.AddInt64(&r.n, int64(len(p)))
	return len(p), nil
}

// TestEndlessBody: a body that never ends (chunked, no length) is cut off
// at the JSON limit with 413, and neither the server nor the test process
// takes it in: the client hands out a few MiB before the connection ends,
// not the 512 MiB it would, and the heap does not grow with it.
func TestEndlessBody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		_, admin := s.account("default")
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		body := &endless{limit: 512 << 20}
		r, err := s.send("POST", "", api+"/request", admin, body, "application/json", nil)
		if err == nil && (r.status != 413 || r.problem().Code != "too_large") {
			t.Errorf("endless body = %d %s, want 413", r.status, r.body)
		}
		// The connection may also end before the client reads the answer;
		// either way the body was cut off.
		sent := atomic.LoadInt64(&body.n)
		t.Logf("the client handed out %d KiB; answer %d, transport error %v", sent>>10, r.status, err)
		if sent > 64<<20 {
			t.Errorf("the client handed out %d MiB before the server stopped reading", sent>>20)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 32<<20 {
			t.Errorf("the heap grew by %d MiB", grown>>20)
		}
		var n int
		if err := db.Writer().QueryRow(`SELECT count(*) FROM tickets`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d tickets (%v) after a body that was cut off, want 0", n, err)
		}
		// The server goes on answering.
		if r := s.call("GET", "", api+"/profile", admin, nil); r.status != 200 {
			t.Errorf("GET /profile after the endless body = %d", r.status)
		}
	})
}

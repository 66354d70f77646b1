package main

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestRateLimitAcrossProcesses: two server processes on one database and
// one Redis share each key's budget, on SQLite and on PostgreSQL.
func TestRateLimitAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	redisURL := storetest.Require(t, "Redis", "SYMPOQ_TEST_REDIS_URL")
	bin := binary(t)
	for _, tc := range lifecycleDBs {
		t.Run(tc.name, func(t *testing.T) {
			// A key of its own, so that no budget left in Redis by an
			// earlier run counts.
			key := fmt.Sprintf("two-process-admin-key-%s-%d", tc.name, time.Now().UnixNano())
			env := []string{"SYMPOQ_DB=" + tc.dsn(t), "SYMPOQ_DATA_DIR=" + t.TempDir(),
				"SYMPOQ_ADMIN_API_KEY=" + key, "SYMPOQ_REDIS=" + redisURL, "SYMPOQ_LOG_LEVEL=error"}
			// startProcess waits until the first is ready (it has migrated
			// the empty database) before the second starts.
			addrA, addrB := freePort(t), freePort(t)
			a := startProcess(t, bin, env, addrA)
			defer func() { _ = a.Process.Kill(); _ = a.Wait() }()
			b := startProcess(t, bin, env, addrB)
			defer func() { _ = b.Process.Kill(); _ = b.Wait() }()

			do := func(addr, method, path, body string) int {
				req, _ := http.NewRequest(method, "http://"+addr+"/app/desk/api"+path, bytes.NewBufferString(body))
				req.Header.Set("apikey", key)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return 0
				}
				res.Body.Close()
				return res.StatusCode
			}
			if st := do(addrA, "PUT", "/settings", `{"rate_limits":{"read":1000,"write":10}}`); st != 200 {
				t.Fatalf("PUT /settings = %d", st)
			}
			// 9 writes left in the minute; 20 attempts alternate between the two.
			var mu sync.Mutex
			codes := map[int]int{}
			var wg sync.WaitGroup
			for i := 0; i < 20; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					addr := addrA
					if i%2 == 1 {
						addr = addrB
					}
					st := do(addr, "POST", "/tag", fmt.Sprintf(`{"name":"tag %d"}`, i))
					mu.Lock()
					codes[st]++
					mu.Unlock()
				}(i)
			}
			wg.Wait()
			if codes[201] != 9 || codes[429] != 11 {
				t.Errorf("two processes answered %v to 20 writes; want 9 created and 11 limited (one budget of 10)", codes)
			}
		})
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sympoq/sympoq/internal/store/storetest"
)

// buildBinary compiles sympoq once per test binary run.
var buildOnce struct {
	sync.Once
	path string
	err  error
}

func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sympoq-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "sympoq")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, ".").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startProcess runs the real binary and waits until it is ready.
func startProcess(t *testing.T, bin string, env []string, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", addr)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	t.Fatal("process not ready")
	return nil
}

// TestKillDuringSubmissions kills the server (SIGKILL) in the middle of a
// stream of submissions and checks after a restart that every request
// answered 201 is there, complete, and that no partial ticket exists.
func TestKillDuringSubmissions(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := binary(t)
	for _, tc := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "kill.db") }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresDSN(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const key = "kill-test-admin-key-0123"
			env := []string{"SYMPOQ_DB=" + tc.dsn(t), "SYMPOQ_DATA_DIR=" + t.TempDir(), "SYMPOQ_ADMIN_API_KEY=" + key,
				"SYMPOQ_LOG_LEVEL=error"}
			addr := freePort(t)
			cmd := startProcess(t, bin, env, addr)
			base := "http://" + addr + "/app/desk/api"
			// The stream is far over the default write budget of 120 a minute.
			setReq, _ := http.NewRequest("PUT", base+"/settings", bytes.NewBufferString(`{"rate_limits":{"read":1000000,"write":1000000}}`))
			setReq.Header.Set("apikey", key)
			if res, err := http.DefaultClient.Do(setReq); err != nil || res.StatusCode != 200 {
				t.Fatalf("raise rate limits: %v %v", err, res)
			}

			type ack struct{ id, desc string }
			var mu sync.Mutex
			var acked []ack
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			client := &http.Client{Timeout: 5 * time.Second}
			for w := 0; w < 8; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := 0; ctx.Err() == nil && i < 100000; i++ {
						desc := fmt.Sprintf("worker %d request %d: the printer is on fire", w, i)
						body, _ := json.Marshal(map[string]any{"description": desc, "tags": []string{"kill-test"},
							"customer": map[string]any{"name": "Kill Test", "email": fmt.Sprintf("k%d@example.com", w)}})
						req, _ := http.NewRequestWithContext(ctx, "POST", base+"/request", bytes.NewReader(body))
						req.Header.Set("apikey", key)
						req.Header.Set("Content-Type", "application/json")
						res, err := client.Do(req)
						if err != nil {
							return // the server is gone
						}
						var tk struct{ ID string }
						_ = json.NewDecoder(res.Body).Decode(&tk)
						res.Body.Close()
						if res.StatusCode == 201 {
							mu.Lock()
							acked = append(acked, ack{tk.ID, desc})
							mu.Unlock()
						}
					}
				}(w)
			}
			time.Sleep(1500 * time.Millisecond)
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			cancel()
			wg.Wait()
			if len(acked) < 20 {
				t.Fatalf("only %d submissions acknowledged before the kill; the test proves nothing", len(acked))
			}

			cmd = startProcess(t, bin, env, addr)
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			get := func(path string, v any) int {
				req, _ := http.NewRequest("GET", base+path, nil)
				req.Header.Set("apikey", key)
				res, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				if v != nil {
					_ = json.NewDecoder(res.Body).Decode(v)
				}
				return res.StatusCode
			}
			for _, a := range acked {
				var tk struct {
					Description string
					Tags        []string
					EventLog    []struct{ Action string } `json:"event_log"`
				}
				if st := get("/ticket/"+a.id+"?event_log=1", &tk); st != 200 {
					t.Errorf("acknowledged ticket %s: GET = %d after the restart", a.id, st)
					continue
				}
				// Submitted, and Notified for the acknowledgement to the customer.
				if tk.Description != a.desc || len(tk.Tags) != 1 || len(tk.EventLog) != 2 || tk.EventLog[1].Action != "Submitted" || tk.EventLog[0].Action != "Notified" {
					t.Errorf("ticket %s is not complete: %+v", a.id, tk)
				}
			}
			// Nothing partial: every stored ticket (acknowledged or not) is
			// whole and findable by its tag.
			var all []struct {
				ID          string
				Description string
			}
			cursor, n := "", 0
			for {
				var page []struct {
					ID          string
					Description string
				}
				req, _ := http.NewRequest("GET", base+"/tickets?tag=kill-test&limit=500&cursor="+cursor, nil)
				req.Header.Set("apikey", key)
				res, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_ = json.NewDecoder(res.Body).Decode(&page)
				res.Body.Close()
				all = append(all, page...)
				cursor = res.Header.Get("X-Next-Cursor")
				if n++; cursor == "" || n > 100 {
					break
				}
			}
			if len(all) < len(acked) {
				t.Errorf("%d tickets stored, fewer than the %d acknowledged", len(all), len(acked))
			}
			for _, tk := range all {
				if tk.Description == "" {
					t.Errorf("partial ticket %s without description", tk.ID)
				}
			}
			t.Logf("%s: %d acknowledged before SIGKILL, %d stored", tc.name, len(acked), len(all))
		})
	}
}

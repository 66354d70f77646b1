package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sympoq/sympoq/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startServer runs "sympoq serve" through run, as main would, and waits until
// /readyz answers. It returns the base URL, the captured stdout and a stop
// function that cancels the context and returns run's error.
func startServer(t *testing.T, env map[string]string, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	getenv := func(k string) string { return env[k] }
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), getenv, strings.NewReader(""), stdout, stderr)
	}()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("server did not stop within 30 s")
			return nil
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("server exited early: %v\nstderr: %s", err, stderr.String())
		default:
		}
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			res, err := http.Get(m[1] + "/readyz")
			if err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					return m[1], stdout, stop
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	t.Fatalf("server not ready in time\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
	return "", nil, nil
}

func get(t *testing.T, url, key string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("apikey", key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// TestZeroConfig starts the binary in an empty directory with no flags but
// the address: it creates sympoq.db, the default account and its
// administrator, prints the login once, and reuses everything next time.
func TestZeroConfig(t *testing.T) {
	t.Chdir(t.TempDir())
	base, out, stop := startServer(t, nil)
	m := regexp.MustCompile(`API key:\s+(\S+)`).FindStringSubmatch(out.String())
	if m == nil || !strings.Contains(out.String(), `administrator "admin"`) || !strings.Contains(out.String(), "password: ") {
		t.Fatalf("first start printed no credentials:\n%s", out.String())
	}
	key := m[1]
	status, body := get(t, base+"/app/desk/api/queues/1", key)
	if status != 200 || !strings.Contains(string(body), `"name":"Inbox"`) || !strings.Contains(string(body), `"permissions":[]`) {
		t.Errorf("GET /queues/1 = %d %s", status, body)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	if _, err := os.Stat("sympoq.db"); err != nil {
		t.Fatalf("sympoq.db not created: %v", err)
	}

	base, out, stop = startServer(t, nil)
	defer stop()
	if strings.Contains(out.String(), "API key") {
		t.Errorf("second start printed credentials again:\n%s", out.String())
	}
	if status, _ := get(t, base+"/app/desk/api/queues", key); status != 200 {
		t.Errorf("first start's key on second start = %d, want 200", status)
	}
}

// TestServeFixedAdmin runs on SQLite and PostgreSQL with the administrator's
// password and key fixed by the environment, and exercises the admin
// commands against the same database.
func TestServeFixedAdmin(t *testing.T) {
	for _, tc := range []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "s.db") }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresDSN(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := tc.db(t)
			dataDir := t.TempDir()
			env := map[string]string{"SYMPOQ_ADMIN_PASSWORD": "correct horse battery", "SYMPOQ_ADMIN_API_KEY": "fixed-admin-key-0123456789",
				"SYMPOQ_DB": dsn, "SYMPOQ_DATA_DIR": dataDir}
			base, out, stop := startServer(t, env)
			if strings.Contains(out.String(), "correct horse") || strings.Contains(out.String(), "fixed-admin-key") {
				t.Errorf("fixed secrets echoed on stdout:\n%s", out.String())
			}
			status, body := get(t, base+"/app/desk/api/profile", "fixed-admin-key-0123456789")
			if status != 200 || !strings.Contains(string(body), `"administrator":true`) {
				t.Fatalf("GET /profile with the fixed key = %d %s", status, body)
			}

			// The admin commands work on the running server's database.
			cmd := func(args ...string) string {
				t.Helper()
				var o, e bytes.Buffer
				if err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader("a-good-password\n"), &o, &e); err != nil {
					t.Fatalf("sympoq %s: %v\n%s", strings.Join(args, " "), err, e.String())
				}
				return o.String()
			}
			if o := cmd("user", "create", "--name", "Ann Agent", "--email", "ann@example.com", "--password-stdin"); !strings.Contains(o, "created agent") {
				t.Errorf("user create: %s", o)
			}
			key := strings.TrimSpace(cmd("apikey", "create", "--user", "ann@example.com", "--scopes", "read"))
			if status, body := get(t, base+"/app/desk/api/profile", key); status != 200 || !strings.Contains(string(body), "Ann Agent") {
				t.Errorf("key from apikey create: %d %s", status, body)
			}
			if o := cmd("demo", "--customers", "40"); !strings.Contains(o, "40 customers") || !strings.Contains(o, "3 knowledge-base categories, 8 articles") {
				t.Errorf("demo: %s", o)
			}
			if o := cmd("demo", "--customers", "40"); !strings.Contains(o, "0 queues") || !strings.Contains(o, "0 knowledge-base categories") {
				t.Errorf("second demo run should add no queues: %s", o)
			}
			// Ann is an agent without edit rights: published articles of every category.
			status, body = get(t, base+"/app/desk/api/kb/articles", key)
			if status != 200 || strings.Count(string(body), `"id"`) != 7 {
				t.Errorf("knowledge base after demo = %d %s, want 7 published articles", status, body)
			}
			status, body = get(t, base+"/app/desk/api/queues", key)
			var qs []struct{ Name string }
			_ = json.Unmarshal(body, &qs)
			if status != 200 || len(qs) != 4 {
				t.Errorf("queues after demo = %d %s, want Inbox, Support, Sales, Billing", status, body)
			}
			// The fixed key is the default account's; reusing it is refused.
			var e bytes.Buffer
			err := run(context.Background(), []string{"account", "create", "second"}, func(k string) string { return env[k] }, nil, io.Discard, &e)
			if err == nil || !strings.Contains(err.Error(), "admin_api_key") {
				t.Errorf("account create with the default account's fixed key: err = %v, want admin_api_key taken", err)
			}
			delete(env, "SYMPOQ_ADMIN_API_KEY")
			if o := cmd("account", "create", "second"); !strings.Contains(o, `account "second"`) || !strings.Contains(o, "API key:") {
				t.Errorf("account create: %s", o)
			}
			if o := cmd("account", "list"); !strings.Contains(o, "default") || !strings.Contains(o, "second") {
				t.Errorf("account list: %s", o)
			}
			if err := stop(); err != nil {
				t.Fatalf("graceful stop: %v", err)
			}
		})
	}
}

func TestCommandErrors(t *testing.T) {
	for _, args := range [][]string{{"nonsense"}, {"account"}, {"serve", "--log-level", "loud"}, {"serve", "--base-domain", "a b"}} {
		var o, e bytes.Buffer
		if err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &o, &e); err == nil {
			t.Errorf("sympoq %v: no error", args)
		}
	}
	var o bytes.Buffer
	if err := run(context.Background(), []string{"version"}, func(string) string { return "" }, nil, &o, io.Discard); err != nil || !strings.HasPrefix(o.String(), "sympoq ") {
		t.Errorf("version = %q, %v", o.String(), err)
	}
}

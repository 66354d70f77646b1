package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var profiling = regexp.MustCompile(`SympoQ profiles on (http://\S+/debug/pprof/)`)

// TestServePprof: --pprof serves the profiler on its own loopback listener
// and nowhere else; an address that is not loopback is refused.
func TestServePprof(t *testing.T) {
	t.Chdir(t.TempDir())
	base, out, stop := startServer(t, map[string]string{"SYMPOQ_ADMIN_API_KEY": "pprof-test-admin-key-0123456789"},
		"--pprof", "127.0.0.1:0")
	defer stop()
	m := profiling.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no profiler address in the output:\n%s", out.String())
	}
	res, err := http.Get(m[1] + "goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "goroutine profile") {
		t.Errorf("profiler = %d %.200s", res.StatusCode, body)
	}
	res, err = http.Get(base + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("the public listener serves the profiler: %d", res.StatusCode)
	}

	for _, addr := range []string{"0.0.0.0:6060", ":6060", "192.0.2.1:6060", "example.com:6060", "6060"} {
		var o, e bytes.Buffer
		err := run(context.Background(), []string{"serve", "--pprof", addr}, func(string) string { return "" }, strings.NewReader(""), &o, &e)
		if err == nil || !strings.Contains(err.Error(), "--pprof") {
			t.Errorf("sympoq serve --pprof %s = %v, want a configuration error", addr, err)
		}
	}
}

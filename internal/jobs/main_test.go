package jobs_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run when a River goroutine outlives the tests: every
// runner a test starts must be stopped by it.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leak := riverGoroutines(5 * time.Second); leak != "" {
			fmt.Fprintf(os.Stderr, "River goroutines still running after the tests:\n%s\n", leak)
			code = 1
		}
	}
	os.Exit(code)
}

// riverGoroutines waits up to d for goroutines running River code to end,
// and returns the stacks of those that do not.
func riverGoroutines(d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "github.com/riverqueue/river") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 || time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

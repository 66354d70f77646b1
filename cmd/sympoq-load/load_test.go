package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPct(t *testing.T) {
	lat := make([]time.Duration, 100)
	for i := range lat {
		lat[i] = time.Duration(i+1) * time.Millisecond // 1 … 100 ms
	}
	for _, tc := range []struct {
		p    float64
		want float64
	}{{0.50, 50}, {0.90, 90}, {0.95, 95}, {0.99, 99}, {1, 100}, {0, 1}} {
		if got := pct(lat, tc.p); got != tc.want {
			t.Errorf("pct(1…100 ms, %v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := pct(lat[:1], 0.99); got != 1 {
		t.Errorf("pct(one sample, 0.99) = %v, want 1", got)
	}
}

func TestMixes(t *testing.T) {
	for _, name := range phaseNames {
		m, ok := mixes[name]
		if !ok {
			t.Fatalf("phase %q has no mix", name)
		}
		sum := 0
		for _, p := range m {
			sum += p
		}
		if sum != 100 {
			t.Errorf("mix %q adds up to %d%%, want 100%%", name, sum)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var got [nKinds]int
	const n = 100000
	for range n {
		got[mixes["mixed"].pick(rng)]++
	}
	for k, want := range mixes["mixed"] {
		if share := 100 * float64(got[k]) / n; share < float64(want)-1 || share > float64(want)+1 {
			t.Errorf("mixed picked %s %.1f%% of the time, want %d%%", kindNames[k], share, want)
		}
	}
}

func TestSubmitRequest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		var in struct {
			Description string
			Customer    struct{ Name, Email string }
		}
		b := submitRequest(rng)
		if err := json.Unmarshal(b, &in); err != nil {
			t.Fatalf("submitRequest() = %s: %v", b, err)
		}
		if in.Description == "" || in.Customer.Name == "" || !strings.HasSuffix(in.Customer.Email, "@load.example") ||
			strings.Contains(in.Description, "%!") {
			t.Errorf("submitRequest() = %s", b)
		}
	}
}

func TestVmRSS(t *testing.T) {
	kb, err := vmRSS(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if kb < 1024 {
		t.Errorf("vmRSS(self) = %d kB, want at least 1 MB", kb)
	}
}

// TestRun builds sympoq and drives every phase briefly against a fresh
// SQLite file, seeding it first, as docs/performance.md does at scale.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the server")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sympoq")
	if out, err := exec.Command("go", "build", "-o", bin, "../sympoq").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	jsonPath := filepath.Join(dir, "out.json")
	// The child processes' output is copied in by exec's goroutines while the
	// tool writes too: the buffers must be safe for that.
	var stdout, stderr lockedBuffer
	args := []string{"-db", "sqlite:" + filepath.Join(dir, "load.db"), "-tickets", "60", "-customers", "20",
		"-concurrency", "2", "-duration", "300ms", "-warmup", "0", "-settle", "0", "-probe", "300ms", "-smtp-sink", "-bin", bin, "-json", jsonPath}
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	var rep report
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Tickets != 60 || rep.Seeding == nil || rep.Seeding.Added != 60 {
		t.Errorf("tickets = %d, seeding = %+v; want 60 seeded", rep.Tickets, rep.Seeding)
	}
	if rep.Probe == nil || rep.Probe.Loop.Commits == 0 || rep.Probe.Concurrent.Commits == 0 {
		t.Errorf("probe = %+v, want commits", rep.Probe)
	}
	if len(rep.Phases) != len(phaseNames) {
		t.Fatalf("%d phases, want %d:\n%s", len(rep.Phases), len(phaseNames), &stdout)
	}
	for _, p := range rep.Phases {
		if p.Requests == 0 || p.Errors != 0 || p.PeakRSSMB == nil || *p.PeakRSSMB <= 0 {
			t.Errorf("phase %s: %d requests, %d errors %v, RSS %v", p.Name, p.Requests, p.Errors, p.ErrorSamples, p.PeakRSSMB)
		}
		if (p.Name == "submit") != (p.OfCommitRate != nil) || (p.Name == "submit") != (p.OfConcurrentCommitRate != nil) {
			t.Errorf("phase %s: percent of commit rate = %v", p.Name, p.OfCommitRate)
		}
		if submits := p.Name == "submit" || p.Name == "mixed"; submits != (p.EmailDelivered != nil && p.EmailQueued != nil) {
			t.Errorf("phase %s: email delivered %v, queued %v", p.Name, p.EmailDelivered, p.EmailQueued)
		}
		if p.Name == "mixed" && len(p.Parts) != 4 {
			t.Errorf("mixed has %d parts, want 4", len(p.Parts))
		}
	}
	for _, want := range []string{"raw durable-commit rate", "submit:", "email delivered during the phase", "peak RSS"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, &stdout)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is a sympoq server this tool started.
type child struct {
	cmd     *exec.Cmd
	url     string
	dataDir string
	done    chan struct{} // closed when the process has exited
}

// startChild runs bin serve on a free loopback port against dsn and waits
// until /readyz answers 200.
// extra are further arguments of serve.
func startChild(ctx context.Context, bin, dsn, key string, extra []string, stderr io.Writer) (*child, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	dataDir, err := os.MkdirTemp("", "sympoq-load-data")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--db", dsn, "--data-dir", dataDir}, extra...)...)
	cmd.Env = append(os.Environ(), "SYMPOQ_ADMIN_API_KEY="+key, "SYMPOQ_LOG_LEVEL=error", "SYMPOQ_LOG_FORMAT=text")
	cmd.Stdout = io.Discard // the credentials banner; the key is fixed
	cmd.Stderr = stderr     // errors only
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dataDir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	c := &child{cmd: cmd, url: "http://" + addr, dataDir: dataDir, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(c.done) }()

	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-c.done:
			os.RemoveAll(dataDir)
			return nil, fmt.Errorf("%s serve exited: %v", bin, cmd.ProcessState)
		case <-ctx.Done():
			c.stop(stderr)
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if res, err := http.Get(c.url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return c, nil
			}
		}
	}
	c.stop(stderr)
	return nil, fmt.Errorf("%s serve not ready after 2 minutes", bin)
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// stop shuts the server down with SIGTERM, as an operator would, and kills
// it if it has not exited after 30 seconds.
func (c *child) stop(stderr io.Writer) {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		fmt.Fprintln(stderr, "sympoq-load: server did not stop in 30s; killing it")
		_ = c.cmd.Process.Kill()
		<-c.done
	}
	os.RemoveAll(c.dataDir)
}

// rssSampler reads a process's resident memory every 200 ms and keeps the
// peak since the last reset and over the whole run. A nil sampler (a server
// this tool did not start) reports nothing.
type rssSampler struct {
	pid     int
	mu      sync.Mutex
	peak    int64 // kB since reset
	overall int64 // kB since start
	quit    chan struct{}
	wg      sync.WaitGroup
}

func startRSS(pid int) *rssSampler {
	s := &rssSampler{pid: pid, quit: make(chan struct{})}
	s.sample()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.quit:
				return
			case <-t.C:
				s.sample()
			}
		}
	}()
	return s
}

func (s *rssSampler) sample() {
	kb, err := vmRSS(s.pid)
	if err != nil {
		return // the process is gone; the last peak stands
	}
	s.mu.Lock()
	s.peak = max(s.peak, kb)
	s.overall = max(s.overall, kb)
	s.mu.Unlock()
}

func (s *rssSampler) reset() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.peak = 0
	s.mu.Unlock()
	s.sample()
}

// peakMB is the peak since the last reset, with a final sample.
func (s *rssSampler) peakMB() float64 {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	return float64(s.peak) / 1024
}

func (s *rssSampler) overallMB() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return float64(s.overall) / 1024
}

func (s *rssSampler) stop() {
	close(s.quit)
	s.wg.Wait()
}

// vmRSS reads VmRSS (kB) from /proc/<pid>/status.
func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

// seeding is what the demo generator did.
type seeding struct {
	Added     int     `json:"added"`
	Seconds   float64 `json:"seconds"` // the whole command: customers, agents and tickets
	Rate      float64 `json:"tickets_per_second"`
	DemoRate  float64 `json:"demo_tickets_per_second,omitempty"` // as the generator reports it: tickets only
	DemoShort string  `json:"demo_output,omitempty"`
}

func (s *seeding) String() string {
	out := fmt.Sprintf("%d tickets in %.1f s (%.0f tickets/s overall", s.Added, s.Seconds, s.Rate)
	if s.DemoRate > 0 {
		out += fmt.Sprintf(", %.0f tickets/s in the ticket generator", s.DemoRate)
	}
	return out + ")"
}

var demoRate = regexp.MustCompile(`\(([0-9.]+) tickets/s\)`)

// seed runs the binary's own generator: sympoq demo --tickets n.
func seed(ctx context.Context, bin, dsn string, customers, n int, stderr io.Writer) (*seeding, error) {
	dataDir, err := os.MkdirTemp("", "sympoq-load-demo")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dataDir)
	cmd := exec.CommandContext(ctx, bin, "demo", "--db", dsn, "--data-dir", dataDir,
		"--customers", strconv.Itoa(customers), "--tickets", strconv.Itoa(n))
	cmd.Env = append(os.Environ(), "SYMPOQ_LOG_LEVEL=error", "SYMPOQ_LOG_FORMAT=text")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = stderr // progress lines
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s demo: %w\n%s", bin, err, out.String())
	}
	s := &seeding{Added: n, Seconds: time.Since(start).Seconds()}
	s.Rate = float64(n) / s.Seconds
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "demo tickets") {
			s.DemoShort = line
			if m := demoRate.FindStringSubmatch(line); m != nil {
				s.DemoRate, _ = strconv.ParseFloat(m[1], 64)
			}
		}
	}
	return s, nil
}

// cpuSeconds is the user and system CPU time a process has used so far,
// from /proc/<pid>/stat (in clock ticks, 100 a second on Linux).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name in parentheses may hold spaces; fields follow it.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return float64(utime+stime) / 100, nil
}

// machineBusy returns the busy and total jiffies of all CPUs so far
// (/proc/stat), to measure how busy the machine was between two calls.
func machineBusy() (busy, total int64, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, errors.New("unexpected /proc/stat")
	}
	for i, s := range f[1:] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, 0, errors.New("unexpected /proc/stat")
		}
		total += n
		if i != 3 && i != 4 { // idle and iowait
			busy += n
		}
	}
	return busy, total, nil
}

// settle waits until the machine is idle: under a tenth of its CPUs busy
// for two seconds in a row, at most max. A phase that starts while the
// server still works off the last one (outbound email of the submissions,
// the scheduler's catch-up at start) would measure both. It returns how
// long it waited and whether the machine settled.
func settle(ctx context.Context, max time.Duration) (time.Duration, bool) {
	start := time.Now()
	for time.Since(start) < max && ctx.Err() == nil {
		b0, t0, err := machineBusy()
		if err != nil {
			return 0, false
		}
		select {
		case <-ctx.Done():
			return time.Since(start), false
		case <-time.After(2 * time.Second):
		}
		b1, t1, err := machineBusy()
		if err != nil {
			return 0, false
		}
		if t1 > t0 && float64(b1-b0)/float64(t1-t0) < 0.1 {
			return time.Since(start), true
		}
	}
	return time.Since(start), false
}

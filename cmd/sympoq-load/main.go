// Command sympoq-load is the performance harness: it seeds an account with
// the demo generator, measures the raw durable-commit rate of the database,
// then drives the API over HTTP one workload at a time and prints
// throughput, latency percentiles and the server's memory.
//
//	go build -o /tmp/sympoq ./cmd/sympoq
//	go run ./cmd/sympoq-load -db sqlite:/tmp/load.db -tickets 100000 \
//	    -concurrency 16 -duration 20s -bin /tmp/sympoq
//
// With -bin it starts that sympoq binary as a child process on a free
// loopback port; with -server it drives a running server (and cannot see
// its memory). See docs/performance.md for the results.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sympoq-load:", err)
		os.Exit(1)
	}
}

// defaultKey is the administrator key the child server is started with; a
// database first created by this tool keeps it, so later runs work too.
const defaultKey = "sympoq-load-admin-key-0001"

// options are the command line.
type options struct {
	db          string
	tickets     int
	customers   int
	seedOnly    bool
	concurrency int
	duration    time.Duration
	warmup      time.Duration
	settle      time.Duration
	smtpSink    bool
	probe       time.Duration
	server, key string
	bin         string
	jsonPath    string
	phases      []string
}

func parseOptions(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("sympoq-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.db, "db", "", "database the server uses: sqlite:PATH or postgres://… (required: the commit probe and the ticket ids read it)")
	fs.IntVar(&o.tickets, "tickets", 0, "seed the account up to this many tickets first (with sympoq demo; needs -bin)")
	fs.IntVar(&o.customers, "customers", 2000, "customers the demo generator makes when seeding")
	fs.BoolVar(&o.seedOnly, "seed-only", false, "seed and exit")
	fs.IntVar(&o.concurrency, "concurrency", 16, "concurrent workers in every phase and in the commit probe")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "how long each phase runs")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before each phase")
	fs.BoolVar(&o.smtpSink, "smtp-sink", false, "with -bin: the server sends its email over SMTP to a sink in this tool that keeps nothing, as to a relay, instead of into its outbox directory")
	fs.DurationVar(&o.settle, "settle", 3*time.Minute, "before the probe and each phase, wait at most this long for the machine to go idle (0: do not wait)")
	fs.DurationVar(&o.probe, "probe", 5*time.Second, "how long the raw commit probe runs (0: skip it)")
	fs.StringVar(&o.server, "server", "", "URL of a running server (instead of -bin)")
	fs.StringVar(&o.key, "key", defaultKey, "administrator API key")
	fs.StringVar(&o.bin, "bin", "", "sympoq binary to start as a child process (and to seed with)")
	fs.StringVar(&o.jsonPath, "json", "", "also write the results as JSON to this file")
	phases := fs.String("phases", strings.Join(phaseNames, ","), "workloads to run, in order")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case o.db == "":
		return nil, errors.New("-db is required")
	case o.server == "" && o.bin == "":
		return nil, errors.New("give -bin (start a server) or -server (use a running one)")
	case o.tickets > 0 && o.bin == "":
		return nil, errors.New("-tickets seeds with the binary's demo generator: give -bin")
	case o.seedOnly && o.tickets <= 0:
		return nil, errors.New("-seed-only needs -tickets")
	case o.concurrency < 1:
		return nil, errors.New("-concurrency must be at least 1")
	case o.duration <= 0:
		return nil, errors.New("-duration must be positive")
	}
	for _, p := range strings.Split(*phases, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, ok := mixes[p]; !ok {
			return nil, fmt.Errorf("unknown phase %q (want %s)", p, strings.Join(phaseNames, ", "))
		}
		o.phases = append(o.phases, p)
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	rep := &report{
		Machine:     machineInfo(),
		DB:          redact(o.db),
		Concurrency: o.concurrency,
		Duration:    o.duration.String(),
	}
	fmt.Fprintf(stdout, "machine: %s\n", rep.Machine)
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		// The machine may be shared; a busy one explains slow numbers.
		rep.LoadAvg = strings.Join(strings.Fields(string(b))[:3], " ")
		fmt.Fprintf(stdout, "load average before the run: %s\n", rep.LoadAvg)
	}

	db, err := openDB(ctx, o.db)
	if err != nil {
		return err
	}
	defer db.Close()
	rep.Dialect = db.dialect
	if db.dialect == "postgres" {
		var av string
		if err := db.QueryRowContext(ctx, "SHOW autovacuum").Scan(&av); err == nil && av != "on" {
			// Without it the planner has no statistics after a bulk load.
			fmt.Fprintln(stdout, "warning: autovacuum is off on this PostgreSQL server; run VACUUM ANALYZE after seeding")
		}
	}

	var extra []string
	if o.smtpSink {
		sink, err := startSink()
		if err != nil {
			return err
		}
		// Closed after the server has stopped sending to it (defers run
		// last first).
		defer sink.close()
		extra = append(extra, "--smtp-url", sink.url())
		fmt.Fprintf(stdout, "email: to an SMTP sink on %s\n", sink.addr)
	}
	var srv *child
	defer func() {
		if srv != nil {
			srv.stop(stderr)
		}
	}()
	base := strings.TrimRight(o.server, "/")
	startServer := func() error {
		var err error
		if srv, err = startChild(ctx, o.bin, o.db, o.key, extra, stderr); err != nil {
			return err
		}
		base = srv.url
		fmt.Fprintf(stdout, "server: %s (pid %d) on %s\n", o.bin, srv.pid(), base)
		return nil
	}
	if base == "" {
		// The server creates and migrates the account's database first.
		if err := startServer(); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "server: %s\n", base)
	}

	have, err := db.ticketCount(ctx)
	if err != nil {
		return err
	}
	if o.tickets > have {
		fmt.Fprintf(stdout, "seeding: the account has %d tickets; adding %d with %s demo --customers %d\n",
			have, o.tickets-have, o.bin, o.customers)
		// The demo writes alone: on SQLite a running server's jobs compete
		// with it for the one writer, and on a busy machine that made the
		// demo's writes time out ("database is locked") after an hour of
		// seeding.
		if srv != nil {
			srv.stop(stderr)
			srv = nil
		}
		s, err := seed(ctx, o.bin, o.db, o.customers, o.tickets-have, stderr)
		if err != nil {
			return err
		}
		rep.Seeding = s
		fmt.Fprintf(stdout, "seeding: %s\n", s)
		if o.seedOnly {
			return rep.write(stdout, o.jsonPath)
		}
		if o.server == "" {
			if err := startServer(); err != nil {
				return err
			}
		}
	}
	var rss *rssSampler
	if srv != nil {
		rss = startRSS(srv.pid())
		defer rss.stop()
	}
	api := newAPI(base, o.key, o.concurrency)
	if err := api.raiseLimits(ctx); err != nil {
		return err
	}
	ids, err := db.ticketIDs(ctx)
	if err != nil {
		return err
	}
	rep.Tickets = len(ids)
	fmt.Fprintf(stdout, "tickets: %d in account %q\n", len(ids), accountName)
	if o.seedOnly {
		return rep.write(stdout, o.jsonPath)
	}
	if len(ids) == 0 {
		return errors.New("the account has no tickets to read; seed with -tickets N")
	}

	// The probe runs while the server is idle, on the same database and
	// with the same durability settings the server uses.
	pr := &probeResult{}
	waitIdle := func(what string) {
		if o.settle <= 0 {
			return
		}
		waited, ok := settle(ctx, o.settle)
		switch {
		case !ok && ctx.Err() == nil:
			fmt.Fprintf(stdout, "warning: the machine was still busy after %s; %s starts anyway\n", waited.Round(time.Second), what)
		case waited > 5*time.Second:
			fmt.Fprintf(stdout, "waited %s for the machine to go idle before %s\n", waited.Round(time.Second), what)
		}
	}
	if o.probe > 0 {
		waitIdle("the probe")
		if pr, err = db.probe(ctx, o.concurrency, o.probe); err != nil {
			return err
		}
		rep.Probe = pr
		fmt.Fprintf(stdout, "raw durable commits, one loop: %s\n", pr.Loop)
		fmt.Fprintf(stdout, "raw durable commits, concurrent: %s\n", pr.Concurrent)
	}

	queues, err := api.queueIDs(ctx)
	if err != nil {
		return err
	}
	l := &loader{api: api, ids: ids, queues: queues}
	for _, name := range o.phases {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		waitIdle("phase " + name)
		if o.warmup > 0 {
			l.run(ctx, mixes[name], o.concurrency, o.warmup)
		}
		fmt.Fprintf(stdout, "phase %s: measuring for %s\n", name, o.duration)
		_, sent0, err := db.outbox(ctx)
		if err != nil {
			return err
		}
		rss.reset()
		cpu := startCPU(srv)
		res := l.run(ctx, mixes[name], o.concurrency, o.duration)
		if mixes[name].submits() {
			queued, sent1, err := db.outbox(ctx)
			if err != nil {
				return err
			}
			delivered := sent1 - sent0
			res.EmailDelivered, res.EmailQueued = &delivered, &queued
		}
		res.Name = name
		res.setRSS(rss)
		res.ServerCPU, res.ToolCPU = cpu.cores(res.Seconds)
		if name == "submit" && pr.Loop.Rate > 0 {
			loop, conc := 100*res.OKRate/pr.Loop.Rate, 100*res.OKRate/pr.Concurrent.Rate
			res.OfCommitRate, res.OfConcurrentCommitRate = &loop, &conc
		}
		rep.Phases = append(rep.Phases, res)
		fmt.Fprintf(stdout, "phase %s: %d requests, %.0f req/s, p99 %.1f ms\n", name, res.Requests, res.RPS, res.P99)
	}
	if rss != nil {
		mb := rss.overallMB()
		rep.PeakRSSMB = &mb
	}
	fmt.Fprintln(stdout)
	return rep.write(stdout, o.jsonPath)
}

// machineInfo names the processor count, model and memory.
func machineInfo() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "unknown memory"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			var kb int64
			if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
				mem = fmt.Sprintf("%.1f GiB RAM", float64(kb)/(1<<20))
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s), %s, %s/%s, %s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// redact drops a password from a database URL before it is printed.
func redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.Index(dsn[i+3:], "@"); at >= 0 {
			if c := strings.Index(dsn[i+3:i+3+at], ":"); c >= 0 {
				return dsn[:i+3+c] + ":xxx" + dsn[i+3+at:]
			}
		}
	}
	return dsn
}

// cpuMeter measures how many cores the server and this tool kept busy
// during a phase: on a small machine the load generator competes with the
// server, and the numbers say how much.
type cpuMeter struct {
	pid          int // 0: a server this tool did not start
	server, self float64
}

func startCPU(srv *child) cpuMeter {
	var m cpuMeter
	if srv != nil {
		m.pid = srv.pid()
		m.server, _ = cpuSeconds(m.pid)
	}
	m.self, _ = cpuSeconds(os.Getpid())
	return m
}

func (m cpuMeter) cores(elapsed float64) (server *float64, self float64) {
	if now, err := cpuSeconds(os.Getpid()); err == nil {
		self = (now - m.self) / elapsed
	}
	if m.pid != 0 {
		if now, err := cpuSeconds(m.pid); err == nil {
			c := (now - m.server) / elapsed
			server = &c
		}
	}
	return server, self
}

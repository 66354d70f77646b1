package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	netmail "net/mail"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/blob"
	"github.com/sympoq/sympoq/internal/config"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/mail"
	"github.com/sympoq/sympoq/internal/ratelimit"
	"github.com/sympoq/sympoq/internal/server"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/web"
)

// app is what every command opens: configuration, logger, store, jobs and
// use cases. close releases them in reverse order.
type app struct {
	cfg    *config.Config
	logger *slog.Logger
	db     *store.DB
	jobs   *jobs.Runner
	desk   *desk.Service
}

// parse reads the flags of a command: the shared configuration plus extra.
func parse(name string, args []string, getenv func(string) string, stderr io.Writer, extra func(*flag.FlagSet)) (*config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("sympoq "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := config.Register(fs, getenv)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	return cfg, fs, nil
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && isTerminal(f) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// open connects, migrates and wires the use cases.
func open(ctx context.Context, cfg *config.Config, stderr io.Writer) (*app, error) {
	logger := newLogger(cfg, stderr)
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	db.SetErrorLog(func(msg string, err error) { logger.Warn(msg, "err", err) })
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := jobs.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	runner, err := jobs.New(db, logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	from, err := netmail.ParseAddress(cfg.MailFrom)
	if err != nil {
		db.Close()
		return nil, err
	}
	// Outbound mail goes to --smtp-url, else into the outbox directory.
	var sender jobs.Sender = mail.DirSender{Dir: filepath.Join(cfg.DataDir, "outbox"), Logger: logger}
	if cfg.SMTPURL != "" {
		sc, err := cfg.SMTP()
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("--smtp-url: %w", err)
		}
		sender = &mail.SMTPSender{Config: sc, Logger: logger}
	}
	noAccountSMTP := !cfg.AccountSMTP()
	outbox := &jobs.Dispatcher{DB: db, Sender: sender, Logger: logger, NoAccountSMTP: noAccountSMTP}
	jobs.RegisterOutbox(runner, outbox)
	jobs.Register(runner, &jobs.RegistrationWorker{DB: db, Sender: sender, AccountURL: cfg.AccountURL, From: *from, Logger: logger,
		NoAccountSMTP: noAccountSMTP})
	jobs.Register(runner, &jobs.PurgeWorker{DB: db, Logger: logger})
	runner.Every(time.Hour, desk.PurgeTrash{})
	jobs.Register(runner, &jobs.IdempotencyExpiryWorker{DB: db})
	runner.Every(time.Hour, desk.ExpireIdempotencyKeys{})
	jobs.Register(runner, &jobs.SessionExpiryWorker{DB: db})
	runner.Every(time.Hour, desk.ExpireSessions{})
	blobs, err := blob.NewLocal(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		db.Close()
		return nil, err
	}
	jobs.Register(runner, &jobs.BlobCleanWorker{DB: db, Blobs: blobs, Logger: logger})
	runner.Every(time.Hour, desk.CleanBlobs{})
	jobs.Register(runner, &jobs.ReportsWorker{DB: db, Logger: logger})
	runner.Every(time.Minute, desk.RollupReports{})
	scheduler := &jobs.ScheduleWorker{Logger: logger}
	jobs.Register(runner, scheduler)
	runner.Every(jobs.ScheduleInterval, desk.RunScheduledActions{})
	d := desk.New(db, runner, logger, desk.WithBlobs(blobs),
		desk.WithMail(desk.MailOptions{From: *from, AccountURL: cfg.AccountURL, NoAccountSMTP: noAccountSMTP}),
		desk.WithOutboxWake(outbox.Wake))
	jobs.RegisterMail(runner, d, logger)
	scheduler.Desk = d
	return &app{cfg: cfg, logger: logger, db: db, jobs: runner, desk: d}, nil
}

func (a *app) close() { a.db.Close() }

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, err := parse("serve", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	tuneGC()
	a, err := open(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.close()

	if cfg.BaseDomain == "" {
		creds, err := a.desk.EnsureAccount(ctx, sympoq.DefaultAccountName, cfg.AdminPassword, cfg.AdminAPIKey)
		if err != nil {
			return fmt.Errorf("create default account: %w", err)
		}
		if creds != nil {
			printCredentials(stdout, creds, cfg.AdminPassword != "", cfg.AdminAPIKey != "")
		}
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	proxies, _ := cfg.Proxies() // validated by parse
	opts := server.Options{BaseDomain: cfg.BaseDomain, Logger: a.logger, TrustedProxies: proxies}
	// The pages' links in email (password reset) build on the account's
	// configured address; the email itself goes through the jobs.
	opts.Web = web.Options{AccountURL: cfg.AccountURL}
	if cfg.Redis != "" {
		rl, err := ratelimit.NewRedis(ctx, cfg.Redis, a.db.Identity())
		if err != nil {
			ln.Close()
			return err
		}
		defer rl.Close()
		opts.Limiter = rl
		a.desk.ShareMailLimits(rl)
	}
	srv := server.New(a.db, a.desk, opts)
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	// The job runner stops when its own context ends, not the signal's: it is
	// stopped explicitly after HTTP, so that in-flight jobs drain.
	if err := a.jobs.Start(context.WithoutCancel(ctx)); err != nil {
		ln.Close()
		return err
	}
	smtpAddr, stopSMTP, err := startSMTP(cfg, a.desk, a.logger)
	if err != nil {
		ln.Close()
		_ = a.jobs.Stop(context.Background())
		return err
	}
	pprofAddr, stopPprof, err := startPprof(cfg.Pprof, a.logger)
	if err != nil {
		ln.Close()
		_ = stopSMTP(context.Background())
		_ = a.jobs.Stop(context.Background())
		return err
	}
	defer stopPprof(context.Background())
	if pprofAddr != "" {
		fmt.Fprintf(stdout, "SympoQ profiles on http://%s/debug/pprof/\n", pprofAddr)
	}
	a.logger.Info("serving", "addr", ln.Addr().String(), "db", string(a.db.Dialect()), "base_domain", cfg.BaseDomain, "version", version)
	fmt.Fprintf(stdout, "SympoQ is listening on http://%s\n", ln.Addr())
	if smtpAddr != "" {
		fmt.Fprintf(stdout, "SympoQ receives mail on smtp://%s\n", smtpAddr)
	}

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
	}

	// Shut down in order: stop taking requests, finish those in flight, drain
	// the jobs, then close the database (deferred).
	a.logger.Info("shutting down")
	srv.Drain()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	herr := hs.Shutdown(sctx)
	serr := stopSMTP(sctx) // sessions finish storing their message first
	jerr := a.jobs.Stop(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, herr, serr, jerr)
}

func printCredentials(w io.Writer, c *desk.Credentials, fixedPassword, fixedKey bool) {
	fmt.Fprintf(w, "Created account %q with administrator %q.\n", c.Account.Name, c.Username)
	if fixedPassword {
		fmt.Fprintln(w, "  password: (from SYMPOQ_ADMIN_PASSWORD)")
	} else {
		fmt.Fprintf(w, "  password: %s\n", c.Password)
	}
	if fixedKey {
		fmt.Fprintln(w, "  API key:  (from SYMPOQ_ADMIN_API_KEY)")
	} else {
		fmt.Fprintf(w, "  API key:  %s\n", c.APIKey)
	}
	fmt.Fprintln(w, "They are shown only this once; keep them safe.")
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, err := parse("migrate", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	fmt.Fprintln(stdout, "migrations applied")
	return nil
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Garbage collection defaults for the server, each unless the operator set
// the Go variable: the heap may grow to five times what is live (GOGC=400,
// against Go's 100), which costs a request path that allocates per query
// less collection work; and a soft memory limit of 160 MiB (GOMEMLIMIT)
// makes the collector work harder before the heap gets near it, so the
// larger growth factor does not grow the process. SQLite's page caches
// (8 MB a connection, store.Open) come on top of it, outside Go's heap.
const (
	serverGCPercent   = 400
	serverMemoryLimit = 160 << 20
)

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serverMemoryLimit)
	}
}

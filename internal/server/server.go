// Package server wires the HTTP surface: routes.go lists every route, and the
// middleware here gives each request an id, a recovery, an access log line,
// metrics, limits, security headers and its account. It owns no business
// logic.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sympoq/sympoq/internal/api"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/ratelimit"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/web"
)

// Options configure the handler.
type Options struct {
	BaseDomain string // empty: single-account mode
	Logger     *slog.Logger
	Registry   *prometheus.Registry // nil: a private one
	// RequestTimeout bounds the work of one request (not streaming downloads).
	RequestTimeout time.Duration
	// Limiter keeps the API keys' request budgets; nil: in memory.
	Limiter ratelimit.Limiter
	// Web configures the HTML pages under /app/ (their logger and
	// limiter default to the ones above).
	Web web.Options
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed (client addresses for throttling and
	// sessions; HTTPS for Secure cookies). Empty: none.
	TrustedProxies []netip.Prefix
}

// Server is the http.Handler of a deployment.
type Server struct {
	db       *store.DB
	desk     *desk.Service
	api      *api.API
	web      *web.Web
	logger   *slog.Logger
	accounts *accountResolver
	metrics  *metrics
	timeout  time.Duration
	trusted  []netip.Prefix // reverse proxies (proxy.go)
	draining atomic.Bool
	handler  http.Handler
}

// New returns the server's handler.
func New(db *store.DB, d *desk.Service, o Options) *Server {
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 60 * time.Second
	}
	s := &Server{
		db:       db,
		desk:     d,
		api:      newAPI(d, o),
		web:      newWeb(d, o),
		logger:   o.Logger,
		trusted:  o.TrustedProxies,
		accounts: newAccountResolver(db, o.BaseDomain),
		metrics:  newMetrics(o.Registry),
		timeout:  o.RequestTimeout,
	}
	s.handler = s.routes(o.Registry)
	return s
}

func newAPI(d *desk.Service, o Options) *api.API {
	if o.Limiter != nil {
		return api.New(d, o.Logger, api.WithLimiter(o.Limiter))
	}
	return api.New(d, o.Logger)
}

func newWeb(d *desk.Service, o Options) *web.Web {
	wo := o.Web
	if wo.Logger == nil {
		wo.Logger = o.Logger
	}
	if wo.Limiter == nil {
		wo.Limiter = o.Limiter
	}
	return web.New(d, wo)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Drain makes /readyz answer 503 so that a load balancer stops sending
// traffic before the listener closes.
func (s *Server) Drain() { s.draining.Store(true) }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.draining.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if err := s.db.Ping(ctx); err != nil {
		s.logger.WarnContext(ctx, "readyz: database", "err", err)
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	if ok, err := s.db.MigrationsCurrent(ctx); err != nil || !ok {
		http.Error(w, "migrations pending", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

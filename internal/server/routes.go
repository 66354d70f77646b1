package server

import (
	"net/http"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/api"
	"github.com/sympoq/sympoq/internal/web"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes is every route of the server. The API's own table is in
// internal/api/routes.go; everything under /app/ belongs to an account.
// All routes sit on one mux so that r.Pattern names the route in the
// access log and the metrics.
func (s *Server) routes(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	for _, rt := range s.api.Routes() {
		mux.Handle(rt.Pattern, s.withAccount(s.withTimeout(rt.Handler)))
	}
	// The raw-message endpoint belongs to an account; it takes a mailbox
	// token, not an API key.
	for _, rt := range s.api.MailRoutes() {
		mux.Handle(rt.Pattern, s.withAccount(s.withTimeout(rt.Handler)))
	}
	// The HTML pages (internal/web/routes.go).
	for _, rt := range s.web.Routes() {
		mux.Handle(rt.Pattern, s.withAccount(s.withTimeout(rt.Handler)))
	}
	// The OpenAPI document belongs to no account and needs no key.
	for _, rt := range s.api.Public() {
		mux.Handle(rt.Pattern, rt.Handler)
	}

	return s.recover(s.requestID(fromProxies(s.trusted, s.observe(securityHeaders(s.limitBody(s.problems(mux)))))))
}

// problems answers what the mux itself would answer, an unknown path (404)
// or a known path with another method (405, with Allow), with a problem body
// instead of plain text.
func (s *Server) problems(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &headerRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		switch rec.status {
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", rec.header.Get("Allow"))
			api.WriteError(w, r, s.logger, sympoq.Errorf(api.EMethod, "%s is not allowed here; allowed: %s", r.Method, rec.header.Get("Allow")))
		case http.StatusNotFound:
			if web.IsPage(r.URL.Path) {
				s.web.NotFound(w, r)
				return
			}
			api.WriteError(w, r, s.logger, sympoq.Errorf(sympoq.ENotFound, "no such endpoint; see %s/openapi.json", api.Prefix))
		default: // redirects (e.g. to a clean path)
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.status)
		}
	})
}

// headerRecorder captures what the mux's own answer would be.
type headerRecorder struct {
	header http.Header
	status int
}

func (h *headerRecorder) Header() http.Header         { return h.header }
func (h *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (h *headerRecorder) WriteHeader(code int)        { h.status = code }

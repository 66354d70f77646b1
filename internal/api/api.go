package api

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// API holds the handlers' dependencies.
type API struct {
	desk   *desk.Service
	logger *slog.Logger
}

// New returns the API over the use cases.
func New(d *desk.Service, logger *slog.Logger) *API {
	return &API{desk: d, logger: logger}
}

// handlerFunc is a handler that returns its error for one writer to answer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handle adapts h, answering any error it returns with a problem body.
func (a *API) Handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			WriteError(w, r, a.logger, err)
		}
	})
}

// Authenticate is the middleware of every API route: it takes the key from
// the apikey header (or Authorization: Bearer), resolves the actor afresh
// (so a role change applies at once), and checks the key's scope for the
// method.
func (a *API) Authenticate(next http.Handler) http.Handler {
	return a.Handle(func(w http.ResponseWriter, r *http.Request) error {
		account := sympoq.AccountFromContext(r.Context())
		if account == nil {
			return sympoq.NotFound("account")
		}
		key := r.Header.Get("apikey")
		if key == "" {
			if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
				key = strings.TrimSpace(h[7:])
			}
		}
		actor, k, err := a.desk.Authenticate(r.Context(), account.ID, key, clientAddr(r))
		if err != nil {
			return err
		}
		scope := sympoq.ScopeWrite
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			scope = sympoq.ScopeRead
		}
		if !k.Has(scope) {
			return sympoq.Forbidden("this API key lacks the %s scope", scope)
		}
		next.ServeHTTP(w, r.WithContext(sympoq.NewContextWithActor(r.Context(), actor)))
		return nil
	})
}

// clientAddr is the peer's IP address without the port.
func clientAddr(r *http.Request) string {
	addr := r.RemoteAddr
	if i := strings.LastIndexByte(addr, ':'); i > 0 && !strings.HasSuffix(addr, "]") {
		addr = addr[:i]
	}
	return strings.Trim(addr, "[]")
}

// actor returns the authenticated caller set by Authenticate.
func actor(r *http.Request) sympoq.Actor {
	a, _ := sympoq.ActorFromContext(r.Context())
	return a
}

package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/ratelimit"
)

// API holds the handlers' dependencies.
type API struct {
	desk    *desk.Service
	logger  *slog.Logger
	limiter ratelimit.Limiter
}

// Option configures the API.
type Option func(*API)

// WithLimiter sets where the per-key request budgets are kept; the default
// is in this process's memory.
func WithLimiter(l ratelimit.Limiter) Option { return func(a *API) { a.limiter = l } }

// New returns the API over the use cases.
func New(d *desk.Service, logger *slog.Logger, opts ...Option) *API {
	a := &API{desk: d, logger: logger, limiter: ratelimit.NewMemory()}
	for _, o := range opts {
		o(a)
	}
	return a
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
		if err := a.limit(w, r, account.ID, k.ID, scope); err != nil {
			return err
		}
		if !k.Has(scope) {
			return sympoq.Forbidden("this API key lacks the %s scope", scope)
		}
		return a.idempotent(w, r.WithContext(sympoq.NewContextWithActor(r.Context(), actor)), account.ID, k.ID, next)
	})
}

// ERateLimited is the code of a request over its budget.
const ERateLimited = "rate_limited"

// limit takes the request from the key's read or write budget (api.md §5)
// and sets the RateLimit headers. If the limiter fails (Redis is down) the
// request goes through and the failure is logged: availability first.
func (a *API) limit(w http.ResponseWriter, r *http.Request, accountID, keyID int64, scope sympoq.Scope) error {
	limits, err := a.desk.RateLimits(r.Context(), accountID)
	if err != nil {
		return err
	}
	n := limits.Read
	if scope == sympoq.ScopeWrite {
		n = limits.Write
	}
	res, err := a.limiter.Allow(r.Context(), fmt.Sprintf("%d:%d:%s", accountID, keyID, scope), n, time.Minute)
	if err != nil {
		a.logger.WarnContext(r.Context(), "rate limiter unavailable; request let through", "err", err)
		return nil
	}
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(res.Limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(res.Remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(ceilSeconds(res.Reset)))
	h.Set("RateLimit-Policy", fmt.Sprintf("%d;w=60", res.Limit))
	if !res.Allowed {
		h.Set("Retry-After", strconv.Itoa(max(1, ceilSeconds(res.RetryAfter))))
		return sympoq.Errorf(ERateLimited, "more than %d %s requests a minute with this key; retry in %d s", n, scope, max(1, ceilSeconds(res.RetryAfter)))
	}
	return nil
}

func ceilSeconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

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

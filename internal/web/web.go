// Package web serves the HTML pages under /app/: sign-in, profile, the agent
// desk. Pages are html/template files and static assets embedded in the
// binary; every change a page makes goes through a method of desk.Service,
// so a page can do exactly what the API can for the same user. The package
// owns sessions' cookies, CSRF tokens and the pages' Content-Security-Policy;
// it holds no SQL and no access rules.
package web

import (
	"log/slog"
	"net/http"

	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/ratelimit"
)

// Options configure the pages.
type Options struct {
	Logger *slog.Logger
	// Limiter throttles sign-in attempts; nil: in memory.
	Limiter ratelimit.Limiter
	// AccountURL is the public base URL of an account (no trailing
	// slash), for links in email; never taken from the request's Host.
	AccountURL func(accountName string) string
	// Version distinguishes builds in static asset URLs; empty: a hash of
	// the assets.
	Version string
}

// Web is the set of pages.
type Web struct {
	desk    *desk.Service
	logger  *slog.Logger
	limiter ratelimit.Limiter
	urlOf   func(string) string
	views   *views
	static  *assets
	cop     *http.CrossOriginProtection
}

// New parses the embedded templates and returns the pages over d. It panics
// when a template does not parse: they are part of the binary, so that is a
// build defect, caught by any test.
func New(d *desk.Service, o Options) *Web {
	if o.Limiter == nil {
		o.Limiter = ratelimit.NewMemory()
	}
	if o.AccountURL == nil {
		o.AccountURL = func(string) string { return "" }
	}
	w := &Web{desk: d, logger: o.Logger, limiter: o.Limiter, urlOf: o.AccountURL}
	w.static = newAssets(o.Version)
	w.views = mustParseViews(w.static)
	w.cop = http.NewCrossOriginProtection()
	w.cop.SetDenyHandler(http.HandlerFunc(w.crossOrigin))
	return w
}

// Route is one page: a net/http pattern and its handler.
type Route struct {
	Pattern string
	Handler http.Handler
}

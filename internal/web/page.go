package web

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// access says who may open a page.
type access int

const (
	anyone    access = iota // signed in or not
	signedIn                // any user
	agentOnly               // agents (customers get a 404: the page is not theirs)
	adminOnly               // administrators
)

// request is what a page handler works with: the HTTP request, its account,
// and the signed-in user's actor and session (a guest's actor when nobody is
// signed in).
type request struct {
	*http.Request
	Account *sympoq.Account
	Actor   desk.Actor
	Session *sympoq.Session // nil: nobody is signed in
	token   string          // the session's token, from its cookie
	csrf    string          // the token every form of this request carries
	opts    pageOptions
}

// handler is a page. It renders or redirects, or returns an error, which
// becomes an error page (or a redirect to sign-in when unauthorized).
type handler func(w http.ResponseWriter, rq *request) error

// pageOptions vary the page wrapper per route.
type pageOptions struct {
	frameAncestors string // the CSP frame-ancestors source list; "" = 'none'
	anonymous      bool   // the page always acts as a guest (see anonymousPage)
}

// pageOption is one variation, e.g. frameAncestors for an embeddable page.
type pageOption func(*pageOptions)

// frameAncestors lets the page be framed by the given CSP sources (the
// widget); every other page refuses to be framed.
func frameAncestors(sources string) pageOption {
	return func(o *pageOptions) { o.frameAncestors = sources }
}

// anonymousPage makes a page act as a guest whatever cookies come with
// it, and take its forms without the cookie-bound CSRF token: a page framed
// by another site (the widget) gets no cookies there (SameSite=Lax), and
// a form that can do only what any anonymous visitor may do needs no token.
// The cross-origin check still applies.
func anonymousPage() pageOption {
	return func(o *pageOptions) { o.anonymous = true }
}

// csp is the Content-Security-Policy of every page: nothing inline, nothing
// from elsewhere.
func (o pageOptions) csp() string {
	fa := o.frameAncestors
	if fa == "" {
		fa = "'none'"
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors " + fa
}

// page wraps a handler: security headers, the session, the access check,
// and for state-changing methods the cross-origin and CSRF checks, in that
// order — so an expired session is sent to sign in, and a foreign or stale
// form is refused, before the handler runs and changes anything.
func (w *Web) page(who access, h handler, opts ...pageOption) http.Handler {
	var o pageOptions
	for _, f := range opts {
		f(&o)
	}
	inner := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		hd := rw.Header()
		hd.Set("Content-Security-Policy", o.csp())
		if o.frameAncestors != "" {
			hd.Del("X-Frame-Options")
		}
		hd.Set("Cache-Control", "no-store")
		acct := sympoq.AccountFromContext(r.Context())
		if acct == nil {
			w.fail(rw, &request{Request: r, opts: o}, sympoq.NotFound("account"))
			return
		}
		rq := &request{Request: r, Account: acct, Actor: sympoq.Guest(acct.ID), opts: o}
		if o.anonymous {
			// No session, no token: see anonymousPage.
		} else if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			a, ss, err := w.desk.SessionActor(r.Context(), acct.ID, c.Value, clientAddr(r))
			switch {
			case err == nil:
				rq.Actor, rq.Session, rq.token = a, ss, c.Value
			case sympoq.ErrorCode(err) == sympoq.EUnauthorized:
				clearCookie(rw, r, sessionCookie)
				if who != anyone {
					w.toLogin(rw, rq, "expired")
					return
				}
			default:
				w.fail(rw, rq, err)
				return
			}
		} else if who != anyone {
			w.toLogin(rw, rq, "")
			return
		}
		if !allowed(who, rq.Actor) {
			if who == adminOnly && rq.Actor.User != nil && rq.Actor.User.IsAgent() {
				// An agent knows the settings exist; they are refused, not hidden.
				w.renderError(rw, rq, http.StatusForbidden, "Administrators only",
					"These settings are for administrators. Ask one of them if something here needs to change.")
				return
			}
			w.fail(rw, rq, sympoq.NotFound("page"))
			return
		}
		if !o.anonymous {
			rq.csrf = w.csrfToken(rw, rq)
		}
		if unsafeMethod(r.Method) && !o.anonymous && !w.checkCSRF(rq) {
			w.renderError(rw, rq, http.StatusForbidden, "This form has expired",
				"The form was sent from a page that is too old or from another site, so nothing was changed. Go back, reload the page and try again.")
			return
		}
		if err := h(rw, rq); err != nil {
			w.fail(rw, rq, err)
		}
	})
	return w.cop.Handler(inner)
}

func allowed(who access, a desk.Actor) bool {
	switch who {
	case anyone:
		return true
	case signedIn:
		return !a.IsGuest()
	case agentOnly:
		return !a.IsGuest() && a.User.IsAgent()
	case adminOnly:
		return !a.IsGuest() && a.User.IsAgent() && a.User.Administrator
	}
	return false
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// toLogin sends the browser to the sign-in page, remembering where it was
// going when that was a page (a GET) — a form's POST is not replayed.
func (w *Web) toLogin(rw http.ResponseWriter, rq *request, why string) {
	q := url.Values{}
	if rq.Method == http.MethodGet {
		q.Set("next", rq.URL.RequestURI())
	}
	if why != "" {
		q.Set("m", why)
	}
	target := "/app/login"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(rw, rq.Request, target, http.StatusSeeOther)
}

// safeNext returns next when it is a path of these pages, else home: an
// open redirect would let a link to the sign-in page send the user
// anywhere.
func safeNext(next, home string) string {
	if !strings.HasPrefix(next, "/app/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return home
	}
	return next
}

// home is where a user starts: agents at the desk, customers in the
// portal.
func home(a desk.Actor) string {
	switch {
	case a.IsGuest():
		return "/app/login"
	case a.User.IsAgent():
		return "/app/desk/"
	default:
		return "/app/portal/"
	}
}

// clientAddr is the peer's address, for throttling and the session list.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// redirect answers a successful form with a 303 to target, with a message
// for the next page.
func (w *Web) redirect(rw http.ResponseWriter, rq *request, target, flash string) error {
	if flash != "" && rq.Session != nil {
		if err := w.desk.SetFlash(rq.Context(), rq.Session, flash); err != nil {
			return err
		}
	}
	http.Redirect(rw, rq.Request, target, http.StatusSeeOther)
	return nil
}

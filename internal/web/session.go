package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/sympoq/sympoq/internal/desk"
)

const (
	// sessionCookie holds the session token; the database only its hash.
	sessionCookie = "sympoq_session"
	// preCookie holds a random value that ties the forms of a browser that
	// is not signed in (sign-in, forgot password, sign-up) to it.
	preCookie = "sympoq_pre"
	// cookiePath keeps the cookies to the pages and the API beside them.
	cookiePath = "/app/"
)

// setCookie sets an HttpOnly, SameSite=Lax cookie on /app/, Secure when the
// request came over TLS. maxAge 0 makes a browser-session cookie.
func setCookie(rw http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	http.SetCookie(rw, &http.Cookie{Name: name, Value: value, Path: cookiePath, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: int(maxAge / time.Second)})
}

func clearCookie(rw http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(rw, &http.Cookie{Name: name, Value: "", Path: cookiePath, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: -1})
}

// startSession gives the browser the cookie of a new session.
func startSession(rw http.ResponseWriter, r *http.Request, ns *desk.NewSession) {
	setCookie(rw, r, sessionCookie, ns.Token, desk.SessionMax)
	clearCookie(rw, r, preCookie)
}

// csrfOf derives a form token from a secret the browser holds in an
// HttpOnly cookie: another site can neither read the cookie nor compute the
// token, and the token does not reveal the cookie.
func csrfOf(kind, secret string) string {
	h := sha256.Sum256([]byte("sympoq csrf\x00" + kind + "\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// csrfToken returns the token the forms of this request carry: derived from
// the session, or for a guest from the pre-session cookie, set here if the
// browser has none yet.
func (w *Web) csrfToken(rw http.ResponseWriter, rq *request) string {
	if rq.Session != nil {
		return csrfOf("session", rq.token)
	}
	c, err := rq.Cookie(preCookie)
	if err == nil && len(c.Value) >= 32 {
		return csrfOf("pre", c.Value)
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	setCookie(rw, rq.Request, preCookie, v, 0)
	// The cookie reaches the server only with the next request; a POST
	// without it fails the check below, as it should.
	return csrfOf("pre", v)
}

// checkCSRF reports whether the form carries this browser's token. It reads
// the form field, so multipart bodies are parsed here with the handler's
// limit.
func (w *Web) checkCSRF(rq *request) bool {
	var got string
	if isMultipart(rq.Request) {
		if err := rq.ParseMultipartForm(maxMemory); err != nil {
			return false
		}
		got = rq.FormValue(csrfField)
	} else {
		got = rq.PostFormValue(csrfField)
	}
	if rq.Session == nil {
		if c, err := rq.Cookie(preCookie); err != nil || len(c.Value) < 32 {
			return false
		}
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(rq.csrf)) == 1
}

// csrfField is the form field of the token.
const csrfField = "csrf"

// maxMemory is how much of a multipart form is held in memory; the rest
// (attachments) goes to temporary files.
const maxMemory = 8 << 20

func isMultipart(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return len(ct) >= 19 && ct[:19] == "multipart/form-data"
}

// crossOrigin answers a state-changing request another site sent.
func (w *Web) crossOrigin(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Content-Security-Policy", pageOptions{}.csp())
	w.renderError(rw, &request{Request: r, Account: accountOf(r)}, http.StatusForbidden, "Request refused",
		"This form was sent from another site, so nothing was changed. Open the page here and send it again.")
}

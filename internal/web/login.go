package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
)

// Sign-in throttling: attempts per name (guessing one user's password) and
// per address (trying many users), in a sliding window.
const (
	loginWindow      = 15 * time.Minute
	loginPerName     = 10
	loginPerAddr     = 50
	forgotPerAddress = 10
)

// loginNotices are the messages the sign-in page shows for ?m=; fixed
// texts, so a link cannot make the page say anything else.
var loginNotices = map[string]string{
	"expired":   "Your session has ended. Please sign in again; nothing was changed.",
	"signedout": "You are signed out.",
	"reset":     "Your password is saved. Please sign in with it.",
}

type loginPage struct {
	Text   string
	Notice string
	SignUp bool
	KB     bool // the public knowledge base is open
}

func (w *Web) home(rw http.ResponseWriter, rq *request) error {
	http.Redirect(rw, rq.Request, home(rq.Actor), http.StatusSeeOther)
	return nil
}

func (w *Web) loginForm(rw http.ResponseWriter, rq *request) error {
	if !rq.Actor.IsGuest() {
		http.Redirect(rw, rq.Request, safeNext(rq.URL.Query().Get("next"), home(rq.Actor)), http.StatusSeeOther)
		return nil
	}
	f := newForm(url.Values{"next": {rq.URL.Query().Get("next")}})
	return w.showLogin(rw, rq, http.StatusOK, f, loginNotices[rq.URL.Query().Get("m")])
}

func (w *Web) showLogin(rw http.ResponseWriter, rq *request, status int, f *Form, notice string) error {
	set, err := w.desk.DB().Read().Settings(rq.Context(), rq.Account.ID)
	if err != nil {
		return err
	}
	f.Values.Del("password")
	return w.renderStatus(rw, rq, status, "login", &Page{Title: "Sign in", Form: f,
		Data: loginPage{Text: set.General.LoginText, Notice: notice, SignUp: set.General.Guest.SelfRegistration,
			KB: set.General.Guest.PublicKB}})
}

func (w *Web) login(rw http.ResponseWriter, rq *request) error {
	f := newForm(url.Values{"login": {rq.PostFormValue("login")}, "next": {rq.PostFormValue("next")}})
	login := strings.ToLower(strings.TrimSpace(rq.PostFormValue("login")))
	addr := clientAddr(rq.Request)
	if wait, err := w.throttle(rq, "login:name:"+login, loginPerName, "login:addr:"+addr, loginPerAddr); err != nil {
		return err
	} else if wait > 0 {
		f.Message = fmt.Sprintf("Too many sign-in attempts. Please wait %s and try again.", roundWait(wait))
		rw.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+1)))
		return w.showLogin(rw, rq, http.StatusTooManyRequests, f, "")
	}
	ns, err := w.desk.Login(rq.Context(), rq.Account.ID, desk.LoginInput{Login: rq.PostFormValue("login"),
		Password: rq.PostFormValue("password"), Addr: addr, UserAgent: rq.UserAgent()})
	if err != nil {
		if !f.fromError(err, nil) {
			return err
		}
		status := http.StatusUnauthorized
		if sympoq.ErrorCode(err) == sympoq.EInvalid {
			status = http.StatusBadRequest
		}
		return w.showLogin(rw, rq, status, f, "")
	}
	if rq.Session != nil { // signing in again replaces the old session
		_ = w.desk.Logout(rq.Context(), rq.Account.ID, rq.token)
	}
	startSession(rw, rq.Request, ns)
	a, err := w.desk.ActorOf(rq.Context(), rq.Account.ID, ns.UserID)
	if err != nil {
		return err
	}
	http.Redirect(rw, rq.Request, safeNext(rq.PostFormValue("next"), home(a)), http.StatusSeeOther)
	return nil
}

// throttle takes one attempt from each named budget and returns how long
// to wait when any is spent. A limiter failure lets the attempt through
// (and is logged): sign-in must not depend on Redis being up.
func (w *Web) throttle(rq *request, keysAndLimits ...any) (time.Duration, error) {
	var wait time.Duration
	for i := 0; i+1 < len(keysAndLimits); i += 2 {
		key := fmt.Sprintf("web:%d:%s", rq.Account.ID, keysAndLimits[i])
		res, err := w.limiter.Allow(rq.Context(), key, keysAndLimits[i+1].(int), loginWindow)
		if err != nil {
			w.logger.WarnContext(rq.Context(), "sign-in throttle", "err", err)
			continue
		}
		if !res.Allowed {
			wait = max(wait, res.RetryAfter)
		}
	}
	return wait, nil
}

func roundWait(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d seconds", int(d.Seconds())+1)
	}
	return fmt.Sprintf("%d minutes", int(d.Minutes())+1)
}

func (w *Web) logout(rw http.ResponseWriter, rq *request) error {
	if err := w.desk.Logout(rq.Context(), rq.Account.ID, rq.token); err != nil {
		return err
	}
	clearCookie(rw, rq.Request, sessionCookie)
	http.Redirect(rw, rq.Request, "/app/login?m=signedout", http.StatusSeeOther)
	return nil
}

type forgotPage struct{ Sent bool }

func (w *Web) forgotForm(rw http.ResponseWriter, rq *request) error {
	return w.render(rw, rq, "forgot", &Page{Title: "Forgot password", Form: newForm(nil), Data: forgotPage{}})
}

// forgot emails a one-time link. It answers the same whether or not the
// user exists, so the page does not tell who has an account here.
func (w *Web) forgot(rw http.ResponseWriter, rq *request) error {
	login := rq.PostFormValue("login")
	f := newForm(url.Values{"login": {login}})
	addr := clientAddr(rq.Request)
	if wait, err := w.throttle(rq, "forgot:addr:"+addr, forgotPerAddress, "forgot:name:"+strings.ToLower(strings.TrimSpace(login)), 3); err != nil {
		return err
	} else if wait > 0 {
		f.Message = fmt.Sprintf("Too many requests. Please wait %s and try again.", roundWait(wait))
		return w.renderStatus(rw, rq, http.StatusTooManyRequests, "forgot", &Page{Title: "Forgot password", Form: f, Data: forgotPage{}})
	}
	// The link builds on the account's configured address, never on the
	// request's Host header, which whoever sends the request chooses.
	base := strings.TrimSuffix(w.urlOf(rq.Account.Name), "/")
	link := func(token string) string { return base + "/app/password/reset?token=" + url.QueryEscape(token) }
	if err := w.desk.RequestPasswordReset(rq.Context(), rq.Account.ID, login, link); err != nil {
		if f.fromError(err, nil) {
			return w.renderStatus(rw, rq, http.StatusBadRequest, "forgot", &Page{Title: "Forgot password", Form: f, Data: forgotPage{}})
		}
		return err
	}
	return w.render(rw, rq, "forgot", &Page{Title: "Forgot password", Form: f, Data: forgotPage{Sent: true}})
}

// tokenPage is what a one-time link opens: a new password (forgot password)
// or the first one (registration email).
type tokenPage struct {
	purpose, title, action, done string
}

var (
	resetPassword        = tokenPage{store.TokenPasswordReset, "Choose a new password", "/app/password/reset", "reset"}
	completeRegistration = tokenPage{store.TokenRegistration, "Complete your registration", "/app/register", "reset"}
)

type resetData struct {
	Action    string
	MinLength int
}

func (w *Web) showReset(rw http.ResponseWriter, rq *request, status int, tp tokenPage, f *Form) error {
	set, err := w.desk.DB().Read().Settings(rq.Context(), rq.Account.ID)
	if err != nil {
		return err
	}
	f.Values.Del("password")
	f.Values.Del("confirm")
	return w.renderStatus(rw, rq, status, "reset", &Page{Title: tp.title, Form: f,
		Data: resetData{Action: tp.action, MinLength: set.General.PasswordMinLength}})
}

func (w *Web) resetForm(tp tokenPage) handler {
	return func(rw http.ResponseWriter, rq *request) error {
		rw.Header().Set("Referrer-Policy", "no-referrer") // the token is in the URL
		return w.showReset(rw, rq, http.StatusOK, tp, newForm(url.Values{"token": {rq.URL.Query().Get("token")}}))
	}
}

func (w *Web) reset(tp tokenPage) handler {
	return func(rw http.ResponseWriter, rq *request) error {
		f := newForm(url.Values{"token": {rq.PostFormValue("token")}})
		pw := rq.PostFormValue("password")
		if pw != rq.PostFormValue("confirm") {
			f.Set("confirm", "The two passwords differ.")
			f.Message = "Please correct the marked fields."
			return w.showReset(rw, rq, http.StatusBadRequest, tp, f)
		}
		if wait, err := w.throttle(rq, "reset:addr:"+clientAddr(rq.Request), loginPerAddr); err != nil {
			return err
		} else if wait > 0 {
			f.Message = fmt.Sprintf("Too many attempts. Please wait %s and try again.", roundWait(wait))
			return w.showReset(rw, rq, http.StatusTooManyRequests, tp, f)
		}
		if _, err := w.desk.ResetPassword(rq.Context(), rq.Account.ID, tp.purpose, rq.PostFormValue("token"), pw); err != nil {
			if !f.fromError(err, nil) {
				return err
			}
			if msg := f.Error("token"); msg != "" {
				f.Message = msg
			}
			return w.showReset(rw, rq, http.StatusBadRequest, tp, f)
		}
		if rq.Session != nil {
			clearCookie(rw, rq.Request, sessionCookie)
		}
		http.Redirect(rw, rq.Request, "/app/login?m="+tp.done, http.StatusSeeOther)
		return nil
	}
}

type signupData struct{ MinLength int }

func (w *Web) signupAllowed(rq *request) (*sympoq.Settings, error) {
	set, err := w.desk.DB().Read().Settings(rq.Context(), rq.Account.ID)
	if err != nil {
		return nil, err
	}
	if !set.General.Guest.SelfRegistration {
		return nil, sympoq.NotFound("page")
	}
	return set, nil
}

func (w *Web) signupForm(rw http.ResponseWriter, rq *request) error {
	set, err := w.signupAllowed(rq)
	if err != nil {
		return err
	}
	return w.render(rw, rq, "signup", &Page{Title: "Create an account", Form: newForm(nil), Data: signupData{set.General.PasswordMinLength}})
}

func (w *Web) signup(rw http.ResponseWriter, rq *request) error {
	set, err := w.signupAllowed(rq)
	if err != nil {
		return err
	}
	f := newForm(url.Values{"name": {rq.PostFormValue("name")}, "email": {rq.PostFormValue("email")}})
	if wait, err := w.throttle(rq, "signup:addr:"+clientAddr(rq.Request), forgotPerAddress); err != nil {
		return err
	} else if wait > 0 {
		f.Message = fmt.Sprintf("Too many attempts. Please wait %s and try again.", roundWait(wait))
		return w.renderStatus(rw, rq, http.StatusTooManyRequests, "signup", &Page{Title: "Create an account", Form: f, Data: signupData{set.General.PasswordMinLength}})
	}
	ns, err := w.desk.Register(rq.Context(), rq.Account.ID, desk.RegisterInput{Name: rq.PostFormValue("name"),
		Email: rq.PostFormValue("email"), Password: rq.PostFormValue("password"), Addr: clientAddr(rq.Request), UserAgent: rq.UserAgent()})
	if err != nil {
		if !f.fromError(err, map[string]string{"username": "email"}) {
			return err
		}
		return w.renderStatus(rw, rq, http.StatusBadRequest, "signup", &Page{Title: "Create an account", Form: f, Data: signupData{set.General.PasswordMinLength}})
	}
	startSession(rw, rq.Request, ns)
	http.Redirect(rw, rq.Request, "/app/", http.StatusSeeOther)
	return nil
}

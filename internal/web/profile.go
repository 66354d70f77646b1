package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// profilePage is My Profile: the user's own details, password, API keys
// and open sessions, each form posting to its own address.
type profilePage struct {
	User     *sympoq.User
	Keys     []*sympoq.APIKey
	Sessions []*sympoq.Session
	Current  int64 // this browser's session
	NewKey   *desk.NewKey
	// One form per section; only the one that was sent carries input.
	Details, Password, Key *Form
	Now                    time.Time
}

func (w *Web) profile(rw http.ResponseWriter, rq *request) error {
	return w.showProfile(rw, rq, http.StatusOK, &profilePage{})
}

func (w *Web) showProfile(rw http.ResponseWriter, rq *request, status int, p *profilePage) error {
	ctx := rq.Context()
	u, err := w.desk.Profile(ctx, rq.Actor)
	if err != nil {
		return err
	}
	if p.Keys, err = w.desk.APIKeys(ctx, rq.Actor); err != nil {
		return err
	}
	if p.Sessions, err = w.desk.Sessions(ctx, rq.Actor); err != nil {
		return err
	}
	p.User, p.Current, p.Now = u, rq.Session.ID, time.Now()
	if p.Details == nil {
		notif := ""
		if u.Notifications {
			notif = "1"
		}
		p.Details = newForm(url.Values{"name": {u.Name}, "email": {u.Email}, "signature": {u.Signature},
			"notifications": {notif}, "phone": {u.Phone}, "mobile": {u.Mobile}})
	}
	if p.Password == nil {
		p.Password = newForm(nil)
	}
	if p.Key == nil {
		p.Key = newForm(url.Values{"scope": {"read", "write"}})
	}
	return w.renderStatus(rw, rq, status, "profile", &Page{Title: "My profile", Current: "/app/profile", Data: p})
}

func (w *Web) saveProfile(rw http.ResponseWriter, rq *request) error {
	f := newForm(url.Values{"name": {rq.PostFormValue("name")}, "email": {rq.PostFormValue("email")},
		"signature": {rq.PostFormValue("signature")}, "notifications": {rq.PostFormValue("notifications")},
		"phone": {rq.PostFormValue("phone")}, "mobile": {rq.PostFormValue("mobile")}})
	in := desk.ProfileInput{Name: desk.Some(f.Value("name")), Email: desk.Some(f.Value("email")),
		Notifications: desk.Some(f.Value("notifications") == "1")}
	if rq.Actor.User.IsAgent() {
		in.Signature = desk.Some(strings.ReplaceAll(f.Value("signature"), "\r\n", "\n"))
	} else {
		in.Phone, in.Mobile = desk.Some(f.Value("phone")), desk.Some(f.Value("mobile"))
	}
	if _, err := w.desk.UpdateProfile(rq.Context(), rq.Actor, in); err != nil {
		if !f.fromError(err, nil) {
			return err
		}
		return w.showProfile(rw, rq, http.StatusBadRequest, &profilePage{Details: f})
	}
	return w.redirect(rw, rq, "/app/profile", "Your profile is saved.")
}

func (w *Web) changePassword(rw http.ResponseWriter, rq *request) error {
	f := newForm(nil)
	if rq.PostFormValue("password") != rq.PostFormValue("confirm") {
		f.Set("confirm", "The two new passwords differ.")
		f.Message = "Please correct the marked fields."
		return w.showProfile(rw, rq, http.StatusBadRequest, &profilePage{Password: f})
	}
	in := desk.ProfileInput{Password: desk.Some(rq.PostFormValue("password")),
		CurrentPassword: desk.Some(rq.PostFormValue("current_password"))}
	if _, err := w.desk.UpdateProfile(rq.Context(), rq.Actor, in); err != nil {
		if !f.fromError(err, nil) {
			return err
		}
		return w.showProfile(rw, rq, http.StatusBadRequest, &profilePage{Password: f})
	}
	// Whoever knew the old password may hold a session: end the others.
	if _, err := w.desk.RevokeOtherSessions(rq.Context(), rq.Actor, rq.Session.ID); err != nil {
		return err
	}
	return w.redirect(rw, rq, "/app/profile", "Your password is changed; your other sessions are signed out.")
}

func (w *Web) createKey(rw http.ResponseWriter, rq *request) error {
	f := newForm(url.Values{"name": {rq.PostFormValue("name")}, "scope": rq.PostForm["scope"], "expires": {rq.PostFormValue("expires")}})
	in := desk.APIKeyInput{Name: desk.Some(strings.TrimSpace(f.Value("name")))}
	var scopes []sympoq.Scope
	for _, s := range f.Values["scope"] {
		scopes = append(scopes, sympoq.Scope(s))
	}
	in.Scopes = desk.Some(scopes)
	if e := f.Value("expires"); e != "" {
		d, err := time.ParseInLocation("2006-01-02", e, time.UTC)
		if err != nil {
			f.Set("expires", "Must be a date like 2027-01-31.")
			f.Message = "Please correct the marked fields."
			return w.showProfile(rw, rq, http.StatusBadRequest, &profilePage{Key: f})
		}
		in.Expires = desk.Some(d.Add(24*time.Hour - time.Second)) // to the end of that day
	}
	k, err := w.desk.CreateAPIKey(rq.Context(), rq.Actor, in)
	if err != nil {
		if !f.fromError(err, map[string]string{"scopes": "scope"}) {
			return err
		}
		return w.showProfile(rw, rq, http.StatusBadRequest, &profilePage{Key: f})
	}
	// The key is shown on this answer only: not stored, not redirected.
	return w.showProfile(rw, rq, http.StatusOK, &profilePage{NewKey: k})
}

func (w *Web) revokeKey(rw http.ResponseWriter, rq *request) error {
	id, err := strconv.ParseInt(rq.PathValue("id"), 10, 64)
	if err != nil {
		return sympoq.NotFound("API key")
	}
	if err := w.desk.RevokeAPIKey(rq.Context(), rq.Actor, id); err != nil {
		return err
	}
	return w.redirect(rw, rq, "/app/profile#keys", "The API key is revoked.")
}

func (w *Web) revokeSession(rw http.ResponseWriter, rq *request) error {
	if rq.PathValue("id") == "others" {
		n, err := w.desk.RevokeOtherSessions(rq.Context(), rq.Actor, rq.Session.ID)
		if err != nil {
			return err
		}
		return w.redirect(rw, rq, "/app/profile#sessions", plural(n, "other session is", "other sessions are")+" signed out.")
	}
	id, err := strconv.ParseInt(rq.PathValue("id"), 10, 64)
	if err != nil {
		return sympoq.NotFound("session")
	}
	if err := w.desk.RevokeSession(rq.Context(), rq.Actor, id); err != nil {
		return err
	}
	if id == rq.Session.ID {
		clearCookie(rw, rq.Request, sessionCookie)
		http.Redirect(rw, rq.Request, "/app/login?m=signedout", http.StatusSeeOther)
		return nil
	}
	return w.redirect(rw, rq, "/app/profile#sessions", "The session is signed out.")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// Guests: the public request form (/app/request) and the widget
// (/app/widget), both open only while the account's settings let guests
// submit (settings.general.guest.submit_request; otherwise they do not
// exist: a 404 page). Submissions are throttled per client address with
// the server's limiter and arrive through desk.Submit with the guest actor
// and channel Form, exactly like POST /request without a key.

const (
	guestWindow  = time.Hour
	guestPerAddr = 10
)

// guestAllowed returns the settings when guests may submit here.
func (w *Web) guestAllowed(rq *request) (*sympoq.Settings, error) {
	set, err := w.desk.DB().Read().Settings(rq.Context(), rq.Account.ID)
	if err != nil {
		return nil, err
	}
	if !set.General.Guest.SubmitRequest {
		return nil, sympoq.NotFound("page")
	}
	return set, nil
}

// guestPage names the template and the form's address of a guest form.
type guestPage struct {
	tmpl, action string
	widget       bool
}

var (
	publicForm = guestPage{"guest", "/app/request", false}
	widgetForm = guestPage{"widget", "/app/widget", true}
)

func (w *Web) guestData(rq *request, gp guestPage, set *sympoq.Settings, f *Form) (requestForm, error) {
	d, err := w.requestForm(rq.Context(), sympoq.Guest(rq.Account.ID), gp.action, f)
	if err != nil {
		return d, err
	}
	d.Guest, d.Widget, d.SignUp = true, gp.widget, set.General.Guest.SelfRegistration
	return d, nil
}

func (w *Web) guestPageOf(gp guestPage, f *Form, d requestForm) *Page {
	return &Page{Title: "Ask for help", Form: f, Data: d, Bare: gp.widget}
}

func (w *Web) guestForm(gp guestPage) handler {
	return func(rw http.ResponseWriter, rq *request) error {
		if !gp.widget && !rq.Actor.IsGuest() && !rq.Actor.User.IsAgent() {
			// A signed-in customer asks through the portal.
			http.Redirect(rw, rq.Request, "/app/portal/new", http.StatusSeeOther)
			return nil
		}
		set, err := w.guestAllowed(rq)
		if err != nil {
			return err
		}
		f := newForm(nil)
		d, err := w.guestData(rq, gp, set, f)
		if err != nil {
			return err
		}
		return w.render(rw, rq, gp.tmpl, w.guestPageOf(gp, f, d))
	}
}

func (w *Web) guestSubmit(gp guestPage) handler {
	return func(rw http.ResponseWriter, rq *request) error {
		set, err := w.guestAllowed(rq)
		if err != nil {
			return err
		}
		f, err := postedForm(rq)
		if err != nil {
			return err
		}
		d, err := w.guestData(rq, gp, set, f)
		if err != nil {
			return err
		}
		guest := sympoq.Guest(rq.Account.ID)
		key := fmt.Sprintf("web:%d:guest:addr:%s", rq.Account.ID, clientAddr(rq.Request))
		res, lerr := w.limiter.Allow(rq.Context(), key, guestPerAddr, guestWindow)
		if lerr != nil {
			w.logger.WarnContext(rq.Context(), "guest throttle", "err", lerr)
		} else if !res.Allowed {
			rw.Header().Set("Retry-After", strconv.Itoa(int(res.RetryAfter.Seconds())+1))
			f.Message = fmt.Sprintf("Too many requests from your address. Please wait %s and try again; nothing was sent.", roundWait(res.RetryAfter))
			return w.renderStatus(rw, rq, http.StatusTooManyRequests, gp.tmpl, w.guestPageOf(gp, f, d))
		}
		in, err := w.submitInput(rq.Context(), guest, f, set.Location())
		if err == nil {
			in.Customer = desk.Some(desk.CustomerInput{Name: desk.Some(f.Value("name")), Email: desk.Some(f.Value("email"))})
			var v *desk.TicketView
			if v, err = w.desk.Submit(rq.Context(), guest, in); err == nil {
				d.Created = v.DisplayID
				return w.render(rw, rq, gp.tmpl, w.guestPageOf(gp, newForm(nil), d))
			}
		}
		if !f.fromError(err, customFieldRename(d.Fields)) {
			return err
		}
		return w.renderStatus(rw, rq, formStatus(err), gp.tmpl, w.guestPageOf(gp, f, d))
	}
}

// oldWidget is the address the widget had in earlier SympoQ versions
// (/app/f?p=widget:view); it moved for good.
func (w *Web) oldWidget(rw http.ResponseWriter, rq *request) error {
	if rq.URL.Query().Get("p") != "widget:view" {
		return sympoq.NotFound("page")
	}
	http.Redirect(rw, rq.Request, "/app/widget", http.StatusMovedPermanently)
	return nil
}

// widgetScript serves /app/widget.js, which other sites include; it is
// not versioned in its URL, so browsers revalidate it after an hour.
func (w *Web) widgetScript(rw http.ResponseWriter, r *http.Request) {
	b, ok := w.static.files["widget.js"]
	if !ok {
		http.NotFound(rw, r)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	etag := `"` + w.static.version + `"`
	h.Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		rw.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = rw.Write(b)
}

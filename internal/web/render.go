package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
)

//go:embed templates
var templateFS embed.FS

// views holds one template set per page: the layout and the partials, plus
// that page's file, which defines "content".
type views struct {
	pages map[string]*template.Template
}

func mustParseViews(st *assets) *views {
	base := template.New("").Funcs(funcs(st))
	base = template.Must(base.ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html"))
	names, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		panic(err)
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, n := range names {
		t := template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
		v.pages[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return v
}

// Page is what every template sees: the layout's data and the page's own
// (Data), with its form (Form) when it has one.
type Page struct {
	Title     string
	Account   *sympoq.Account
	SiteTitle string
	User      *sympoq.User // nil: nobody is signed in
	Nav       []NavItem
	Current   string // the nav item's path this page belongs to
	CSRF      string
	Flash     string
	Form      *Form
	Data      any
	RequestID string
	// Bare drops the header (a page shown inside another site's frame).
	Bare bool
}

// NavItem is one link of the header's navigation.
type NavItem struct {
	Label, Path string
}

// nav is the navigation of a user: what their role may open.
func nav(u *sympoq.User) []NavItem {
	if u == nil {
		return nil
	}
	if !u.IsAgent() {
		return portalNav(u)
	}
	items := []NavItem{{"Tickets", "/app/desk/"}, {"New ticket", "/app/desk/tickets/new"}, {"Customers", "/app/desk/customers"}}
	if u.Administrator || slices.ContainsFunc(u.Permissions, func(p sympoq.QueuePermission) bool { return p.Role == sympoq.RoleQueueManager }) {
		items = append(items, NavItem{"Analytics", "/app/desk/analytics"})
	}
	if u.Administrator {
		items = append(items, NavItem{"Settings", "/app/desk/settings/"})
	}
	items = append(items, NavItem{"Knowledge base", "/app/desk/kb/"})
	return items
}

// render writes a page with status 200.
func (w *Web) render(rw http.ResponseWriter, rq *request, name string, p *Page) error {
	return w.renderStatus(rw, rq, http.StatusOK, name, p)
}

// renderStatus executes the page into a buffer first, so that a template
// failure is a clean error page, not half a page.
func (w *Web) renderStatus(rw http.ResponseWriter, rq *request, status int, name string, p *Page) error {
	t, ok := w.views.pages[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	w.fillPage(rq, p)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(status)
	_, _ = buf.WriteTo(rw)
	return nil
}

func (w *Web) fillPage(rq *request, p *Page) {
	p.Account = rq.Account
	if rq.Account != nil {
		p.SiteTitle = rq.Account.Name
	}
	p.User = rq.Actor.User
	p.Nav = nav(p.User)
	p.CSRF = rq.csrf
	p.RequestID = sympoq.RequestIDFromContext(rq.Context())
	if p.Flash == "" && rq.Session != nil && rq.Session.Flash != "" {
		if msg, err := w.desk.TakeFlash(rq.Context(), rq.Session); err == nil {
			p.Flash = msg
			rq.Session.Flash = ""
		}
	}
	if p.SiteTitle != "" && rq.Account != nil {
		if set, err := w.desk.DB().Read().Settings(rq.Context(), rq.Account.ID); err == nil && set.General.Title != "" {
			p.SiteTitle = set.General.Title
		}
	}
}

// errorPage is the data of the error template.
type errorPage struct {
	Status  int
	Heading string
	Message string
}

// renderError writes an error page. It never fails: if even the template
// fails, a plain text answer goes out.
func (w *Web) renderError(rw http.ResponseWriter, rq *request, status int, heading, msg string) {
	if rq.Account == nil {
		rq.Account = accountOf(rq.Request)
	}
	rw.Header().Set("Cache-Control", "no-store")
	p := &Page{Title: heading, Data: errorPage{Status: status, Heading: heading, Message: msg}}
	if err := w.renderStatus(rw, rq, status, "error", p); err != nil {
		w.logger.ErrorContext(rq.Context(), "render error page", "err", err)
		http.Error(rw, heading, status)
	}
}

// fail turns an error into its page: unauthorized goes to sign-in, out of
// reach is a 404 (a ticket one may not see does not exist), an internal
// error is logged with the request id and shown without its text.
func (w *Web) fail(rw http.ResponseWriter, rq *request, err error) {
	var e *sympoq.Error
	code := sympoq.ErrorCode(err)
	msg := ""
	if asError(err, &e) {
		msg = e.Message
	}
	switch code {
	case sympoq.EUnauthorized:
		clearCookie(rw, rq.Request, sessionCookie)
		w.toLogin(rw, rq, "expired")
	case sympoq.ENotFound:
		w.renderError(rw, rq, http.StatusNotFound, "Page not found", "There is nothing here, or it is not yours to see.")
	case sympoq.EForbidden, sympoq.EReadonly:
		w.renderError(rw, rq, http.StatusForbidden, "Not allowed", capitalize(msg))
	case sympoq.EPrecondition:
		w.renderError(rw, rq, http.StatusConflict, "Changed by someone else",
			"Someone changed this while you were looking at it, so nothing was saved. Reload the page to see the change and try again.")
	case sympoq.EConflict:
		w.renderError(rw, rq, http.StatusConflict, "Not possible now", capitalize(msg))
	case sympoq.EInvalid, sympoq.ETooLarge, sympoq.EUnsupported:
		w.renderError(rw, rq, http.StatusBadRequest, "Something is wrong with the input", describe(e))
	case sympoq.EUnavailable:
		w.busy(rw, rq, err)
	default:
		if e == nil && errors.Is(err, context.DeadlineExceeded) {
			// The request ran out of its time: the server is busy, which
			// is no failure of its own, and worth trying again (the API
			// answers 503 alike).
			w.busy(rw, rq, err)
			return
		}
		w.logger.ErrorContext(rq.Context(), "page", "path", rq.URL.Path, "err", err,
			"request_id", sympoq.RequestIDFromContext(rq.Context()))
		w.renderError(rw, rq, http.StatusInternalServerError, "Something went wrong",
			"The server could not finish this. Nothing you see here is lost; please try again in a moment. If it keeps happening, quote request "+
				sympoq.RequestIDFromContext(rq.Context())+".")
	}
}

// busy is the page of a request the server could not answer in time.
func (w *Web) busy(rw http.ResponseWriter, rq *request, err error) {
	w.logger.WarnContext(rq.Context(), "page out of time", "path", rq.URL.Path, "err", err,
		"request_id", sympoq.RequestIDFromContext(rq.Context()))
	rw.Header().Set("Retry-After", "1")
	w.renderError(rw, rq, http.StatusServiceUnavailable, "Busy right now",
		"The server could not answer in time. Nothing was lost; please try again in a moment.")
}

// describe says what is wrong with the input, field by field, for the
// error page of a request that has no form to show the errors beside.
func describe(e *sympoq.Error) string {
	parts := []string{capitalize(e.Message)}
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return strings.Join(parts, ". ")
}

func asError(err error, e **sympoq.Error) bool { return errors.As(err, e) }

// IsPage reports whether a path belongs to the pages rather than the API,
// so that the server answers an unknown one with an HTML page.
func IsPage(path string) bool {
	return strings.HasPrefix(path, "/app/") && !strings.HasPrefix(path, "/app/desk/api/") && path != "/app/desk/api"
}

// NotFound answers a path no page has, with the pages' error page. The
// account is not resolved here (an unknown path needs none), so the page
// shows no account title and no user.
func (w *Web) NotFound(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Content-Security-Policy", pageOptions{}.csp())
	w.renderError(rw, &request{Request: r}, http.StatusNotFound, "Page not found", "There is nothing at this address.")
}

func accountOf(r *http.Request) *sympoq.Account { return sympoq.AccountFromContext(r.Context()) }

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// funcs are the template functions.
func funcs(st *assets) template.FuncMap {
	return template.FuncMap{
		"static": st.url,
		"field":  newField,
		"time":   fmtTime,
		"ago":    ago,
		"join":   strings.Join,
		// options makes select choices from value, label pairs.
		"options": func(kv ...string) []Option {
			var out []Option
			for i := 0; i+1 < len(kv); i += 2 {
				out = append(out, Option{Value: kv[i], Label: kv[i+1]})
			}
			return out
		},
		// multiple is the field option of a multiselect custom field.
		"multiple": func(cf customField) string {
			if cf.Type == sympoq.CustomMultiselect {
				return "multiple"
			}
			return ""
		},
		"stars": func(n int) string { return strings.Repeat("★", n) + strings.Repeat("☆", max(0, 5-n)) },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
}

// fmtTime shows a time in UTC to the minute; pages with an account zone
// pass a zoned time.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("2006-01-02 15:04")
}

// ago shows how long ago t was, roughly.
func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	default:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	}
}

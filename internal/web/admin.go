package web

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
)

// The administration pages (/app/desk/settings/, administrators only).
// Every form goes through the desk methods the API uses — UpdateSettings,
// SaveQueue, SaveTopic, SaveCustomField, CreateUser, … — so a page can do
// exactly what the settings API can, and a refused form comes back with
// the input and the desk's field messages.

// adminSection is one entry of the administration navigation. Sections
// without a Path are built later and shown as "coming".
type adminSection struct {
	Key, Label, Path string
}

var adminSections = []adminSection{
	{"agents", "Agents", "/app/desk/settings/agents"},
	{"queues", "Queues", "/app/desk/settings/queues"},
	{"topics", "Topics", "/app/desk/settings/topics"},
	{"groups", "Customer groups", "/app/desk/settings/groups"},
	{"tags", "Tags", "/app/desk/settings/tags"},
	{"fields", "Custom fields", "/app/desk/settings/fields"},
	{"canned", "Canned replies", "/app/desk/settings/canned"},
	{"templates", "Email templates", "/app/desk/settings/templates"},
	{"notifications", "Ticket action notifications", "/app/desk/settings/notifications"},
	{"rules", "Submission rules", "/app/desk/settings/rules"},
	{"scheduled", "Scheduled actions", "/app/desk/settings/scheduled"},
	{"mail", "Sender & SMTP", "/app/desk/settings/mail"},
	{"mailboxes", "Mailboxes & inbound", "/app/desk/settings/mailboxes"},
	{"received", "Received mail", "/app/desk/settings/received"},
	{"general", "General", "/app/desk/settings/general"},
	{"automation", "Automation permissions", "/app/desk/settings/automation"},
	{"targets", "Service targets & working time", "/app/desk/settings/targets"},
	{"ticket-id", "Ticket ID format", "/app/desk/settings/ticket-id"},
	{"limits", "Rate & attachment limits", "/app/desk/settings/limits"},
}

// adminPage is what every administration template sees: the section
// navigation and the page's own data.
type adminPage struct {
	Sections []adminSection
	Current  string
	Data     any
}

// adminRender renders an administration page inside the section layout.
func (w *Web) adminRender(rw http.ResponseWriter, rq *request, status int, tmpl, section, title string, f *Form, data any) error {
	return w.renderStatus(rw, rq, status, tmpl, &Page{Title: title, Current: "/app/desk/settings/", Form: f,
		Data: adminPage{Sections: adminSections, Current: section, Data: data}})
}

func (w *Web) adminIndex(rw http.ResponseWriter, rq *request) error {
	return w.adminRender(rw, rq, http.StatusOK, "admin_index", "", "Settings", nil, nil)
}

// postedForm is the posted form without its CSRF token.
func postedForm(rq *request) (*Form, error) {
	if err := parseForm(rq); err != nil {
		return nil, err
	}
	v := url.Values{}
	for k, vs := range rq.Form {
		if k != csrfField {
			v[k] = vs
		}
	}
	return newForm(v), nil
}

// formStatus is the status of a form shown again after err.
func formStatus(err error) int {
	switch sympoq.ErrorCode(err) {
	case sympoq.EConflict, sympoq.EPrecondition:
		return http.StatusConflict
	case sympoq.EForbidden, sympoq.EReadonly:
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// ----- Settings document sections -----

// settingsSection is one page of the settings document: which values the
// form shows and how the posted form changes the settings. Field names
// are the document's JSON paths (general.title, …), so the field messages
// of Settings.Validate land beside their controls.
type settingsSection struct {
	key, title string
	values     func(set *sympoq.Settings) url.Values
	apply      func(f *Form, set *sympoq.Settings)
}

// formInt reads a whole number; anything else becomes -1, which every
// numeric setting refuses, so Validate names the field with its range.
func formInt(f *Form, name string) int {
	n, err := strconv.Atoi(strings.TrimSpace(f.Value(name)))
	if err != nil {
		return -1
	}
	return n
}

func formBool(f *Form, name string) bool { return f.Value(name) == "1" }

func boolValue(b bool) string {
	if b {
		return "1"
	}
	return ""
}

var settingsSections = map[string]settingsSection{
	"general": {key: "general", title: "General settings",
		values: func(set *sympoq.Settings) url.Values {
			g := set.General
			return url.Values{"general.title": {g.Title}, "general.theme": {g.Theme}, "general.time_zone": {g.TimeZone},
				"general.date_format": {g.DateFormat}, "general.login_text": {g.LoginText},
				"general.password_min_length":  {strconv.Itoa(g.PasswordMinLength)},
				"general.default_queue":        {strconv.FormatInt(g.DefaultQueue, 10)},
				"general.guest.submit_request": {boolValue(g.Guest.SubmitRequest)}, "general.guest.public_kb": {boolValue(g.Guest.PublicKB)},
				"general.guest.self_registration": {boolValue(g.Guest.SelfRegistration)}}
		},
		apply: func(f *Form, set *sympoq.Settings) {
			g := &set.General
			g.Title = strings.TrimSpace(f.Value("general.title"))
			g.Theme = f.Value("general.theme")
			g.TimeZone = strings.TrimSpace(f.Value("general.time_zone"))
			g.DateFormat = f.Value("general.date_format")
			g.LoginText = strings.TrimRight(f.Value("general.login_text"), " \t\r\n")
			g.PasswordMinLength = formInt(f, "general.password_min_length")
			g.DefaultQueue = int64(formInt(f, "general.default_queue"))
			g.Guest.SubmitRequest = formBool(f, "general.guest.submit_request")
			g.Guest.PublicKB = formBool(f, "general.guest.public_kb")
			g.Guest.SelfRegistration = formBool(f, "general.guest.self_registration")
		}},
	"automation": {key: "automation", title: "Automation permissions",
		values: func(set *sympoq.Settings) url.Values {
			a := set.Automation
			return url.Values{"automation.agents_change_status": {boolValue(a.AgentsChangeStatus)},
				"automation.agents_self_assign": {boolValue(a.AgentsSelfAssign)}, "automation.agents_create_tags": {boolValue(a.AgentsCreateTags)},
				"automation.default_billable_minutes": {strconv.Itoa(a.DefaultBillableMinutes)},
				"automation.customers_close":          {boolValue(a.CustomersClose)}, "automation.customers_reopen": {boolValue(a.CustomersReopen)},
				"automation.customers_rate": {boolValue(a.CustomersRate)}}
		},
		apply: func(f *Form, set *sympoq.Settings) {
			a := &set.Automation
			a.AgentsChangeStatus = formBool(f, "automation.agents_change_status")
			a.AgentsSelfAssign = formBool(f, "automation.agents_self_assign")
			a.AgentsCreateTags = formBool(f, "automation.agents_create_tags")
			a.DefaultBillableMinutes = formInt(f, "automation.default_billable_minutes")
			a.CustomersClose = formBool(f, "automation.customers_close")
			a.CustomersReopen = formBool(f, "automation.customers_reopen")
			a.CustomersRate = formBool(f, "automation.customers_rate")
		}},
	"targets": {key: "targets", title: "Service targets and working time",
		values: func(set *sympoq.Settings) url.Values {
			wt := set.General.WorkingTime
			v := url.Values{"general.working_time.always": {boolValue(wt.Always)},
				"general.working_time.week_start": {strconv.Itoa(wt.WeekStart)}, "general.working_time.week_end": {strconv.Itoa(wt.WeekEnd)},
				"general.working_time.day_start": {strconv.Itoa(wt.DayStart)}, "general.working_time.day_end": {strconv.Itoa(wt.DayEnd)}}
			for _, p := range targetPriorities {
				t := p.of(&set.ServiceTargets)
				v.Set("service_targets."+p.key+".first_response", string(t.FirstResponse))
				v.Set("service_targets."+p.key+".resolution", string(t.Resolution))
			}
			return v
		},
		apply: func(f *Form, set *sympoq.Settings) {
			wt := &set.General.WorkingTime
			wt.Always = formBool(f, "general.working_time.always")
			wt.WeekStart = formInt(f, "general.working_time.week_start")
			wt.WeekEnd = formInt(f, "general.working_time.week_end")
			wt.DayStart = formInt(f, "general.working_time.day_start")
			wt.DayEnd = formInt(f, "general.working_time.day_end")
			if wt.Always { // the week is kept but not used; keep it valid
				wt.WeekStart, wt.WeekEnd, wt.DayStart, wt.DayEnd = max(wt.WeekStart, 0), max(wt.WeekEnd, 0), max(wt.DayStart, 0), max(wt.DayEnd, 1)
			}
			for _, p := range targetPriorities {
				t := p.of(&set.ServiceTargets)
				t.FirstResponse = sympoq.WorkDuration(strings.TrimSpace(f.Value("service_targets." + p.key + ".first_response")))
				t.Resolution = sympoq.WorkDuration(strings.TrimSpace(f.Value("service_targets." + p.key + ".resolution")))
			}
		}},
	"ticket-id": {key: "ticket-id", title: "Ticket ID format",
		values: func(set *sympoq.Settings) url.Values {
			return url.Values{"ticket_id_format": {set.TicketIDFormat}}
		},
		apply: func(f *Form, set *sympoq.Settings) {
			set.TicketIDFormat = strings.TrimSpace(f.Value("ticket_id_format"))
		}},
	"limits": {key: "limits", title: "Rate and attachment limits",
		values: func(set *sympoq.Settings) url.Values {
			return url.Values{"rate_limits.read": {strconv.Itoa(set.RateLimits.Read)}, "rate_limits.write": {strconv.Itoa(set.RateLimits.Write)},
				"attachments.max_file_mb": {strconv.Itoa(set.Attachments.MaxFileMB)}, "attachments.max_ticket_mb": {strconv.Itoa(set.Attachments.MaxTicketMB)}}
		},
		apply: func(f *Form, set *sympoq.Settings) {
			set.RateLimits.Read = formInt(f, "rate_limits.read")
			set.RateLimits.Write = formInt(f, "rate_limits.write")
			set.Attachments.MaxFileMB = formInt(f, "attachments.max_file_mb")
			set.Attachments.MaxTicketMB = formInt(f, "attachments.max_ticket_mb")
		}},
}

type targetPriority struct {
	key, label string
	of         func(*sympoq.ServiceTargets) *sympoq.ServiceTarget
}

var targetPriorities = []targetPriority{
	{"urgent", "Urgent", func(s *sympoq.ServiceTargets) *sympoq.ServiceTarget { return &s.Urgent }},
	{"high", "High", func(s *sympoq.ServiceTargets) *sympoq.ServiceTarget { return &s.High }},
	{"normal", "Normal", func(s *sympoq.ServiceTargets) *sympoq.ServiceTarget { return &s.Normal }},
	{"low", "Low", func(s *sympoq.ServiceTargets) *sympoq.ServiceTarget { return &s.Low }},
}

// settingsData is what a settings section's template sees besides its
// form: the choices of its selects and, for the ticket ID format, the
// example.
type settingsData struct {
	Queues     []Option
	Themes     []Option
	Dates      []Option
	Days       []Option
	Priorities []targetPriority
	Example    idExample
}

// TargetKey and TargetLabel let templates range over the priorities.
func (p targetPriority) Key() string   { return p.key }
func (p targetPriority) Label() string { return p.label }

var weekdays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

func (w *Web) settingsData(rq *request, f *Form) (settingsData, error) {
	qs, err := w.desk.Queues(rq.Context(), rq.Actor)
	if err != nil {
		return settingsData{}, err
	}
	d := settingsData{Priorities: targetPriorities}
	for _, q := range qs {
		d.Queues = append(d.Queues, Option{Value: strconv.FormatInt(q.ID, 10), Label: q.Name})
	}
	for _, t := range sympoq.Themes {
		d.Themes = append(d.Themes, Option{Value: t, Label: t})
	}
	now := time.Now()
	for _, df := range sympoq.DateFormats {
		d.Dates = append(d.Dates, Option{Value: df, Label: now.Format(df)})
	}
	for i, day := range weekdays {
		d.Days = append(d.Days, Option{Value: strconv.Itoa(i), Label: day})
	}
	d.Example = ticketIDExample(f.Value("ticket_id_format"), now)
	return d, nil
}

func (w *Web) settingsForm(key string) handler {
	sec := settingsSections[key]
	return func(rw http.ResponseWriter, rq *request) error {
		set, err := w.desk.Settings(rq.Context(), rq.Actor)
		if err != nil {
			return err
		}
		f := newForm(sec.values(set))
		d, err := w.settingsData(rq, f)
		if err != nil {
			return err
		}
		return w.adminRender(rw, rq, http.StatusOK, "admin_settings_"+key, key, sec.title, f, d)
	}
}

func (w *Web) saveSettings(key string) handler {
	sec := settingsSections[key]
	return func(rw http.ResponseWriter, rq *request) error {
		f, err := postedForm(rq)
		if err != nil {
			return err
		}
		if f.Value("preview") != "" {
			// "Show example" without JavaScript: the page again with the
			// typed format's example; nothing is saved.
			d, err := w.settingsData(rq, f)
			if err != nil {
				return err
			}
			return w.adminRender(rw, rq, http.StatusOK, "admin_settings_"+key, key, sec.title, f, d)
		}
		_, err = w.desk.UpdateSettings(rq.Context(), rq.Actor, func(set *sympoq.Settings) error {
			sec.apply(f, set)
			return nil
		})
		if err != nil {
			if !f.fromError(err, nil) {
				return err
			}
			d, derr := w.settingsData(rq, f)
			if derr != nil {
				return derr
			}
			return w.adminRender(rw, rq, formStatus(err), "admin_settings_"+key, key, sec.title, f, d)
		}
		return w.redirect(rw, rq, "/app/desk/settings/"+key, sec.title+" saved.")
	}
}

// idExample is a ticket ID format rendered by the real generator, or why
// it cannot be.
type idExample struct {
	Format, Example, Error string
}

// ticketIDExample renders format for a ticket created at now with
// sequence number 42 and random letters — what a new ticket's id looks
// like.
func ticketIDExample(format string, now time.Time) idExample {
	ex := idExample{Format: format}
	g, err := sympoq.NewTicketIDGenerator(format)
	if err != nil {
		ex.Error = capitalize(err.Error()) + "."
		return ex
	}
	ex.Example = g.Generate(now, 42, rand.IntN)
	return ex
}

// ticketIDPreview answers the page's script as the administrator types:
// the example as text, or 422 with the reason.
func (w *Web) ticketIDPreview(rw http.ResponseWriter, rq *request) error {
	set, err := w.desk.Settings(rq.Context(), rq.Actor)
	if err != nil {
		return err
	}
	ex := ticketIDExample(rq.URL.Query().Get("format"), time.Now().In(set.Location()))
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if ex.Error != "" {
		rw.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = fmt.Fprint(rw, ex.Error)
		return nil
	}
	_, _ = fmt.Fprint(rw, ex.Example)
	return nil
}

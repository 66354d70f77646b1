package sympoq

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Settings are an account's general settings, automation permissions,
// service targets, ticket ID format, attachment and rate limits. They are
// stored as one document per account and changed only by administrators.
type Settings struct {
	General        GeneralSettings    `json:"general"`
	Automation     AutomationSettings `json:"automation"`
	ServiceTargets ServiceTargets     `json:"service_targets"`
	TicketIDFormat string             `json:"ticket_id_format"`
	Attachments    AttachmentLimits   `json:"attachments"`
	RateLimits     RateLimits         `json:"rate_limits"`
}

// GeneralSettings are the account-wide basics of product.md §3.
type GeneralSettings struct {
	Title             string      `json:"title"`
	Theme             string      `json:"theme"`
	TimeZone          string      `json:"time_zone"`
	DateFormat        string      `json:"date_format"`
	WorkingTime       WorkingTime `json:"working_time"`
	Guest             GuestAccess `json:"guest"`
	LoginText         string      `json:"login_text"`
	PasswordMinLength int         `json:"password_min_length"`
	DefaultQueue      int64       `json:"default_queue"`
}

// WorkingTime is 24/7 or a custom week: days WeekStart..WeekEnd (0 Sunday –
// 6 Saturday, wrapping), hours DayStart..DayEnd (0–24) in the account's zone.
type WorkingTime struct {
	Always    bool `json:"always"`
	WeekStart int  `json:"week_start"`
	WeekEnd   int  `json:"week_end"`
	DayStart  int  `json:"day_start"`
	DayEnd    int  `json:"day_end"`
}

// GuestAccess says what anonymous visitors may do.
type GuestAccess struct {
	SubmitRequest    bool `json:"submit_request"`
	PublicKB         bool `json:"public_kb"`
	SelfRegistration bool `json:"self_registration"`
}

// AutomationSettings are the automation permissions of product.md §3.
type AutomationSettings struct {
	AgentsChangeStatus     bool `json:"agents_change_status"`
	AgentsSelfAssign       bool `json:"agents_self_assign"`
	AgentsCreateTags       bool `json:"agents_create_tags"`
	DefaultBillableMinutes int  `json:"default_billable_minutes"`
	CustomersClose         bool `json:"customers_close"`
	CustomersReopen        bool `json:"customers_reopen"`
	CustomersRate          bool `json:"customers_rate"`
	AgentsEditKB           bool `json:"agents_edit_kb"` // agents (not only administrators) edit the knowledge base
}

// ServiceTargets holds a first-response and a resolution target per priority.
type ServiceTargets struct {
	Low    ServiceTarget `json:"low"`
	Normal ServiceTarget `json:"normal"`
	High   ServiceTarget `json:"high"`
	Urgent ServiceTarget `json:"urgent"`
}

// For returns the target of priority p.
func (s ServiceTargets) For(p Priority) ServiceTarget {
	switch p {
	case PriorityLow:
		return s.Low
	case PriorityHigh:
		return s.High
	case PriorityUrgent:
		return s.Urgent
	}
	return s.Normal
}

// ServiceTarget is a pair of working-time durations such as "4h" or "1d".
type ServiceTarget struct {
	FirstResponse WorkDuration `json:"first_response"`
	Resolution    WorkDuration `json:"resolution"`
}

// WorkDuration is an amount of working time written as days, hours and
// minutes ("1d", "4h", "1d 4h 30m"). A day is one working day, whose length
// depends on the working time.
type WorkDuration string

var workDurationRE = regexp.MustCompile(`^(?:(\d{1,3})d)?\s*(?:(\d{1,4})h)?\s*(?:(\d{1,5})m)?$`)

// Parts returns the days, hours and minutes of d.
func (d WorkDuration) Parts() (days, hours, minutes int, err error) {
	m := workDurationRE.FindStringSubmatch(string(d))
	if m == nil || d == "" {
		return 0, 0, 0, fmt.Errorf("must be working time such as 30m, 4h, 1d or 1d 4h")
	}
	n := func(s string) int { v, _ := strconv.Atoi(s); return v }
	return n(m[1]), n(m[2]), n(m[3]), nil
}

// AttachmentLimits bound uploaded files, in megabytes.
type AttachmentLimits struct {
	MaxFileMB   int `json:"max_file_mb"`
	MaxTicketMB int `json:"max_ticket_mb"`
}

// RateLimits are the API request budgets per key and minute.
type RateLimits struct {
	Read  int `json:"read"`
	Write int `json:"write"`
}

// DateFormats are the date formats an account can choose, as Go layouts.
var DateFormats = []string{
	"02-Jan-06 15:04",
	"2006-01-02 15:04",
	"02/01/2006 15:04",
	"01/02/2006 03:04 PM",
	"02.01.2006 15:04",
}

// Themes are the layout themes of the pages.
var Themes = []string{"light", "dark", "auto"}

// DefaultTicketIDFormat gives ids like 09-13-O-TW4.
const DefaultTicketIDFormat = "{MM}-{DD}-{L}-{X:3}"

// DefaultSettings are the settings of a new account.
func DefaultSettings() Settings {
	return Settings{
		General: GeneralSettings{
			Title:             "SympoQ Help Desk",
			Theme:             "light",
			TimeZone:          "UTC",
			DateFormat:        DateFormats[0],
			WorkingTime:       WorkingTime{Always: false, WeekStart: 1, WeekEnd: 5, DayStart: 9, DayEnd: 17},
			Guest:             GuestAccess{SubmitRequest: true},
			PasswordMinLength: 8,
		},
		Automation: AutomationSettings{
			AgentsChangeStatus: true,
			AgentsSelfAssign:   true,
			AgentsCreateTags:   true,
			CustomersClose:     true,
			CustomersReopen:    true,
			CustomersRate:      true,
		},
		ServiceTargets: ServiceTargets{
			Urgent: ServiceTarget{"1h", "4h"},
			High:   ServiceTarget{"4h", "1d"},
			Normal: ServiceTarget{"8h", "3d"},
			Low:    ServiceTarget{"1d", "5d"},
		},
		TicketIDFormat: DefaultTicketIDFormat,
		Attachments:    AttachmentLimits{MaxFileMB: 20, MaxTicketMB: 100},
		RateLimits:     RateLimits{Read: 600, Write: 120},
	}
}

// Validate reports every problem with s, with JSON field paths.
func (s *Settings) Validate() error {
	var p Problems
	g := &s.General
	CheckText(&p, "general.title", g.Title, MaxShortLen, false)
	if g.Title == "" {
		p.Add("general.title", FieldMissing, "must not be empty")
	}
	if !contains(Themes, g.Theme) {
		p.Add("general.theme", FieldInvalid, "must be one of %q", Themes)
	}
	if g.TimeZone == "" || g.TimeZone == "Local" {
		p.Add("general.time_zone", FieldInvalid, "must be an IANA time zone such as Europe/Berlin")
	} else if _, err := time.LoadLocation(g.TimeZone); err != nil {
		p.Add("general.time_zone", FieldInvalid, "must be an IANA time zone such as Europe/Berlin")
	}
	if !contains(DateFormats, g.DateFormat) {
		p.Add("general.date_format", FieldInvalid, "must be one of %q", DateFormats)
	}
	w := g.WorkingTime
	if !w.Always {
		if w.WeekStart < 0 || w.WeekStart > 6 {
			p.Add("general.working_time.week_start", FieldInvalid, "must be 0 (Sunday) to 6 (Saturday)")
		}
		if w.WeekEnd < 0 || w.WeekEnd > 6 {
			p.Add("general.working_time.week_end", FieldInvalid, "must be 0 (Sunday) to 6 (Saturday)")
		}
		if w.DayStart < 0 || w.DayStart > 23 {
			p.Add("general.working_time.day_start", FieldInvalid, "must be an hour from 0 to 23")
		}
		if w.DayEnd <= w.DayStart || w.DayEnd > 24 {
			p.Add("general.working_time.day_end", FieldInvalid, "must be an hour after day_start, at most 24")
		}
	}
	CheckText(&p, "general.login_text", g.LoginText, 5000, true)
	if g.PasswordMinLength < MinPasswordFloor || g.PasswordMinLength > 128 {
		p.Add("general.password_min_length", FieldInvalid, "must be from %d to 128", MinPasswordFloor)
	}
	if g.DefaultQueue <= 0 {
		p.Add("general.default_queue", FieldInvalid, "must be the id of a queue")
	}
	if a := s.Automation.DefaultBillableMinutes; a < 0 || a > 24*60 {
		p.Add("automation.default_billable_minutes", FieldInvalid, "must be from 0 to 1440")
	}
	for _, t := range []struct {
		name string
		t    ServiceTarget
	}{{"low", s.ServiceTargets.Low}, {"normal", s.ServiceTargets.Normal}, {"high", s.ServiceTargets.High}, {"urgent", s.ServiceTargets.Urgent}} {
		if _, _, _, err := t.t.FirstResponse.Parts(); err != nil {
			p.Add("service_targets."+t.name+".first_response", FieldInvalid, "%v", err)
		}
		if _, _, _, err := t.t.Resolution.Parts(); err != nil {
			p.Add("service_targets."+t.name+".resolution", FieldInvalid, "%v", err)
		}
	}
	if err := ValidateTicketIDFormat(s.TicketIDFormat); err != nil {
		p.Add("ticket_id_format", FieldInvalid, "%v", err)
	}
	if a := s.Attachments.MaxFileMB; a < 1 || a > 1024 {
		p.Add("attachments.max_file_mb", FieldInvalid, "must be from 1 to 1024")
	}
	if a := s.Attachments.MaxTicketMB; a < s.Attachments.MaxFileMB || a > 10240 {
		p.Add("attachments.max_ticket_mb", FieldInvalid, "must be from max_file_mb to 10240")
	}
	if r := s.RateLimits.Read; r < 1 || r > 1000000 {
		p.Add("rate_limits.read", FieldInvalid, "must be from 1 to 1000000 requests a minute")
	}
	if r := s.RateLimits.Write; r < 1 || r > 1000000 {
		p.Add("rate_limits.write", FieldInvalid, "must be from 1 to 1000000 requests a minute")
	}
	return p.Err()
}

// Location returns the account's time zone, UTC when it cannot be loaded.
func (s *Settings) Location() *time.Location {
	if loc, err := time.LoadLocation(s.General.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

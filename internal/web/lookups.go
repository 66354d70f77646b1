package web

import (
	"strconv"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/worktime"
)

// lookups are the settings items a desk page names and offers in its
// selects, loaded once per request through desk.
type lookups struct {
	Settings *sympoq.Settings
	Loc      *time.Location
	Cal      worktime.Calendar
	Queues   []*sympoq.Queue
	Topics   []*sympoq.Topic
	Groups   []*sympoq.Group
	Tags     []*sympoq.Tag
	Agents   []*sympoq.User
	queue    map[int64]string
	topic    map[int64]string
	agent    map[int64]string
}

func (w *Web) lookups(rq *request) (*lookups, error) {
	ctx, a := rq.Context(), rq.Actor
	l := &lookups{queue: map[int64]string{}, topic: map[int64]string{}, agent: map[int64]string{}}
	var err error
	if l.Settings, err = w.desk.Settings(ctx, a); err != nil {
		return nil, err
	}
	l.Loc = l.Settings.Location()
	l.Cal = worktime.New(l.Settings.General.WorkingTime, l.Loc)
	if l.Queues, err = w.desk.Queues(ctx, a); err != nil {
		return nil, err
	}
	if l.Topics, err = w.desk.Topics(ctx, a); err != nil {
		return nil, err
	}
	if l.Groups, err = w.desk.Groups(ctx, a); err != nil {
		return nil, err
	}
	if l.Tags, err = w.desk.Tags(ctx, a); err != nil {
		return nil, err
	}
	active := true
	if l.Agents, _, _, err = w.desk.Users(ctx, a, desk.UserList{UserFilter: store.UserFilter{Kind: sympoq.KindAgent, Active: &active, Sort: "name"}}); err != nil {
		return nil, err
	}
	for _, q := range l.Queues {
		l.queue[q.ID] = q.Name
	}
	for _, t := range l.Topics {
		l.topic[t.ID] = t.Name
	}
	for _, u := range l.Agents {
		l.agent[u.ID] = u.Name
	}
	return l, nil
}

// QueueName, TopicName and AgentName name an id for templates ("" for 0).
func (l *lookups) QueueName(id int64) string { return l.queue[id] }
func (l *lookups) TopicName(id int64) string { return l.topic[id] }
func (l *lookups) AgentName(id int64) string { return l.agent[id] }

// In shows a time in the account's zone.
func (l *lookups) In(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(l.Loc).Format("2006-01-02 15:04")
}

func idOptions[T any](items []T, id func(T) int64, name func(T) string, empty string) []Option {
	var out []Option
	if empty != "" {
		out = append(out, Option{Value: "", Label: empty})
	}
	for _, it := range items {
		out = append(out, Option{Value: strconv.FormatInt(id(it), 10), Label: name(it)})
	}
	return out
}

func (l *lookups) QueueOptions(empty string) []Option {
	return idOptions(l.Queues, func(q *sympoq.Queue) int64 { return q.ID }, func(q *sympoq.Queue) string { return q.Name }, empty)
}
func (l *lookups) TopicOptions(empty string) []Option {
	return idOptions(l.Topics, func(q *sympoq.Topic) int64 { return q.ID }, func(q *sympoq.Topic) string { return q.Name }, empty)
}
func (l *lookups) GroupOptions(empty string) []Option {
	return idOptions(l.Groups, func(q *sympoq.Group) int64 { return q.ID }, func(q *sympoq.Group) string { return q.Name }, empty)
}
func (l *lookups) AgentOptions(empty string) []Option {
	return idOptions(l.Agents, func(q *sympoq.User) int64 { return q.ID }, func(q *sympoq.User) string { return q.Name }, empty)
}
func (l *lookups) TagOptions(empty string) []Option {
	var out []Option
	if empty != "" {
		out = append(out, Option{Value: "", Label: empty})
	}
	for _, t := range l.Tags {
		out = append(out, Option{Value: t.Name, Label: t.Name})
	}
	return out
}

// enumOptions lists a fixed enumeration (status, priority, channel).
func enumOptions[T ~int](values []T, name func(T) string, empty string) []Option {
	var out []Option
	if empty != "" {
		out = append(out, Option{Value: "", Label: empty})
	}
	for _, v := range values {
		out = append(out, Option{Value: strconv.Itoa(int(v)), Label: name(v)})
	}
	return out
}

var (
	allStatuses   = []sympoq.Status{sympoq.StatusNew, sympoq.StatusWorking, sympoq.StatusPending, sympoq.StatusClosed}
	allPriorities = []sympoq.Priority{sympoq.PriorityLow, sympoq.PriorityNormal, sympoq.PriorityHigh, sympoq.PriorityUrgent}
	allChannels   = []sympoq.Channel{sympoq.ChannelForm, sympoq.ChannelEmail, sympoq.ChannelAPI, sympoq.ChannelPhone}
)

func (l *lookups) StatusOptions(empty string) []Option {
	return enumOptions(allStatuses, sympoq.Status.String, empty)
}
func (l *lookups) PriorityOptions(empty string) []Option {
	return enumOptions(allPriorities, sympoq.Priority.String, empty)
}
func (l *lookups) ChannelOptions(empty string) []Option {
	return enumOptions(allChannels, sympoq.Channel.String, empty)
}

// Deadline says how much time is left, or how late the ticket is.
type Deadline struct {
	Text  string
	Class string // overdue, soon, ""
}

// DeadlineOf shows a ticket's deadline relative to now.
func DeadlineOf(t *sympoq.Ticket, now time.Time) Deadline {
	if t.Deadline.IsZero() || t.Status == sympoq.StatusClosed {
		return Deadline{Text: "—"}
	}
	d := t.Deadline.Sub(now)
	if d < 0 {
		return Deadline{Text: "overdue " + shortDuration(-d), Class: "overdue"}
	}
	class := ""
	if d < 2*time.Hour {
		class = "soon"
	}
	return Deadline{Text: shortDuration(d) + " left", Class: class}
}

// shortDuration is 3d 4h, 5h 20m or 12m.
func shortDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return strconv.Itoa(days) + "d " + strconv.Itoa(hours) + "h"
	case hours > 0:
		return strconv.Itoa(hours) + "h " + strconv.Itoa(mins) + "m"
	default:
		return strconv.Itoa(mins) + "m"
	}
}

package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// Workflow rules: submission rules per channel (/app/desk/settings/rules,
// ?channel=N) and scheduled actions (/app/desk/settings/scheduled), each
// saved through desk.SaveRule and deleted through desk.DeleteRule.
//
// The form's names follow the desk's field paths where they can
// (description, match, set.queue, time.hours, …), so Rule.Validate's
// messages land beside their controls; rows are numbered: conditions
// cond.N.field/op/value/key, notifications notify.K.template with
// recipients notify.K.rcpt.J.kind/user/address. Each list carries blank
// rows, and "Add another row" shows the form again with one more, so the
// form works without JavaScript. A condition on a group, topic, queue,
// assignee, priority or status takes the item's name (or "none"), which
// the page turns into its id.

func ruleKindOf(rq *request) sympoq.RuleKind {
	if strings.HasPrefix(rq.URL.Path, "/app/desk/settings/scheduled") {
		return sympoq.RuleScheduled
	}
	return sympoq.RuleSubmission
}

func rulesBase(kind sympoq.RuleKind) string {
	if kind == sympoq.RuleScheduled {
		return "/app/desk/settings/scheduled"
	}
	return "/app/desk/settings/rules"
}

// ruleRow is one rule of a list.
type ruleRow struct {
	Rule       *sympoq.Rule
	Conditions []string
	Actions    []string
	Pending    int
}

type channelTab struct {
	Value   int
	Label   string
	Current bool
}

type ruleListData struct {
	Kind     string
	Base     string
	Channel  int
	Channels []channelTab
	Rows     []ruleRow
}

func parseChannel(s string) sympoq.Channel {
	n, _ := strconv.Atoi(s)
	if c := sympoq.Channel(n); c.Valid() {
		return c
	}
	return sympoq.ChannelForm
}

func (w *Web) ruleList(rw http.ResponseWriter, rq *request) error {
	ch := parseChannel(rq.URL.Query().Get("channel"))
	rules, err := w.desk.Rules(rq.Context(), rq.Actor, sympoq.RuleSubmission, ch)
	if err != nil {
		return err
	}
	l, err := w.lookups(rq)
	if err != nil {
		return err
	}
	d := ruleListData{Kind: string(sympoq.RuleSubmission), Base: rulesBase(sympoq.RuleSubmission), Channel: int(ch)}
	for _, c := range allChannels {
		d.Channels = append(d.Channels, channelTab{Value: int(c), Label: c.String(), Current: c == ch})
	}
	for _, r := range rules {
		d.Rows = append(d.Rows, ruleRow{Rule: r, Conditions: describeConditions(l, r), Actions: describeActions(l, r)})
	}
	return w.adminRender(rw, rq, http.StatusOK, "admin_rules", "rules", "Submission rules", nil, d)
}

func (w *Web) scheduledList(rw http.ResponseWriter, rq *request) error {
	rules, err := w.desk.Rules(rq.Context(), rq.Actor, sympoq.RuleScheduled, 0)
	if err != nil {
		return err
	}
	l, err := w.lookups(rq)
	if err != nil {
		return err
	}
	d := ruleListData{Kind: string(sympoq.RuleScheduled), Base: rulesBase(sympoq.RuleScheduled)}
	for _, r := range rules {
		n, err := w.desk.PendingCount(rq.Context(), rq.Actor, r.ID)
		if err != nil {
			return err
		}
		d.Rows = append(d.Rows, ruleRow{Rule: r, Conditions: describeConditions(l, r), Actions: describeActions(l, r), Pending: n})
	}
	return w.adminRender(rw, rq, http.StatusOK, "admin_rules", "scheduled", "Scheduled actions", nil, d)
}

var condFieldLabels = map[sympoq.CondField]string{
	sympoq.CondGroup: "Customer group", sympoq.CondRole: "Customer role", sympoq.CondEmail: "Customer email or domain",
	sympoq.CondCompany: "Company", sympoq.CondSubject: "Subject", sympoq.CondDescription: "Description",
	sympoq.CondTopic: "Topic", sympoq.CondPriority: "Priority", sympoq.CondCustomField: "Custom field",
	sympoq.CondWorkingTime: "Within working time", sympoq.CondStatus: "Status", sympoq.CondQueue: "Queue",
	sympoq.CondAssignee: "Assignee",
}

var condOpLabels = map[sympoq.CondOp]string{sympoq.OpIs: "is", sympoq.OpIsNot: "is not", sympoq.OpContains: "contains", sympoq.OpMatches: "matches"}

var timeEventLabels = []Option{{Value: string(sympoq.AfterCreated), Label: "after the ticket was created"},
	{Value: string(sympoq.BeforeDeadline), Label: "before the deadline"}, {Value: string(sympoq.AfterDeadline), Label: "after the deadline"},
	{Value: string(sympoq.AfterLastUpdate), Label: "after the last update"}, {Value: string(sympoq.AfterLastAgentReply), Label: "after the last agent reply"},
	{Value: string(sympoq.AfterLastCustomerReply), Label: "after the last customer reply"}}

var notLabels = []Option{{Value: string(sympoq.NotRespondedByAgent), Label: "Not answered by an agent (the customer is waiting)"},
	{Value: string(sympoq.NotRespondedByCustomer), Label: "Not answered by the customer (the desk is waiting)"},
	{Value: string(sympoq.NotClosed), Label: "Not closed"}}

// idCondition reports whether a condition on field carries an id.
func idCondition(f sympoq.CondField) bool {
	switch f {
	case sympoq.CondGroup, sympoq.CondTopic, sympoq.CondPriority, sympoq.CondStatus, sympoq.CondQueue, sympoq.CondAssignee:
		return true
	}
	return false
}

// idName is the name a condition's id shows as.
func idName(l *lookups, f sympoq.CondField, id int64) string {
	if id == 0 && f != sympoq.CondPriority && f != sympoq.CondStatus && f != sympoq.CondQueue {
		return "none"
	}
	switch f {
	case sympoq.CondGroup:
		for _, g := range l.Groups {
			if g.ID == id {
				return g.Name
			}
		}
	case sympoq.CondTopic:
		return orID(l.TopicName(id), id)
	case sympoq.CondQueue:
		return orID(l.QueueName(id), id)
	case sympoq.CondAssignee:
		return orID(l.AgentName(id), id)
	case sympoq.CondPriority:
		return sympoq.Priority(id).String()
	case sympoq.CondStatus:
		return sympoq.Status(id).String()
	}
	return strconv.FormatInt(id, 10)
}

func orID(name string, id int64) string {
	if name == "" {
		return strconv.FormatInt(id, 10)
	}
	return name
}

// nameID resolves what was typed for an id condition: a name (any case), a
// number, or "none"; ok is false when nothing of that name exists.
func nameID(l *lookups, f sympoq.CondField, s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	if strings.EqualFold(s, "none") || strings.EqualFold(s, "unassigned") {
		return 0, f != sympoq.CondPriority && f != sympoq.CondStatus && f != sympoq.CondQueue
	}
	var names []Option
	switch f {
	case sympoq.CondGroup:
		names = l.GroupOptions("")
	case sympoq.CondTopic:
		names = l.TopicOptions("")
	case sympoq.CondQueue:
		names = l.QueueOptions("")
	case sympoq.CondAssignee:
		names = l.AgentOptions("")
	case sympoq.CondPriority:
		names = l.PriorityOptions("")
	case sympoq.CondStatus:
		names = l.StatusOptions("")
	}
	for _, o := range names {
		if strings.EqualFold(o.Label, s) {
			n, _ := strconv.ParseInt(o.Value, 10, 64)
			return n, true
		}
	}
	return -1, false
}

func describeConditions(l *lookups, r *sympoq.Rule) []string {
	var out []string
	for _, c := range r.Conditions {
		v := c.Value
		if idCondition(c.Field) {
			v = idName(l, c.Field, c.ID)
		}
		label := condFieldLabels[c.Field]
		if c.Field == sympoq.CondCustomField {
			label = "Field " + c.Key
		}
		if c.Field == sympoq.CondWorkingTime {
			out = append(out, label+" "+condOpLabels[c.Op])
			continue
		}
		out = append(out, fmt.Sprintf("%s %s %q", label, condOpLabels[c.Op], v))
	}
	if r.Time != nil {
		ev := string(r.Time.Event)
		for _, o := range timeEventLabels {
			if o.Value == ev {
				ev = o.Label
			}
		}
		out = append(out, fmt.Sprintf("%d hours %s", r.Time.Hours, ev))
	}
	for _, n := range r.Not {
		for _, o := range notLabels {
			if o.Value == string(n) {
				out = append(out, o.Label)
			}
		}
	}
	return out
}

func describeActions(l *lookups, r *sympoq.Rule) []string {
	v := r.Set
	var out []string
	if v.Queue != 0 {
		out = append(out, "Queue: "+orID(l.QueueName(v.Queue), v.Queue))
	}
	if v.Topic != 0 {
		out = append(out, "Topic: "+orID(l.TopicName(v.Topic), v.Topic))
	}
	switch v.Assign {
	case sympoq.AssignAgent:
		out = append(out, "Assign to "+orID(l.AgentName(v.Agent), v.Agent))
	case sympoq.AssignRoundRobin:
		out = append(out, "Assign in turn")
	case sympoq.AssignLeastLoaded:
		out = append(out, "Assign to the least loaded agent")
	}
	if v.DeadlineHours != 0 {
		out = append(out, fmt.Sprintf("Deadline in %d working hours", v.DeadlineHours))
	}
	if v.Priority != 0 {
		out = append(out, "Priority: "+v.Priority.String())
	}
	if v.Status != 0 {
		out = append(out, "Status: "+v.Status.String())
	}
	if v.Close {
		out = append(out, "Close")
	}
	if len(v.Tags) > 0 {
		out = append(out, "Tags: "+strings.Join(v.Tags, ", "))
	}
	for _, n := range r.Notify {
		out = append(out, "Email "+templateLabel(n.Template))
	}
	return out
}

// ----- The rule form -----

type condRow struct {
	N                      int
	Field, Op, Value, Key  string
	FieldErr, OpErr        string
	ValueErr, KeyErr       string
	FieldOpts, OpOpts      []Option
	FieldID, OpID, ValueID string
	KeyID                  string
}

// Num is the row's number as people count, from 1.
func (c condRow) Num() int { return c.N + 1 }

// Num is the block's number as people count, from 1.
func (b notifyBlock) Num() int { return b.K + 1 }

type notifyBlock struct {
	K         int
	Template  string
	TplName   string
	TplErr    string
	TplID     string
	Recipient []rcptRow
}

type ruleFormData struct {
	Kind        string
	Base        string
	ID          int64
	System      bool
	Channel     int
	ChannelName string
	Conds       []condRow
	Notify      []notifyBlock
	Nots        []Option
	NotErr      string
	SetErr      string
	L           *lookups
	Templates   []Option
	Kinds       []Option
	Agents      []Option
	Events      []Option
	Assign      []Option
	Match       []Option
}

func ruleValues(l *lookups, r *sympoq.Rule) url.Values {
	v := url.Values{"description": {r.Description}, "priority": {strconv.Itoa(r.Priority)}, "active": {boolValue(r.Active)},
		"match": {string(r.Match)}, "channel": {strconv.Itoa(int(r.Channel))}}
	for i, c := range r.Conditions {
		p := fmt.Sprintf("cond.%d.", i)
		v.Set(p+"field", string(c.Field))
		v.Set(p+"op", string(c.Op))
		if idCondition(c.Field) {
			v.Set(p+"value", idName(l, c.Field, c.ID))
		} else {
			v.Set(p+"value", c.Value)
		}
		v.Set(p+"key", c.Key)
	}
	s := r.Set
	set := func(k string, n int64) {
		if n != 0 {
			v.Set(k, strconv.FormatInt(n, 10))
		}
	}
	set("set.queue", s.Queue)
	set("set.topic", s.Topic)
	set("set.agent", s.Agent)
	set("set.priority", int64(s.Priority))
	set("set.status", int64(s.Status))
	set("set.deadline_hours", int64(s.DeadlineHours))
	v.Set("set.assign", string(s.Assign))
	v.Set("set.close", boolValue(s.Close))
	v.Set("set.tags", strings.Join(s.Tags, ", "))
	for _, n := range r.Not {
		v.Set("not."+string(n), "1")
	}
	if r.Time != nil {
		v.Set("time.event", string(r.Time.Event))
		v.Set("time.hours", strconv.Itoa(r.Time.Hours))
	}
	for k, n := range r.Notify {
		v.Set(fmt.Sprintf("notify.%d.template", k), n.Template)
		recipientValues(v, fmt.Sprintf("notify.%d.rcpt", k), n.Recipients)
	}
	return v
}

func (w *Web) showRule(rw http.ResponseWriter, rq *request, status int, id int64, f *Form, add bool) error {
	kind := ruleKindOf(rq)
	l, err := w.lookups(rq)
	if err != nil {
		return err
	}
	d := ruleFormData{Kind: string(kind), Base: rulesBase(kind), ID: id, L: l, Kinds: recipientKinds[:0:0],
		Agents: l.AgentOptions("Choose an agent"), Events: timeEventLabels,
		Match: []Option{{Value: "all", Label: "all of these conditions hold"}, {Value: "any", Label: "any one of these conditions holds"}}}
	for _, k := range recipientKinds {
		if k.Value != string(sympoq.RcptAssigneeOrManagers) {
			d.Kinds = append(d.Kinds, k)
		}
	}
	d.Assign = []Option{{Value: "", Label: "Leave as it is"}, {Value: "agent", Label: "A named agent"}}
	if kind == sympoq.RuleSubmission {
		d.Assign = append(d.Assign, Option{Value: "round_robin", Label: "The queue's agents in turn"}, Option{Value: "least_loaded", Label: "The queue's least loaded agent"})
	}
	d.Templates = []Option{{Value: "", Label: "No email"}}
	for _, name := range desk.TemplateNames {
		if name != sympoq.TplRegistration && name != sympoq.TplPasswordReset {
			d.Templates = append(d.Templates, Option{Value: name, Label: templateLabel(name)})
		}
	}
	title := "New "
	if id != 0 {
		r, err := w.desk.Rule(rq.Context(), rq.Actor, kind, id)
		if err != nil {
			return err
		}
		if f == nil {
			f = newForm(ruleValues(l, r))
		}
		d.System, d.Channel = r.System, int(r.Channel)
		title = "Edit "
	} else {
		if f == nil {
			f = newForm(url.Values{"active": {"1"}, "match": {"all"}, "channel": {strconv.Itoa(int(parseChannel(rq.URL.Query().Get("channel"))))},
				"priority": {"10"}, "time.event": {string(sympoq.AfterLastUpdate)}, "time.hours": {"24"}})
		}
		d.Channel = int(parseChannel(f.Value("channel")))
	}
	d.ChannelName = sympoq.Channel(d.Channel).String()
	// Condition rows.
	fields := []Option{{Value: "", Label: "—"}}
	for _, cf := range []sympoq.CondField{sympoq.CondSubject, sympoq.CondDescription, sympoq.CondEmail, sympoq.CondCompany, sympoq.CondGroup,
		sympoq.CondRole, sympoq.CondTopic, sympoq.CondPriority, sympoq.CondCustomField, sympoq.CondWorkingTime,
		sympoq.CondStatus, sympoq.CondQueue, sympoq.CondAssignee} {
		if kind == sympoq.RuleSubmission && (cf == sympoq.CondStatus || cf == sympoq.CondQueue || cf == sympoq.CondAssignee) {
			continue
		}
		fields = append(fields, Option{Value: string(cf), Label: condFieldLabels[cf]})
	}
	ops := []Option{{Value: "is", Label: "is"}, {Value: "is_not", Label: "is not"}, {Value: "contains", Label: "contains"}, {Value: "matches", Label: "matches (pattern)"}}
	if !d.System {
		for i := 0; i < shownRows(f, "cond", add); i++ {
			p := fmt.Sprintf("cond.%d.", i)
			c := condRow{N: i, Field: f.Value(p + "field"), Op: f.Value(p + "op"), Value: f.Value(p + "value"), Key: f.Value(p + "key"),
				FieldErr: f.Error(p + "field"), OpErr: f.Error(p + "op"), ValueErr: f.Error(p + "value"), KeyErr: f.Error(p + "key"),
				FieldID: Field{Name: p + "field"}.ID(), OpID: Field{Name: p + "op"}.ID(), ValueID: Field{Name: p + "value"}.ID(), KeyID: Field{Name: p + "key"}.ID()}
			c.FieldOpts, c.OpOpts = selected(fields, c.Field), selected(ops, c.Op)
			d.Conds = append(d.Conds, c)
		}
	}
	// Notification blocks: those the form holds plus one blank.
	for k := 0; k < rowCount(f, "notify", false)+1; k++ {
		p := fmt.Sprintf("notify.%d.", k)
		b := notifyBlock{K: k, Template: f.Value(p + "template"), TplName: p + "template", TplErr: f.Error(p + "template"), TplID: Field{Name: p + "template"}.ID(),
			Recipient: recipientRows(f, fmt.Sprintf("notify.%d.rcpt", k), add)}
		d.Notify = append(d.Notify, b)
	}
	for _, o := range notLabels {
		o.Selected = f.Value("not."+o.Value) == "1"
		d.Nots = append(d.Nots, o)
	}
	d.NotErr, d.SetErr = f.Error("not"), f.Error("set")
	what := "submission rule"
	if kind == sympoq.RuleScheduled {
		what = "scheduled action"
	}
	section := "rules"
	if kind == sympoq.RuleScheduled {
		section = "scheduled"
	}
	return w.adminRender(rw, rq, status, "admin_rule", section, title+what, f, d)
}

// selected marks the option of value v.
func selected(opts []Option, v string) []Option {
	out := make([]Option, len(opts))
	for i, o := range opts {
		o.Selected = o.Value == v
		out[i] = o
	}
	return out
}

func (w *Web) ruleNew(rw http.ResponseWriter, rq *request) error {
	return w.showRule(rw, rq, http.StatusOK, 0, nil, false)
}

func (w *Web) ruleEdit(rw http.ResponseWriter, rq *request) error {
	id := id0(rq)
	if id <= 0 {
		return sympoq.NotFound("rule")
	}
	return w.showRule(rw, rq, http.StatusOK, id, nil, false)
}

// ruleInput reads the rule form into the desk's input. Names that do not
// resolve are marked on the form and sent as -1, which the desk refuses,
// so nothing is saved and every other problem shows too.
func ruleInput(l *lookups, kind sympoq.RuleKind, f *Form, id int64) (desk.RuleInput, map[string]string) {
	rename := map[string]string{"conditions": "cond.0.field", "time": "time.event", "notify": "notify.0.template"}
	in := desk.RuleInput{Description: desk.Some(f.Value("description")), Active: desk.Some(formBool(f, "active"))}
	if m := f.Value("match"); m != "" { // the Catch all's form has no conditions and no match
		in.Match = desk.Some(sympoq.MatchMode(m))
	}
	if p := optInt(f, "priority"); p.Set {
		in.Priority = p
	}
	if kind == sympoq.RuleSubmission && id == 0 {
		in.Channel = desk.Some(parseChannel(f.Value("channel")))
	}
	conds := []sympoq.Condition{}
	for i := 0; i < rowCount(f, "cond", false); i++ {
		p := fmt.Sprintf("cond.%d.", i)
		field := sympoq.CondField(f.Value(p + "field"))
		if field == "" {
			continue
		}
		c := sympoq.Condition{Field: field, Op: sympoq.CondOp(f.Value(p + "op"))}
		val := f.Value(p + "value")
		switch {
		case idCondition(field):
			n, ok := nameID(l, field, val)
			if !ok {
				f.Set(p+"value", fmt.Sprintf("No %s is named %q.", strings.ToLower(condFieldLabels[field]), strings.TrimSpace(val)))
			}
			c.ID = n
		case field == sympoq.CondCustomField:
			c.Key, c.Value = strings.TrimSpace(f.Value(p+"key")), val
		case field == sympoq.CondWorkingTime:
		default:
			c.Value = strings.TrimSpace(val)
		}
		k := len(conds)
		d := fmt.Sprintf("conditions[%d]", k)
		rename[d], rename[d+".field"], rename[d+".op"] = p+"field", p+"field", p+"op"
		rename[d+".value"], rename[d+".id"], rename[d+".key"] = p+"value", p+"value", p+"key"
		conds = append(conds, c)
	}
	in.Conditions = desk.Some(conds)
	set := sympoq.RuleValues{Queue: atoi(f.Value("set.queue")), Agent: atoi(f.Value("set.agent")),
		Assign: sympoq.AssignMode(f.Value("set.assign")), Priority: sympoq.Priority(atoi(f.Value("set.priority")))}
	if set.Assign != sympoq.AssignAgent {
		set.Agent = 0
	}
	for _, t := range strings.Split(f.Value("set.tags"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			set.Tags = append(set.Tags, t)
		}
	}
	for i := range set.Tags {
		rename[fmt.Sprintf("set.tags[%d]", i)] = "set.tags"
	}
	if kind == sympoq.RuleSubmission {
		set.Topic = atoi(f.Value("set.topic"))
		if h := optInt(f, "set.deadline_hours"); h.Set {
			set.DeadlineHours = h.V
		}
	} else {
		set.Status = sympoq.Status(atoi(f.Value("set.status")))
		set.Close = formBool(f, "set.close")
		nots := []sympoq.TicketNot{}
		for _, o := range notLabels {
			if f.Value("not."+o.Value) == "1" {
				rename[fmt.Sprintf("not[%d]", len(nots))] = "not"
				nots = append(nots, sympoq.TicketNot(o.Value))
			}
		}
		in.Not = desk.Some(nots)
		tc := sympoq.TimeCondition{Event: sympoq.TimeEvent(f.Value("time.event")), Hours: -1}
		if h := optInt(f, "time.hours"); h.Set {
			tc.Hours = h.V
		}
		in.Time = desk.Some(tc)
	}
	in.Set = desk.Some(set)
	notify := []desk.NotifyInput{}
	for k := 0; k < rowCount(f, "notify", false); k++ {
		p := fmt.Sprintf("notify.%d.", k)
		rmap := map[string]string{}
		rs := recipientInputs(f, fmt.Sprintf("notify.%d.rcpt", k), "recipients", rmap)
		tpl := f.Value(p + "template")
		if tpl == "" && len(rs) == 0 {
			continue
		}
		j := len(notify)
		d := fmt.Sprintf("notify[%d]", j)
		rename[d], rename[d+".template"], rename[d+".recipients"] = p+"template", p+"template", p+"rcpt.0.kind"
		for dk, fk := range rmap {
			rename[d+"."+dk] = fk
		}
		n := desk.NotifyInput{Template: tpl}
		for _, r := range rs {
			n.Recipients = append(n.Recipients, desk.RuleRecipient{Kind: r.Kind, User: r.User, Address: r.Address})
		}
		notify = append(notify, n)
	}
	in.Notify = desk.Some(notify)
	return in, rename
}

func (w *Web) ruleSave(rw http.ResponseWriter, rq *request) error {
	f, err := postedForm(rq)
	if err != nil {
		return err
	}
	kind := ruleKindOf(rq)
	id := id0(rq)
	if rq.PathValue("id") != "" && id <= 0 {
		return sympoq.NotFound("rule")
	}
	if f.Value("add_row") != "" {
		return w.showRule(rw, rq, http.StatusOK, id, f, true)
	}
	l, err := w.lookups(rq)
	if err != nil {
		return err
	}
	in, rename := ruleInput(l, kind, f, id)
	r, err := w.desk.SaveRule(rq.Context(), rq.Actor, kind, id, in)
	if err != nil {
		if !f.fromError(err, rename) {
			return err
		}
		return w.showRule(rw, rq, formStatus(err), id, f, false)
	}
	target := rulesBase(kind)
	if kind == sympoq.RuleSubmission {
		target += "?channel=" + strconv.Itoa(int(r.Channel))
	}
	verb := "saved"
	if id == 0 {
		verb = "added"
	}
	return w.redirect(rw, rq, target, fmt.Sprintf("Rule %q %s.", r.Description, verb))
}

func (w *Web) ruleDelete(rw http.ResponseWriter, rq *request) error {
	if err := parseForm(rq); err != nil {
		return err
	}
	kind := ruleKindOf(rq)
	r, err := w.desk.Rule(rq.Context(), rq.Actor, kind, id0(rq))
	if err != nil {
		return err
	}
	target := rulesBase(kind)
	if kind == sympoq.RuleSubmission {
		target += "?channel=" + strconv.Itoa(int(r.Channel))
	}
	if err := w.desk.DeleteRule(rq.Context(), rq.Actor, kind, r.ID); err != nil {
		var e *sympoq.Error
		if asError(err, &e) && e.Code == sympoq.EConflict {
			return w.redirect(rw, rq, target, capitalize(e.Message)+".")
		}
		return err
	}
	return w.redirect(rw, rq, target, fmt.Sprintf("Rule %q deleted.", r.Description))
}

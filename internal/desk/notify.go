package desk

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	netmail "net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// MailOptions are the deployment's outbound mail settings the desk needs to
// render messages: the default sender and the public address of an
// account's pages, for links.
type MailOptions struct {
	From       netmail.Address
	AccountURL func(accountName string) string
	// NoAccountSMTP refuses accounts their own SMTP server: the server
	// would connect wherever an account's administrator says.
	NoAccountSMTP bool
}

// WithMail sets the deployment's mail options.
func WithMail(o MailOptions) Option { return func(s *Service) { s.mail = o } }

// WithOutboxWake makes the service call wake after every transaction that
// stored outbound email commits (jobs.Dispatcher.Wake), so that delivery
// starts at once rather than at the dispatcher's next poll. wake must not
// block.
func WithOutboxWake(wake func()) Option { return func(s *Service) { s.outboxWake = wake } }

type automaticKey struct{}

// Automatic marks ctx as the context of an automatic process (a scheduled
// action, a rule): the email its use cases send is marked Auto-Submitted.
func Automatic(ctx context.Context) context.Context {
	return context.WithValue(ctx, automaticKey{}, true)
}

func isAutomatic(ctx context.Context) bool { v, _ := ctx.Value(automaticKey{}).(bool); return v }

// maxReferences bounds the References header: the first message of the
// ticket and the latest ones.
const maxReferences = 10

// recipient is one resolved address of a notification.
type recipient struct {
	user *sympoq.User // nil for a fixed address nobody in the account has
	name string
	addr string
}

// notifyCtx is what rendering a ticket's notifications needs, loaded once
// per notifyAll, in its transaction: nothing outlives it, so another
// process's change is seen by the next action.
type notifyCtx struct {
	acct     *sympoq.Account
	set      *sympoq.Settings
	t        *sympoq.Ticket
	ev       *sympoq.Event
	replyTo  string        // the queue's first inbound address
	queue    *sympoq.Queue // with its permissions; loaded by queueUsers only
	cust     *sympoq.User
	assignee *sympoq.User
	from     netmail.Address
	// templates holds the stored text of each template the specs name, nil
	// for those that use the default.
	templates map[string]*sympoq.EmailTemplate
	prior     []sympoq.TicketMessage
	values    map[string]string
}

// notifyAll sends the notifications specs ask for about event ev of ticket
// t, inside the caller's transaction: it resolves the recipients (skipping
// inactive users, users with notifications off, the agent who acted, and
// customers for internal events), renders the template for each, and
// records a Notified event, the outbound Message-ID and the message, which
// the outbox dispatcher delivers once the transaction commits. An address
// gets each template once.
//
// pre, when not nil, holds what was read ahead of the transaction
// (notifyPre).
func (s *Service) notifyAll(ctx context.Context, tx *store.Tx, pre *notifyPre, set *sympoq.Settings, t *sympoq.Ticket, ev *sympoq.Event, specs []sympoq.NotifySpec) error {
	if len(specs) == 0 {
		return nil
	}
	nc, err := s.loadNotifyCtx(ctx, tx, pre, set, t, ev, specs)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, spec := range specs {
		tpl, err := nc.template(spec.Template)
		if err != nil {
			return err
		}
		rs, err := s.resolve(ctx, tx, nc, spec.Recipients)
		if err != nil {
			return err
		}
		for _, r := range rs {
			key := strings.ToLower(r.addr) + "\x00" + spec.Template
			if seen[key] {
				continue
			}
			seen[key] = true
			if err := s.notifyOne(ctx, tx, nc, tpl, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// notifyPre is what a ticket's notifications read that the ticket's own
// write does not decide: the account, its sender, stored templates and
// action notifications, and the names and reply-to of the queue and topic
// the ticket is expected to get. A use case whose transaction is shared
// with others (Submit, in the group commit) reads it ahead on the read
// pool, so that the one writer spends no time on reads. What the
// transaction decides differently (another queue chosen by a rule, say) is
// read in it as without pre. Reading ahead orders the submission before a
// concurrent change of those settings, as if it had come a moment earlier.
type notifyPre struct {
	acct      *sympoq.Account // nil: nothing was read ahead
	from      netmail.Address
	templates map[string]*sympoq.EmailTemplate                    // stored texts by name; absent: the default
	actions   map[sympoq.ActionTrigger]*sympoq.ActionNotification // stored settings; absent: the default
	// The queue's name and reply-to address, and the topic's name, of the
	// queue and topic the ticket was expected to get, if known.
	queue              int64
	queueName, replyTo string
	queueKnown         bool
	topic              int64 // 0: none
	topicName          string
	topicKnown         bool
	cust               *sympoq.User // the customer, once the transaction knows its id
	// noPrior: the ticket is new and no message of it is recorded, so
	// there is nothing to thread under.
	noPrior bool
}

// readNotifyPre reads into pre, with r (the read pool), the account-wide
// part of what notifications read: the account, its sender, its stored
// templates and action notifications.
func (s *Service) readNotifyPre(ctx context.Context, r *store.Tx, set *sympoq.Settings, accountID int64, pre *notifyPre) error {
	var err error
	if pre.acct, err = r.Account(ctx, accountID); err != nil {
		return err
	}
	if pre.from, err = s.sender(ctx, r, accountID, set); err != nil {
		return err
	}
	if pre.templates, err = r.EmailTemplates(ctx, accountID); err != nil {
		return err
	}
	pre.actions, err = r.ActionNotifications(ctx, accountID)
	return err
}

// topicName is the name of topic, or "" if it is gone.
func topicName(ctx context.Context, tx *store.Tx, accountID, topic int64) (string, error) {
	tp, err := tx.Topic(ctx, accountID, topic)
	if sympoq.ErrorCode(err) == sympoq.ENotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return tp.Name, nil
}

func (s *Service) loadNotifyCtx(ctx context.Context, tx *store.Tx, pre *notifyPre, set *sympoq.Settings, t *sympoq.Ticket, ev *sympoq.Event, specs []sympoq.NotifySpec) (*notifyCtx, error) {
	nc := &notifyCtx{set: set, t: t, ev: ev, templates: map[string]*sympoq.EmailTemplate{}}
	if pre == nil {
		pre = &notifyPre{}
	}
	var err error
	if nc.acct = pre.acct; nc.acct == nil {
		if nc.acct, err = tx.Account(ctx, t.AccountID); err != nil {
			return nil, err
		}
	}
	queueName, replyTo := pre.queueName, pre.replyTo
	if !pre.queueKnown || pre.queue != t.Queue {
		if queueName, replyTo, err = tx.QueueReplyTo(ctx, t.AccountID, t.Queue); err != nil {
			return nil, err
		}
	}
	nc.replyTo = replyTo
	if pre.cust != nil && pre.cust.ID == t.Customer {
		nc.cust = pre.cust
	} else if nc.cust, err = tx.User(ctx, t.AccountID, t.Customer); err != nil {
		return nil, err
	}
	if t.Assignee != 0 {
		if nc.assignee, err = tx.User(ctx, t.AccountID, t.Assignee); err != nil {
			return nil, err
		}
	}
	if nc.from = pre.from; pre.acct == nil {
		if nc.from, err = s.sender(ctx, tx, t.AccountID, set); err != nil {
			return nil, err
		}
	}
	for _, spec := range specs {
		if _, ok := nc.templates[spec.Template]; ok {
			continue
		}
		if pre.templates != nil {
			nc.templates[spec.Template] = pre.templates[spec.Template]
			continue
		}
		tpl, err := tx.EmailTemplate(ctx, t.AccountID, spec.Template)
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			tpl = nil
		} else if err != nil {
			return nil, err
		}
		nc.templates[spec.Template] = tpl
	}
	if !pre.noPrior {
		if nc.prior, err = tx.TicketMessages(ctx, t.AccountID, t.ID); err != nil {
			return nil, err
		}
	}
	topic := pre.topicName
	if !pre.topicKnown || t.Topic != pre.topic {
		topic = ""
		if t.Topic != 0 {
			if topic, err = topicName(ctx, tx, t.AccountID, t.Topic); err != nil {
				return nil, err
			}
		}
	}
	nc.values = ticketValues(set, s.accountURL(nc.acct.Name), t, topic, queueName, nc.cust, nc.assignee, ev)
	return nc, nil
}

// ticketValues are the placeholders of a ticket template.
func ticketValues(set *sympoq.Settings, base string, t *sympoq.Ticket, topic, queue string, cust, assignee *sympoq.User, ev *sympoq.Event) map[string]string {
	agent := "nobody"
	if assignee != nil {
		agent = assignee.Name
	}
	actor := cmp.Or(ev.AppliedName, set.General.Title)
	message := ev.Body
	if strings.TrimSpace(message) == "" {
		message = t.Description
	}
	deadline := "none"
	if !t.Deadline.IsZero() {
		deadline = t.Deadline.In(set.Location()).Format(set.General.DateFormat)
	}
	return map[string]string{
		"ticket_id": t.DisplayID, "subject": t.Subject, "topic": topic, "queue": queue,
		"priority": sympoq.Priority(t.Priority).String(), "status": t.Status.String(),
		"customer": cust.Name, "customer_email": cust.Email, "agent": agent, "actor": actor,
		"message": message, "deadline": deadline,
		"ticket_link": base + DeskTicketPath(t.DisplayID),
		"portal_link": base + PortalTicketPath(t.DisplayID),
		"desk_title":  set.General.Title,
	}
}

func (s *Service) accountURL(name string) string {
	if s.mail.AccountURL == nil {
		return "http://localhost"
	}
	return strings.TrimSuffix(s.mail.AccountURL(name), "/")
}

// sender is the From of the account's email: its own address, else the
// deployment's, named after the help desk when the address has no name.
func (s *Service) sender(ctx context.Context, tx *store.Tx, accountID int64, set *sympoq.Settings) (netmail.Address, error) {
	return accountSender(ctx, tx, accountID, set, s.mail.From)
}

func accountSender(ctx context.Context, tx *store.Tx, accountID int64, set *sympoq.Settings, from netmail.Address) (netmail.Address, error) {
	ms, err := tx.MailSettings(ctx, accountID)
	if err != nil {
		return netmail.Address{}, err
	}
	if ms.From != "" {
		if a, err := netmail.ParseAddress(ms.From); err == nil {
			from = *a
		}
	}
	if from.Address == "" {
		from.Address = "sympoq@localhost"
	}
	if from.Name == "" {
		from.Name = set.General.Title
	}
	return from, nil
}

// template returns the account's text of name, or the default.
func (nc *notifyCtx) template(name string) (*sympoq.EmailTemplate, error) {
	if t := nc.templates[name]; t != nil {
		return t, nil
	}
	t, ok := DefaultTemplate(nc.t.AccountID, name)
	if !ok {
		return nil, fmt.Errorf("notify: no email template %q", name)
	}
	return t, nil
}

// resolve turns recipient entries into addresses, in order, dropping those
// who get no email.
func (s *Service) resolve(ctx context.Context, tx *store.Tx, nc *notifyCtx, list []sympoq.Recipient) ([]recipient, error) {
	// Candidates in the order of the list: users, or bare addresses that
	// belong to nobody in the account.
	var cands []recipient
	addUser := func(u *sympoq.User) { cands = append(cands, recipient{user: u}) }
	queueUsers := func(managers bool) error {
		if nc.queue == nil {
			q, err := tx.Queue(ctx, nc.t.AccountID, nc.t.Queue)
			if err != nil {
				return err
			}
			nc.queue = q
		}
		var ids []int64
		for _, p := range nc.queue.Permissions {
			if !managers || p.Role == sympoq.RoleQueueManager {
				ids = append(ids, p.Agent)
			}
		}
		slices.Sort(ids)
		m, err := tx.UsersByID(ctx, nc.t.AccountID, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if u := m[id]; u != nil {
				addUser(u)
			}
		}
		return nil
	}
	for _, r := range list {
		switch r.Kind {
		case sympoq.RcptCustomer:
			addUser(nc.cust)
		case sympoq.RcptAssignee:
			if nc.assignee != nil {
				addUser(nc.assignee)
			}
		case sympoq.RcptAssigneeOrManagers:
			if nc.assignee != nil {
				addUser(nc.assignee)
			} else if err := queueUsers(true); err != nil {
				return nil, err
			}
		case sympoq.RcptQueueManagers:
			if err := queueUsers(true); err != nil {
				return nil, err
			}
		case sympoq.RcptQueueAgents:
			if err := queueUsers(false); err != nil {
				return nil, err
			}
		case sympoq.RcptAgent:
			u, err := tx.User(ctx, nc.t.AccountID, r.User)
			if sympoq.ErrorCode(err) == sympoq.ENotFound {
				continue // deleted since the rule was written
			} else if err != nil {
				return nil, err
			}
			if u.IsAgent() {
				addUser(u)
			}
		case sympoq.RcptAddress:
			addr := strings.ToLower(strings.TrimSpace(r.Address))
			if code, _ := sympoq.ValidateEmail(addr); code != "" || addr == "" {
				continue
			}
			// An address of one of the account's users follows that
			// user's choices.
			u, err := tx.UserByLogin(ctx, nc.t.AccountID, addr)
			if err == nil && u.Email == addr {
				addUser(u)
				continue
			} else if err != nil && sympoq.ErrorCode(err) != sympoq.ENotFound {
				return nil, err
			}
			cands = append(cands, recipient{addr: addr})
		}
	}
	var out []recipient
	for _, c := range cands {
		u := c.user
		switch {
		case u == nil:
			// A bare address may be anyone outside the desk: it hears
			// of public events only.
			if nc.ev.Visibility != sympoq.Internal {
				out = append(out, c)
			}
		case !u.Active, !u.Notifications, u.Email == "":
		case u.IsAgent() && u.ID == nc.ev.AppliedBy:
			// Agents do not hear of their own actions.
		case !u.IsAgent() && nc.ev.Visibility == sympoq.Internal:
			// Internal events never reach customers.
		default:
			out = append(out, recipient{user: u, name: u.Name, addr: u.Email})
		}
	}
	return out, nil
}

// notifyOne renders tpl for r and records the message in the outbox.
func (s *Service) notifyOne(ctx context.Context, tx *store.Tx, nc *notifyCtx, tpl *sympoq.EmailTemplate, r recipient) error {
	values := make(map[string]string, len(nc.values)+1)
	for k, v := range nc.values {
		values[k] = v
	}
	values["recipient"] = cmp.Or(r.name, r.addr)
	if r.user != nil && !r.user.IsAgent() {
		// Customers get the portal, never the desk.
		values["ticket_link"] = values["portal_link"]
	}
	out, err := renderTemplate(tpl, values)
	if err != nil {
		// A stored text that no longer parses (saved by an older version)
		// must not block the ticket action: the default text goes instead.
		d, ok := DefaultTemplate(tpl.AccountID, tpl.Name)
		if !ok {
			return err
		}
		if s.logger != nil {
			s.logger.WarnContext(ctx, "email template unusable, default sent", "account_id", tpl.AccountID, "template", tpl.Name, "err", err)
		}
		if out, err = renderTemplate(d, values); err != nil {
			return err
		}
	}
	headers := map[string]string{"X-SympoQ-Ticket": nc.t.DisplayID}
	if n := len(nc.prior); n > 0 {
		headers["In-Reply-To"] = "<" + nc.prior[n-1].MessageID + ">"
		refs := nc.prior
		if n > maxReferences {
			refs = append([]sympoq.TicketMessage{nc.prior[0]}, nc.prior[n-maxReferences+1:]...)
		}
		ids := make([]string, len(refs))
		for i, m := range refs {
			ids[i] = "<" + m.MessageID + ">"
		}
		headers["References"] = strings.Join(ids, " ")
	}
	if nc.replyTo != "" {
		headers["Reply-To"] = nc.replyTo
	}
	// A message is personal only when it carries an agent's own reply; the
	// rest is generated, and so is anything an automatic process causes.
	if tpl.Name != sympoq.TplAgentReply || nc.ev.AppliedBy == 0 || isAutomatic(ctx) {
		headers["Auto-Submitted"] = "auto-generated"
	}
	ev := &sympoq.Event{AccountID: nc.t.AccountID, Ticket: nc.t.ID, Date: tx.Now(), Action: sympoq.EvNotified,
		Description: strings.TrimSpace(fmt.Sprintf("%s %s : %s: %s", r.name, r.addr, tpl.Name, out.Subject)),
		Visibility:  sympoq.Internal}
	if err := tx.AddEvent(ctx, ev); err != nil {
		return err
	}
	id := newMessageID(nc.from.Address)
	if _, err := tx.RecordMessage(ctx, &sympoq.TicketMessage{AccountID: nc.t.AccountID, MessageID: id, Ticket: nc.t.ID,
		Event: ev.ID, Direction: sympoq.MessageOut}); err != nil {
		return err
	}
	m := &sympoq.OutboundMessage{AccountID: nc.t.AccountID, Ticket: nc.t.ID, Event: ev.ID, Template: tpl.Name, MessageID: id,
		From: nc.from.String(), ToName: r.name, ToAddr: r.addr, Subject: out.Subject, Text: out.Text, HTML: out.HTML, Headers: headers}
	return s.queueOutbound(ctx, tx, m)
}

// queueOutbound stores m in the outbox, and wakes the dispatcher once tx
// commits.
func (s *Service) queueOutbound(ctx context.Context, tx *store.Tx, m *sympoq.OutboundMessage) error {
	if err := tx.CreateOutbound(ctx, m); err != nil {
		return err
	}
	if s.outboxWake != nil {
		tx.AfterCommit(s.outboxWake)
	}
	return nil
}

// newMessageID returns a fresh Message-ID, without angle brackets, on the
// host of the sender's address. It starts with the time in microseconds,
// so that the ids a desk records follow each other in the index that finds
// a reply's ticket by them: a new one is written at its end instead of on a
// random page of it, in the transaction that shares the writer. The random
// part keeps it unique and unguessable.
func newMessageID(from string) string {
	host := "sympoq"
	if _, h, ok := strings.Cut(from, "@"); ok && h != "" && !strings.ContainsAny(h, "<> \r\n") {
		host = h
	}
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails
	return fmt.Sprintf("%013x.%s@%s", time.Now().UnixMicro(), hex.EncodeToString(b[:]), host)
}

// RenderUserEmail renders template name (REGISTRATION or PASSWORD_RESET)
// for u with a one-time link valid for valid, and returns it with the
// account's sender address (deflt unless the account has its own).
func RenderUserEmail(ctx context.Context, tx *store.Tx, deflt netmail.Address, u *sympoq.User, name, link string, valid time.Duration) (*Rendered, netmail.Address, error) {
	set, err := tx.Settings(ctx, u.AccountID)
	if err != nil {
		return nil, netmail.Address{}, err
	}
	tpl, err := tx.EmailTemplate(ctx, u.AccountID, name)
	if sympoq.ErrorCode(err) == sympoq.ENotFound {
		var ok bool
		if tpl, ok = DefaultTemplate(u.AccountID, name); !ok {
			return nil, netmail.Address{}, fmt.Errorf("no email template %q", name)
		}
	} else if err != nil {
		return nil, netmail.Address{}, err
	}
	from, err := accountSender(ctx, tx, u.AccountID, set, deflt)
	if err != nil {
		return nil, netmail.Address{}, err
	}
	out, err := renderTemplate(tpl, map[string]string{"recipient": cmp.Or(u.Name, u.Email), "desk_title": set.General.Title,
		"link": link, "link_valid": validity(valid)})
	return out, from, err
}

func validity(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	}
	return fmt.Sprintf("%d minutes", max(1, int(d/time.Minute)))
}

// SendPasswordReset renders the PASSWORD_RESET template for u with link
// and stores it in the outbox in tx. The link is a secret: the stored copy of the
// message loses its body once sent.
func (s *Service) SendPasswordReset(ctx context.Context, tx *store.Tx, u *sympoq.User, link string) error {
	if u.Email == "" || !u.Active {
		return sympoq.Errorf(sympoq.EInvalid, "the user has no active email address")
	}
	out, from, err := RenderUserEmail(ctx, tx, s.mail.From, u, sympoq.TplPasswordReset, link, PasswordResetTTL)
	if err != nil {
		return err
	}
	m := &sympoq.OutboundMessage{AccountID: u.AccountID, Template: sympoq.TplPasswordReset, MessageID: newMessageID(from.Address),
		From: from.String(), ToName: u.Name, ToAddr: u.Email, Subject: out.Subject, Text: out.Text, HTML: out.HTML,
		Headers: map[string]string{"Auto-Submitted": "auto-generated"}}
	return s.queueOutbound(ctx, tx, m)
}

// mailAddress normalises an address such as "Support <help@example.com>".
func mailAddress(s string) (string, error) {
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return "", err
	}
	if code, _ := sympoq.ValidateEmail(strings.ToLower(a.Address)); code != "" {
		return "", fmt.Errorf("invalid address")
	}
	a.Address = strings.ToLower(a.Address)
	if a.Name == "" {
		return a.Address, nil
	}
	return a.String(), nil
}

// DeskTicketPath is the agent desk's page of a ticket, for links in email.
func DeskTicketPath(displayID string) string {
	return "/app/desk/tickets/" + url.PathEscape(displayID)
}

// PortalTicketPath is the customer portal's page of a request.
func PortalTicketPath(displayID string) string {
	return "/app/portal/requests/" + url.PathEscape(displayID)
}

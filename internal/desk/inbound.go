package desk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/mail"
	"github.com/sympoq/sympoq/internal/ratelimit"
	"github.com/sympoq/sympoq/internal/store"
)

// Inbound mail limits.
const (
	// MaxInboundBytes is the largest raw message any way in accepts.
	MaxInboundBytes = 32 << 20
	// Per sender and account: a burst of this many messages, then one per
	// hour/limit. Mail over it is kept, marked ignored.
	senderLimit  = 30
	senderWindow = time.Hour
)

// WithMailLimiter sets where the per-sender budgets of inbound mail are
// kept (Redis, to share them across processes); the default is memory.
func WithMailLimiter(l ratelimit.Limiter) Option { return func(s *Service) { s.inbound.limiter = l } }

// ShareMailLimits keeps the per-sender budgets in l (Redis, shared by the
// deployment's processes). Call it before mail is processed.
func (s *Service) ShareMailLimits(l ratelimit.Limiter) { s.inbound.limiter = l }

// mailState is the Service's inbound-mail configuration.
type mailState struct {
	once    sync.Once
	limiter ratelimit.Limiter
	tls     *tls.Config // for IMAP; nil: the system's roots
	polls   sync.Map    // mailbox id → *sync.Mutex: one poll of a mailbox at a time in this process
}

// WithMailTLS sets the TLS configuration of IMAP connections (a private CA).
func WithMailTLS(c *tls.Config) Option { return func(s *Service) { s.inbound.tls = c } }

func (s *Service) mailLimiter() ratelimit.Limiter {
	s.inbound.once.Do(func() {
		if s.inbound.limiter == nil {
			s.inbound.limiter = ratelimit.NewMemory()
		}
	})
	return s.inbound.limiter
}

// ProcessMail processes one received message (a job enqueued with it).
type ProcessMail struct {
	AccountID int64 `json:"account_id"`
	MailID    int64 `json:"mail_id"`
}

// Kind names the job.
func (ProcessMail) Kind() string { return "process_mail" }

// Incoming says how a message arrived.
type Incoming struct {
	Source       sympoq.InboundSource
	Mailbox      int64    // the IMAP mailbox
	Queue        int64    // the queue the way in names; 0: by recipient
	EnvelopeFrom string   // SMTP MAIL FROM, "<>" for the null sender; "" unknown
	Recipients   []string // envelope recipients (RCPT TO), when known
}

// IntakeMail stores a received message before anyone is told it was taken:
// the raw bytes as a blob (fsynced), then in one transaction its row (state
// new) and the job that processes it. It reads at most MaxInboundBytes
// (ETooLarge beyond). Nothing is parsed here, so nothing the sender wrote
// can make it fail: a bad message is stored and fails later, visibly.
func (s *Service) IntakeMail(ctx context.Context, accountID int64, in Incoming, raw io.Reader) (*sympoq.InboundMail, error) {
	if s.blobs == nil {
		return nil, sympoq.Errorf(sympoq.EConflict, "no blob store is configured on this server")
	}
	info, err := s.blobs.Put(ctx, raw, MaxInboundBytes)
	if err != nil {
		if sympoq.ErrorCode(err) == sympoq.ETooLarge {
			return nil, sympoq.Errorf(sympoq.ETooLarge, "a message may be at most %d MB", MaxInboundBytes>>20)
		}
		return nil, err
	}
	m := &sympoq.InboundMail{AccountID: accountID, SHA256: info.SHA256, Size: info.Size, Source: in.Source,
		Mailbox: in.Mailbox, Queue: in.Queue, EnvelopeFrom: headerSafe(in.EnvelopeFrom, 320),
		Recipients: headerSafe(strings.ToLower(strings.Join(in.Recipients, ",")), 2000)}
	// A peek at the header for the list; processing reads it properly.
	if h := s.peekHeader(ctx, info.SHA256); h != nil {
		m.MessageID, m.Sender, m.Subject = h.id, h.from, h.subject
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateInboundMail(ctx, m); err != nil {
			return err
		}
		return s.jobs.Enqueue(ctx, tx, ProcessMail{AccountID: accountID, MailID: m.ID})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

type peeked struct{ id, from, subject string }

// peekHeader reads the Message-ID, sender and subject of a stored message
// for the listing, tolerating anything.
func (s *Service) peekHeader(ctx context.Context, sha string) *peeked {
	f, err := s.blobs.Open(ctx, sha)
	if err != nil {
		return nil
	}
	defer f.Close()
	m, _ := mail.Parse(io.LimitReader(f, 256<<10))
	if m == nil {
		return nil
	}
	return &peeked{id: headerSafe(m.MessageID, 500), from: headerSafe(m.From.Address, 320), subject: headerSafe(m.Subject, 500)}
}

// headerSafe bounds a value kept in a column.
func headerSafe(v string, max int) string {
	v = strings.ToValidUTF8(v, "")
	if len(v) > max {
		v = v[:max]
		for !utf8.ValidString(v) {
			v = v[:len(v)-1]
		}
	}
	return v
}

// inboundHook runs inside the transaction of the use case that a received
// message turned into (a submission or a reply), after its writes.
type inboundHook func(ctx context.Context, tx *store.Tx, ticketID int64, events []*sympoq.Event) error

type inboundKey struct{}

// runInbound runs the hook of the message being processed, if any. Submit
// and act call it, so that the message's Message-ID, attachments and state
// commit with the ticket change, or not at all.
func runInbound(ctx context.Context, tx *store.Tx, ticketID int64, events []*sympoq.Event) error {
	if h, ok := ctx.Value(inboundKey{}).(inboundHook); ok {
		return h(ctx, tx, ticketID, events)
	}
	return nil
}

// hasInbound reports whether ctx carries an inbound message to record.
func hasInbound(ctx context.Context) bool {
	_, ok := ctx.Value(inboundKey{}).(inboundHook)
	return ok
}

// errDuplicate undoes a use case whose message is already recorded.
var errDuplicate = errors.New("message already received")

// ProcessMail turns a stored message into a ticket or a reply, or marks it
// ignored (loops, bounces, duplicates, over the sender's limit) or failed
// (with the error, for an administrator). A message already processed is
// left alone, so the job may run twice.
func (s *Service) ProcessMail(ctx context.Context, accountID, id int64) error {
	row, err := s.db.Read().InboundMail(ctx, accountID, id)
	if sympoq.ErrorCode(err) == sympoq.ENotFound {
		return nil // the account was deleted
	}
	if err != nil {
		return err
	}
	if row.State != sympoq.InboundNew {
		return nil
	}
	out, perr := s.processMail(ctx, row)
	if perr != nil && out.State == "" {
		// A failure of our own (the database, the disk): kept as failed,
		// with the error, to be retried by an administrator.
		out.State, out.Error = sympoq.InboundFailed, headerSafe(perr.Error(), 2000)
		s.logger.WarnContext(ctx, "inbound mail failed", "account", accountID, "mail", id, "err", perr)
	}
	if out.State == sympoq.InboundProcessed {
		return nil // recorded inside the use case's transaction
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		cur, err := tx.LockInboundMail(ctx, accountID, id)
		if err != nil {
			return err
		}
		if cur.State != sympoq.InboundNew {
			return nil
		}
		cur.State, cur.Reason, cur.Error = out.State, out.Reason, out.Error
		cur.MessageID, cur.Sender, cur.Subject = out.MessageID, out.Sender, out.Subject
		cur.Ticket = out.Ticket
		return tx.FinishInboundMail(ctx, cur)
	})
}

// outcome is what processing decided; State "" means it did not get far
// enough to decide (the error says why).
type outcome struct {
	State                      sympoq.InboundState
	Reason, Error              string
	MessageID, Sender, Subject string
	Ticket                     int64
}

func (s *Service) processMail(ctx context.Context, row *sympoq.InboundMail) (outcome, error) {
	out := outcome{MessageID: row.MessageID, Sender: row.Sender, Subject: row.Subject}
	f, err := s.blobs.Open(ctx, row.SHA256)
	if err != nil {
		return out, fmt.Errorf("open stored message: %w", err)
	}
	raw, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return out, fmt.Errorf("read stored message: %w", err)
	}
	m, err := mail.Parse(bytes.NewReader(raw))
	if err != nil {
		out.State, out.Error = sympoq.InboundFailed, headerSafe(err.Error(), 2000)
		return out, nil
	}
	if m.MessageID == "" {
		// A re-delivery of the same bytes is still recognised.
		sum := sha256.Sum256(raw)
		m.MessageID = "sha256-" + hex.EncodeToString(sum[:16]) + "@inbound.sympoq"
	}
	out.MessageID, out.Sender, out.Subject = headerSafe(m.MessageID, 500), headerSafe(m.From.Address, 320), headerSafe(m.Subject, 500)
	ignore := func(reason string) (outcome, error) {
		out.State, out.Reason = sympoq.InboundIgnored, reason
		return out, nil
	}
	tx := s.db.Read()
	// Loops: machines, bounces, and what we sent ourselves.
	switch {
	case m.Automatic != "":
		return ignore("automatic: " + m.Automatic)
	case row.EnvelopeFrom == "<>":
		return ignore("automatic: bounce: null sender")
	case m.Ticket != "":
		return ignore("our own message (X-SympoQ-Ticket)")
	}
	if dir, _, err := tx.MessageKnown(ctx, row.AccountID, m.MessageID); err == nil {
		if dir == sympoq.MessageOut {
			return ignore("our own message (Message-ID sent by us)")
		}
		return ignore("duplicate: this Message-ID was received before")
	} else if sympoq.ErrorCode(err) != sympoq.ENotFound {
		return out, err
	}
	if _, err := tx.QueueOfAddress(ctx, row.AccountID, m.From.Address); err == nil {
		return ignore("our own message (sent from a queue address)")
	} else if sympoq.ErrorCode(err) != sympoq.ENotFound {
		return out, err
	}
	if code, msg := sympoq.ValidateEmail(m.From.Address); code != "" {
		out.State, out.Error = sympoq.InboundFailed, "sender address "+msg
		return out, nil
	}
	res, err := s.mailLimiter().Allow(ctx, fmt.Sprintf("mail:%d:%s", row.AccountID, m.From.Address), senderLimit, senderWindow)
	if err != nil {
		s.logger.WarnContext(ctx, "mail rate limiter unavailable; message let through", "err", err)
	} else if !res.Allowed {
		return ignore(fmt.Sprintf("over the limit of %d messages an hour from this sender", senderLimit))
	}

	set, err := tx.Settings(ctx, row.AccountID)
	if err != nil {
		return out, err
	}
	// The files are stored before the transaction, like uploads.
	files, skipped, err := s.storeFiles(ctx, m.Files, set)
	if err != nil {
		return out, err
	}

	ticket, err := s.threadTicket(ctx, tx, row.AccountID, m)
	if err != nil {
		return out, err
	}
	sender, err := tx.UserByLogin(ctx, row.AccountID, m.From.Address)
	if err != nil && sympoq.ErrorCode(err) != sympoq.ENotFound {
		return out, err
	}
	if err != nil || sender.Email != m.From.Address {
		sender = nil // unknown, or the address is only someone's username
	}

	text := messageText(m, ticket != nil)
	var done *TicketView
	hook := s.mailHook(row, m, files, skipped, &out)
	hctx := context.WithValue(ctx, inboundKey{}, hook)
	switch {
	case sender != nil && sender.IsAgent():
		if ticket == nil {
			out.State, out.Error = sympoq.InboundFailed, "an agent's email that answers no ticket; agents open tickets for customers in the help desk"
			return out, nil
		}
		a, err := s.ActorOf(ctx, row.AccountID, sender.ID)
		if err != nil {
			out.State, out.Error = sympoq.InboundFailed, "the agent's account is inactive"
			return out, nil
		}
		done, err = s.Reply(hctx, a, ticket.DisplayID, MessageInput{Message: Some(text)})
		if err != nil {
			return s.mailErr(out, err)
		}
	default:
		if ticket != nil && sender != nil && sender.ID == ticket.Customer {
			a, aerr := s.ActorOf(ctx, row.AccountID, sender.ID)
			if aerr == nil {
				done, err = s.Reply(hctx, a, ticket.DisplayID, MessageInput{Message: Some(text)})
				if err == nil {
					break
				}
				code := sympoq.ErrorCode(err)
				if errors.Is(err, errDuplicate) || code != sympoq.ENotFound && code != sympoq.EForbidden {
					return s.mailErr(out, err)
				}
			}
		}
		// A new message, or one on a thread its sender may not answer (a
		// colleague on Cc, a customer who may no longer reply there): a
		// ticket of its own, with the whole text.
		if ticket != nil {
			text = messageText(m, false)
		}
		in := SubmitInput{Description: Some(text), Subject: Some(subjectOf(m)), Channel: sympoq.ChannelEmail}
		if sender != nil {
			in.Customer = Some(CustomerInput{ID: Some(sender.ID)})
		} else {
			in.Customer = Some(CustomerInput{Email: Some(m.From.Address), Name: Some(nameOf(m))})
		}
		queue, err := s.mailQueue(ctx, tx, row, m, set)
		if err != nil {
			return out, err
		}
		in.Queue = Some(queue)
		done, err = s.Submit(hctx, System(row.AccountID), in)
		if err != nil {
			return s.mailErr(out, err)
		}
	}
	if out.State == sympoq.InboundProcessed && done != nil {
		out.Ticket = done.ID
	}
	return out, nil
}

// mailErr classifies the error of a use case run for a message: a
// duplicate is ignored, bad input (which retrying cannot fix) fails with
// its message, anything else is ours and is returned.
func (s *Service) mailErr(out outcome, err error) (outcome, error) {
	if errors.Is(err, errDuplicate) {
		out.State, out.Reason = sympoq.InboundIgnored, "duplicate: this Message-ID was received before"
		return out, nil
	}
	var e *sympoq.Error
	if errors.As(err, &e) && e.Code != sympoq.EInternal {
		out.State, out.Error = sympoq.InboundFailed, headerSafe(err.Error(), 2000)
		return out, nil
	}
	return out, err
}

// storedFile is a mail attachment already in the blob store.
type storedFile struct {
	name, contentType string
	size              int64
	sha               string
}

// storeFiles puts a message's files in the blob store, skipping those over
// the account's per-file limit.
func (s *Service) storeFiles(ctx context.Context, files []mail.File, set *sympoq.Settings) ([]storedFile, []string, error) {
	var out []storedFile
	var skipped []string
	var total int64
	max := int64(set.Attachments.MaxFileMB) << 20
	for _, f := range files {
		if int64(len(f.Data)) > max || total+int64(len(f.Data)) > int64(set.Attachments.MaxTicketMB)<<20 {
			skipped = append(skipped, cleanName(f.Name))
			continue
		}
		info, err := s.blobs.Put(ctx, bytes.NewReader(f.Data), max)
		if err != nil {
			return nil, nil, err
		}
		total += info.Size
		out = append(out, storedFile{name: cleanName(f.Name), contentType: info.ContentType, size: info.Size, sha: info.SHA256})
	}
	return out, skipped, nil
}

// mailHook records, in the use case's transaction, the message's
// Message-ID (a second delivery undoes the whole change), its files as
// attachments of the ticket, and the row's new state.
func (s *Service) mailHook(row *sympoq.InboundMail, m *mail.Inbound, files []storedFile, skipped []string, out *outcome) inboundHook {
	return func(ctx context.Context, tx *store.Tx, ticketID int64, events []*sympoq.Event) error {
		var event int64
		by, byName := int64(0), ""
		for _, e := range events {
			switch e.Action {
			case sympoq.EvSubmitted, sympoq.EvReply, sympoq.EvCustomerReply:
				event, by, byName = e.ID, e.AppliedBy, e.AppliedName
			}
		}
		ok, err := tx.RecordMessage(ctx, &sympoq.TicketMessage{AccountID: row.AccountID, MessageID: m.MessageID, Ticket: ticketID,
			Event: event, Direction: sympoq.MessageIn})
		if err != nil {
			return err
		}
		if !ok {
			return errDuplicate
		}
		for _, f := range files {
			att := &sympoq.Attachment{AccountID: row.AccountID, Ticket: ticketID, Name: f.name, ContentType: f.contentType,
				Size: f.size, SHA256: f.sha}
			if err := tx.CreateAttachment(ctx, att); err != nil {
				return err
			}
			e := &sympoq.Event{AccountID: row.AccountID, Ticket: ticketID, Date: tx.Now(), Action: sympoq.EvAttachment,
				Description: att.Name, Visibility: sympoq.Public, AppliedBy: by, AppliedName: byName, Attachment: att.ID}
			if err := tx.AddEvent(ctx, e); err != nil {
				return err
			}
		}
		if len(files) > 0 {
			if err := tx.MarkHasAttachments(ctx, row.AccountID, ticketID); err != nil {
				return err
			}
		}
		cur, err := tx.LockInboundMail(ctx, row.AccountID, row.ID)
		if err != nil {
			return err
		}
		if cur.State != sympoq.InboundNew {
			return errDuplicate // processed meanwhile by another run
		}
		cur.State, cur.Ticket = sympoq.InboundProcessed, ticketID
		cur.MessageID, cur.Sender, cur.Subject = out.MessageID, out.Sender, out.Subject
		if len(skipped) > 0 {
			cur.Reason = headerSafe("files over the size limit were not attached: "+strings.Join(skipped, ", "), 2000)
		}
		if err := tx.FinishInboundMail(ctx, cur); err != nil {
			return err
		}
		out.State, out.Reason = sympoq.InboundProcessed, cur.Reason
		return nil
	}
}

// threadTicket finds the ticket a message answers: by In-Reply-To and
// References (newest first), then by a [ticket id] in the subject. A
// ticket in the trash or merged away counts as no ticket or its target.
func (s *Service) threadTicket(ctx context.Context, tx *store.Tx, accountID int64, m *mail.Inbound) (*sympoq.Ticket, error) {
	ids := append([]string{}, m.InReplyTo...)
	for i := len(m.References) - 1; i >= 0; i-- {
		ids = append(ids, m.References[i])
	}
	var t *sympoq.Ticket
	if len(ids) > 0 {
		id, err := tx.MessageTicket(ctx, accountID, ids)
		switch {
		case err == nil:
			if t, err = tx.Ticket(ctx, accountID, id); err != nil && sympoq.ErrorCode(err) != sympoq.ENotFound {
				return nil, err
			}
		case sympoq.ErrorCode(err) != sympoq.ENotFound:
			return nil, err
		}
	}
	if t == nil {
		for _, cand := range subjectIDs(m.Subject) {
			found, err := tx.TicketByDisplayID(ctx, accountID, cand)
			if err == nil {
				t = found
				break
			}
			if sympoq.ErrorCode(err) != sympoq.ENotFound {
				return nil, err
			}
		}
	}
	for hops := 0; t != nil && t.MergedInto != 0 && hops < 10; hops++ {
		next, err := tx.Ticket(ctx, accountID, t.MergedInto)
		if err != nil {
			if sympoq.ErrorCode(err) == sympoq.ENotFound {
				break
			}
			return nil, err
		}
		t = next
	}
	if t != nil && !t.Deleted.IsZero() {
		t = nil
	}
	return t, nil
}

// subjectRE finds bracketed words in a subject: "[AC-1042]". Each is looked
// up as a display id of the account, which is exact whatever the account's
// format is (or was when the ticket was made).
var subjectRE = regexp.MustCompile(`\[([^\[\]\s]{1,64})\]`)

func subjectIDs(subject string) []string {
	var out []string
	for _, m := range subjectRE.FindAllStringSubmatch(subject, 5) {
		out = append(out, strings.TrimPrefix(m[1], "#"))
	}
	return out
}

// messageText is what a message adds to a ticket: a reply without its
// quoted history, a new request whole; within the message size limit.
func messageText(m *mail.Inbound, reply bool) string {
	text := m.Text
	if reply {
		text = mail.TrimQuoted(text)
	}
	if strings.TrimSpace(text) == "" {
		text = "(no text)"
		if len(m.Files) > 0 {
			text = "(no text; see the attached files)"
		}
	}
	if utf8.RuneCountInString(text) > MaxMessageLen {
		const note = "\n\n[… the rest of the message is too long to show here; the whole message is kept with the received mail]"
		r := []rune(text)
		text = string(r[:MaxMessageLen-utf8.RuneCountInString(note)]) + note
	}
	return text
}

func subjectOf(m *mail.Inbound) string {
	s := strings.TrimSpace(m.Subject)
	if s == "" {
		return "(no subject)"
	}
	if utf8.RuneCountInString(s) > MaxSubjectLen {
		s = string([]rune(s)[:MaxSubjectLen-1]) + "…"
	}
	return s
}

func nameOf(m *mail.Inbound) string {
	n := strings.TrimSpace(m.From.Name)
	if n == "" || strings.Contains(n, "@") {
		n, _, _ = strings.Cut(m.From.Address, "@")
	}
	if utf8.RuneCountInString(n) > sympoq.MaxNameLen {
		n = string([]rune(n)[:sympoq.MaxNameLen])
	}
	return n
}

// mailQueue picks the queue of a new ticket: the one its way in names,
// else the queue owning a recipient address (envelope recipients first,
// then To, Cc), else the default queue.
func (s *Service) mailQueue(ctx context.Context, tx *store.Tx, row *sympoq.InboundMail, m *mail.Inbound, set *sympoq.Settings) (int64, error) {
	if row.Queue != 0 {
		if _, err := tx.Queue(ctx, row.AccountID, row.Queue); err == nil {
			return row.Queue, nil
		}
	}
	var addrs []string
	if row.Recipients != "" {
		addrs = strings.Split(row.Recipients, ",")
	}
	for _, a := range append(append([]netmail.Address{}, m.To...), m.Cc...) {
		addrs = append(addrs, a.Address)
	}
	for _, a := range addrs {
		q, err := tx.QueueOfAddress(ctx, row.AccountID, a)
		if err == nil {
			return q, nil
		}
		if sympoq.ErrorCode(err) != sympoq.ENotFound {
			return 0, err
		}
	}
	return set.General.DefaultQueue, nil
}

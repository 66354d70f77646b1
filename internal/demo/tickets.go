package demo

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
)

// attachEvery: one ticket in this many gets a screenshot attached.
const attachEvery = 100

// demoPNG is a valid 1×1 PNG.
var demoPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// ticketBatch is how many tickets share one transaction: large enough to
// amortise the durable commit, small enough not to hold the write lock long.
const ticketBatch = 500

var problems = []struct {
	topic, subject, body, reply, solution string
	tags                                  []string
}{
	{"Technical issue", "Cannot log in since this morning", "Hi, since this morning I get \"invalid password\" although I reset it twice. Can you help?",
		"Sorry about that. I have cleared the lock on your account; please try again and tell me if it works.", "Account lock cleared.", []string{"Help/Assistance"}},
	{"Technical issue", "App crashes when exporting a report", "The desktop app closes without a message whenever I export the monthly report to PDF.",
		"Thanks for the details. Could you send us the log file from the Help menu?", "Fixed in version 4.2.1.", []string{"Bug"}},
	{"Billing question", "Invoice shows the wrong VAT number", "Our invoice for last month has the old VAT number. Please correct it.",
		"I have updated the VAT number and issued a corrected invoice.", "Corrected invoice issued.", []string{"Refund"}},
	{"Billing question", "Charged twice for the same order", "My card was charged twice for order 4471. Please refund one of the charges.",
		"You are right, there was a duplicate charge. The refund is on its way and takes 3-5 days.", "Duplicate charge refunded.", []string{"Refund"}},
	{"Order status", "Where is my order?", "I ordered a replacement battery ten days ago and it still has not shipped.",
		"Your order shipped today; the tracking link is in your account.", "Shipped with tracking.", nil},
	{"Feature request", "Dark mode for the dashboard", "Would it be possible to add a dark mode to the dashboard? Our night shift would love it.",
		"Great idea, I have passed it on to the product team.", "Added to the roadmap.", []string{"Feedback"}},
	{"Account access", "Please add a new user to our team", "We hired a new colleague; please add her to our account with editor rights.",
		"Done: she has received an invitation email.", "User added.", []string{"Help/Assistance"}},
	{"General questions", "Can a user open an issue by Outlook or Gmail?", "Can a user open an issue by Outlook or Gmail, or only through the portal?",
		"Yes: any email to the support address becomes a ticket.", "Email channel explained.", []string{"Help/Assistance"}},
	{"Technical issue", "Website is down", "Our shop returns error 502 for all visitors since 10:15!",
		"We are on it: a database node failed over. The shop is back now.", "Failover completed.", []string{"Urgent/Outage"}},
}

// TicketSummary counts what Tickets made and how fast.
type TicketSummary struct {
	Tickets, Events int
	Elapsed         time.Duration
}

func (s TicketSummary) String() string {
	rate := float64(s.Tickets) / s.Elapsed.Seconds()
	return fmt.Sprintf("%d tickets with %d events in %s (%.0f tickets/s)", s.Tickets, s.Events, s.Elapsed.Round(time.Millisecond), rate)
}

// Tickets adds n realistic tickets with their conversations, spread over
// the last 180 days, in large transactions. It writes through the store
// directly (not one use case per ticket) so that a million is practical;
// the rows are the same ones the use cases write. Fill must have run.
func Tickets(ctx context.Context, d *desk.Service, accountID int64, n int, seed int64, progress func(done int)) (TicketSummary, error) {
	start := time.Now()
	var sum TicketSummary
	rng := rand.New(rand.NewPCG(uint64(seed), 0x71c4e7))
	sys := desk.System(accountID)
	db := d.DB()
	set, err := db.Read().Settings(ctx, accountID)
	if err != nil {
		return sum, err
	}
	queues, err := d.Queues(ctx, sys)
	if err != nil {
		return sum, err
	}
	topics, err := d.Topics(ctx, sys)
	if err != nil {
		return sum, err
	}
	topicID := map[string]*sympoq.Topic{}
	for _, t := range topics {
		topicID[t.Name] = t
	}
	customers, _, err := db.Read().Users(ctx, accountID, store.UserFilter{Kind: sympoq.KindCustomer})
	if err != nil {
		return sum, err
	}
	agents, _, err := db.Read().Users(ctx, accountID, store.UserFilter{Kind: sympoq.KindAgent})
	if err != nil {
		return sum, err
	}
	if len(customers) == 0 || len(queues) == 0 {
		return sum, fmt.Errorf("the account has no customers or queues; run the demo without --tickets first")
	}
	// The agents who may work each queue.
	byQueue := map[int64][]*sympoq.User{}
	for _, a := range agents {
		for _, p := range a.Permissions {
			byQueue[p.Queue] = append(byQueue[p.Queue], a)
		}
	}
	gen, err := sympoq.NewTicketIDGenerator(set.TicketIDFormat)
	if err != nil {
		return sum, err
	}
	now := time.Now().UTC()
	// Tickets arrive in order over the last 180 days, as real ones do: ids,
	// display ids and creation times rise together. It also keeps the
	// indexes written near their ends, which makes a million practical.
	span := 180 * 24 * time.Hour
	step := max(span/time.Duration(max(n, 1)), 1)
	for done := 0; done < n; {
		batch := min(ticketBatch, n-done)
		var withFile []string // tickets that get a screenshot, after the batch commits
		err := db.Tx(ctx, func(tx *store.Tx) error {
			withFile = withFile[:0]
			entries := make([]searchEntry, 0, batch)
			for i := 0; i < batch; i++ {
				created := now.Add(-span + time.Duration(done+i)*step + time.Duration(rng.Int64N(int64(step))))
				e, events, err := demoTicket(ctx, tx, rng, set, gen, accountID, now, created, queues, topicID, customers, byQueue)
				if err != nil {
					return err
				}
				entries = append(entries, e)
				sum.Events += events
				if (done+i)%attachEvery == 0 {
					withFile = append(withFile, e.t.DisplayID)
				}
			}
			// Search entries last, all new entries before any addition to
			// them, each in ticket order: SQLite's FTS5 writes out what it
			// holds in memory when a statement opens a savepoint or a
			// write goes back to a lower rowid, so any other order writes
			// one small index segment per ticket.
			for _, e := range entries {
				if err := e.create(ctx, tx); err != nil {
					return err
				}
			}
			for _, e := range entries {
				if err := e.addInternal(ctx, tx); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return sum, err
		}
		// Files go through the use case: bytes to the blob store first.
		for _, id := range withFile {
			_, err := d.Attach(ctx, sys, id, desk.AttachInput{Name: "screenshot.png", Body: bytes.NewReader(demoPNG)})
			if sympoq.ErrorCode(err) == sympoq.EConflict { // no blob store configured
				break
			} else if err != nil {
				return sum, fmt.Errorf("attach to %s: %w", id, err)
			}
			sum.Events++
		}
		done += batch
		sum.Tickets = done
		if progress != nil {
			progress(done)
		}
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}

func demoTicket(ctx context.Context, tx *store.Tx, rng *rand.Rand, set *sympoq.Settings, gen *sympoq.TicketIDGenerator,
	accountID int64, now, created time.Time, queues []*sympoq.Queue, topics map[string]*sympoq.Topic, customers []*sympoq.User,
	byQueue map[int64][]*sympoq.User) (searchEntry, int, error) {
	pr := problems[rng.IntN(len(problems))]
	cust := customers[rng.IntN(len(customers))]
	t := &sympoq.Ticket{AccountID: accountID, Channel: sympoq.Channel(1 + rng.IntN(4)), Priority: sympoq.Priority(1 + rng.IntN(4)),
		Status: sympoq.StatusNew, Subject: pr.subject, Description: pr.body, ReportedBy: cust.Name, Customer: cust.ID,
		Created: created, Updated: created, Tags: append([]string{}, pr.tags...), CustomFields: map[string]string{}}
	if tp := topics[pr.topic]; tp != nil {
		t.Topic, t.Queue = tp.ID, tp.QueueID
	}
	if t.Queue == 0 {
		t.Queue = queues[rng.IntN(len(queues))].ID
	}
	// Values of the demo's custom fields (Fill defines them), stored in
	// their canonical forms.
	switch pr.topic {
	case "Technical issue":
		t.CustomFields["browser"] = []string{"Chrome", "Firefox", "Safari", "Edge"}[rng.IntN(4)]
		t.CustomFields["timing"] = created.Add(-time.Duration(rng.IntN(180)) * time.Minute).UTC().Format("2006-01-02T15:04:05Z")
	case "Order status", "Billing question":
		t.CustomFields["order_number"] = fmt.Sprintf("ORD-%05d", 10000+rng.IntN(90000))
	}
	var events []*sympoq.Event
	at := created
	ev := func(action sympoq.EventAction, by *sympoq.User, desc, body string, vis sympoq.Visibility, billable int) {
		at = at.Add(time.Duration(5+rng.IntN(600)) * time.Minute)
		e := &sympoq.Event{AccountID: accountID, Date: at, Action: action, Description: desc, Body: body,
			AppliedBy: by.ID, AppliedName: by.Name, Visibility: vis, Billable: billable}
		events = append(events, e)
		t.Minutes += billable
		t.Updated = at
	}
	ev(sympoq.EvSubmitted, cust, t.Subject, t.Description, sympoq.Public, 0)
	// How far the conversation got.
	stage := rng.IntN(10)
	workers := byQueue[t.Queue]
	if stage >= 2 && len(workers) > 0 {
		agent := workers[rng.IntN(len(workers))]
		t.Assignee, t.AssignedOn, t.Status = agent.ID, at, sympoq.StatusWorking
		ev(sympoq.EvAssign, agent, agent.Name, "", sympoq.Public, 0)
		if stage >= 3 {
			ev(sympoq.EvNote, agent, "Checked the logs; looks like a known issue.", "Checked the logs; looks like a known issue.", sympoq.Internal, 5)
			t.HasNotes = true
		}
		if stage >= 4 {
			ev(sympoq.EvReply, agent, pr.reply, pr.reply, sympoq.Public, 10)
			t.Responded, t.Status = at, sympoq.StatusPending
		}
		if stage >= 6 {
			ev(sympoq.EvCustomerReply, cust, "Thank you, that helped!", "Thank you, that helped!", sympoq.Public, 0)
			t.Status = sympoq.StatusWorking
		}
		if stage >= 7 {
			ev(sympoq.EvClose, agent, pr.solution, pr.solution, sympoq.Public, 5)
			t.Status, t.ClosedOn, t.Solution = sympoq.StatusClosed, at, pr.solution
			if rng.IntN(3) == 0 {
				r := 3 + rng.IntN(3)
				ev(sympoq.EvRate, cust, fmt.Sprintf("Rated: %d of 5", r), "", sympoq.Public, 0)
				events[len(events)-1].Rating, t.Rating = r, r
			}
		}
	}
	if t.Updated.After(now) {
		t.Updated = now
	}
	if t.Status != sympoq.StatusClosed && rng.IntN(3) == 0 {
		t.Deadline = created.Add(time.Duration(1+rng.IntN(7)) * 24 * time.Hour)
	}
	local := created.In(set.Location())
	for attempt := 0; ; attempt++ {
		seq, err := tx.NextCounter(ctx, accountID, "ticket")
		if err != nil {
			return searchEntry{}, 0, err
		}
		t.DisplayID = gen.Generate(local, seq, rng.IntN)
		ok, err := tx.CreateTicket(ctx, t)
		if err != nil {
			return searchEntry{}, 0, err
		}
		if ok {
			break
		}
		if attempt > 20 {
			return searchEntry{}, 0, fmt.Errorf("no free ticket id")
		}
	}
	// The search entry gets what the use cases add one message at a time:
	// public text (replies, the solution) and internal text (notes) apart.
	entry := searchEntry{t: t, customer: cust.Name + " " + cust.Email}
	for _, e := range events {
		e.Ticket = t.ID
		if err := tx.AddEvent(ctx, e); err != nil {
			return entry, 0, err
		}
		switch {
		case e.Body == "" || e.Action == sympoq.EvSubmitted:
		case e.Visibility == sympoq.Internal:
			entry.internal = append(entry.internal, e.Body)
		default:
			entry.public = append(entry.public, e.Body)
		}
	}
	return entry, len(events), nil
}

// searchEntry is what a ticket's search entry holds.
type searchEntry struct {
	t                *sympoq.Ticket
	customer         string
	public, internal []string
}

// create writes the entry with its public text.
func (e searchEntry) create(ctx context.Context, tx *store.Tx) error {
	if tx.Dialect() == store.SQLite && len(e.public) > 0 {
		// One FTS5 insert instead of an insert and an update: the body
		// column holds the same text either way (IndexText appends a
		// newline and the message). On PostgreSQL the order of the parts
		// inside the tsvector would differ, so it takes the two steps.
		ft := *e.t
		ft.Description = e.t.Description + "\n" + strings.Join(e.public, "\n")
		return tx.IndexTicket(ctx, &ft, e.customer)
	}
	if err := tx.IndexTicket(ctx, e.t, e.customer); err != nil || len(e.public) == 0 {
		return err
	}
	return tx.IndexText(ctx, e.t.AccountID, e.t.ID, strings.Join(e.public, "\n"))
}

// addInternal adds the internal text (notes), which has its own column.
func (e searchEntry) addInternal(ctx context.Context, tx *store.Tx) error {
	if len(e.internal) == 0 {
		return nil
	}
	return tx.IndexInternalText(ctx, e.t.AccountID, e.t.ID, strings.Join(e.internal, "\n"))
}

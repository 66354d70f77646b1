package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// searchFixture is an account whose tickets hold known words, so that a
// search's right answer can be worked out in Go.
type searchFixture struct {
	account int64
	queues  []int64
	agents  []*sympoq.User
	custs   []*sympoq.User
	group   int64
	tickets []*sympoq.Ticket
	public  map[int64][]string // ticket id → words of its subject, body and customer
	notes   map[int64][]string // ticket id → words of its internal text
}

// The words of the fixture and how common they are: "common" is in every
// other ticket, "mid" in one in seven, "rare" in two, "secretword" only in
// internal notes, "both" in public text of some tickets and notes of others.
func searchWords(i int) (public, notes []string) {
	public = []string{"ticket"}
	if i%2 == 0 {
		public = append(public, "common")
	}
	if i%7 == 0 {
		public = append(public, "mid")
	}
	if i == 13 || i == 200 {
		public = append(public, "rare")
	}
	if i%10 == 0 {
		public = append(public, "both")
	}
	if i%3 == 0 {
		notes = append(notes, "secretword")
	}
	if i%4 == 0 {
		notes = append(notes, "both")
	}
	return public, notes
}

func seedSearch(t *testing.T, db *store.DB) *searchFixture {
	t.Helper()
	ctx := context.Background()
	f := &searchFixture{public: map[int64][]string{}, notes: map[int64][]string{}}
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	err := db.Tx(ctx, func(tx *store.Tx) error {
		a, err := tx.CreateAccount(ctx, "search")
		if err != nil {
			return err
		}
		f.account = a.ID
		set, err := tx.Settings(ctx, a.ID)
		if err != nil {
			return err
		}
		f.queues = []int64{set.General.DefaultQueue}
		q := &sympoq.Queue{AccountID: a.ID, Name: "Billing", Sequence: 20}
		if err := tx.CreateQueue(ctx, q); err != nil {
			return err
		}
		f.queues = append(f.queues, q.ID)
		g := &sympoq.Group{AccountID: a.ID, Name: "Acme"}
		if err := tx.CreateGroup(ctx, g); err != nil {
			return err
		}
		f.group = g.ID
		for i, name := range []string{"Agent One", "Agent Two"} {
			u := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindAgent, Name: name, Email: fmt.Sprintf("agent%d@example.com", i), Active: true}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			f.agents = append(f.agents, u)
		}
		for i, name := range []string{"Ann Acme", "Bob Acme", "Cy Solo"} {
			u := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindCustomer, Name: name, Email: fmt.Sprintf("cust%d@example.com", i),
				Active: true, Role: sympoq.RoleCustomer}
			if i < 2 {
				u.GroupID = g.ID
			}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			f.custs = append(f.custs, u)
		}
		for i := range 240 {
			public, notes := searchWords(i)
			cust := f.custs[i%3]
			tk := &sympoq.Ticket{AccountID: a.ID, DisplayID: fmt.Sprintf("S-%04d", i), Queue: f.queues[i%2],
				Channel: sympoq.ChannelAPI, Priority: sympoq.Priority(1 + i%3), Status: sympoq.Status(1 + i%4),
				Subject: "Ticket " + strings.Join(public, " "), Description: "Words: " + strings.Join(public, ", ") + ".",
				ReportedBy: cust.Name, Customer: cust.ID,
				// Many tickets share an update time, so the id breaks ties.
				Created: base.Add(time.Duration(i) * time.Minute), Updated: base.Add(time.Duration(i*7%60) * time.Hour),
				Tags: []string{}, CustomFields: map[string]string{}}
			if i%5 != 0 {
				tk.Assignee = f.agents[i%2].ID
			}
			if i%4 != 0 {
				tk.Deadline = base.Add(time.Duration(i%9) * 24 * time.Hour)
			}
			if ok, err := tx.CreateTicket(ctx, tk); err != nil || !ok {
				return fmt.Errorf("create ticket %d: %v, %v", i, ok, err)
			}
			if err := tx.IndexTicket(ctx, tk, cust.Name+" "+cust.Email); err != nil {
				return err
			}
			if len(notes) > 0 {
				if err := tx.IndexInternalText(ctx, a.ID, tk.ID, "Note: "+strings.Join(notes, " ")); err != nil {
					return err
				}
			}
			if i%11 == 0 { // in the trash
				tk.Deleted = base
				if err := tx.UpdateTicket(ctx, tk, tk.Version); err != nil {
					return err
				}
			}
			f.tickets = append(f.tickets, tk)
			f.public[tk.ID] = append(public, strings.Fields(strings.ToLower(cust.Name))...)
			f.notes[tk.ID] = notes
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return f
}

// want is the brute-force answer: every ticket in scope and filter whose
// text holds every word, in the list's order.
func (f *searchFixture) want(scope store.TicketScope, flt store.TicketFilter) []int64 {
	words := strings.Fields(strings.ToLower(flt.Q))
	var ts []*sympoq.Ticket
	for _, tk := range f.tickets {
		if tk.Deleted.IsZero() == flt.Trash || !f.inScope(scope, tk) {
			continue
		}
		if len(flt.Queue) > 0 && !slices.Contains(flt.Queue, tk.Queue) ||
			len(flt.Status) > 0 && !slices.Contains(flt.Status, tk.Status) {
			continue
		}
		text := f.public[tk.ID]
		if scope.SeesInternal {
			text = append(slices.Clone(text), f.notes[tk.ID]...)
		}
		if !containsAll(text, words) {
			continue
		}
		ts = append(ts, tk)
	}
	key := func(tk *sympoq.Ticket) int64 {
		switch flt.Sort {
		case "created":
			return tk.Created.UnixMicro()
		case "priority":
			return int64(tk.Priority)
		case "deadline":
			if tk.Deadline.IsZero() {
				return 9000000000000000000
			}
			return tk.Deadline.UnixMicro()
		}
		return tk.Updated.UnixMicro()
	}
	slices.SortFunc(ts, func(a, b *sympoq.Ticket) int {
		c := cmpInt(key(a), key(b))
		if c == 0 {
			c = cmpInt(a.ID, b.ID)
		}
		if flt.Desc || flt.Sort == "" {
			return -c
		}
		return c
	})
	ids := []int64{}
	for _, tk := range ts {
		ids = append(ids, tk.ID)
	}
	return ids
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func containsAll(text, words []string) bool {
	for _, w := range words {
		if !slices.Contains(text, w) {
			return false
		}
	}
	return true
}

// inScope is TicketScope's rule in Go.
func (f *searchFixture) inScope(s store.TicketScope, tk *sympoq.Ticket) bool {
	group := map[int64]int64{}
	for _, c := range f.custs {
		group[c.ID] = c.GroupID
	}
	switch {
	case s.All,
		slices.Contains(s.ManagedQueues, tk.Queue),
		slices.Contains(s.AgentQueues, tk.Queue) && (tk.Assignee == s.Me || s.SelfAssign && tk.Assignee == 0),
		s.Customer > 0 && tk.Customer == s.Customer,
		s.Group > 0 && group[tk.Customer] == s.Group:
		return true
	}
	return false
}

// TestTicketSearch pins every search plan to the brute-force answer: the
// walk and the window with room to finish, each cut short (so that the
// next plan takes over), collecting at once, and the plan the store chooses;
// for each role's scope, sort order and word frequency, page by page.
func TestTicketSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := seedSearch(t, db)
		scopes := []struct {
			name  string
			scope store.TicketScope
		}{
			{"administrator", store.TicketScope{All: true, SeesInternal: true}},
			{"queue manager", store.TicketScope{ManagedQueues: []int64{f.queues[1]}, Me: f.agents[1].ID, SeesInternal: true}},
			{"agent with self-assignment", store.TicketScope{AgentQueues: f.queues, Me: f.agents[0].ID, SelfAssign: true, SeesInternal: true}},
			{"customer", store.TicketScope{Customer: f.custs[0].ID}},
			{"customer manager", store.TicketScope{Customer: f.custs[0].ID, Group: f.group}},
		}
		filters := []struct {
			name string
			f    store.TicketFilter
		}{
			{"default sort", store.TicketFilter{}},
			{"sort=created", store.TicketFilter{Sort: "created"}},
			{"sort=-priority", store.TicketFilter{Sort: "priority", Desc: true}},
			{"sort=deadline", store.TicketFilter{Sort: "deadline"}},
			{"queue and status", store.TicketFilter{Queue: []int64{f.queues[0]}, Status: []sympoq.Status{sympoq.StatusNew, sympoq.StatusPending}}},
			{"trash", store.TicketFilter{Trash: true}},
		}
		queries := []string{"common", "mid", "rare", "secretword", "both", "Common MID", "acme common", "nothing"}
		plans := []struct {
			name                string
			walk, window, slide int
		}{
			{"collect", 0, 0, 0}, {"walk", 1000, 0, 0}, {"walk cut short", 9, 0, 0}, {"window", 0, 1000, 0},
			{"window cut short", 0, 9, 0}, {"walk and window cut short", 5, 9, 0},
			{"slide from small windows", 0, 3, 1000}, {"slide cut short", 0, 2, 20}, {"walk, then slide", 4, 3, 1000},
			{"chosen", -1, -1, -1},
		}
		combo := 0
		for _, sc := range scopes {
			for _, fl := range filters {
				for _, q := range queries {
					flt := fl.f
					flt.Q = q
					want := f.want(sc.scope, flt)
					for _, p := range plans {
						for _, limit := range []int{4, 50} {
							if combo++; combo%searchStride != 0 {
								continue
							}
							flt.Limit, flt.Cursor = limit, ""
							got := []int64{}
							for page := 0; ; page++ {
								var ts []*sympoq.Ticket
								var next string
								var err error
								if p.walk < 0 {
									ts, next, err = db.Read().TicketsChosen(ctx, f.account, sc.scope, flt)
								} else {
									ts, next, err = db.Read().TicketsPlan(ctx, f.account, sc.scope, flt, p.walk, p.window, p.slide)
								}
								if err != nil {
									t.Fatalf("%s, %s, q=%q, %s: %v", sc.name, fl.name, q, p.name, err)
								}
								if len(ts) > limit || next != "" && len(ts) != limit {
									t.Fatalf("%s, %s, q=%q, %s: page %d has %d tickets (limit %d), next %q", sc.name, fl.name, q, p.name, page, len(ts), limit, next)
								}
								for _, tk := range ts {
									got = append(got, tk.ID)
								}
								if next == "" || page > len(f.tickets) {
									break
								}
								flt.Cursor = next
							}
							if diff := cmp.Diff(want, got); diff != "" {
								t.Errorf("%s, %s, q=%q, %s, limit %d: tickets differ from the brute-force answer (-want +got):\n%s",
									sc.name, fl.name, q, p.name, limit, diff)
							}
						}
					}
					if flt.Q == "secretword" && !sc.scope.SeesInternal && len(want) != 0 {
						t.Errorf("%s: internal-only word matches %d tickets for a customer", sc.name, len(want))
					}
				}
			}
		}
		// The count of a search is every match, whichever plan lists them.
		for _, sc := range scopes {
			for _, q := range queries {
				flt := store.TicketFilter{Q: q}
				n, err := db.Read().CountTickets(ctx, f.account, sc.scope, flt)
				if want := len(f.want(sc.scope, flt)); err != nil || n != want {
					t.Errorf("%s: CountTickets(q=%q) = %d, %v; want %d", sc.name, q, n, err, want)
				}
			}
		}
	})
}

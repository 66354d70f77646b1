package store

// This file is package store, not store_test, because TestQueryPlans needs
// the SQL the list builder produces; so it cannot use storetest (storetest
// imports store) and opens its databases itself.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sympoq/sympoq"
)

// The benchmarks behind docs/queries.md: the three statements a help desk
// runs most (read one ticket, list a queue, write a new request), on SQLite
// and, when SYMPOQ_TEST_POSTGRES_URL is set, on PostgreSQL.
//
//	go test -run '^$' -bench . -benchmem ./internal/store/

// benchTickets is how many tickets each benchmark database holds: enough
// that a list is an index range scan over more than one page.
const benchTickets = 2000

// testDB opens a fresh migrated database: a SQLite file under tb.TempDir,
// or a new schema on the PostgreSQL server that SYMPOQ_TEST_POSTGRES_URL
// names, dropped at the end.
func testDB(tb testing.TB, d Dialect) *DB {
	tb.Helper()
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(tb.TempDir(), "bench.db")
	if d == Postgres {
		base := os.Getenv("SYMPOQ_TEST_POSTGRES_URL")
		var b [6]byte
		_, _ = rand.Read(b[:])
		schema := "b_" + hex.EncodeToString(b[:])
		admin, err := sql.Open("pgx", base)
		if err != nil {
			tb.Fatalf("open postgres: %v", err)
		}
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			admin.Close()
			tb.Fatalf("create schema: %v", err)
		}
		tb.Cleanup(func() {
			_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			admin.Close()
		})
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		dsn = base + sep + "search_path=" + schema
	}
	db, err := Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatalf("Migrate: %v", err)
	}
	return db
}

type benchFixture struct {
	db       *DB
	account  int64
	queues   []int64
	customer *sympoq.User
	ids      []int64
}

// benchEach runs fn on a seeded SQLite database and, when configured, on a
// seeded PostgreSQL schema. Setup happens once per engine, outside b.Loop.
func benchEach(b *testing.B, fn func(b *testing.B, f *benchFixture)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, seedBench(b, testDB(b, SQLite))) })
	if os.Getenv("SYMPOQ_TEST_POSTGRES_URL") != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, seedBench(b, testDB(b, Postgres))) })
	}
}

func seedBench(b *testing.B, db *DB) *benchFixture {
	b.Helper()
	ctx := context.Background()
	f := &benchFixture{db: db}
	err := db.Tx(ctx, func(tx *Tx) error {
		a, err := tx.CreateAccount(ctx, "bench")
		if err != nil {
			return err
		}
		f.account = a.ID
		set, err := tx.Settings(ctx, a.ID)
		if err != nil {
			return err
		}
		f.queues = []int64{set.General.DefaultQueue}
		for _, name := range []string{"Support", "Billing"} {
			q := &sympoq.Queue{AccountID: a.ID, Name: name, Sequence: 20}
			if err := tx.CreateQueue(ctx, q); err != nil {
				return err
			}
			f.queues = append(f.queues, q.ID)
		}
		f.customer = &sympoq.User{AccountID: a.ID, Kind: sympoq.KindCustomer, Name: "Ann Customer",
			Email: "ann@example.com", Active: true, Role: sympoq.RoleCustomer}
		if err := tx.CreateUser(ctx, f.customer); err != nil {
			return err
		}
		start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range benchTickets {
			at := start.Add(time.Duration(i) * time.Minute)
			t, err := benchTicket(ctx, tx, f, at)
			if err != nil {
				return err
			}
			t.Status = sympoq.Status(1 + i%4)
			t.Queue = f.queues[i%len(f.queues)]
			if err := tx.UpdateTicket(ctx, t, t.Version); err != nil {
				return err
			}
			// Words for the search benchmarks: "password" is in every
			// ticket (benchTicket's text), these in fewer.
			for _, w := range []struct {
				word  string
				every int
			}{{"invoice", 10}, {"refund", 25}, {"xylophone", 500}} {
				if i%w.every == 0 {
					if err := tx.IndexText(ctx, f.account, t.ID, "Re: "+w.word); err != nil {
						return err
					}
				}
			}
			f.ids = append(f.ids, t.ID)
		}
		return nil
	})
	if err != nil {
		b.Fatalf("seed: %v", err)
	}
	return f
}

// benchTicket writes what Submit writes: the counter, the ticket with its
// tags, the Submitted event and the search entry.
func benchTicket(ctx context.Context, tx *Tx, f *benchFixture, at time.Time) (*sympoq.Ticket, error) {
	seq, err := tx.NextCounter(ctx, f.account, "ticket")
	if err != nil {
		return nil, err
	}
	t := &sympoq.Ticket{AccountID: f.account, DisplayID: fmt.Sprintf("B-%06d", seq), Queue: f.queues[0],
		Channel: sympoq.ChannelAPI, Priority: sympoq.PriorityNormal, Status: sympoq.StatusNew,
		Subject: "Cannot log in since this morning", Description: "Hi, since this morning I get an error although I reset my password twice.",
		ReportedBy: f.customer.Name, Customer: f.customer.ID, Created: at, Updated: at, Tags: []string{"Bug"},
		CustomFields: map[string]string{}}
	if ok, err := tx.CreateTicket(ctx, t); err != nil || !ok {
		return nil, fmt.Errorf("create ticket %s: inserted %v, %v", t.DisplayID, ok, err)
	}
	e := &sympoq.Event{AccountID: f.account, Ticket: t.ID, Date: at, Action: sympoq.EvSubmitted, Description: t.Subject,
		Body: t.Description, AppliedBy: f.customer.ID, AppliedName: f.customer.Name, Visibility: sympoq.Public}
	if err := tx.AddEvent(ctx, e); err != nil {
		return nil, err
	}
	return t, tx.IndexTicket(ctx, t, f.customer.Name+" "+f.customer.Email)
}

func BenchmarkTicketByID(b *testing.B) {
	benchEach(b, func(b *testing.B, f *benchFixture) {
		ctx := context.Background()
		i := 0
		for b.Loop() {
			id := f.ids[i%len(f.ids)]
			i++
			t, err := f.db.Read().Ticket(ctx, f.account, id)
			if err != nil || t.ID != id {
				b.Fatalf("Ticket(%d) = %v, %v", id, t, err)
			}
		}
	})
}

// BenchmarkTicketList is one page of a queue and status. "in turn"
// alternates the status between New (1) and Working (2), as a desk's lists
// do: SQLite once prepared the statement again at each such change of a
// bound value (where.id).
func BenchmarkTicketList(b *testing.B) {
	benchEach(b, func(b *testing.B, f *benchFixture) {
		ctx := context.Background()
		for _, c := range []struct {
			name     string
			statuses []sympoq.Status
		}{{"one status", []sympoq.Status{sympoq.StatusWorking}}, {"statuses in turn", []sympoq.Status{sympoq.StatusNew, sympoq.StatusWorking}}} {
			b.Run(c.name, func(b *testing.B) {
				i := 0
				for b.Loop() {
					filter := TicketFilter{Queue: []int64{f.queues[1]}, Status: []sympoq.Status{c.statuses[i%len(c.statuses)]}, Limit: 50}
					i++
					ts, _, err := f.db.Read().Tickets(ctx, f.account, TicketScope{All: true}, filter)
					if err != nil || len(ts) == 0 {
						b.Fatalf("Tickets = %d tickets, %v", len(ts), err)
					}
				}
			})
		}
	})
}

// BenchmarkTicketSearch is one page of q= for an administrator, in the
// default order, by each plan (see searchPlan; the window is SQLite's, on
// PostgreSQL it collects) and as the store chooses.
func BenchmarkTicketSearch(b *testing.B) {
	benchEach(b, func(b *testing.B, f *benchFixture) {
		ctx := context.Background()
		for _, w := range []struct {
			word  string
			share string
		}{{"password", "all"}, {"invoice", "1 in 10"}, {"refund", "1 in 25"}, {"xylophone", "1 in 500"}} {
			for _, p := range []struct {
				name string
				plan *searchPlan
			}{{"walk", &searchPlan{walk: 1 << 30}}, {"window", &searchPlan{window: 1 << 30}}, {"collect", &searchPlan{}}, {"chosen", nil}} {
				b.Run(w.word+" ("+w.share+")/"+p.name, func(b *testing.B) {
					filter := TicketFilter{Q: w.word, Limit: 50}
					for b.Loop() {
						ts, _, err := f.db.Read().tickets(ctx, f.account, TicketScope{All: true, SeesInternal: true}, filter, p.plan)
						if err != nil || len(ts) == 0 {
							b.Fatalf("Tickets(q=%s) = %d tickets, %v", w.word, len(ts), err)
						}
					}
				})
			}
		}
	})
}

func BenchmarkInsertTx(b *testing.B) {
	benchEach(b, func(b *testing.B, f *benchFixture) {
		ctx := context.Background()
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for b.Loop() {
			err := f.db.Tx(ctx, func(tx *Tx) error {
				_, err := benchTicket(ctx, tx, f, at)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestStmtCache lives here with the benchmarks that justify the cache.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	db := testDB(t, SQLite)
	cached := func(c *stmtCache, q string) bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.byQuery[q]
		return ok
	}
	one := func(tx *Tx, q string, arg int) int {
		t.Helper()
		var n int
		if err := tx.q.QueryRowContext(ctx, q, arg).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}

	t.Run("bounded", func(t *testing.T) {
		// Hold one statement while twice the bound of others pass through.
		held := db.rs.acquire(ctx, `SELECT $1 + 0`)
		if held == nil {
			t.Fatal("acquire = nil")
		}
		for i := range 2 * maxCachedStmts {
			q := fmt.Sprintf(`SELECT $1 + %d`, i+1)
			if got := one(db.Read(), q, 1); got != i+2 {
				t.Fatalf("%s = %d, want %d", q, got, i+2)
			}
		}
		if n := db.rs.lru.Len(); n != maxCachedStmts {
			t.Errorf("cache holds %d statements, want %d", n, maxCachedStmts)
		}
		if !held.evicted || cached(db.rs, held.query) {
			t.Fatalf("held statement not evicted")
		}
		// Evicted but still acquired: it must still work.
		var n int
		if err := held.stmt.QueryRowContext(ctx, 41).Scan(&n); err != nil || n != 41 {
			t.Fatalf("evicted statement in use = %d, %v; want 41", n, err)
		}
		db.rs.release(held)
		if err := held.stmt.QueryRowContext(ctx, 41).Scan(&n); err == nil {
			t.Errorf("released evicted statement still open; want it closed")
		}
	})

	t.Run("write transactions", func(t *testing.T) {
		q := `SELECT $1 * 2`
		for i := range 3 {
			err := db.Tx(ctx, func(tx *Tx) error {
				if got := one(tx, q, 21); got != 42 {
					t.Errorf("run %d: %s = %d, want 42", i, q, got)
				}
				// The first transaction runs it unprepared and asks for it;
				// the ones after find it on the pool.
				if got, want := tx.q.(*txQuerier).stmts[q] != nil, i > 0; got != want {
					t.Errorf("run %d: statement bound to the transaction = %v, want %v", i, got, want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if !cached(db.ws, q) {
			t.Errorf("%s not cached on the writer pool", q)
		}
	})

	t.Run("nested rows in a transaction", func(t *testing.T) {
		q := `WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < $1) SELECT v FROM s`
		// The second transaction would find the statement cached if
		// QueryContext used the cache.
		for i := range 2 {
			sum := 0
			err := db.Tx(ctx, func(tx *Tx) error {
				rows, err := tx.q.QueryContext(ctx, q, 3)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var v int
					if err := rows.Scan(&v); err != nil {
						return err
					}
					inner, err := tx.q.QueryContext(ctx, q, 2)
					if err != nil {
						return err
					}
					for inner.Next() {
						var w int
						if err := inner.Scan(&w); err != nil {
							return err
						}
						sum += v * w
					}
					inner.Close()
				}
				return rows.Err()
			})
			// (1+2+3) × (1+2)
			if err != nil || sum != 18 {
				t.Errorf("transaction %d: nested queries sum = %d, %v; want 18", i, sum, err)
			}
		}
	})
}

// TestQueryPlans prints the plan and the time of every query GET /tickets,
// GET /ticket/{id} and the event log issue, against a database that
// `sympoq demo --tickets N` filled, for docs/queries.md:
//
//	SYMPOQ_PLANS_DSN=sqlite:/tmp/plans.db go test -run TestQueryPlans -v ./internal/store/
//
// SYMPOQ_PLANS_OUT names a file for the Markdown report.
func TestQueryPlans(t *testing.T) {
	dsn := os.Getenv("SYMPOQ_PLANS_DSN")
	if dsn == "" {
		t.Skip("set SYMPOQ_PLANS_DSN to a demo database")
	}
	ctx := context.Background()
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	p := &planner{t: t, db: db, ctx: ctx}
	p.run()
	if out := os.Getenv("SYMPOQ_PLANS_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(p.out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	} else {
		t.Log("\n" + p.out.String())
	}
}

type planner struct {
	t   *testing.T
	db  *DB
	ctx context.Context
	out strings.Builder
}

type recorded struct {
	query string
	args  []any
}

// recorder runs queries and remembers them, to explain them afterwards.
type recorder struct {
	querier
	calls []recorded
}

func (r *recorder) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	r.calls = append(r.calls, recorded{q, args})
	return r.querier.QueryContext(ctx, q, args...)
}

func (r *recorder) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	r.calls = append(r.calls, recorded{q, args})
	return r.querier.QueryRowContext(ctx, q, args...)
}

func (p *planner) run() {
	t, ctx, db := p.t, p.ctx, p.db
	tx := db.Read()
	acc, err := tx.AccountByName(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	set, err := tx.Settings(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var total int
	if err := tx.q.QueryRowContext(ctx, `SELECT count(*) FROM tickets WHERE account_id = $1`, acc.ID).Scan(&total); err != nil {
		t.Fatal(err)
	}
	queues, err := tx.Queues(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	queue := map[string]int64{}
	for _, q := range queues {
		queue[q.Name] = q.ID
	}
	agents, _, err := tx.Users(ctx, acc.ID, UserFilter{Kind: sympoq.KindAgent})
	if err != nil {
		t.Fatal(err)
	}
	agent := map[string]*sympoq.User{}
	for _, a := range agents {
		agent[a.Name] = a
	}
	customers, _, err := tx.Users(ctx, acc.ID, UserFilter{Kind: sympoq.KindCustomer, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	admin, sofia, wei := agent["James Conrad"], agent["Sofia Rossi"], agent["Wei Chen"]
	if admin == nil || sofia == nil || wei == nil || len(customers) == 0 {
		t.Fatal("not a demo database: run sympoq demo first")
	}
	cust := customers[len(customers)/2]
	// The scopes desk.scope builds for these roles.
	type role struct {
		name  string
		me    int64
		scope TicketScope
	}
	var agentQueues []int64
	for _, perm := range wei.Permissions {
		agentQueues = append(agentQueues, perm.Queue)
	}
	roles := []role{
		{"administrator (James Conrad)", admin.ID, TicketScope{All: true, SeesInternal: true}},
		{"queue manager of Sales (Sofia Rossi)", sofia.ID, TicketScope{ManagedQueues: []int64{queue["Sales"]}, Me: sofia.ID,
			SelfAssign: set.Automation.AgentsSelfAssign, SeesInternal: true}},
		{"agent in Support and Inbox (Wei Chen)", wei.ID, TicketScope{AgentQueues: agentQueues, Me: wei.ID,
			SelfAssign: set.Automation.AgentsSelfAssign, SeesInternal: true}},
		{"customer (" + cust.Name + ")", cust.ID, TicketScope{Customer: cust.ID}},
	}
	now := time.Now().UTC()
	support := queue["Support"]
	type filter struct {
		name  string
		f     TicketFilter
		count bool
		page2 bool
	}
	// A cursor deep in the default sort: 100,000 tickets in (page 2,000),
	// or half way on a smaller database.
	depth := min(100_000, total/2)
	var c ticketCursor
	if err := tx.q.QueryRowContext(ctx, `SELECT updated_at, id FROM tickets WHERE account_id = $1 AND deleted_at IS NULL
		ORDER BY updated_at DESC, id DESC LIMIT 1 OFFSET $2`, acc.ID, depth).Scan(&c.V, &c.ID); err != nil {
		t.Fatal(err)
	}
	cb, _ := json.Marshal(c)
	deep := base64.RawURLEncoding.EncodeToString(cb)
	filters := func(me int64) []filter {
		return []filter{
			{"no filter (sort -updated)", TicketFilter{}, false, false},
			{"no filter, next page by cursor", TicketFilter{}, false, true},
			{"no filter, deep page (cursor " + thousands(depth) + " tickets in)", TicketFilter{Cursor: deep}, false, false},
			{"queue=Support&status=working", TicketFilter{Queue: []int64{support}, Status: []sympoq.Status{sympoq.StatusWorking}}, false, false},
			{"queue=Support&status=working, next page", TicketFilter{Queue: []int64{support}, Status: []sympoq.Status{sympoq.StatusWorking}}, false, true},
			{"status=new", TicketFilter{Status: []sympoq.Status{sympoq.StatusNew}}, false, false},
			{"status=new,working,pending (open)", TicketFilter{Status: []sympoq.Status{sympoq.StatusNew, sympoq.StatusWorking, sympoq.StatusPending}}, false, false},
			{"queue=Support", TicketFilter{Queue: []int64{support}}, false, false},
			{"assignee=me", TicketFilter{Assignee: []int64{me}}, false, false},
			{"assignee=me&status=working", TicketFilter{Assignee: []int64{me}, Status: []sympoq.Status{sympoq.StatusWorking}}, false, false},
			{"assignee=none", TicketFilter{Assignee: []int64{-1}}, false, false},
			{"customer=" + cust.Email, TicketFilter{Customer: cust.ID}, false, false},
			{"customer=" + cust.Email + "&sort=-created", TicketFilter{Customer: cust.ID, Sort: "created", Desc: true}, false, false},
			{"tag=bug", TicketFilter{Tag: "bug"}, false, false},
			{"created in the last 7 days", TicketFilter{CreatedFrom: now.AddDate(0, 0, -7), CreatedTo: now}, false, false},
			{"sort=-created", TicketFilter{Sort: "created", Desc: true}, false, false},
			{"sort=-priority", TicketFilter{Sort: "priority", Desc: true}, false, false},
			{"sort=deadline", TicketFilter{Sort: "deadline"}, false, false},
			{"sort=deadline, next page", TicketFilter{Sort: "deadline"}, false, true},
			{"q=xylophone (no ticket)", TicketFilter{Q: "xylophone"}, false, false},
			{"q=" + cust.Email + " (one customer's tickets)", TicketFilter{Q: cust.Email}, false, false},
			{"q=invoice (one ticket in nine)", TicketFilter{Q: "invoice"}, false, false},
			{"q=the (nearly every ticket)", TicketFilter{Q: "the"}, false, false},
			{"q=invoice&queue=Billing&status=closed", TicketFilter{Q: "invoice", Queue: []int64{queue["Billing"]}, Status: []sympoq.Status{sympoq.StatusClosed}}, false, false},
			{"count=1 (no filter)", TicketFilter{}, true, false},
			{"count=1&queue=Support&status=working", TicketFilter{Queue: []int64{support}, Status: []sympoq.Status{sympoq.StatusWorking}}, true, false},
		}
	}
	fmt.Fprintf(&p.out, "Database: %s, %d tickets in account %q.\n", db.dialect, total, acc.Name)
	for _, r := range roles {
		fmt.Fprintf(&p.out, "\n## GET /tickets as %s\n", r.name)
		for _, f := range filters(r.me) {
			if r.scope.Customer > 0 && (len(f.f.Queue) > 0 || len(f.f.Assignee) > 0 || f.f.Customer > 0) {
				continue // filters of the agents' lists
			}
			f.f.Limit = 50
			if f.page2 {
				ts, next, err := db.Read().Tickets(ctx, acc.ID, r.scope, f.f)
				if err != nil || next == "" {
					fmt.Fprintf(&p.out, "\n### %s\n\n(no second page: %d tickets, %v)\n", f.name, len(ts), err)
					continue
				}
				f.f.Cursor = next
			}
			p.explain(f.name, func(tx *Tx) error {
				if f.count {
					_, err := tx.CountTickets(ctx, acc.ID, r.scope, f.f)
					return err
				}
				_, _, err := tx.Tickets(ctx, acc.ID, r.scope, f.f)
				return err
			})
		}
	}

	// GET /ticket/{id}: by display id, else by number; then the event log.
	var id int64
	var display string
	if err := tx.q.QueryRowContext(ctx, `SELECT id, display_id FROM tickets WHERE account_id = $1 ORDER BY id LIMIT 1 OFFSET $2`,
		acc.ID, total/2).Scan(&id, &display); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&p.out, "\n## GET /ticket/{id} and its event log\n")
	p.explain("ticket by display id "+display, func(tx *Tx) error {
		_, err := tx.TicketByDisplayID(ctx, acc.ID, display)
		return err
	})
	p.explain(fmt.Sprintf("ticket by number %d", id), func(tx *Tx) error {
		_, err := tx.Ticket(ctx, acc.ID, id)
		return err
	})
	p.explain("its customer (once per distinct customer on a list page)", func(tx *Tx) error {
		_, err := tx.User(ctx, acc.ID, cust.ID)
		return err
	})
	p.explain("event log, all (agents)", func(tx *Tx) error {
		_, err := tx.Events(ctx, acc.ID, id, EventFilter{Internal: true})
		return err
	})
	p.explain("event log, public only (customers)", func(tx *Tx) error {
		_, err := tx.Events(ctx, acc.ID, id, EventFilter{})
		return err
	})
	p.explain("event log page: before=<id>&limit=2", func(tx *Tx) error {
		_, err := tx.Events(ctx, acc.ID, id, EventFilter{Internal: true, Before: 1 << 62, Limit: 2})
		return err
	})
	p.explain("event log count=1", func(tx *Tx) error {
		_, err := tx.CountEvents(ctx, acc.ID, id, EventFilter{Internal: true})
		return err
	})

	p.explain("attachment download: the event that added it (AttachmentEvent)", func(tx *Tx) error {
		_, err := tx.AttachmentEvent(ctx, acc.ID, 1<<40)
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			return nil // the demo has no attachments; the plan is the point
		}
		return err
	})

	fmt.Fprintf(&p.out, "\n## Writes\n")
	p.explainWrite("tag rewrite in CreateTicket and UpdateTicket (planned, not run)",
		`DELETE FROM ticket_tags WHERE account_id = $1 AND ticket_id = $2`, acc.ID, id)
	p.explainWrite("PurgeTickets: unmerge the tickets merged into a purged one (planned, not run)",
		`UPDATE tickets SET merged_into = NULL WHERE account_id = $1 AND merged_into = $2`, acc.ID, id)
	// Purging one ticket, with the foreign keys' cascades, rolled back.
	errUndo := errors.New("undo")
	start := time.Now()
	var purged []int64
	err = db.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE tickets SET deleted_at = 1 WHERE account_id = $1 AND id = $2`, acc.ID, id); err != nil {
			return err
		}
		start = time.Now()
		if purged, err = tx.PurgeTickets(ctx, acc.ID, 2, 1); err != nil {
			return err
		}
		return errUndo
	})
	if !errors.Is(err, errUndo) || len(purged) != 1 {
		t.Fatalf("purge = %v, %v", purged, err)
	}
	fmt.Fprintf(&p.out, "\n### PurgeTickets of one ticket with its events (run, then rolled back)\n\n%s\n", roundDuration(time.Since(start)))
}

// explainWrite prints the plan of a write without running it.
func (p *planner) explainWrite(name, query string, args ...any) {
	var b strings.Builder
	prefix := "EXPLAIN QUERY PLAN "
	if p.db.dialect == Postgres {
		prefix = "EXPLAIN "
	}
	rows, err := p.db.r.QueryContext(p.ctx, prefix+query, args...)
	if err != nil {
		p.t.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			p.t.Fatal(err)
		}
		fmt.Fprintf(&b, "%v\n", vals[len(vals)-1])
	}
	fmt.Fprintf(&p.out, "\n### %s\n\n```sql\n%s\n-- args: %v\n```\n\n```\n%s```\n", name, query, args, b.String())
}

// explain runs fn on a recording Tx, then prints each statement it ran with
// its plan and the median time of fn over several runs.
func (p *planner) explain(name string, fn func(tx *Tx) error) {
	t := p.t
	rec := &recorder{querier: p.db.Read().q}
	if err := fn(&Tx{q: rec, db: p.db, now: p.db.Now()}); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var times []time.Duration
	for i := 0; i < 7 && (i < 3 || times[0] < 300*time.Millisecond); i++ {
		start := time.Now()
		if err := fn(p.db.Read()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	fmt.Fprintf(&p.out, "\n### %s\n\nmedian %s (min %s, max %s over %d runs)\n", name,
		roundDuration(times[len(times)/2]), roundDuration(times[0]), roundDuration(times[len(times)-1]), len(times))
	for _, c := range rec.calls {
		fmt.Fprintf(&p.out, "\n```sql\n%s\n-- args: %v\n```\n\n```\n%s```\n", shortSQL(c.query), c.args, p.plan(c))
	}
}

// thousands writes n with comma separators: 100,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(10 * time.Millisecond)
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// shortSQL shortens the column list, which is the same in every ticket query.
func shortSQL(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	return strings.Replace(q, strings.Join(strings.Fields(ticketColumns), " "), "<ticket columns>", 1)
}

func (p *planner) plan(c recorded) string {
	var b strings.Builder
	if p.db.dialect == SQLite {
		rows, err := p.db.r.QueryContext(p.ctx, "EXPLAIN QUERY PLAN "+c.query, c.args...)
		if err != nil {
			p.t.Fatalf("explain: %v", err)
		}
		defer rows.Close()
		depth := map[int]int{0: -1}
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				p.t.Fatal(err)
			}
			depth[id] = depth[parent] + 1
			fmt.Fprintf(&b, "%s%s\n", strings.Repeat("  ", depth[id]), detail)
		}
		return b.String()
	}
	// PostgreSQL: the plan for these values, and the generic plan that a
	// cached prepared statement may switch to after five runs, when it
	// differs.
	custom := p.pgExplain(c, false)
	generic := p.pgExplain(c, true)
	b.WriteString(custom)
	if planShape(custom) != planShape(generic) {
		b.WriteString("\n-- generic plan (plan_cache_mode = force_generic_plan):\n")
		b.WriteString(generic)
	}
	return b.String()
}

func (p *planner) pgExplain(c recorded, generic bool) string {
	// PREPARE and EXPLAIN EXECUTE on one connection: EXPLAIN with bound
	// parameters always plans for their values.
	conn, err := p.db.r.Conn(p.ctx)
	if err != nil {
		p.t.Fatal(err)
	}
	defer conn.Close()
	mode := "auto"
	if generic {
		mode = "force_generic_plan"
	}
	lits := make([]string, len(c.args))
	for i, a := range c.args {
		switch v := a.(type) {
		case string:
			lits[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		default:
			lits[i] = fmt.Sprint(v)
		}
	}
	for _, stmt := range []string{"SET plan_cache_mode = " + mode, "PREPARE plan_q AS " + c.query} {
		if _, err := conn.ExecContext(p.ctx, stmt); err != nil {
			p.t.Fatalf("%s: %v", stmt, err)
		}
	}
	defer conn.ExecContext(p.ctx, "DEALLOCATE plan_q; RESET plan_cache_mode")
	exec := "EXPLAIN (ANALYZE, BUFFERS) EXECUTE plan_q"
	if len(lits) > 0 {
		exec += "(" + strings.Join(lits, ", ") + ")"
	}
	rows, err := conn.QueryContext(p.ctx, exec)
	if err != nil {
		p.t.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			p.t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// planShape is a plan without its numbers, to tell two plans apart.
func planShape(plan string) string {
	var b strings.Builder
	for _, l := range strings.Split(plan, "\n") {
		l = strings.TrimSpace(l)
		if i := strings.Index(l, "  ("); i > 0 {
			l = l[:i]
		}
		if strings.HasPrefix(l, "->") || strings.Contains(l, "Scan") || strings.Contains(l, "Sort") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

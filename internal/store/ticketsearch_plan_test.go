package store

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sympoq/sympoq"
)

func TestSQLitePlan(t *testing.T) {
	for _, c := range []struct {
		name  string
		limit int
		top   int64
		hits  int
		want  searchPlan
	}{
		{"no ticket", 50, 0, 0, searchPlan{}},
		{"no match in the sample: collect", 50, 1_000_000, 0, searchPlan{}},
		{"one in a hundred at a million: window, sliding over twice the matches", 50, 1_000_000, 40, searchPlan{window: 2040, slide: 20_000}},
		{"one in ten at a million: window and slide", 50, 1_000_000, 400, searchPlan{window: 1530, slide: 200_000}},
		{"seven in ten at a million: walk, then window and slide over every ticket", 50, 1_000_000, 2800, searchPlan{walk: 218, window: 218, slide: 1_000_000}},
		{"seven in ten at 50,000: window", 50, 50_000, 2800, searchPlan{window: 218, slide: 50_000}},
		{"every ticket, page of 10", 10, 1_000_000, 4000, searchPlan{walk: 33, window: 33, slide: 1_000_000}},
		{"fewer tickets than the sample", 50, 300, 300, searchPlan{window: 153, slide: 300}},
	} {
		if got := sqlitePlan(c.limit, c.top, c.hits); *got != c.want {
			t.Errorf("%s: sqlitePlan(%d, %d, %d) = %+v, want %+v", c.name, c.limit, c.top, c.hits, *got, c.want)
		}
	}
}

// The SQLite sample covers min(top, searchSample) ids in disjoint ranges
// spread up to the newest, so a word missing from the newest tickets alone
// is not taken for a rare one.
func TestSearchSample(t *testing.T) {
	for _, top := range []int64{0, 1, 300, searchSample, searchSample + 1, 10_000, 1_000_000} {
		q, args := sampleSQL("word", top)
		if args[0] != "word" || strings.Count(q, "MATCH $1") != (len(args)-1)/2 {
			t.Fatalf("top %d: %s %v", top, q, args)
		}
		var covered, prevHi int64
		for i := 1; i < len(args); i += 2 {
			lo, hi := args[i].(int64), args[i+1].(int64)
			if lo < prevHi || hi <= lo && top > 0 || lo < 0 {
				t.Errorf("top %d: range (%d, %d] overlaps or is empty after %d", top, lo, hi, prevHi)
			}
			covered += hi - lo
			prevHi = hi
		}
		if want := min(top, searchSample); covered != want || prevHi != top {
			t.Errorf("top %d: sample covers %d ids ending at %d, want %d ending at %d", top, covered, prevHi, want, top)
		}
		if top >= 10_000 && args[1].(int64) > top/2 {
			t.Errorf("top %d: the first range starts at %d, among the newest", top, args[1])
		}
	}
}

// TestSearchPlanShapes pins what makes each plan cheap: in the walk the
// subquery's order serves the outer ORDER BY, so neither engine sorts and
// the outer LIMIT stops the walk early; SQLite's window reads FTS5 once,
// by rowid range; collecting starts from the matches (SQLite) or goes
// through the materialized CTE (PostgreSQL).
func TestSearchPlanShapes(t *testing.T) {
	dialects := []Dialect{SQLite}
	if os.Getenv("SYMPOQ_TEST_POSTGRES_URL") != "" {
		dialects = append(dialects, Postgres)
	} else if os.Getenv("SYMPOQ_TEST_REQUIRE_ALL") == "1" {
		t.Fatal("PostgreSQL is required (SYMPOQ_TEST_REQUIRE_ALL=1) but SYMPOQ_TEST_POSTGRES_URL is not set")
	}
	ctx := context.Background()
	for _, d := range dialects {
		db := testDB(t, d)
		var account int64
		err := db.Tx(ctx, func(tx *Tx) error {
			a, err := tx.CreateAccount(ctx, "plans")
			account = a.ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		tx := db.Read()
		for _, c := range []struct {
			name  string
			scope TicketScope
			f     TicketFilter
		}{
			{"default sort", TicketScope{All: true, SeesInternal: true}, TicketFilter{}},
			{"queue and status", TicketScope{All: true, SeesInternal: true}, TicketFilter{Queue: []int64{1}, Status: []sympoq.Status{2}}},
			{"sort=deadline", TicketScope{All: true}, TicketFilter{Sort: "deadline"}},
			{"customer, sort=-created", TicketScope{Customer: 7}, TicketFilter{Sort: "created", Desc: true}},
		} {
			sort, desc := c.f.Sort, c.f.Desc
			if sort == "" {
				sort, desc = "updated", true
			}
			dir := "ASC"
			if desc {
				dir = "DESC"
			}
			l := ticketList{from: tx.ticketsFrom(c.scope, c.f), sort: sort, expr: ticketSortExpr[sort], dir: dir, limit: 50}
			s := tx.search(c.scope, "password")
			walk := l.walkSQL(tx.ticketWhere(account, c.scope, c.f), s, 2040)
			plan := explainPlan(t, db, walk)
			// SQLite's lines are "parent: detail"; a sort at the top (parent
			// 0) would read the whole walk before the first row. (A sort
			// inside the co-routine is the one a customer's list has anyway:
			// their tickets in another order than tickets_customer's.)
			if d == SQLite && (strings.Contains(plan, "\n0: USE TEMP B-TREE") || !strings.HasPrefix(plan, "0: CO-ROUTINE")) {
				t.Errorf("%s %s: the walk sorts or is not a co-routine:\n%s", d, c.name, plan)
			}
			if d == SQLite {
				window := explainPlan(t, db, l.windowSQL(tx.ticketWhere(account, c.scope, c.f), s, 2040))
				// One FTS5 range query (not a lookup per ticket of the head),
				// then the matches' tickets by primary key.
				if !strings.Contains(window, "VIRTUAL TABLE INDEX 0:M4><") || !strings.Contains(window, "SEARCH t USING INTEGER PRIMARY KEY") {
					t.Errorf("%s %s: the window is not one FTS5 range query:\n%s", d, c.name, window)
				}
				collect := explainPlan(t, db, l.collectSQL(tx.ticketWhere(account, c.scope, c.f), s))
				if !strings.HasPrefix(collect, "0: SCAN ticket_fts VIRTUAL TABLE") || !strings.Contains(collect, "SEARCH t USING INTEGER PRIMARY KEY") {
					t.Errorf("%s %s: collecting does not start from the FTS5 matches:\n%s", d, c.name, collect)
				}
			}
			if d == Postgres {
				top := strings.SplitN(plan, "\n", 3)
				if len(top) < 2 || !strings.Contains(top[0], "Limit") || !strings.Contains(top[1], "Subquery Scan") {
					t.Errorf("%s %s: the walk is not Limit ← Subquery Scan:\n%s", d, c.name, plan)
				}
				collect := explainPlan(t, db, l.collectSQL(tx.ticketWhere(account, c.scope, c.f), s))
				if !strings.Contains(collect, "CTE Scan") {
					t.Errorf("%s %s: collecting does not materialize the matches:\n%s", d, c.name, collect)
				}
			}
		}
	}
}

func explainPlan(t *testing.T, db *DB, st stmt) string {
	t.Helper()
	prefix, cols := "EXPLAIN QUERY PLAN ", 4
	if db.dialect == Postgres {
		prefix, cols = "EXPLAIN ", 1
	}
	rows, err := db.r.QueryContext(context.Background(), prefix+st.q, st.args...)
	if err != nil {
		t.Fatalf("explain %s: %v", st.q, err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, cols)
		ptrs := make([]any, cols)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		if db.dialect == SQLite {
			fmt.Fprintf(&b, "%v: ", vals[1])
		}
		b.WriteString(strings.TrimSpace(toString(vals[cols-1])) + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func toString(v any) string {
	switch v := v.(type) {
	case []byte:
		return string(v)
	case string:
		return v
	}
	return ""
}

package desk_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
)

// TestReportTimings brings the rollups of a demo database up to date (timed)
// and then times every report over several ranges and scopes, as an
// administrator and as a queue manager, for docs/reports.md:
//
//	SYMPOQ_REPORTS_DSN=sqlite:/tmp/demo.db go test -run TestReportTimings -v ./internal/desk/
//
// SYMPOQ_TIMINGS_OUT names a file for the Markdown table.
func TestReportTimings(t *testing.T) {
	dsn := os.Getenv("SYMPOQ_REPORTS_DSN")
	if dsn == "" {
		t.Skip("set SYMPOQ_REPORTS_DSN to a demo database")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	start := time.Now()
	days, err := desk.RefreshReports(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&out, "Rollup catch-up: %d days recomputed in %s\n\n", days, time.Since(start).Round(10*time.Millisecond))
	start = time.Now()
	if _, err := desk.RefreshReports(ctx, db); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&out, "Rollup run with nothing stale: %s\n\n", time.Since(start).Round(time.Microsecond))

	d := desk.New(db, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	acc, err := db.Read().AccountByName(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	admin := desk.System(acc.ID)
	agents, _, err := db.Read().Users(ctx, acc.ID, store.UserFilter{Kind: sympoq.KindAgent})
	if err != nil {
		t.Fatal(err)
	}
	var mgr desk.Actor
	for _, a := range agents {
		if !a.Administrator && slices.ContainsFunc(a.Permissions, func(p sympoq.QueuePermission) bool { return p.Role == sympoq.RoleQueueManager }) {
			mgr = sympoq.NewActor(a)
			break
		}
	}
	if mgr.User == nil {
		t.Fatal("no queue manager: not a demo database")
	}
	groups, err := db.Read().Groups(ctx, acc.ID)
	if err != nil || len(groups) == 0 {
		t.Fatalf("groups: %v", err)
	}
	var last int64
	if err := db.Writer().QueryRowContext(ctx, `SELECT max(created_at) FROM tickets WHERE account_id = $1`, acc.ID).Scan(&last); err != nil {
		t.Fatal(err)
	}
	to := time.UnixMicro(last).UTC()
	date := func(days int) string { return to.AddDate(0, 0, -days).Format(time.DateOnly) }
	cases := []struct {
		who   string
		a     desk.Actor
		scope string
		in    desk.ReportInput
	}{
		{"admin", admin, "30 days", desk.ReportInput{From: date(29), To: date(0)}},
		{"admin", admin, "180 days", desk.ReportInput{From: date(179), To: date(0)}},
		{"admin", admin, "1098 days (the bound)", desk.ReportInput{From: date(1097), To: date(0)}},
		{"admin", admin, "180 days, one agent", desk.ReportInput{From: date(179), To: date(0), Agent: fmt.Sprint(mgr.User.ID)}},
		{"admin", admin, "180 days, one group", desk.ReportInput{From: date(179), To: date(0), Group: fmt.Sprint(groups[0].ID)}},
		{"admin", admin, "180 days, priority High", desk.ReportInput{From: date(179), To: date(0), Priority: "3"}},
		{"queue manager", mgr, "180 days, managed queues", desk.ReportInput{From: date(179), To: date(0)}},
	}
	fmt.Fprintf(&out, "| caller | range and scope | %s |\n|---|---|%s\n", strings.Join(desk.ReportNames, " | "), strings.Repeat("---|", len(desk.ReportNames)))
	for _, c := range cases {
		fmt.Fprintf(&out, "| %s | %s |", c.who, c.scope)
		for _, name := range desk.ReportNames {
			best := time.Duration(1 << 62)
			for range 5 {
				s := time.Now()
				if _, err := d.Report(ctx, c.a, name, c.in); err != nil {
					t.Fatalf("%s %s %s: %v", c.who, c.scope, name, err)
				}
				best = min(best, time.Since(s))
			}
			fmt.Fprintf(&out, " %s |", best.Round(10*time.Microsecond))
			if best > time.Second {
				t.Errorf("%s %s %s took %s, over the bound of 1 s", c.who, c.scope, name, best)
			}
		}
		out.WriteString("\n")
	}
	if f := os.Getenv("SYMPOQ_TIMINGS_OUT"); f != "" {
		if err := os.WriteFile(f, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Log("\n" + out.String())
}

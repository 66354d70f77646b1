package store

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestReportPlans prints the plan and the time of every query the reports
// and the rollup job issue, against a database that `sympoq demo --tickets
// N` filled and the rollup job has caught up with, for docs/reports.md:
//
//	SYMPOQ_REPORTS_DSN=sqlite:/tmp/demo.db SYMPOQ_PLANS_OUT=/tmp/plans.md go test -run TestReportPlans -v ./internal/store/
func TestReportPlans(t *testing.T) {
	dsn := os.Getenv("SYMPOQ_REPORTS_DSN")
	if dsn == "" {
		t.Skip("set SYMPOQ_REPORTS_DSN to a demo database")
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
	tx := db.Read()
	acc, err := tx.AccountByName(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	set, err := tx.Settings(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var total, rollups int
	if err := tx.q.QueryRowContext(ctx, `SELECT count(*) FROM tickets WHERE account_id = $1`, acc.ID).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if err := tx.q.QueryRowContext(ctx, `SELECT count(*) FROM report_days WHERE account_id = $1`, acc.ID).Scan(&rollups); err != nil {
		t.Fatal(err)
	}
	queues, err := tx.Queues(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	if err := tx.q.QueryRowContext(ctx, `SELECT max(created_at) FROM tickets WHERE account_id = $1`, acc.ID).Scan(&last); err != nil {
		t.Fatal(err)
	}
	loc := set.Location()
	now := time.UnixMicro(last).In(loc)
	y, m, d := now.Date()
	today := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	fmt.Fprintf(&p.out, "# Report queries on %s: %s tickets, %s rollup rows\n", db.dialect, thousands(total), thousands(rollups))
	q1 := []int64{queues[0].ID}
	for _, c := range []struct {
		name string
		q    ReportQuery
	}{
		{"ReportRows: every queue, 30 days", ReportQuery{From: today - 29, To: today}},
		{"ReportRows: every queue, 1098 days", ReportQuery{From: today - 1097, To: today}},
		{"ReportRows: one queue and one agent, 180 days", ReportQuery{Dim: DimAgent, Value: queues[0].ID, Queues: q1, From: today - 179, To: today}},
	} {
		p.explain(c.name, func(tx *Tx) error { _, err := tx.ReportRows(ctx, acc.ID, c.q); return err })
	}
	p.explain("ReportOpenBefore: every queue", func(tx *Tx) error {
		_, err := tx.ReportOpenBefore(ctx, acc.ID, ReportQuery{From: today - 29, To: today})
		return err
	})
	p.explain("Backlog: every queue", func(tx *Tx) error { _, err := tx.Backlog(ctx, acc.ID, BacklogFilter{}); return err })
	p.explain("Backlog: one queue", func(tx *Tx) error { _, err := tx.Backlog(ctx, acc.ID, BacklogFilter{Queues: q1}); return err })
	p.explain("Backlog: one customer group", func(tx *Tx) error {
		_, err := tx.Backlog(ctx, acc.ID, BacklogFilter{Dim: DimGroup, Value: 1})
		return err
	})
	p.explain("ReportFacts: one day (what the rollup job reads per day)", func(tx *Tx) error {
		from := time.Date(y, m, d-1, 0, 0, 0, 0, loc)
		_, err := tx.ReportFacts(ctx, acc.ID, from, from.AddDate(0, 0, 1))
		return err
	})
	if out := os.Getenv("SYMPOQ_PLANS_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(p.out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	} else {
		t.Log("\n" + p.out.String())
	}
}

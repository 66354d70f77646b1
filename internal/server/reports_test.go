package server_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestReportsAPI reads reports over HTTP as JSON and CSV, and checks the
// statuses of refused and invalid requests (every answer is validated
// against openapi.json by the stack).
func TestReportsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		ctx := context.Background()
		acc, key := s.account("default")
		sys := desk.System(acc)
		cu, err := s.desk.CreateUser(ctx, sys, sympoq.KindCustomer, desk.UserInput{Name: desk.Some("Cleo"), Email: desk.Some("cleo@example.com")})
		must(t, err)
		cuKey, err := s.desk.CreateAPIKey(ctx, sympoq.NewActor(cu), desk.APIKeyInput{Name: desk.Some("cleo")})
		must(t, err)
		for i := range 3 {
			v, err := s.desk.Submit(ctx, sys, desk.SubmitInput{Description: desk.Some(fmt.Sprintf("problem %d", i)),
				Customer: desk.Some(desk.CustomerInput{ID: desk.Some(cu.ID)})})
			must(t, err)
			if i == 0 {
				_, err = s.desk.Close(ctx, sys, v.DisplayID, desk.CloseInput{})
				must(t, err)
			}
		}
		if _, err := desk.RefreshReports(ctx, db); err != nil {
			t.Fatal(err)
		}
		set, err := db.Read().Settings(ctx, acc)
		must(t, err)
		today := time.Now().In(set.Location()).Format(time.DateOnly)

		r := s.call("GET", "", api+"/reports/created-closed?from="+today+"&to="+today, key, nil)
		if r.status != 200 {
			t.Fatalf("GET created-closed = %d %s", r.status, r.body)
		}
		var rep struct {
			Report  string   `json:"report"`
			From    string   `json:"from"`
			Columns []string `json:"columns"`
			Rows    [][]any  `json:"rows"`
			Total   []any    `json:"total"`
		}
		r.decode(t, &rep)
		want := [][]any{{today, 3.0, 1.0, 2.0}}
		if diff := cmp.Diff(want, rep.Rows); diff != "" || rep.Report != "created-closed" || rep.From != today {
			t.Errorf("created-closed = %s; rows (-want +got):\n%s", r.body, diff)
		}

		r = s.call("GET", "", api+"/reports/backlog?format=csv", key, nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(r.header.Get("Content-Disposition"), `filename="backlog_`) {
			t.Fatalf("GET backlog csv = %d %v %s", r.status, r.header, r.body)
		}
		cells, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
		must(t, err)
		wantCSV := [][]string{{"status", "tickets"}, {"New", "2"}, {"Working", "0"}, {"Pending", "0"}, {"total", "2"}}
		if diff := cmp.Diff(wantCSV, cells); diff != "" {
			t.Errorf("backlog CSV (-want +got):\n%s", diff)
		}

		for _, tc := range []struct {
			path, key string
			status    int
			field     string
		}{
			{"/reports/backlog", cuKey.Key, 403, ""},
			{"/reports/nosuch", key, 404, ""},
			{"/reports/backlog?queue=99999", key, 404, ""},
			{"/reports/backlog?format=xml", key, 400, "format"},
			{"/reports/ratings?from=yesterday", key, 400, "from"},
			{"/reports/ratings?agent=1&topic=1", key, 400, ""},
			{"/reports/response-times?from=2000-01-01&to=2026-01-01", key, 422, "from"},
		} {
			r := s.call("GET", "", api+tc.path, tc.key, nil)
			if r.status != tc.status {
				t.Errorf("GET %s = %d %s, want %d", tc.path, r.status, r.body, tc.status)
				continue
			}
			if p := r.problem(); tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
				t.Errorf("GET %s errors = %+v, want one on %s", tc.path, p.Errors, tc.field)
			}
		}
	})
}

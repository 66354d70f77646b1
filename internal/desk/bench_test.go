package desk_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// BenchmarkSubmit measures the submission use case with 8 concurrent
// writers per core, on SQLite (group commit) and PostgreSQL:
//
//	go test -run '^$' -bench Submit ./internal/desk/
func BenchmarkSubmit(b *testing.B) {
	for _, open := range []struct {
		name string
		db   func(testing.TB) *store.DB
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(open.name, func(b *testing.B) {
			db := open.db(b)
			ctx := context.Background()
			if err := jobs.Migrate(ctx, db); err != nil {
				b.Fatal(err)
			}
			logger := slog.New(slog.NewTextHandler(io.Discard, nil))
			r, err := jobs.New(db, logger)
			if err != nil {
				b.Fatal(err)
			}
			d := desk.New(db, r, logger)
			c, err := d.CreateAccount(ctx, "default", "", "")
			if err != nil {
				b.Fatal(err)
			}
			a := desk.System(c.Account.ID)
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					_, err := d.Submit(ctx, a, desk.SubmitInput{Description: desk.Some(fmt.Sprintf("the printer is on fire (%d)", i)),
						Customer: desk.Some(desk.CustomerInput{Email: desk.Some(fmt.Sprintf("c%d@example.com", i%50)), Name: desk.Some("Customer")})})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/sympoq/sympoq/internal/demo"
)

func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var accountName string
	var customers, tickets int
	var seed int64
	cfg, _, err := parse("demo", args, getenv, stderr, func(fs *flag.FlagSet) {
		accountFlag(fs, &accountName)
		fs.IntVar(&customers, "customers", 300, "number of customers")
		fs.IntVar(&tickets, "tickets", 0, "number of tickets to add, with their conversations")
		fs.Int64Var(&seed, "seed", 1, "random seed: the same seed gives the same data")
	})
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	// On a new database the demo makes its account, as serve would.
	creds, err := a.desk.EnsureAccount(ctx, accountName, cfg.AdminPassword, cfg.AdminAPIKey)
	if err != nil {
		return err
	}
	if creds != nil {
		printCredentials(stdout, creds, cfg.AdminPassword != "", cfg.AdminAPIKey != "")
	}
	id, err := a.accountID(ctx, accountName)
	if err != nil {
		return err
	}
	sum, err := demo.Fill(ctx, a.desk, id, demo.Options{Customers: customers, Seed: seed})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data in account %q: %s\n", accountName, sum)
	if tickets > 0 {
		last := time.Now()
		ts, err := demo.Tickets(ctx, a.desk, id, tickets, seed, func(done int) {
			if time.Since(last) > 5*time.Second {
				last = time.Now()
				fmt.Fprintf(stderr, "  %d of %d tickets\n", done, tickets)
			}
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "demo tickets in account %q: %s\n", accountName, ts)
	}
	return nil
}

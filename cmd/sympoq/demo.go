package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/sympoq/sympoq/internal/demo"
)

func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var accountName string
	var customers int
	var seed int64
	cfg, _, err := parse("demo", args, getenv, stderr, func(fs *flag.FlagSet) {
		accountFlag(fs, &accountName)
		fs.IntVar(&customers, "customers", 300, "number of customers")
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
	id, err := a.accountID(ctx, accountName)
	if err != nil {
		return err
	}
	sum, err := demo.Fill(ctx, a.desk, id, demo.Options{Customers: customers, Seed: seed})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data in account %q: %s\n", accountName, sum)
	return nil
}

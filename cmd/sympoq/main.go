// Command sympoq is the SympoQ help desk: one binary that serves the API and
// the pages, runs the background jobs and administers accounts.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // account time zones work on hosts without zoneinfo
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sympoq:", err)
		os.Exit(1)
	}
}

const usage = `usage: sympoq <command> [flags]

commands:
  serve                  run the server (the default)
  migrate                apply database migrations and exit
  account create NAME    create an account with an administrator; prints its login and API key
  account list           list the accounts
  user create            create an agent or a customer
  apikey create          create an API key for a user; prints the key
  demo                   fill an account with realistic sample data
  version                print the version

Run "sympoq <command> -h" for the flags of a command.
`

// run is the whole program, with its environment passed in so that tests can
// drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, args, getenv, stdout, stderr)
	case "account":
		return account(ctx, args, getenv, stdout, stderr)
	case "user":
		return user(ctx, args, getenv, stdin, stdout, stderr)
	case "apikey":
		return apikey(ctx, args, getenv, stdout, stderr)
	case "demo":
		return runDemo(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "sympoq", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

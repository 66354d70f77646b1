package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

func account(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: sympoq account create NAME | account list")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "create":
		var name string
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			name, args = args[0], args[1:]
		}
		cfg, fs, err := parse("account create", args, getenv, stderr, nil)
		if err != nil {
			return err
		}
		if name == "" && fs.NArg() > 0 {
			name = fs.Arg(0)
		}
		if name == "" {
			return fmt.Errorf("usage: sympoq account create NAME")
		}
		a, err := open(ctx, cfg, stderr)
		if err != nil {
			return err
		}
		defer a.close()
		creds, err := a.desk.CreateAccount(ctx, name, cfg.AdminPassword, cfg.AdminAPIKey)
		if err != nil {
			return err
		}
		printCredentials(stdout, creds, cfg.AdminPassword != "", cfg.AdminAPIKey != "")
		if cfg.BaseDomain != "" {
			fmt.Fprintf(stdout, "It is served at %s\n", cfg.AccountURL(name))
		}
		return nil
	case "list":
		cfg, _, err := parse("account list", args, getenv, stderr, nil)
		if err != nil {
			return err
		}
		a, err := open(ctx, cfg, stderr)
		if err != nil {
			return err
		}
		defer a.close()
		accounts, err := a.db.Read().Accounts(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tCREATED")
		for _, ac := range accounts {
			fmt.Fprintf(tw, "%d\t%s\t%s\n", ac.ID, ac.Name, ac.Created.Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	}
	return fmt.Errorf("unknown account command %q: want create or list", sub)
}

// accountFlag adds --account, naming the account a command works on.
func accountFlag(fs *flag.FlagSet, name *string) {
	fs.StringVar(name, "account", sympoq.DefaultAccountName, "account name")
}

func (a *app) accountID(ctx context.Context, name string) (int64, error) {
	ac, err := a.db.Read().AccountByName(ctx, name)
	if err != nil {
		return 0, fmt.Errorf("account %q: %w", name, err)
	}
	return ac.ID, nil
}

func user(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: sympoq user create --name NAME [--email E] [--username U] [--customer] [--admin] [--password-stdin]")
	}
	var accountName, name, email, username string
	var customer, admin, passwordStdin bool
	cfg, _, err := parse("user create", args[1:], getenv, stderr, func(fs *flag.FlagSet) {
		accountFlag(fs, &accountName)
		fs.StringVar(&name, "name", "", "full name")
		fs.StringVar(&email, "email", "", "email address")
		fs.StringVar(&username, "username", "", "username (defaults to the email)")
		fs.BoolVar(&customer, "customer", false, "create a customer instead of an agent")
		fs.BoolVar(&admin, "admin", false, "make the agent an administrator")
		fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
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
	in := desk.UserInput{Name: desk.Some(name)}
	if email != "" {
		in.Email = desk.Some(email)
	}
	if username != "" {
		in.Username = desk.Some(username)
	}
	kind := sympoq.KindAgent
	if customer {
		kind = sympoq.KindCustomer
	} else if admin {
		in.Administrator = desk.Some(true)
	}
	if passwordStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return err
		}
		in.Password = desk.Some(strings.TrimRight(line, "\r\n"))
	}
	u, err := a.desk.CreateUser(ctx, desk.System(id), kind, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s %d (%s)\n", u.Kind, u.ID, u.Username)
	return nil
}

func apikey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: sympoq apikey create --user LOGIN [--name NAME] [--scopes read,write]")
	}
	var accountName, login, name, scopes string
	cfg, _, err := parse("apikey create", args[1:], getenv, stderr, func(fs *flag.FlagSet) {
		accountFlag(fs, &accountName)
		fs.StringVar(&login, "user", "admin", "username or email of the key's owner")
		fs.StringVar(&name, "name", "cli", "name of the key")
		fs.StringVar(&scopes, "scopes", "read,write", "comma-separated scopes: read, write")
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
	var sc []sympoq.Scope
	for _, s := range strings.Split(scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			sc = append(sc, sympoq.Scope(s))
		}
	}
	k, err := a.desk.CreateAPIKeyFor(ctx, id, login, name, sc)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, k.Key)
	return nil
}

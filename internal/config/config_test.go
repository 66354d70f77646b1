package config

import (
	"flag"
	"io"
	"strings"
	"testing"
)

func load(t *testing.T, env map[string]string, args ...string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := Register(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return c, c.Validate()
}

func TestSMTPURL(t *testing.T) {
	c, err := load(t, map[string]string{"SYMPOQ_SMTP_URL": "smtp://desk:fromurl@mail.example.com:2525?tls=starttls"})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := c.SMTP()
	if err != nil || sc.Host != "mail.example.com" || sc.Port != 2525 || sc.Username != "desk" || sc.Password != "fromurl" {
		t.Errorf("SMTP() = %+v, %v", sc, err)
	}
	// The password variable wins, so the URL need not carry it.
	c, err = load(t, map[string]string{"SYMPOQ_SMTP_PASSWORD": "fromenv"}, "--smtp-url", "smtp://desk@mail.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if sc, err := c.SMTP(); err != nil || sc.Password != "fromenv" || sc.Auth != "plain" {
		t.Errorf("SMTP() with SYMPOQ_SMTP_PASSWORD = %+v, %v", sc, err)
	}
	// A bad URL is refused without quoting it.
	_, err = load(t, nil, "--smtp-url", "smtp://desk:topsecret@mail.example.com:25?tls=none")
	if err == nil || !strings.Contains(err.Error(), "--smtp-url") || strings.Contains(err.Error(), "topsecret") {
		t.Errorf("Validate = %v, want a refusal that does not show the password", err)
	}
	// Without --smtp-url there is nothing to check.
	if _, err := load(t, nil); err != nil {
		t.Errorf("Validate without --smtp-url: %v", err)
	}
}

// TestAccountSMTP: accounts may use their own SMTP servers by default with
// one account, not with several; the flag decides otherwise.
func TestAccountSMTP(t *testing.T) {
	for _, tc := range []struct {
		base, flag string
		want       bool
	}{
		{"", "", true}, {"example.com", "", false}, {"example.com", "on", true}, {"", "off", false},
	} {
		c := &Config{DB: "sqlite:x.db", MailFrom: "a@b.test", LogLevel: "info", BaseDomain: tc.base, AccountSMTPFlag: tc.flag}
		if err := c.Validate(); err != nil {
			t.Fatalf("Validate(%+v) = %v", tc, err)
		}
		if got := c.AccountSMTP(); got != tc.want {
			t.Errorf("AccountSMTP(base %q, flag %q) = %v, want %v", tc.base, tc.flag, got, tc.want)
		}
	}
	c := &Config{DB: "sqlite:x.db", MailFrom: "a@b.test", LogLevel: "info", AccountSMTPFlag: "yes"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--account-smtp") {
		t.Errorf("Validate(--account-smtp yes) = %v, want an error", err)
	}
}

func TestTrustedProxies(t *testing.T) {
	c := &Config{DB: "sqlite:x.db", MailFrom: "a@b.test", LogLevel: "info", TrustedProxies: " 10.0.0.0/8, 127.0.0.1 ,::1"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	ps, _ := c.Proxies()
	if len(ps) != 3 || ps[0].String() != "10.0.0.0/8" || ps[1].String() != "127.0.0.1/32" || ps[2].String() != "::1/128" {
		t.Errorf("Proxies = %v", ps)
	}
	c.TrustedProxies = "10.0.0.0/8,proxy.example.com"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--trusted-proxies") {
		t.Errorf("Validate(a host name) = %v, want an error", err)
	}
}

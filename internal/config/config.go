// Package config reads the server's settings from flags and SYMPOQ_*
// environment variables (a flag wins over its variable). It has no globals:
// Load returns a value that the caller passes on.
package config

import (
	"flag"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strings"
	"time"

	smtpmail "github.com/sympoq/sympoq/internal/mail"
)

// Config is the deployment's configuration.
type Config struct {
	Addr            string
	DB              string
	BaseDomain      string
	DataDir         string
	Blob            string
	Redis           string
	SMTPListen      string
	SMTPCert        string
	SMTPKey         string
	SMTPDomain      string
	PublicURL       string
	MailFrom        string
	SMTPURL         string // holds a password: never logged
	Pprof           string // loopback address of the profiling endpoints; empty: off
	AccountSMTPFlag string // "on", "off" or "": on with one account, off with several
	TrustedProxies  string // comma-separated addresses or CIDR prefixes; see Proxies
	LogLevel        string
	LogFormat       string
	ShutdownTimeout time.Duration

	// Only from the environment, never flags: secrets do not belong in argv.
	AdminPassword string
	AdminAPIKey   string
	SMTPPassword  string // replaces the password of --smtp-url
}

// Register defines the flags on fs with defaults taken from getenv.
func Register(fs *flag.FlagSet, getenv func(string) string) *Config {
	c := &Config{}
	env := func(name, def string) string {
		if v := getenv("SYMPOQ_" + name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.Addr, "addr", env("ADDR", ":8080"), "listen address (SYMPOQ_ADDR)")
	fs.StringVar(&c.DB, "db", env("DB", "sqlite:sympoq.db"), "database: sqlite:PATH or postgres://… (SYMPOQ_DB)")
	fs.StringVar(&c.BaseDomain, "base-domain", env("BASE_DOMAIN", ""), "serve account NAME at NAME.<base-domain>; empty: single account (SYMPOQ_BASE_DOMAIN)")
	fs.StringVar(&c.DataDir, "data-dir", env("DATA_DIR", "./data"), "directory for attachments and the outbox (SYMPOQ_DATA_DIR)")
	fs.StringVar(&c.Blob, "blob", env("BLOB", ""), "attachment store: empty for the data dir (SYMPOQ_BLOB)")
	fs.StringVar(&c.Redis, "redis", env("REDIS", ""), "redis://… for shared rate limits; empty: in memory (SYMPOQ_REDIS)")
	fs.StringVar(&c.SMTPListen, "smtp-listen", env("SMTP_LISTEN", ""), "address of the inbound SMTP receiver; empty: off (SYMPOQ_SMTP_LISTEN)")
	fs.StringVar(&c.SMTPCert, "smtp-cert", env("SMTP_CERT", ""), "PEM certificate for STARTTLS on the SMTP receiver (SYMPOQ_SMTP_CERT)")
	fs.StringVar(&c.SMTPKey, "smtp-key", env("SMTP_KEY", ""), "PEM private key for STARTTLS on the SMTP receiver (SYMPOQ_SMTP_KEY)")
	fs.StringVar(&c.SMTPDomain, "smtp-domain", env("SMTP_DOMAIN", ""), "host name the SMTP receiver greets with; empty: the base domain or localhost (SYMPOQ_SMTP_DOMAIN)")
	fs.StringVar(&c.PublicURL, "public-url", env("PUBLIC_URL", ""), "URL users reach the server at, for links in email (SYMPOQ_PUBLIC_URL)")
	fs.StringVar(&c.SMTPURL, "smtp-url", env("SMTP_URL", ""), "outbound SMTP server, smtp://user:pass@host:587?tls=starttls; empty: write mail to the outbox directory (SYMPOQ_SMTP_URL; SYMPOQ_SMTP_PASSWORD sets the password)")
	fs.StringVar(&c.MailFrom, "mail-from", env("MAIL_FROM", "SympoQ <sympoq@localhost>"), "sender of outgoing email (SYMPOQ_MAIL_FROM)")
	fs.StringVar(&c.AccountSMTPFlag, "account-smtp", env("ACCOUNT_SMTP", ""), "on or off: may account administrators send their email through their own SMTP server; empty: on with one account, off with --base-domain (SYMPOQ_ACCOUNT_SMTP)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", env("TRUSTED_PROXIES", ""), "reverse proxies whose X-Forwarded-For/-Proto are believed: addresses or CIDRs, comma-separated; empty: none (SYMPOQ_TRUSTED_PROXIES)")
	fs.StringVar(&c.Pprof, "pprof", env("PPROF", ""), "loopback address for the Go profiler's /debug/pprof/, e.g. 127.0.0.1:6060; empty: off (SYMPOQ_PPROF)")
	fs.StringVar(&c.LogLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (SYMPOQ_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("LOG_FORMAT", ""), "text or json; empty: text on a terminal, json otherwise (SYMPOQ_LOG_FORMAT)")
	timeout, err := time.ParseDuration(env("SHUTDOWN_TIMEOUT", "30s"))
	if err != nil {
		timeout = 30 * time.Second
	}
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", timeout, "how long shutdown waits for requests and jobs (SYMPOQ_SHUTDOWN_TIMEOUT)")
	c.SMTPPassword = getenv("SYMPOQ_SMTP_PASSWORD")
	c.AdminPassword = getenv("SYMPOQ_ADMIN_PASSWORD")
	c.AdminAPIKey = getenv("SYMPOQ_ADMIN_API_KEY")
	return c
}

// Validate checks the values and normalises the base domain and public URL.
func (c *Config) Validate() error {
	var errs []string
	c.BaseDomain = strings.Trim(strings.ToLower(c.BaseDomain), ".")
	if c.BaseDomain != "" && (strings.ContainsAny(c.BaseDomain, "/: ") || !strings.Contains(c.BaseDomain, ".") && c.BaseDomain != "localhost") {
		errs = append(errs, fmt.Sprintf("--base-domain %q: want a domain such as example.com", c.BaseDomain))
	}
	if c.DB == "" {
		errs = append(errs, "--db: must not be empty")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Sprintf("--public-url %q: want http(s)://host", c.PublicURL))
		}
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		errs = append(errs, fmt.Sprintf("--mail-from %q: %v", c.MailFrom, err))
	}
	if c.SMTPURL != "" {
		// The error never quotes the URL: it may hold a password.
		if _, err := c.SMTP(); err != nil {
			errs = append(errs, fmt.Sprintf("--smtp-url: %v", err))
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Sprintf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		errs = append(errs, fmt.Sprintf("--log-format %q: want text or json", c.LogFormat))
	}
	if c.Blob != "" {
		errs = append(errs, "--blob: only the local data directory is supported so far; leave it empty")
	}
	if c.Redis != "" && !strings.HasPrefix(c.Redis, "redis://") && !strings.HasPrefix(c.Redis, "rediss://") {
		errs = append(errs, fmt.Sprintf("--redis %q: want redis://host:port/db", c.Redis))
	}
	if (c.SMTPCert == "") != (c.SMTPKey == "") {
		errs = append(errs, "--smtp-cert and --smtp-key: give both or neither")
	}
	if c.SMTPCert != "" && c.SMTPListen == "" {
		errs = append(errs, "--smtp-cert: needs --smtp-listen")
	}
	switch c.AccountSMTPFlag {
	case "", "on", "off":
	default:
		errs = append(errs, fmt.Sprintf("--account-smtp %q: want on or off", c.AccountSMTPFlag))
	}
	if _, err := c.Proxies(); err != nil {
		errs = append(errs, fmt.Sprintf("--trusted-proxies: %v", err))
	}
	if c.Pprof != "" && !loopback(c.Pprof) {
		errs = append(errs, fmt.Sprintf("--pprof %q: want a loopback address such as 127.0.0.1:6060; profiles reveal memory contents", c.Pprof))
	}
	if len(errs) > 0 {
		return fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return nil
}

// AccountURL is the address of an account's pages, for links in email:
// the public URL; or, with a base domain, http(s)://NAME.<base-domain>
// (using the public URL's scheme and port when one is set); or the listen
// address on localhost.
func (c *Config) AccountURL(name string) string {
	if c.BaseDomain == "" {
		if c.PublicURL != "" {
			return c.PublicURL
		}
		return "http://" + localAddr(c.Addr)
	}
	scheme, port := "https", ""
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err == nil {
			scheme, port = u.Scheme, u.Port()
		}
	}
	host := name + "." + c.BaseDomain
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}

func localAddr(addr string) string {
	if strings.HasPrefix(addr, ":") {
		return "localhost" + addr
	}
	return addr
}

// SMTP is the outbound SMTP server of --smtp-url, with the password of
// SYMPOQ_SMTP_PASSWORD when that is set.
func (c *Config) SMTP() (smtpmail.SMTPConfig, error) {
	sc, err := smtpmail.ParseSMTPURL(c.SMTPURL)
	if err != nil {
		return sc, err
	}
	if c.SMTPPassword != "" {
		sc.Password = c.SMTPPassword
	}
	return sc, nil
}

// loopback reports whether addr is host:port with a loopback host.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// AccountSMTP reports whether accounts may use SMTP servers of their own.
// By default they may when the deployment serves one account (its
// administrator runs the server anyway) and may not when it hosts several:
// an account's administrator could otherwise make the server connect to
// hosts of the deployment's network.
func (c *Config) AccountSMTP() bool {
	switch c.AccountSMTPFlag {
	case "on":
		return true
	case "off":
		return false
	}
	return c.BaseDomain == ""
}

// Proxies parses --trusted-proxies: addresses (a single host) or CIDR
// prefixes, separated by commas.
func (c *Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(c.TrustedProxies, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR prefix", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
)

// IMAPConfig is one mailbox to poll.
type IMAPConfig struct {
	Host     string
	Port     int
	Security string // "tls", "starttls" or "none"
	Username string
	Password string
	Folder   string // e.g. INBOX
	MoveTo   string // empty: mark messages \Seen and leave them
	// TLS overrides the TLS settings (tests trust their own CA); nil: the
	// system's roots, verifying Host.
	TLS *tls.Config
}

// imapTimeout bounds every IMAP command.
const imapTimeout = 60 * time.Second

// dialIMAP connects, secures and logs in. The connection is closed when
// ctx ends, which aborts any command in progress.
func dialIMAP(ctx context.Context, cfg IMAPConfig) (*client.Client, func(), error) {
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	tc := cfg.TLS
	if tc == nil {
		tc = &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	}
	d := &net.Dialer{Timeout: 20 * time.Second}
	var c *client.Client
	var err error
	switch cfg.Security {
	case "tls":
		c, err = client.DialWithDialerTLS(d, addr, tc)
	case "starttls", "none":
		c, err = client.DialWithDialer(d, addr)
	default:
		return nil, nil, fmt.Errorf("imap: unknown security %q", cfg.Security)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("imap: connect to %s: %w", addr, err)
	}
	c.Timeout = imapTimeout
	stop := context.AfterFunc(ctx, func() { _ = c.Terminate() })
	done := func() {
		stop()
		_ = c.Logout()
	}
	if cfg.Security == "starttls" {
		if err := c.StartTLS(tc); err != nil {
			done()
			return nil, nil, fmt.Errorf("imap: STARTTLS: %w", err)
		}
	}
	if err := c.Login(cfg.Username, cfg.Password); err != nil {
		done()
		return nil, nil, fmt.Errorf("imap: login as %s: %w", cfg.Username, err)
	}
	return c, done, nil
}

// IMAPTest connects, logs in and opens the folder (and the folder to move
// to), reporting what failed.
func IMAPTest(ctx context.Context, cfg IMAPConfig) (messages uint32, err error) {
	c, done, err := dialIMAP(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer done()
	if cfg.MoveTo != "" {
		if _, err := c.Status(cfg.MoveTo, []imap.StatusItem{imap.StatusMessages}); err != nil {
			return 0, fmt.Errorf("imap: folder %q to move to: %w", cfg.MoveTo, err)
		}
	}
	st, err := c.Select(cfg.Folder, true)
	if err != nil {
		return 0, fmt.Errorf("imap: open folder %q: %w", cfg.Folder, err)
	}
	return st.Messages, nil
}

// IMAPPoll fetches up to max unseen messages of the folder, oldest first.
// Each is handed to store; only once store returns nil is the message
// flagged \Seen (or moved), so a message is never marked before it is
// safely kept. An error from store stops the poll, leaving that message
// and the rest for the next one.
func IMAPPoll(ctx context.Context, cfg IMAPConfig, max int, store func(raw io.Reader) error) (int, error) {
	c, done, err := dialIMAP(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer done()
	if _, err := c.Select(cfg.Folder, false); err != nil {
		return 0, fmt.Errorf("imap: open folder %q: %w", cfg.Folder, err)
	}
	crit := imap.NewSearchCriteria()
	crit.WithoutFlags = []string{imap.SeenFlag, imap.DeletedFlag}
	uids, err := c.UidSearch(crit)
	if err != nil {
		return 0, fmt.Errorf("imap: search: %w", err)
	}
	if len(uids) > max {
		uids = uids[:max]
	}
	section := &imap.BodySectionName{Peek: true}
	n := 0
	for _, uid := range uids {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		set := new(imap.SeqSet)
		set.AddNum(uid)
		ch := make(chan *imap.Message, 1)
		ferr := make(chan error, 1)
		go func() { ferr <- c.UidFetch(set, []imap.FetchItem{imap.FetchUid, section.FetchItem()}, ch) }()
		var body imap.Literal
		for msg := range ch {
			if b := msg.GetBody(section); b != nil {
				body = b
			}
		}
		if err := <-ferr; err != nil {
			return n, fmt.Errorf("imap: fetch %d: %w", uid, err)
		}
		if body == nil {
			continue // expunged meanwhile
		}
		if err := store(body); err != nil {
			return n, err
		}
		if cfg.MoveTo != "" {
			if err := c.UidMove(set, cfg.MoveTo); err != nil {
				return n, fmt.Errorf("imap: move %d to %q: %w", uid, cfg.MoveTo, err)
			}
		} else if err := c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []any{imap.SeenFlag}, nil); err != nil {
			return n, fmt.Errorf("imap: flag %d seen: %w", uid, err)
		}
		n++
	}
	return n, nil
}

package mail_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-imap"
	"github.com/sympoq/sympoq/internal/mail"
	"github.com/sympoq/sympoq/internal/mail/mailtest"
)

func testMessage(n int) []byte {
	return []byte(fmt.Sprintf("From: Sender %d <s%d@example.com>\r\nTo: support@acme.test\r\nSubject: Message %d\r\n"+
		"Message-ID: <imap-%d@example.com>\r\n\r\nBody %d\r\n", n, n, n, n, n))
}

func TestIMAPPollDovecot(t *testing.T) {
	d := mailtest.StartDovecot(t)
	ctx := context.Background()
	cfg := mail.IMAPConfig{Host: d.Host, Port: d.Port, Security: "none", Username: d.User, Password: d.Password, Folder: "INBOX"}
	for i := 1; i <= 3; i++ {
		d.Append(t, "INBOX", testMessage(i))
	}

	if n, err := mail.IMAPTest(ctx, cfg); err != nil || n != 3 {
		t.Fatalf("IMAPTest = %d, %v; want 3 messages", n, err)
	}
	bad := cfg
	bad.Password = "wrong"
	if _, err := mail.IMAPTest(ctx, bad); err == nil || strings.Contains(err.Error(), "wrong") {
		t.Errorf("IMAPTest with a wrong password = %v, want a login error without the password", err)
	}
	noFolder := cfg
	noFolder.Folder = "Nope"
	if _, err := mail.IMAPTest(ctx, noFolder); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Errorf("IMAPTest with a missing folder = %v, want an error naming it", err)
	}

	// The store fails on the second message: the first is flagged, the
	// others are left unseen for the next poll.
	var got []string
	fail := errors.New("disk full")
	n, err := mail.IMAPPoll(ctx, cfg, 100, func(r io.Reader) error {
		b, _ := io.ReadAll(r)
		if strings.Contains(string(b), "Message 2") {
			return fail
		}
		got = append(got, subjectLine(b))
		return nil
	})
	if !errors.Is(err, fail) || n != 1 || !slices.Equal(got, []string{"Message 1"}) {
		t.Fatalf("IMAPPoll = %d, %v, stored %v; want 1, the store's error, [Message 1]", n, err, got)
	}
	seen := seenCount(d.Flags(t, "INBOX"))
	if seen != 1 {
		t.Errorf("%d messages \\Seen after a failed store, want 1 (only the stored one)", seen)
	}

	// The next poll takes the rest, oldest first, and a poll after that
	// finds nothing.
	got = nil
	n, err = mail.IMAPPoll(ctx, cfg, 100, func(r io.Reader) error {
		b, _ := io.ReadAll(r)
		got = append(got, subjectLine(b))
		return nil
	})
	if err != nil || n != 2 || !slices.Equal(got, []string{"Message 2", "Message 3"}) {
		t.Fatalf("second IMAPPoll = %d, %v, %v; want 2 (Message 2, Message 3)", n, err, got)
	}
	if seen := seenCount(d.Flags(t, "INBOX")); seen != 3 {
		t.Errorf("%d messages \\Seen, want 3", seen)
	}
	n, err = mail.IMAPPoll(ctx, cfg, 100, func(io.Reader) error { t.Error("store called with nothing new"); return nil })
	if err != nil || n != 0 {
		t.Errorf("third IMAPPoll = %d, %v; want 0", n, err)
	}

	// With MoveTo, stored messages leave the folder; max bounds a poll.
	for i := 4; i <= 6; i++ {
		d.Append(t, "INBOX", testMessage(i))
	}
	d.Append(t, "Processed", testMessage(99)) // creates the folder
	moved := cfg
	moved.MoveTo = "Processed"
	n, err = mail.IMAPPoll(ctx, moved, 2, func(io.Reader) error { return nil })
	if err != nil || n != 2 {
		t.Fatalf("IMAPPoll with MoveTo = %d, %v; want 2 (the max)", n, err)
	}
	if inbox, processed := len(d.Flags(t, "INBOX")), len(d.Flags(t, "Processed")); inbox != 4 || processed != 3 {
		t.Errorf("after moving: INBOX %d, Processed %d; want 4 and 3", inbox, processed)
	}
}

func subjectLine(raw []byte) string {
	for _, l := range strings.Split(string(raw), "\r\n") {
		if s, ok := strings.CutPrefix(l, "Subject: "); ok {
			return s
		}
	}
	return ""
}

func seenCount(flags map[uint32][]string) int {
	n := 0
	for _, f := range flags {
		if slices.Contains(f, imap.SeenFlag) {
			n++
		}
	}
	return n
}

// TestIMAPTLSDovecot connects with STARTTLS and with TLS from the start,
// verifying the server's certificate.
func TestIMAPTLSDovecot(t *testing.T) {
	d := mailtest.StartDovecot(t)
	ctx := context.Background()
	d.Append(t, "INBOX", testMessage(1))
	trust := &tls.Config{RootCAs: d.RootCAs, ServerName: d.Host, MinVersion: tls.VersionTLS12}
	for _, tc := range []struct {
		security string
		port     int
	}{{"starttls", d.Port}, {"tls", d.TLSPort}} {
		cfg := mail.IMAPConfig{Host: d.Host, Port: tc.port, Security: tc.security, Username: d.User, Password: d.Password,
			Folder: "INBOX", TLS: trust}
		if n, err := mail.IMAPTest(ctx, cfg); err != nil || n != 1 {
			t.Errorf("%s: IMAPTest = %d, %v; want 1 message", tc.security, n, err)
		}
		// Without trusting the generated certificate, the connection is
		// refused: the password is never sent to an unverified server.
		cfg.TLS = nil
		if _, err := mail.IMAPTest(ctx, cfg); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s with the system roots = %v, want a certificate error", tc.security, err)
		}
	}
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sympoq/sympoq/client"
	"github.com/sympoq/sympoq/internal/mail/mailtest"
)

// TestServeSendsMailOverSMTP: with --smtp-url (the password from
// SYMPOQ_SMTP_PASSWORD) the server's notifications go to that SMTP server,
// the outbox directory stays empty, and the password is not printed.
func TestServeSendsMailOverSMTP(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Users: map[string]string{"desk": "pw-0f-the-relay"}})
	dataDir := t.TempDir()
	env := map[string]string{"SYMPOQ_ADMIN_API_KEY": "smtp-admin-key-0123456789", "SYMPOQ_DATA_DIR": dataDir,
		"SYMPOQ_DB": "sqlite:" + filepath.Join(t.TempDir(), "s.db"), "SYMPOQ_LOG_LEVEL": "debug",
		"SYMPOQ_SMTP_PASSWORD": "pw-0f-the-relay", "SYMPOQ_MAIL_FROM": "Help <help@desk.test>"}
	base, stdout, stop := startServer(t, env, "--smtp-url", fmt.Sprintf("smtp://desk@%s:%d?tls=none", srv.Host, srv.Port))
	c := newClient(t, base, "smtp-admin-key-0123456789")
	tk, err := c.CreateTicket(t.Context(), client.SubmitInput{Description: "Hello", Subject: "Over SMTP",
		Customer: &client.CustomerRef{Name: "Sue", Email: "sue@example.com"}})
	fatalIf(t, err, "CreateTicket")
	m := srv.Wait(t, 1, 20*time.Second)[0]
	if m.User != "desk" || len(m.To) != 1 || m.To[0] != "sue@example.com" || m.From != "help@desk.test" {
		t.Errorf("message from %q to %v as %q", m.From, m.To, m.User)
	}
	if got := m.Header.Get("X-Sympoq-Ticket"); got != tk.ID {
		t.Errorf("X-SympoQ-Ticket = %q, want %s", got, tk.ID)
	}
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	if files, _ := os.ReadDir(filepath.Join(dataDir, "outbox")); len(files) != 0 {
		t.Errorf("outbox has %d files, want none with --smtp-url", len(files))
	}
	if strings.Contains(stdout.String(), "pw-0f-the-relay") {
		t.Errorf("stdout shows the SMTP password")
	}
}

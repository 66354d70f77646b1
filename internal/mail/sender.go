package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// DirSender delivers mail by writing each message as an .eml file into Dir
// (created when missing): for development, tests, and installations without
// SMTP. A file appears whole or not at all, so a reader of Dir never sees half
// a message.
type DirSender struct {
	Dir    string
	Logger *slog.Logger // nil: no log
}

// Send writes m to a new file in s.Dir. It logs the recipient, subject and
// file name, never the body: bodies carry one-time links.
func (s DirSender) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := time.Now().UTC()
	b, err := m.Encode(now)
	if err != nil {
		return err
	}
	// The files hold secrets: readable by this user only.
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	var r [4]byte
	_, _ = rand.Read(r[:])
	name := now.Format("20060102T150405.000000Z") + "-" + hex.EncodeToString(r[:]) + ".eml"
	if err := writeFileAtomic(s.Dir, name, b); err != nil {
		return fmt.Errorf("write mail: %w", err)
	}
	if s.Logger != nil {
		s.Logger.InfoContext(ctx, "mail written", "to", m.To.Address, "subject", m.Subject, "file", name)
	}
	return nil
}

// writeFileAtomic writes data to a temporary file in dir, flushes it to disk
// and renames it to name, then flushes dir so the rename survives a crash.
func writeFileAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, ".tmp-*.eml") // mode 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

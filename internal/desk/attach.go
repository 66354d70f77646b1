package desk

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/blob"
)

// Option configures a Service.
type Option func(*Service)

// WithBlobs sets where attachment bytes are stored.
func WithBlobs(b *blob.Local) Option { return func(s *Service) { s.blobs = b } }

// AttachInput is one uploaded file.
type AttachInput struct {
	Name     string
	Body     io.Reader
	Internal bool // agents: visible to agents only
}

// AttachmentView is a stored attachment with the ticket after the upload.
type AttachmentView struct {
	*sympoq.Attachment
	Ticket *TicketView
}

// maxNameLen bounds a stored file name.
const maxNameLen = 200

// cleanName keeps the base name of an uploaded file without control
// characters or path separators.
func cleanName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > maxNameLen {
		name = string(r[len(r)-maxNameLen:])
	}
	if name == "" || name == "." || name == ".." {
		name = "attachment"
	}
	return name
}

// Attach stores a file with a ticket. The caller's right to add to the
// ticket is checked before a byte is stored; the bytes are durable before
// the event commits; limits (settings) give 413.
func (s *Service) Attach(ctx context.Context, a Actor, ref string, in AttachInput) (*AttachmentView, error) {
	if s.blobs == nil {
		return nil, sympoq.Errorf(sympoq.EConflict, "attachments are not configured on this server")
	}
	v, err := s.Ticket(ctx, a, ref, false)
	if err != nil {
		return nil, err
	}
	act := sympoq.ActNote
	if a.IsCustomer() {
		act = sympoq.ActCustomerReply
		if in.Internal {
			return nil, sympoq.FieldErr("internal", sympoq.FieldReadonly, "is for agents")
		}
	}
	if !sympoq.Can(a, act, v.Ref(v.CustomerUser.GroupID), v.Settings) {
		return nil, sympoq.Forbidden("your role may not add files to this ticket")
	}
	limits := v.Settings.Attachments
	info, err := s.blobs.Put(ctx, in.Body, int64(limits.MaxFileMB)<<20)
	if err != nil {
		if sympoq.ErrorCode(err) == sympoq.ETooLarge {
			return nil, sympoq.Errorf(sympoq.ETooLarge, "a file may be at most %d MB", limits.MaxFileMB)
		}
		return nil, err
	}
	// Unreferenced blobs (a failed transaction below) are removed later by
	// the orphan cleanup.
	var att *sympoq.Attachment
	tv, err := s.act(ctx, a, ref, func(c *change) error {
		if err := c.require(act, "add files to this ticket"); err != nil {
			return err
		}
		used, err := c.tx.AttachmentBytes(c.ctx, c.t.AccountID, c.t.ID)
		if err != nil {
			return err
		}
		if used+info.Size > int64(limits.MaxTicketMB)<<20 {
			return sympoq.Errorf(sympoq.ETooLarge, "a ticket's files may total at most %d MB", limits.MaxTicketMB)
		}
		att = &sympoq.Attachment{AccountID: c.t.AccountID, Ticket: c.t.ID, Name: cleanName(in.Name),
			ContentType: info.ContentType, Size: info.Size, SHA256: info.SHA256}
		if err := c.tx.CreateAttachment(c.ctx, att); err != nil {
			return err
		}
		vis := sympoq.Public
		if in.Internal {
			vis = sympoq.Internal
		}
		e := c.event(sympoq.EvAttachment, att.Name, "", vis, 0)
		e.Attachment = att.ID
		c.t.HasAttach = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &AttachmentView{Attachment: att, Ticket: tv}, nil
}

// OpenAttachment returns an attachment the caller may see and its bytes;
// the caller closes the file.
func (s *Service) OpenAttachment(ctx context.Context, a Actor, ref string, id int64) (*sympoq.Attachment, *os.File, error) {
	if s.blobs == nil {
		return nil, nil, sympoq.NotFound("attachment")
	}
	v, err := s.Ticket(ctx, a, ref, false)
	if err != nil {
		return nil, nil, err
	}
	tx := s.db.Read()
	att, err := tx.Attachment(ctx, a.AccountID, v.ID, id)
	if err != nil {
		return nil, nil, err
	}
	if v.ForCustomer {
		e, err := tx.AttachmentEvent(ctx, a.AccountID, att.ID)
		if err != nil {
			return nil, nil, err
		}
		if e.Visibility != sympoq.Public {
			return nil, nil, sympoq.NotFound("attachment")
		}
	}
	f, err := s.blobs.Open(ctx, att.SHA256)
	if err != nil {
		return nil, nil, err
	}
	return att, f, nil
}

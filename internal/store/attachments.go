package store

import (
	"context"

	"github.com/sympoq/sympoq"
)

// CreateAttachment inserts a's row and sets a.ID.
func (tx *Tx) CreateAttachment(ctx context.Context, a *sympoq.Attachment) error {
	a.Created = tx.now
	id, err := tx.insert(ctx, `INSERT INTO attachments (account_id, ticket_id, name, content_type, size, sha256, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.AccountID, a.Ticket, a.Name, a.ContentType, a.Size, a.SHA256, micros(a.Created))
	a.ID = id
	return err
}

// Attachment returns one attachment of a ticket.
func (tx *Tx) Attachment(ctx context.Context, accountID, ticketID, id int64) (*sympoq.Attachment, error) {
	a := &sympoq.Attachment{AccountID: accountID}
	var created nullInt
	err := tx.q.QueryRowContext(ctx, `SELECT id, ticket_id, name, content_type, size, sha256, created_at FROM attachments
		WHERE account_id = $1 AND ticket_id = $2 AND id = $3`, accountID, ticketID, id).
		Scan(&a.ID, &a.Ticket, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &created)
	if err != nil {
		return nil, mapErr(err, "attachment")
	}
	a.Created = fromMicros(created)
	return a, nil
}

// AttachmentBytes is the total size of a ticket's attachments.
func (tx *Tx) AttachmentBytes(ctx context.Context, accountID, ticketID int64) (int64, error) {
	var n int64
	err := tx.q.QueryRowContext(ctx, `SELECT coalesce(sum(size), 0) FROM attachments WHERE account_id = $1 AND ticket_id = $2`,
		accountID, ticketID).Scan(&n)
	return n, err
}

// AttachmentEvent returns the event that added an attachment.
func (tx *Tx) AttachmentEvent(ctx context.Context, accountID, attachmentID int64) (*sympoq.Event, error) {
	var ticketID, eventID int64
	err := tx.q.QueryRowContext(ctx, `SELECT ticket_id, id FROM events WHERE account_id = $1 AND attachment_id = $2 ORDER BY id LIMIT 1`,
		accountID, attachmentID).Scan(&ticketID, &eventID)
	if err != nil {
		return nil, mapErr(err, "attachment")
	}
	return tx.Event(ctx, accountID, ticketID, eventID)
}

// BlobReferenced reports whether any attachment or received email of any
// account uses the blob with this hash (for orphan cleanup).
func (tx *Tx) BlobReferenced(ctx context.Context, sha string) (bool, error) {
	var n int
	err := tx.q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM attachments WHERE sha256 = $1)
		+ (SELECT count(*) FROM inbound_mail WHERE blob_sha256 = $1)`, sha).Scan(&n)
	return n > 0, err
}

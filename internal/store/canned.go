package store

import (
	"context"

	"github.com/sympoq/sympoq"
)

// CreateCannedReply inserts c and sets c.ID.
func (tx *Tx) CreateCannedReply(ctx context.Context, c *sympoq.CannedReply) error {
	id, err := tx.insert(ctx, `INSERT INTO canned_replies (account_id, name, body, queue_id, owner_id) VALUES ($1, $2, $3, $4, $5)`,
		c.AccountID, c.Name, c.Body, nullID(c.Queue), nullID(c.Owner))
	c.ID = id
	return mapErr(err, "canned reply")
}

// UpdateCannedReply saves c.
func (tx *Tx) UpdateCannedReply(ctx context.Context, c *sympoq.CannedReply) error {
	res, err := tx.exec(ctx, `UPDATE canned_replies SET name = $1, body = $2, queue_id = $3, owner_id = $4
		WHERE account_id = $5 AND id = $6`, c.Name, c.Body, nullID(c.Queue), nullID(c.Owner), c.AccountID, c.ID)
	return checkAffected(res, err, "canned reply")
}

// DeleteCannedReply removes one.
func (tx *Tx) DeleteCannedReply(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM canned_replies WHERE account_id = $1 AND id = $2`, accountID, id)
	return checkAffected(res, err, "canned reply")
}

// CannedReplies lists the account's canned replies by name.
func (tx *Tx) CannedReplies(ctx context.Context, accountID int64) ([]*sympoq.CannedReply, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id, name, body, queue_id, owner_id FROM canned_replies
		WHERE account_id = $1 ORDER BY lower(name), id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sympoq.CannedReply
	for rows.Next() {
		c := &sympoq.CannedReply{AccountID: accountID}
		var q, o nullInt
		if err := rows.Scan(&c.ID, &c.Name, &c.Body, &q, &o); err != nil {
			return nil, err
		}
		c.Queue, c.Owner = q.Int64, o.Int64
		out = append(out, c)
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"strings"

	"github.com/sympoq/sympoq"
)

// CreateQueue inserts q with its permissions and addresses and sets q.ID.
func (tx *Tx) CreateQueue(ctx context.Context, q *sympoq.Queue) error {
	id, err := tx.insert(ctx, `INSERT INTO queues (account_id, name, sequence, created_at) VALUES ($1, $2, $3, $4)`,
		q.AccountID, q.Name, q.Sequence, micros(tx.now))
	if err != nil {
		return mapErr(err, "queue")
	}
	q.ID, q.Created = id, tx.now
	if err := tx.setQueuePermissions(ctx, q); err != nil {
		return err
	}
	return tx.setQueueAddresses(ctx, q)
}

// UpdateQueue saves q's name, sequence, permissions and addresses.
func (tx *Tx) UpdateQueue(ctx context.Context, q *sympoq.Queue) error {
	res, err := tx.exec(ctx, `UPDATE queues SET name = $1, sequence = $2 WHERE account_id = $3 AND id = $4`,
		q.Name, q.Sequence, q.AccountID, q.ID)
	if err := checkAffected(res, err, "queue"); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM queue_permissions WHERE account_id = $1 AND queue_id = $2`, q.AccountID, q.ID); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM queue_addresses WHERE account_id = $1 AND queue_id = $2`, q.AccountID, q.ID); err != nil {
		return err
	}
	if err := tx.setQueuePermissions(ctx, q); err != nil {
		return err
	}
	return tx.setQueueAddresses(ctx, q)
}

func (tx *Tx) setQueuePermissions(ctx context.Context, q *sympoq.Queue) error {
	if err := tx.authChanged(ctx, q.AccountID); err != nil {
		return err
	}
	for i := range q.Permissions {
		p := &q.Permissions[i]
		p.Queue = q.ID
		_, err := tx.exec(ctx, `INSERT INTO queue_permissions (account_id, queue_id, agent_id, role) VALUES ($1, $2, $3, $4)`,
			q.AccountID, q.ID, p.Agent, string(p.Role))
		if err != nil {
			return mapErr(err, "queue permission")
		}
	}
	return nil
}

func (tx *Tx) setQueueAddresses(ctx context.Context, q *sympoq.Queue) error {
	for _, a := range q.Addresses {
		_, err := tx.exec(ctx, `INSERT INTO queue_addresses (account_id, queue_id, address) VALUES ($1, $2, $3)`,
			q.AccountID, q.ID, strings.ToLower(a))
		if err != nil {
			return mapErr(err, "queue address")
		}
	}
	return nil
}

// DeleteQueue removes a queue with its permissions and addresses.
func (tx *Tx) DeleteQueue(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM queues WHERE account_id = $1 AND id = $2`, accountID, id)
	if err := checkAffected(res, err, "queue"); err != nil {
		return err
	}
	return tx.authChanged(ctx, accountID)
}

// Queue returns one queue with its permissions and addresses.
func (tx *Tx) Queue(ctx context.Context, accountID, id int64) (*sympoq.Queue, error) {
	qs, err := tx.queues(ctx, accountID, id)
	if err != nil {
		return nil, err
	}
	if len(qs) == 0 {
		return nil, sympoq.NotFound("queue")
	}
	return qs[0], nil
}

// QueueReplyTo returns a queue's name and its first inbound address ("" if
// it has none), in one row: what the email about one of its tickets needs,
// without the lists Queue loads.
func (tx *Tx) QueueReplyTo(ctx context.Context, accountID, id int64) (name, address string, err error) {
	err = tx.q.QueryRowContext(ctx, `SELECT q.name, COALESCE((SELECT min(a.address) FROM queue_addresses a
		WHERE a.account_id = q.account_id AND a.queue_id = q.id), '') FROM queues q WHERE q.account_id = $1 AND q.id = $2`,
		accountID, id).Scan(&name, &address)
	return name, address, mapErr(err, "queue")
}

// Queues lists the account's queues by sequence, with permissions and addresses.
func (tx *Tx) Queues(ctx context.Context, accountID int64) ([]*sympoq.Queue, error) {
	return tx.queues(ctx, accountID, 0)
}

func (tx *Tx) queues(ctx context.Context, accountID, only int64) ([]*sympoq.Queue, error) {
	rows, err := tx.queryAtOnce(ctx, `SELECT id, name, sequence, created_at FROM queues
		WHERE account_id = $1 AND (id = $2 OR $2 = 0) ORDER BY sequence, id`, accountID, only)
	if err != nil {
		return nil, err
	}
	var out []*sympoq.Queue
	byID := map[int64]*sympoq.Queue{}
	for rows.Next() {
		q := &sympoq.Queue{AccountID: accountID, Permissions: []sympoq.QueuePermission{}, Addresses: []string{}}
		var created nullInt
		if err := rows.Scan(&q.ID, &q.Name, &q.Sequence, &created); err != nil {
			rows.Close()
			return nil, err
		}
		q.Created = fromMicros(created)
		out = append(out, q)
		byID[q.ID] = q
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	rows, err = tx.queryAtOnce(ctx, `SELECT queue_id, agent_id, role FROM queue_permissions
		WHERE account_id = $1 AND (queue_id = $2 OR $2 = 0) ORDER BY queue_id, agent_id`, accountID, only)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var p sympoq.QueuePermission
		if err := rows.Scan(&p.Queue, &p.Agent, &p.Role); err != nil {
			rows.Close()
			return nil, err
		}
		if q := byID[p.Queue]; q != nil {
			q.Permissions = append(q.Permissions, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.queryAtOnce(ctx, `SELECT queue_id, address FROM queue_addresses
		WHERE account_id = $1 AND (queue_id = $2 OR $2 = 0) ORDER BY queue_id, address`, accountID, only)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a string
		if err := rows.Scan(&id, &a); err != nil {
			return nil, err
		}
		if q := byID[id]; q != nil {
			q.Addresses = append(q.Addresses, a)
		}
	}
	return out, rows.Err()
}

// SetAgentPermissions replaces the queue roles of one agent.
func (tx *Tx) SetAgentPermissions(ctx context.Context, accountID, agentID int64, perms []sympoq.QueuePermission) error {
	if err := tx.authChanged(ctx, accountID); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM queue_permissions WHERE account_id = $1 AND agent_id = $2`, accountID, agentID); err != nil {
		return err
	}
	for _, p := range perms {
		_, err := tx.exec(ctx, `INSERT INTO queue_permissions (account_id, queue_id, agent_id, role) VALUES ($1, $2, $3, $4)`,
			accountID, p.Queue, agentID, string(p.Role))
		if err != nil {
			return mapErr(err, "queue permission")
		}
	}
	return nil
}

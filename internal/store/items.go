package store

import (
	"context"

	"github.com/sympoq/sympoq"
)

// CreateTopic inserts t and sets t.ID.
func (tx *Tx) CreateTopic(ctx context.Context, t *sympoq.Topic) error {
	id, err := tx.insert(ctx, `INSERT INTO topics (account_id, name, active, sequence, queue_id) VALUES ($1, $2, $3, $4, $5)`,
		t.AccountID, t.Name, t.Active, t.Sequence, nullID(t.QueueID))
	t.ID = id
	return mapErr(err, "topic")
}

// UpdateTopic saves t.
func (tx *Tx) UpdateTopic(ctx context.Context, t *sympoq.Topic) error {
	res, err := tx.exec(ctx, `UPDATE topics SET name = $1, active = $2, sequence = $3, queue_id = $4 WHERE account_id = $5 AND id = $6`,
		t.Name, t.Active, t.Sequence, nullID(t.QueueID), t.AccountID, t.ID)
	return checkAffected(res, err, "topic")
}

// DeleteTopic removes a topic.
func (tx *Tx) DeleteTopic(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM topics WHERE account_id = $1 AND id = $2`, accountID, id)
	return checkAffected(res, err, "topic")
}

// Topic returns one topic.
func (tx *Tx) Topic(ctx context.Context, accountID, id int64) (*sympoq.Topic, error) {
	ts, err := tx.topics(ctx, accountID, id)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, sympoq.NotFound("topic")
	}
	return ts[0], nil
}

// Topics lists the account's topics by sequence.
func (tx *Tx) Topics(ctx context.Context, accountID int64) ([]*sympoq.Topic, error) {
	return tx.topics(ctx, accountID, 0)
}

func (tx *Tx) topics(ctx context.Context, accountID, only int64) ([]*sympoq.Topic, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id, name, active, sequence, queue_id FROM topics
		WHERE account_id = $1 AND (id = $2 OR $2 = 0) ORDER BY sequence, id`, accountID, only)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sympoq.Topic
	for rows.Next() {
		t := &sympoq.Topic{AccountID: accountID}
		var q nullInt
		if err := rows.Scan(&t.ID, &t.Name, &t.Active, &t.Sequence, &q); err != nil {
			return nil, err
		}
		t.QueueID = q.Int64
		out = append(out, t)
	}
	return out, rows.Err()
}

// CreateGroup inserts g and sets g.ID.
func (tx *Tx) CreateGroup(ctx context.Context, g *sympoq.Group) error {
	id, err := tx.insert(ctx, `INSERT INTO customer_groups (account_id, name, sequence) VALUES ($1, $2, $3)`,
		g.AccountID, g.Name, g.Sequence)
	g.ID = id
	return mapErr(err, "group")
}

// UpdateGroup saves g.
func (tx *Tx) UpdateGroup(ctx context.Context, g *sympoq.Group) error {
	res, err := tx.exec(ctx, `UPDATE customer_groups SET name = $1, sequence = $2 WHERE account_id = $3 AND id = $4`,
		g.Name, g.Sequence, g.AccountID, g.ID)
	if err := checkAffected(res, err, "group"); err != nil {
		return err
	}
	return tx.authChanged(ctx, g.AccountID)
}

// DeleteGroup removes a group; its customers are left without one.
func (tx *Tx) DeleteGroup(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM customer_groups WHERE account_id = $1 AND id = $2`, accountID, id)
	if err := checkAffected(res, err, "group"); err != nil {
		return err
	}
	return tx.authChanged(ctx, accountID)
}

// Group returns one customer group.
func (tx *Tx) Group(ctx context.Context, accountID, id int64) (*sympoq.Group, error) {
	gs, err := tx.groups(ctx, accountID, id, "")
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 {
		return nil, sympoq.NotFound("group")
	}
	return gs[0], nil
}

// GroupByName returns the customer group of that name (case-insensitive).
func (tx *Tx) GroupByName(ctx context.Context, accountID int64, name string) (*sympoq.Group, error) {
	gs, err := tx.groups(ctx, accountID, 0, name)
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 {
		return nil, sympoq.NotFound("group")
	}
	return gs[0], nil
}

// Groups lists the account's customer groups by sequence.
func (tx *Tx) Groups(ctx context.Context, accountID int64) ([]*sympoq.Group, error) {
	return tx.groups(ctx, accountID, 0, "")
}

func (tx *Tx) groups(ctx context.Context, accountID, only int64, name string) ([]*sympoq.Group, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id, name, sequence FROM customer_groups
		WHERE account_id = $1 AND (id = $2 OR $2 = 0) AND (lower(name) = lower($3) OR $3 = '') ORDER BY sequence, id`,
		accountID, only, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sympoq.Group
	for rows.Next() {
		g := &sympoq.Group{AccountID: accountID}
		if err := rows.Scan(&g.ID, &g.Name, &g.Sequence); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// CreateTag inserts t and sets t.ID.
func (tx *Tx) CreateTag(ctx context.Context, t *sympoq.Tag) error {
	id, err := tx.insert(ctx, `INSERT INTO tags (account_id, name) VALUES ($1, $2)`, t.AccountID, t.Name)
	t.ID = id
	return mapErr(err, "tag")
}

// EnsureTag adds a name to the tag list unless it is there (in any case),
// without failing or aborting the transaction on the race of two requests.
func (tx *Tx) EnsureTag(ctx context.Context, accountID int64, name string) error {
	_, err := tx.exec(ctx, `INSERT INTO tags (account_id, name) VALUES ($1, $2)
		ON CONFLICT (account_id, lower(name)) DO NOTHING`, accountID, name)
	return err
}

// UpdateTag renames t.
func (tx *Tx) UpdateTag(ctx context.Context, t *sympoq.Tag) error {
	res, err := tx.exec(ctx, `UPDATE tags SET name = $1 WHERE account_id = $2 AND id = $3`, t.Name, t.AccountID, t.ID)
	return checkAffected(res, err, "tag")
}

// DeleteTag removes a tag from the list.
func (tx *Tx) DeleteTag(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM tags WHERE account_id = $1 AND id = $2`, accountID, id)
	return checkAffected(res, err, "tag")
}

// Tag returns one tag.
func (tx *Tx) Tag(ctx context.Context, accountID, id int64) (*sympoq.Tag, error) {
	var t sympoq.Tag
	err := tx.q.QueryRowContext(ctx, `SELECT id, account_id, name FROM tags WHERE account_id = $1 AND id = $2`,
		accountID, id).Scan(&t.ID, &t.AccountID, &t.Name)
	if err != nil {
		return nil, mapErr(err, "tag")
	}
	return &t, nil
}

// Tags lists the account's tags by name.
func (tx *Tx) Tags(ctx context.Context, accountID int64) ([]*sympoq.Tag, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id, name FROM tags WHERE account_id = $1 ORDER BY lower(name), id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sympoq.Tag
	for rows.Next() {
		t := &sympoq.Tag{AccountID: accountID}
		if err := rows.Scan(&t.ID, &t.Name); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

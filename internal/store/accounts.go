package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sympoq/sympoq"
)

// CreateAccount inserts an account with its settings and the default queue.
func (tx *Tx) CreateAccount(ctx context.Context, name string) (*sympoq.Account, error) {
	a := &sympoq.Account{Name: name, Created: tx.now}
	id, err := tx.insert(ctx, `INSERT INTO accounts (name, created_at) VALUES ($1, $2)`, name, micros(tx.now))
	if err != nil {
		return nil, mapErr(err, "account")
	}
	a.ID = id
	q := &sympoq.Queue{AccountID: id, Name: sympoq.DefaultQueueName, Sequence: 10}
	if err := tx.CreateQueue(ctx, q); err != nil {
		return nil, err
	}
	s := sympoq.DefaultSettings()
	s.General.DefaultQueue = q.ID
	if _, err := tx.exec(ctx, `INSERT INTO settings (account_id, data, updated_at) VALUES ($1, $2, $3)`,
		id, mustJSON(s), micros(tx.now)); err != nil {
		return nil, fmt.Errorf("insert settings: %w", err)
	}
	return a, nil
}

// Account returns the account with the given id.
func (tx *Tx) Account(ctx context.Context, id int64) (*sympoq.Account, error) {
	return tx.scanAccount(tx.q.QueryRowContext(ctx, `SELECT id, name, created_at FROM accounts WHERE id = $1`, id))
}

// AccountByName returns the account with the given name.
func (tx *Tx) AccountByName(ctx context.Context, name string) (*sympoq.Account, error) {
	return tx.scanAccount(tx.q.QueryRowContext(ctx,
		`SELECT id, name, created_at FROM accounts WHERE lower(name) = $1`, strings.ToLower(name)))
}

// Accounts lists every account by name.
func (tx *Tx) Accounts(ctx context.Context) ([]*sympoq.Account, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id, name, created_at FROM accounts ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sympoq.Account
	for rows.Next() {
		a, err := tx.scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func (tx *Tx) scanAccount(s scanner) (*sympoq.Account, error) {
	var a sympoq.Account
	var created sql.NullInt64
	if err := s.Scan(&a.ID, &a.Name, &created); err != nil {
		return nil, mapErr(err, "account")
	}
	a.Created = fromMicros(created)
	return &a, nil
}

// Settings returns the account's settings. Fields added to the settings
// after the document was written keep their defaults.
func (tx *Tx) Settings(ctx context.Context, accountID int64) (*sympoq.Settings, error) {
	var data string
	err := tx.q.QueryRowContext(ctx, `SELECT data FROM settings WHERE account_id = $1`, accountID).Scan(&data)
	if err != nil {
		return nil, mapErr(err, "settings")
	}
	// Decoding is most of the cost of a read that nearly every request
	// makes, and the text rarely changes: the last decoded settings of each
	// account are kept with their text and used while it is the same.
	// Settings hold only values, so a copy shares nothing with the kept one.
	if c, ok := tx.db.settings.Load(accountID); ok && c.(*decodedSettings).data == data {
		s := c.(*decodedSettings).s
		return &s, nil
	}
	s := sympoq.DefaultSettings()
	if err := json.Unmarshal([]byte(data), &s); err != nil {
		return nil, fmt.Errorf("decode settings of account %d: %w", accountID, err)
	}
	tx.db.settings.Store(accountID, &decodedSettings{data: data, s: s})
	return &s, nil
}

// decodedSettings is an account's settings text and what it decodes to.
type decodedSettings struct {
	data string
	s    sympoq.Settings
}

// SaveSettings replaces the account's settings.
func (tx *Tx) SaveSettings(ctx context.Context, accountID int64, s *sympoq.Settings) error {
	_, err := tx.exec(ctx, `UPDATE settings SET data = $1, updated_at = $2 WHERE account_id = $3`,
		mustJSON(s), micros(tx.now), accountID)
	return err
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called on plain structs
	}
	return string(b)
}

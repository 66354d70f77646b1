package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/sympoq/sympoq"
)

// CreateCustomField inserts f and sets f.ID.
func (tx *Tx) CreateCustomField(ctx context.Context, f *sympoq.CustomField) error {
	id, err := tx.insert(ctx, `INSERT INTO custom_fields (account_id, label, key, type, options, required, customer_visible,
		customer_editable, topics, sequence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		f.AccountID, f.Label, f.Key, string(f.Type), mustJSON(orEmpty(f.Options)), f.Required, f.CustomerVisible,
		f.CustomerEditable, mustJSON(orEmptyIDs(f.Topics)), f.Sequence)
	f.ID = id
	return mapErr(err, "custom field")
}

// UpdateCustomField saves f.
func (tx *Tx) UpdateCustomField(ctx context.Context, f *sympoq.CustomField) error {
	res, err := tx.exec(ctx, `UPDATE custom_fields SET label = $1, key = $2, type = $3, options = $4, required = $5,
		customer_visible = $6, customer_editable = $7, topics = $8, sequence = $9 WHERE account_id = $10 AND id = $11`,
		f.Label, f.Key, string(f.Type), mustJSON(orEmpty(f.Options)), f.Required, f.CustomerVisible, f.CustomerEditable,
		mustJSON(orEmptyIDs(f.Topics)), f.Sequence, f.AccountID, f.ID)
	return checkAffected(res, err, "custom field")
}

// DeleteCustomField removes a field definition; values stored on tickets
// under its key stay but are no longer shown.
func (tx *Tx) DeleteCustomField(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM custom_fields WHERE account_id = $1 AND id = $2`, accountID, id)
	return checkAffected(res, err, "custom field")
}

// CustomFields lists the account's field definitions by sequence.
func (tx *Tx) CustomFields(ctx context.Context, accountID int64) ([]*sympoq.CustomField, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id, label, key, type, options, required, customer_visible, customer_editable,
		topics, sequence FROM custom_fields WHERE account_id = $1 ORDER BY sequence, id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*sympoq.CustomField{}
	for rows.Next() {
		f := &sympoq.CustomField{AccountID: accountID}
		var typ, opts, topics string
		if err := rows.Scan(&f.ID, &f.Label, &f.Key, &typ, &opts, &f.Required, &f.CustomerVisible, &f.CustomerEditable,
			&topics, &f.Sequence); err != nil {
			return nil, err
		}
		f.Type = sympoq.CustomFieldType(typ)
		if err := json.Unmarshal([]byte(opts), &f.Options); err != nil {
			return nil, fmt.Errorf("custom field %d options: %w", f.ID, err)
		}
		if err := json.Unmarshal([]byte(topics), &f.Topics); err != nil {
			return nil, fmt.Errorf("custom field %d topics: %w", f.ID, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func orEmptyIDs(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
)

// CreateAPIKey inserts k (its hash, never the key) and sets k.ID.
func (tx *Tx) CreateAPIKey(ctx context.Context, k *sympoq.APIKey) error {
	k.Created = tx.now
	id, err := tx.insert(ctx, `INSERT INTO api_keys (account_id, user_id, name, prefix, hash, scopes, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		k.AccountID, k.UserID, k.Name, k.Prefix, k.Hash, joinScopes(k.Scopes), micros(k.Created), micros(k.Expires))
	k.ID = id
	return mapErr(err, "api key")
}

const apiKeyColumns = `id, account_id, user_id, name, prefix, hash, scopes, created_at, expires_at, last_used_at, last_addr, revoked_at`

func scanAPIKey(s scanner) (*sympoq.APIKey, error) {
	var k sympoq.APIKey
	var t apiKeyScan
	if err := s.Scan(t.dests(&k)...); err != nil {
		return nil, mapErr(err, "api key")
	}
	t.finish(&k)
	return &k, nil
}

// apiKeyScan holds what scanning apiKeyColumns needs besides the key.
type apiKeyScan struct {
	scopes                          string
	created, expires, used, revoked nullInt
}

func (t *apiKeyScan) dests(k *sympoq.APIKey) []any {
	return []any{&k.ID, &k.AccountID, &k.UserID, &k.Name, &k.Prefix, &k.Hash, &t.scopes, &t.created, &t.expires,
		&t.used, &k.LastAddr, &t.revoked}
}

func (t *apiKeyScan) finish(k *sympoq.APIKey) {
	for _, s := range strings.Split(t.scopes, ",") {
		if s != "" {
			k.Scopes = append(k.Scopes, sympoq.Scope(s))
		}
	}
	k.Created, k.Expires, k.LastUsed, k.Revoked = fromMicros(t.created), fromMicros(t.expires), fromMicros(t.used), fromMicros(t.revoked)
}

// APIKeyWithUser finds the key with the given hash within an account
// together with its user and, for an agent, the queue permissions, in one
// query: this is every API request's authentication.
func (tx *Tx) APIKeyWithUser(ctx context.Context, accountID int64, hash string) (*sympoq.APIKey, *sympoq.User, error) {
	var k sympoq.APIKey
	var u sympoq.User
	var kt apiKeyScan
	var ut userScan
	var perms sql.NullString
	dests := append(append(kt.dests(&k), ut.dests(&u)...), &perms)
	err := tx.q.QueryRowContext(ctx, `SELECT `+apiKeyColumnsK+`, `+userColumns+`,
		(SELECT string_agg(p.queue_id || ':' || p.role, ',' ORDER BY q.sequence, q.id)
		 FROM queue_permissions p JOIN queues q ON q.id = p.queue_id
		 WHERE p.account_id = u.account_id AND p.agent_id = u.id)
		FROM api_keys k JOIN users u ON u.id = k.user_id AND u.account_id = k.account_id
		WHERE k.hash = $1 AND k.account_id = $2`, hash, accountID).Scan(dests...)
	if err != nil {
		return nil, nil, mapErr(err, "api key")
	}
	kt.finish(&k)
	ut.finish(&u)
	if u.IsAgent() {
		u.Permissions = []sympoq.QueuePermission{}
		for _, s := range strings.Split(perms.String, ",") {
			q, role, ok := strings.Cut(s, ":")
			id, err := strconv.ParseInt(q, 10, 64)
			if !ok || err != nil {
				continue
			}
			u.Permissions = append(u.Permissions, sympoq.QueuePermission{Agent: u.ID, Queue: id, Role: sympoq.QueueRole(role)})
		}
	}
	return &k, &u, nil
}

// apiKeyColumnsK is apiKeyColumns of table alias k.
var apiKeyColumnsK = prefixColumns("k.", apiKeyColumns)

// prefixColumns qualifies every column of a comma-separated list.
func prefixColumns(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// APIKeyByHash finds the key with the given hash within an account.
func (tx *Tx) APIKeyByHash(ctx context.Context, accountID int64, hash string) (*sympoq.APIKey, error) {
	return scanAPIKey(tx.q.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1 AND account_id = $2`, hash, accountID))
}

// APIKeys lists a user's keys, revoked ones included, newest first.
func (tx *Tx) APIKeys(ctx context.Context, accountID, userID int64) ([]*sympoq.APIKey, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE account_id = $1 AND user_id = $2 ORDER BY id DESC`, accountID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sympoq.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey revokes one of a user's keys. Revoking a revoked key is not found.
func (tx *Tx) RevokeAPIKey(ctx context.Context, accountID, userID, id int64) error {
	res, err := tx.exec(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE account_id = $2 AND user_id = $3 AND id = $4 AND revoked_at IS NULL`,
		micros(tx.now), accountID, userID, id)
	if err := checkAffected(res, err, "api key"); err != nil {
		return err
	}
	return tx.authChanged(ctx, accountID)
}

// TouchAPIKey records that a key was used, at most once per interval so
// that reads do not turn into a write each.
func (tx *Tx) TouchAPIKey(ctx context.Context, accountID, id int64, addr string, every time.Duration) error {
	_, err := tx.exec(ctx, `UPDATE api_keys SET last_used_at = $1, last_addr = $2
		WHERE account_id = $3 AND id = $4 AND (last_used_at IS NULL OR last_used_at < $5 OR last_addr <> $2)`,
		micros(tx.now), addr, accountID, id, tx.now.Add(-every).UnixMicro())
	return err
}

func joinScopes(s []sympoq.Scope) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = string(v)
	}
	return strings.Join(parts, ",")
}

// Token purposes.
const (
	TokenRegistration  = "registration"
	TokenPasswordReset = "password_reset"
)

// CreateUserToken stores the hash of a one-time token and invalidates the
// user's earlier unused tokens of the same purpose.
func (tx *Tx) CreateUserToken(ctx context.Context, accountID, userID int64, purpose, hash string, ttl time.Duration) error {
	if _, err := tx.exec(ctx, `UPDATE user_tokens SET used_at = $1 WHERE account_id = $2 AND user_id = $3 AND purpose = $4 AND used_at IS NULL`,
		micros(tx.now), accountID, userID, purpose); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO user_tokens (account_id, user_id, purpose, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		accountID, userID, purpose, hash, micros(tx.now), micros(tx.now.Add(ttl)))
	return err
}

// UseUserToken consumes a valid token and returns its user id.
func (tx *Tx) UseUserToken(ctx context.Context, accountID int64, purpose, hash string) (int64, error) {
	var id, userID int64
	err := tx.q.QueryRowContext(ctx, `SELECT id, user_id FROM user_tokens WHERE account_id = $1 AND purpose = $2 AND hash = $3
		AND used_at IS NULL AND expires_at > $4`, accountID, purpose, hash, micros(tx.now)).Scan(&id, &userID)
	if err != nil {
		return 0, mapErr(err, "token")
	}
	_, err = tx.exec(ctx, `UPDATE user_tokens SET used_at = $1 WHERE id = $2`, micros(tx.now), id)
	return userID, err
}

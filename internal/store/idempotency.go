package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"
)

// IdempotencyRecord is what is kept of a POST made with an Idempotency-Key.
type IdempotencyRecord struct {
	InFlight bool
	BodyHash string
	Status   int
	Headers  map[string]string
	Body     []byte
}

// ClaimIdempotencyKey claims key for one request of an API key. It reports
// true when the caller should run the request (a fresh key, or a claim left
// in flight since before stale by a crashed process); otherwise it returns
// the record of the earlier request.
func (tx *Tx) ClaimIdempotencyKey(ctx context.Context, accountID, apiKeyID int64, key, hash string, stale time.Time) (bool, *IdempotencyRecord, error) {
	var one int
	err := tx.q.QueryRowContext(ctx, `INSERT INTO idempotency_keys (account_id, api_key_id, key, method_path, body_hash, state, created_at)
		VALUES ($1, $2, $3, '', $4, 'in_flight', $5) ON CONFLICT (account_id, api_key_id, key) DO NOTHING RETURNING 1`,
		accountID, apiKeyID, key, hash, micros(tx.now)).Scan(&one)
	if err == nil {
		return true, nil, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, nil, err
	}
	var rec IdempotencyRecord
	var state, headers string
	var created int64
	err = tx.q.QueryRowContext(ctx, `SELECT state, body_hash, status, headers, body, created_at FROM idempotency_keys
		WHERE account_id = $1 AND api_key_id = $2 AND key = $3`, accountID, apiKeyID, key).
		Scan(&state, &rec.BodyHash, &rec.Status, &headers, &rec.Body, &created)
	if err != nil {
		return false, nil, err
	}
	rec.InFlight = state == "in_flight"
	if err := json.Unmarshal([]byte(headers), &rec.Headers); err != nil {
		return false, nil, err
	}
	if rec.InFlight && rec.BodyHash == hash && created < stale.UnixMicro() {
		res, err := tx.exec(ctx, `UPDATE idempotency_keys SET created_at = $1 WHERE account_id = $2 AND api_key_id = $3
			AND key = $4 AND state = 'in_flight' AND created_at = $5`, micros(tx.now), accountID, apiKeyID, key, created)
		if err != nil {
			return false, nil, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return true, nil, nil
		}
	}
	return false, &rec, nil
}

// FinishIdempotencyKey stores the response of a claimed request.
func (tx *Tx) FinishIdempotencyKey(ctx context.Context, accountID, apiKeyID int64, key string, status int, headers map[string]string, body []byte) error {
	_, err := tx.exec(ctx, `UPDATE idempotency_keys SET state = 'done', status = $1, headers = $2, body = $3
		WHERE account_id = $4 AND api_key_id = $5 AND key = $6`, status, mustJSON(headers), body, accountID, apiKeyID, key)
	return err
}

// ReleaseIdempotencyKey forgets a claim whose request failed on the server's
// side, so that a retry runs it again.
func (tx *Tx) ReleaseIdempotencyKey(ctx context.Context, accountID, apiKeyID int64, key string) error {
	_, err := tx.exec(ctx, `DELETE FROM idempotency_keys WHERE account_id = $1 AND api_key_id = $2 AND key = $3`, accountID, apiKeyID, key)
	return err
}

// ExpireIdempotencyKeys deletes records created before cutoff, at most
// limit of them, and reports how many went.
func (tx *Tx) ExpireIdempotencyKeys(ctx context.Context, cutoff time.Time, limit int) (int64, error) {
	res, err := tx.exec(ctx, `DELETE FROM idempotency_keys WHERE (account_id, api_key_id, key) IN (
		SELECT account_id, api_key_id, key FROM idempotency_keys WHERE created_at < $1 LIMIT $2)`, cutoff.UnixMicro(), limit)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

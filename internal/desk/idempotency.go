package desk

import (
	"context"
	"time"

	"github.com/sympoq/sympoq/internal/store"
)

// IdempotencyTTL is how long a response is kept for replay (api.md §6).
const IdempotencyTTL = 24 * time.Hour

// idempotencyStale is when an in-flight claim counts as abandoned (its
// process died): well past the longest request.
const idempotencyStale = 5 * time.Minute

// IdempotencyRecord is the earlier request of an Idempotency-Key.
type IdempotencyRecord = store.IdempotencyRecord

// ClaimIdempotencyKey claims an Idempotency-Key of an API key for a request
// whose method, path and body hash to hash. It returns true when the
// request should run; otherwise the earlier request's record (in flight,
// or its response). Records live in the database, so every process sees
// them.
func (s *Service) ClaimIdempotencyKey(ctx context.Context, accountID, apiKeyID int64, key, hash string) (bool, *IdempotencyRecord, error) {
	var claimed bool
	var rec *IdempotencyRecord
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		claimed, rec, err = tx.ClaimIdempotencyKey(ctx, accountID, apiKeyID, key, hash, tx.Now().Add(-idempotencyStale))
		return err
	})
	return claimed, rec, err
}

// FinishIdempotencyKey stores the response of a claimed request; a server
// error releases the claim instead, so that a retry runs again.
func (s *Service) FinishIdempotencyKey(ctx context.Context, accountID, apiKeyID int64, key string, status int, headers map[string]string, body []byte) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if status >= 500 {
			return tx.ReleaseIdempotencyKey(ctx, accountID, apiKeyID, key)
		}
		return tx.FinishIdempotencyKey(ctx, accountID, apiKeyID, key, status, headers, body)
	})
}

// ExpireIdempotencyKeys is the job that forgets responses after 24 hours.
type ExpireIdempotencyKeys struct{}

// Kind names the job.
func (ExpireIdempotencyKeys) Kind() string { return "expire_idempotency_keys" }

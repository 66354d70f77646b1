package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/sympoq/sympoq"
)

const sessionColumns = `id, account_id, user_id, hash, created_at, last_seen_at, expires_at, addr, user_agent, flash`

func scanSession(s scanner) (*sympoq.Session, error) {
	var ss sympoq.Session
	var created, seen, expires sql.NullInt64
	if err := s.Scan(&ss.ID, &ss.AccountID, &ss.UserID, &ss.Hash, &created, &seen, &expires, &ss.Addr, &ss.UserAgent, &ss.Flash); err != nil {
		return nil, mapErr(err, "session")
	}
	ss.Created, ss.LastSeen, ss.Expires = fromMicros(created), fromMicros(seen), fromMicros(expires)
	return &ss, nil
}

// CreateSession stores a new session and sets its id.
func (tx *Tx) CreateSession(ctx context.Context, s *sympoq.Session) error {
	id, err := tx.insert(ctx, `INSERT INTO sessions (account_id, user_id, hash, created_at, last_seen_at, expires_at, addr, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		s.AccountID, s.UserID, s.Hash, micros(s.Created), micros(s.LastSeen), micros(s.Expires), s.Addr, s.UserAgent)
	if err != nil {
		return mapErr(err, "session")
	}
	s.ID = id
	return nil
}

// SessionByHash returns the unexpired session whose token hashes to hash.
// An expired session is not found: expiry is decided here, at query time.
func (tx *Tx) SessionByHash(ctx context.Context, accountID int64, hash string) (*sympoq.Session, error) {
	return scanSession(tx.q.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE account_id = $1 AND hash = $2 AND expires_at > $3`, accountID, hash, micros(tx.now)))
}

// TouchSession records that the session was seen and moves its expiry.
func (tx *Tx) TouchSession(ctx context.Context, accountID, id int64, addr string, expires time.Time) error {
	_, err := tx.exec(ctx, `UPDATE sessions SET last_seen_at = $1, expires_at = $2, addr = $3 WHERE account_id = $4 AND id = $5`,
		micros(tx.now), micros(expires), addr, accountID, id)
	return err
}

// SetSessionFlash stores the one-time message of a session ("" clears it).
func (tx *Tx) SetSessionFlash(ctx context.Context, accountID, id int64, flash string) error {
	_, err := tx.exec(ctx, `UPDATE sessions SET flash = $1 WHERE account_id = $2 AND id = $3`, flash, accountID, id)
	return err
}

// TakeSessionFlash returns the session's one-time message and clears it.
func (tx *Tx) TakeSessionFlash(ctx context.Context, accountID, id int64) (string, error) {
	var flash string
	err := tx.q.QueryRowContext(ctx, `SELECT flash FROM sessions WHERE account_id = $1 AND id = $2`, accountID, id).Scan(&flash)
	if err != nil {
		return "", mapErr(err, "session")
	}
	if flash == "" {
		return "", nil
	}
	_, err = tx.exec(ctx, `UPDATE sessions SET flash = '' WHERE account_id = $1 AND id = $2`, accountID, id)
	return flash, err
}

// Sessions lists a user's unexpired sessions, the most recently seen first.
func (tx *Tx) Sessions(ctx context.Context, accountID, userID int64) ([]*sympoq.Session, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE account_id = $1 AND user_id = $2 AND expires_at > $3 ORDER BY last_seen_at DESC, id DESC`, accountID, userID, micros(tx.now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sympoq.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DeleteSession ends one session of a user; deleting a session that is
// already gone is not an error (logout twice).
func (tx *Tx) DeleteSession(ctx context.Context, accountID, userID, id int64) error {
	_, err := tx.exec(ctx, `DELETE FROM sessions WHERE account_id = $1 AND user_id = $2 AND id = $3`, accountID, userID, id)
	return err
}

// DeleteSessions ends every session of a user except keep (0: all), and
// the user's expired ones with them.
func (tx *Tx) DeleteSessions(ctx context.Context, accountID, userID, keep int64) (int, error) {
	res, err := tx.exec(ctx, `DELETE FROM sessions WHERE account_id = $1 AND user_id = $2 AND id <> $3`, accountID, userID, keep)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteExpiredSessions removes a user's expired sessions, so the table
// does not grow with every login.
func (tx *Tx) DeleteExpiredSessions(ctx context.Context, accountID, userID int64) error {
	_, err := tx.exec(ctx, `DELETE FROM sessions WHERE account_id = $1 AND user_id = $2 AND expires_at <= $3`, accountID, userID, micros(tx.now))
	return err
}

// ExpireSessions deletes up to limit sessions, of any account, that expired
// before now: the hourly sweep of a maintenance job.
func (tx *Tx) ExpireSessions(ctx context.Context, now time.Time, limit int) (int64, error) {
	res, err := tx.exec(ctx, `DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at <= $1 LIMIT $2)`,
		micros(now), limit)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

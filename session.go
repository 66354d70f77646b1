package sympoq

import "time"

// Session is a signed-in browser: the web pages' proof of who the user is.
// Only the SHA-256 of its token is stored; the token itself lives in the
// browser's cookie.
type Session struct {
	ID        int64
	AccountID int64
	UserID    int64
	Hash      string
	Created   time.Time
	LastSeen  time.Time
	Expires   time.Time
	Addr      string
	UserAgent string
	// Flash is a one-time message for the next page the session sees.
	Flash string
}

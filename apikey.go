package sympoq

import "time"

// Scope is what an API key may do.
type Scope string

// The scopes. Reads are GET and HEAD; writes everything else.
const (
	ScopeRead  Scope = "read"
	ScopeWrite Scope = "write"
)

// APIKey is a personal key of a user. Only the hash of the key is stored;
// Prefix (the first characters) lets a user tell keys apart.
type APIKey struct {
	ID        int64
	AccountID int64
	UserID    int64
	Name      string
	Prefix    string
	Hash      string
	Scopes    []Scope
	Created   time.Time
	Expires   time.Time // zero: never
	LastUsed  time.Time // zero: never
	LastAddr  string
	Revoked   time.Time // zero: active
}

// Has reports whether k carries scope s.
func (k *APIKey) Has(s Scope) bool {
	for _, v := range k.Scopes {
		if v == s {
			return true
		}
	}
	return false
}

// Usable reports whether k may authenticate at now.
func (k *APIKey) Usable(now time.Time) bool {
	return k.Revoked.IsZero() && (k.Expires.IsZero() || now.Before(k.Expires))
}

package sympoq

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// User is an agent or a customer: one identity model for both (product.md §2).
// Fields that belong to one kind only are zero for the other.
type User struct {
	ID            int64
	AccountID     int64
	Kind          UserKind
	Name          string
	Email         string // may be empty for customers known only by phone
	Username      string // may be empty for unregistered customers
	PasswordHash  string // never leaves the server
	Avatar        string
	Active        bool
	Notifications bool
	Created       time.Time
	Updated       time.Time

	// Agents.
	Administrator bool
	Signature     string
	Permissions   []QueuePermission

	// Customers.
	Role       CustomerRole
	GroupID    int64 // 0: no group
	Group      string
	Company    string
	URL        string
	Country    string
	Region     string
	Address    string
	Postcode   string
	City       string
	Phone      string
	Mobile     string
	ExternalID string
	Registered bool
}

// IsAgent reports whether u is staff.
func (u *User) IsAgent() bool { return u.Kind == KindAgent }

// QueuePermission is one (queue, role) pair of an agent. An agent has at most
// one role per queue.
type QueuePermission struct {
	Queue int64     `json:"queue"`
	Agent int64     `json:"agent"`
	Role  QueueRole `json:"role"`
}

// Lengths of free-text user fields.
const (
	MaxNameLen      = 255
	MaxEmailLen     = 254
	MaxShortLen     = 255
	MaxSignatureLen = 10000
	MaxPasswordLen  = 256
)

// MinPasswordFloor is the lowest minimum password length an account may set.
const MinPasswordFloor = 5

// ValidateUsername checks the rule of product.md §2: 5–31 characters of
// letters, digits, '-', '_', '@', '.'.
func ValidateUsername(s string) (code, msg string) {
	n := utf8.RuneCountInString(s)
	if n < 5 || n > 31 {
		return FieldInvalid, "must be 5-31 characters long"
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' || r == '_' || r == '@' || r == '.'
		if !ok {
			return FieldInvalid, "may contain only letters, digits, '-', '_', '@' and '.'"
		}
	}
	return "", ""
}

// ValidateEmail checks that s is one plain address (no display name).
func ValidateEmail(s string) (code, msg string) {
	if len(s) > MaxEmailLen {
		return FieldTooLong, "must be at most 254 characters"
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s, "@") {
		return FieldInvalid, "must be an email address like name@example.com"
	}
	return "", ""
}

// ValidatePassword checks a new password against the account's minimum length.
func ValidatePassword(s string, min int) (code, msg string) {
	if min < MinPasswordFloor {
		min = MinPasswordFloor
	}
	n := utf8.RuneCountInString(s)
	if n < min {
		return FieldInvalid, fmt.Sprintf("must be at least %d characters long", min)
	}
	if len(s) > MaxPasswordLen {
		return FieldTooLong, "must be at most 256 bytes"
	}
	return "", ""
}

// CheckText adds a problem when s is longer than max characters or holds
// invalid UTF-8 or control characters other than newlines and tabs.
func CheckText(p *Problems, field, s string, max int, multiline bool) {
	if !utf8.ValidString(s) {
		p.Add(field, FieldInvalid, "must be valid UTF-8")
		return
	}
	if utf8.RuneCountInString(s) > max {
		p.Add(field, FieldTooLong, "must be at most %d characters", max)
		return
	}
	for _, r := range s {
		if r < 0x20 && !(multiline && (r == '\n' || r == '\r' || r == '\t')) || r == 0x7f {
			p.Add(field, FieldInvalid, "must not contain control characters")
			return
		}
	}
}

package sympoq

import (
	"regexp"
	"time"
)

// DefaultAccountName is the account every request belongs to in
// single-account mode, and the one created on first start.
const DefaultAccountName = "default"

// Account is one tenant of a deployment. Every other row belongs to exactly one.
type Account struct {
	ID      int64
	Name    string
	Created time.Time
}

var accountNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{1,61})[a-z0-9]$`)

// ValidateAccountName checks the rule of product.md §1: 3–63 characters of
// a-z, 0-9 and '-', not starting or ending with '-'.
func ValidateAccountName(name string) error {
	if !accountNameRE.MatchString(name) {
		return FieldErr("name", FieldInvalid, "must be 3-63 characters of a-z, 0-9 and '-', not starting or ending with '-'")
	}
	return nil
}

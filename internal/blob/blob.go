// Package blob stores the contents of attachments, addressed by their
// SHA-256 (product.md §4.4). It owns the bytes only: which ticket, message
// or account a blob belongs to lives in the database, and this package never
// reads it — callers record the hash in their own rows and tell
// CleanOrphans which hashes are still referenced.
//
// Blobs are immutable and deduplicated: the same bytes are stored once, so a
// hash may be referenced by several rows, and Delete is only for a caller
// that knows none refers to it any more. CleanOrphans is the safe way to
// reclaim space.
//
// One store holds one account's files: give each account its own directory,
// so that no file mixes accounts (product.md §1) and CleanOrphans asks about
// that account's rows only.
package blob

import (
	"regexp"

	"github.com/sympoq/sympoq"
)

// Info describes a stored blob.
type Info struct {
	SHA256      string // lower-case hex, 64 characters
	Size        int64  // bytes
	ContentType string // sniffed from the first 512 bytes by http.DetectContentType
}

var shaRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// validSHA reports whether s can name a blob. It is the only guard between
// a hash taken from a request or a row and a path on disk.
func validSHA(s string) bool { return shaRE.MatchString(s) }

func notFound() error { return sympoq.NotFound("attachment") }

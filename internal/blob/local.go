package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sympoq/sympoq"
)

// Local keeps blobs as files in a directory: dir/ab/cd/abcd… for the hash
// abcd…, and uploads in progress in dir/tmp. It is safe for concurrent use.
type Local struct {
	dir string

	// mu orders a Put's final rename against CleanOrphans' last look
	// before a removal, so that a blob made fresh again by a Put is never
	// removed as an orphan. Many Puts may rename at once.
	mu sync.RWMutex
}

// NewLocal opens the store in dir, creating it (mode 0700) when needed.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	return &Local{dir: dir}, nil
}

// Put stores the bytes of r and returns their hash, size and content type.
// It reads r as a stream (never holding the whole file in memory) and
// fails with a too_large *sympoq.Error as soon as more than max bytes have
// arrived (max <= 0: no limit), and with an invalid_value error on field
// "file" when r is empty. It returns only once the blob is durable on
// disk, so the caller may commit the row that refers to it afterwards.
// Storing bytes that are already there succeeds and keeps one copy.
func (l *Local) Put(ctx context.Context, r io.Reader, max int64) (info Info, err error) {
	tmp, err := os.CreateTemp(filepath.Join(l.dir, "tmp"), "put-*")
	if err != nil {
		return Info{}, fmt.Errorf("put blob: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close() // a second Close after the one below only returns an error
			os.Remove(tmp.Name())
		}
	}()

	if max > 0 && max < math.MaxInt64 {
		r = io.LimitReader(r, max+1) // one byte more tells "too large" from "exactly max"
	}
	h := sha256.New()
	var head []byte // the first 512 bytes, for sniffing
	buf := make([]byte, 32<<10)
	for {
		if err := ctx.Err(); err != nil {
			return Info{}, err
		}
		n, rerr := r.Read(buf)
		if n > 0 {
			if max > 0 && info.Size+int64(n) > max {
				return Info{}, sympoq.Errorf(sympoq.ETooLarge, "file is larger than the limit of %d bytes", max)
			}
			if len(head) < 512 {
				head = append(head, buf[:min(n, 512-len(head))]...)
			}
			h.Write(buf[:n])
			if _, err := tmp.Write(buf[:n]); err != nil {
				return Info{}, fmt.Errorf("put blob: %w", err)
			}
			info.Size += int64(n)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return Info{}, fmt.Errorf("put blob: read: %w", rerr)
		}
	}
	if info.Size == 0 {
		return Info{}, sympoq.FieldErr("file", sympoq.FieldInvalid, "is empty")
	}
	info.SHA256 = hex.EncodeToString(h.Sum(nil))
	info.ContentType = http.DetectContentType(head)

	if err := tmp.Sync(); err != nil {
		return Info{}, fmt.Errorf("put blob: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Info{}, fmt.Errorf("put blob: %w", err)
	}
	shard, err := l.mkShard(info.SHA256)
	if err != nil {
		return Info{}, fmt.Errorf("put blob: %w", err)
	}
	if err := l.place(tmp.Name(), filepath.Join(shard, info.SHA256)); err != nil {
		return Info{}, fmt.Errorf("put blob: %w", err)
	}
	if err := syncDir(shard); err != nil {
		return Info{}, fmt.Errorf("put blob: %w", err)
	}
	return info, nil
}

// place moves the finished temporary file to its address. Renaming over an
// existing blob is harmless (the content is the same by construction) and
// leaves a file with a fresh modification time, which keeps CleanOrphans
// off a blob that a new row is about to reference.
func (l *Local) place(tmp, target string) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	err := os.Rename(tmp, target)
	if err == nil {
		return nil
	}
	// Some systems refuse to replace a file that is open for reading;
	// the blob is there, so only its age needs refreshing.
	if _, serr := os.Stat(target); serr != nil {
		return err
	}
	now := time.Now()
	if err := os.Chtimes(target, now, now); err != nil {
		return err
	}
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// mkShard creates dir/ab/cd for sha when missing, and syncs the parent of
// every directory it creates so that the new entries survive a crash.
func (l *Local) mkShard(sha string) (string, error) {
	parent := l.dir
	for _, name := range []string{sha[0:2], sha[2:4]} {
		d := filepath.Join(parent, name)
		err := os.Mkdir(d, 0o700)
		switch {
		case err == nil:
			if err := syncDir(parent); err != nil {
				return "", err
			}
		case !errors.Is(err, fs.ErrExist):
			return "", err
		}
		parent = d
	}
	return parent, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func (l *Local) path(sha string) string {
	return filepath.Join(l.dir, sha[0:2], sha[2:4], sha)
}

// Open returns the blob with hash sha for reading; the caller closes it. A
// hash that is malformed or not stored is a not_found *sympoq.Error.
func (l *Local) Open(ctx context.Context, sha string) (*os.File, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !validSHA(sha) {
		return nil, notFound()
	}
	f, err := os.Open(l.path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("open blob: %w", err)
	}
	return f, nil
}

// Delete removes the blob with hash sha; a blob that is not there is not
// an error, a malformed hash is a not_found *sympoq.Error. Blobs are
// shared by identical uploads, so call it only when no row refers to sha.
func (l *Local) Delete(ctx context.Context, sha string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !validSHA(sha) {
		return notFound()
	}
	if err := os.Remove(l.path(sha)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete blob: %w", err)
	}
	return nil
}

// CleanOrphans removes every blob last written more than olderThan ago for
// which referenced returns false, and every temporary file of an upload
// untouched for as long (one that crashed or was abandoned). It returns how
// many files it removed. The age guard is what keeps a blob whose row is
// not committed yet: olderThan must be longer than any upload's
// transaction, an hour or more. Files that are not blobs are left alone.
func (l *Local) CleanOrphans(ctx context.Context, referenced func(sha string) (bool, error), olderThan time.Duration) (removed int, err error) {
	cutoff := time.Now().Add(-olderThan)
	err = filepath.WalkDir(l.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(l.dir, path)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if d.IsDir() {
			// Descend into tmp and the two shard levels only.
			if rel == "tmp" || len(parts) <= 2 && isHex(parts[len(parts)-1], 2) {
				return nil
			}
			return fs.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed meanwhile
		}
		if err != nil {
			return err
		}
		if !fi.ModTime().Before(cutoff) {
			return nil
		}
		if len(parts) == 2 && parts[0] == "tmp" {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			removed++
			return nil
		}
		sha := d.Name()
		if len(parts) != 3 || !validSHA(sha) || parts[0] != sha[0:2] || parts[1] != sha[2:4] {
			return nil
		}
		ok, err := referenced(sha)
		if err != nil {
			return fmt.Errorf("blob %s: %w", sha, err)
		}
		if ok {
			return nil
		}
		gone, err := l.removeIfOld(path, cutoff)
		if gone {
			removed++
		}
		return err
	})
	if err != nil {
		return removed, fmt.Errorf("clean orphan blobs: %w", err)
	}
	return removed, nil
}

// removeIfOld removes path unless a Put has renewed it since it was
// found old.
func (l *Local) removeIfOld(path string, cutoff time.Time) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.ModTime().Before(cutoff) {
		return false, nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return true, nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

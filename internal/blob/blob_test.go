package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/blob"
)

// newStore opens a store in a fresh directory and returns it with that
// directory.
func newStore(t *testing.T) (*blob.Local, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "blobs")
	l, err := blob.NewLocal(dir)
	if err != nil {
		t.Fatalf("NewLocal: %v", err)
	}
	return l, dir
}

// files lists the regular files under dir, as slash paths relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func blobPath(sha string) string { return sha[0:2] + "/" + sha[2:4] + "/" + sha }

func put(t *testing.T, l *blob.Local, data []byte) blob.Info {
	t.Helper()
	info, err := l.Put(context.Background(), bytes.NewReader(data), 0)
	if err != nil {
		t.Fatalf("Put(%d bytes): %v", len(data), err)
	}
	return info
}

func TestNewLocal(t *testing.T) {
	_, dir := newStore(t)
	for _, d := range []string{dir, filepath.Join(dir, "tmp")} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, want a directory with 0700", d, fi.Mode())
		}
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	l, dir := newStore(t)
	// More than one read buffer, so the hash spans several writes.
	data := bytes.Repeat([]byte("hello, world\n"), 20000)
	info := put(t, l, data)

	want := blob.Info{SHA256: hashOf(data), Size: int64(len(data)), ContentType: "text/plain; charset=utf-8"}
	if diff := cmp.Diff(want, info); diff != "" {
		t.Errorf("Put info (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{blobPath(info.SHA256)}, files(t, dir)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	fi, err := os.Stat(filepath.Join(dir, blobPath(info.SHA256)))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("blob mode = %v, want 0600", fi.Mode().Perm())
	}

	f, err := l.Open(ctx, info.SHA256)
	if err != nil {
		t.Fatalf("Open(%s): %v", info.SHA256, err)
	}
	defer f.Close()
	var rsc io.ReadSeekCloser = f
	got, err := io.ReadAll(rsc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("Open read %d bytes, want the %d put", len(got), len(data))
	}
	if _, err := rsc.Seek(7, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 5)
	if _, err := io.ReadFull(rsc, head); err != nil || string(head) != "world" {
		t.Errorf("read after Seek(7) = %q, %v, want \"world\"", head, err)
	}
}

func TestPutSameContentTwice(t *testing.T) {
	l, dir := newStore(t)
	data := []byte("the same attachment, twice")
	first := put(t, l, data)
	second := put(t, l, data)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("second Put info differs (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff([]string{blobPath(first.SHA256)}, files(t, dir)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

// endless is a reader that never ends and counts what it handed out.
type endless struct{ n int64 }

func (r *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestPutLimit(t *testing.T) {
	const max = 100_000
	for _, tc := range []struct {
		name string
		size int64
		max  int64
		ok   bool
	}{
		{"exactly max", max, max, true},
		{"max+1", max + 1, max, false},
		{"far over max", 10 * max, max, false},
		{"one byte limit", 1, 1, true},
		{"no limit", 3 * max, 0, true},
		{"negative is no limit", 3 * max, -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, dir := newStore(t)
			data := bytes.Repeat([]byte{'a'}, int(tc.size))
			info, err := l.Put(context.Background(), bytes.NewReader(data), tc.max)
			if tc.ok {
				if err != nil || info.Size != tc.size {
					t.Fatalf("Put(%d bytes, max %d) = %+v, %v, want size %d", tc.size, tc.max, info, err, tc.size)
				}
				if diff := cmp.Diff([]string{blobPath(info.SHA256)}, files(t, dir)); diff != "" {
					t.Errorf("files (-want +got):\n%s", diff)
				}
				return
			}
			if code := sympoq.ErrorCode(err); code != sympoq.ETooLarge {
				t.Fatalf("Put(%d bytes, max %d) error = %v (code %q), want %q", tc.size, tc.max, err, code, sympoq.ETooLarge)
			}
			if got := files(t, dir); len(got) != 0 {
				t.Errorf("files left after a too-large Put: %v", got)
			}
		})
	}

	t.Run("stops reading", func(t *testing.T) {
		l, dir := newStore(t)
		r := &endless{}
		_, err := l.Put(context.Background(), r, max)
		if code := sympoq.ErrorCode(err); code != sympoq.ETooLarge {
			t.Fatalf("Put(endless, max %d) error = %v, want %q", max, err, sympoq.ETooLarge)
		}
		if r.n > max+1 {
			t.Errorf("Put read %d bytes of an endless reader, want at most max+1 = %d", r.n, max+1)
		}
		if got := files(t, dir); len(got) != 0 {
			t.Errorf("files left: %v", got)
		}
	})
}

func TestPutEmpty(t *testing.T) {
	l, dir := newStore(t)
	_, err := l.Put(context.Background(), strings.NewReader(""), 10)
	var e *sympoq.Error
	if !errors.As(err, &e) || e.Code != sympoq.EInvalid {
		t.Fatalf("Put(empty) error = %v, want an %q *sympoq.Error", err, sympoq.EInvalid)
	}
	want := []sympoq.FieldError{{Field: "file", Code: sympoq.FieldInvalid, Message: "is empty"}}
	if diff := cmp.Diff(want, e.Fields); diff != "" {
		t.Errorf("Put(empty) fields (-want +got):\n%s", diff)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("files left: %v", got)
	}
}

// failing returns some bytes, then an error.
type failing struct{ sent bool }

func (r *failing) Read(p []byte) (int, error) {
	if r.sent {
		return 0, errors.New("connection reset")
	}
	r.sent = true
	return copy(p, "partial upload"), nil
}

func TestPutFailureLeavesNothing(t *testing.T) {
	t.Run("reader error", func(t *testing.T) {
		l, dir := newStore(t)
		_, err := l.Put(context.Background(), &failing{}, 0)
		if err == nil || !strings.Contains(err.Error(), "connection reset") {
			t.Errorf("Put(failing reader) error = %v, want the read error", err)
		}
		if sympoq.ErrorCode(err) != sympoq.EInternal {
			t.Errorf("Put(failing reader) code = %q, want %q", sympoq.ErrorCode(err), sympoq.EInternal)
		}
		if got := files(t, dir); len(got) != 0 {
			t.Errorf("files left: %v", got)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		l, dir := newStore(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := l.Put(ctx, strings.NewReader("data"), 0)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Put(cancelled) error = %v, want context.Canceled", err)
		}
		if got := files(t, dir); len(got) != 0 {
			t.Errorf("files left: %v", got)
		}
	})
}

func TestContentType(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 2000)...)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"png", png, "image/png"},
		{"text", []byte("Hello,\nthe printer is on fire.\n"), "text/plain; charset=utf-8"},
		{"html", []byte("<!DOCTYPE html><html><body>hi</body></html>"), "text/html; charset=utf-8"},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "application/pdf"},
		{"binary", []byte{0x00, 0x01, 0x02, 0xfe, 0xff}, "application/octet-stream"},
		// Only the first 512 bytes count: text that turns binary later is text.
		{"text then binary", append(bytes.Repeat([]byte("a"), 512), 0x00, 0x01), "text/plain; charset=utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := newStore(t)
			if got := put(t, l, tc.data).ContentType; got != tc.want {
				t.Errorf("Put(%s).ContentType = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}

func TestInvalidSHA(t *testing.T) {
	ctx := context.Background()
	l, dir := newStore(t)
	info := put(t, l, []byte("kept"))
	// Files a path traversal could reach.
	victim := filepath.Join(filepath.Dir(dir), "victim")
	if err := os.WriteFile(victim, []byte("do not touch"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := files(t, filepath.Dir(dir))

	for _, sha := range []string{
		"",
		"../../etc/passwd",
		"../victim",
		"../../victim",
		strings.ToUpper(info.SHA256),
		info.SHA256[:63],
		info.SHA256 + "0",
		info.SHA256[:62] + "/.",
		"tmp/" + info.SHA256[:60],
		strings.Repeat("g", 64),
		"..%2F..%2Fetc%2Fpasswd",
	} {
		t.Run(sha, func(t *testing.T) {
			f, err := l.Open(ctx, sha)
			if err == nil {
				f.Close()
			}
			if code := sympoq.ErrorCode(err); code != sympoq.ENotFound {
				t.Errorf("Open(%q) error = %v, want %q", sha, err, sympoq.ENotFound)
			}
			if code := sympoq.ErrorCode(l.Delete(ctx, sha)); code != sympoq.ENotFound {
				t.Errorf("Delete(%q) code = %q, want %q", sha, code, sympoq.ENotFound)
			}
		})
	}
	if diff := cmp.Diff(before, files(t, filepath.Dir(dir))); diff != "" {
		t.Errorf("files changed (-before +after):\n%s", diff)
	}
}

func TestMissingAndDelete(t *testing.T) {
	ctx := context.Background()
	l, dir := newStore(t)
	missing := hashOf([]byte("never stored"))
	if _, err := l.Open(ctx, missing); sympoq.ErrorCode(err) != sympoq.ENotFound {
		t.Errorf("Open(missing) error = %v, want %q", err, sympoq.ENotFound)
	}
	if err := l.Delete(ctx, missing); err != nil {
		t.Errorf("Delete(missing) = %v, want nil", err)
	}

	info := put(t, l, []byte("short-lived"))
	if err := l.Delete(ctx, info.SHA256); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := l.Open(ctx, info.SHA256); sympoq.ErrorCode(err) != sympoq.ENotFound {
		t.Errorf("Open after Delete error = %v, want %q", err, sympoq.ENotFound)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("files after Delete: %v", got)
	}
	// A blob deleted and put again is back.
	put(t, l, []byte("short-lived"))
	if _, err := l.Open(ctx, info.SHA256); err != nil {
		t.Errorf("Open after Put again: %v", err)
	}
}

func TestCleanOrphans(t *testing.T) {
	ctx := context.Background()
	l, dir := newStore(t)
	old := time.Now().Add(-2 * time.Hour)
	age := func(rel string) {
		t.Helper()
		if err := os.Chtimes(filepath.Join(dir, rel), old, old); err != nil {
			t.Fatal(err)
		}
	}
	write := func(rel string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	orphan := put(t, l, []byte("old and unreferenced")).SHA256
	kept := put(t, l, []byte("old and referenced")).SHA256
	fresh := put(t, l, []byte("new and not yet committed")).SHA256
	age(blobPath(orphan))
	age(blobPath(kept))
	write("tmp/put-stale")
	age("tmp/put-stale")
	write("tmp/put-uploading")
	// Not blobs: never removed, however old.
	misplaced := hashOf([]byte("misplaced"))
	for _, rel := range []string{"README", "ab/notes.txt", "00/00/" + misplaced, "other/" + misplaced} {
		write(rel)
		age(rel)
	}

	var asked []string
	referenced := func(sha string) (bool, error) {
		asked = append(asked, sha)
		return sha == kept, nil
	}
	removed, err := l.CleanOrphans(ctx, referenced, time.Hour)
	if err != nil {
		t.Fatalf("CleanOrphans: %v", err)
	}
	if removed != 2 {
		t.Errorf("CleanOrphans removed %d files, want 2 (the orphan and the stale temp file)", removed)
	}
	want := []string{"00/00/" + misplaced, "README", "ab/notes.txt", blobPath(fresh), blobPath(kept), "other/" + misplaced, "tmp/put-uploading"}
	got := files(t, dir)
	if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
		t.Errorf("files after CleanOrphans (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sorted([]string{orphan, kept}), sorted(asked)); diff != "" {
		t.Errorf("referenced asked about (-want +got):\n%s", diff)
	}

	// A second run finds nothing more.
	if removed, err := l.CleanOrphans(ctx, referenced, time.Hour); err != nil || removed != 0 {
		t.Errorf("second CleanOrphans = %d, %v, want 0, nil", removed, err)
	}

	// An orphan put again is fresh, so it survives.
	put(t, l, []byte("old and referenced"))
	if removed, err := l.CleanOrphans(ctx, func(string) (bool, error) { return false, nil }, time.Hour); err != nil || removed != 0 {
		t.Errorf("CleanOrphans after a fresh Put = %d, %v, want 0, nil", removed, err)
	}

	t.Run("referenced fails", func(t *testing.T) {
		age(blobPath(kept))
		boom := errors.New("database is gone")
		removed, err := l.CleanOrphans(ctx, func(string) (bool, error) { return false, boom }, time.Hour)
		if !errors.Is(err, boom) || removed != 0 {
			t.Errorf("CleanOrphans = %d, %v, want 0 and the referenced error", removed, err)
		}
		if _, err := l.Open(ctx, kept); err != nil {
			t.Errorf("blob gone after a failed CleanOrphans: %v", err)
		}
	})
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func TestConcurrentPut(t *testing.T) {
	l, dir := newStore(t)
	data := bytes.Repeat([]byte("same bytes from everyone "), 10000)
	const n = 8
	infos := make([]blob.Info, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			infos[i], errs[i] = l.Put(context.Background(), bytes.NewReader(data), 0)
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Put %d: %v", i, errs[i])
		}
		if infos[i].SHA256 != hashOf(data) {
			t.Errorf("Put %d SHA256 = %q, want %q", i, infos[i].SHA256, hashOf(data))
		}
	}
	if diff := cmp.Diff([]string{blobPath(hashOf(data))}, files(t, dir)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	got, err := os.ReadFile(filepath.Join(dir, blobPath(hashOf(data))))
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("stored blob is %d bytes (%v), want the %d put", len(got), err, len(data))
	}
}

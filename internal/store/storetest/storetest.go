// Package storetest opens real, empty, migrated databases for tests: SQLite
// always, PostgreSQL when SYMPOQ_TEST_POSTGRES_URL names a server. Each test
// gets its own SQLite file or PostgreSQL schema, so tests run in parallel.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sympoq/sympoq/internal/store"
)

// Require skips the test when a service it needs is not configured, or fails
// it when SYMPOQ_TEST_REQUIRE_ALL=1 (as in CI), so no required test skips.
func Require(t testing.TB, service, env string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		if os.Getenv("SYMPOQ_TEST_REQUIRE_ALL") == "1" {
			t.Fatalf("%s is required (SYMPOQ_TEST_REQUIRE_ALL=1) but %s is not set", service, env)
		}
		t.Skipf("%s not configured: set %s", service, env)
	}
	return v
}

// Each runs fn as subtest "sqlite" and, when PostgreSQL is configured (or
// required), as subtest "postgres", each on a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, SQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, Postgres(t))
	})
}

// EachShared is Each with two handles on the one database, as two
// processes of a deployment have: each its own pools (on SQLite its own
// writer and group committer on the same file).
func EachShared(t *testing.T, fn func(t *testing.T, db, other *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dsn := "sqlite:" + filepath.Join(t.TempDir(), "test.db")
		fn(t, open(t, dsn), open(t, dsn))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn := PostgresDSN(t)
		fn(t, open(t, dsn), open(t, dsn))
	})
}

// SQLite returns a migrated database in a new file under t.TempDir.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return open(t, "sqlite:"+filepath.Join(t.TempDir(), "test.db"))
}

// PostgresDSN creates a fresh schema on the configured server, drops it when
// the test ends, and returns a DSN whose search_path is that schema.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := Require(t, "PostgreSQL", "SYMPOQ_TEST_POSTGRES_URL")
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// Postgres returns a migrated database in a fresh schema.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	return open(t, PostgresDSN(t))
}

func open(t testing.TB, dsn string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db
}

package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/sympoq/sympoq/internal/store"
)

// migrateLock is the PostgreSQL advisory lock that serialises River
// migrations between processes (the store's own migrations use 7263541).
const migrateLock = 7263542

// Migrate creates or upgrades River's tables. It does nothing when they are
// current, so it runs on every start. On PostgreSQL, processes that start
// together take turns; a SQLite file has one process, whose calls must not
// overlap.
func Migrate(ctx context.Context, db *store.DB) error {
	// River's own output would bypass the application's log; its errors come
	// back as err.
	cfg := &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)}
	var err error
	switch db.Dialect() {
	case store.SQLite:
		err = migrateUp(ctx, riversqlite.New(db.Writer()), cfg)
	case store.Postgres:
		err = migratePostgres(ctx, db.Writer(), cfg)
	default:
		err = fmt.Errorf("unknown dialect %q", db.Dialect())
	}
	if err != nil {
		return fmt.Errorf("migrate jobs: %w", err)
	}
	return nil
}

// migratePostgres holds an advisory lock on one connection while River
// migrates through the others, so processes that start together take turns
// instead of racing to create the same tables. River applies each version in
// its own transaction (some cannot share one), hence the lock is taken apart.
func migratePostgres(ctx context.Context, pool *sql.DB, cfg *rivermigrate.Config) error {
	lock, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = lock.Rollback() }() // releases the lock; nothing was written
	if _, err := lock.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
		return err
	}
	return migrateUp(ctx, riverdatabasesql.New(pool), cfg)
}

func migrateUp(ctx context.Context, driver riverdriver.Driver[*sql.Tx], cfg *rivermigrate.Config) error {
	m, err := rivermigrate.New(driver, cfg)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// Package store owns all SQL: one *DB over database/sql for SQLite and
// PostgreSQL, embedded per-dialect migrations, and one file per aggregate.
// Every query filters by account id. It knows the domain types of package
// sympoq but nothing of HTTP or of the use cases built on it.
package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"
)

// Dialect names a database engine.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the store. Writes go through one pool, reads through another (on
// SQLite a single writer connection and several readers; on PostgreSQL both
// are the same pool).
type DB struct {
	w, r     *sql.DB
	dialect  Dialect
	identity string
	ws, rs   *stmtCache    // prepared statements of w and r: SQLite only
	group    group         // SQLite's group committer (GroupTx)
	ckpt     *checkpointer // SQLite's checkpoints
	settings sync.Map      // account id → *decodedSettings (Settings)
	// Now is the clock of every transaction; tests may pin it.
	Now      func() time.Time
	errorLog atomic.Pointer[func(msg string, err error)] // SetErrorLog

	auth          authEpochs    // AuthEpoch
	authListening atomic.Bool   // AuthShared
	dsn           string        // PostgreSQL: for the listener's own connection
	authStop      chan struct{} // closed by Close
	authDone      chan struct{} // closed when the listener has stopped
}

// Open connects to the database named by dsn: "sqlite:path", a path ending in
// .db, or "postgres://…". It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{Now: func() time.Time { return time.Now().UTC() }}
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db.dialect = Postgres
		p, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		p.SetMaxOpenConns(24)
		p.SetMaxIdleConns(24)
		p.SetConnMaxIdleTime(5 * time.Minute)
		db.w, db.r = p, p
		db.identity = postgresIdentity(dsn)
		db.dsn = dsn
	default:
		db.dialect = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "sqlite:")
		if path == "" || strings.ContainsAny(path, "?#") {
			return nil, fmt.Errorf("open sqlite: %q is not a plain file path", path)
		}
		pragmas := "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-8000)"
		u := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
		w, err := sql.Open("sqlite", u+"&_txlock=immediate&_pragma=wal_autocheckpoint("+strconv.Itoa(writerCheckpointPages)+")")
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		// One writer: SQLite serialises writes anyway, and queueing in Go is
		// cheaper than busy-waiting in SQLite.
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		r, err := sql.Open("sqlite", u+"&_pragma=query_only(1)")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		n := max(4, 2*runtime.NumCPU())
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		db.w, db.r = w, r
		db.ws, db.rs = newStmtCache(w), newStmtCache(r)
		abs, err := filepath.Abs(path)
		if err != nil {
			abs = path
		}
		db.identity = "sqlite:" + abs
		db.startGroup()
		if err := db.startCheckpointer(u); err != nil {
			db.Close()
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
	}
	if err := db.w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect %s: %w", db.dialect, err)
	}
	if db.dialect == Postgres {
		db.authStop, db.authDone = make(chan struct{}), make(chan struct{})
		go db.listenAuth(db.authStop, db.authDone)
	}
	return db, nil
}

// Close stops the group committer and closes both pools.
func (db *DB) Close() error {
	if db.authStop != nil {
		close(db.authStop)
		<-db.authDone
		db.authStop = nil
	}
	db.stopGroup()
	ckptErr := db.ckpt.close()
	db.ckpt = nil
	db.ws.close()
	db.rs.close()
	err := errors.Join(ckptErr, db.w.Close())
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// SetErrorLog makes f hear of background trouble that has no caller to
// return to (the PostgreSQL listener's lost connection).
func (db *DB) SetErrorLog(f func(msg string, err error)) { db.errorLog.Store(&f) }

func (db *DB) logError(msg string, err error) {
	if f := db.errorLog.Load(); f != nil {
		(*f)(msg, err)
	}
}

// Dialect tells which engine is behind db.
func (db *DB) Dialect() Dialect { return db.dialect }

// Identity names the database without credentials (a hash of host, port,
// database and schema, or of the SQLite file's path): processes sharing a
// database share it, so it can namespace shared state such as rate limits.
func (db *DB) Identity() string {
	h := sha256.Sum256([]byte(db.identity))
	return hex.EncodeToString(h[:8])
}

func postgresIdentity(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	return "postgres://" + u.Host + u.Path + "?search_path=" + u.Query().Get("search_path")
}

// Writer is the pool that writes; the job engine shares it so that jobs are
// enqueued in the same transactions as the changes that cause them.
func (db *DB) Writer() *sql.DB { return db.w }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.r.PingContext(ctx) }

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is one unit of work: a write transaction from DB.Tx, or the read pool
// from DB.Read. Every query method of the store hangs off it, so the use
// cases compose them inside one transaction.
type Tx struct {
	q   querier
	tx  *sql.Tx
	db  *DB
	now time.Time
	// committed runs after the commit (AfterCommit).
	committed []func()
	// search holds the SQLite search-index writes of the transaction, run
	// in order just before it commits (flushSearch).
	pendingSearch []searchWrite
}

// Now is the transaction's clock: one instant for every write it makes.
func (tx *Tx) Now() time.Time { return tx.now }

// SQL returns the underlying transaction (nil on the read pool) for the job
// engine's transactional inserts.
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// Dialect tells which engine is behind tx.
func (tx *Tx) Dialect() Dialect { return tx.db.dialect }

// Read returns a Tx over the read pool for queries outside a transaction.
func (db *DB) Read() *Tx { return &Tx{q: db.reader(), db: db, now: db.Now()} }

// Tx runs fn in a write transaction and commits when it returns nil. On
// SQLite the transaction takes the write lock at once (BEGIN IMMEDIATE), so
// a transaction that reads and then writes cannot fail half-way with BUSY.
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	db.ws.preparePending(ctx)
	sqltx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{q: db.ws.tx(sqltx), tx: sqltx, db: db, now: db.Now()}
	if err := fn(tx); err != nil {
		_ = sqltx.Rollback()
		return err
	}
	if err := tx.flushSearch(ctx); err != nil {
		_ = sqltx.Rollback()
		return err
	}
	if err := sqltx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, f := range tx.committed {
		f()
	}
	return nil
}

// AfterCommit makes f run once what tx wrote so far is committed, and never
// if it is rolled back (in GroupTx: if the write that called it fails). f
// runs on the committing goroutine, so it must return at once, like a
// non-blocking send that wakes a worker up. On the read pool, which commits
// nothing, f never runs.
func (tx *Tx) AfterCommit(f func()) {
	if tx.tx != nil {
		tx.committed = append(tx.committed, f)
	}
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.q.ExecContext(ctx, q, args...)
}

// queryAtOnce runs a query whose rows the caller reads to the end and
// closes before it runs any other statement on tx (no store call inside the
// loop). Such a query may use a prepared statement even in a write
// transaction on SQLite, where QueryContext must not (see txQuerier): it is
// for the few multi-row reads on the path of every ticket action.
func (tx *Tx) queryAtOnce(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if tq, ok := tx.q.(*txQuerier); ok {
		return tq.queryAtOnce(ctx, q, args...)
	}
	return tx.q.QueryContext(ctx, q, args...)
}

// insert runs an INSERT … RETURNING id and returns the id.
func (tx *Tx) insert(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := tx.q.QueryRowContext(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// micros stores a time as microseconds since the epoch: one portable,
// sortable representation for both engines. The zero time is NULL.
func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// fromMicros turns a stored time back into UTC.
func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

// nullStr stores "" as NULL, for columns that are unique when present.
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullID stores 0 as NULL, for optional references.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// likePattern escapes s for a LIKE … ESCAPE '\' substring match.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + strings.ToLower(r.Replace(s)) + "%"
}

package store

import (
	"container/list"
	"context"
	"database/sql"
	"strings"
	"sync"
)

// maxCachedStmts bounds each pool's cache. The store has about a hundred
// fixed statements; the rest is dynamic SQL (one text per ticket or user
// list filter shape), which must not grow the cache without end. Each entry
// costs one compiled SQLite program per connection that ran it.
const maxCachedStmts = 256

// stmtCache keeps the prepared statements of one SQLite pool, so that each
// distinct statement is parsed and planned once per connection instead of
// on every call: modernc.org/sqlite compiles the SQL text afresh for every
// ExecContext and QueryContext that is not on a prepared statement.
// PostgreSQL does not use it: pgx already caches prepared statements per
// connection. The least recently used statement is closed beyond
// maxCachedStmts. A nil *stmtCache caches nothing.
type stmtCache struct {
	pool *sql.DB

	mu      sync.Mutex
	byQuery map[string]*list.Element // of *cachedStmt
	lru     list.List                // front: most recently used
	// pending holds statements first seen inside a write transaction. They
	// cannot be prepared on the pool there (on SQLite the transaction holds
	// the only writer connection), so the next DB.Tx prepares them first.
	pending map[string]bool
}

type cachedStmt struct {
	query   string
	stmt    *sql.Stmt
	refs    int  // callers between acquire and release
	evicted bool // out of the cache; closed when refs falls to 0
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, byQuery: map[string]*list.Element{}, pending: map[string]bool{}}
}

// cacheable leaves out multi-statement scripts (the migrations): they run
// once, and the driver compiles them statement by statement anyway.
func cacheable(query string) bool { return !strings.Contains(query, ";") }

// get returns the cached statement of query, acquired, or nil.
func (c *stmtCache) get(query string) *cachedStmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byQuery[query]
	if !ok {
		return nil
	}
	c.lru.MoveToFront(e)
	cs := e.Value.(*cachedStmt)
	cs.refs++
	return cs
}

// acquire returns query's statement, preparing it on the pool on a miss,
// or nil if it is not cacheable or cannot be prepared (the caller then runs
// the query unprepared, which reports the same error).
func (c *stmtCache) acquire(ctx context.Context, query string) *cachedStmt {
	if !cacheable(query) {
		return nil
	}
	if cs := c.get(query); cs != nil {
		return cs
	}
	s, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	return c.add(query, s, true)
}

// add caches s for query, or keeps the statement another caller cached
// first, and returns the cached one, acquired if acquire is set.
func (c *stmtCache) add(query string, s *sql.Stmt, acquire bool) *cachedStmt {
	var closing []*sql.Stmt
	c.mu.Lock()
	var cs *cachedStmt
	if e, ok := c.byQuery[query]; ok {
		closing = append(closing, s)
		c.lru.MoveToFront(e)
		cs = e.Value.(*cachedStmt)
	} else {
		cs = &cachedStmt{query: query, stmt: s}
		c.byQuery[query] = c.lru.PushFront(cs)
		for c.lru.Len() > maxCachedStmts {
			old := c.lru.Remove(c.lru.Back()).(*cachedStmt)
			delete(c.byQuery, old.query)
			old.evicted = true
			if old.refs == 0 {
				closing = append(closing, old.stmt)
			}
		}
	}
	if acquire {
		cs.refs++
	}
	c.mu.Unlock()
	// Outside the lock: Close may wait for a connection's lock. A statement
	// still used by open rows or a transaction is finalised when they end.
	for _, s := range closing {
		_ = s.Close()
	}
	return cs
}

// release ends a use begun by get or acquire.
func (c *stmtCache) release(cs *cachedStmt) {
	c.mu.Lock()
	cs.refs--
	closing := cs.evicted && cs.refs == 0
	c.mu.Unlock()
	if closing {
		_ = cs.stmt.Close()
	}
}

// preparePending prepares on the pool the statements that write
// transactions have asked for since the last call. Errors only mean the
// statement stays unprepared.
func (c *stmtCache) preparePending(ctx context.Context) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.pending))
	for q := range c.pending {
		queries = append(queries, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range queries {
		if s, err := c.pool.PrepareContext(ctx, q); err == nil {
			c.add(q, s, false)
		}
	}
}

// close closes every cached statement; the pool closes after it.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.lru.Front(); e != nil; e = e.Next() {
		_ = e.Value.(*cachedStmt).stmt.Close()
	}
	c.lru.Init()
	clear(c.byQuery)
}

// reader returns the querier of the read pool.
func (db *DB) reader() querier {
	if db.rs == nil {
		return db.r
	}
	return poolQuerier{db.rs}
}

// poolQuerier runs every statement on a cached prepared statement of the
// pool. Two uses of one statement never share a connection: a connection
// with open rows stays out of the pool until they close.
type poolQuerier struct{ c *stmtCache }

func (q poolQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	cs := q.c.acquire(ctx, query)
	if cs == nil {
		return q.c.pool.ExecContext(ctx, query, args...)
	}
	defer q.c.release(cs)
	return cs.stmt.ExecContext(ctx, args...)
}

func (q poolQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	cs := q.c.acquire(ctx, query)
	if cs == nil {
		return q.c.pool.QueryContext(ctx, query, args...)
	}
	defer q.c.release(cs)
	return cs.stmt.QueryContext(ctx, args...)
}

func (q poolQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	cs := q.c.acquire(ctx, query)
	if cs == nil {
		return q.c.pool.QueryRowContext(ctx, query, args...)
	}
	defer q.c.release(cs)
	return cs.stmt.QueryRowContext(ctx, args...)
}

// tx returns the querier of a write transaction on c's pool.
func (c *stmtCache) tx(t *sql.Tx) querier {
	if c == nil {
		return t
	}
	return &txQuerier{c: c, tx: t, stmts: map[string]*sql.Stmt{}}
}

// txQuerier runs a write transaction's statements on the pool's cached
// statements, bound to the transaction's connection with Tx.StmtContext
// (which reuses the statement already prepared on that connection).
//
// QueryContext stays unprepared: inside one transaction every statement
// shares one connection, and SQLite cannot run one prepared statement
// twice at once, so a loop over rows that ran the same query again would
// silently reset the outer one. ExecContext finishes before it returns and
// QueryRowContext as soon as its row is scanned, which the store always
// does at once.
type txQuerier struct {
	c  *stmtCache
	tx *sql.Tx

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // this transaction's binding of each statement
}

// stmt returns query's statement bound to the transaction, or nil when the
// pool has none yet (it is then prepared before the next transaction).
func (q *txQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	q.mu.Lock()
	defer q.mu.Unlock()
	if s, ok := q.stmts[query]; ok {
		return s
	}
	if !cacheable(query) {
		return nil
	}
	cs := q.c.get(query)
	if cs == nil {
		q.c.mu.Lock()
		if len(q.c.pending) < maxCachedStmts {
			q.c.pending[query] = true
		}
		q.c.mu.Unlock()
		return nil
	}
	// The transaction's statement keeps the pool's alive until the
	// transaction ends, even if the cache evicts it meanwhile.
	s := q.tx.StmtContext(ctx, cs.stmt)
	q.c.release(cs)
	q.stmts[query] = s
	return s
}

func (q *txQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := q.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return q.tx.ExecContext(ctx, query, args...)
}

func (q *txQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.tx.QueryContext(ctx, query, args...)
}

// queryAtOnce is QueryContext on the cached statement, for a caller that
// reads every row and closes them before it runs anything else on the
// transaction, so that no other use of the statement can overlap.
func (q *txQuerier) queryAtOnce(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := q.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}

func (q *txQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := q.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return q.tx.QueryRowContext(ctx, query, args...)
}

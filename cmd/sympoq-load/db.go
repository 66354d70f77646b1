package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"
)

// accountName is the account the load runs against: the one a server
// without --base-domain serves.
const accountName = "default"

// database is the server's database as this tool sees it: opened with the
// server's durability settings, for the commit probe and to read the
// ticket ids.
type database struct {
	*sql.DB
	dialect string
}

// openDB opens dsn the way internal/store does for writing: on SQLite WAL,
// synchronous=FULL, BEGIN IMMEDIATE and one connection; on PostgreSQL pgx
// with the server's default synchronous_commit.
func openDB(ctx context.Context, dsn string) (*database, error) {
	var db database
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		p, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		db.DB, db.dialect = p, "postgres"
	default:
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "sqlite:")
		if path == "" || strings.ContainsAny(path, "?#") {
			return nil, fmt.Errorf("open sqlite: %q is not a plain file path", path)
		}
		u := "file:" + (&url.URL{Path: path}).EscapedPath() +
			"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_txlock=immediate"
		s, err := sql.Open("sqlite", u)
		if err != nil {
			return nil, err
		}
		s.SetMaxOpenConns(1)
		s.SetMaxIdleConns(1)
		db.DB, db.dialect = s, "sqlite"
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect %s: %w", db.dialect, err)
	}
	return &db, nil
}

const ticketsOfAccount = `FROM tickets t JOIN accounts a ON a.id = t.account_id
	WHERE a.name = $1 AND t.deleted_at IS NULL`

// ticketCount counts the account's tickets outside the trash; a database
// the server has not migrated yet has none.
func (db *database) ticketCount(ctx context.Context) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, "SELECT COUNT(*) "+ticketsOfAccount, accountName).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count tickets: %w", err)
	}
	return n, nil
}

// outbox counts the account's outbound email by status: what the
// submissions queued, and what the server delivered (sent or failed).
func (db *database) outbox(ctx context.Context) (queued, delivered int, err error) {
	err = db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE o.status = 'queued'), count(*) FILTER (WHERE o.status <> 'queued')
		FROM outbound_messages o JOIN accounts a ON a.id = o.account_id WHERE a.name = $1`, accountName).Scan(&queued, &delivered)
	if err != nil {
		return 0, 0, fmt.Errorf("count outbound email: %w", err)
	}
	return queued, delivered, nil
}

// ticketIDs reads the numeric ids of the account's tickets once, so that
// the ticket workload picks existing tickets uniformly.
func (db *database) ticketIDs(ctx context.Context) ([]int64, error) {
	rows, err := db.QueryContext(ctx, "SELECT t.id "+ticketsOfAccount+" ORDER BY t.id", accountName)
	if err != nil {
		return nil, fmt.Errorf("read ticket ids: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// probeResult is the raw durable-commit rate, measured twice: by one bare
// loop of one-row transactions (Loop, the reference of the submission
// target: what one commit per request can reach), and by as many
// concurrent loops as the load has workers (Concurrent: on PostgreSQL the
// server's own group commit then shares WAL flushes among them).
type probeResult struct {
	Loop       probeRate `json:"loop"`
	Concurrent probeRate `json:"concurrent"`
}

// probeRate is one measurement of the probe.
type probeRate struct {
	Commits     int     `json:"commits"`
	Seconds     float64 `json:"seconds"`
	Rate        float64 `json:"commits_per_second"`
	Concurrency int     `json:"concurrency"`
	Conns       int     `json:"connections"`
}

func (p probeRate) String() string {
	return fmt.Sprintf("%.0f commits/s (%d one-row INSERT transactions in %.1f s, %d workers on %d connection(s))",
		p.Rate, p.Commits, p.Seconds, p.Concurrency, p.Conns)
}

const probeTable = "load_commit_probe"

// probe measures how many durable one-row transactions the database
// commits per second, first with one bare loop for d, then with workers
// concurrent loops for d. It uses its own table and drops it.
func (db *database) probe(ctx context.Context, workers int, d time.Duration) (*probeResult, error) {
	create := "CREATE TABLE " + probeTable + " (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
	conns := 1 // the server's SQLite writer is one connection too
	if db.dialect == "postgres" {
		create = "CREATE TABLE " + probeTable + " (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)"
		conns = workers
		db.SetMaxOpenConns(workers)
		db.SetMaxIdleConns(workers)
	}
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+probeTable); err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	if _, err := db.ExecContext(ctx, create); err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	defer db.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+probeTable)

	body := strings.Repeat("a durable commit of one row, ", 8)
	insert := "INSERT INTO " + probeTable + " (body) VALUES ($1)"
	commit := func() error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, insert, body); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	// A few commits first, so that connections exist and the file is warm.
	for range 20 {
		if err := commit(); err != nil {
			return nil, fmt.Errorf("probe: %w", err)
		}
	}
	loop, err := measureCommits(ctx, commit, 1, d)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	loop.Conns = 1
	conc, err := measureCommits(ctx, commit, workers, d)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	conc.Conns = conns
	return &probeResult{Loop: loop, Concurrent: conc}, nil
}

// measureCommits runs commit in workers concurrent loops for d.
func measureCommits(ctx context.Context, commit func() error, workers int, d time.Duration) (probeRate, error) {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
		first error
	)
	start := time.Now()
	end := start.Add(d)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for time.Now().Before(end) && ctx.Err() == nil {
				if err := commit(); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					break
				}
				n++
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	if first != nil {
		return probeRate{}, first
	}
	if err := ctx.Err(); err != nil {
		return probeRate{}, err
	}
	return probeRate{Commits: total, Seconds: elapsed, Rate: float64(total) / elapsed, Concurrency: workers}, nil
}

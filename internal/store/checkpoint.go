package store

import (
	"context"
	"database/sql"
	"time"
)

// SQLite copies committed pages from its write-ahead log back into the
// database file in checkpoints. Left to itself it does so in the writing
// connection, after the commit that takes the log past 1,000 pages: under a
// stream of submissions that is the group committer, the one writer every
// write waits for, spending about a tenth of its time on checkpoints. So a
// checkpointer of its own, on its own connection, runs a passive checkpoint
// (one that never blocks the writer or readers) every checkpointEvery, and
// the writer checkpoints itself only when the log grows past
// writerCheckpointPages anyway (the checkpointer stuck behind a long read,
// say), so that the log stays bounded whatever happens.
const (
	checkpointEvery       = 250 * time.Millisecond
	writerCheckpointPages = 10000
)

// checkpointer is the background checkpoint loop of a SQLite DB.
type checkpointer struct {
	conn *sql.DB
	stop chan struct{}
	done chan struct{}
}

// startCheckpointer opens the checkpointer's connection to the database at
// u (a file: URL with the pragmas) and starts its loop.
func (db *DB) startCheckpointer(u string) error {
	c, err := sql.Open("sqlite", u)
	if err != nil {
		return err
	}
	c.SetMaxOpenConns(1)
	c.SetMaxIdleConns(1)
	db.ckpt = &checkpointer{conn: c, stop: make(chan struct{}), done: make(chan struct{})}
	go db.ckpt.run(db)
	return nil
}

func (c *checkpointer) run(db *DB) {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		if _, _, err := c.once(context.Background()); err != nil {
			db.logError("sqlite checkpoint", err)
		}
	}
}

// once runs one passive checkpoint and returns the log's pages and how
// many of them are in the database file.
func (c *checkpointer) once(ctx context.Context) (logPages, done int, err error) {
	var busy int
	err = c.conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logPages, &done)
	return logPages, done, err
}

// close stops the loop and closes its connection.
func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	close(c.stop)
	<-c.done
	return c.conn.Close()
}

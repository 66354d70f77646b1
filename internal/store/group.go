package store

import (
	"context"
	"errors"
	"fmt"
)

// maxGroup bounds how many writes share one commit.
const maxGroup = 64

// group is SQLite's group committer: writes that arrive while a commit is
// in progress wait and then share the next transaction, so one fsync makes
// a whole group durable. Each write runs in its own savepoint, so one that
// fails is undone alone.
type group struct {
	ops  chan *groupOp
	stop chan struct{}
	done chan struct{}
}

type groupOp struct {
	fn  func(tx *Tx) error
	err chan error
}

// GroupTx runs fn in a write transaction like Tx, and returns only once
// what fn wrote is committed (or fn or the commit failed). On SQLite,
// concurrent calls share transactions and their durable commit (group
// commit); on PostgreSQL, whose own WAL flushes group concurrent commits,
// it is Tx. fn runs in a savepoint: its error undoes its writes only.
//
// fn must make no effects outside the database, and must not start another
// transaction. A context cancelled while fn runs would interrupt the shared
// transaction, so callers pass fn a context without cancellation.
func (db *DB) GroupTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.dialect != SQLite {
		return db.Tx(ctx, func(tx *Tx) error { return runOp(&groupOp{fn: fn}, tx) })
	}
	op := &groupOp{fn: fn, err: make(chan error, 1)}
	select {
	case db.group.ops <- op:
	case <-db.group.stop:
		return errors.New("store closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once taken, the outcome is waited for whatever ctx does: the caller
	// must learn whether its write is stored.
	return <-op.err
}

// startGroup starts the committer; Open calls it for SQLite.
func (db *DB) startGroup() {
	db.group.ops = make(chan *groupOp)
	db.group.stop = make(chan struct{})
	db.group.done = make(chan struct{})
	go db.commitLoop()
}

// commitLoop is owned by the DB and ends in stopGroup.
func (db *DB) commitLoop() {
	defer close(db.group.done)
	for {
		var batch []*groupOp
		select {
		case op := <-db.group.ops:
			batch = append(batch, op)
		case <-db.group.stop:
			return
		}
	more:
		for len(batch) < maxGroup {
			select {
			case op := <-db.group.ops:
				batch = append(batch, op)
			default:
				break more
			}
		}
		db.commitGroup(batch)
	}
}

func (db *DB) commitGroup(batch []*groupOp) {
	errs := make([]error, len(batch))
	err := db.Tx(context.Background(), func(tx *Tx) error {
		for i, op := range batch {
			if _, err := tx.exec(context.Background(), "SAVEPOINT g"); err != nil {
				return err
			}
			hooks, search := len(tx.committed), len(tx.pendingSearch)
			if errs[i] = runOp(op, tx); errs[i] != nil {
				// The failed write's effects are undone, and so are its
				// AfterCommit calls and its search-index writes.
				tx.committed, tx.pendingSearch = tx.committed[:hooks], tx.pendingSearch[:search]
				if _, err := tx.exec(context.Background(), "ROLLBACK TO SAVEPOINT g"); err != nil {
					return err
				}
			}
			if _, err := tx.exec(context.Background(), "RELEASE SAVEPOINT g"); err != nil {
				return err
			}
		}
		return nil
	})
	for i, op := range batch {
		switch {
		case errs[i] != nil:
			op.err <- errs[i]
		case err != nil:
			op.err <- fmt.Errorf("group commit: %w", err)
		default:
			op.err <- nil
		}
	}
}

// runOp runs one write, turning a panic into that write's error so that the
// others in its group still commit (and so that both engines behave alike).
func runOp(op *groupOp, tx *Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic in grouped write: %v", v)
		}
	}()
	return op.fn(tx)
}

// stopGroup ends the committer after the group in progress.
func (db *DB) stopGroup() {
	if db.group.stop == nil {
		return
	}
	close(db.group.stop)
	<-db.group.done
}

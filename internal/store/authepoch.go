package store

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// What authenticating an API key reads (the key, its user, the user's group
// and queue permissions) changes rarely, and every request reads it, so
// the use cases may keep it for a while (desk's key cache). The store
// tells them when it may have changed: AuthEpoch grows with every such
// change, at once for the changes this process commits and, on PostgreSQL,
// as soon as another process's change is announced (NOTIFY sympoq_auth).
//
// Every write of what authentication reads calls Tx.authChanged:
// UpdateUser, SetUserPassword, RevokeAPIKey, CreateQueue and UpdateQueue
// (through setQueuePermissions), DeleteQueue, SetAgentPermissions,
// UpdateGroup and DeleteGroup. A new user or key needs nothing: nobody can
// have kept it.

// authChannel is the PostgreSQL notification channel of those changes; the
// payload is the account id.
const authChannel = "sympoq_auth"

// authEpochs are the counters behind AuthEpoch.
type authEpochs struct {
	all atomic.Uint64 // every account: the listener lost its connection
	mu  sync.Mutex
	m   map[int64]uint64
}

// AuthEpoch is a number that changes whenever what authentication reads of
// the account may have changed. A copy taken with an earlier number must be
// read again.
func (db *DB) AuthEpoch(accountID int64) uint64 {
	db.auth.mu.Lock()
	n := db.auth.m[accountID]
	db.auth.mu.Unlock()
	return n + db.auth.all.Load()
}

func (db *DB) bumpAuth(accountID int64) {
	db.auth.mu.Lock()
	if db.auth.m == nil {
		db.auth.m = map[int64]uint64{}
	}
	db.auth.m[accountID]++
	db.auth.mu.Unlock()
}

// authChanged records that tx changes what authentication reads in the
// account: this process learns it when tx commits, other processes
// (PostgreSQL) through the notification, which is sent at the commit too.
func (tx *Tx) authChanged(ctx context.Context, accountID int64) error {
	if tx.tx == nil {
		return nil
	}
	tx.AfterCommit(func() { tx.db.bumpAuth(accountID) })
	if tx.db.dialect != Postgres {
		return nil
	}
	_, err := tx.exec(ctx, `SELECT pg_notify($1, $2)`, authChannel, strconv.FormatInt(accountID, 10))
	return err
}

// AuthShared reports whether AuthEpoch hears of other processes' changes
// at once: on PostgreSQL while the listener is connected. Otherwise (SQLite,
// where one server process is the deployment, or a lost connection) a
// copy is worth only as much as its age.
func (db *DB) AuthShared() bool { return db.authListening.Load() }

// listenAuth keeps a connection that listens for other processes' changes
// and bumps the epochs they name, until stop is closed. Whenever it is not
// listening every account's epoch is bumped on reconnecting, since changes
// may have been missed meanwhile.
func (db *DB) listenAuth(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-stop
		cancel()
	}()
	const first = 100 * time.Millisecond
	wait := first
	for ctx.Err() == nil {
		listened, err := db.listenOnce(ctx)
		db.authListening.Store(false)
		db.auth.all.Add(1)
		if ctx.Err() != nil {
			return
		}
		if listened {
			wait = first
		}
		db.logError("listening for authentication changes failed; listening again in "+wait.String(), err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// listenOnce listens until its connection fails, and says whether it got
// as far as listening.
func (db *DB) listenOnce(ctx context.Context) (listened bool, err error) {
	conn, err := pgx.Connect(ctx, db.dsn)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+authChannel); err != nil {
		return false, err
	}
	// Whatever changed before LISTEN took effect was missed.
	db.auth.all.Add(1)
	db.authListening.Store(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		if id, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
			db.bumpAuth(id)
		} else {
			db.auth.all.Add(1)
		}
	}
}

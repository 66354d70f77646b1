package jobs

import (
	"context"

	"github.com/riverqueue/river"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
)

// SessionExpiryWorker deletes expired web sessions in batches.
type SessionExpiryWorker struct {
	river.WorkerDefaults[desk.ExpireSessions]
	DB *store.DB
}

// Work deletes until no expired session is left.
func (w *SessionExpiryWorker) Work(ctx context.Context, job *river.Job[desk.ExpireSessions]) error {
	for {
		var n int64
		err := w.DB.Tx(ctx, func(tx *store.Tx) error {
			var err error
			n, err = tx.ExpireSessions(ctx, tx.Now(), 1000)
			return err
		})
		if err != nil || n < 1000 {
			return err
		}
	}
}

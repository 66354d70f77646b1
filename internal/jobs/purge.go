package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/sympoq/sympoq/internal/blob"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
)

// purgeBatch bounds one transaction of the purge, so the write lock is
// never held for long.
const purgeBatch = 200

// PurgeWorker deletes, in every account, the tickets that have been in the
// trash for desk.TrashDays, with their events, tags and attachment rows.
// Deleting is idempotent, so a retry after a crash is harmless.
type PurgeWorker struct {
	river.WorkerDefaults[desk.PurgeTrash]
	DB     *store.DB
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Work purges every account in batches.
func (w *PurgeWorker) Work(ctx context.Context, job *river.Job[desk.PurgeTrash]) error {
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	cutoff := now().Add(-desk.TrashDays * 24 * time.Hour).UnixMicro()
	accounts, err := w.DB.Read().Accounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		for {
			var ids []int64
			err := w.DB.Tx(ctx, func(tx *store.Tx) error {
				var err error
				ids, err = tx.PurgeTickets(ctx, a.ID, cutoff, purgeBatch)
				return err
			})
			if err != nil {
				return err
			}
			if len(ids) > 0 && w.Logger != nil {
				w.Logger.InfoContext(ctx, "purged tickets from the trash", "account", a.Name, "count", len(ids))
			}
			if len(ids) < purgeBatch {
				break
			}
		}
	}
	return nil
}

// orphanAge keeps a blob written moments before its attachment row commits.
const orphanAge = time.Hour

// BlobCleanWorker removes stored files that no attachment of any account
// refers to (purged tickets, uploads whose transaction failed).
type BlobCleanWorker struct {
	river.WorkerDefaults[desk.CleanBlobs]
	DB     *store.DB
	Blobs  *blob.Local
	Logger *slog.Logger
}

// Work walks the blob store once.
func (w *BlobCleanWorker) Work(ctx context.Context, job *river.Job[desk.CleanBlobs]) error {
	n, err := w.Blobs.CleanOrphans(ctx, func(sha string) (bool, error) {
		return w.DB.Read().BlobReferenced(ctx, sha)
	}, orphanAge)
	if n > 0 && w.Logger != nil {
		w.Logger.InfoContext(ctx, "removed unreferenced files", "count", n)
	}
	return err
}

// IdempotencyExpiryWorker forgets idempotent responses after 24 hours.
type IdempotencyExpiryWorker struct {
	river.WorkerDefaults[desk.ExpireIdempotencyKeys]
	DB *store.DB
}

// Work deletes expired records in batches.
func (w *IdempotencyExpiryWorker) Work(ctx context.Context, job *river.Job[desk.ExpireIdempotencyKeys]) error {
	for {
		var n int64
		err := w.DB.Tx(ctx, func(tx *store.Tx) error {
			var err error
			n, err = tx.ExpireIdempotencyKeys(ctx, tx.Now().Add(-desk.IdempotencyTTL), 1000)
			return err
		})
		if err != nil || n < 1000 {
			return err
		}
	}
}

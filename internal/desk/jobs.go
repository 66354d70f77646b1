package desk

import (
	"context"

	"github.com/sympoq/sympoq/internal/store"
)

// Job is the arguments of a background job. Its Kind names the worker; the
// value is stored as JSON, so it holds ids, never secrets.
type Job interface{ Kind() string }

// Enqueuer puts jobs in the queue inside a store transaction, so a job exists
// exactly when the change that caused it commits.
type Enqueuer interface {
	Enqueue(ctx context.Context, tx *store.Tx, job Job) error
}

// RegistrationEmail sends a customer the link that lets them set a password
// and become registered.
type RegistrationEmail struct {
	AccountID int64 `json:"account_id"`
	UserID    int64 `json:"user_id"`
}

// Kind names the job.
func (RegistrationEmail) Kind() string { return "registration_email" }

// PurgeTrash removes tickets that have been in the trash for TrashDays.
type PurgeTrash struct{}

// Kind names the job.
func (PurgeTrash) Kind() string { return "purge_trash" }

// CleanBlobs removes stored files that no attachment refers to any more.
type CleanBlobs struct{}

// Kind names the job.
func (CleanBlobs) Kind() string { return "clean_blobs" }

// RunScheduledActions runs the scheduler: breaches of the service targets
// and, inside each account's working time, the scheduled actions.
type RunScheduledActions struct{}

// Kind names the job.
func (RunScheduledActions) Kind() string { return "run_scheduled_actions" }

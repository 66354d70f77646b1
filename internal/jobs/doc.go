// Package jobs runs durable background work on River, on SQLite and on
// PostgreSQL alike, over the store's writer pool: a job is enqueued inside
// the store transaction that causes it, and a worker whose effect is a
// database write completes its job in that same write's transaction
// (CompleteTx), so the effect happens exactly once. It owns River's tables
// (Migrate), the runner and the workers; it reads and writes application
// data only through package store, and knows nothing of HTTP.
package jobs

// Package jobs runs durable background work on River, on SQLite and on
// PostgreSQL alike, over the store's writer pool: a job is enqueued inside
// the store transaction that causes it, and a worker whose effect is a
// database write completes its job in that same write's transaction
// (CompleteTx), so the effect happens exactly once. Outbound email is not a
// job: the runner also runs the outbox Dispatcher, which delivers the
// messages the desk stored straight from their table. The package owns
// River's tables (Migrate), the runner, the dispatcher and the workers; it
// reads and writes application data only through package store, and knows
// nothing of HTTP.
package jobs

// Package sympoq holds the help desk's domain: the types (accounts, users,
// queues, topics, groups, tags, settings), the fixed enumerations (statuses,
// priorities, channels, roles), the error model shared by every layer, and the
// pure rules of who may do what.
//
// It knows nothing of SQL or HTTP; the store, the use cases in internal/desk
// and the transports depend on it, never the other way round.
package sympoq

package sympoq

import "context"

type ctxKey int

const (
	accountKey ctxKey = iota
	actorKey
	requestIDKey
	ifMatchKey
)

// NewContextWithAccount returns ctx carrying the account a request belongs to.
func NewContextWithAccount(ctx context.Context, a *Account) context.Context {
	return context.WithValue(ctx, accountKey, a)
}

// AccountFromContext returns the request's account, nil when none.
func AccountFromContext(ctx context.Context) *Account {
	a, _ := ctx.Value(accountKey).(*Account)
	return a
}

// NewContextWithActor returns ctx carrying the authenticated actor.
func NewContextWithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFromContext returns the request's actor and whether one was set.
func ActorFromContext(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey).(Actor)
	return a, ok
}

// NewContextWithRequestID returns ctx carrying the request id for logs.
func NewContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestIDFromContext returns the request id, "" when none.
func RequestIDFromContext(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// NewContextWithIfMatch returns ctx carrying the version a change requires
// the ticket to still have (the If-Match of the request).
func NewContextWithIfMatch(ctx context.Context, version int64) context.Context {
	return context.WithValue(ctx, ifMatchKey, version)
}

// IfMatchFromContext returns the required version, 0 when there is none.
func IfMatchFromContext(ctx context.Context) int64 {
	v, _ := ctx.Value(ifMatchKey).(int64)
	return v
}

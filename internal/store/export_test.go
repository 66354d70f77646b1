package store

import (
	"context"
	"database/sql"

	"github.com/sympoq/sympoq"
)

// TicketsPlan is Tickets with the search plan fixed: walk at most walk
// tickets (0: do not), then on SQLite a window of window tickets (0: do
// not) sliding on over at most slide more, on PostgreSQL a walk of window
// tickets sliding on likewise, then collect every match.
func (tx *Tx) TicketsPlan(ctx context.Context, accountID int64, scope TicketScope, f TicketFilter, walk, window, slide int) ([]*sympoq.Ticket, string, error) {
	return tx.tickets(ctx, accountID, scope, f, &searchPlan{walk: walk, window: window, slide: slide, wide: window})
}

// TicketsChosen is Tickets, for tests that name the plan beside the others.
func (tx *Tx) TicketsChosen(ctx context.Context, accountID int64, scope TicketScope, f TicketFilter) ([]*sympoq.Ticket, string, error) {
	return tx.tickets(ctx, accountID, scope, f, nil)
}

// QueryRowForTest runs a query of a test's own on tx.
func (tx *Tx) QueryRowForTest(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.q.QueryRowContext(ctx, q, args...)
}

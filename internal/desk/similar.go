package desk

import (
	"context"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// SimilarTickets suggests up to limit solved tickets like the given one: closed
// tickets the caller may see that share a word of its subject, most recently
// updated first. The ticket itself is out of reach → not found, as always.
func (s *Service) SimilarTickets(ctx context.Context, a Actor, ref string, limit int) ([]*TicketView, error) {
	v, err := s.Ticket(ctx, a, ref, false)
	if err != nil {
		return nil, err
	}
	if !a.IsAgent() {
		return nil, sympoq.Forbidden("only agents see suggestions")
	}
	limit = min(max(limit, 1), 20)
	rows, _, _, err := s.Tickets(ctx, a, TicketList{TicketFilter: store.TicketFilter{Status: []sympoq.Status{sympoq.StatusClosed},
		SimilarTo: v.Subject, Sort: "updated", Desc: true, Limit: limit + 1}})
	if err != nil {
		return nil, err
	}
	out := rows[:0]
	for _, r := range rows {
		if r.ID != v.ID && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

package desk

import (
	"context"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// notifyAll sends the notifications specs about ticket t and event ev inside
// tx. This placeholder sends nothing; the notification sender replaces this
// file with the real implementation (internal/desk/notify.go).
func (s *Service) notifyAll(ctx context.Context, tx *store.Tx, set *sympoq.Settings, t *sympoq.Ticket, ev *sympoq.Event, specs []sympoq.NotifySpec) error {
	return nil
}

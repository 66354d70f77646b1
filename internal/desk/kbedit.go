package desk

import (
	"context"

	"github.com/sympoq/sympoq"
)

// KBArticleForEditing returns an article, published or not, for an edit
// form: editors only (others: forbidden), and no view is counted.
func (s *Service) KBArticleForEditing(ctx context.Context, a Actor, id int64) (*sympoq.KBArticle, error) {
	tx := s.db.Read()
	set, err := tx.Settings(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	if !sympoq.Can(a, sympoq.ActEditKB, sympoq.TicketRef{}, set) {
		return nil, sympoq.Forbidden("only administrators, and agents when the settings allow it, edit the knowledge base")
	}
	return s.kbArticle(ctx, tx, a, id)
}

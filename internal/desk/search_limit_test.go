package desk

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestSearchLimit: full-text searches beyond the processors' number wait
// their turn, and one whose request runs out of time while waiting is
// "unavailable" (503), not an internal error; a plain list never waits.
func TestSearchLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := New(db, &recorder{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		c, err := s.CreateAccount(ctx, "acme", "", "")
		if err != nil {
			t.Fatal(err)
		}
		sys := System(c.Account.ID)
		if _, err := s.Submit(ctx, sys, SubmitInput{Description: Some("printer jam"),
			Customer: Some(CustomerInput{Email: Some("c@example.com")})}); err != nil {
			t.Fatal(err)
		}
		search := func(ctx context.Context) error {
			_, _, _, err := s.Tickets(ctx, sys, TicketList{TicketFilter: store.TicketFilter{Q: "printer"}})
			return err
		}
		for range cap(s.searches) { // every turn taken
			s.searches <- struct{}{}
		}
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if err := search(short); sympoq.ErrorCode(err) != sympoq.EUnavailable {
			t.Fatalf("search with every turn taken = %v, want unavailable", err)
		}
		if _, _, _, err := s.Tickets(ctx, sys, TicketList{}); err != nil {
			t.Errorf("a list without q waited for a search's turn: %v", err)
		}
		done := make(chan error, 1)
		go func() { done <- search(ctx) }()
		select {
		case err := <-done:
			t.Fatalf("search ran without a turn: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		<-s.searches // a turn frees up
		if err := <-done; err != nil {
			t.Fatalf("search after its wait: %v", err)
		}
		if n := len(s.searches); n != cap(s.searches)-1 {
			t.Errorf("%d turns taken after the search, want %d (it gave its own back)", n, cap(s.searches)-1)
		}
	})
}

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

func TestTicketMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := mustAccount(t, db, "a"), mustAccount(t, db, "b")
		var ticket int64
		err := db.Tx(ctx, func(tx *store.Tx) error {
			set, err := tx.Settings(ctx, a.ID)
			if err != nil {
				return err
			}
			cust := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindCustomer, Name: "Ann", Email: "ann@example.com",
				Active: true, Role: sympoq.RoleCustomer}
			if err := tx.CreateUser(ctx, cust); err != nil {
				return err
			}
			now := time.Now()
			tk := &sympoq.Ticket{AccountID: a.ID, DisplayID: "M-1", Queue: set.General.DefaultQueue, Channel: sympoq.ChannelEmail,
				Priority: sympoq.PriorityNormal, Status: sympoq.StatusNew, Subject: "s", Description: "d",
				Customer: cust.ID, Created: now, Updated: now, CustomFields: map[string]string{}}
			if _, err := tx.CreateTicket(ctx, tk); err != nil {
				return err
			}
			ticket = tk.ID
			for _, m := range []sympoq.TicketMessage{
				{AccountID: a.ID, MessageID: "<first@example.com>", Ticket: tk.ID, Direction: sympoq.MessageIn},
				{AccountID: a.ID, MessageID: "second@sympoq", Ticket: tk.ID, Direction: sympoq.MessageOut, Event: 7},
			} {
				if ok, err := tx.RecordMessage(ctx, &m); err != nil || !ok {
					t.Errorf("RecordMessage(%s) = %v, %v; want true", m.MessageID, ok, err)
				}
			}
			again := sympoq.TicketMessage{AccountID: a.ID, MessageID: "first@example.com", Ticket: tk.ID, Direction: sympoq.MessageIn}
			if ok, err := tx.RecordMessage(ctx, &again); err != nil || ok {
				t.Errorf("RecordMessage(duplicate) = %v, %v; want false, nil", ok, err)
			}
			if _, err := tx.RecordMessage(ctx, &sympoq.TicketMessage{AccountID: a.ID, MessageID: " <> ", Ticket: tk.ID, Direction: sympoq.MessageIn}); sympoq.ErrorCode(err) != sympoq.EInvalid {
				t.Errorf("RecordMessage(empty id) = %v; want invalid", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		r := db.Read()
		if got, err := r.MessageTicket(ctx, a.ID, []string{"", "<unknown@x>", "<second@sympoq>"}); err != nil || got != ticket {
			t.Errorf("MessageTicket = %d, %v; want %d", got, err, ticket)
		}
		if _, err := r.MessageTicket(ctx, b.ID, []string{"first@example.com"}); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("MessageTicket(other account) = %v; want not found", err)
		}
		ms, err := r.TicketMessages(ctx, a.ID, ticket)
		if err != nil || len(ms) != 2 || ms[0].MessageID != "first@example.com" || ms[1].Event != 7 || ms[1].Direction != sympoq.MessageOut {
			t.Errorf("TicketMessages = %+v, %v", ms, err)
		}
		if ms, _ := r.TicketMessages(ctx, b.ID, ticket); len(ms) != 0 {
			t.Errorf("TicketMessages(other account) = %+v; want none", ms)
		}
	})
}

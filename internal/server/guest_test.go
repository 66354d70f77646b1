package server_test

import (
	"context"
	"testing"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestGuestSubmit: the Submit use case takes guests (the web form and
// widget will call it) only while the account allows it, and files the
// request under an unregistered customer found or made by email.
func TestGuestSubmit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		accountID, admin := s.account("default")
		ctx := context.Background()
		guest := sympoq.Guest(accountID)
		in := desk.SubmitInput{Description: desk.Some("Hello from the website"), Channel: sympoq.ChannelForm,
			Customer: desk.Some(desk.CustomerInput{Name: desk.Some("Gina Guest"), Email: desk.Some("gina@example.com")})}
		v, err := s.desk.Submit(ctx, guest, in)
		if err != nil {
			t.Fatalf("guest Submit: %v", err)
		}
		if v.Channel != sympoq.ChannelForm || v.CustomerUser.Registered || v.CustomerUser.Email != "gina@example.com" || !v.ForCustomer {
			t.Errorf("guest ticket = %+v, customer %+v", v.Ticket, v.CustomerUser)
		}
		if _, err := s.desk.Submit(ctx, guest, desk.SubmitInput{Description: desk.Some("x"),
			Customer: desk.Some(desk.CustomerInput{ID: desk.Some(v.Customer)})}); sympoq.ErrorCode(err) != sympoq.EInvalid {
			t.Errorf("guest naming a customer id: err = %v, want invalid", err)
		}
		s.call("PUT", "", api+"/settings", admin, map[string]any{"general": map[string]any{"guest": map[string]any{"submit_request": false}}})
		if _, err := s.desk.Submit(ctx, guest, in); sympoq.ErrorCode(err) != sympoq.EForbidden {
			t.Errorf("guest Submit while guests may not submit: err = %v, want forbidden", err)
		}
	})
}

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := mustAccount(t, db, "a"), mustAccount(t, db, "b")
		now := time.Now().UTC().Truncate(time.Microsecond)
		var u *sympoq.User
		var s1, s2 *sympoq.Session
		err := db.Tx(ctx, func(tx *store.Tx) error {
			u = &sympoq.User{AccountID: a.ID, Kind: sympoq.KindAgent, Name: "Ann", Username: "ann-agent", Active: true}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			s1 = &sympoq.Session{AccountID: a.ID, UserID: u.ID, Hash: "h1", Created: now, LastSeen: now, Expires: now.Add(time.Hour), Addr: "10.0.0.1", UserAgent: "UA"}
			s2 = &sympoq.Session{AccountID: a.ID, UserID: u.ID, Hash: "h2", Created: now, LastSeen: now, Expires: now.Add(time.Minute)}
			if err := tx.CreateSession(ctx, s1); err != nil {
				return err
			}
			return tx.CreateSession(ctx, s2)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Read().SessionByHash(ctx, a.ID, "h1")
		if err != nil || got.ID != s1.ID || got.UserID != u.ID || !got.Expires.Equal(s1.Expires) || got.Addr != "10.0.0.1" {
			t.Fatalf("SessionByHash(h1) = %+v, %v", got, err)
		}
		if _, err := db.Read().SessionByHash(ctx, b.ID, "h1"); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("session found from another account: %v", err)
		}
		// Expiry is decided at query time.
		db.Now = func() time.Time { return now.Add(2 * time.Minute) }
		if _, err := db.Read().SessionByHash(ctx, a.ID, "h2"); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("expired session found: %v", err)
		}
		list, err := db.Read().Sessions(ctx, a.ID, u.ID)
		if err != nil || len(list) != 1 || list[0].ID != s1.ID {
			t.Errorf("Sessions = %v, %v; want only the unexpired one", list, err)
		}
		// Flash: set, taken once.
		err = db.Tx(ctx, func(tx *store.Tx) error { return tx.SetSessionFlash(ctx, a.ID, s1.ID, "Saved.") })
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{"Saved.", ""} {
			var got string
			err := db.Tx(ctx, func(tx *store.Tx) error { var err error; got, err = tx.TakeSessionFlash(ctx, a.ID, s1.ID); return err })
			if err != nil || got != want {
				t.Errorf("TakeSessionFlash #%d = %q, %v; want %q", i+1, got, err, want)
			}
		}
		// Touch moves expiry; delete of others keeps the one named.
		err = db.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.TouchSession(ctx, a.ID, s1.ID, "10.0.0.2", now.Add(3*time.Hour)); err != nil {
				return err
			}
			n, err := tx.DeleteSessions(ctx, a.ID, u.ID, s1.ID)
			if err != nil || n != 1 {
				t.Errorf("DeleteSessions = %d, %v; want 1 (the expired one)", n, err)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err = db.Read().SessionByHash(ctx, a.ID, "h1")
		if err != nil || got.Addr != "10.0.0.2" || !got.Expires.Equal(now.Add(3*time.Hour)) {
			t.Errorf("after touch: %+v, %v", got, err)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, a.ID, u.ID, s1.ID) })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Read().SessionByHash(ctx, a.ID, "h1"); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("deleted session found: %v", err)
		}
	})
}

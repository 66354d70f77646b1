package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

func TestIdempotencyKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		s2 := newStack(t, db, "") // a second server process on the same database
		accountID, admin := s.account("default")
		_, other := s.agentKey(accountID, "Other Admin")
		body := map[string]any{"description": "once only", "customer": map[string]any{"email": "c@example.com"}}
		post := func(st *stack, key, idem string, b any) response {
			t.Helper()
			return st.callWith("POST", api+"/request", key, b, map[string]string{"Idempotency-Key": idem})
		}
		tickets := func() int {
			var n int
			if err := db.Writer().QueryRow(`SELECT count(*) FROM tickets`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		first := post(s, admin, "k-1", body)
		if first.status != 201 || first.header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("first POST = %d %v", first.status, first.header)
		}
		for _, st := range []*stack{s, s2} {
			again := post(st, admin, "k-1", body)
			if again.status != 201 || again.header.Get("Idempotent-Replayed") != "true" || string(again.body) != string(first.body) ||
				again.header.Get("ETag") != first.header.Get("ETag") {
				t.Errorf("replay = %d %v %s, want the first answer replayed", again.status, again.header, again.body)
			}
		}
		if n := tickets(); n != 1 {
			t.Errorf("%d tickets after a replayed POST, want 1", n)
		}
		if r := post(s, admin, "k-1", map[string]any{"description": "different"}); r.status != 422 || r.problem().Code != "idempotency_key_reused" {
			t.Errorf("same key, other body = %d %s, want 422", r.status, r.body)
		}
		// Keys belong to the API key that used them.
		if r := post(s, other, "k-1", body); r.status != 201 || r.header.Get("Idempotent-Replayed") != "" {
			t.Errorf("another API key with the same Idempotency-Key = %d %v %s, want a new request", r.status, r.header, r.body)
		}
		// A client error is kept and replayed too.
		bad := post(s, admin, "k-bad", map[string]any{"description": ""})
		again := post(s, admin, "k-bad", map[string]any{"description": ""})
		if bad.status != 400 || again.status != 400 || again.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replayed 400 = %d then %d %v", bad.status, again.status, again.header)
		}
		// While a request with the key is in flight: 409.
		var keyID int64
		if err := db.Writer().QueryRow(`SELECT api_key_id FROM idempotency_keys WHERE key = 'k-1'`).Scan(&keyID); err != nil {
			t.Fatal(err)
		}
		if ok, _, err := s.desk.ClaimIdempotencyKey(context.Background(), accountID, keyID, "k-busy", "h"); err != nil || !ok {
			t.Fatalf("claim = %v, %v", ok, err)
		}
		if r := post(s, admin, "k-busy", body); r.status != 422 && r.status != 409 {
			t.Errorf("key in flight = %d, want 409", r.status)
		}
		before := tickets()
		if r := post(s, admin, strings.Repeat("k", 256), body); r.status != 400 {
			t.Errorf("over-long key = %d, want 400", r.status)
		}
		if n := tickets(); n != before {
			t.Errorf("a refused key wrote a ticket")
		}

		// After 24 hours the job forgets the keys.
		if _, err := db.Writer().Exec(`UPDATE idempotency_keys SET created_at = $1`, time.Now().Add(-25*time.Hour).UnixMicro()); err != nil {
			t.Fatal(err)
		}
		w := &jobs.IdempotencyExpiryWorker{DB: db}
		if err := w.Work(context.Background(), &river.Job[desk.ExpireIdempotencyKeys]{}); err != nil {
			t.Fatal(err)
		}
		var left int
		_ = db.Writer().QueryRow(`SELECT count(*) FROM idempotency_keys`).Scan(&left)
		if left != 0 {
			t.Errorf("%d idempotency records left after expiry", left)
		}
		if r := post(s, admin, "k-1", body); r.status != 201 || r.header.Get("Idempotent-Replayed") != "" {
			t.Errorf("after expiry the key runs anew: %d %v", r.status, r.header)
		}
	})
}

package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// customerKey creates a customer and returns it with an API key of its own.
func (s *stack) customerKey(accountID int64, email string) (*sympoq.User, string) {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.desk.CreateUser(ctx, desk.System(accountID), sympoq.KindCustomer, desk.UserInput{
		Name: desk.Some("Customer " + email), Email: desk.Some(email), Password: desk.Some("customer-password")})
	if err != nil {
		s.t.Fatal(err)
	}
	k, err := s.desk.CreateAPIKey(ctx, sympoq.NewActor(u), desk.APIKeyInput{Name: desk.Some("test")})
	if err != nil {
		s.t.Fatal(err)
	}
	return u, k.Key
}

func TestAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		accountID, admin := s.account("default")
		cust, custKey := s.customerKey(accountID, "cust@example.com")
		_, otherKey := s.customerKey(accountID, "other@example.com")

		r := s.call("POST", "", api+"/request", custKey, map[string]any{"description": "my printer is on fire"})
		if r.status != 201 {
			t.Fatalf("submit = %d %s", r.status, r.body)
		}
		var tk struct {
			ID             string `json:"id"`
			HasAttachments bool   `json:"has_attachments"`
			Customer       struct{ ID int64 }
		}
		r.decode(t, &tk)
		if tk.Customer.ID != cust.ID {
			t.Fatalf("ticket customer = %d, want %d", tk.Customer.ID, cust.ID)
		}
		path := api + "/ticket/" + tk.ID + "/attachment"
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)

		type att struct {
			ID          int64
			Name        string
			ContentType string `json:"content_type"`
			Size        int64
			URL         string
		}
		up := func(key string, u upload, want int) att {
			t.Helper()
			r := s.call("POST", "", path, key, u)
			if r.status != want {
				t.Fatalf("upload %q = %d, want %d (%s)", u.name, r.status, want, r.body)
			}
			var a att
			if want == 201 {
				r.decode(t, &a)
			}
			return a
		}
		pub := up(custKey, upload{name: "../../etc/photo.png", data: png}, 201)
		if pub.Name != "photo.png" || pub.ContentType != "image/png" || pub.Size != int64(len(png)) {
			t.Errorf("uploaded = %+v", pub)
		}
		page := up(admin, upload{name: "page.html", data: []byte("<script>alert(1)</script>")}, 201)
		secret := up(admin, upload{name: "secret.txt", data: []byte("internal only"), fields: map[string]string{"internal": "1"}}, 201)

		// Bad uploads.
		up(custKey, upload{name: "empty.txt"}, 400)
		up(custKey, upload{name: "x.txt", data: []byte("x"), fields: map[string]string{"internal": "1"}}, 403)
		up(otherKey, upload{name: "x.txt", data: []byte("x")}, 404)
		if r := s.call("POST", "", path, custKey, map[string]any{"file": "x"}); r.status != 415 {
			t.Errorf("JSON upload = %d, want 415", r.status)
		}
		if r := s.call("POST", "", path, custKey, upload{name: "x.txt", data: []byte("x"), fields: map[string]string{"colour": "red"}}); r.status != 400 {
			t.Errorf("unknown part = %d, want 400", r.status)
		}
		s.call("PUT", "", api+"/settings", admin, map[string]any{"attachments": map[string]any{"max_file_mb": 1, "max_ticket_mb": 2}})
		up(admin, upload{name: "big.bin", data: bytes.Repeat([]byte("a"), 1<<20+1)}, 413)
		up(admin, upload{name: "one.bin", data: bytes.Repeat([]byte("b"), 1<<20)}, 201)
		up(admin, upload{name: "two.bin", data: bytes.Repeat([]byte("c"), 1<<20)}, 413) // the ticket's 2 MB are used up

		// Downloads.
		get := func(key string, a att) response {
			t.Helper()
			return s.call("GET", "", strings.TrimPrefix(a.URL, s.srv.URL), key, nil)
		}
		r = get(custKey, pub)
		if r.status != 200 || !bytes.Equal(r.body, png) || r.header.Get("Content-Type") != "image/png" ||
			!strings.HasPrefix(r.header.Get("Content-Disposition"), "inline") || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("png download = %d %v", r.status, r.header)
		}
		r = get(custKey, page)
		if r.status != 200 || r.header.Get("Content-Type") != "application/octet-stream" ||
			!strings.HasPrefix(r.header.Get("Content-Disposition"), `attachment; filename=page.html`) ||
			!strings.Contains(r.header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("html download is not a sandboxed download: %d %v", r.status, r.header)
		}
		if r := get(custKey, secret); r.status != 404 {
			t.Errorf("customer downloads an internal file: %d", r.status)
		}
		if r := get(admin, secret); r.status != 200 || string(r.body) != "internal only" {
			t.Errorf("agent download of internal file = %d %q", r.status, r.body)
		}
		if r := get(otherKey, pub); r.status != 404 {
			t.Errorf("another customer downloads the file: %d", r.status)
		}
		if r := s.call("GET", "", path+"/999999", admin, nil); r.status != 404 {
			t.Errorf("unknown attachment = %d", r.status)
		}

		// The ticket says it has attachments; the customer's log shows
		// only the public ones.
		r = s.call("GET", "", api+"/ticket/"+tk.ID+"?event_log=1", custKey, nil)
		var got struct {
			HasAttachments bool `json:"has_attachments"`
			EventLog       []struct {
				Action        string
				AttachmentURL *string `json:"attachment_url"`
			} `json:"event_log"`
		}
		_ = json.Unmarshal(r.body, &got)
		n := 0
		for _, e := range got.EventLog {
			if e.Action == "Attachment" {
				n++
				if e.AttachmentURL == nil {
					t.Errorf("attachment event without url")
				}
			}
		}
		if !got.HasAttachments || n != 3 {
			t.Errorf("customer sees has_attachments=%v and %d attachment events, want true and 3", got.HasAttachments, n)
		}
	})
}

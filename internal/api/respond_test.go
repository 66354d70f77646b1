package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sympoq/sympoq"
)

// TestWriteErrorOutOfTime: a request that ran out of its time, however
// deep the deadline error, is a 503 the client may retry, not a 500; so is
// the desk's own "unavailable". Anything else unknown stays a 500.
func TestWriteErrorOutOfTime(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"deadline", fmt.Errorf("query tickets: %w", context.DeadlineExceeded), http.StatusServiceUnavailable, sympoq.EUnavailable},
		{"unavailable", sympoq.Errorf(sympoq.EUnavailable, "too many searches at once"), http.StatusServiceUnavailable, sympoq.EUnavailable},
		{"other", errors.New("disk on fire"), http.StatusInternalServerError, sympoq.EInternal},
	} {
		w := httptest.NewRecorder()
		WriteError(w, httptest.NewRequest("GET", "/app/desk/api/tickets?q=x", nil), logger, c.err)
		var p Problem
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if w.Code != c.status || p.Status != c.status || p.Code != c.code {
			t.Errorf("%s: %d %+v, want %d %s", c.name, w.Code, p, c.status, c.code)
		}
		if retry := w.Header().Get("Retry-After"); (c.status == http.StatusServiceUnavailable) != (retry == "1") {
			t.Errorf("%s: Retry-After %q", c.name, retry)
		}
		if p.Detail == "disk on fire" || p.Detail == "" {
			t.Errorf("%s: detail %q", c.name, p.Detail)
		}
	}
}

// TestAPITimeFormat: ticket-level times are UTC to the second, ending in
// "Z", whatever the zone and fraction of the time given.
func TestAPITimeFormat(t *testing.T) {
	for tm, want := range map[time.Time]string{
		time.Date(2024, 9, 5, 14, 20, 54, 999999999, time.UTC):                      "2024-09-05T14:20:54Z",
		time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC):                                    "0001-01-01T00:00:01Z",
		time.Date(2025, 1, 1, 3, 0, 0, 5, time.FixedZone("UTC+05:30", 5*3600+1800)): "2024-12-31T21:30:00Z",
		time.UnixMicro(1733400000123456):                                            "2024-12-05T12:00:00Z",
	} {
		if got := apiTime(tm); got == nil || *got != want {
			t.Errorf("apiTime(%v) = %v, want %s", tm, got, want)
		}
	}
	if got := apiTime(time.Time{}); got != nil {
		t.Errorf("apiTime(zero) = %q, want nil", *got)
	}
}

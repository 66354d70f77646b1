package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sympoq/sympoq"
)

// TestFailBusy: a page whose request ran out of time, or whose use case
// was unavailable, is a 503 that asks to try again (with Retry-After), not
// the 500 of an internal error; an internal error stays a 500.
func TestFailBusy(t *testing.T) {
	w := New(nil, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, c := range []struct {
		name   string
		err    error
		status int
		text   string
	}{
		{"out of time", fmt.Errorf("list tickets: %w", context.DeadlineExceeded), http.StatusServiceUnavailable, "Busy right now"},
		{"unavailable", sympoq.Errorf(sympoq.EUnavailable, "too many searches"), http.StatusServiceUnavailable, "Busy right now"},
		{"internal", fmt.Errorf("disk on fire"), http.StatusInternalServerError, "Something went wrong"},
	} {
		rw := httptest.NewRecorder()
		rq := &request{Request: httptest.NewRequest("GET", "/app/desk/tickets", nil)}
		w.fail(rw, rq, c.err)
		if rw.Code != c.status || !strings.Contains(rw.Body.String(), c.text) {
			t.Errorf("%s: %d, body without %q:\n%.300s", c.name, rw.Code, c.text, rw.Body.String())
		}
		if got := rw.Header().Get("Retry-After"); (c.status == http.StatusServiceUnavailable) != (got == "1") {
			t.Errorf("%s: Retry-After %q", c.name, got)
		}
		if strings.Contains(rw.Body.String(), "disk on fire") {
			t.Errorf("%s: the error's text reached the page", c.name)
		}
	}
}

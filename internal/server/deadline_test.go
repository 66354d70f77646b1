package server_test

import (
	"testing"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
	"github.com/sympoq/sympoq/internal/worktime"
)

// TestDeadlineFromServiceTargets: a new ticket falls due after its
// priority's resolution target in working time; estimated shows that span.
func TestDeadlineFromServiceTargets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		_, admin := s.account("default")
		cal := worktime.New(sympoq.DefaultSettings().General.WorkingTime, time.UTC)
		for _, tc := range []struct {
			priority int
			target   time.Duration // defaults: urgent 4h, normal 3d of 8h
			want     string
		}{{4, 4 * time.Hour, "0 04:00"}, {2, 24 * time.Hour, "1 00:00"}} {
			r := s.call("POST", "", api+"/request", admin, map[string]any{"description": "d", "priority": tc.priority,
				"customer": map[string]any{"email": "c@example.com"}})
			var tk struct {
				Created   time.Time
				Deadline  *time.Time
				Estimated *string
			}
			r.decode(t, &tk)
			want := cal.Add(tk.Created, tc.target)
			if tk.Deadline == nil || tk.Deadline.Sub(want).Abs() > time.Second {
				t.Errorf("priority %d: deadline %v, want %v", tc.priority, tk.Deadline, want)
			}
			if tk.Estimated == nil || *tk.Estimated != tc.want {
				t.Errorf("priority %d: estimated %q, want %s", tc.priority, deref(tk.Estimated), tc.want)
			}
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

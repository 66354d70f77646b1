package sympoq

import (
	"fmt"
	"testing"
)

// TestNextStatus checks every action against every status (product.md §4.2).
func TestNextStatus(t *testing.T) {
	N, W, P, C := StatusNew, StatusWorking, StatusPending, StatusClosed
	type want struct {
		status Status
		spawn  bool
	}
	// For each action: the outcome from New, Working, Pending, Closed.
	table := []struct {
		action    EventAction
		assigning bool
		reopen    bool
		from      [4]want
	}{
		{EvSubmitted, false, true, [4]want{{N, false}, {N, false}, {N, false}, {N, false}}},
		{EvAssign, true, true, [4]want{{W, false}, {W, false}, {P, false}, {C, false}}},
		{EvAssign, false, true, [4]want{{N, false}, {W, false}, {P, false}, {C, false}}}, // unassign
		{EvReply, false, true, [4]want{{P, false}, {P, false}, {P, false}, {P, false}}},
		{EvNote, false, true, [4]want{{W, false}, {W, false}, {P, false}, {C, false}}},
		{EvCall, false, true, [4]want{{W, false}, {W, false}, {P, false}, {C, false}}},
		{EvCustomerReply, false, true, [4]want{{N, false}, {W, false}, {W, false}, {W, false}}},
		{EvCustomerReply, false, false, [4]want{{N, false}, {W, false}, {W, false}, {C, true}}},
		{EvClose, false, true, [4]want{{C, false}, {C, false}, {C, false}, {C, false}}},
		{EvMerge, false, true, [4]want{{C, false}, {C, false}, {C, false}, {C, false}}},
		{EvReopen, false, true, [4]want{{N, false}, {W, false}, {P, false}, {W, false}}},
		{EvUnmerge, false, true, [4]want{{N, false}, {W, false}, {P, false}, {W, false}}},
	}
	unchanged := []EventAction{EvMove, EvSetTopic, EvSetPriority, EvSetDeadline, EvTags, EvCustomFields,
		EvStatus, EvAttachment, EvNotified, EvRate, EvDelete, EvRestore, EvRule}
	for _, a := range unchanged {
		table = append(table, struct {
			action    EventAction
			assigning bool
			reopen    bool
			from      [4]want
		}{a, false, true, [4]want{{N, false}, {W, false}, {P, false}, {C, false}}})
	}
	for _, row := range table {
		for i, cur := range []Status{N, W, P, C} {
			t.Run(fmt.Sprintf("%s/assign=%v/reopen=%v/%s", row.action, row.assigning, row.reopen, cur), func(t *testing.T) {
				got := NextStatus(cur, row.action, row.assigning, TransitionRules{CustomersReopen: row.reopen})
				w := row.from[i]
				if got.Status != w.status || got.Spawn != w.spawn {
					t.Errorf("NextStatus(%s, %s) = %v spawn=%v, want %v spawn=%v", cur, row.action, got.Status, got.Spawn, w.status, w.spawn)
				}
			})
		}
	}
}

package sympoq

import "testing"

// TestCanReadKB checks who reads which category: every role against every
// access level, with the guest toggle on and off.
func TestCanReadKB(t *testing.T) {
	const g1, g2 = int64(7), int64(8)
	agent := NewActor(&User{ID: 1, AccountID: 1, Kind: KindAgent})
	admin := NewActor(&User{ID: 2, AccountID: 1, Kind: KindAgent, Administrator: true})
	cust := func(role CustomerRole, group int64) Actor {
		return NewActor(&User{ID: 3, AccountID: 1, Kind: KindCustomer, Role: role, GroupID: group})
	}
	other := NewActor(&User{ID: 4, AccountID: 2, Kind: KindAgent, Administrator: true})
	cats := map[string]*KBCategory{
		"internal":       {AccountID: 1, Access: KBInternal},
		"customer g1":    {AccountID: 1, Access: KBCustomer, Groups: []int64{g1}},
		"customer g1 g2": {AccountID: 1, Access: KBCustomer, Groups: []int64{g1, g2}},
		"customer none":  {AccountID: 1, Access: KBCustomer}, // its groups were deleted
		"public":         {AccountID: 1, Access: KBPublic},
	}
	on := DefaultSettings()
	on.General.Guest.PublicKB = true
	off := DefaultSettings()
	off.General.Guest.PublicKB = false
	for _, tc := range []struct {
		who   string
		a     Actor
		s     *Settings
		reads []string
	}{
		{"administrator", admin, &off, []string{"internal", "customer g1", "customer g1 g2", "customer none", "public"}},
		{"agent", agent, &off, []string{"internal", "customer g1", "customer g1 g2", "customer none", "public"}},
		{"customer of g1", cust(RoleCustomer, g1), &off, []string{"customer g1", "customer g1 g2", "public"}},
		{"customer manager of g1", cust(RoleCustomerManager, g1), &off, []string{"customer g1", "customer g1 g2", "public"}},
		{"customer of g2", cust(RoleCustomer, g2), &off, []string{"customer g1 g2", "public"}},
		{"customer of no group", cust(RoleCustomer, 0), &on, []string{"public"}},
		{"guest, toggle on", Guest(1), &on, []string{"public"}},
		{"guest, toggle off", Guest(1), &off, nil},
		{"administrator of another account", other, &on, nil},
		{"guest of another account", Guest(2), &on, nil},
	} {
		for name, c := range cats {
			want := false
			for _, r := range tc.reads {
				want = want || r == name
			}
			if got := CanReadKB(tc.a, c, tc.s); got != want {
				t.Errorf("%s reads %s = %v, want %v", tc.who, name, got, want)
			}
		}
	}
	if CanReadKB(agent, nil, &on) {
		t.Error("no category is readable")
	}
}

// TestCanEditKB: administrators always, agents when allowed, nobody else.
func TestCanEditKB(t *testing.T) {
	allowed := DefaultSettings()
	allowed.Automation.AgentsEditKB = true
	denied := DefaultSettings()
	for _, tc := range []struct {
		who  string
		a    Actor
		s    *Settings
		want bool
	}{
		{"administrator", NewActor(&User{ID: 1, AccountID: 1, Kind: KindAgent, Administrator: true}), &denied, true},
		{"agent, allowed", NewActor(&User{ID: 2, AccountID: 1, Kind: KindAgent}), &allowed, true},
		{"agent, not allowed", NewActor(&User{ID: 2, AccountID: 1, Kind: KindAgent}), &denied, false},
		{"customer manager", NewActor(&User{ID: 3, AccountID: 1, Kind: KindCustomer, Role: RoleCustomerManager}), &allowed, false},
		{"guest", Guest(1), &allowed, false},
	} {
		if got := Can(tc.a, ActEditKB, TicketRef{}, tc.s); got != tc.want {
			t.Errorf("%s edits the knowledge base = %v, want %v", tc.who, got, tc.want)
		}
	}
}

package sympoq

import (
	"fmt"
	"testing"
)

// TestCan checks every role of product.md §2 against every action.
func TestCan(t *testing.T) {
	const (
		q1, q2      = int64(1), int64(2)
		vip, other  = int64(7), int64(8)
		me, someone = int64(100), int64(200)
		customer    = int64(300)
		otherPerson = int64(301)
	)
	agent := func(admin bool, perms ...QueuePermission) Actor {
		for i := range perms {
			perms[i].Agent = me
		}
		return NewActor(&User{ID: me, AccountID: 1, Kind: KindAgent, Administrator: admin, Permissions: perms})
	}
	cust := func(id int64, role CustomerRole, group int64) Actor {
		return NewActor(&User{ID: id, AccountID: 1, Kind: KindCustomer, Role: role, GroupID: group})
	}
	unassigned := TicketRef{Queue: q1, Customer: customer, CustomerGroup: vip}
	assignedMe := TicketRef{Queue: q1, Assignee: me, Customer: customer, CustomerGroup: vip}
	assignedOther := TicketRef{Queue: q1, Assignee: someone, Customer: customer, CustomerGroup: vip}

	on := DefaultSettings()
	off := DefaultSettings()
	off.Automation = AutomationSettings{}
	off.General.Guest = GuestAccess{}

	type row struct {
		who    string
		actor  Actor
		ticket TicketRef
		s      *Settings
		allow  []Action // everything else is denied
	}
	all := []Action{ActReadSettings, ActWriteSettings, ActReadUsers, ActWriteAgents, ActWriteCustomers,
		ActReports, ActSubmit, ActCreateTag, ActSeeTicket, ActReply, ActCustomerReply, ActNote,
		ActSetFields, ActSetStatus, ActAssign, ActSelfAssign, ActMove, ActClose, ActReopen, ActRate,
		ActMerge, ActDelete, ActRestore}
	agentWork := []Action{ActSeeTicket, ActReply, ActNote, ActSetFields, ActClose, ActReopen}
	managerWork := []Action{ActSeeTicket, ActReply, ActNote, ActSetFields, ActAssign, ActSelfAssign,
		ActMove, ActClose, ActReopen, ActMerge, ActDelete}
	cat := func(lists ...[]Action) []Action {
		var out []Action
		for _, l := range lists {
			out = append(out, l...)
		}
		return out
	}
	agentBase := []Action{ActReadSettings, ActReadUsers, ActSubmit}
	rows := []row{
		{"administrator", agent(true), unassigned, &on,
			cat(all[:8], managerWork, []Action{ActSetStatus, ActRestore})},
		{"administrator, status by hand off", agent(true), unassigned, &off,
			cat(all[:6], []Action{ActSubmit}, managerWork, []Action{ActCreateTag, ActRestore})},
		{"queue manager of the ticket's queue", agent(false, QueuePermission{Queue: q1, Role: RoleQueueManager}), assignedOther, &on,
			cat(agentBase, []Action{ActWriteCustomers, ActReports, ActCreateTag, ActSetStatus}, managerWork)},
		{"queue manager of another queue", agent(false, QueuePermission{Queue: q2, Role: RoleQueueManager}), assignedOther, &on,
			cat(agentBase, []Action{ActWriteCustomers, ActCreateTag})},
		{"agent, ticket assigned to them", agent(false, QueuePermission{Queue: q1, Role: RoleAgent}), assignedMe, &on,
			cat(agentBase, []Action{ActWriteCustomers, ActCreateTag, ActSetStatus}, agentWork)},
		{"agent, ticket assigned to them, settings off", agent(false, QueuePermission{Queue: q1, Role: RoleAgent}), assignedMe, &off,
			cat([]Action{ActReadSettings, ActReadUsers, ActSubmit, ActWriteCustomers}, agentWork)},
		{"agent, unassigned, self-assignment on", agent(false, QueuePermission{Queue: q1, Role: RoleAgent}), unassigned, &on,
			cat(agentBase, []Action{ActWriteCustomers, ActCreateTag, ActSeeTicket, ActSelfAssign})},
		{"agent, unassigned, self-assignment off", agent(false, QueuePermission{Queue: q1, Role: RoleAgent}), unassigned, &off,
			[]Action{ActReadSettings, ActReadUsers, ActSubmit, ActWriteCustomers}},
		{"agent, assigned to someone else", agent(false, QueuePermission{Queue: q1, Role: RoleAgent}), assignedOther, &on,
			cat(agentBase, []Action{ActWriteCustomers, ActCreateTag})},
		{"agent of another queue", agent(false, QueuePermission{Queue: q2, Role: RoleAgent}), unassigned, &on,
			cat(agentBase, []Action{ActWriteCustomers, ActCreateTag})},
		{"agent without queues", agent(false), unassigned, &on,
			cat(agentBase, []Action{ActCreateTag})},
		{"customer, own ticket", cust(customer, RoleCustomer, vip), unassigned, &on,
			[]Action{ActSubmit, ActSeeTicket, ActCustomerReply, ActClose, ActReopen, ActRate}},
		{"customer, own ticket, settings off", cust(customer, RoleCustomer, vip), unassigned, &off,
			[]Action{ActSubmit, ActSeeTicket, ActCustomerReply}},
		{"customer, someone else's ticket in their group", cust(otherPerson, RoleCustomer, vip), unassigned, &on,
			[]Action{ActSubmit}},
		{"customer manager, group's ticket", cust(otherPerson, RoleCustomerManager, vip), unassigned, &on,
			[]Action{ActSubmit, ActSeeTicket, ActCustomerReply, ActClose, ActReopen, ActRate}},
		{"customer manager, other group's ticket", cust(otherPerson, RoleCustomerManager, other), unassigned, &on,
			[]Action{ActSubmit}},
		{"customer manager without a group", cust(otherPerson, RoleCustomerManager, 0), TicketRef{Queue: q1, Customer: customer}, &on,
			[]Action{ActSubmit}},
		{"guest, submissions on", Guest(1), unassigned, &on, []Action{ActSubmit}},
		{"guest, submissions off", Guest(1), unassigned, &off, nil},
	}
	for _, r := range rows {
		allowed := map[Action]bool{}
		for _, a := range r.allow {
			allowed[a] = true
		}
		for _, act := range all {
			t.Run(fmt.Sprintf("%s/%d", r.who, act), func(t *testing.T) {
				if got := Can(r.actor, act, r.ticket, r.s); got != allowed[act] {
					t.Errorf("Can(%s, action %d) = %v, want %v", r.who, act, got, allowed[act])
				}
			})
		}
	}
}

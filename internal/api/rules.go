package api

import (
	"net/http"
	"strconv"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// Automation rules (product.md §7): submission rules under /rule(s), per
// channel, and scheduled actions under /scheduled_action(s), each with the
// number of tickets its next run would touch.

type notifyJSON struct {
	Template   string          `json:"template"`
	Recipients []recipientJSON `json:"recipients"`
}

type ruleJSON struct {
	ID          int64                 `json:"id"`
	Channel     *sympoq.Channel       `json:"channel,omitempty"`
	Priority    int                   `json:"priority"`
	Description string                `json:"description"`
	Active      bool                  `json:"active"`
	System      *bool                 `json:"system,omitempty"`
	Match       sympoq.MatchMode      `json:"match"`
	Conditions  []sympoq.Condition    `json:"conditions"`
	Set         sympoq.RuleValues     `json:"set"`
	Not         *[]sympoq.TicketNot   `json:"not,omitempty"`
	Time        *sympoq.TimeCondition `json:"time,omitempty"`
	Notify      []notifyJSON          `json:"notify"`
	Pending     *int                  `json:"pending,omitempty"`
}

func toRuleJSON(r *sympoq.Rule, pending *int) ruleJSON {
	out := ruleJSON{ID: r.ID, Priority: r.Priority, Description: r.Description, Active: r.Active, Match: r.Match,
		Conditions: r.Conditions, Set: r.Set, Notify: []notifyJSON{}, Pending: pending}
	if out.Conditions == nil {
		out.Conditions = []sympoq.Condition{}
	}
	if r.Kind == sympoq.RuleSubmission {
		ch, sys := r.Channel, r.System
		out.Channel, out.System = &ch, &sys
	} else {
		not := r.Not
		if not == nil {
			not = []sympoq.TicketNot{}
		}
		out.Not, out.Time = &not, r.Time
	}
	for _, n := range r.Notify {
		nj := notifyJSON{Template: n.Template, Recipients: []recipientJSON{}}
		for _, rc := range n.Recipients {
			rj := recipientJSON{Kind: rc.Kind}
			if rc.User != 0 {
				rj.User = &rc.User
			}
			if rc.Address != "" {
				rj.Address = &rc.Address
			}
			nj.Recipients = append(nj.Recipients, rj)
		}
		out.Notify = append(out.Notify, nj)
	}
	return out
}

// rules lists the submission rules, of one channel with ?channel=.
func (a *API) rules(w http.ResponseWriter, r *http.Request) error {
	var ch sympoq.Channel
	if v := r.URL.Query().Get("channel"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !sympoq.Channel(n).Valid() {
			return sympoq.FieldErr("channel", sympoq.FieldInvalid, "must be 1 (Form), 2 (Email), 3 (API) or 4 (Phone)")
		}
		ch = sympoq.Channel(n)
	}
	rs, err := a.desk.Rules(r.Context(), actor(r), sympoq.RuleSubmission, ch)
	if err != nil {
		return err
	}
	out := make([]ruleJSON, len(rs))
	for i, x := range rs {
		out[i] = toRuleJSON(x, nil)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// scheduledActions lists the scheduled actions with their pending counts.
func (a *API) scheduledActions(w http.ResponseWriter, r *http.Request) error {
	rs, err := a.desk.Rules(r.Context(), actor(r), sympoq.RuleScheduled, 0)
	if err != nil {
		return err
	}
	out := make([]ruleJSON, len(rs))
	for i, x := range rs {
		n, err := a.desk.PendingCount(r.Context(), actor(r), x.ID)
		if err != nil {
			return err
		}
		out[i] = toRuleJSON(x, &n)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func ruleItem(kind sympoq.RuleKind) item[*sympoq.Rule, desk.RuleInput] {
	return item[*sympoq.Rule, desk.RuleInput]{
		get: func(a *API, r *http.Request, id int64) (*sympoq.Rule, error) {
			return a.desk.Rule(r.Context(), actor(r), kind, id)
		},
		save: func(a *API, r *http.Request, id int64, in desk.RuleInput) (*sympoq.Rule, error) {
			return a.desk.SaveRule(r.Context(), actor(r), kind, id, in)
		},
		delete: func(a *API, r *http.Request, id int64) error {
			return a.desk.DeleteRule(r.Context(), actor(r), kind, id)
		},
		json: func(x *sympoq.Rule) any { return toRuleJSON(x, nil) },
	}
}

var submissionRuleItem = ruleItem(sympoq.RuleSubmission)

var scheduledActionItem = ruleItem(sympoq.RuleScheduled)

// withPending answers with a scheduled action and its pending count.
func (a *API) withPending(w http.ResponseWriter, r *http.Request, status int, x *sympoq.Rule) error {
	n, err := a.desk.PendingCount(r.Context(), actor(r), x.ID)
	if err != nil {
		return err
	}
	writeJSON(w, status, toRuleJSON(x, &n))
	return nil
}

func (a *API) scheduledAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	x, err := a.desk.Rule(r.Context(), actor(r), sympoq.RuleScheduled, id)
	if err != nil {
		return err
	}
	return a.withPending(w, r, http.StatusOK, x)
}

func (a *API) saveScheduledAction(create bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var id int64
		status := http.StatusCreated
		if !create {
			var err error
			if id, err = pathID(r, "id"); err != nil {
				return err
			}
			status = http.StatusOK
		}
		in, err := decode[desk.RuleInput](w, r)
		if err != nil {
			return err
		}
		x, err := a.desk.SaveRule(r.Context(), actor(r), sympoq.RuleScheduled, id, in)
		if err != nil {
			return err
		}
		return a.withPending(w, r, status, x)
	}
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sympoq/sympoq"
)

// ruleData is the stored JSON of a rule's body.
type ruleData struct {
	Match      sympoq.MatchMode      `json:"match"`
	Conditions []sympoq.Condition    `json:"conditions,omitempty"`
	Set        sympoq.RuleValues     `json:"set"`
	Not        []sympoq.TicketNot    `json:"not,omitempty"`
	Time       *sympoq.TimeCondition `json:"time,omitempty"`
	Notify     []notifyData          `json:"notify,omitempty"`
}

type notifyData struct {
	Template   string          `json:"template"`
	Recipients []recipientData `json:"recipients"`
}

type recipientData struct {
	Kind    sympoq.RecipientKind `json:"kind"`
	User    int64                `json:"user,omitempty"`
	Address string               `json:"address,omitempty"`
}

func encodeRule(r *sympoq.Rule) (string, error) {
	d := ruleData{Match: r.Match, Conditions: r.Conditions, Set: r.Set, Not: r.Not, Time: r.Time}
	for _, n := range r.Notify {
		nd := notifyData{Template: n.Template}
		for _, rc := range n.Recipients {
			nd.Recipients = append(nd.Recipients, recipientData(rc))
		}
		d.Notify = append(d.Notify, nd)
	}
	b, err := json.Marshal(d)
	return string(b), err
}

func decodeRule(r *sympoq.Rule, data string) error {
	var d ruleData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return fmt.Errorf("rule %d data: %w", r.ID, err)
	}
	r.Match, r.Conditions, r.Set, r.Not, r.Time = d.Match, d.Conditions, d.Set, d.Not, d.Time
	if r.Match == "" {
		r.Match = sympoq.MatchAll
	}
	r.Notify = nil
	for _, n := range d.Notify {
		spec := sympoq.NotifySpec{Template: n.Template}
		for _, rc := range n.Recipients {
			spec.Recipients = append(spec.Recipients, sympoq.Recipient(rc))
		}
		r.Notify = append(r.Notify, spec)
	}
	return nil
}

// CreateRule inserts r and sets r.ID.
func (tx *Tx) CreateRule(ctx context.Context, r *sympoq.Rule) error {
	data, err := encodeRule(r)
	if err != nil {
		return err
	}
	id, err := tx.insert(ctx, `INSERT INTO rules (account_id, kind, channel, priority, description, active, system, data,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		r.AccountID, string(r.Kind), int(r.Channel), r.Priority, r.Description, r.Active, r.System, data,
		micros(r.Created), micros(r.Updated))
	r.ID = id
	return mapErr(err, "rule")
}

// EnsureCatchAll creates the system "Catch all" submission rule of every
// channel of the account that lacks one.
func (tx *Tx) EnsureCatchAll(ctx context.Context, accountID int64) error {
	for _, ch := range []sympoq.Channel{sympoq.ChannelForm, sympoq.ChannelEmail, sympoq.ChannelAPI, sympoq.ChannelPhone} {
		_, err := tx.exec(ctx, `INSERT INTO rules (account_id, kind, channel, priority, description, active, system, data,
			created_at, updated_at) VALUES ($1, 'submission', $2, 0, $3, TRUE, TRUE, '{"match":"all"}', $4, $4)
			ON CONFLICT (account_id, kind, channel) WHERE system DO NOTHING`,
			accountID, int(ch), sympoq.CatchAllDescription, tx.now.UnixMicro())
		if err != nil {
			return err
		}
	}
	return nil
}

// UpdateRule saves r.
func (tx *Tx) UpdateRule(ctx context.Context, r *sympoq.Rule) error {
	data, err := encodeRule(r)
	if err != nil {
		return err
	}
	res, err := tx.exec(ctx, `UPDATE rules SET priority = $1, description = $2, active = $3, data = $4, updated_at = $5
		WHERE account_id = $6 AND id = $7`, r.Priority, r.Description, r.Active, data, micros(r.Updated), r.AccountID, r.ID)
	return checkAffected(res, err, "rule")
}

// DeleteRule removes a rule that is not a system rule.
func (tx *Tx) DeleteRule(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM rules WHERE account_id = $1 AND id = $2 AND NOT system`, accountID, id)
	return checkAffected(res, err, "rule")
}

// RuleFilter selects rules: of one kind, of one channel (0: any).
type RuleFilter struct {
	Kind    sympoq.RuleKind
	Channel sympoq.Channel
	ID      int64 // only this rule
}

// Rules lists rules in run order: custom rules by priority and id, system
// rules last.
func (tx *Tx) Rules(ctx context.Context, accountID int64, f RuleFilter) ([]*sympoq.Rule, error) {
	rows, err := tx.queryAtOnce(ctx, `SELECT id, kind, channel, priority, description, active, system, data, created_at,
		updated_at FROM rules WHERE account_id = $1 AND kind = $2 AND ($3 = 0 OR channel = $3) AND ($4 = 0 OR id = $4)
		ORDER BY channel, system, priority, id`, accountID, string(f.Kind), int(f.Channel), f.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*sympoq.Rule{}
	for rows.Next() {
		r := &sympoq.Rule{AccountID: accountID}
		var kind, data string
		var created, updated nullInt
		if err := rows.Scan(&r.ID, &kind, &r.Channel, &r.Priority, &r.Description, &r.Active, &r.System, &data,
			&created, &updated); err != nil {
			return nil, err
		}
		r.Kind, r.Created, r.Updated = sympoq.RuleKind(kind), fromMicros(created), fromMicros(updated)
		if err := decodeRule(r, data); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Rule returns one rule of the given kind.
func (tx *Tx) Rule(ctx context.Context, accountID int64, kind sympoq.RuleKind, id int64) (*sympoq.Rule, error) {
	if id <= 0 {
		return nil, sympoq.NotFound("rule")
	}
	rs, err := tx.Rules(ctx, accountID, RuleFilter{Kind: kind, ID: id})
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, sympoq.NotFound("rule")
	}
	return rs[0], nil
}

// Candidates is a page of tickets that a scheduled action may fire on: not
// deleted, past the time condition's SQL bound, with an id above After, and
// not already fired on by the rule at their current version. The caller
// checks every other condition.
type Candidates struct {
	Rule *sympoq.Rule
	// Bound is the latest value of the time condition's column that can be
	// due now (now − hours, or now + hours for before_deadline); zero: none.
	Bound     time.Time
	Column    string // the time column Bound applies to, "" for none
	NotClosed bool
	After     int64
	Limit     int
}

// TimeColumn is the ticket column a time event counts from.
func TimeColumn(e sympoq.TimeEvent) string {
	switch e {
	case sympoq.AfterCreated:
		return "t.created_at"
	case sympoq.BeforeDeadline, sympoq.AfterDeadline:
		return "t.deadline"
	case sympoq.AfterLastUpdate:
		return "t.updated_at"
	case sympoq.AfterLastAgentReply:
		return "t.last_agent_reply_at"
	case sympoq.AfterLastCustomerReply:
		// The latest customer message is the later of the submission and
		// the last customer reply; created_at is the looser bound.
		return "t.created_at"
	}
	return ""
}

// RuleCandidates returns the next page of c, ordered by id.
func (tx *Tx) RuleCandidates(ctx context.Context, accountID int64, c Candidates) ([]*sympoq.Ticket, error) {
	q := `SELECT ` + ticketColumns + ` FROM tickets t
		LEFT JOIN rule_fires f ON f.account_id = t.account_id AND f.rule_id = $2 AND f.ticket_id = t.id
		WHERE t.account_id = $1 AND t.deleted_at IS NULL AND t.id > $3 AND (f.ticket_id IS NULL OR f.version <> t.version)`
	args := []any{accountID, c.Rule.ID, c.After}
	if c.Column != "" && !c.Bound.IsZero() {
		args = append(args, c.Bound.UnixMicro())
		q += fmt.Sprintf(` AND %s IS NOT NULL AND %s <= $%d`, c.Column, c.Column, len(args))
	}
	if c.NotClosed {
		q += ` AND t.status <> 4`
	}
	q += fmt.Sprintf(` ORDER BY t.id LIMIT %d`, c.Limit)
	rows, err := tx.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sympoq.Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Fired reports the ticket version at which rule last fired on ticket (0:
// never).
func (tx *Tx) Fired(ctx context.Context, accountID, ruleID, ticketID int64) (int64, error) {
	var v int64
	err := tx.q.QueryRowContext(ctx, `SELECT version FROM rule_fires WHERE account_id = $1 AND rule_id = $2 AND ticket_id = $3`,
		accountID, ruleID, ticketID).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return v, err
}

// RecordFire notes that rule fired on ticket, leaving it at version.
func (tx *Tx) RecordFire(ctx context.Context, accountID, ruleID, ticketID, version int64) error {
	_, err := tx.exec(ctx, `INSERT INTO rule_fires (account_id, rule_id, ticket_id, version, fired_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account_id, ticket_id, rule_id) DO UPDATE SET version = excluded.version, fired_at = excluded.fired_at`,
		accountID, ruleID, ticketID, version, tx.now.UnixMicro())
	return err
}

// BreachCandidates returns up to limit open tickets whose first-response due
// time or deadline has passed at now without a recorded breach, by id.
func (tx *Tx) BreachCandidates(ctx context.Context, accountID int64, now time.Time, after int64, limit int) ([]*sympoq.Ticket, error) {
	// Each arm reads a partial index of migration 0014, which holds only the
	// live tickets whose target is still pending, in id order from after;
	// the scan of the tickets this replaces read every ticket of the
	// account once a minute. CROSS JOIN keeps SQLite from walking an index
	// of the account's tickets to test them against the candidates.
	n := fmt.Sprint(limit)
	rows, err := tx.q.QueryContext(ctx, `SELECT `+ticketColumns+` FROM (
		  SELECT id FROM (SELECT id FROM tickets WHERE account_id = $1 AND deleted_at IS NULL AND responded_at IS NULL
		    AND response_breached_at IS NULL AND response_due IS NOT NULL AND id > $3 AND response_due <= $2
		    ORDER BY id LIMIT `+n+`) r
		  UNION
		  SELECT id FROM (SELECT id FROM tickets WHERE account_id = $1 AND deleted_at IS NULL AND closed_at IS NULL
		    AND resolution_breached_at IS NULL AND deadline IS NOT NULL AND id > $3 AND deadline <= $2
		    ORDER BY id LIMIT `+n+`) d
		) c CROSS JOIN tickets t WHERE t.id = c.id AND t.account_id = $1 ORDER BY t.id LIMIT `+n, accountID, now.UnixMicro(), after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sympoq.Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// AgentLoads counts the open (not closed, not deleted) tickets of each agent.
func (tx *Tx) AgentLoads(ctx context.Context, accountID int64) (map[int64]int, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT assignee_id, count(*) FROM tickets WHERE account_id = $1
		AND assignee_id IS NOT NULL AND status <> 4 AND deleted_at IS NULL GROUP BY assignee_id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// Counter returns the current value of the account's counter name (0 when
// it was never taken).
func (tx *Tx) Counter(ctx context.Context, accountID int64, name string) (int64, error) {
	var v int64
	err := tx.q.QueryRowContext(ctx, `SELECT value FROM counters WHERE account_id = $1 AND name = $2`, accountID, name).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return v, err
}

// ActiveAgent is an active agent's id, name and whether they administer.
type ActiveAgent struct {
	ID    int64
	Name  string
	Admin bool
}

// ActiveAgents lists the account's active agents.
func (tx *Tx) ActiveAgents(ctx context.Context, accountID int64) ([]ActiveAgent, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id, name, administrator FROM users WHERE account_id = $1 AND kind = 'agent'
		AND active ORDER BY id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ActiveAgent
	for rows.Next() {
		var a ActiveAgent
		if err := rows.Scan(&a.ID, &a.Name, &a.Admin); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CarryFires moves the fire records of ticket that were current at version
// from to version to, after an automatic change (a scheduled action or a
// breach): such a change does not start a new episode for the other rules.
func (tx *Tx) CarryFires(ctx context.Context, accountID, ticketID, from, to int64) error {
	_, err := tx.exec(ctx, `UPDATE rule_fires SET version = $4 WHERE account_id = $1 AND ticket_id = $2 AND version = $3`,
		accountID, ticketID, from, to)
	return err
}

// Accounts ids, for the scheduler.

package desk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/workflow"
)

// ScheduleBatch bounds the tickets one transaction of the scheduler
// changes, so the write lock is never held for long.
const ScheduleBatch = 100

// WriteSlice bounds, too, how long one transaction of the scheduler holds
// the write lock: past it, the transaction commits what it did and the rest
// of its batch goes in the next one. On SQLite every other write waits for
// it, submissions and a request's bookkeeping included, and a hundred
// tickets took over a second on a slow, busy machine.
const WriteSlice = 100 * time.Millisecond

// ScheduleRun says what one run of the scheduler did in an account.
type ScheduleRun struct {
	Fired    int // scheduled actions applied (rule × ticket)
	Skipped  int // matches not applied: a reference died, recorded as an event
	Breaches int // service-target breaches recorded
	Batches  int // write transactions
	MaxBatch int // the most tickets one of them changed
	// OutsideWorkingTime is set when the scheduled actions did not run
	// because now is outside the account's working time.
	OutsideWorkingTime bool
}

// RunSchedule runs the scheduler once in every account: breaches, then,
// inside the account's working time, the scheduled actions.
func (s *Service) RunSchedule(ctx context.Context) error {
	accounts, err := s.db.Read().Accounts(ctx)
	if err != nil {
		return err
	}
	// One account's failure does not hold the others back; the job is
	// retried with all of them (what was done is recorded and not redone).
	var errs []error
	for _, a := range accounts {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		if _, err := s.RunScheduleAccount(ctx, a.ID); err != nil {
			errs = append(errs, fmt.Errorf("account %s: %w", a.Name, err))
		}
	}
	return errors.Join(errs...)
}

// RunScheduleAccount runs the scheduler once in one account.
func (s *Service) RunScheduleAccount(ctx context.Context, accountID int64) (ScheduleRun, error) {
	var run ScheduleRun
	r := s.db.Read()
	set, err := r.Settings(ctx, accountID)
	if err != nil {
		return run, err
	}
	if err := s.recordBreaches(ctx, accountID, &run); err != nil {
		return run, err
	}
	now := s.db.Now()
	if !workCalendar(set).Within(now) {
		run.OutsideWorkingTime = true
		return run, nil
	}
	rules, err := r.Rules(ctx, accountID, store.RuleFilter{Kind: sympoq.RuleScheduled})
	if err != nil {
		return run, err
	}
	workflow.Order(rules)
	for _, rule := range rules {
		if !rule.Active {
			continue
		}
		if err := s.runRule(ctx, accountID, rule, &run, false, nil); err != nil {
			return run, fmt.Errorf("rule %d: %w", rule.ID, err)
		}
	}
	return run, nil
}

// Pending counts the tickets the next run of scheduled action rule would
// touch if it ran now (ignoring working time).
func (s *Service) pending(ctx context.Context, accountID int64, rule *sympoq.Rule) (int, error) {
	n := 0
	err := s.runRule(ctx, accountID, rule, &ScheduleRun{}, true, &n)
	return n, err
}

func scheduleCandidates(rule *sympoq.Rule, now time.Time) store.Candidates {
	c := store.Candidates{Rule: rule, Limit: ScheduleBatch}
	for _, n := range rule.Not {
		c.NotClosed = c.NotClosed || n == sympoq.NotClosed
	}
	if rule.Time != nil {
		h := time.Duration(rule.Time.Hours) * time.Hour
		c.Column = store.TimeColumn(rule.Time.Event)
		c.Bound = now.Add(-h)
		if rule.Time.Event == sympoq.BeforeDeadline {
			c.Bound = now.Add(h)
		}
	}
	return c
}

// runRule pages through the rule's candidates in id order, ScheduleBatch at
// a time, and applies the rule to those due in one transaction per page
// (or, with count, only counts them).
func (s *Service) runRule(ctx context.Context, accountID int64, rule *sympoq.Rule, run *ScheduleRun, countOnly bool, count *int) error {
	r := s.db.Read()
	set, err := r.Settings(ctx, accountID)
	if err != nil {
		return err
	}
	now := r.Now()
	f, err := ruleFacts(ctx, r, accountID, set, now, false)
	if err != nil {
		return err
	}
	c := scheduleCandidates(rule, now)
	for {
		page, err := r.RuleCandidates(ctx, accountID, c)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		c.After = page[len(page)-1].ID
		ids := make([]int64, 0, len(page))
		custIDs := make([]int64, 0, len(page))
		for _, t := range page {
			custIDs = append(custIDs, t.Customer)
		}
		custs, err := r.UsersByID(ctx, accountID, custIDs)
		if err != nil {
			return err
		}
		for _, t := range page {
			if workflow.Due(rule, t, custs[t.Customer], f) {
				ids = append(ids, t.ID)
			}
		}
		if countOnly {
			*count += len(ids)
		} else if len(ids) > 0 {
			if err := s.fireBatch(ctx, accountID, rule, ids, run); err != nil {
				return err
			}
		}
		if len(page) < c.Limit {
			return nil
		}
	}
}

// fireBatch applies rule to the tickets ids, each locked and checked again
// (another process may have fired it meanwhile), in one transaction unless
// that runs out of its write slice.
func (s *Service) fireBatch(ctx context.Context, accountID int64, rule *sympoq.Rule, ids []int64, run *ScheduleRun) error {
	for len(ids) > 0 {
		rest, err := s.fireSlice(ctx, accountID, rule, ids, run)
		if err != nil {
			return err
		}
		ids = rest
	}
	return nil
}

// fireSlice is one transaction of fireBatch: it returns the ids it left for
// the next one when it ran out of its write slice.
func (s *Service) fireSlice(ctx context.Context, accountID int64, rule *sympoq.Rule, ids []int64, run *ScheduleRun) ([]int64, error) {
	var fired, skipped int
	var rest []int64
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		fired, skipped, rest = 0, 0, nil
		begun := time.Now()
		set, err := tx.Settings(ctx, accountID)
		if err != nil {
			return err
		}
		f, err := ruleFacts(ctx, tx, accountID, set, tx.Now(), false)
		if err != nil {
			return err
		}
		for i, id := range ids {
			if i > 0 && time.Since(begun) > s.writeSlice {
				rest = ids[i:]
				break
			}
			t, err := tx.LockTicket(ctx, accountID, id)
			if sympoq.ErrorCode(err) == sympoq.ENotFound {
				continue // purged meanwhile
			} else if err != nil {
				return err
			}
			if v, err := tx.Fired(ctx, accountID, rule.ID, t.ID); err != nil {
				return err
			} else if v == t.Version {
				continue // fired in this episode already
			}
			cust, err := tx.User(ctx, accountID, t.Customer)
			if err != nil {
				return err
			}
			if !workflow.Due(rule, t, cust, f) {
				continue
			}
			ok, err := s.fire(ctx, tx, set, f, rule, t, cust)
			if err != nil {
				return err
			}
			if ok {
				fired++
			} else {
				skipped++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	run.Fired += fired
	run.Skipped += skipped
	if fired+skipped > 0 {
		run.Batches++
		run.MaxBatch = max(run.MaxBatch, fired+skipped)
	}
	return rest, nil
}

// fire applies scheduled action rule to the locked ticket t as the system,
// through the same change code as agent actions, with a Rule event, and
// records the fire. A rule whose queue or agent no longer exists, or whose
// assignee has no role in the ticket's queue, is skipped with a Rule event
// that says why (and recorded, so it does not repeat every minute).
func (s *Service) fire(ctx context.Context, tx *store.Tx, set *sympoq.Settings, f *workflow.Facts, rule *sympoq.Rule, t *sympoq.Ticket, cust *sympoq.User) (bool, error) {
	version := t.Version
	c := &change{s: s, ctx: ctx, tx: tx, a: System(t.AccountID), set: set, t: t, cust: cust}
	reason := workflow.DeadReference(rule, f)
	var did []string
	if reason == "" {
		v := rule.Set
		if v.Queue != 0 && v.Queue != t.Queue {
			t.Queue = v.Queue
			c.event(sympoq.EvMove, f.Queues[v.Queue], "", sympoq.Public, 0)
			did = append(did, "queue "+f.Queues[v.Queue])
		}
		if v.Priority != 0 && v.Priority != t.Priority {
			t.Priority = v.Priority
			c.retarget()
			c.event(sympoq.EvSetPriority, v.Priority.String(), "", sympoq.Public, 0)
			did = append(did, "priority "+v.Priority.String())
		}
		if v.Assign == sympoq.AssignAgent && v.Agent != t.Assignee {
			if err := c.assignTo(v.Agent, 0); err != nil {
				return false, err
			}
			if c.p.Len() > 0 {
				reason = fmt.Sprintf("agent %s has no role in queue %s", f.Agents[v.Agent], f.Queues[t.Queue])
			} else {
				did = append(did, "assignee "+f.Agents[v.Agent])
			}
		}
		if reason == "" && v.Status != 0 && v.Status != t.Status {
			c.setStatus(v.Status)
			c.event(sympoq.EvStatus, v.Status.String(), "", sympoq.Public, 0)
			if v.Status == sympoq.StatusClosed {
				c.checkBreaches()
			}
			did = append(did, "status "+v.Status.String())
		}
		if reason == "" && v.Close && t.Status != sympoq.StatusClosed {
			c.event(sympoq.EvClose, "", "", sympoq.Public, 0)
			c.status(sympoq.EvClose, false)
			c.checkBreaches()
			did = append(did, "closed")
		}
		if reason == "" && len(v.Tags) > 0 {
			have := map[string]bool{}
			for _, tg := range t.Tags {
				have[strings.ToLower(tg)] = true
			}
			var added []string
			for _, tg := range v.Tags {
				if !have[strings.ToLower(tg)] {
					have[strings.ToLower(tg)] = true
					added = append(added, tg)
				}
			}
			if len(added) > 0 {
				if err := createTags(ctx, tx, t.AccountID, added); err != nil {
					return false, err
				}
				t.Tags = append(t.Tags, added...)
				c.event(sympoq.EvTags, strings.Join(t.Tags, ", "), "", sympoq.Public, 0)
				did = append(did, "tags "+strings.Join(added, ", "))
			}
		}
	}
	var ruleEv *sympoq.Event
	if reason != "" {
		// Nothing of the rule applies: undo what was changed in memory by
		// reloading the row (still locked) and record only the reason.
		fresh, err := tx.LockTicket(ctx, t.AccountID, t.ID)
		if err != nil {
			return false, err
		}
		*t = *fresh
		c = &change{s: s, ctx: ctx, tx: tx, a: System(t.AccountID), set: set, t: t, cust: cust}
		c.event(sympoq.EvRule, fmt.Sprintf("Scheduled action %q skipped: %s", rule.Description, reason), "", sympoq.Internal, 0)
	} else {
		desc := fmt.Sprintf("Scheduled action %q applied", rule.Description)
		if len(did) > 0 {
			desc += ": " + strings.Join(did, "; ")
		}
		ruleEv = c.event(sympoq.EvRule, desc, "", sympoq.Internal, 0)
	}
	if reason == "" {
		t.Updated = tx.Now() // a skip is recorded, but is no update of the ticket
	}
	if err := tx.UpdateTicket(ctx, t, version); err != nil {
		return false, err
	}
	for _, e := range c.events {
		if err := tx.AddEvent(ctx, e); err != nil {
			return false, err
		}
	}
	if err := tx.CarryFires(ctx, t.AccountID, t.ID, version, t.Version); err != nil {
		return false, err
	}
	if err := tx.RecordFire(ctx, t.AccountID, rule.ID, t.ID, t.Version); err != nil {
		return false, err
	}
	if ruleEv != nil {
		if err := s.ruleNotify(ctx, tx, nil, set, t, ruleEv, rule.Notify); err != nil {
			return false, err
		}
	}
	return reason == "", nil
}

// recordBreaches finds the tickets whose first-response or resolution
// target passed unmet without a recorded breach and records each once, a
// batch per transaction. A breach does not change the ticket's last update,
// and does not start a new episode for scheduled actions.
func (s *Service) recordBreaches(ctx context.Context, accountID int64, run *ScheduleRun) error {
	r := s.db.Read()
	var after int64
	for {
		page, err := r.BreachCandidates(ctx, accountID, r.Now(), after, ScheduleBatch)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		after = page[len(page)-1].ID
		if err := s.recordBreachSlices(ctx, accountID, page, run); err != nil {
			return err
		}
		if len(page) < ScheduleBatch {
			return nil
		}
	}
}

// recordBreachSlices records the breaches of one page of candidates, in as
// many transactions as the write slice needs.
func (s *Service) recordBreachSlices(ctx context.Context, accountID int64, page []*sympoq.Ticket, run *ScheduleRun) error {
	for len(page) > 0 {
		n := 0
		var rest []*sympoq.Ticket
		err := s.db.Tx(ctx, func(tx *store.Tx) error {
			n, rest = 0, nil
			begun := time.Now()
			set, err := tx.Settings(ctx, accountID)
			if err != nil {
				return err
			}
			for i, p := range page {
				if i > 0 && time.Since(begun) > s.writeSlice {
					rest = page[i:]
					break
				}
				t, err := tx.LockTicket(ctx, accountID, p.ID)
				if sympoq.ErrorCode(err) == sympoq.ENotFound {
					continue
				} else if err != nil {
					return err
				}
				evs := dueBreaches(t, set, tx.Now())
				if len(evs) == 0 {
					continue // recorded meanwhile
				}
				version := t.Version
				if err := tx.UpdateTicket(ctx, t, version); err != nil {
					return err
				}
				for _, e := range evs {
					if err := tx.AddEvent(ctx, e); err != nil {
						return err
					}
				}
				if err := tx.CarryFires(ctx, accountID, t.ID, version, t.Version); err != nil {
					return err
				}
				n += len(evs)
			}
			return nil
		})
		if err != nil {
			return err
		}
		run.Breaches += n
		page = rest
	}
	return nil
}

// PendingCount is how many tickets the next run of scheduled action id
// would touch, for the rule list (agents).
func (s *Service) PendingCount(ctx context.Context, a Actor, id int64) (int, error) {
	r, err := s.Rule(ctx, a, sympoq.RuleScheduled, id)
	if err != nil {
		return 0, err
	}
	if !r.Active {
		return 0, nil
	}
	return s.pending(ctx, a.AccountID, r)
}

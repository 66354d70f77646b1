package desk

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// configTTL bounds how long a change another server process makes to an
// account's settings or custom fields takes to reach this one. A change
// made through this process applies at once (forgetConfig).
const configTTL = time.Second

// configCache keeps each account's settings and custom field definitions
// for the read paths that every request takes (authentication's rate
// limits, ticket views, lists), which would otherwise load and decode them
// on every call. The cached values are shared: readers must not change
// them. Use cases that change settings read them in their transaction, not
// from here.
type configCache struct {
	mu   sync.Mutex
	m    map[int64]*cachedConfig
	subs map[int64]*submitConfig
	// forgets counts forgetConfig calls: a copy read while one happened
	// may predate the change and is not kept.
	forgets uint64
}

type cachedConfig struct {
	set     *sympoq.Settings
	defs    []*sympoq.CustomField
	expires time.Time
}

// maxCachedAccounts bounds the cache; past it, it starts over.
const maxCachedAccounts = 10000

// config returns the account's settings and custom fields, from the cache
// when fresh. tx reads them when they are not.
func (s *Service) config(ctx context.Context, tx *store.Tx, accountID int64) (*sympoq.Settings, []*sympoq.CustomField, error) {
	now := time.Now()
	s.cfg.mu.Lock()
	c, ok := s.cfg.m[accountID]
	forgets := s.cfg.forgets
	s.cfg.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.set, c.defs, nil
	}
	set, err := tx.Settings(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	defs, err := tx.CustomFields(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	s.cfg.mu.Lock()
	if s.cfg.m == nil || len(s.cfg.m) >= maxCachedAccounts {
		s.cfg.m = map[int64]*cachedConfig{}
	}
	if s.cfg.forgets == forgets {
		s.cfg.m[accountID] = &cachedConfig{set: set, defs: defs, expires: now.Add(configTTL)}
	}
	s.cfg.mu.Unlock()
	return set, defs, nil
}

// forgetConfig drops the account's cached configuration after this process
// changed it.
func (s *Service) forgetConfig(accountID int64) {
	s.cfg.mu.Lock()
	delete(s.cfg.m, accountID)
	delete(s.cfg.subs, accountID)
	s.cfg.forgets++
	s.cfg.mu.Unlock()
}

// submitConfig is what every submission reads of its account besides the
// settings and custom fields: the submission rules of every channel, and
// the account-wide part of what the acknowledgement needs (notifyPre), with
// the names and reply-to addresses of the queues and the names of the
// topics. It is kept like the settings (configCache, configTTL) and is as
// shared: nobody changes what it holds. Use cases that change any of it
// call forgetConfig.
type submitConfig struct {
	rules   []*sympoq.Rule // submission rules, in the order Tx.Rules gives
	notify  notifyPre      // without the ticket's queue, topic and customer
	queues  map[int64]queueTo
	topics  map[int64]string
	expires time.Time
}

// queueTo is a queue's name and first inbound address (Tx.QueueReplyTo).
type queueTo struct{ name, replyTo string }

// submitConfig returns the account's settings, custom fields and
// submitConfig, from the cache when fresh; tx reads them when not.
func (s *Service) submitConfig(ctx context.Context, tx *store.Tx, accountID int64) (*sympoq.Settings, []*sympoq.CustomField, *submitConfig, error) {
	set, defs, err := s.config(ctx, tx, accountID)
	if err != nil {
		return nil, nil, nil, err
	}
	now := time.Now()
	s.cfg.mu.Lock()
	c, ok := s.cfg.subs[accountID]
	forgets := s.cfg.forgets
	s.cfg.mu.Unlock()
	if ok && now.Before(c.expires) {
		return set, defs, c, nil
	}
	c = &submitConfig{queues: map[int64]queueTo{}, topics: map[int64]string{}, expires: now.Add(configTTL)}
	if c.rules, err = tx.Rules(ctx, accountID, store.RuleFilter{Kind: sympoq.RuleSubmission}); err != nil {
		return nil, nil, nil, err
	}
	if err := s.readNotifyPre(ctx, tx, set, accountID, &c.notify); err != nil {
		return nil, nil, nil, err
	}
	queues, err := tx.Queues(ctx, accountID)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, q := range queues {
		to := queueTo{name: q.Name}
		if len(q.Addresses) > 0 {
			to.replyTo = slices.Min(q.Addresses)
		}
		c.queues[q.ID] = to
	}
	topics, err := tx.Topics(ctx, accountID)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, tp := range topics {
		c.topics[tp.ID] = tp.Name
	}
	s.cfg.mu.Lock()
	if s.cfg.subs == nil || len(s.cfg.subs) >= maxCachedAccounts {
		s.cfg.subs = map[int64]*submitConfig{}
	}
	if s.cfg.forgets == forgets {
		s.cfg.subs[accountID] = c
	}
	s.cfg.mu.Unlock()
	return set, defs, c, nil
}

// channelRules returns the rules of channel, in order.
func (c *submitConfig) channelRules(channel sympoq.Channel) []*sympoq.Rule {
	var out []*sympoq.Rule
	for _, r := range c.rules {
		if r.Channel == channel {
			out = append(out, r)
		}
	}
	return out
}

// notifyPre returns what notifications about a new ticket in queue and
// topic read, as far as the cache has it; readNotifyPre's queue and topic
// fields stay unset (and are read in the transaction) for a queue or topic
// the cache does not know.
func (c *submitConfig) notifyPre(queue, topic int64) *notifyPre {
	pre := c.notify // a copy: the caller adds the ticket's own parts
	if to, ok := c.queues[queue]; ok {
		pre.queue, pre.queueName, pre.replyTo, pre.queueKnown = queue, to.name, to.replyTo, true
	}
	if name, ok := c.topics[topic]; ok || topic == 0 {
		pre.topic, pre.topicName, pre.topicKnown = topic, name, true
	}
	return &pre
}

// RateLimits returns an account's API budgets; every request needs them.
func (s *Service) RateLimits(ctx context.Context, accountID int64) (sympoq.RateLimits, error) {
	set, _, err := s.config(ctx, s.db.Read(), accountID)
	if err != nil {
		return sympoq.RateLimits{}, err
	}
	return set.RateLimits, nil
}

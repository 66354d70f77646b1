package desk

import (
	"context"
	"sync"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// cardCache keeps, per account, what ticket lists show of customers
// (store.CustomerCards): a list of 50 tickets read 50 customers on every
// request, a fifth of its cost. Every write of users and groups changes
// the store's AuthEpoch (the writes of what authentication reads are the
// writes of what a card shows), so a copy is used only while the epoch it
// was read under stands, and for no longer than a key copy (keyCache).
type cardCache struct {
	mu sync.Mutex
	m  map[int64]*accountCards
}

type accountCards struct {
	epoch uint64
	read  time.Time // of the oldest card
	cards map[int64]*sympoq.User
}

// maxCachedCards bounds the cards kept per account; past it, the
// account's cache starts over.
const maxCachedCards = 50000

// customerCards returns the cards of ids in the account, from the cache
// where it is current, reading the rest with tx.
func (s *Service) customerCards(ctx context.Context, tx *store.Tx, accountID int64, ids []int64) (map[int64]*sympoq.User, error) {
	epoch := s.db.AuthEpoch(accountID)
	ttl := copyAge(s.db)
	out := make(map[int64]*sympoq.User, len(ids))
	var missing []int64
	c := &s.cards
	c.mu.Lock()
	ac := c.m[accountID]
	if !ac.current(epoch, ttl) {
		ac = nil
	}
	for _, id := range ids {
		if u := ac.get(id); u != nil {
			out[id] = u
		} else {
			missing = append(missing, id)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	read, err := tx.CustomerCards(ctx, accountID, missing)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedAccounts {
		c.m = map[int64]*accountCards{}
	}
	ac = c.m[accountID]
	if !ac.current(epoch, ttl) {
		// Read under epoch: a change committed since makes the next
		// call start over.
		ac = &accountCards{epoch: epoch, read: time.Now(), cards: map[int64]*sympoq.User{}}
		c.m[accountID] = ac
	}
	for id, u := range read {
		ac.cards[id] = u
		out[id] = u
	}
	return out, nil
}

// current reports whether ac may still be used: read under epoch, young
// enough, and not overgrown.
func (ac *accountCards) current(epoch uint64, ttl time.Duration) bool {
	return ac != nil && ac.epoch == epoch && time.Since(ac.read) <= ttl && len(ac.cards) <= maxCachedCards
}

func (ac *accountCards) get(id int64) *sympoq.User {
	if ac == nil {
		return nil
	}
	return ac.cards[id]
}

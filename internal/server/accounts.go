package server

import (
	"context"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// accountTTL bounds how long a resolved account is cached. Accounts are
// only ever added, so a stale entry can only be a recently created account
// that is briefly unknown.
const accountTTL = time.Minute

// accountResolver maps a request's host to its account: the first label
// under the base domain, or the default account in single-account mode.
type accountResolver struct {
	db         *store.DB
	baseDomain string

	mu    sync.Mutex
	cache map[string]cachedAccount
}

type cachedAccount struct {
	a       *sympoq.Account
	expires time.Time
}

func newAccountResolver(db *store.DB, baseDomain string) *accountResolver {
	return &accountResolver{db: db, baseDomain: strings.ToLower(baseDomain), cache: map[string]cachedAccount{}}
}

func (ar *accountResolver) resolve(ctx context.Context, host string) (*sympoq.Account, error) {
	name := sympoq.DefaultAccountName
	if ar.baseDomain != "" {
		h := strings.ToLower(host)
		if hh, _, err := net.SplitHostPort(h); err == nil {
			h = hh
		}
		label, ok := strings.CutSuffix(h, "."+ar.baseDomain)
		if !ok || strings.Contains(label, ".") || sympoq.ValidateAccountName(label) != nil {
			return nil, sympoq.NotFound("account")
		}
		name = label
	}
	now := time.Now()
	ar.mu.Lock()
	c, ok := ar.cache[name]
	ar.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.a, nil
	}
	a, err := ar.db.Read().AccountByName(ctx, name)
	if err != nil {
		return nil, err
	}
	ar.mu.Lock()
	if len(ar.cache) > 10000 {
		clear(ar.cache) // bounded: hostile hosts cannot grow it without end
	}
	ar.cache[name] = cachedAccount{a: a, expires: now.Add(accountTTL)}
	ar.mu.Unlock()
	return a, nil
}

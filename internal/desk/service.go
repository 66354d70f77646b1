package desk

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/blob"
	"github.com/sympoq/sympoq/internal/store"
)

// Service runs the use cases over one store.
type Service struct {
	db     *store.DB
	jobs   Enqueuer
	logger *slog.Logger
	blobs  *blob.Local
	cfg    configCache
	keys   keyCache  // API keys as authenticated (auth.go)
	cards  cardCache // customers as lists show them (cards.go)
	// writeSlice is WriteSlice; tests shorten it.
	writeSlice time.Duration
	// bookkeeping holds the subjects whose use a request is recording
	// (bookkeep).
	bookkeeping sync.Map
	// searches holds a token per full-text search in progress (Tickets).
	searches chan struct{}
	// kbViews holds article views until they are written (kb.go).
	kbViews viewCounter
	inbound mailState // inbound mail (inbound.go)
	mail    MailOptions
	// outboxWake is called after a transaction that stored email commits.
	outboxWake func()
	// observeNotify, when set, sees every notification that automation
	// hands to notifyAll (WithRuleNotices).
	observeRuleNotices func(RuleNotice)
}

// New returns the use cases over db, enqueuing background work on jobs.
func New(db *store.DB, jobs Enqueuer, logger *slog.Logger, opts ...Option) *Service {
	s := &Service{db: db, jobs: jobs, logger: logger, searches: make(chan struct{}, runtime.NumCPU()), writeSlice: WriteSlice}
	for _, o := range opts {
		o(s)
	}
	return s
}

// DB is the store behind s, for the read-only lookups of the transports.
func (s *Service) DB() *store.DB { return s.db }

// allow loads the account's settings and checks one account-level action.
func (s *Service) allow(ctx context.Context, tx *store.Tx, a Actor, act sympoq.Action) (*sympoq.Settings, error) {
	set, err := tx.Settings(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	if !sympoq.Can(a, act, sympoq.TicketRef{}, set) {
		return nil, sympoq.Forbidden("your role may not do this")
	}
	return set, nil
}

// Actor is the caller of a use case.
type Actor = sympoq.Actor

package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// Knowledge base (product.md §5). Who reads what is sympoq.CanReadKB, who
// edits sympoq.Can(ActEditKB); these use cases apply them on every path.

// KBCategoryInput creates or changes a category.
type KBCategoryInput struct {
	Title    Opt[string]          `json:"title"`
	Sequence Opt[int]             `json:"sequence"`
	Icon     Opt[string]          `json:"icon"`
	Access   Opt[sympoq.KBAccess] `json:"access"`
	Groups   Opt[[]int64]         `json:"groups"`
	ID       Opt[json.RawMessage] `json:"id"`
	Created  Opt[json.RawMessage] `json:"created"`
	Updated  Opt[json.RawMessage] `json:"updated"`
}

// KBArticleInput creates or changes an article or FAQ entry.
type KBArticleInput struct {
	Category  Opt[int64]           `json:"category"`
	Kind      Opt[sympoq.KBKind]   `json:"kind"`
	Title     Opt[string]          `json:"title"`
	Body      Opt[string]          `json:"body"`
	Published Opt[bool]            `json:"published"`
	ID        Opt[json.RawMessage] `json:"id"`
	HTML      Opt[json.RawMessage] `json:"html"`
	Author    Opt[json.RawMessage] `json:"author"`
	Views     Opt[json.RawMessage] `json:"views"`
	Created   Opt[json.RawMessage] `json:"created"`
	Updated   Opt[json.RawMessage] `json:"updated"`
}

// KBQuery selects articles: one category or all the reader may see, and
// words that must all occur.
type KBQuery struct {
	Category int64
	Q        string
	Limit    int
	Cursor   string
}

var (
	markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))
	// The HTML of an article is what a user wrote, shown to others: only
	// the elements and attributes of user content, no scripts, no event
	// handlers, no javascript: or data: links; links get rel=nofollow.
	kbPolicy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.AddTargetBlankToFullyQualifiedLinks(true)
		return p
	}()
)

// RenderMarkdown turns an article body into sanitized HTML. Raw HTML in the
// Markdown is dropped by the renderer, and the result is sanitized again.
func RenderMarkdown(body string) (string, error) {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(body), &buf); err != nil {
		return "", err
	}
	return kbPolicy.Sanitize(buf.String()), nil
}

// KBEditor reports whether a may edit the knowledge base, for pages that
// show or hide the editing controls.
func (s *Service) KBEditor(ctx context.Context, a Actor) (bool, error) {
	set, err := s.db.Read().Settings(ctx, a.AccountID)
	if err != nil {
		return false, err
	}
	return sympoq.Can(a, sympoq.ActEditKB, sympoq.TicketRef{}, set), nil
}

// readableCategories returns the categories a may read, and whether a may
// edit (and so also sees unpublished articles).
func readableCategories(ctx context.Context, tx *store.Tx, a Actor) ([]*sympoq.KBCategory, bool, error) {
	set, err := tx.Settings(ctx, a.AccountID)
	if err != nil {
		return nil, false, err
	}
	all, err := tx.KBCategories(ctx, a.AccountID)
	if err != nil {
		return nil, false, err
	}
	out := []*sympoq.KBCategory{}
	for _, c := range all {
		if !sympoq.CanReadKB(a, c, set) {
			continue
		}
		if !a.IsAgent() {
			// Which other groups read a category is staff business.
			c.Groups = []int64{}
		}
		out = append(out, c)
	}
	return out, sympoq.Can(a, sympoq.ActEditKB, sympoq.TicketRef{}, set), nil
}

// KBCategories lists the categories a may read, by sequence, each with the
// number of articles a may read in it. A guest of an account without the
// public knowledge base gets none.
func (s *Service) KBCategories(ctx context.Context, a Actor) ([]*sympoq.KBCategory, error) {
	tx := s.db.Read()
	cs, editor, err := readableCategories(ctx, tx, a)
	if err != nil || len(cs) == 0 {
		return cs, err
	}
	counts, err := tx.KBArticleCounts(ctx, a.AccountID, !editor)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		c.Articles = counts[c.ID]
	}
	return cs, nil
}

// KBCategory returns one category a may read; any other is not found.
func (s *Service) KBCategory(ctx context.Context, a Actor, id int64) (*sympoq.KBCategory, error) {
	cs, err := s.KBCategories(ctx, a)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.ID == id {
			return c, nil
		}
	}
	return nil, sympoq.NotFound("category")
}

// SaveKBCategory creates (id 0) or changes a category. Editors only.
func (s *Service) SaveKBCategory(ctx context.Context, a Actor, id int64, in KBCategoryInput) (*sympoq.KBCategory, error) {
	var c *sympoq.KBCategory
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.allow(ctx, tx, a, sympoq.ActEditKB); err != nil {
			return err
		}
		all, err := tx.KBCategories(ctx, a.AccountID)
		if err != nil {
			return err
		}
		if id == 0 {
			c = &sympoq.KBCategory{AccountID: a.AccountID, Access: sympoq.KBInternal, Groups: []int64{},
				Sequence: nextSequence(all, func(x *sympoq.KBCategory) int { return x.Sequence })}
		} else {
			for _, x := range all {
				if x.ID == id {
					c = x
				}
			}
			if c == nil {
				return sympoq.NotFound("category")
			}
		}
		var p sympoq.Problems
		readonly(&p, map[string]bool{"id": in.ID.Set, "created": in.Created.Set, "updated": in.Updated.Set})
		if in.Title.Set {
			c.Title = strings.TrimSpace(in.Title.V)
			sympoq.CheckText(&p, "title", c.Title, sympoq.MaxKBTitleLen, false)
		}
		if c.Title == "" {
			p.Add("title", sympoq.FieldMissing, "is required")
		}
		if in.Sequence.Set {
			if in.Sequence.Null || in.Sequence.V < 0 || in.Sequence.V > maxSequence {
				p.Add("sequence", sympoq.FieldInvalid, "must be a whole number from 0 to %d", maxSequence)
			} else {
				c.Sequence = in.Sequence.V
			}
		}
		if in.Icon.Set {
			c.Icon = strings.TrimSpace(in.Icon.V)
			sympoq.CheckText(&p, "icon", c.Icon, sympoq.MaxKBIconLen, false)
		}
		if in.Access.Set {
			if in.Access.Null || !slices.Contains(sympoq.KBAccessLevels, in.Access.V) {
				p.Add("access", sympoq.FieldInvalid, "must be one of %q", sympoq.KBAccessLevels)
			} else {
				c.Access = in.Access.V
			}
		}
		if in.Groups.Set {
			c.Groups = []int64{}
			for _, g := range in.Groups.V {
				if !slices.Contains(c.Groups, g) {
					c.Groups = append(c.Groups, g)
				}
			}
			groups, err := tx.Groups(ctx, a.AccountID)
			if err != nil {
				return err
			}
			for _, g := range c.Groups {
				if !slices.ContainsFunc(groups, func(x *sympoq.Group) bool { return x.ID == g }) {
					p.Add("groups", sympoq.FieldInvalid, "%d is not a customer group of this account", g)
				}
			}
		}
		if c.Access == sympoq.KBCustomer && len(c.Groups) == 0 {
			p.Add("groups", sympoq.FieldMissing, "a category with access %q needs at least one customer group", sympoq.KBCustomer)
		}
		if c.Access != sympoq.KBCustomer && len(c.Groups) > 0 {
			if in.Groups.Set && len(in.Groups.V) > 0 {
				p.Add("groups", sympoq.FieldInvalid, "only a category with access %q has groups", sympoq.KBCustomer)
			}
			c.Groups = []int64{}
		}
		if err := p.Err(); err != nil {
			return err
		}
		if id == 0 {
			return tx.CreateKBCategory(ctx, c)
		}
		counts, err := tx.KBArticleCounts(ctx, a.AccountID, false)
		if err != nil {
			return err
		}
		c.Articles = counts[c.ID]
		return tx.UpdateKBCategory(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteKBCategory removes an empty category. Editors only.
func (s *Service) DeleteKBCategory(ctx context.Context, a Actor, id int64) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.allow(ctx, tx, a, sympoq.ActEditKB); err != nil {
			return err
		}
		return tx.DeleteKBCategory(ctx, a.AccountID, id)
	})
}

// KBArticles lists (by title) or searches (by relevance, q) the articles a
// may read: only categories a may read, and only published articles unless
// a may edit. A category a may not read is not found.
func (s *Service) KBArticles(ctx context.Context, a Actor, q KBQuery) ([]*sympoq.KBArticle, string, error) {
	tx := s.db.Read()
	cs, editor, err := readableCategories(ctx, tx, a)
	if err != nil {
		return nil, "", err
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	if q.Category != 0 && !slices.Contains(ids, q.Category) {
		return nil, "", sympoq.NotFound("category")
	}
	if len(q.Q) > 500 {
		return nil, "", sympoq.FieldErr("q", sympoq.FieldTooLong, "must be at most 500 characters")
	}
	out, next, err := tx.KBArticles(ctx, a.AccountID, store.KBFilter{Categories: ids, Category: q.Category,
		PublishedOnly: !editor, Q: searchText(q.Q), Limit: q.Limit, Cursor: q.Cursor})
	if err != nil {
		return nil, "", err
	}
	for _, x := range out {
		x.Views += s.kbViews.pending(a.AccountID, x.ID)
	}
	return out, next, nil
}

// KBArticle returns an article a may read and counts the view. Anything
// else — another account's, a category out of reach, unpublished for a
// reader who may not edit — is not found.
func (s *Service) KBArticle(ctx context.Context, a Actor, id int64) (*sympoq.KBArticle, error) {
	x, err := s.kbArticle(ctx, s.db.Read(), a, id)
	if err != nil {
		return nil, err
	}
	x.Views += s.kbViews.add(a.AccountID, x.ID)
	_ = s.flushKBViews(ctx, false) // logged; the views stay counted for the next flush
	return x, nil
}

func (s *Service) kbArticle(ctx context.Context, tx *store.Tx, a Actor, id int64) (*sympoq.KBArticle, error) {
	cs, editor, err := readableCategories(ctx, tx, a)
	if err != nil {
		return nil, err
	}
	x, err := tx.KBArticle(ctx, a.AccountID, id)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(cs, func(c *sympoq.KBCategory) bool { return c.ID == x.Category }) || !x.Published && !editor {
		return nil, sympoq.NotFound("article")
	}
	return x, nil
}

// SaveKBArticle creates (id 0) or changes an article, rendering its body.
// Editors only; the author is whoever created it.
func (s *Service) SaveKBArticle(ctx context.Context, a Actor, id int64, in KBArticleInput) (*sympoq.KBArticle, error) {
	var x *sympoq.KBArticle
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.allow(ctx, tx, a, sympoq.ActEditKB); err != nil {
			return err
		}
		if id == 0 {
			x = &sympoq.KBArticle{AccountID: a.AccountID, Kind: sympoq.KBArticleKind, Author: a.ID()}
			if a.User != nil {
				x.AuthorName = a.User.Name
			}
		} else {
			var err error
			if x, err = tx.KBArticle(ctx, a.AccountID, id); err != nil {
				return err
			}
		}
		var p sympoq.Problems
		readonly(&p, map[string]bool{"id": in.ID.Set, "html": in.HTML.Set, "author": in.Author.Set, "views": in.Views.Set,
			"created": in.Created.Set, "updated": in.Updated.Set})
		if in.Category.Set {
			x.Category = in.Category.Value(0)
			if x.Category != 0 {
				if _, err := tx.KBCategory(ctx, a.AccountID, x.Category); sympoq.ErrorCode(err) == sympoq.ENotFound {
					p.Add("category", sympoq.FieldInvalid, "is not a category of this account")
				} else if err != nil {
					return err
				}
			}
		}
		if x.Category == 0 && (id == 0 || in.Category.Set) {
			p.Add("category", sympoq.FieldMissing, "is required")
		}
		if in.Kind.Set {
			if in.Kind.Null || !slices.Contains(sympoq.KBKinds, in.Kind.V) {
				p.Add("kind", sympoq.FieldInvalid, "must be one of %q", sympoq.KBKinds)
			} else {
				x.Kind = in.Kind.V
			}
		}
		if in.Title.Set {
			x.Title = strings.TrimSpace(in.Title.V)
			sympoq.CheckText(&p, "title", x.Title, sympoq.MaxKBTitleLen, false)
		}
		if x.Title == "" {
			p.Add("title", sympoq.FieldMissing, "is required")
		}
		if in.Body.Set {
			x.Body = strings.TrimRight(in.Body.V, " \t\r\n")
			sympoq.CheckText(&p, "body", x.Body, sympoq.MaxKBBodyLen, true)
		}
		if strings.TrimSpace(x.Body) == "" {
			p.Add("body", sympoq.FieldMissing, "is required")
		}
		if in.Published.Set {
			x.Published = in.Published.Value(false)
		}
		if err := p.Err(); err != nil {
			return err
		}
		html, err := RenderMarkdown(x.Body)
		if err != nil {
			return err
		}
		x.HTML = html
		if id == 0 {
			return tx.CreateKBArticle(ctx, x)
		}
		return tx.UpdateKBArticle(ctx, x)
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

// DeleteKBArticle removes an article. Editors only.
func (s *Service) DeleteKBArticle(ctx context.Context, a Actor, id int64) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.allow(ctx, tx, a, sympoq.ActEditKB); err != nil {
			return err
		}
		return tx.DeleteKBArticle(ctx, a.AccountID, id)
	})
}

// kbViewFlush is how long views wait in memory before they are written.
const kbViewFlush = 10 * time.Second

// viewCounter collects article views in memory, so that reading an article
// is not a write: they reach the database at most every kbViewFlush in one
// transaction (FlushKBViews writes them at once). Views of a process that
// dies before a flush are lost; a view count is an estimate.
type viewCounter struct {
	mu      sync.Mutex
	counts  map[[2]int64]int64 // account, article → views not yet written
	last    time.Time
	writing bool
}

func (v *viewCounter) add(accountID, id int64) int64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.counts == nil {
		v.counts = map[[2]int64]int64{}
		v.last = time.Now()
	}
	v.counts[[2]int64{accountID, id}]++
	return v.counts[[2]int64{accountID, id}]
}

func (v *viewCounter) pending(accountID, id int64) int64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.counts[[2]int64{accountID, id}]
}

// take returns the counts to write when a flush is due (or forced).
func (v *viewCounter) take(force bool) map[[2]int64]int64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.counts) == 0 || v.writing || !force && time.Since(v.last) < kbViewFlush {
		return nil
	}
	out := v.counts
	v.counts, v.last, v.writing = map[[2]int64]int64{}, time.Now(), true
	return out
}

// done ends a flush; counts that failed to be written go back.
func (v *viewCounter) done(failed map[[2]int64]int64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.writing = false
	for k, n := range failed {
		v.counts[k] += n
	}
}

// FlushKBViews writes the article views counted so far.
func (s *Service) FlushKBViews(ctx context.Context) error { return s.flushKBViews(ctx, true) }

func (s *Service) flushKBViews(ctx context.Context, force bool) error {
	counts := s.kbViews.take(force)
	if counts == nil {
		return nil
	}
	byAccount := map[int64]map[int64]int64{}
	for k, n := range counts {
		if byAccount[k[0]] == nil {
			byAccount[k[0]] = map[int64]int64{}
		}
		byAccount[k[0]][k[1]] = n
	}
	ctx = context.WithoutCancel(ctx)
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		for acc, views := range byAccount {
			if err := tx.AddKBViews(ctx, acc, views); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.logger.Error("writing article views", "err", err)
		s.kbViews.done(counts)
		return err
	}
	s.kbViews.done(nil)
	return nil
}

package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/sympoq/sympoq"
)

// Knowledge base (product.md §5): categories with their access rule and
// groups, articles with their search entries. Access itself is decided in
// desk with sympoq.CanReadKB; the queries here take the categories the
// reader may see and never widen them.

const kbCategoryColumns = `id, title, sequence, icon, access, created_at, updated_at`

// KBCategories lists the account's categories by sequence, with their groups.
func (tx *Tx) KBCategories(ctx context.Context, accountID int64) ([]*sympoq.KBCategory, error) {
	return tx.kbCategories(ctx, accountID, 0)
}

// KBCategory returns one category.
func (tx *Tx) KBCategory(ctx context.Context, accountID, id int64) (*sympoq.KBCategory, error) {
	cs, err := tx.kbCategories(ctx, accountID, id)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, sympoq.NotFound("category")
	}
	return cs[0], nil
}

func (tx *Tx) kbCategories(ctx context.Context, accountID, only int64) ([]*sympoq.KBCategory, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+kbCategoryColumns+` FROM kb_categories
		WHERE account_id = $1 AND (id = $2 OR $2 = 0) ORDER BY sequence, id`, accountID, only)
	if err != nil {
		return nil, err
	}
	out := []*sympoq.KBCategory{}
	byID := map[int64]*sympoq.KBCategory{}
	for rows.Next() {
		c := &sympoq.KBCategory{AccountID: accountID}
		var created, updated sql.NullInt64
		var access string
		if err := rows.Scan(&c.ID, &c.Title, &c.Sequence, &c.Icon, &access, &created, &updated); err != nil {
			rows.Close()
			return nil, err
		}
		c.Access, c.Created, c.Updated = sympoq.KBAccess(access), fromMicros(created), fromMicros(updated)
		c.Groups = []int64{}
		out = append(out, c)
		byID[c.ID] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	grows, err := tx.q.QueryContext(ctx, `SELECT category_id, group_id FROM kb_category_groups
		WHERE account_id = $1 AND (category_id = $2 OR $2 = 0) ORDER BY category_id, group_id`, accountID, only)
	if err != nil {
		return nil, err
	}
	defer grows.Close()
	for grows.Next() {
		var cid, gid int64
		if err := grows.Scan(&cid, &gid); err != nil {
			return nil, err
		}
		if c := byID[cid]; c != nil {
			c.Groups = append(c.Groups, gid)
		}
	}
	return out, grows.Err()
}

// CreateKBCategory inserts c with its groups and sets c.ID.
func (tx *Tx) CreateKBCategory(ctx context.Context, c *sympoq.KBCategory) error {
	c.Created, c.Updated = tx.now, tx.now
	id, err := tx.insert(ctx, `INSERT INTO kb_categories (account_id, title, sequence, icon, access, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.AccountID, c.Title, c.Sequence, c.Icon, string(c.Access), micros(c.Created), micros(c.Updated))
	if err != nil {
		return mapErr(err, "category")
	}
	c.ID = id
	return tx.setKBGroups(ctx, c)
}

// UpdateKBCategory saves c and replaces its groups.
func (tx *Tx) UpdateKBCategory(ctx context.Context, c *sympoq.KBCategory) error {
	c.Updated = tx.now
	res, err := tx.exec(ctx, `UPDATE kb_categories SET title = $1, sequence = $2, icon = $3, access = $4, updated_at = $5
		WHERE account_id = $6 AND id = $7`, c.Title, c.Sequence, c.Icon, string(c.Access), micros(c.Updated), c.AccountID, c.ID)
	if err := checkAffected(res, err, "category"); err != nil {
		return err
	}
	return tx.setKBGroups(ctx, c)
}

func (tx *Tx) setKBGroups(ctx context.Context, c *sympoq.KBCategory) error {
	if _, err := tx.exec(ctx, `DELETE FROM kb_category_groups WHERE account_id = $1 AND category_id = $2`, c.AccountID, c.ID); err != nil {
		return err
	}
	for _, g := range c.Groups {
		// The group must be the account's own: the SELECT inserts nothing otherwise.
		res, err := tx.exec(ctx, `INSERT INTO kb_category_groups (account_id, category_id, group_id)
			SELECT $1, $2, id FROM customer_groups WHERE account_id = $1 AND id = $3`, c.AccountID, c.ID, g)
		if err := checkAffected(res, err, "group"); err != nil {
			return err
		}
	}
	return nil
}

// KBArticleCounts counts the articles of each category, or only the
// published ones.
func (tx *Tx) KBArticleCounts(ctx context.Context, accountID int64, publishedOnly bool) (map[int64]int, error) {
	q := `SELECT category_id, count(*) FROM kb_articles WHERE account_id = $1 GROUP BY category_id`
	args := []any{accountID}
	if publishedOnly {
		q = `SELECT category_id, count(*) FROM kb_articles WHERE account_id = $1 AND published = $2 GROUP BY category_id`
		args = append(args, true)
	}
	rows, err := tx.q.QueryContext(ctx, q, args...)
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

// DeleteKBCategory removes an empty category; one that still holds articles
// is a conflict.
func (tx *Tx) DeleteKBCategory(ctx context.Context, accountID, id int64) error {
	var n int
	if err := tx.q.QueryRowContext(ctx, `SELECT count(*) FROM kb_articles WHERE account_id = $1 AND category_id = $2`, accountID, id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return sympoq.Errorf(sympoq.EConflict, "the category holds %d articles; move or delete them first", n)
	}
	res, err := tx.exec(ctx, `DELETE FROM kb_categories WHERE account_id = $1 AND id = $2`, accountID, id)
	if foreignKeyViolation(err) { // an article arrived since the count (PostgreSQL)
		return sympoq.Errorf(sympoq.EConflict, "the category holds articles; move or delete them first")
	}
	return checkAffected(res, err, "category")
}

const kbArticleColumns = `a.id, a.category_id, a.kind, a.title, a.body, a.html, a.published, a.author_id,
	coalesce(u.name, ''), a.created_at, a.updated_at, a.views`

const kbArticleFrom = `kb_articles a ` + kbAuthorJoin

const kbAuthorJoin = `LEFT JOIN users u ON u.account_id = a.account_id AND u.id = a.author_id`

// kbFTSFrom starts from the SQLite search table, so that bm25 can rank.
const kbFTSFrom = `kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid ` + kbAuthorJoin

func scanKBArticle(s scanner, accountID int64) (*sympoq.KBArticle, error) {
	a := &sympoq.KBArticle{AccountID: accountID}
	var kind string
	var author, created, updated sql.NullInt64
	if err := s.Scan(&a.ID, &a.Category, &kind, &a.Title, &a.Body, &a.HTML, &a.Published, &author, &a.AuthorName,
		&created, &updated, &a.Views); err != nil {
		return nil, err
	}
	a.Kind, a.Author, a.Created, a.Updated = sympoq.KBKind(kind), author.Int64, fromMicros(created), fromMicros(updated)
	return a, nil
}

// KBArticle returns one article.
func (tx *Tx) KBArticle(ctx context.Context, accountID, id int64) (*sympoq.KBArticle, error) {
	row := tx.q.QueryRowContext(ctx, `SELECT `+kbArticleColumns+` FROM `+kbArticleFrom+`
		WHERE a.account_id = $1 AND a.id = $2`, accountID, id)
	a, err := scanKBArticle(row, accountID)
	return a, mapErr(err, "article")
}

// CreateKBArticle inserts a with its search entry and sets a.ID.
func (tx *Tx) CreateKBArticle(ctx context.Context, a *sympoq.KBArticle) error {
	a.Created, a.Updated = tx.now, tx.now
	id, err := tx.insert(ctx, `INSERT INTO kb_articles (account_id, category_id, kind, title, body, html, published, author_id,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		a.AccountID, a.Category, string(a.Kind), a.Title, a.Body, a.HTML, a.Published, nullID(a.Author), micros(a.Created), micros(a.Updated))
	if foreignKeyViolation(err) { // the category went meanwhile
		return sympoq.FieldErr("category", sympoq.FieldInvalid, "is not a category of this account")
	}
	if err != nil {
		return mapErr(err, "article")
	}
	a.ID = id
	if tx.db.dialect == SQLite {
		_, err = tx.exec(ctx, `INSERT INTO kb_fts (rowid, title, body) VALUES ($1, $2, $3)`, a.ID, a.Title, clipText(a.Body))
		return err
	}
	return tx.indexKBArticlePG(ctx, a)
}

func (tx *Tx) indexKBArticlePG(ctx context.Context, a *sympoq.KBArticle) error {
	_, err := tx.exec(ctx, `UPDATE kb_articles SET search = setweight(to_tsvector('simple', $1), 'A') || to_tsvector('simple', $2)
		WHERE account_id = $3 AND id = $4`, a.Title, clipText(a.Body), a.AccountID, a.ID)
	return err
}

// UpdateKBArticle saves a and its search entry. The author stays who wrote it.
func (tx *Tx) UpdateKBArticle(ctx context.Context, a *sympoq.KBArticle) error {
	a.Updated = tx.now
	res, err := tx.exec(ctx, `UPDATE kb_articles SET category_id = $1, kind = $2, title = $3, body = $4, html = $5, published = $6,
		updated_at = $7 WHERE account_id = $8 AND id = $9`,
		a.Category, string(a.Kind), a.Title, a.Body, a.HTML, a.Published, micros(a.Updated), a.AccountID, a.ID)
	if foreignKeyViolation(err) {
		return sympoq.FieldErr("category", sympoq.FieldInvalid, "is not a category of this account")
	}
	if err := checkAffected(res, err, "article"); err != nil {
		return err
	}
	if tx.db.dialect == SQLite {
		_, err = tx.exec(ctx, `UPDATE kb_fts SET title = $1, body = $2 WHERE rowid = $3`, a.Title, clipText(a.Body), a.ID)
		return err
	}
	return tx.indexKBArticlePG(ctx, a)
}

// DeleteKBArticle removes an article and its search entry.
func (tx *Tx) DeleteKBArticle(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM kb_articles WHERE account_id = $1 AND id = $2`, accountID, id)
	if err := checkAffected(res, err, "article"); err != nil {
		return err
	}
	if tx.db.dialect == SQLite {
		_, err = tx.exec(ctx, `DELETE FROM kb_fts WHERE rowid = $1`, id)
	}
	return err
}

// AddKBViews adds counted views to articles (id → views); articles that
// have gone meanwhile are skipped.
func (tx *Tx) AddKBViews(ctx context.Context, accountID int64, views map[int64]int64) error {
	for id, n := range views {
		if _, err := tx.exec(ctx, `UPDATE kb_articles SET views = views + $1 WHERE account_id = $2 AND id = $3`, n, accountID, id); err != nil {
			return err
		}
	}
	return nil
}

// KBFilter selects articles. Categories is required: the categories the
// reader may see (none: nothing).
type KBFilter struct {
	Categories    []int64
	Category      int64 // 0: all of Categories
	PublishedOnly bool
	Q             string // words that must all occur (prefix matches for words of 4 letters or more)
	Limit         int
	Cursor        string // browsing only; a search gives its best Limit matches
}

type kbCursor struct {
	T  string `json:"t"`
	ID int64  `json:"id"`
}

// KBArticles lists articles by title, or by relevance when f.Q is set, and
// returns the cursor of the next page ("" on the last).
func (tx *Tx) KBArticles(ctx context.Context, accountID int64, f KBFilter) ([]*sympoq.KBArticle, string, error) {
	out := []*sympoq.KBArticle{}
	if len(f.Categories) == 0 {
		return out, "", nil
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	w := &where{}
	w.and("a.account_id = " + w.arg(accountID))
	in(w, "a.category_id", f.Categories)
	if f.Category != 0 {
		w.and("a.category_id = " + w.arg(f.Category))
	}
	if f.PublishedOnly {
		w.and("a.published = " + w.arg(true))
	}
	order := "lower(a.title), a.id"
	from := kbArticleFrom
	q := strings.TrimSpace(f.Q)
	if q != "" {
		terms := SearchTerms(q)
		if len(terms) == 0 {
			return out, "", nil
		}
		if tx.db.dialect == SQLite {
			from = kbFTSFrom
			w.and("kb_fts MATCH " + w.arg(ftsTerms(terms, " AND ", "")))
			order = "bm25(kb_fts, 4.0, 1.0), a.id"
		} else {
			arg := w.arg(tsTerms(terms, " & ", ""))
			w.and("a.search @@ to_tsquery('simple', " + arg + ")")
			order = "ts_rank(a.search, to_tsquery('simple', " + arg + ")) DESC, a.id"
		}
	} else if f.Cursor != "" {
		var c kbCursor
		b, err := base64.RawURLEncoding.DecodeString(f.Cursor)
		if err == nil {
			err = json.Unmarshal(b, &c)
		}
		if err != nil || c.ID <= 0 {
			return nil, "", sympoq.FieldErr("cursor", sympoq.FieldInvalid, "is not a cursor this server gave out")
		}
		w.and(fmt.Sprintf("(lower(a.title), a.id) > (%s, %s)", w.arg(c.T), w.arg(c.ID)))
	}
	rows, err := tx.q.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d`,
		kbArticleColumns, from, w.String(), order, limit+1), w.args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanKBArticle(rows, accountID)
		if err != nil {
			return nil, "", err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		if q == "" {
			last := out[len(out)-1]
			b, _ := json.Marshal(kbCursor{T: strings.ToLower(last.Title), ID: last.ID})
			next = base64.RawURLEncoding.EncodeToString(b)
		}
	}
	return out, next, nil
}

// Term is one word of a search: Prefix matches every word that starts with it.
type Term struct {
	Word   string
	Prefix bool
}

// SearchTerms splits user text into lower-case words of letters and digits;
// words of 4 characters or more match as prefixes, so that "print" finds
// "printer" and "printing".
func SearchTerms(q string) []Term {
	var out []Term
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(q), notWordRune) {
		if seen[w] || len(out) >= 32 {
			continue
		}
		seen[w] = true
		out = append(out, Term{Word: w, Prefix: len([]rune(w)) >= 4})
	}
	return out
}

func notWordRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// safeWord keeps only letters and digits, so that no query syntax of either
// engine can come from a term.
func safeWord(w string) string {
	return strings.Map(func(r rune) rune {
		if notWordRune(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, w)
}

// ftsTerms joins terms into an FTS5 expression of quoted words.
func ftsTerms(terms []Term, op, columns string) string {
	var parts []string
	for _, t := range terms {
		w := safeWord(t.Word)
		if w == "" {
			continue
		}
		p := `"` + w + `"`
		if t.Prefix {
			p += "*"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return `""`
	}
	e := strings.Join(parts, op)
	if columns != "" {
		e = "{" + columns + "} : (" + e + ")"
	}
	return e
}

// tsTerms joins terms into a PostgreSQL tsquery of quoted lexemes,
// optionally limited to weights (such as "AD").
func tsTerms(terms []Term, op, weights string) string {
	var parts []string
	for _, t := range terms {
		w := safeWord(t.Word)
		if w == "" {
			continue
		}
		p := "'" + w + "'"
		if t.Prefix || weights != "" {
			p += ":"
		}
		if t.Prefix {
			p += "*"
		}
		parts = append(parts, p+weights)
	}
	if len(parts) == 0 {
		return "''"
	}
	return strings.Join(parts, op)
}

// SimilarKBArticles returns published articles of the given categories that
// share any of the terms, best first by the engine's rank, at most limit.
func (tx *Tx) SimilarKBArticles(ctx context.Context, accountID int64, categories []int64, terms []Term, limit int) ([]*sympoq.KBArticle, error) {
	out := []*sympoq.KBArticle{}
	if len(categories) == 0 || len(terms) == 0 {
		return out, nil
	}
	w := &where{}
	w.and("a.account_id = " + w.arg(accountID))
	in(w, "a.category_id", categories)
	w.and("a.published = " + w.arg(true))
	from, order := kbArticleFrom, ""
	if tx.db.dialect == SQLite {
		from = kbFTSFrom
		w.and("kb_fts MATCH " + w.arg(ftsTerms(terms, " OR ", "")))
		order = "bm25(kb_fts, 2.0, 1.0), a.id"
	} else {
		arg := w.arg(tsTerms(terms, " | ", ""))
		w.and("a.search @@ to_tsquery('simple', " + arg + ")")
		order = "ts_rank(a.search, to_tsquery('simple', " + arg + "), 1) DESC, a.id"
	}
	rows, err := tx.q.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d`,
		kbArticleColumns, from, w.String(), order, limit), w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanKBArticle(rows, accountID)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SimilarTickets returns closed tickets with a solution, within scope and
// other than exclude, whose subject or public text shares any of the terms,
// best first by the engine's rank, at most limit.
func (tx *Tx) SimilarTickets(ctx context.Context, accountID int64, scope TicketScope, terms []Term, exclude int64, limit int) ([]*sympoq.Ticket, error) {
	out := []*sympoq.Ticket{}
	if len(terms) == 0 {
		return out, nil
	}
	w := tx.ticketWhere(accountID, scope, TicketFilter{Status: []sympoq.Status{sympoq.StatusClosed}})
	w.and("t.solution <> ''")
	w.and("t.merged_into IS NULL")
	w.and("t.id <> " + w.arg(exclude))
	from, order := "tickets t", ""
	if tx.db.dialect == SQLite {
		from = "ticket_fts JOIN tickets t ON t.id = ticket_fts.rowid"
		w.and("ticket_fts MATCH " + w.arg(ftsTerms(terms, " OR ", "subject body")))
		order = "bm25(ticket_fts, 2.0, 1.0, 0.0, 0.0), t.id"
	} else {
		arg := w.arg(tsTerms(terms, " | ", "AD"))
		w.and("t.search @@ to_tsquery('simple', " + arg + ")")
		order = "ts_rank(t.search, to_tsquery('simple', " + arg + "), 1) DESC, t.id"
	}
	rows, err := tx.q.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d`,
		ticketColumns, from, w.String(), order, limit), w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// foreignKeyViolation reports a reference to a row that another transaction
// deleted (SQLite serialises writers, so only PostgreSQL sees it).
func foreignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}

package api

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// Knowledge base (api.md §10) and suggested solutions.

type kbCategoryJSON struct {
	ID       int64           `json:"id"`
	Title    string          `json:"title"`
	Sequence int             `json:"sequence"`
	Icon     string          `json:"icon"`
	Access   sympoq.KBAccess `json:"access"`
	Groups   []int64         `json:"groups"`
	Created  *string         `json:"created"`
	Updated  *string         `json:"updated"`
	Articles int             `json:"articles"`
}

func toKBCategoryJSON(c *sympoq.KBCategory) kbCategoryJSON {
	out := kbCategoryJSON{ID: c.ID, Title: c.Title, Sequence: c.Sequence, Icon: c.Icon, Access: c.Access, Groups: c.Groups,
		Created: apiTime(c.Created), Updated: apiTime(c.Updated), Articles: c.Articles}
	if out.Groups == nil {
		out.Groups = []int64{}
	}
	return out
}

// kbArticleJSON is one article; lists leave out body and html.
type kbArticleJSON struct {
	ID         int64         `json:"id"`
	Category   int64         `json:"category"`
	Kind       sympoq.KBKind `json:"kind"`
	Title      string        `json:"title"`
	Body       *string       `json:"body,omitempty"`
	HTML       *string       `json:"html,omitempty"`
	Published  bool          `json:"published"`
	Author     *int64        `json:"author"`
	AuthorName string        `json:"author_name"`
	Views      int64         `json:"views"`
	Created    *string       `json:"created"`
	Updated    *string       `json:"updated"`
}

func toKBArticleJSON(x *sympoq.KBArticle, full bool) kbArticleJSON {
	out := kbArticleJSON{ID: x.ID, Category: x.Category, Kind: x.Kind, Title: x.Title, Published: x.Published,
		AuthorName: x.AuthorName, Views: x.Views, Created: apiTime(x.Created), Updated: apiTime(x.Updated)}
	if x.Author != 0 {
		out.Author = &x.Author
	}
	if full {
		out.Body, out.HTML = &x.Body, &x.HTML
	}
	return out
}

var kbCategoryItem = item[*sympoq.KBCategory, desk.KBCategoryInput]{
	list: func(a *API, r *http.Request) ([]*sympoq.KBCategory, error) {
		return a.desk.KBCategories(r.Context(), actor(r))
	},
	get: func(a *API, r *http.Request, id int64) (*sympoq.KBCategory, error) {
		return a.desk.KBCategory(r.Context(), actor(r), id)
	},
	save: func(a *API, r *http.Request, id int64, in desk.KBCategoryInput) (*sympoq.KBCategory, error) {
		return a.desk.SaveKBCategory(r.Context(), actor(r), id, in)
	},
	delete: func(a *API, r *http.Request, id int64) error {
		return a.desk.DeleteKBCategory(r.Context(), actor(r), id)
	},
	json: func(c *sympoq.KBCategory) any { return toKBCategoryJSON(c) },
}

var kbArticleItem = item[*sympoq.KBArticle, desk.KBArticleInput]{
	get: func(a *API, r *http.Request, id int64) (*sympoq.KBArticle, error) {
		return a.desk.KBArticle(r.Context(), actor(r), id)
	},
	save: func(a *API, r *http.Request, id int64, in desk.KBArticleInput) (*sympoq.KBArticle, error) {
		return a.desk.SaveKBArticle(r.Context(), actor(r), id, in)
	},
	delete: func(a *API, r *http.Request, id int64) error {
		return a.desk.DeleteKBArticle(r.Context(), actor(r), id)
	},
	json: func(x *sympoq.KBArticle) any { return toKBArticleJSON(x, true) },
}

// kbArticles lists or searches the articles the caller may read:
// ?category= (id), ?q= (words), ?limit=, ?cursor= (browsing only).
func (a *API) kbArticles(w http.ResponseWriter, r *http.Request) error {
	var p sympoq.Problems
	q := desk.KBQuery{Limit: 50}
	if s := param(r, "category"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			p.Add("category", sympoq.FieldInvalid, "must be the id of a category")
		}
		q.Category = n
	}
	if s := param(r, "limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			p.Add("limit", sympoq.FieldInvalid, "must be from 1 to 500")
		}
		q.Limit = n
	}
	q.Cursor = param(r, "cursor")
	if len(q.Cursor) > 500 {
		p.Add("cursor", sympoq.FieldInvalid, "is not a cursor this server gave out")
	}
	q.Q = strings.TrimSpace(param(r, "q"))
	if len(q.Q) > 500 {
		p.Add("q", sympoq.FieldTooLong, "must be at most 500 characters")
	}
	if err := p.Err(); err != nil {
		return err
	}
	xs, next, err := a.desk.KBArticles(r.Context(), actor(r), q)
	if err != nil {
		return err
	}
	out := make([]kbArticleJSON, len(xs))
	for i, x := range xs {
		out[i] = toKBArticleJSON(x, false)
	}
	page(w, r, out, next, 0, false)
	return nil
}

type suggestionJSON struct {
	Type    string   `json:"type"`    // ticket or article
	Ticket  *string  `json:"ticket"`  // the ticket's display id
	Article *int64   `json:"article"` // the article's id
	Title   string   `json:"title"`
	Excerpt string   `json:"excerpt"` // the solution, or the start of the article
	Score   float64  `json:"score"`
	Matched []string `json:"matched"`
}

// suggestions answers GET /ticket/{id}/suggestions.
func (a *API) suggestions(w http.ResponseWriter, r *http.Request) error {
	ss, err := a.desk.Suggestions(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := make([]suggestionJSON, len(ss))
	for i, s := range ss {
		j := suggestionJSON{Score: s.Score, Matched: s.Matched}
		if j.Matched == nil {
			j.Matched = []string{}
		}
		if s.Ticket != nil {
			id := s.Ticket.DisplayID
			j.Type, j.Ticket, j.Title, j.Excerpt = "ticket", &id, s.Ticket.Subject, excerpt(s.Ticket.Solution, 300)
		} else {
			id := s.Article.ID
			j.Type, j.Article, j.Title, j.Excerpt = "article", &id, s.Article.Title, excerpt(s.Article.Body, 300)
		}
		out[i] = j
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// excerpt cuts s to at most n bytes at a character boundary.
func excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

package web

import (
	"strconv"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// suggestion is one entry of the ticket page's suggested solutions: a
// solved ticket or an article, and the ticket's words that picked it.
type suggestion struct {
	Kind    string // "ticket" or "article"
	Title   string
	Href    string
	Snippet string // a ticket's solution
	Why     []string
}

// suggestions are desk.Suggestions for the ticket page.
func (w *Web) suggestions(rq *request, ref string) ([]suggestion, error) {
	ss, err := w.desk.Suggestions(rq.Context(), rq.Actor, ref)
	if err != nil {
		return nil, err
	}
	out := make([]suggestion, 0, len(ss))
	for _, s := range ss {
		switch {
		case s.Ticket != nil:
			out = append(out, suggestion{Kind: "ticket", Title: s.Ticket.Subject, Href: "/app/desk/tickets/" + s.Ticket.DisplayID,
				Snippet: s.Ticket.Solution, Why: s.Matched})
		case s.Article != nil:
			out = append(out, suggestion{Kind: "article", Title: s.Article.Title, Href: deskKB.base + "/articles/" + strconv.FormatInt(s.Article.ID, 10),
				Why: s.Matched})
		}
	}
	return out, nil
}

// articleLink is an article a reply may link to: one in a Public or a
// Customer category, published, at the address its readers open — the
// public site while it is on, else the portal.
type articleLink struct {
	ID    int64
	Title string
	URL   string
}

// maxArticleLinks bounds the Reply form's article select.
const maxArticleLinks = 200

// articleLinks are the articles the Reply form offers, by category and
// title: those
// the agent may read that a customer may read too. An internal article is
// never offered; its link would lead a customer to a 404.
func (w *Web) articleLinks(rq *request) ([]articleLink, error) {
	ctx, a := rq.Context(), rq.Actor
	cs, err := w.desk.KBCategories(ctx, a)
	if err != nil {
		return nil, err
	}
	set, err := w.desk.Settings(ctx, a)
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(w.urlOf(rq.Account.Name), "/")
	var out []articleLink
	for _, c := range cs {
		if c.Access == sympoq.KBInternal || len(out) >= maxArticleLinks {
			continue
		}
		xs, _, err := w.desk.KBArticles(ctx, a, desk.KBQuery{Category: c.ID, Limit: maxArticleLinks - len(out)})
		if err != nil {
			return nil, err
		}
		for _, x := range xs {
			if x.Published {
				out = append(out, articleLink{ID: x.ID, Title: c.Title + ": " + x.Title, URL: base + articlePath(c, x.ID, set)})
			}
		}
	}
	return out, nil
}

// articlePath is where a customer reads an article.
func articlePath(c *sympoq.KBCategory, id int64, set *sympoq.Settings) string {
	if c.Access == sympoq.KBPublic && set.General.Guest.PublicKB {
		return publicKB.base + "/articles/" + strconv.FormatInt(id, 10)
	}
	return portalKB.base + "/articles/" + strconv.FormatInt(id, 10)
}

// articleLink checks the article a reply form names (without JavaScript
// the select is sent as it is).
func (w *Web) articleLink(rq *request, id int64) (articleLink, error) {
	ls, err := w.articleLinks(rq)
	if err != nil {
		return articleLink{}, err
	}
	for _, l := range ls {
		if l.ID == id {
			return l, nil
		}
	}
	return articleLink{}, sympoq.FieldErr("article", sympoq.FieldInvalid, "is not an article customers may read")
}

// appendLine adds line after text, on a line of its own.
func appendLine(text, line string) string {
	text = strings.TrimRight(text, " \t\r\n")
	if text == "" {
		return line
	}
	return text + "\n\n" + line
}

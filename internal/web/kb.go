package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// The knowledge base (ui.md, product.md §5) has three front doors over the
// same desk use cases: the desk's (agents, with editing for those allowed),
// the portal's (customers) and the public site's (guests, only while
// general.guest.public_kb is on). Who reads what is decided by the desk
// (sympoq.CanReadKB): a category or article out of reach is not found, so
// it is the 404 page.

// kbSite is one front door of the knowledge base.
type kbSite struct {
	base    string // "/app/desk/kb", "/app/portal/kb" or "/app/kb"
	current string // the nav item the pages belong to
	// reader is the actor reading, or an error page (a portal of an agent,
	// a public site that is off).
	reader func(w *Web, rq *request) (desk.Actor, error)
}

var (
	deskKB = kbSite{base: "/app/desk/kb", current: "/app/desk/kb/", reader: func(_ *Web, rq *request) (desk.Actor, error) {
		return rq.Actor, nil
	}}
	portalKB = kbSite{base: "/app/portal/kb", current: "/app/portal/kb/", reader: func(_ *Web, rq *request) (desk.Actor, error) {
		return rq.Actor, customerOnly(rq)
	}}
	// The public site always reads as a guest, whoever is signed in: it
	// shows what the public sees.
	publicKB = kbSite{base: "/app/kb", reader: func(w *Web, rq *request) (desk.Actor, error) {
		set, err := w.desk.DB().Read().Settings(rq.Context(), rq.Account.ID)
		if err != nil {
			return desk.Actor{}, err
		}
		if !set.General.Guest.PublicKB {
			return desk.Actor{}, sympoq.NotFound("page")
		}
		return sympoq.Guest(rq.Account.ID), nil
	}}
)

// kbPage is the data of the knowledge-base pages.
type kbPage struct {
	Base       string
	Editor     bool // show the editing controls (desk only)
	Categories []*sympoq.KBCategory
	Category   *sympoq.KBCategory // a category's page, or the article's category
	Articles   []*sympoq.KBArticle
	Q          string
	Searched   bool
	Pager      Pager
	Article    *sympoq.KBArticle
	HTML       template.HTML // the article's stored, sanitized rendering
	L          *lookups      // forms: the customer groups
	Action     string        // forms: where they post
}

// AccessLabel names a category's access for people.
func (kbPage) AccessLabel(a sympoq.KBAccess) string {
	switch a {
	case sympoq.KBInternal:
		return "Internal"
	case sympoq.KBCustomer:
		return "Customer groups"
	case sympoq.KBPublic:
		return "Public"
	}
	return string(a)
}

// kbIcons are the glyphs (ones the common text fonts have) of the icon
// names a category may carry; any other text of letters only is a name
// without a glyph and is not shown, anything else (an emoji, a symbol) is
// shown as it is.
var kbIcons = map[string]string{"rocket": "▶", "star": "★", "book": "☰", "question": "?", "info": "ℹ", "gear": "⚙",
	"mail": "✉", "phone": "☎", "warning": "⚠", "lightbulb": "☼", "tools": "⚒", "check": "✔", "heart": "♥"}

// Icon is what a category's icon shows.
func (kbPage) Icon(name string) string {
	if g, ok := kbIcons[strings.ToLower(name)]; ok {
		return g
	}
	if strings.Trim(strings.ToLower(name), "abcdefghijklmnopqrstuvwxyz-_") == "" {
		return ""
	}
	return name
}

// ArticleHref and CategoryHref are the addresses of this front door.
func (p kbPage) ArticleHref(id int64) string {
	return p.Base + "/articles/" + strconv.FormatInt(id, 10)
}
func (p kbPage) CategoryHref(id int64) string {
	return p.Base + "/categories/" + strconv.FormatInt(id, 10)
}

// CategoryTitle names a category of the list, "" when it is not readable.
func (p kbPage) CategoryTitle(id int64) string {
	for _, c := range p.Categories {
		if c.ID == id {
			return c.Title
		}
	}
	return ""
}

func (w *Web) kbStart(rq *request, site kbSite) (desk.Actor, *kbPage, error) {
	a, err := site.reader(w, rq)
	if err != nil {
		return a, nil, err
	}
	p := &kbPage{Base: site.base}
	if site.base == deskKB.base {
		if p.Editor, err = w.desk.KBEditor(rq.Context(), a); err != nil {
			return a, nil, err
		}
	}
	if p.Categories, err = w.desk.KBCategories(rq.Context(), a); err != nil {
		return a, nil, err
	}
	return a, p, nil
}

// kbIndex lists the categories with their counts, and the search results.
func (w *Web) kbIndex(site kbSite) handler {
	return func(rw http.ResponseWriter, rq *request) error {
		a, p, err := w.kbStart(rq, site)
		if err != nil {
			return err
		}
		f := newForm(url.Values{"q": {rq.URL.Query().Get("q")}})
		status := http.StatusOK
		if p.Q = strings.TrimSpace(f.Value("q")); p.Q != "" {
			p.Searched = true
			if p.Articles, _, err = w.desk.KBArticles(rq.Context(), a, desk.KBQuery{Q: p.Q, Limit: listLimit}); err != nil {
				if !f.fromError(err, nil) {
					return err
				}
				status = http.StatusBadRequest
			}
		}
		return w.renderStatus(rw, rq, status, "kb", &Page{Title: "Knowledge base", Current: site.current, Form: f, Data: p})
	}
}

// kbCategory lists a category's articles by title, a page at a time.
func (w *Web) kbCategory(site kbSite) handler {
	return func(rw http.ResponseWriter, rq *request) error {
		a, p, err := w.kbStart(rq, site)
		if err != nil {
			return err
		}
		id := atoi(rq.PathValue("id"))
		if p.Category, err = w.desk.KBCategory(rq.Context(), a, id); err != nil {
			return err
		}
		cursor := rq.URL.Query().Get("cursor")
		var next string
		if p.Articles, next, err = w.desk.KBArticles(rq.Context(), a, desk.KBQuery{Category: id, Limit: listLimit, Cursor: cursor}); err != nil {
			return err
		}
		if next != "" {
			p.Pager.Next = p.CategoryHref(id) + "?cursor=" + url.QueryEscape(next)
		}
		if cursor != "" {
			p.Pager.Prev, p.Pager.First = true, p.CategoryHref(id)
		}
		return w.render(rw, rq, "kb", &Page{Title: p.Category.Title, Current: site.current, Form: newForm(nil), Data: p})
	}
}

// kbArticle shows an article as stored: its HTML was rendered from
// Markdown without raw HTML and sanitized when it was saved.
func (w *Web) kbArticle(site kbSite) handler {
	return func(rw http.ResponseWriter, rq *request) error {
		a, p, err := w.kbStart(rq, site)
		if err != nil {
			return err
		}
		if p.Article, err = w.desk.KBArticle(rq.Context(), a, atoi(rq.PathValue("id"))); err != nil {
			return err
		}
		p.HTML = template.HTML(p.Article.HTML) // sanitized by desk.RenderMarkdown on save
		for _, c := range p.Categories {
			if c.ID == p.Article.Category {
				p.Category = c
			}
		}
		return w.render(rw, rq, "kb_article", &Page{Title: p.Article.Title, Current: site.current, Data: p})
	}
}

// kbEditor refuses the editing pages to those who may not edit, before a
// form is shown.
func (w *Web) kbEditor(rq *request) error {
	ok, err := w.desk.KBEditor(rq.Context(), rq.Actor)
	if err != nil {
		return err
	}
	if !ok {
		return sympoq.Forbidden("only administrators, and agents when the settings allow it, edit the knowledge base")
	}
	return nil
}

// Category forms.

func categoryValues(c *sympoq.KBCategory) url.Values {
	v := url.Values{"title": {c.Title}, "sequence": {strconv.Itoa(c.Sequence)}, "icon": {c.Icon}, "access": {string(c.Access)}}
	for _, g := range c.Groups {
		v.Add("groups", strconv.FormatInt(g, 10))
	}
	return v
}

func (w *Web) kbCategoryNew(rw http.ResponseWriter, rq *request) error {
	if err := w.kbEditor(rq); err != nil {
		return err
	}
	return w.showCategoryForm(rw, rq, http.StatusOK, nil, newForm(url.Values{"access": {string(sympoq.KBInternal)}}))
}

func (w *Web) kbCategoryEdit(rw http.ResponseWriter, rq *request) error {
	if err := w.kbEditor(rq); err != nil {
		return err
	}
	c, err := w.desk.KBCategory(rq.Context(), rq.Actor, atoi(rq.PathValue("id")))
	if err != nil {
		return err
	}
	return w.showCategoryForm(rw, rq, http.StatusOK, c, newForm(categoryValues(c)))
}

func (w *Web) showCategoryForm(rw http.ResponseWriter, rq *request, status int, c *sympoq.KBCategory, f *Form) error {
	l, err := w.lookups(rq)
	if err != nil {
		return err
	}
	p := &kbPage{Base: deskKB.base, Editor: true, Category: c, L: l, Action: deskKB.base + "/categories/new"}
	title := "New category"
	if c != nil {
		p.Action, title = p.CategoryHref(c.ID)+"/edit", "Edit "+c.Title
	}
	return w.renderStatus(rw, rq, status, "kb_category_form", &Page{Title: title, Current: deskKB.current, Form: f, Data: p})
}

// categoryInput reads the form; every field is sent. A sequence that does
// not parse becomes -1, which the desk refuses beside the field.
func categoryInput(f *Form) desk.KBCategoryInput {
	in := desk.KBCategoryInput{Title: desk.Some(f.Value("title")), Icon: desk.Some(f.Value("icon")),
		Access: desk.Some(sympoq.KBAccess(f.Value("access")))}
	if s := strings.TrimSpace(f.Value("sequence")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			n = -1
		}
		in.Sequence = desk.Some(n)
	}
	groups := []int64{}
	for _, g := range f.Values["groups"] {
		if id := atoi(g); id > 0 {
			groups = append(groups, id)
		}
	}
	if in.Access.V == sympoq.KBCustomer || len(groups) > 0 {
		in.Groups = desk.Some(groups)
	} else {
		in.Groups = desk.Some([]int64{})
	}
	return in
}

func (w *Web) kbCategorySave(rw http.ResponseWriter, rq *request) error {
	if err := w.kbEditor(rq); err != nil {
		return err
	}
	id := atoi(rq.PathValue("id"))
	var cur *sympoq.KBCategory
	if id != 0 {
		var err error
		if cur, err = w.desk.KBCategory(rq.Context(), rq.Actor, id); err != nil {
			return err
		}
	}
	f := newForm(rq.PostForm)
	f.Values.Del(csrfField)
	c, err := w.desk.SaveKBCategory(rq.Context(), rq.Actor, id, categoryInput(f))
	if err != nil {
		if !f.fromError(err, nil) {
			return err
		}
		return w.showCategoryForm(rw, rq, http.StatusBadRequest, cur, f)
	}
	return w.redirect(rw, rq, deskKB.base+"/categories/"+strconv.FormatInt(c.ID, 10), "Category "+c.Title+" saved.")
}

func (w *Web) kbCategoryDelete(rw http.ResponseWriter, rq *request) error {
	if err := w.kbEditor(rq); err != nil {
		return err
	}
	id := atoi(rq.PathValue("id"))
	c, err := w.desk.KBCategory(rq.Context(), rq.Actor, id)
	if err != nil {
		return err
	}
	if err := w.desk.DeleteKBCategory(rq.Context(), rq.Actor, id); err != nil {
		f := newForm(categoryValues(c))
		if sympoq.ErrorCode(err) != sympoq.EConflict || !f.fromError(err, nil) {
			return err
		}
		return w.showCategoryForm(rw, rq, http.StatusConflict, c, f)
	}
	return w.redirect(rw, rq, deskKB.base+"/", "Category "+c.Title+" deleted.")
}

// Article forms.

func articleValues(x *sympoq.KBArticle) url.Values {
	v := url.Values{"category": {strconv.FormatInt(x.Category, 10)}, "kind": {string(x.Kind)}, "title": {x.Title}, "body": {x.Body}}
	if x.Published {
		v.Set("published", "1")
	}
	return v
}

func (w *Web) kbArticleNew(rw http.ResponseWriter, rq *request) error {
	if err := w.kbEditor(rq); err != nil {
		return err
	}
	v := url.Values{"kind": {string(sympoq.KBArticleKind)}, "published": {"1"}}
	if c := rq.URL.Query().Get("category"); c != "" {
		v.Set("category", c)
	}
	return w.showArticleForm(rw, rq, http.StatusOK, nil, newForm(v))
}

func (w *Web) kbArticleEdit(rw http.ResponseWriter, rq *request) error {
	if err := w.kbEditor(rq); err != nil {
		return err
	}
	x, err := w.desk.KBArticleForEditing(rq.Context(), rq.Actor, atoi(rq.PathValue("id")))
	if err != nil {
		return err
	}
	return w.showArticleForm(rw, rq, http.StatusOK, x, newForm(articleValues(x)))
}

func (w *Web) showArticleForm(rw http.ResponseWriter, rq *request, status int, x *sympoq.KBArticle, f *Form) error {
	cs, err := w.desk.KBCategories(rq.Context(), rq.Actor)
	if err != nil {
		return err
	}
	p := &kbPage{Base: deskKB.base, Editor: true, Categories: cs, Article: x, Action: deskKB.base + "/articles/new"}
	title := "New article"
	if x != nil {
		p.Action, title = p.ArticleHref(x.ID)+"/edit", "Edit "+x.Title
	}
	return w.renderStatus(rw, rq, status, "kb_article_form", &Page{Title: title, Current: deskKB.current, Form: f, Data: p})
}

// CategoryOptions are the choices of an article's category.
func (p kbPage) CategoryOptions() []Option {
	out := []Option{{Value: "", Label: "— choose —"}}
	for _, c := range p.Categories {
		out = append(out, Option{Value: strconv.FormatInt(c.ID, 10), Label: c.Title + " (" + p.AccessLabel(c.Access) + ")"})
	}
	return out
}

func articleInput(f *Form) desk.KBArticleInput {
	in := desk.KBArticleInput{Kind: desk.Some(sympoq.KBKind(f.Value("kind"))), Title: desk.Some(f.Value("title")),
		Body: desk.Some(strings.ReplaceAll(f.Value("body"), "\r\n", "\n")), Published: desk.Some(f.Value("published") == "1")}
	in.Category = desk.Some(atoi(f.Value("category")))
	return in
}

func (w *Web) kbArticleSave(rw http.ResponseWriter, rq *request) error {
	if err := w.kbEditor(rq); err != nil {
		return err
	}
	id := atoi(rq.PathValue("id"))
	var cur *sympoq.KBArticle
	if id != 0 {
		var err error
		if cur, err = w.desk.KBArticleForEditing(rq.Context(), rq.Actor, id); err != nil {
			return err
		}
	}
	f := newForm(rq.PostForm)
	f.Values.Del(csrfField)
	x, err := w.desk.SaveKBArticle(rq.Context(), rq.Actor, id, articleInput(f))
	if err != nil {
		if !f.fromError(err, nil) {
			return err
		}
		return w.showArticleForm(rw, rq, http.StatusBadRequest, cur, f)
	}
	return w.redirect(rw, rq, deskKB.base+"/articles/"+strconv.FormatInt(x.ID, 10), "Article "+x.Title+" saved.")
}

func (w *Web) kbArticleDelete(rw http.ResponseWriter, rq *request) error {
	if err := w.kbEditor(rq); err != nil {
		return err
	}
	id := atoi(rq.PathValue("id"))
	x, err := w.desk.KBArticleForEditing(rq.Context(), rq.Actor, id)
	if err != nil {
		return err
	}
	if err := w.desk.DeleteKBArticle(rq.Context(), rq.Actor, id); err != nil {
		return err
	}
	return w.redirect(rw, rq, deskKB.base+"/categories/"+strconv.FormatInt(x.Category, 10), "Article "+x.Title+" deleted.")
}

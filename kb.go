package sympoq

import "time"

// KBAccess says who may read a knowledge-base category and every article in
// it (product.md §5).
type KBAccess string

// The access levels of a category.
const (
	KBInternal KBAccess = "internal" // agents only
	KBCustomer KBAccess = "customer" // agents, and customers of the selected groups
	KBPublic   KBAccess = "public"   // everyone signed in; guests when the account allows it
)

// KBAccessLevels are the valid values of KBAccess.
var KBAccessLevels = []KBAccess{KBInternal, KBCustomer, KBPublic}

// KBKind tells an article from a FAQ entry.
type KBKind string

// The kinds of knowledge-base entries.
const (
	KBArticleKind KBKind = "article"
	KBFAQKind     KBKind = "faq"
)

// KBKinds are the valid values of KBKind.
var KBKinds = []KBKind{KBArticleKind, KBFAQKind}

// KBCategory holds articles and FAQ entries under one access rule.
type KBCategory struct {
	ID        int64
	AccountID int64
	Title     string
	Sequence  int
	Icon      string
	Access    KBAccess
	Groups    []int64 // customer groups that may read a KBCustomer category; at least one when saved, none left: no customer
	Created   time.Time
	Updated   time.Time
	Articles  int // articles in it that the reader may read (published ones, or all for editors)
}

// KBArticle is an article or FAQ entry. Body is Markdown; HTML is the
// sanitized rendering, made when the article is saved.
type KBArticle struct {
	ID         int64
	AccountID  int64
	Category   int64
	Kind       KBKind
	Title      string
	Body       string
	HTML       string
	Published  bool
	Author     int64 // 0 when the author was removed
	AuthorName string
	Created    time.Time
	Updated    time.Time
	Views      int64
}

// Limits of knowledge-base text.
const (
	MaxKBTitleLen = 200
	MaxKBBodyLen  = 200_000
	MaxKBIconLen  = 64
)

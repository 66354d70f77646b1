package demo

import (
	"context"
	"fmt"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// kbCategories are the demo knowledge base: one category of each access
// level, each with a few articles and FAQ entries.
var kbCategories = []struct {
	title, icon string
	access      sympoq.KBAccess
	groups      []string
	articles    []kbDemoArticle
}{
	{"Getting started", "rocket", sympoq.KBPublic, nil, []kbDemoArticle{
		{sympoq.KBArticleKind, "How to reset your password", "If you forgot your password, choose **Forgot password** on the sign-in page and enter your email address.\n\nWe send a link that is valid for one hour; only the newest link works. No mail? Check the spam folder.", true},
		{sympoq.KBArticleKind, "Submitting a request", "Write to us by email, use the form on the portal, or the chat widget on our website.\n\n1. Describe what happened and what you expected.\n2. Attach screenshots (up to 20 MB per file).\n3. We answer within one working day.", true},
		{sympoq.KBFAQKind, "What are your support hours?", "Monday to Friday, 9:00 to 17:00 (UTC). Urgent outages are handled around the clock.", true},
	}},
	{"VIP and partner guides", "star", sympoq.KBCustomer, []string{"VIP", "Partners"}, []kbDemoArticle{
		{sympoq.KBArticleKind, "Your dedicated account manager", "VIP and partner accounts have a named account manager. Reply to any ticket with **@manager** to bring them in.", true},
		{sympoq.KBFAQKind, "Can we get a custom invoice layout?", "Yes. Partners can have the invoice layout and the VAT details adjusted; ask your account manager.", true},
	}},
	{"Internal runbooks", "book", sympoq.KBInternal, nil, []kbDemoArticle{
		{sympoq.KBArticleKind, "Refunding a duplicate charge", "1. Find both charges in the payment provider.\n2. Refund the later one with reason *duplicate*.\n3. Close the ticket with the solution: the refund shows on the statement in 5–10 days.", true},
		{sympoq.KBArticleKind, "Escalating an outage", "Tag the ticket `Urgent/Outage`, set priority **Urgent**, and page the on-call engineer. Post updates every 30 minutes.", true},
		{sympoq.KBArticleKind, "Draft: new onboarding checklist", "Work in progress — not published yet.", false},
	}},
}

type kbDemoArticle struct {
	kind        sympoq.KBKind
	title, body string
	published   bool
}

// fillKB creates the demo categories that are missing, with their articles.
func fillKB(ctx context.Context, d *desk.Service, sys desk.Actor, groupID map[string]int64, sum *Summary) error {
	have, err := d.KBCategories(ctx, sys)
	if err != nil {
		return err
	}
	exists := map[string]bool{}
	for _, c := range have {
		exists[c.Title] = true
	}
	for _, c := range kbCategories {
		if exists[c.title] {
			continue
		}
		var groups []int64
		for _, g := range c.groups {
			groups = append(groups, groupID[g])
		}
		in := desk.KBCategoryInput{Title: desk.Some(c.title), Icon: desk.Some(c.icon), Access: desk.Some(c.access)}
		if len(groups) > 0 {
			in.Groups = desk.Some(groups)
		}
		cat, err := d.SaveKBCategory(ctx, sys, 0, in)
		if err != nil {
			return fmt.Errorf("category %s: %w", c.title, err)
		}
		sum.Categories++
		for _, a := range c.articles {
			if _, err := d.SaveKBArticle(ctx, sys, 0, desk.KBArticleInput{Category: desk.Some(cat.ID), Kind: desk.Some(a.kind),
				Title: desk.Some(a.title), Body: desk.Some(a.body), Published: desk.Some(a.published)}); err != nil {
				return fmt.Errorf("article %s: %w", a.title, err)
			}
			sum.Articles++
		}
	}
	return nil
}

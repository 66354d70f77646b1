package api

import (
	"net/http"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// Prefix is where the API lives.
const Prefix = "/app/desk/api"

// Route is one endpoint: a net/http pattern and its handler.
type Route struct {
	Pattern string
	Handler http.Handler
}

// Routes is the whole API surface, top to bottom. Every route is
// authenticated; the server mounts them and adds the middleware that
// resolves the account.
func (a *API) Routes() []Route {
	agent, customer := sympoq.KindAgent, sympoq.KindCustomer
	routes := []struct {
		pattern string
		h       handlerFunc
	}{
		// Users (api.md §8).
		{"GET /users", a.listUsers("")},
		{"GET /agents", a.listUsers(agent)},
		{"GET /agent/{id}", a.getUser(agent)},
		{"POST /agent", a.createUser(agent)},
		{"PUT /agent/{id}", a.updateUser(agent)},
		{"DELETE /agent/{id}", a.deleteUser(agent)},
		{"GET /customers", a.listUsers(customer)},
		{"GET /customer/{id}", a.getUser(customer)},
		{"POST /customer", a.createUser(customer)},
		{"PUT /customer/{id}", a.updateUser(customer)},
		{"DELETE /customer/{id}", a.deleteUser(customer)},
		{"GET /profile", a.profile},
		{"PUT /profile", a.updateProfile},
		{"GET /profile/apikeys", a.apiKeys},
		{"POST /profile/apikeys", a.createAPIKey},
		{"DELETE /profile/apikey/{id}", a.revokeAPIKey},

		// Tickets (api.md §7).
		{"GET /tickets", a.tickets},
		{"POST /request", a.submit},
		{"POST /ticket", a.submit},
		{"GET /ticket/{id}", a.getTicket},
		{"PUT /ticket/{id}", action(a, (*desk.Service).Update)},
		{"DELETE /ticket/{id}", a.deleteTicket},
		{"POST /ticket/{id}/restore", bare(a, (*desk.Service).Restore)},
		{"POST /ticket/{id}/reply", action(a, (*desk.Service).Reply)},
		{"POST /ticket/{id}/note", action(a, (*desk.Service).Note)},
		{"POST /ticket/{id}/call", action(a, (*desk.Service).Call)},
		{"POST /ticket/{id}/assign", action(a, (*desk.Service).Assign)},
		{"POST /ticket/{id}/close", action(a, (*desk.Service).Close)},
		{"POST /ticket/{id}/reopen", bare(a, (*desk.Service).Reopen)},
		{"POST /ticket/{id}/rating", action(a, (*desk.Service).Rate)},
		{"POST /ticket/{id}/merge", action(a, (*desk.Service).Merge)},
		{"POST /ticket/{id}/unmerge", bare(a, (*desk.Service).Unmerge)},
		{"GET /ticket/{id}/events", a.events},
		{"POST /ticket/{id}/attachment", a.upload},
		{"GET /ticket/{id}/attachment/{n}", a.download},

		// Settings items (api.md §9). Queues answer both compat forms of
		// the permission switch.
		{"GET /queues", a.queues},
		{"GET /queues/{permissions}", a.queues},
		{"GET /queue/{id}", a.queue},
		{"GET /queue/{id}/{permissions}", a.queue},
		{"POST /queue", queueItem.saveHandler(a, true)},
		{"PUT /queue/{id}", queueItem.saveHandler(a, false)},
		{"DELETE /queue/{id}", queueItem.deleteHandler(a)},
		{"GET /topics", topicItem.listHandler(a)},
		{"GET /topic/{id}", topicItem.getHandler(a)},
		{"POST /topic", topicItem.saveHandler(a, true)},
		{"PUT /topic/{id}", topicItem.saveHandler(a, false)},
		{"DELETE /topic/{id}", topicItem.deleteHandler(a)},
		{"GET /groups", groupItem.listHandler(a)},
		{"GET /group/{id}", groupItem.getHandler(a)},
		{"POST /group", groupItem.saveHandler(a, true)},
		{"PUT /group/{id}", groupItem.saveHandler(a, false)},
		{"DELETE /group/{id}", groupItem.deleteHandler(a)},
		{"GET /tags", tagItem.listHandler(a)},
		{"GET /tag/{id}", tagItem.getHandler(a)},
		{"POST /tag", tagItem.saveHandler(a, true)},
		{"PUT /tag/{id}", tagItem.saveHandler(a, false)},
		{"DELETE /tag/{id}", tagItem.deleteHandler(a)},
		{"GET /custom_fields", customFieldItem.listHandler(a)},
		{"GET /custom_field/{id}", customFieldItem.getHandler(a)},
		{"POST /custom_field", customFieldItem.saveHandler(a, true)},
		{"PUT /custom_field/{id}", customFieldItem.saveHandler(a, false)},
		{"DELETE /custom_field/{id}", customFieldItem.deleteHandler(a)},
		{"GET /canned_replies", cannedItem.listHandler(a)},
		{"GET /canned_reply/{id}", cannedItem.getHandler(a)},
		{"POST /canned_reply", cannedItem.saveHandler(a, true)},
		{"PUT /canned_reply/{id}", cannedItem.saveHandler(a, false)},
		{"DELETE /canned_reply/{id}", cannedItem.deleteHandler(a)},
		{"GET /statuses", enumList(sympoq.Statuses)},
		{"GET /status/{id}", enumOne(sympoq.Statuses, "status")},
		{"GET /priorities", enumList(sympoq.Priorities)},
		{"GET /priority/{id}", enumOne(sympoq.Priorities, "priority")},
		{"GET /channels", enumList(sympoq.Channels)},
		{"GET /channel/{id}", enumOne(sympoq.Channels, "channel")},
		{"GET /settings", a.settings},
		{"PUT /settings", a.updateSettings},

		// Knowledge base (api.md §10) and suggested solutions.
		{"GET /kb/categories", kbCategoryItem.listHandler(a)},
		{"GET /kb/category/{id}", kbCategoryItem.getHandler(a)},
		{"POST /kb/category", kbCategoryItem.saveHandler(a, true)},
		{"PUT /kb/category/{id}", kbCategoryItem.saveHandler(a, false)},
		{"DELETE /kb/category/{id}", kbCategoryItem.deleteHandler(a)},
		{"GET /kb/articles", a.kbArticles},
		{"GET /kb/article/{id}", kbArticleItem.getHandler(a)},
		{"POST /kb/article", kbArticleItem.saveHandler(a, true)},
		{"PUT /kb/article/{id}", kbArticleItem.saveHandler(a, false)},
		{"DELETE /kb/article/{id}", kbArticleItem.deleteHandler(a)},
		{"GET /ticket/{id}/suggestions", a.suggestions},
		// Email templates, ticket action notifications, mail settings.
		{"GET /templates", a.templates},
		{"GET /template/{name}", a.template},
		{"PUT /template/{name}", a.saveTemplate},
		{"POST /template/{name}/reset", a.resetTemplate},
		{"POST /template/{name}/preview", a.previewTemplate},
		{"GET /notifications", a.actionNotifications},
		{"PUT /notification/{trigger}", a.saveActionNotification},
		{"GET /settings/mail", a.mailSettings},
		{"PUT /settings/mail", a.saveMailSettings},
		// Analytics (api.md §10).
		{"GET /reports/{name}", a.report},
		// Automation (product.md §7): submission rules per channel and
		// scheduled actions.
		{"GET /rules", a.rules},
		{"GET /rule/{id}", submissionRuleItem.getHandler(a)},
		{"POST /rule", submissionRuleItem.saveHandler(a, true)},
		{"PUT /rule/{id}", submissionRuleItem.saveHandler(a, false)},
		{"DELETE /rule/{id}", submissionRuleItem.deleteHandler(a)},
		{"GET /scheduled_actions", a.scheduledActions},
		{"GET /scheduled_action/{id}", a.scheduledAction},
		{"POST /scheduled_action", a.saveScheduledAction(true)},
		{"PUT /scheduled_action/{id}", a.saveScheduledAction(false)},
		{"DELETE /scheduled_action/{id}", scheduledActionItem.deleteHandler(a)},
	}
	// Inbound mail administration (mail.go).
	routes = append(routes, a.mailRoutes()...)
	out := make([]Route, 0, len(routes))
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		out = append(out, Route{Pattern: method + " " + Prefix + path, Handler: a.Authenticate(a.Handle(rt.h))})
	}
	return out
}

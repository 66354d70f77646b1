package web

import "net/http"

// Routes is every page, top to bottom. The server mounts them on its mux
// behind the middleware that resolves the account. To add a page: write a
// handler in its own file (func(w http.ResponseWriter, rq *request) error),
// a template in templates/pages/, and a line here saying who may open it.
func (w *Web) Routes() []Route {
	return []Route{
		{"GET /app/static/{name}", w.static},

		// Everyone (ui.md).
		{"GET /app/{$}", w.page(anyone, w.home)},
		{"GET /app/login", w.page(anyone, w.loginForm)},
		{"POST /app/login", w.page(anyone, w.login)},
		{"POST /app/logout", w.page(signedIn, w.logout)},
		{"GET /app/password/forgot", w.page(anyone, w.forgotForm)},
		{"POST /app/password/forgot", w.page(anyone, w.forgot)},
		{"GET /app/password/reset", w.page(anyone, w.resetForm(resetPassword))},
		{"POST /app/password/reset", w.page(anyone, w.reset(resetPassword))},
		{"GET /app/register", w.page(anyone, w.resetForm(completeRegistration))},
		{"POST /app/register", w.page(anyone, w.reset(completeRegistration))},
		{"GET /app/signup", w.page(anyone, w.signupForm)},
		{"POST /app/signup", w.page(anyone, w.signup)},
		{"GET /app/profile", w.page(signedIn, w.profile)},
		{"POST /app/profile", w.page(signedIn, w.saveProfile)},
		{"POST /app/profile/password", w.page(signedIn, w.changePassword)},
		{"POST /app/profile/apikeys", w.page(signedIn, w.createKey)},
		{"POST /app/profile/apikeys/{id}/revoke", w.page(signedIn, w.revokeKey)},
		{"POST /app/profile/sessions/{id}/revoke", w.page(signedIn, w.revokeSession)},

		// Agent desk (ui.md).
		{"GET /app/desk/{$}", w.page(agentOnly, w.ticketList)},
		{"GET /app/desk/tickets.csv", w.page(agentOnly, w.ticketsCSV)},
		{"POST /app/desk/tickets/bulk", w.page(agentOnly, w.bulk)},
		{"GET /app/desk/tickets/new", w.page(agentOnly, w.newTicketForm)},
		{"POST /app/desk/tickets/new", w.page(agentOnly, w.newTicket)},
		{"GET /app/desk/tickets/{id}", w.page(agentOnly, w.ticketPage)},
		{"GET /app/desk/customers", w.page(agentOnly, w.customers)},
		{"GET /app/desk/customers.csv", w.page(agentOnly, w.customersCSV)},
		{"GET /app/desk/customers/import", w.page(agentOnly, w.importForm)},
		{"POST /app/desk/customers/import", w.page(agentOnly, w.importCustomers)},
		{"GET /app/desk/customers/new", w.page(agentOnly, w.newCustomerForm)},
		{"POST /app/desk/customers/new", w.page(agentOnly, w.createCustomer)},
		{"GET /app/desk/customers/{id}", w.page(agentOnly, w.customer)},
		{"POST /app/desk/customers/{id}", w.page(agentOnly, w.saveCustomer)},
		{"GET /app/desk/tickets/{id}/attachments/{n}", w.page(agentOnly, w.attachment)},
		{"POST /app/desk/tickets/{id}/reply", w.page(agentOnly, w.ticketAction("reply", w.reply))},
		{"POST /app/desk/tickets/{id}/note", w.page(agentOnly, w.ticketAction("note", w.note))},
		{"POST /app/desk/tickets/{id}/call", w.page(agentOnly, w.ticketAction("call", w.call))},
		{"POST /app/desk/tickets/{id}/assign", w.page(agentOnly, w.ticketAction("assign", w.assign))},
		{"POST /app/desk/tickets/{id}/move", w.page(agentOnly, w.ticketAction("move", w.update(moveInput)))},
		{"POST /app/desk/tickets/{id}/priority", w.page(agentOnly, w.ticketAction("priority", w.update(priorityInput)))},
		{"POST /app/desk/tickets/{id}/topic", w.page(agentOnly, w.ticketAction("topic", w.update(topicInput)))},
		{"POST /app/desk/tickets/{id}/deadline", w.page(agentOnly, w.ticketAction("deadline", w.update(w.deadlineInput)))},
		{"POST /app/desk/tickets/{id}/tags", w.page(agentOnly, w.ticketAction("tags", w.update(tagsInput)))},
		{"POST /app/desk/tickets/{id}/fields", w.page(agentOnly, w.ticketAction("fields", w.update(w.fieldsInput)))},
		{"POST /app/desk/tickets/{id}/close", w.page(agentOnly, w.ticketAction("close", w.closeTicket))},
		{"POST /app/desk/tickets/{id}/reopen", w.page(agentOnly, w.ticketAction("reopen", w.reopen))},
		{"POST /app/desk/tickets/{id}/merge", w.page(agentOnly, w.ticketAction("merge", w.merge))},
		{"POST /app/desk/tickets/{id}/delete", w.page(agentOnly, w.ticketAction("delete", w.deleteTicket))},
		{"POST /app/desk/tickets/{id}/restore", w.page(agentOnly, w.ticketAction("restore", w.restore))},

		// Administration (ui.md), administrators only.
		{"GET /app/desk/settings/{$}", w.page(adminOnly, w.adminIndex)},
		{"GET /app/desk/settings/agents", w.page(adminOnly, w.agentList)},
		{"GET /app/desk/settings/agents/new", w.page(adminOnly, w.agentNew)},
		{"POST /app/desk/settings/agents", w.page(adminOnly, w.agentSave)},
		{"GET /app/desk/settings/agents/{id}", w.page(adminOnly, w.agentEdit)},
		{"POST /app/desk/settings/agents/{id}", w.page(adminOnly, w.agentSave)},
		{"POST /app/desk/settings/agents/{id}/delete", w.page(adminOnly, w.agentDelete)},
		{"GET /app/desk/settings/general", w.page(adminOnly, w.settingsForm("general"))},
		{"POST /app/desk/settings/general", w.page(adminOnly, w.saveSettings("general"))},
		{"GET /app/desk/settings/automation", w.page(adminOnly, w.settingsForm("automation"))},
		{"POST /app/desk/settings/automation", w.page(adminOnly, w.saveSettings("automation"))},
		{"GET /app/desk/settings/targets", w.page(adminOnly, w.settingsForm("targets"))},
		{"POST /app/desk/settings/targets", w.page(adminOnly, w.saveSettings("targets"))},
		{"GET /app/desk/settings/ticket-id", w.page(adminOnly, w.settingsForm("ticket-id"))},
		{"POST /app/desk/settings/ticket-id", w.page(adminOnly, w.saveSettings("ticket-id"))},
		{"GET /app/desk/settings/ticket-id/example", w.page(adminOnly, w.ticketIDPreview)},
		{"GET /app/desk/settings/limits", w.page(adminOnly, w.settingsForm("limits"))},
		{"POST /app/desk/settings/limits", w.page(adminOnly, w.saveSettings("limits"))},
		{"GET /app/desk/settings/{kind}", w.page(adminOnly, w.itemList)},
		{"POST /app/desk/settings/{kind}", w.page(adminOnly, w.itemCreate)},
		{"GET /app/desk/settings/{kind}/{id}", w.page(adminOnly, w.itemEdit)},
		{"POST /app/desk/settings/{kind}/{id}", w.page(adminOnly, w.itemSave)},
		{"POST /app/desk/settings/{kind}/{id}/delete", w.page(adminOnly, w.itemDelete)},

		// Customer portal (ui.md).
		{"GET /app/portal/{$}", w.page(signedIn, w.portalHome)},
		{"GET /app/portal/new", w.page(signedIn, w.portalNewForm)},
		{"POST /app/portal/new", w.page(signedIn, w.portalSubmit)},
		{"GET /app/portal/requests/{id}", w.page(signedIn, w.portalTicket)},
		{"GET /app/portal/requests/{id}/attachments/{n}", w.page(signedIn, w.portalAttachment)},
		{"POST /app/portal/requests/{id}/reply", w.page(signedIn, w.portalAction("reply", w.portalReply))},
		{"POST /app/portal/requests/{id}/close", w.page(signedIn, w.portalAction("close", w.portalClose))},
		{"POST /app/portal/requests/{id}/reopen", w.page(signedIn, w.portalAction("reopen", w.portalReopen))},
		{"POST /app/portal/requests/{id}/rate", w.page(signedIn, w.portalAction("rate", w.portalRate))},

		// Guests (ui.md): the public form and the widget.
		{"GET /app/request", w.page(anyone, w.guestForm(publicForm))},
		{"POST /app/request", w.page(anyone, w.guestSubmit(publicForm))},
		{"GET /app/widget", w.page(anyone, w.guestForm(widgetForm), frameAncestors("*"), anonymousPage())},
		{"POST /app/widget", w.page(anyone, w.guestSubmit(widgetForm), frameAncestors("*"), anonymousPage())},
		{"GET /app/f", w.page(anyone, w.oldWidget)},
		{"GET /app/widget.js", http.HandlerFunc(w.widgetScript)},
	}
}

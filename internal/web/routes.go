package web

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
		{"POST /app/logout", w.page(anyone, w.logout)},
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
		{"GET /app/desk/analytics", w.page(agentOnly, w.analytics)},
		{"GET /app/desk/analytics.csv", w.page(agentOnly, w.analyticsCSV)},
	}
}

// Package desk holds the use cases: every change a user, an email or a job
// makes goes through a method here that checks the caller's permission
// (sympoq.Can), validates, writes through one store transaction and enqueues
// the jobs it causes in that same transaction. The API, the web pages, mail
// and the jobs call desk; none of them writes any other way.
package desk

// Package client is the Go client of the SympoQ REST API
// (/app/desk/api/). It is the client the end-to-end tests drive, and
// integrators can use it as it is: it has no dependencies outside the
// standard library.
//
// Every endpoint of the server has one method. Responses decode into
// structs that mirror the server's JSON key for key; nullable values are
// pointers. Requests are typed too. Fields whose zero value is never
// meaningful (a message, a subject) are plain values left out when empty;
// fields where zero, empty or null mean something (billable minutes, a
// deadline to clear, an assignee to remove) are Optional, which sends
// nothing unless set with Some or Null.
//
// A failed call returns an *Error decoded from the problem+json body, with
// the HTTP status, the error code, the field errors and the request id.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Prefix is where the API lives on a server.
const Prefix = "/app/desk/api"

// Client calls one SympoQ account with one API key. It is safe for
// concurrent use.
type Client struct {
	base string // scheme, host and Prefix, no trailing slash
	key  string
	hc   *http.Client
	host string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send its requests through hc instead of
// http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.hc = hc }
}

// WithHost sends host as the Host header, so that a client connected to one
// address can reach one account of a multi-account server
// (acme.example.com).
func WithHost(host string) Option {
	return func(c *Client) { c.host = host }
}

// New returns a client of the server at baseURL (such as
// https://acme.example.com, with or without the /app/desk/api path) that
// authenticates with apiKey.
func New(baseURL, apiKey string, opts ...Option) *Client {
	base := strings.TrimRight(baseURL, "/")
	base = strings.TrimSuffix(base, Prefix)
	c := &Client{base: base + Prefix, key: apiKey, hc: http.DefaultClient}
	for _, o := range opts {
		o(c)
	}
	return c
}

// RequestOption changes one request: a header, a query parameter.
type RequestOption func(*http.Request)

// WithHeader sets a request header. Filters may be sent as headers of the
// same name too (event_log: 1).
func WithHeader(name, value string) RequestOption {
	return func(r *http.Request) { r.Header.Set(name, value) }
}

// WithQuery sets a query parameter.
func WithQuery(name, value string) RequestOption {
	return func(r *http.Request) {
		q := r.URL.Query()
		q.Set(name, value)
		r.URL.RawQuery = q.Encode()
	}
}

// WithEventLog asks for the ticket's event log (?event_log=1) in the ticket
// a call returns.
func WithEventLog() RequestOption { return WithQuery("event_log", "1") }

// WithIdempotencyKey sends an Idempotency-Key, so that a retried POST is
// answered with the first response instead of being applied twice.
func WithIdempotencyKey(key string) RequestOption { return WithHeader("Idempotency-Key", key) }

// WithIfMatch makes a ticket change (PUT, an action, DELETE) fail with 412
// unless the ticket still has this ETag (Ticket.ETag).
func WithIfMatch(etag string) RequestOption { return WithHeader("If-Match", etag) }

// Response is what a call returned besides its body.
type Response struct {
	Status int
	Header http.Header
}

// Error is a failed call: the HTTP status and the problem+json body of
// api.md §3.
type Error struct {
	Status    int
	Code      string
	Detail    string
	Fields    []FieldError
	RequestID string
}

// FieldError says what is wrong with one field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error reads like "sympoq: 403 readonly_field: request has 1 invalid field
// (created is read-only)".
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sympoq: %d %s: %s", e.Status, e.Code, e.Detail)
	if len(e.Fields) > 0 {
		parts := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			parts[i] = f.Field + " " + f.Message
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, "; "))
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request %s]", e.RequestID)
	}
	return b.String()
}

// StatusOf returns the HTTP status of an *Error, 0 for any other error
// (and for nil).
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// CodeOf returns the error code of an *Error ("not_found",
// "readonly_field"), "" for any other error.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Optional is a request field that is sent only when set: Some sends a
// value, Null sends JSON null (to clear an assignee, a topic, a deadline),
// and the zero Optional sends nothing, leaving the server's value alone.
// Fields of this type carry the omitzero tag; where one does not, the zero
// Optional is sent as null.
type Optional[T any] struct {
	v         T
	set, null bool
}

// Some returns an Optional that sends v.
func Some[T any](v T) Optional[T] { return Optional[T]{v: v, set: true} }

// Null returns an Optional that sends null.
func Null[T any]() Optional[T] { return Optional[T]{set: true, null: true} }

// IsZero reports whether o is unset, for the omitzero tag.
func (o Optional[T]) IsZero() bool { return !o.set }

// Get returns the value and whether o holds one (set and not null).
func (o Optional[T]) Get() (T, bool) { return o.v, o.set && !o.null }

// IsNull reports whether o sends null.
func (o Optional[T]) IsNull() bool { return o.set && o.null }

// MarshalJSON writes the value, or null when o is null or unset.
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	if !o.set || o.null {
		return []byte("null"), nil
	}
	return json.Marshal(o.v)
}

// UnmarshalJSON reads null as Null and anything else as Some.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*o = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = Some(v)
	return nil
}

// ListOptions page through a list (api.md §4).
type ListOptions struct {
	Limit  int    // page size, 1–500; 0: the server's default of 50
	Cursor string // Page.Next of the previous page; "": the first page
	Count  bool   // ask for the total (X-Total-Count)
}

func (o ListOptions) values(v url.Values) {
	if o.Limit > 0 {
		v.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Cursor != "" {
		v.Set("cursor", o.Cursor)
	}
	if o.Count {
		v.Set("count", "1")
	}
}

// Page is one page of a list.
type Page[T any] struct {
	Items []T
	// Next is the cursor of the next page (X-Next-Cursor), "" on the last.
	Next string
	// Total is the number of items the filter selects (X-Total-Count);
	// Counted says whether the server sent it (ListOptions.Count).
	Total   int
	Counted bool
}

// Do sends one request to path (below /app/desk/api, with any query) and
// decodes the answer into out. in is sent as the JSON body unless nil; a
// []byte or json.RawMessage is sent as it is. out may be nil (the body is
// dropped), a *[]byte (it receives the raw body) or anything JSON decodes
// into. A status of 400 or above, except the 410 of a DELETE, is returned as
// an *Error. Do is the escape hatch for what the typed methods do not cover.
func (c *Client) Do(ctx context.Context, method, path string, in, out any, opts ...RequestOption) (*Response, error) {
	var body io.Reader
	contentType := ""
	if in != nil {
		var b []byte
		switch v := in.(type) {
		case []byte:
			b = v
		case json.RawMessage:
			b = v
		default:
			var err error
			if b, err = json.Marshal(in); err != nil {
				return nil, fmt.Errorf("encode %s %s: %w", method, path, err)
			}
		}
		body, contentType = bytes.NewReader(b), "application/json"
	}
	res, err := c.send(ctx, method, path, body, contentType, opts)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	resp := &Response{Status: res.StatusCode, Header: res.Header}
	if err := checkStatus(method, res); err != nil {
		return resp, err
	}
	switch o := out.(type) {
	case nil:
		_, _ = io.Copy(io.Discard, res.Body)
	case *[]byte:
		if *o, err = io.ReadAll(res.Body); err != nil {
			return resp, fmt.Errorf("read %s %s: %w", method, path, err)
		}
	default:
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			return resp, fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	return resp, nil
}

// send builds and sends a request; the caller closes the body.
func (c *Client) send(ctx context.Context, method, path string, body io.Reader, contentType string, opts []RequestOption) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("apikey", c.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "sympoq-go-client")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.host != "" {
		req.Host = c.host
	}
	for _, o := range opts {
		o(req)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return res, nil
}

// checkStatus turns an error status into an *Error, reading the
// problem+json body (it leaves a successful body unread).
func checkStatus(method string, res *http.Response) error {
	if res.StatusCode < 400 || method == http.MethodDelete && res.StatusCode == http.StatusGone {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	var p struct {
		Detail    string       `json:"detail"`
		Code      string       `json:"code"`
		Errors    []FieldError `json:"errors"`
		RequestID string       `json:"request_id"`
	}
	e := &Error{Status: res.StatusCode, RequestID: res.Header.Get("X-Request-Id")}
	if json.Unmarshal(b, &p) == nil && p.Code != "" {
		e.Code, e.Detail, e.Fields = p.Code, p.Detail, p.Errors
		if p.RequestID != "" {
			e.RequestID = p.RequestID
		}
	} else {
		// Not a problem body (a proxy's answer, say): keep what it said.
		e.Detail = strings.TrimSpace(string(b))
		if len(e.Detail) > 200 {
			e.Detail = e.Detail[:200] + "…"
		}
	}
	return e
}

// list fetches one page of a list into a Page.
func list[T any](ctx context.Context, c *Client, path string, q url.Values, opts []RequestOption) (*Page[T], error) {
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	p := &Page[T]{}
	res, err := c.Do(ctx, http.MethodGet, path, nil, &p.Items, opts...)
	if err != nil {
		return nil, err
	}
	p.Next = res.Header.Get("X-Next-Cursor")
	if s := res.Header.Get("X-Total-Count"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("GET %s: X-Total-Count %q is not a number", path, s)
		}
		p.Total, p.Counted = n, true
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p, nil
}

// one decodes a single entity of type T.
func one[T any](ctx context.Context, c *Client, method, path string, in any, opts []RequestOption) (*T, error) {
	var v T
	if _, err := c.Do(ctx, method, path, in, &v, opts...); err != nil {
		return nil, err
	}
	return &v, nil
}

// del deletes path; the server answers 410 Gone.
func (c *Client) del(ctx context.Context, path string, opts []RequestOption) error {
	_, err := c.Do(ctx, http.MethodDelete, path, nil, nil, opts...)
	return err
}

func id64(id int64) string { return strconv.FormatInt(id, 10) }

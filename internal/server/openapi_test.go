package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	sympoqapi "github.com/sympoq/sympoq/internal/api"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// openAPI is the served document and its router, loaded once.
var openAPI = sync.OnceValues(func() (*openAPIDoc, error) {
	doc, err := openapi3.NewLoader().LoadFromData(sympoqapi.OpenAPI())
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	// The API's own answers to a path it does not serve, or a method the
	// path does not take, are checked against these two responses.
	unrouted := openapi3.NewOperation()
	unrouted.AddResponse(http.StatusNotFound, doc.Components.Responses["NotFound"].Value)
	unrouted.AddResponse(http.StatusMethodNotAllowed, doc.Components.Responses["MethodNotAllowed"].Value)
	return &openAPIDoc{doc: doc, router: router, unrouted: unrouted}, nil
})

type openAPIDoc struct {
	doc      *openapi3.T
	router   routers.Router
	unrouted *openapi3.Operation
}

// checkOpenAPI wraps a transport so that every response that passes through
// it is checked against the OpenAPI document: a status, a header or a body
// the document does not describe for that path and method fails t.
func checkOpenAPI(t *testing.T, next *http.Transport) http.RoundTripper {
	return &openAPITransport{t: t, next: next}
}

type openAPITransport struct {
	t    *testing.T
	next *http.Transport
}

func (c *openAPITransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var sent []byte
	if req.GetBody != nil {
		rd, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		if sent, err = io.ReadAll(rd); err != nil {
			return nil, err
		}
	}
	res, err := c.next.RoundTrip(req)
	if err != nil {
		return res, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	if err := validateResponse(req, sent, res.StatusCode, res.Header, body); err != nil {
		c.t.Errorf("%s %s: the %d answer does not match openapi.json: %v\nbody: %.300s",
			req.Method, req.URL.RequestURI(), res.StatusCode, err, body)
	}
	return res, nil
}

// CloseIdleConnections lets httptest.Server.Close close the connections.
func (c *openAPITransport) CloseIdleConnections() { c.next.CloseIdleConnections() }

// validateResponse checks one response against the operation of req's path
// and method. Binary downloads are checked for status and headers only.
// Requests are checked only when the server took them (2xx), and then
// without multipart bodies: tests send broken ones on purpose, but what the
// server accepts the document must accept too.
func validateResponse(req *http.Request, sent []byte, status int, header http.Header, body []byte) error {
	o, err := openAPI()
	if err != nil {
		return fmt.Errorf("load openapi.json: %w", err)
	}
	find := req
	if req.Method == http.MethodHead { // served by the GET handler, without a body
		find = req.Clone(req.Context())
		find.Method = http.MethodGet
	}
	route, params, err := o.router.FindRoute(find)
	switch {
	case errors.Is(err, routers.ErrPathNotFound) || errors.Is(err, routers.ErrMethodNotAllowed):
		if !strings.HasPrefix(req.URL.Path, sympoqapi.Prefix+"/") && status != http.StatusNotFound &&
			status != http.StatusMethodNotAllowed {
			return nil // not the API's: /healthz, /metrics
		}
		route = &routers.Route{Spec: o.doc, Path: req.URL.Path, Method: req.Method, Operation: o.unrouted}
	case err != nil:
		return err
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	if r := route.Operation.Responses.Status(status); r != nil && r.Value.Content["*/*"] != nil ||
		req.Method == http.MethodHead {
		opts.ExcludeResponseBody = true
	}
	if status/100 == 2 && route.Operation != o.unrouted {
		reqOpts := *opts
		mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
		reqOpts.ExcludeRequestBody = mt == "multipart/form-data"
		took := req.Clone(req.Context())
		took.Body = io.NopCloser(bytes.NewReader(sent))
		in := &openapi3filter.RequestValidationInput{Request: took, PathParams: params, Route: route, Options: &reqOpts}
		if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
			return fmt.Errorf("%s %s: the server took a request the document refuses: %w", route.Method, route.Path, err)
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		return fmt.Errorf("%s %s: %w", route.Method, route.Path, err)
	}
	return nil
}

// TestOpenAPIServed checks that the document is served as it is embedded,
// to anyone, on any host, and that it can be cached.
func TestOpenAPIServed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "desk.test")
		s.account("acme")
		for _, host := range []string{"acme", "nobody"} {
			r := s.call("GET", host, api+"/openapi.json", "", nil)
			if r.status != http.StatusOK || !bytes.Equal(r.body, sympoqapi.OpenAPI()) {
				t.Fatalf("GET openapi.json on %s = %d, %d bytes; want 200 with the embedded document", host, r.status, len(r.body))
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if r.header.Get("Cache-Control") == "" {
				t.Errorf("no Cache-Control")
			}
			etag := r.header.Get("ETag")
			again := s.request("GET", host, api+"/openapi.json", "", nil, map[string]string{"If-None-Match": etag})
			if etag == "" || again.status != http.StatusNotModified {
				t.Errorf("GET with If-None-Match: %s = %d, want 304", etag, again.status)
			}
		}
		if r := s.call("POST", "acme", api+"/openapi.json", "", nil); r.status != http.StatusMethodNotAllowed {
			t.Errorf("POST openapi.json = %d, want 405", r.status)
		}
	})
}

// TestOpenAPIValidatorCatches makes sure the response check is not a
// silent no-op: answers that break the document are reported.
func TestOpenAPIValidatorCatches(t *testing.T) {
	get := func(path string) *http.Request {
		r, _ := http.NewRequest("GET", "http://x"+api+path, nil)
		return r
	}
	ok := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"1"}, "Ratelimit-Limit": {"600"},
		"Ratelimit-Remaining": {"599"}, "Ratelimit-Reset": {"1"}, "Ratelimit-Policy": {"600;w=60"}}
	for _, tc := range []struct {
		name   string
		req    *http.Request
		status int
		header http.Header
		body   string
	}{
		{"unknown key", get("/tag/1"), 200, ok, `{"id":1,"name":"a","color":"red"}`},
		{"missing key", get("/tag/1"), 200, ok, `{"id":1}`},
		{"wrong type", get("/tag/1"), 200, ok, `{"id":"1","name":"a"}`},
		{"undocumented status", get("/tag/1"), 418, ok, `{}`},
		{"missing header", get("/tag/1"), 200, http.Header{"Content-Type": {"application/json"}}, `{"id":1,"name":"a"}`},
		{"problem with the wrong status", get("/tag/1"), 404, http.Header{"Content-Type": {"application/problem+json"}, "X-Request-Id": {"1"}},
			`{"type":"about:blank","title":"Not Found","status":400,"detail":"","code":"not_found","request_id":"1"}`},
		{"unknown path answered 200", get("/nothing"), 200, ok, `{}`},
	} {
		if err := validateResponse(tc.req, nil, tc.status, tc.header, []byte(tc.body)); err == nil {
			t.Errorf("%s: validateResponse = nil, want an error", tc.name)
		}
	}
	if err := validateResponse(get("/tag/1"), nil, 200, ok, []byte(`{"id":1,"name":"a"}`)); err != nil {
		t.Errorf("a right answer: validateResponse = %v", err)
	}

	// The compat ticket of api.md §7, and ways to break it.
	ticket := func(change func(map[string]any)) []byte {
		tk := map[string]any{"id": "09-13-O-TW4", "queue": 1, "created": "2024-09-05T14:20:54Z", "channel": 2,
			"priority": 2, "status": 3, "has_attachments": true, "has_notes": false, "topic": 1,
			"description": "Can a user open an issue by Outlook or Gmail?", "reported_by": "Houston Brooks",
			"customer": map[string]any{"registered": true, "name": "Houston Brooks", "email": "hbrooks@example.com",
				"role": "Customer", "group": "VIP", "id": 7},
			"assignee": 10, "assigned_on": "2024-09-05T16:25:44Z", "deadline": nil, "responded": nil,
			"updated": "2024-09-05T16:25:44Z", "minutes": 10, "rating": nil, "closed_on": nil,
			"tags": []string{"Help/Assistance"}, "solution": nil, "estimated": "2 00:24", "elapsed": "7 01:26",
			"custom_fields": map[string]string{"Browser": "Chrome"},
			"event_log": []map[string]any{{"date": "2024-09-13T13:50:47.518036000+02:00", "action": "Attachment",
				"attachment_url": api + "/ticket/09-13-O-TW4/attachment/7", "description": "sample_picture.png",
				"applied_by": nil, "billable": nil, "id": 3, "visibility": "public"}},
			"subject": "Outlook", "number": 1, "merged_into": nil, "linked_from": nil}
		if change != nil {
			change(tk)
		}
		b, _ := json.Marshal(tk)
		return b
	}
	tagged := http.Header{"Etag": {`"3"`}}
	for k, v := range ok {
		tagged[k] = v
	}
	if err := validateResponse(get("/ticket/09-13-O-TW4?event_log=1"), nil, 200, tagged, ticket(nil)); err != nil {
		t.Errorf("the api.md §7 example: validateResponse = %v", err)
	}
	for _, tc := range []struct {
		name   string
		path   string
		header http.Header
		change func(map[string]any)
	}{
		{"no ETag", "/ticket/1", ok, nil},
		{"a compat key left out", "/ticket/1", tagged, func(m map[string]any) { delete(m, "deadline") }},
		{"a time with fractions", "/ticket/1", tagged, func(m map[string]any) { m["created"] = "2024-09-05T14:20:54.5Z" }},
		{"an event date without its offset", "/ticket/1", tagged, func(m map[string]any) {
			m["event_log"].([]map[string]any)[0]["date"] = "2024-09-13T13:50:47Z"
		}},
		{"a string for a number", "/ticket/1", tagged, func(m map[string]any) { m["assignee"] = "10" }},
	} {
		if err := validateResponse(get(tc.path), nil, 200, tc.header, ticket(tc.change)); err == nil {
			t.Errorf("%s: validateResponse = nil, want an error", tc.name)
		}
	}
	list, _ := json.Marshal([]json.RawMessage{ticket(nil)})
	if err := validateResponse(get("/tickets"), nil, 200, ok, list); err == nil {
		t.Errorf("a list item with event_log: validateResponse = nil, want an error")
	}
	list, _ = json.Marshal([]json.RawMessage{ticket(func(m map[string]any) { delete(m, "event_log") })})
	if err := validateResponse(get("/tickets"), nil, 200, ok, list); err != nil {
		t.Errorf("a list item: validateResponse = %v", err)
	}
}

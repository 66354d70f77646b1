package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sympoq/sympoq/internal/blob"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/mail"
	"github.com/sympoq/sympoq/internal/server"
	"github.com/sympoq/sympoq/internal/store"
)

// stack is a whole server over a real database, for end-to-end API tests.
// Jobs are enqueued for real but not worked, unless a test starts them.
type stack struct {
	t      *testing.T
	db     *store.DB
	desk   *desk.Service
	jobs   *jobs.Runner
	srv    *httptest.Server
	domain string
}

func newStack(t *testing.T, db *store.DB, baseDomain string) *stack {
	t.Helper()
	ctx := context.Background()
	if err := jobs.Migrate(ctx, db); err != nil {
		t.Fatalf("jobs.Migrate: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	runner, err := jobs.New(db, logger)
	if err != nil {
		t.Fatal(err)
	}
	// Jobs are enqueued for real (River refuses kinds without a worker) but
	// not worked unless a test starts the runner.
	jobs.Register(runner, &jobs.RegistrationWorker{DB: db, Sender: mail.DirSender{Dir: t.TempDir()},
		AccountURL: func(string) string { return "http://localhost" }})
	outbox := &jobs.Dispatcher{DB: db, Sender: mail.DirSender{Dir: t.TempDir()}}
	jobs.RegisterOutbox(runner, outbox)
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d := desk.New(db, runner, logger, desk.WithBlobs(blobs), desk.WithOutboxWake(outbox.Wake))
	jobs.RegisterMail(runner, d, logger)
	srv := httptest.NewServer(server.New(db, d, server.Options{BaseDomain: baseDomain, Logger: logger}))
	t.Cleanup(srv.Close)
	// Every answer the tests get is checked against openapi.json.
	srv.Client().Transport = checkOpenAPI(t, srv.Client().Transport.(*http.Transport))
	return &stack{t: t, db: db, desk: d, jobs: runner, srv: srv, domain: baseDomain}
}

// account creates an account and returns its id and administrator key.
func (s *stack) account(name string) (int64, string) {
	s.t.Helper()
	c, err := s.desk.CreateAccount(context.Background(), name, "", "")
	if err != nil {
		s.t.Fatalf("CreateAccount(%q): %v", name, err)
	}
	return c.Account.ID, c.APIKey
}

// response is what a request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// problem decodes a problem body.
func (r response) problem() problemBody {
	var p problemBody
	_ = json.Unmarshal(r.body, &p)
	return p
}

type problemBody struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Errors []struct {
		Field, Code, Message string
	} `json:"errors"`
	RequestID string `json:"request_id"`
}

// decode unmarshals the body into v, failing the test when it cannot.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// call sends a request as account (the host's first label, when the stack
// has a base domain) with key. A string body is sent as it is, anything else
// as JSON.
func (s *stack) call(method, account, path, key string, body any) response {
	s.t.Helper()
	return s.request(method, account, path, key, body, nil)
}

// callWith is call in the default account with extra request headers.
func (s *stack) callWith(method, path, key string, body any, headers map[string]string) response {
	s.t.Helper()
	return s.request(method, "", path, key, body, headers)
}

func (s *stack) request(method, account, path, key string, body any, headers map[string]string) response {
	s.t.Helper()
	var rd io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case upload:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range b.fields {
			_ = mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("file", b.name)
		_, _ = fw.Write(b.data)
		_ = mw.Close()
		rd, contentType = &buf, mw.FormDataContentType()
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	r, err := s.send(method, account, path, key, rd, contentType, headers)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// send is the round trip of request, safe on any goroutine: it returns
// what the server answered, or the transport's error, instead of failing
// the test. The body, if any, is sent with contentType.
func (s *stack) send(method, account, path, key string, body io.Reader, contentType string, headers map[string]string) (response, error) {
	req, err := http.NewRequest(method, s.srv.URL+path, body)
	if err != nil {
		return response{}, err
	}
	if s.domain != "" {
		req.Host = account + "." + s.domain
	}
	if key != "" {
		req.Header.Set("apikey", key)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := s.srv.Client().Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}, err
}

const api = "/app/desk/api"

// upload is a multipart file upload body for call.
type upload struct {
	name   string
	data   []byte
	fields map[string]string
}

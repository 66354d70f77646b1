// Package api serves the REST API under /app/desk/api/: it parses and
// checks requests, calls the use cases in internal/desk, and writes JSON or
// problem+json. It holds no business rules of its own.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sympoq/sympoq"
)

// MaxJSONBody bounds a JSON request body.
const MaxJSONBody = 1 << 20

// Problem is the RFC 9457 error body with our members (api.md §3).
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail"`
	Code      string              `json:"code"`
	Errors    []sympoq.FieldError `json:"errors,omitempty"`
	RequestID string              `json:"request_id"`
}

// StatusOf maps an error code to its HTTP status.
func StatusOf(code string) int {
	switch code {
	case sympoq.ENotFound:
		return http.StatusNotFound
	case sympoq.EInvalid:
		return http.StatusBadRequest
	case sympoq.EUnauthorized:
		return http.StatusUnauthorized
	case sympoq.EForbidden, sympoq.EReadonly:
		return http.StatusForbidden
	case sympoq.EConflict:
		return http.StatusConflict
	case sympoq.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case sympoq.EUnsupported:
		return http.StatusUnsupportedMediaType
	case EMethod:
		return http.StatusMethodNotAllowed
	case sympoq.EPrecondition:
		return http.StatusPreconditionFailed
	case ERateLimited:
		return http.StatusTooManyRequests
	case EIdempotencyMismatch, sympoq.ETooBroad:
		return http.StatusUnprocessableEntity
	case sympoq.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// WriteError answers with the problem body for err. Only internal errors and
// requests that ran out of time (503) are logged, with the request id; their
// text never reaches the client.
func WriteError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	var e *sympoq.Error
	p := Problem{Type: "about:blank", RequestID: sympoq.RequestIDFromContext(r.Context())}
	if !errors.As(err, &e) && errors.Is(err, context.DeadlineExceeded) {
		// The request ran out of its time (the server is busy): not a
		// failure of the server's own, and worth trying again.
		logger.WarnContext(r.Context(), "request out of time", "method", r.Method, "path", r.URL.Path,
			"request_id", p.RequestID, "err", err)
		e = sympoq.Errorf(sympoq.EUnavailable, "the server could not answer in time; try again shortly")
	}
	if e != nil {
		p.Status = StatusOf(e.Code)
		p.Code, p.Detail, p.Errors = e.Code, e.Message, e.Fields
		if len(e.Fields) > 0 {
			p.Code = e.Fields[0].Code
		}
	} else {
		logger.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path,
			"request_id", p.RequestID, "err", err)
		p.Status, p.Code, p.Detail = http.StatusInternalServerError, sympoq.EInternal, "an unexpected error occurred; it has been logged with the request id"
	}
	p.Title = http.StatusText(p.Status)
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sympoq"`)
	}
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body into a T: the content type must be JSON (or
// absent), the body at most MaxJSONBody, one value with no unknown fields.
// Each failure is a precise 4xx error.
func decode[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	if err := checkJSONType(r); err != nil {
		return v, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxJSONBody)
	err := DecodeJSON(r.Body, &v)
	return v, err
}

// checkJSONType refuses a body that says it is not JSON (415).
func checkJSONType(r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return sympoq.Errorf(sympoq.EUnsupported, "send the body as JSON with Content-Type: application/json, not %s", clip(ct, 60))
		}
	}
	return nil
}

// readBody reads a bounded JSON body whole, so that decoding can happen
// later (inside a transaction) without waiting on the client there.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if err := checkJSONType(r); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, sympoq.Errorf(sympoq.ETooLarge, "the body is larger than %d bytes", tooBig.Limit)
	}
	return b, err
}

// DecodeJSON decodes exactly one JSON value from body into v, mapping
// every failure to a field-level *sympoq.Error.
func DecodeJSON(body io.Reader, v any) error {
	b, err := io.ReadAll(body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return sympoq.Errorf(sympoq.ETooLarge, "the body is larger than %d bytes", tooBig.Limit)
	} else if err != nil {
		return sympoq.FieldErr("body", sympoq.FieldJSON, "could not be read")
	}
	// encoding/json would silently replace invalid UTF-8 with U+FFFD.
	if !utf8.Valid(b) {
		return sympoq.FieldErr("body", sympoq.FieldJSON, "is not valid UTF-8")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	err = d.Decode(v)
	if err == nil {
		if _, err2 := d.Token(); err2 != io.EOF {
			return sympoq.FieldErr("body", sympoq.FieldJSON, "must hold one JSON value and nothing after it")
		}
		return nil
	}
	e := decodeErr(err)
	if c := e.Fields[0].Code; c == sympoq.FieldType || c == sympoq.FieldUnknown {
		// The decoder stops at the first unknown member and names only the
		// first wrongly typed one; every one is named.
		if all := memberProblems(b, v); all != nil {
			return all
		}
	}
	return e
}

// memberProblems names at most maxMemberProblems fields, looking at the
// first maxMembersChecked members, whatever the body.
const (
	maxMemberProblems = 20
	maxMembersChecked = 1000
)

// decodeErr maps a decoding error to a field-level *sympoq.Error.
func decodeErr(err error) *sympoq.Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return sympoq.FieldErr("body", sympoq.FieldJSON, "is empty; send a JSON object")
	case errors.As(err, &syn):
		return sympoq.FieldErr("body", sympoq.FieldJSON, "is not valid JSON at byte %d", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return sympoq.FieldErr("body", sympoq.FieldJSON, "ends before the JSON value does")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return sympoq.FieldErr("body", sympoq.FieldType, "must be a JSON object")
		}
		return sympoq.FieldErr(field, sympoq.FieldType, "must be %s, not %s", jsonKind(typ.Type), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if f == "" {
			return sympoq.FieldErr("body", sympoq.FieldUnknown, "has a field with an empty name")
		}
		return sympoq.FieldErr(f, sympoq.FieldUnknown, "is not a field of this request")
	case strings.Contains(err.Error(), "parsing time"):
		return sympoq.FieldErr("body", sympoq.FieldType, "has a time that is not RFC 3339, like 2024-09-05T14:20:54Z")
	}
	return sympoq.FieldErr("body", sympoq.FieldJSON, "cannot be decoded: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// memberProblems decodes each member of the JSON object b on its own into a
// fresh value of v's type and names every member that fails, in the order
// they were sent, within the bounds above. It returns nil when b is not an
// object or no member fails alone.
func memberProblems(b []byte, v any) error {
	rt := reflect.TypeOf(v)
	if rt == nil || rt.Kind() != reflect.Pointer {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var p sympoq.Problems
	for n := 0; d.More() && p.Len() < maxMemberProblems && n < maxMembersChecked; n++ {
		tok, err := d.Token()
		if err != nil {
			return nil
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return nil
		}
		one, err := json.Marshal(map[string]json.RawMessage{key: raw})
		if err != nil {
			return nil
		}
		md := json.NewDecoder(bytes.NewReader(one))
		md.DisallowUnknownFields()
		if err := md.Decode(reflect.New(rt.Elem()).Interface()); err != nil {
			p.Merge(decodeErr(err))
		}
	}
	return p.Err()
}

// jsonKind names the JSON value a Go type takes, by its kind (a named
// integer like sympoq.Priority is a number).
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another kind of value"
	}
	switch t.String() {
	case "desk.Ref":
		return "an id or a name"
	case "time.Time":
		return "an RFC 3339 time"
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	}
	return "an object"
}

// pathID reads a numeric id from the URL path.
func pathID(r *http.Request, name string) (int64, error) {
	s := r.PathValue(name)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, sympoq.FieldErr(name, sympoq.FieldInvalid, "must be a positive whole number, not %q", clip(s, 40))
	}
	return n, nil
}

// param returns a filter: the query parameter, or else the request header of
// the same name (api.md §4).
func param(r *http.Request, name string) string {
	if v, ok := r.URL.Query()[name]; ok && len(v) > 0 {
		return v[0]
	}
	return r.Header.Get(name)
}

// flag reads a 0/1 (or true/false) switch.
func flag(r *http.Request, name string) (bool, error) {
	switch strings.ToLower(param(r, name)) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, sympoq.FieldErr(name, sympoq.FieldInvalid, "must be 0 or 1")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// apiTime formats a ticket-level time: UTC, second precision, null when zero.
func apiTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	// RFC 3339 writes a UTC time's offset as "Z", so this is
	// 2006-01-02T15:04:05Z, through the formatter's fast path.
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// EMethod is the code of a request whose method the path does not serve.
const EMethod = "method_not_allowed"

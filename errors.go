package sympoq

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Each maps to one HTTP status in the transports.
const (
	ENotFound     = "not_found"           // 404: no such thing, or out of the caller's reach
	EInvalid      = "invalid_value"       // 400: bad input; Fields says which
	EUnauthorized = "unauthorized"        // 401: no valid credentials
	EForbidden    = "forbidden"           // 403: the caller's role may not do this
	EReadonly     = "readonly_field"      // 403: the request writes a read-only property
	EConflict     = "conflict"            // 409: the state does not allow it
	EPrecondition = "precondition_failed" // 412: If-Match names an older version
	ETooLarge     = "too_large"           // 413
	EUnsupported  = "unsupported_type"    // 415
	ETooBroad     = "too_broad"           // 422: valid, but more than one request computes
	EInternal     = "internal"            // 500
	EUnavailable  = "unavailable"         // 503: too busy to answer in time; try again
)

// Field error codes of api.md §3.
const (
	FieldMissing   = "missing_field"
	FieldInvalid   = "invalid_value"
	FieldUnknown   = "invalid_field"
	FieldDuplicate = "duplicate_value"
	FieldType      = "datatype_mismatch"
	FieldReadonly  = "readonly_field"
	FieldJSON      = "invalid_json"
	FieldTooLong   = "too_long"
)

// FieldError says what is wrong with one field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is the error every layer returns for a failure a caller can act on.
// Anything else is an internal error: logged, and answered with a bare 500.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Code + ": " + e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + " " + f.Message
	}
	return e.Code + ": " + e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound is the error for something that does not exist for the caller.
func NotFound(what string) *Error { return Errorf(ENotFound, "%s not found", what) }

// Forbidden is the error for an action the caller's role does not allow.
func Forbidden(format string, args ...any) *Error { return Errorf(EForbidden, format, args...) }

// ErrorCode returns the code of err when it is an *Error, EInternal otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// Problems collects field errors while a request is validated.
type Problems struct{ list []FieldError }

// Add records a problem with a field.
func (p *Problems) Add(field, code, format string, args ...any) {
	p.list = append(p.list, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Merge adds the field errors of err when it is an invalid-value *Error and
// reports whether it was one.
func (p *Problems) Merge(err error) bool {
	var e *Error
	if errors.As(err, &e) && e.Code == EInvalid && len(e.Fields) > 0 {
		p.list = append(p.list, e.Fields...)
		return true
	}
	return false
}

// Len is the number of problems found.
func (p *Problems) Len() int { return len(p.list) }

// Err returns nil when there are no problems, or one *Error naming them all.
// Its code is the first field's code when every field shares it.
func (p *Problems) Err() error {
	if len(p.list) == 0 {
		return nil
	}
	msg := "request has 1 invalid field"
	if len(p.list) > 1 {
		msg = fmt.Sprintf("request has %d invalid fields", len(p.list))
	}
	code := EInvalid
	if p.list[0].Code == FieldReadonly {
		code = EReadonly
	}
	return &Error{Code: code, Message: msg, Fields: p.list}
}

// FieldErr is a shorthand for an invalid-value error on one field.
func FieldErr(field, code, format string, args ...any) *Error {
	var p Problems
	p.Add(field, code, format, args...)
	return p.Err().(*Error)
}

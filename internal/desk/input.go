package desk

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
)

// Opt is an optional input value: Set when the field was sent, Null when it
// was sent as null. It tells "leave alone" from "clear" in partial updates.
type Opt[T any] struct {
	Set, Null bool
	V         T
}

// Some returns a set, non-null Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{Set: true, V: v} }

// UnmarshalJSON records that the field was present, and rejects unknown
// fields in nested objects too.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	err := d.Decode(&o.V)
	var typ *json.UnmarshalTypeError
	if err != nil && !errors.As(err, &typ) && !strings.HasPrefix(err.Error(), "json: unknown field ") {
		// The value's own UnmarshalJSON refused it (a time that is not RFC
		// 3339): a type error, so that the decoder names the field.
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[T]()}
	}
	return err
}

// jsonKind names the kind of the JSON value b for an error message.
func jsonKind(b []byte) string {
	switch {
	case len(b) == 0:
		return "value"
	case b[0] == '"':
		return "string"
	case b[0] == '{':
		return "object"
	case b[0] == '[':
		return "array"
	case b[0] == 't' || b[0] == 'f':
		return "bool"
	}
	return "number"
}

// Value returns the value when set and not null, else def.
func (o Opt[T]) Value(def T) T {
	if o.Set && !o.Null {
		return o.V
	}
	return def
}

// Ref names a settings item by id (a JSON number) or by name (a string).
type Ref struct {
	ID   int64
	Name string
}

// UnmarshalJSON accepts 12 or "VIP".
func (r *Ref) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &r.Name)
	}
	if err := json.Unmarshal(b, &r.ID); err != nil {
		return &json.UnmarshalTypeError{Value: "value", Type: refType}
	}
	return nil
}

var refType = reflect.TypeFor[Ref]()

// ParseRef reads an id or a name from a query parameter.
func ParseRef(s string) Ref {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return Ref{ID: n}
	}
	return Ref{Name: strings.TrimSpace(s)}
}

package desk

import (
	"bytes"
	"encoding/json"
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
	return d.Decode(&o.V)
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

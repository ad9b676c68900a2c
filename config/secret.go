package config

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"strconv"
)

// redacted is what every rendering of a set Secret shows instead of its value.
const redacted = "[redacted]"

// Secret holds a credential. Every way of printing, logging or marshalling it
// shows "[redacted]" (or "" when unset); only Value returns the real thing, so a
// secret leaves the process only where code asks for it by name.
//
// The value sits behind a pointer so that even reflection-based printing of a
// struct that holds a Secret in an unexported field (where fmt cannot call our
// methods) shows an address rather than the contents.
type Secret struct {
	v *secretValue
}

type secretValue struct{ s string }

// NewSecret wraps s. An empty s gives an unset Secret.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{v: &secretValue{s: s}}
}

// Value returns the secret itself. Call it only where the value is handed to
// the system that needs it.
func (s Secret) Value() string {
	if s.v == nil {
		return ""
	}
	return s.v.s
}

// IsSet reports whether the secret holds a value.
func (s Secret) IsSet() bool { return s.v != nil && s.v.s != "" }

// Equal compares the values in constant time; go-cmp uses it too.
func (s Secret) Equal(o Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.Value()), []byte(o.Value())) == 1
}

func (s Secret) redacted() string {
	if !s.IsSet() {
		return ""
	}
	return redacted
}

// String implements fmt.Stringer.
func (s Secret) String() string { return s.redacted() }

// GoString implements fmt.GoStringer, for %#v.
func (s Secret) GoString() string { return s.redacted() }

// Format implements fmt.Formatter so that every verb and flag (%x, %q, %+v, …)
// goes through the redacted form; fmt would otherwise format the struct itself
// for verbs that Stringer does not cover.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, fmt.FormatString(f, 'q'), s.redacted())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, 's'), s.redacted())
}

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.redacted()) }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.redacted())), nil }

// MarshalText implements encoding.TextMarshaler (used by slog's text handler,
// YAML and map keys).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.redacted()), nil }

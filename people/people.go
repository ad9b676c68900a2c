// Package people holds how seatwarden names a person: by one bare email
// address, lower case. Chat users, policy entries, seat holders, credential
// owners and approvers are all matched on that one key, so the rule for
// reading and comparing it lives here and nowhere else.
package people

import (
	"errors"
	"net/mail"
	"strings"
)

// ErrNotEmail is returned by ParseEmail for anything but one bare address.
var ErrNotEmail = errors.New("not an email address")

// maxEmail is the longest address SMTP allows (RFC 5321's path limit).
const maxEmail = 254

// Example is the address error messages show people.
const Example = "dana@example.com"

// ParseEmail accepts exactly one bare address ("dana@example.com", not
// "Dana <dana@example.com>" or a list) with surrounding space trimmed, and
// returns it lower-cased: people are matched by it across transports.
func ParseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxEmail {
		return "", ErrNotEmail
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", ErrNotEmail
	}
	return strings.ToLower(s), nil
}

// Key is the form an email is compared in: trimmed and lower-cased. It
// accepts what a transport or a stored record says without validating it.
func Key(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Same reports whether a and b name the same person; an empty address names
// nobody, so it is never the same as anyone.
func Same(a, b string) bool {
	a, b = Key(a), Key(b)
	return a != "" && a == b
}

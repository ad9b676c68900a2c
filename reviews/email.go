package reviews

import (
	"errors"
	"net/mail"
	"strings"
)

// parseEmail accepts one bare address, the way people are named in the
// policy.
func parseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || len(s) > 254 {
		return "", errors.New("not an email address")
	}
	return strings.ToLower(s), nil
}

package bot

import (
	"strconv"
	"strings"
)

// PageValue is the value of a pager button: the list's token and the
// target page, "<token>:<page>". Every transport draws page buttons with
// it and the commands read them back with ParsePageValue.
func PageValue(token string, page int) string {
	return token + ":" + strconv.Itoa(page)
}

// ParsePageValue splits a pager button's value into token and page. It
// splits at the last colon, since tokens may contain colons
// ("inactive:60"), and accepts only a page of one to six digits, at least 1.
func ParsePageValue(v string) (token string, page int, ok bool) {
	i := strings.LastIndexByte(v, ':')
	if i < 0 {
		return "", 0, false
	}
	p := v[i+1:]
	if p == "" || len(p) > 6 || strings.Trim(p, "0123456789") != "" {
		return "", 0, false
	}
	page, _ = strconv.Atoi(p)
	if page < 1 {
		return "", 0, false
	}
	return v[:i], page, true
}

// Package prose holds the few rules for turning a phrase into text people
// read, shared by the domain's messages and the views.
package prose

import "strings"

// Capitalize is s with its first letter in upper case.
func Capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Sentence is s as a sentence: capitalised, with a full stop unless it
// ends in one (or ! or ?).
func Sentence(s string) string {
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".!?") {
		return Capitalize(s)
	}
	return Capitalize(s) + "."
}

package bot

import (
	"crypto/rand"
	"encoding/hex"
)

// NewRef is a short reference shown to people with an apology and logged
// with the error, so a report can be matched to its log line.
func NewRef() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Apology is the reply when something failed: one line with the reference
// the log carries, seen only by the person who asked.
func Apology(ref string) Message {
	return Message{Headline: "Something went wrong (ref " + ref + ")", Visibility: Ephemeral}
}

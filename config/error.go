package config

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with the configuration.
type Problem struct {
	// Path is the policy key ("review.snooze_days", "owners[1].group"), the
	// environment variable ("REDIS_URL") or the flag ("--config") at fault;
	// empty when the problem spans several variables.
	Path    string
	Message string
	// Line is the policy file line, 0 when not from the file or unknown.
	Line int
	// File is the policy file the problem is in, "" for environment problems.
	File string
}

// String renders the problem as "file:line: path: message", leaving out the
// parts that are empty.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error reports every problem found, so an operator fixes them in one pass
// rather than one restart per mistake.
type Error struct {
	Problems []Problem
}

// Error lists the problems one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

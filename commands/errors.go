package commands

import (
	"fmt"
)

// Code classifies an Error so the router can word the reply, and callers
// can branch on the class without reading messages.
type Code int

// Codes. The zero value is not a code: an Error without one is treated as
// an internal failure.
const (
	// Invalid: the words typed or the button clicked do not make a valid
	// command; the reply carries an example.
	Invalid Code = iota + 1
	// NotFound: the seat, group or record asked about does not exist.
	NotFound
	// Forbidden: the asker may not use this command or see this record.
	Forbidden
	// Conflict: the thing is already done or was changed meanwhile.
	Conflict
	// Unavailable: the answer cannot be given right now (no snapshot yet);
	// trying again later will help.
	Unavailable
)

var codeNames = map[Code]string{
	Invalid:     "invalid",
	NotFound:    "not_found",
	Forbidden:   "forbidden",
	Conflict:    "conflict",
	Unavailable: "unavailable",
}

// String is the code's stable name, as it appears in logs.
func (c Code) String() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return fmt.Sprintf("code(%d)", int(c))
}

// Error is a failure the asker can act on. Message is plain text safe to
// show in chat (it is escaped where it lands); Example, when set, is a
// command without the slash command, e.g. "seats inactive 60". Err is the
// underlying cause, logged but never shown.
type Error struct {
	Code    Code
	Message string
	Example string
	Err     error
}

func (e *Error) Error() string {
	msg := e.Code.String() + ": " + e.Message
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// WithExample returns a copy of e that shows example.
func (e *Error) WithExample(example string) *Error {
	c := *e
	c.Example = example
	return &c
}

// WithCause returns a copy of e that wraps err for the logs.
func (e *Error) WithCause(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// NewError returns an Error of code with a plain-text message.
func NewError(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Invalidf reports bad arguments. The router adds the command's first
// example unless WithExample gives a better one.
func Invalidf(format string, args ...any) *Error {
	return &Error{Code: Invalid, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf reports something asked about that does not exist.
func NotFoundf(format string, args ...any) *Error {
	return &Error{Code: NotFound, Message: fmt.Sprintf(format, args...)}
}

// Forbiddenf reports a refusal. Word it politely and without numbers: it
// goes to people who may not see them.
func Forbiddenf(format string, args ...any) *Error {
	return &Error{Code: Forbidden, Message: fmt.Sprintf(format, args...)}
}

// Conflictf reports something already done or changed meanwhile.
func Conflictf(format string, args ...any) *Error {
	return &Error{Code: Conflict, Message: fmt.Sprintf(format, args...)}
}

// Unavailablef reports an answer that cannot be given yet.
func Unavailablef(format string, args ...any) *Error {
	return &Error{Code: Unavailable, Message: fmt.Sprintf(format, args...)}
}

// Package bot holds the transport-neutral conversation model: who asked,
// where, what they typed or clicked, and the reply to show. The Slack and
// Teams adapters (bot/slack, bot/teams) translate platform traffic into
// Request and render Message as Block Kit or an Adaptive Card; commands and
// jobs speak only this model. Only ideas that make sense on both platforms
// belong here.
package bot

import "strings"

// Platform names the transport a request came from.
type Platform string

// Platforms.
const (
	PlatformSlack   Platform = "slack"
	PlatformTeams   Platform = "teams"
	PlatformConsole Platform = "console"
)

// User is who asked. Email is resolved by the adapter (Slack users.info,
// Teams conversation members) and is how the policy knows people.
type User struct {
	ID          string // the platform's user id
	Email       string // lower-case; empty when it could not be resolved
	DisplayName string
	TeamID      string // Slack workspace or Teams tenant
}

// Conversation is where a request was made and where a reply goes.
type Conversation struct {
	ID       string // channel or conversation id
	ThreadID string // thread (Slack thread_ts, Teams reply chain); empty when not in one
	Direct   bool   // a one-to-one conversation with the bot
}

// Request is one thing a person did: typed a command, clicked a button or
// submitted a form. Exactly one of Text, Action and Form is set.
type Request struct {
	Platform     Platform
	User         User
	Conversation Conversation
	// Text is the command's words after the slash command or mention,
	// e.g. "seats inactive 60".
	Text   string
	Action *Action
	Form   *FormSubmission
}

// Action is a click on a button or a choice in a select.
type Action struct {
	// ID is a fixed verb constant (e.g. "seat.keep"), never a command.
	ID string
	// Value is the opaque record id the control carries, or the chosen
	// option of a select; never state.
	Value string
	// Message identifies the message the control was on, so the reply can
	// replace it.
	Message MessageRef
}

// FormSubmission is a submitted form with its inputs by id.
type FormSubmission struct {
	FormID   string
	RecordID string
	Values   map[string]string
	// Origin is the message whose button opened the form, when the
	// transport knows it: a reply with Delivery ReplaceOriginal updates it.
	Origin MessageRef
	// Cancelled: the person closed the form without submitting it. Only
	// transports that show forms in place of a message send this (Teams
	// draws the form on the card), and the reply with Delivery
	// ReplaceOriginal puts the message back; Values is empty.
	Cancelled bool
}

// MessageRef points at a posted message on one platform (Slack channel and
// ts, Teams conversation and activity id).
type MessageRef struct {
	Platform       Platform
	ConversationID string
	MessageID      string
}

// Visibility says who sees a reply.
type Visibility int

// Visibilities. Ephemeral replies are seen only by the person who asked;
// errors and refusals are always ephemeral.
const (
	Ephemeral Visibility = iota
	Visible
)

// Delivery says where a reply goes relative to the message it answers.
type Delivery int

// Deliveries.
const (
	// NewMessage posts a new message in the conversation.
	NewMessage Delivery = iota
	// ReplaceOriginal updates the message whose control was clicked, so it
	// changes in place for everyone.
	ReplaceOriginal
	// InThread answers in the thread of the original message.
	InThread
)

// Message is a neutral reply. Renderers enforce each platform's size limits
// (splitting or paging long content), so domain code never counts blocks.
type Message struct {
	// Headline is the first line: the header, and the notification and
	// screen-reader fallback text.
	Headline string
	Sections []Section
	Context  []string // small print lines under the content
	Buttons  []Button // a row of actions under the content
	Selects  []Select
	Form     *Form // a form to open instead of (or along with) a message
	Pager    *Pager
	// Image is a picture that goes with a notification (a digest's trend
	// chart): Slack shares it as a file beside the message, Teams shows it
	// in the card. A transport that cannot show it leaves it out; the
	// message must say what matters without it.
	Image      *Image `json:",omitempty"`
	Visibility Visibility
	Delivery   Delivery
	// KeepFormOpen marks the answer to a form submission that took
	// nothing (it failed): a transport that can keep the form open shows
	// the answer on it, so the person presses Submit again rather than
	// losing what they typed; others post it as usual.
	KeepFormOpen bool `json:",omitempty"`
	// Key names a notification once, whoever sends it: a transport that
	// can find its posts again (Finder) tags the message with it, so a
	// send whose outcome was lost is found instead of posted twice.
	Key string `json:",omitempty"`
	// Same, when set, names this answer exactly: every message given the
	// same Same is the same message, whoever asked, so a transport may keep
	// its rendering and answer the next one from it. A command sets it only
	// for an answer drawn from stored state the name pins down (a seat
	// snapshot's revision and day).
	Same string `json:"-"`
}

// Empty reports whether m says nothing at all: the answer to a click that
// needs none (a link button, whose click Slack reports too), which the
// transports post nothing for.
func (m Message) Empty() bool {
	return strings.TrimSpace(m.Headline) == "" && len(m.Sections) == 0 && len(m.Context) == 0 && len(m.Buttons) == 0 &&
		len(m.Selects) == 0 && m.Form == nil && m.Pager == nil
}

// Image is a PNG with what it shows in words.
type Image struct {
	PNG []byte
	// Name is the file's name ("posture-trend.png"), Title what it is,
	// Alt the same for screen readers.
	Name, Title, Alt string
}

// Section is a block of text with optional label/value fields, one
// control beside it and a row of actions under it (a digest's Keep /
// Remove / Snooze on each seat).
type Section struct {
	Text    string
	Fields  []Field
	Button  *Button
	Actions []Button
}

// Field is one label/value pair of a section.
type Field struct {
	Label string
	Value string
}

// ButtonStyle colours a button.
type ButtonStyle int

// Button styles. Danger is for destructive actions and should carry a
// Confirm.
const (
	StyleDefault ButtonStyle = iota
	StylePrimary
	StyleDanger
)

// Button is a clickable action. Value carries only a record id.
type Button struct {
	ActionID string
	Label    string
	Value    string
	Style    ButtonStyle
	Confirm  *Confirm
	URL      string // a link button when set
}

// Confirm asks "are you sure?" before a button's action is sent.
type Confirm struct {
	Title   string
	Text    string
	Confirm string // the yes button
	Deny    string // the no button
}

// Select is a drop-down of options.
type Select struct {
	ActionID    string
	Placeholder string
	Options     []Option
	Initial     string // the preselected option's value
}

// Option is one choice of a select.
type Option struct {
	Label       string
	Value       string
	Description string
}

// InputKind is the kind of a form input.
type InputKind int

// Input kinds.
const (
	InputText InputKind = iota
	InputMultiline
	InputDate
	InputSelect
)

// Form asks for several values at once (a Slack modal, a Teams card with
// inputs).
type Form struct {
	ID       string // fixed form constant, e.g. "seat.keep"
	RecordID string // the record the form is about
	Title    string
	Submit   string
	Inputs   []Input
}

// Input is one field of a form. Error, when set, is a validation message
// shown beside the field after a rejected submission.
type Input struct {
	ID        string
	Label     string
	Hint      string
	Kind      InputKind
	Required  bool
	Initial   string
	Options   []Option // InputSelect
	MaxLength int
	Error     string
}

// Pager marks one page of a longer list; the renderer adds Previous and
// Next buttons carrying Token and the target page.
type Pager struct {
	Page     int // 1-based
	Pages    int
	ActionID string // the verb the page buttons send
	Token    string // opaque: which list (e.g. "inactive:60")
}

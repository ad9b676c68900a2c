package prompts

import (
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
)

// Action ids of the approval thread, the requester's and owner's direct
// messages and the shadow install report. Every button's value is a
// request id (REQ-…), or for the shadow buttons an approvals.ShadowKey
// ("361234500002" in Zendesk, "github:55000002").
const (
	ActionRequestApprove  = "request.approve"
	ActionRequestDeny     = "request.deny"     // opens the deny form
	ActionRequestAsk      = "request.ask"      // opens the question form
	ActionRequestAnswer   = "request.answer"   // opens the answer form
	ActionRequestDone     = "request.done"     // marks an approved app installed
	ActionRequestCancel   = "request.cancel"   // the requester withdraws it (confirm)
	ActionRequestKeep     = "request.keep"     // review: keep the change
	ActionRequestRollBack = "request.rollback" // review: it was rolled back (confirm)
	ActionRequestExtend   = "request.extend"   // review: opens the extend form
	ActionShadowRequest   = "shadow.request"   // opens a retroactive app request
	// ActionStepUpLink is the link button to the step-up sign-in; Slack
	// sends its click too, which needs no answer.
	ActionStepUpLink = "request.stepup"
	ActionShadowFlag = "shadow.flag" // flags the installation for removal (confirm)
)

// Form ids. A request form's id is FormRequestPrefix + the kind's name.
const (
	FormRequestPrefix = "request."
	FormRequestDeny   = "request-deny"
	FormRequestAsk    = "request-ask"
	FormRequestAnswer = "request-answer"
	FormRequestExtend = "request-extend"
)

// Inputs of the deny, question, answer and extend forms; the request
// forms' inputs are the kind's field ids.
const (
	InputDenyReason = approvals.FieldReason
	InputQuestion   = approvals.FieldQuestion
	InputAnswer     = approvals.FieldAnswer
	InputUntil      = approvals.FieldUntil
)

// ShadowRecord is a request form's RecordID when it was opened for a
// shadow install: the request is retroactive for that installation.
// "shadow:361234500002" in Zendesk, "shadow:github:55000002".
func ShadowRecord(installation approvals.ShadowKey) string {
	return "shadow:" + installation.String()
}

// ParseShadowRecord reads ShadowRecord's value back.
func ParseShadowRecord(v string) (approvals.ShadowKey, bool) {
	s, ok := strings.CutPrefix(v, "shadow:")
	if !ok {
		return approvals.ShadowKey{}, false
	}
	return approvals.ParseShadowKey(s)
}

// Requests draws approval requests: the thread's parent and replies, the
// direct messages, the forms and the lists.
type Requests struct {
	Location *time.Location
	Now      time.Time
	Command  string // the slash command, for hints
	// Approvers names who may approve a kind, for the parent message.
	Approvers func(kind string) []string
	// AskPeer shows the access form's "who can confirm" input: the policy
	// has a peer confirm some role's requests.
	AskPeer bool
}

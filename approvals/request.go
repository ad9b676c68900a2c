package approvals

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// State is where a request is in its life.
type State string

// States. Confirming (an access request its requester's manager or a
// peer confirms first) moves to pending, denied, expired or cancelled;
// pending moves to approved, denied, expired or cancelled; approved
// moves to done or rolled back. The rest are final.
const (
	Confirming State = "confirming"
	Pending    State = "pending"
	Approved   State = "approved"
	Denied     State = "denied"
	Expired    State = "expired"
	Cancelled  State = "cancelled"
	Done       State = "done"
	RolledBack State = "rolled_back"
)

// Final reports whether nothing more can happen to a request in s.
func (s State) Final() bool {
	switch s {
	case Denied, Expired, Cancelled, Done, RolledBack:
		return true
	}
	return false
}

// takesVotes reports whether a request in s may still be approved: the
// request's ballot stays open while it is.
func (s State) takesVotes() bool { return s == Pending || s == Confirming }

// Words names the state for people: "rolled back".
func (s State) Words() string {
	switch s {
	case RolledBack:
		return "rolled back"
	case Confirming:
		return "awaiting confirmation"
	}
	return string(s)
}

// Ref points at a message the bot posted, on one transport.
type Ref struct {
	Platform     string `json:"platform"`
	Conversation string `json:"conversation"`
	Message      string `json:"message"`
}

// IsZero reports whether the reference points nowhere.
func (r Ref) IsZero() bool { return r.Message == "" }

// Mark is one person's act on a request: an approval, a denial with its
// reason, a question or answer with its text.
type Mark struct {
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Text string    `json:"text,omitempty"`
	// StepUp: the approver signed in again at the company's identity
	// provider for this approval.
	StepUp bool `json:"step_up,omitempty"`
}

// Confirmation is a request's confirmation by the requester's manager or
// a peer, by number matching with the requester.
type Confirmation struct {
	// By is who confirms, As why them.
	By string           `json:"by"`
	As access.Confirmer `json:"as"`
	// Outcome is "" until it ends; At is when it did.
	Outcome      ConfirmOutcome `json:"outcome,omitempty"`
	At           time.Time      `json:"at,omitzero"`
	Verification string         `json:"verification,omitempty"`
	// Why says what ended it when it was not confirmed.
	Why string `json:"why,omitempty"`
}

// ConfirmOutcome is how a confirmation ended.
type ConfirmOutcome string

// Confirmation outcomes.
const (
	Confirmed ConfirmOutcome = "confirmed"
	// Refused: the confirmer tapped a wrong number or said the request
	// is not real. The request is denied and security told.
	Refused ConfirmOutcome = "refused"
	// Unconfirmed: no answer in time, or the confirmer could not be
	// asked. The request expires; nothing counts against the requester.
	Unconfirmed ConfirmOutcome = "unconfirmed"
)

// Question is an approver's question and the requester's answer.
type Question struct {
	Mark
	Answer *Mark `json:"answer,omitempty"`
}

// Verification is what a sync found of an approved thing marked done.
type Verification struct {
	At    time.Time `json:"at"`
	Found bool      `json:"found"`
	// SaaSID is the installation found, in the request's SaaS.
	// Verifications written before other SaaS call it "zendesk_id".
	SaaSID int64 `json:"saas_id,omitempty"`
}

// UnmarshalJSON reads a verification, old ("zendesk_id") or new.
func (v *Verification) UnmarshalJSON(data []byte) error {
	// plain has Verification's fields but not this method, so decoding
	// it does not come back here.
	type plain Verification
	var wire struct {
		plain
		ZendeskID int64 `json:"zendesk_id"`
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		return err
	}
	*v = Verification(wire.plain)
	if v.SaaSID == 0 {
		v.SaaSID = wire.ZendeskID
	}
	return nil
}

// Request is one request and everything that happened to it.
type Request struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Title     string    `json:"title"`
	Requester string    `json:"requester"`
	Answers   Answers   `json:"answers"`
	Owner     string    `json:"owner"`
	Tier      Tier      `json:"tier"`
	TierWhy   string    `json:"tier_why,omitempty"`
	Needed    int       `json:"needed"`
	State     State     `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// ReviewOn is the review date (midnight in the policy's zone).
	ReviewOn time.Time `json:"review_on,omitzero"`
	// Shadow is the installation a retroactive request is for, in
	// ShadowSaaS ("" in requests written before other SaaS: Zendesk).
	// Retroactive reads the two as one key.
	Shadow     int64  `json:"shadow,omitempty"`
	ShadowSaaS string `json:"shadow_saas,omitempty"`
	// AccessShadow is the shadow report a retroactive access request is
	// for: the requester already holds the role without a grant, and an
	// admin (OpenedBy) opened the request in their name.
	AccessShadow string `json:"access_shadow,omitempty"`
	OpenedBy     string `json:"opened_by,omitempty"`
	// Confirmation is the requester's manager or peer confirming the
	// request is real, before approvers see it; nil when nobody is asked.
	Confirmation *Confirmation `json:"confirmation,omitempty"`

	Approvals []Mark     `json:"approvals,omitempty"`
	Denial    *Mark      `json:"denial,omitempty"`
	Questions []Question `json:"questions,omitempty"`
	// Closed is who moved the request to its current state when that was
	// not a vote: cancelled, expired ("system"), done, rolled back.
	Closed     *Mark         `json:"closed,omitempty"`
	DecidedAt  time.Time     `json:"decided_at,omitzero"`
	Verified   *Verification `json:"verified,omitempty"`
	ReviewSent time.Time     `json:"review_sent,omitzero"`
	// Told are the grant events the thread and requester have been told,
	// each once.
	Told []Event `json:"told,omitempty"`
	// Ticket is the ticket an access request names, as the help desk
	// had it when the request was made; nil when it names none, and with
	// no subject when the help desk could not be asked.
	Ticket *connector.Ticket `json:"ticket,omitempty"`

	// Thread is the parent message in the approvals channel.
	Thread Ref `json:"thread,omitzero"`
	// Outbox holds the messages a transition promised and nobody has
	// posted yet, oldest first.
	Outbox     []Notice `json:"outbox,omitempty"`
	NextNotice int      `json:"next_notice,omitempty"`
	// Courier is the replica posting the outbox now, until CourierUntil.
	Courier      string    `json:"courier,omitempty"`
	CourierUntil time.Time `json:"courier_until,omitzero"`

	Version int64 `json:"-"`
}

// SaaS is the connector an app request's app is installed in: its
// answer to "Where", Zendesk when it has none (every request written
// before other SaaS, and every change).
func (r *Request) SaaS() string { return connector.OrZendesk(r.Answers[FieldSaaS]) }

// Retroactive is the shadow install a retroactive request is for.
func (r *Request) Retroactive() (ShadowKey, bool) {
	if r.Shadow == 0 {
		return ShadowKey{}, false
	}
	return ShadowKey{SaaS: r.ShadowSaaS, ID: r.Shadow}.norm(), true
}

// ApprovedBy reports whether email approved the request.
func (r *Request) ApprovedBy(email string) bool {
	return slices.ContainsFunc(r.Approvals, func(m Mark) bool { return m.By == email })
}

// ApproverNames are the approvers' emails, in the order they approved,
// joined with commas.
func (r *Request) ApproverNames() string { return strings.Join(MarkNames(r.Approvals), ", ") }

// MarkNames are who made each mark, in order.
func MarkNames(ms []Mark) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.By
	}
	return out
}

// Quorum reports whether the approvals are enough: Needed distinct
// approvers, at least one of them not the owner named in the form.
func (r *Request) Quorum() bool {
	if len(r.Approvals) < r.Needed {
		return false
	}
	return slices.ContainsFunc(r.Approvals, func(m Mark) bool { return m.By != r.Owner })
}

// countedApprovals are the approvals in r, and those not by the owner,
// for the ballot's count: they matter only to a request approved before
// approvals were votes, whose first vote starts the count from them.
func (r *Request) countedApprovals() (all, others int) {
	for _, m := range r.Approvals {
		if m.By != r.Owner {
			others++
		}
	}
	return len(r.Approvals), others
}

// approve adds one approval, counted by the store's ballot; closes is
// whether it completed the quorum, which only the ballot decides.
func (r *Request) approve(m Mark, closes bool) {
	r.Approvals = append(r.Approvals, m)
	if !closes {
		r.add(thread(EventApproval, m, len(r.Approvals))...)
		return
	}
	r.State, r.DecidedAt = Approved, m.At
	r.add(thread(EventApproved, m, len(r.Approvals))...)
	r.add(Notice{Kind: Direct, To: r.Requester, Event: EventApproved, Mark: m})
}

// Reviewable reports whether the owner can answer a review now: an
// approved change, or an app installed after approval.
func (r *Request) Reviewable() bool {
	switch KindOf(r.Kind).Next {
	case AwaitReview:
		return r.State == Approved
	case AwaitDone:
		// Until kept, rolled back or extended past today: Keep clears
		// the date, so a second Keep is refused.
		return r.State == Done && !r.ReviewOn.IsZero()
	}
	return false
}

// Required is how many approvals the request needs: Needed, or one more
// when the owner approved a request that needs only one (the owner
// cannot be its only approver).
func (r *Request) Required() int {
	if r.Needed == 1 && r.ApprovedBy(r.Owner) {
		return 2
	}
	return r.Needed
}

// OpenQuestion is the index of the oldest unanswered question, or -1.
func (r *Request) OpenQuestion() int {
	return slices.IndexFunc(r.Questions, func(q Question) bool { return q.Answer == nil })
}

// clone copies everything a transition may change, so a modifier that
// runs again after a lost compare-and-set starts from the stored request.
func (r Request) clone() Request {
	r.Answers = maps.Clone(r.Answers)
	r.Approvals = slices.Clone(r.Approvals)
	r.Questions = slices.Clone(r.Questions)
	r.Outbox = slices.Clone(r.Outbox)
	r.Told = slices.Clone(r.Told)
	if r.Confirmation != nil {
		c := *r.Confirmation
		r.Confirmation = &c
	}
	return r
}

// NoticeKind is what posting a notice does.
type NoticeKind string

// Notice kinds.
const (
	// PostParent posts the request to the approvals channel; the rest of
	// the thread waits for it.
	PostParent NoticeKind = "post"
	// Reply posts into the request's thread.
	Reply NoticeKind = "reply"
	// Redraw updates the parent message to the request's current state.
	Redraw NoticeKind = "redraw"
	// Direct messages one person (To).
	Direct NoticeKind = "direct"
)

// Event is what a notice tells.
type Event string

// Events.
const (
	EventSubmitted Event = "submitted"
	EventApproval  Event = "approval"
	EventApproved  Event = "approved"
	EventDenied    Event = "denied"
	EventQuestion  Event = "question"
	EventAnswer    Event = "answer"
	EventExpired   Event = "expired"
	EventCancelled Event = "cancelled"
	EventDone      Event = "done"
	EventVerified  Event = "verified"
	EventMissing   Event = "missing"
	EventReviewDue Event = "review_due"
	EventKept      Event = "kept"
	EventExtended  Event = "extended"
	EventRolled    Event = "rolled_back"
	EventRedraw    Event = "redraw"
	// What became of an approved access request's grant.
	EventGranted      Event = "granted"
	EventGrantEnding  Event = "grant_ending"
	EventGrantEnded   Event = "grant_ended"
	EventGrantHeld    Event = "grant_held"
	EventGrantRefused Event = "grant_refused"
	// EventGrantExtended: the holder extended the grant themselves, as
	// the policy allows once (Mark.Text is the new end, RFC 3339).
	EventGrantExtended Event = "grant_extended"
)

// Notice is one message a transition promised: a thread reply, a redraw
// of the parent or a direct message. It is written with the transition in
// one compare-and-set and removed once posted, so a replica that dies in
// between leaves it for the next to post.
type Notice struct {
	Seq   int        `json:"seq"`
	Kind  NoticeKind `json:"kind"`
	Event Event      `json:"event"`
	To    string     `json:"to,omitempty"`
	Mark  Mark       `json:"mark"`
	// Count is the approvals when the notice was written (for "2 of 2").
	Count    int    `json:"count,omitempty"`
	Attempts int    `json:"attempts,omitempty"`
	Error    string `json:"error,omitempty"`
	// Takes counts the couriers that took the notice to post, and
	// FirstTaken is when the first did. A notice taken before may have
	// been posted by a courier that died before saying so: the next one
	// looks for it first (Uncertain).
	Takes      int       `json:"takes,omitempty"`
	FirstTaken time.Time `json:"first_taken,omitzero"`
}

// Uncertain reports whether an earlier courier may have posted the
// notice without recording it.
func (n Notice) Uncertain() bool { return n.Takes > 1 || n.Attempts > 0 }

// Key names the notice across couriers and replicas, for transports that
// can find a post by it.
func (n Notice) Key(requestID string) string { return requestID + "/" + strconv.Itoa(n.Seq) }

// add appends notices to the outbox. Every transition queues its own
// redraw: one queued earlier may already be drawing an older state; the
// courier skips a redraw with a later one behind it (Superseded).
func (r *Request) add(ns ...Notice) {
	for _, n := range ns {
		r.NextNotice++
		n.Seq = r.NextNotice
		if n.Event == "" {
			n.Event = EventRedraw
		}
		r.Outbox = append(r.Outbox, n)
	}
}

// Superseded reports whether the outbox holds a redraw queued after seq,
// which makes redrawing for seq pointless: the later one draws the newer
// state.
func (r *Request) Superseded(seq int) bool {
	return slices.ContainsFunc(r.Outbox, func(n Notice) bool { return n.Kind == Redraw && n.Seq > seq })
}

// thread is the usual pair: a reply in the thread and the parent redrawn.
func thread(e Event, m Mark, count int) []Notice {
	return []Notice{{Kind: Reply, Event: e, Mark: m, Count: count}, {Kind: Redraw}}
}

const kindRequest = "approval-request"

// idPattern is a request id: REQ- and six letters or digits from an
// alphabet without look-alikes.
var idPattern = regexp.MustCompile(`^REQ-[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{6}$`)

// ValidID reports whether id could name a request.
func ValidID(id string) bool { return idPattern.MatchString(id) }

func newID() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "REQ-" + string(b[:])
}

// decodeRecord reads a stored request with the approvals counted on its
// ballot since it was last written, in the order counted: every reader
// folds them the same way, and the next write stores the result.
func decodeRecord(rec store.Record) (Request, error) {
	r, err := decode(rec.Data, rec.Version)
	if err != nil {
		return Request{}, err
	}
	for _, v := range rec.Votes {
		if r.State != Pending {
			// Only a replica of a release before ballots, deciding the
			// request without closing its ballot, lets a vote in after;
			// its decision stands.
			break
		}
		var m Mark
		if err := json.Unmarshal(v.Data, &m); err != nil {
			return Request{}, fmt.Errorf("approvals: approval %d of %s unreadable: %w", v.Seq, r.ID, err)
		}
		r.approve(m, v.Closed)
	}
	return r, nil
}

func decode(data []byte, version int64) (Request, error) {
	var r Request
	if err := json.Unmarshal(data, &r); err != nil {
		return Request{}, fmt.Errorf("approvals: request unreadable: %w", err)
	}
	r.Version = version
	return r, nil
}

// Package verify is caller verification by number matching: before a
// help-desk agent acts on a phone call or a chat message, the person the
// caller claims to be is asked in a direct message, from a company chat
// account the caller does not control, to tap the number the agent reads
// to them. A tap without the code is worthless, so push fatigue does not
// verify anyone.
//
// The package knows nothing of chat: it keeps each verification's record,
// its limits and its outcome; jobs and commands send and redraw messages.
package verify

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/store"
)

// State is where a verification stands.
type State string

// States. Pending awaits the person's tap; the rest are final.
const (
	Pending     State = "pending"
	Verified    State = "verified"
	Denied      State = "denied"
	Expired     State = "expired"
	Unreachable State = "unreachable" // no chat identity to ask: nothing was sent
	// Withdrawn: what it was for went away (its access request was
	// cancelled, or could not go on); nothing counts against anyone.
	Withdrawn State = "withdrawn"
)

// Final reports whether nothing can change the state any more.
func (s State) Final() bool { return s != Pending }

// NotMe is the answer of a person who was not talking to the asker.
const NotMe = "not-me"

// Ref points at a message the bot posted; what it means is the
// transport's business.
type Ref struct {
	Platform     string `json:"platform"`
	Conversation string `json:"conversation"`
	Message      string `json:"message"`
}

// Verification is one check of one caller.
type Verification struct {
	ID     string `json:"id"`
	Asker  string `json:"asker"`
	Person string `json:"person"`
	Reason string `json:"reason,omitempty"`
	// Ticket is the Zendesk ticket the outcome is written to, 0 for none.
	Ticket int64 `json:"ticket,omitempty"`
	// Code is what the asker reads to the caller; Choices are the three
	// numbers the person sees, Code among them.
	Code      string    `json:"code"`
	Choices   []string  `json:"choices"`
	State     State     `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// Answer is the number the person tapped, or NotMe.
	Answer     string    `json:"answer,omitempty"`
	AnsweredAt time.Time `json:"answered_at,omitzero"`
	// AskerRef and PersonRef are the messages to redraw when it ends.
	AskerRef  *Ref `json:"asker_ref,omitempty"`
	PersonRef *Ref `json:"person_ref,omitempty"`
	// LockedOut is when the lockout this verification's failure caused
	// ends; zero when it caused none.
	LockedOut time.Time `json:"locked_out,omitzero"`
	// Request, when set, makes this the confirmation of an access request
	// by the requester's manager or a peer: Asker is the requester, who
	// reads the code to Person, the confirmer.
	Request *Request `json:"request,omitempty"`
	// Told: the ending's follow-up is done: the messages redrawn,
	// security told, the ticket note written or given up.
	Told bool `json:"told,omitempty"`
	// Note is where the ticket's internal note stands: "" none due,
	// "due", "written", or why it failed for good.
	Note      string    `json:"note,omitempty"`
	NoteLease time.Time `json:"note_lease,omitzero"`

	Version int64 `json:"-"`
}

// Request is the access request a confirmation is for.
type Request struct {
	ID string `json:"id"`
	// What is asked for, in words: "Access as admin for 2 hours".
	What string `json:"what"`
	// As is why the confirmer is asked: "manager" or "peer".
	As string `json:"as"`
}

// Failed reports whether the outcome counts against the person: a wrong
// number, "this wasn't me", or no answer.
func (v Verification) Failed() bool { return v.State == Denied || v.State == Expired }

// Policy is the verification part of the policy.
type Policy struct {
	// TTL is how long the person has to answer; default 5 minutes.
	TTL time.Duration
	// PerAsker and PerPerson bound verifications started per hour by one
	// asker and about one person; defaults 20 and 5.
	PerAsker, PerPerson int
	// LockoutAfter failed verifications of one person in an hour stop
	// prompts to them for an hour; default 3.
	LockoutAfter int
}

// Defaults for what the policy leaves out.
const (
	DefaultTTL          = 5 * time.Minute
	DefaultPerAsker     = 20
	DefaultPerPerson    = 5
	DefaultLockoutAfter = 3
	// MaxReason is the longest reason, in characters.
	MaxReason = 200
	window    = time.Hour
)

// WithDefaults fills what p leaves out.
func (p Policy) WithDefaults() Policy {
	if p.TTL <= 0 {
		p.TTL = DefaultTTL
	}
	if p.PerAsker <= 0 {
		p.PerAsker = DefaultPerAsker
	}
	if p.PerPerson <= 0 {
		p.PerPerson = DefaultPerPerson
	}
	if p.LockoutAfter <= 0 {
		p.LockoutAfter = DefaultLockoutAfter
	}
	return p
}

// Service keeps verifications in the store.
type Service struct {
	Store  store.Store
	Audit  store.Audit
	Policy Policy
	Now    func() time.Time
	Logger *slog.Logger
}

// Errors callers branch on.
var (
	ErrNotFound = errors.New("verify: no such verification")
	// ErrNotYours: someone other than the person asked tapped.
	ErrNotYours = errors.New("verify: only the person asked can answer")
	// ErrSelf: an asker verifying themself proves nothing.
	ErrSelf = errors.New("verify: you cannot verify yourself")
)

// InputError is an ask the service cannot take, worded for the asker.
type InputError struct{ Why string }

func (e *InputError) Error() string { return e.Why }

// LimitError: too many verifications in the last hour; Reset is when
// the next is allowed.
type LimitError struct {
	// Of is "you" (the asker's limit) or the person's email.
	Of    string
	Limit int
	Reset time.Time
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("verify: limit of %d an hour reached for %s", e.Limit, e.Of)
}

// LockedError: the person failed too many verifications and gets no
// prompts until Until.
type LockedError struct {
	Person string
	Until  time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("verify: %s gets no prompts until %s", e.Person, e.Until.Format(time.RFC3339))
}

const (
	kindVerification = "verification"
	kindAskerLog     = "verify-asker"
	kindPersonLog    = "verify-person"
	queueExpiry      = "verify-expiry"
	queueFollowUp    = "verify-follow-up"
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Clock is the service's time now.
func (s *Service) Clock() time.Time { return s.now() }

func (s *Service) policy() Policy { return s.Policy.WithDefaults() }

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Ask is a verification to start.
type Ask struct {
	Asker, Person, Reason string
	Ticket                int64
	// Request makes it an access request's confirmation.
	Request *Request
}

// idPattern is a verification's id: V- and six base32 letters or digits.
var idPattern = regexp.MustCompile(`^V-[A-Z2-7]{6}$`)

// ValidID reports whether id could name a verification.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Start checks the ask and the limits and records a pending verification
// with a fresh code, due to expire after the policy's TTL. Nothing is
// sent: the caller sends the prompts and records where with Sent, or
// records that the person could not be reached with Undeliverable.
func (s *Service) Start(ctx context.Context, a Ask) (Verification, error) {
	p, now := s.policy(), s.now().UTC()
	asker, err := people.ParseEmail(a.Asker)
	if err != nil {
		return Verification{}, &InputError{"I could not find an email address on your chat profile, so I cannot say who is asking"}
	}
	person, err := people.ParseEmail(a.Person)
	if err != nil {
		return Verification{}, &InputError{fmt.Sprintf("name the person by email, such as %s", people.Example)}
	}
	reason := strings.Join(strings.Fields(a.Reason), " ")
	switch {
	case people.Same(asker, person):
		return Verification{}, ErrSelf
	case len([]rune(reason)) > MaxReason:
		return Verification{}, &InputError{fmt.Sprintf("keep the reason under %d characters; it is shown to %s", MaxReason, person)}
	case a.Ticket < 0:
		return Verification{}, &InputError{"a ticket is a number such as 1234"}
	}
	if err := s.take(ctx, kindPersonLog, person, p.PerPerson, now, person, true); err != nil {
		return Verification{}, err
	}
	if err := s.take(ctx, kindAskerLog, asker, p.PerAsker, now, "you", false); err != nil {
		return Verification{}, err
	}
	code, choices := newCode()
	v := Verification{Asker: asker, Person: person, Reason: reason, Ticket: a.Ticket, Code: code, Choices: choices,
		State: Pending, CreatedAt: now, ExpiresAt: now.Add(p.TTL), Request: a.Request}
	for range 8 {
		v.ID = "V-" + rand.Text()[:6]
		data, err := json.Marshal(v)
		if err != nil {
			return Verification{}, err
		}
		rec, err := s.Store.CreateRecord(ctx, kindVerification, v.ID, data)
		if errors.Is(err, store.ErrExists) {
			continue
		}
		if err != nil {
			return Verification{}, err
		}
		v.Version = rec.Version
		if err := s.Store.Schedule(ctx, queueExpiry, v.ID, v.ExpiresAt); err != nil {
			return v, err
		}
		detail := map[string]string{"reason": reason}
		if v.Request != nil {
			detail["request"] = v.Request.ID
		}
		s.audit(ctx, asker, "verify.started", v, detail)
		return v, nil
	}
	return Verification{}, errors.New("verify: no free id after 8 tries")
}

// Askers are who may start a verification; none named means agents and
// admins.
type Askers struct {
	Agents bool     // everyone on the help desk's staff
	Admins bool     // the policy's admins
	People []string // by email
}

// Allows reports whether email may ask. isAgent is called only when being
// an agent is what decides, since finding out may read the staff list.
func (a Askers) Allows(email string, admin bool, isAgent func() bool) bool {
	if !a.Agents && !a.Admins && len(a.People) == 0 {
		a.Agents, a.Admins = true, true
	}
	switch {
	case email == "":
		return false
	case a.Admins && admin:
		return true
	case slices.ContainsFunc(a.People, func(p string) bool { return people.Same(p, email) }):
		return true
	}
	return a.Agents && isAgent()
}

// Purge deletes up to limit verifications that ended (answered, denied
// or expired, and told) before the time given, for retention; it returns
// how many it deleted.
func (s *Service) Purge(ctx context.Context, before time.Time, limit int) (int, error) {
	return store.DeleteRecordsWhere(ctx, s.Store, kindVerification, limit, func(rec store.Record) bool {
		v, err := decode(rec)
		ended := v.AnsweredAt
		if ended.IsZero() {
			ended = v.ExpiresAt
		}
		return err == nil && v.State.Final() && v.Told && ended.Before(before)
	})
}

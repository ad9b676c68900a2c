package approvals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/store"
)

// Errors of the service, for errors.Is.
var (
	ErrNotFound = errors.New("approvals: no such request")
	// ErrNotAllowed is a *RefusedError: the actor may not do this.
	ErrNotAllowed = errors.New("approvals: not allowed")
	// ErrNotPending is a *StateError: the request has moved on.
	ErrNotPending = errors.New("approvals: the request is not pending")
	// ErrNoChannel: the policy names no approvals channel.
	ErrNoChannel = errors.New("approvals: no approvals channel in the policy")
	// ErrAlreadyApproved: the actor approved this request before.
	ErrAlreadyApproved = errors.New("approvals: already approved by you")
)

// RefusedError says in words why an actor may not act.
type RefusedError struct{ Why string }

func (e *RefusedError) Error() string { return "approvals: " + e.Why }

// Is makes errors.Is(err, ErrNotAllowed) true.
func (e *RefusedError) Is(target error) bool { return target == ErrNotAllowed }

// StateError: the request is in a state that does not take this.
type StateError struct{ Request Request }

func (e *StateError) Error() string {
	return fmt.Sprintf("approvals: %s is %s", e.Request.ID, e.Request.State.Words())
}

// Is makes errors.Is(err, ErrNotPending) true.
func (e *StateError) Is(target error) bool { return target == ErrNotPending }

// Actor is who acts.
type Actor struct {
	Email string
	Admin bool
}

func (a Actor) email() string { return people.Key(a.Email) }

// RiskRule raises a request to high risk when its answer to Field
// contains Contains.
type RiskRule struct{ Field, Contains string }

// KindPolicy is what the policy says about one kind.
type KindPolicy struct {
	Approvers  []string
	HighRiskIf []RiskRule
}

// Policy is the approvals part of the policy.
type Policy struct {
	Location *time.Location
	Channel  string
	// Admins may approve every kind; Approvers too, and Kinds[k].Approvers
	// kind k.
	Admins            []string
	Approvers         []string
	Kinds             map[string]KindPolicy
	HighRiskApprovals int           // default 2
	ExpireAfter       time.Duration // default 7 days
	RemindAfter       time.Duration // default 24 hours
	// Access is the policy of privileged roles access requests ask for.
	Access access.Policy
	// StepUp says which approvals count only after the approver signs in
	// again at the company's identity provider.
	StepUp StepUp
}

// StepUp is which approvals need a fresh sign-in.
type StepUp struct {
	Access   bool // approving an access grant
	HighRisk bool // approving a high-risk request
}

// ErrStepUpRequired: this approval counts only after the approver signs
// in again; ApproveReauthenticated records it then.
var ErrStepUpRequired = errors.New("approvals: this approval needs the approver to sign in again")

// NeedsStepUp reports whether approving r needs a fresh sign-in.
func (s *Service) NeedsStepUp(r Request) bool {
	p := s.policy().StepUp
	return (p.Access && r.Kind == Access.Name) || (p.HighRisk && r.Tier == High)
}

// Service runs approval requests over the store.
type Service struct {
	// Records keep the requests; an approval is a vote on a request's
	// ballot.
	Records store.BallotRecords
	Audit   store.Audit
	Policy  Policy
	Now     func() time.Time
	// Holder names this replica in outbox leases.
	Holder string
	// Lease is how long a replica may take to post an outbox before
	// another may (default 1 minute).
	Lease time.Duration
	// Tickets looks up the ticket an access request names, so a wrong
	// number is refused on the form and approvers see its subject; nil
	// leaves tickets unchecked.
	Tickets Tickets
	// Awaiting, when set, holds the access requests approved and not yet
	// granted, so the grant job reads those rather than every request.
	Awaiting store.Schedules
	// Managers says who confirms the access requests of a role whose
	// policy asks the requester's manager; nil knows nobody's manager.
	Managers Managers
	// Leavers, when set, says who left the company: they approve nothing
	// and are asked nothing, whatever the policy lists.
	Leavers Leavers
	Logger  *slog.Logger

	pending pendingRequests
}

// Tickets reads one help-desk ticket; an error matching
// connector.ErrNotFound means there is none.
type Tickets interface {
	Ticket(ctx context.Context, id int64) (connector.Ticket, error)
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) policy() Policy {
	p := s.Policy
	if p.Location == nil {
		p.Location = time.UTC
	}
	if p.HighRiskApprovals < 1 {
		p.HighRiskApprovals = 2
	}
	if p.ExpireAfter <= 0 {
		p.ExpireAfter = 7 * 24 * time.Hour
	}
	if p.RemindAfter <= 0 {
		p.RemindAfter = 24 * time.Hour
	}
	return p
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Clock is the service's time now.
func (s *Service) Clock() time.Time { return s.now() }

// Location is the policy's time zone.
func (s *Service) Location() *time.Location { return s.policy().Location }

// Approvers are the people who may approve requests of kind, sorted.
func (s *Service) Approvers(kind string) []string {
	p := s.policy()
	all := slices.Concat(p.Admins, p.Approvers, p.Kinds[kind].Approvers)
	for i := range all {
		all[i] = strings.ToLower(all[i])
	}
	slices.Sort(all)
	all = slices.Compact(all)
	if left := s.leavers(); len(left) > 0 {
		all = slices.DeleteFunc(all, func(who string) bool { return !left[who].IsZero() })
	}
	return all
}

// Leavers is the company directory's word on who left: every email of
// each leaver, with when they left.
type Leavers interface {
	Departed(ctx context.Context) (map[string]time.Time, error)
}

// leavers is who left, or nothing when that cannot be told: the policy's
// lists then stand as written.
func (s *Service) leavers() map[string]time.Time {
	if s.Leavers == nil {
		return nil
	}
	left, err := s.Leavers.Departed(context.Background())
	if err != nil {
		s.log().Warn("approvals: the directory could not be read; approvers stand as the policy lists them", slog.Any("error", err))
		return nil
	}
	return left
}

// MayApprove reports whether a may approve requests of kind.
func (s *Service) MayApprove(a Actor, kind string) bool {
	if a.Admin && s.leavers()[a.email()].IsZero() {
		return true
	}
	return slices.Contains(s.Approvers(kind), a.email())
}

// Today is midnight today in the policy's zone.
func (s *Service) Today() time.Time {
	y, m, d := s.now().In(s.Location()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, s.Location())
}

// Assess checks a form's answers and returns the request they make,
// without saving it; a *FormError names every field that cannot stand.
// Submit calls it; a form can call it to show the tier before sending.
func (s *Service) Assess(kind string, requester Actor, a Answers) (Request, error) {
	k, ok := Kinds[kind]
	if !ok {
		return Request{}, fmt.Errorf("approvals: no kind %q", kind)
	}
	// Only the kind's own fields count: a tampered form cannot smuggle
	// in an answer the rules would read (a "tier" on an app request).
	own := make(Answers, len(k.Fields))
	for _, f := range k.Fields {
		own[f.ID] = a[f.ID]
	}
	a = own
	c := CheckContext{Today: s.Today(), Location: s.Location(), Access: s.policy().Access}
	errs := k.checkCommon(a, c)
	tier, _ := s.tier(k, a, c)
	// The kind's own rules run too, so the form shows every error at
	// once; a field keeps its first error.
	for _, fe := range k.Check(a, tier, c) {
		if !slices.ContainsFunc(errs, func(e FieldError) bool { return e.Field == fe.Field }) {
			errs = append(errs, fe)
		}
	}
	tier, why := s.tier(k, a, c) // a check may normalise what the rules read
	if len(errs) > 0 {
		return Request{}, &FormError{Fields: errs}
	}
	r := Request{
		Kind: kind, Title: k.Title(a), Requester: requester.email(), Answers: a,
		Owner: requester.email(), Tier: tier, TierWhy: why, State: Pending,
	}
	if k.OwnerField != "" && a[k.OwnerField] != "" {
		r.Owner = a[k.OwnerField]
	}
	if k.ReviewField != "" {
		r.ReviewOn, _ = time.ParseInLocation(time.DateOnly, a[k.ReviewField], s.Location())
	}
	r.Needed = 1
	if tier == High {
		r.Needed = s.policy().HighRiskApprovals
	}
	return r, nil
}

// tier is the highest of what the requester chose, what the answers
// suggest and what the policy's rules say, with why.
func (s *Service) tier(k *Kind, a Answers, c CheckContext) (Tier, string) {
	tier, why := Low, ""
	if chosen := Tier(a[FieldTier]); chosen == High {
		tier, why = High, "the requester chose it"
	}
	if t, w := k.Suggest(a, c); t.rank() > tier.rank() {
		tier, why = t, w
	}
	if tier == High {
		return tier, why
	}
	for _, r := range s.policy().Kinds[k.Name].HighRiskIf {
		if strings.Contains(strings.ToLower(a[r.Field]), strings.ToLower(r.Contains)) {
			f, _ := k.field(r.Field)
			label := r.Field
			if f.Label != "" {
				label = strings.ToLower(f.Label)
			}
			return High, fmt.Sprintf("the policy makes it high risk when %s mentions %q", label, r.Contains)
		}
	}
	return tier, why
}

// Submit checks the answers and opens a pending request; the outbox
// posts it to the approvals channel. shadow, when not 0, is the
// installation a retroactive request asks for, in the SaaS the answers
// name; SubmitRetroactive also links the shadow install to it.
func (s *Service) Submit(ctx context.Context, kind string, requester Actor, a Answers, shadow int64) (Request, error) {
	r, err := s.prepare(kind, requester, a, shadow)
	if err != nil {
		return Request{}, err
	}
	return s.open(ctx, r)
}

// open checks a prepared request's ticket and that it is the person's one
// pending ask for the role, and stores it under a new id.
func (s *Service) open(ctx context.Context, r Request) (Request, error) {
	if err := s.checkTicket(ctx, &r); err != nil {
		return Request{}, err
	}
	if err := s.awaitConfirmation(ctx, &r); err != nil {
		return Request{}, err
	}
	if err := s.checkOnePending(ctx, r); err != nil {
		return Request{}, err
	}
	for range 8 {
		created, err := s.create(ctx, r, newID())
		if !errors.Is(err, store.ErrExists) {
			return created, err
		}
	}
	return Request{}, errors.New("approvals: no free request id after 8 tries")
}

// SubmitAccessRetroactive opens an access request, in holder's name, for
// a role they already hold without a grant (the shadow report shadowID):
// approving it makes what they hold a grant that ends on time; denying
// it leaves the role for an admin to put back. opener is the admin who
// opened it. Like any access request, one per person and role is
// pending at a time, so two admins pressing at once open one.
func (s *Service) SubmitAccessRetroactive(ctx context.Context, shadowID string, holder, opener Actor, a Answers) (Request, error) {
	if shadowID == "" || holder.email() == "" || opener.email() == "" {
		return Request{}, errors.New("approvals: a retroactive access request needs its report, its holder and who opens it")
	}
	r, err := s.prepare(Access.Name, holder, a, 0)
	if err != nil {
		return Request{}, err
	}
	r.AccessShadow, r.OpenedBy = shadowID, opener.email()
	return s.open(ctx, r)
}

// checkOnePending refuses a second pending access request for the same
// role by the same person: the first one is named, to wait for or cancel.
func (s *Service) checkOnePending(ctx context.Context, r Request) error {
	if r.Kind != Access.Name {
		return nil
	}
	all, err := s.List(ctx)
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.Kind == Access.Name && (o.State == Pending || o.State == Confirming) && o.Requester == r.Requester && o.Answers[FieldRole] == r.Answers[FieldRole] {
			if r.OpenedBy != "" {
				return &FormError{Fields: []FieldError{{FieldRole, fmt.Sprintf("%s already has a pending request for %s: %s. Its approvers decide there", r.Requester, o.Answers[FieldRole], o.ID)}}}
			}
			return &FormError{Fields: []FieldError{{FieldRole, fmt.Sprintf("You asked for %s already: %s is pending. Wait for it, or withdraw it with request cancel %s", o.Answers[FieldRole], o.ID, o.ID)}}}
		}
	}
	return nil
}

// checkTicket looks up the ticket a request names: one that does not
// exist is a field error; a help desk that does not answer leaves the
// ticket unchecked rather than holding the request up.
func (s *Service) checkTicket(ctx context.Context, r *Request) error {
	v := r.Answers[FieldTicket]
	if v == "" || s.Tickets == nil {
		return nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return &FormError{Fields: []FieldError{{FieldTicket, "A ticket number such as 1234"}}}
	}
	t, err := s.Tickets.Ticket(ctx, id)
	switch {
	case errors.Is(err, connector.ErrNotFound):
		return &FormError{Fields: []FieldError{{FieldTicket, fmt.Sprintf("No ticket %d in Zendesk: check the number, or leave it empty", id)}}}
	case err != nil:
		s.log().Warn("approvals: the ticket could not be checked", slog.Int64("ticket", id), slog.Any("error", err))
		r.Ticket = &connector.Ticket{ID: id}
	default:
		r.Ticket = &t
	}
	return nil
}

// prepare checks a submission and builds the pending request, unsaved.
func (s *Service) prepare(kind string, requester Actor, a Answers, shadow int64) (Request, error) {
	if requester.email() == "" {
		return Request{}, &RefusedError{Why: "your chat profile has no email address, so approvers could not tell who asked"}
	}
	if s.policy().Channel == "" {
		return Request{}, ErrNoChannel
	}
	r, err := s.Assess(kind, requester, a)
	if err != nil {
		return Request{}, err
	}
	now := s.now()
	r.CreatedAt, r.ExpiresAt = now, now.Add(s.policy().ExpireAfter)
	if shadow != 0 {
		r.Shadow, r.ShadowSaaS = shadow, r.SaaS()
	}
	return r, nil
}

// create stores r under id; store.ErrExists when the id is taken. A
// pending request goes to the approvals channel; one awaiting its
// confirmation waits for it.
func (s *Service) create(ctx context.Context, r Request, id string) (Request, error) {
	r.ID = id
	if r.State == Pending {
		r.add(Notice{Kind: PostParent, Event: EventSubmitted, Mark: Mark{By: r.Requester, At: r.CreatedAt}})
	}
	data, err := json.Marshal(r)
	if err != nil {
		return Request{}, err
	}
	rec, err := s.Records.CreateRecord(ctx, kindRequest, r.ID, data)
	if err != nil {
		return Request{}, err
	}
	r.Version = rec.Version
	s.pending.remember(r)
	detail := map[string]string{"kind": r.Kind, "title": r.Title, "tier": string(r.Tier), "needed": fmt.Sprint(r.Needed)}
	actor := r.Requester
	if r.OpenedBy != "" {
		// Opened in the requester's name: the trail names who did it.
		actor, detail["for"], detail["retroactive_for"] = r.OpenedBy, r.Requester, r.AccessShadow
	}
	s.audit(ctx, actor, "approval.requested", r.ID, detail)
	return r, nil
}

// Get returns one request.
func (s *Service) Get(ctx context.Context, id string) (Request, error) {
	if !ValidID(id) {
		return Request{}, ErrNotFound
	}
	rec, err := s.Records.GetRecord(ctx, kindRequest, id)
	if errors.Is(err, store.ErrNotFound) {
		return Request{}, ErrNotFound
	}
	if err != nil {
		return Request{}, err
	}
	return decodeRecord(rec)
}

// List returns every request, newest first. An unreadable one is logged
// and left out rather than hiding the rest.
func (s *Service) List(ctx context.Context) ([]Request, error) {
	recs, err := s.Records.ListRecords(ctx, kindRequest)
	if err != nil {
		return nil, err
	}
	out := make([]Request, 0, len(recs))
	for _, rec := range recs {
		r, err := decodeRecord(rec)
		if err != nil {
			s.log().Warn("approval request unreadable; left out", slog.String("id", rec.ID), slog.Any("error", err))
			continue
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Request) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

// update applies change to a request with a compare-and-set, retrying
// when writers race; change sees a copy and may return
// store.ErrSkipUpdate to write nothing (update then returns the request
// as stored and that error). The write folds in the approvals counted
// since the request was last written, and a change that ends the voting
// closes the ballot with it, so no approval counts after a denial.
func (s *Service) update(ctx context.Context, id string, change func(*Request) error) (Request, error) {
	if !ValidID(id) {
		return Request{}, ErrNotFound
	}
	var out Request
	rec, err := store.UpdateBallotRecord(ctx, s.Records, kindRequest, id, func(cur store.Record) ([]byte, bool, error) {
		r, err := decodeRecord(cur)
		if err != nil {
			return nil, false, err
		}
		r = r.clone()
		voting := r.State.takesVotes()
		err = change(&r)
		out = r
		if err != nil {
			return nil, false, err
		}
		data, err := json.Marshal(r)
		return data, voting && !r.State.takesVotes(), err
	})
	if errors.Is(err, store.ErrNotFound) {
		return Request{}, ErrNotFound
	}
	if err == nil || errors.Is(err, store.ErrSkipUpdate) {
		out.Version = rec.Version
	}
	return out, err
}

// updateJSON reads a record as T, lets change alter it and writes it
// back with store.UpdateRecord. It returns T as written, or as stored
// (with its version) when change refuses; notFound stands for
// store.ErrNotFound.
func updateJSON[T any](ctx context.Context, recs store.Records, kind, id string, notFound error,
	read func(store.Record) (T, error), setVersion func(*T, int64), change func(*T) error) (T, error) {
	var out T
	rec, err := store.UpdateRecord(ctx, recs, kind, id, func(cur store.Record) ([]byte, error) {
		v, err := read(cur)
		if err != nil {
			return nil, err
		}
		err = change(&v)
		out = v
		if err != nil {
			return nil, err
		}
		return json.Marshal(v)
	})
	if errors.Is(err, store.ErrNotFound) {
		var zero T
		return zero, notFound
	}
	if err == nil || errors.Is(err, store.ErrSkipUpdate) {
		setVersion(&out, rec.Version)
	}
	return out, err
}

// pending refuses a change to a request that has moved on.
func pending(r *Request) error {
	if r.State != Pending {
		return &StateError{Request: *r}
	}
	return nil
}

// Approve records a's approval. The approval that makes the quorum moves
// the request to approved; its thread reply is the outcome, and the
// requester hears of it. Self-approval, a non-approver, a second approval
// by the same person and a request no longer pending are refused and
// change nothing (refusals are audited).
func (s *Service) Approve(ctx context.Context, id string, a Actor) (Request, error) {
	return s.approve(ctx, id, a, false)
}

// ApproveReauthenticated records an approval whose approver has just
// signed in again (step-up); the thread says so. The caller has checked
// the sign-in.
func (s *Service) ApproveReauthenticated(ctx context.Context, id string, a Actor) (Request, error) {
	return s.approve(ctx, id, a, true)
}

func (s *Service) approve(ctx context.Context, id string, a Actor, stepped bool) (Request, error) {
	now, who := s.now(), a.email()
	r, known := s.pending.get(id, now)
	if known && s.mayApprove(r, a, stepped) != nil {
		known = false // a refusal is judged on the request as it stands
	}
	if !known {
		var err error
		if r, err = s.Get(ctx, id); err != nil {
			return r, err
		}
		if err := s.mayApprove(r, a, stepped); err != nil {
			s.refused(ctx, a, id, "approve", err)
			return r, err
		}
		s.pending.remember(r)
	}
	// One vote on the request's ballot, counted and judged by the store
	// in one step: racing approvers never retry, and the vote that
	// completes the quorum is the one approval that decides it.
	m := Mark{By: who, At: now, StepUp: stepped}
	vote, err := json.Marshal(m)
	if err != nil {
		return r, err
	}
	earlier, others := r.countedApprovals()
	rec, err := s.Records.CastVote(ctx, kindRequest, id, store.Ballot{
		Voter: who, Data: vote, Needed: r.Needed, Owner: who == r.Owner, Earlier: earlier, EarlierOthers: others,
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.pending.forget(id)
		return Request{}, ErrNotFound
	case errors.Is(err, store.ErrVoted):
		if r, err = decodeRecord(rec); err != nil {
			return r, err
		}
		return r, ErrAlreadyApproved
	case errors.Is(err, store.ErrBallotClosed):
		s.pending.forget(id)
		if r, err = decodeRecord(rec); err != nil {
			return r, err
		}
		return r, &StateError{Request: r}
	case err != nil:
		return r, err
	}
	if r, err = decodeRecord(rec); err != nil {
		return r, err
	}
	if !r.ApprovedBy(who) { // decided meanwhile by a replica of a release before ballots
		return r, &StateError{Request: r}
	}
	detail := map[string]string{"count": fmt.Sprintf("%d of %d", len(r.Approvals), r.Needed)}
	if stepped {
		detail["reauthenticated"] = "true"
	}
	s.audit(ctx, who, "approval.approval", id, detail)
	if r.State == Approved {
		s.pending.forget(id)
		s.audit(ctx, "system", "approval.approved", id, map[string]string{"approvers": r.ApproverNames()})
		if KindOf(r.Kind).Next == AwaitGrant && s.Awaiting != nil {
			// Lost only if this replica dies right here; the grant job's
			// occasional full look finds it then.
			if err := s.Awaiting.Schedule(ctx, queueAwaitingGrant, id, now); err != nil {
				s.log().Warn("approvals: approved request not queued for its grant; the next full look finds it", slog.String("request", id), slog.Any("error", err))
			}
		}
	}
	return r, nil
}

// mayApprove says why a may not approve r now, or nil.
func (s *Service) mayApprove(r Request, a Actor, stepped bool) error {
	if err := s.CheckVoter(r, a); err != nil {
		return err
	}
	if r.ApprovedBy(a.email()) {
		return ErrAlreadyApproved
	}
	if !stepped && s.NeedsStepUp(r) {
		return ErrStepUpRequired
	}
	return nil
}

// queueAwaitingGrant holds approved access requests until their grant
// (or its refusal) is told.
const queueAwaitingGrant = "approvals-awaiting-grant"

// AwaitingGrant are the ids of access requests approved and not yet
// known granted, oldest first, at most limit.
func (s *Service) AwaitingGrant(ctx context.Context, limit int) ([]string, error) {
	if s.Awaiting == nil {
		return nil, nil
	}
	due, err := s.Awaiting.DueBy(ctx, queueAwaitingGrant, s.now(), limit)
	ids := make([]string, len(due))
	for i, d := range due {
		ids[i] = d.ID
	}
	return ids, err
}

// GrantSettled takes a request off the awaiting queue: its grant, or why
// there is none, has been told.
func (s *Service) GrantSettled(ctx context.Context, id string) error {
	if s.Awaiting == nil {
		return nil
	}
	return s.Awaiting.Unschedule(ctx, queueAwaitingGrant, id)
}

// CheckVoter says why a may not approve, deny or question r now, or nil:
// forms check it before they open.
func (s *Service) CheckVoter(r Request, a Actor) error {
	if err := pending(&r); err != nil {
		return err
	}
	return s.mayVote(&r, a)
}

// mayVote is separation of duties: approvers only, never the requester.
func (s *Service) mayVote(r *Request, a Actor) error {
	switch who := a.email(); {
	case who == "":
		return &RefusedError{Why: "your chat profile has no email address, so I cannot tell whether you are an approver"}
	case who == r.Requester:
		return &RefusedError{Why: "you asked for " + r.ID + ", so you cannot approve or deny it; another approver has to"}
	case r.Confirmation != nil && who == r.Confirmation.By:
		return &RefusedError{Why: "you confirmed that " + r.Requester + " asked for " + r.ID + ", so another approver decides it"}
	case !s.MayApprove(a, r.Kind):
		return &RefusedError{Why: "only approvers named in the policy and admins can decide " + strings.ToLower(KindOf(r.Kind).Noun) + " requests"}
	}
	return nil
}

// Deny ends the request: one denial is enough. The reason is required.
func (s *Service) Deny(ctx context.Context, id string, a Actor, reason string) (Request, error) {
	reason, err := text(FieldReason, reason, 1000, "Say why, so the requester knows what to change")
	if err != nil {
		return Request{}, err
	}
	now, who := s.now(), a.email()
	r, err := s.act(ctx, id, a, "deny", func(r *Request) error {
		if err := s.CheckVoter(*r, a); err != nil {
			return err
		}
		m := Mark{By: who, At: now, Text: reason}
		r.State, r.DecidedAt, r.Denial = Denied, now, &m
		r.add(thread(EventDenied, m, len(r.Approvals))...)
		r.add(Notice{Kind: Direct, To: r.Requester, Event: EventDenied, Mark: m})
		return nil
	})
	if err != nil {
		return r, err
	}
	s.audit(ctx, who, "approval.denied", id, map[string]string{"reason": reason})
	return r, nil
}

// text checks a form's one free-text answer: trimmed, not empty, at most
// max characters.
func text(field, v string, max int, empty string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", &FormError{Fields: []FieldError{{field, empty}}}
	}
	if n := len([]rune(v)); n > max {
		return "", &FormError{Fields: []FieldError{{field, fmt.Sprintf("At most %d characters; this is %d", max, n)}}}
	}
	return v, nil
}

// Form fields of the service's own forms.
const (
	FieldReason   = "reason"
	FieldQuestion = "question"
	FieldAnswer   = "answer"
	FieldUntil    = "until"
)

// Ask posts an approver's question in the thread and to the requester.
func (s *Service) Ask(ctx context.Context, id string, a Actor, question string) (Request, error) {
	question, err := text(FieldQuestion, question, 1000, "Write the question for the requester")
	if err != nil {
		return Request{}, err
	}
	now, who := s.now(), a.email()
	r, err := s.act(ctx, id, a, "ask", func(r *Request) error {
		if err := s.CheckVoter(*r, a); err != nil {
			return err
		}
		m := Mark{By: who, At: now, Text: question}
		r.Questions = append(r.Questions, Question{Mark: m})
		r.add(Notice{Kind: Reply, Event: EventQuestion, Mark: m}, Notice{Kind: Redraw},
			Notice{Kind: Direct, To: r.Requester, Event: EventQuestion, Mark: m})
		return nil
	})
	if err != nil {
		return r, err
	}
	s.audit(ctx, who, "approval.question", id, map[string]string{"question": question})
	return r, nil
}

// Answer is the requester's answer to the oldest open question.
func (s *Service) Answer(ctx context.Context, id string, a Actor, answer string) (Request, error) {
	answer, err := text(FieldAnswer, answer, 2000, "Write your answer")
	if err != nil {
		return Request{}, err
	}
	now, who := s.now(), a.email()
	r, err := s.act(ctx, id, a, "answer", func(r *Request) error {
		if err := pending(r); err != nil {
			return err
		}
		if who != r.Requester {
			return &RefusedError{Why: "only " + r.Requester + ", who asked for " + r.ID + ", can answer its questions"}
		}
		i := r.OpenQuestion()
		if i < 0 {
			return &RefusedError{Why: r.ID + " has no open question to answer"}
		}
		m := Mark{By: who, At: now, Text: answer}
		r.Questions[i].Answer = &m
		r.add(Notice{Kind: Reply, Event: EventAnswer, Mark: m}, Notice{Kind: Redraw})
		return nil
	})
	if err != nil {
		return r, err
	}
	s.audit(ctx, who, "approval.answer", id, nil)
	return r, nil
}

// Cancel withdraws a pending request; only its requester may.
func (s *Service) Cancel(ctx context.Context, id string, a Actor) (Request, error) {
	now, who := s.now(), a.email()
	r, err := s.act(ctx, id, a, "cancel", func(r *Request) error {
		if who != r.Requester {
			return &RefusedError{Why: "only " + r.Requester + ", who asked for " + r.ID + ", can cancel it"}
		}
		unposted := r.State == Confirming // no thread to tell
		if r.State != Pending && !unposted {
			return &StateError{Request: *r}
		}
		m := Mark{By: who, At: now}
		r.State, r.DecidedAt, r.Closed = Cancelled, now, &m
		if !unposted {
			r.add(thread(EventCancelled, m, len(r.Approvals))...)
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	s.audit(ctx, who, "approval.cancelled", id, nil)
	return r, nil
}

// MarkDone records that the approved thing was done (an app installed):
// an approver, the owner or the requester may say so. The next sync
// checks it.
func (s *Service) MarkDone(ctx context.Context, id string, a Actor) (Request, error) {
	now, who := s.now(), a.email()
	r, err := s.act(ctx, id, a, "mark done", func(r *Request) error {
		if r.State != Approved || KindOf(r.Kind).Next != AwaitDone {
			return &StateError{Request: *r}
		}
		if who == "" || (who != r.Owner && who != r.Requester && !r.ApprovedBy(who) && !s.MayApprove(a, r.Kind)) {
			return &RefusedError{Why: "only an approver, the owner or the requester of " + r.ID + " can mark it done"}
		}
		m := Mark{By: who, At: now}
		r.State, r.Closed = Done, &m
		r.add(thread(EventDone, m, len(r.Approvals))...)
		return nil
	})
	if err != nil {
		return r, err
	}
	s.audit(ctx, who, "approval.done", id, nil)
	return r, nil
}

// TellGrant tells an approved access request's thread and requester what
// became of its grant, each event once however many replicas report it:
// granted (Mark.Text is the end, RFC 3339), ending soon, ended, held for
// a person, or refused by the SaaS (Mark.Text says why). An ended or
// refused grant closes the request as done. told reports whether this
// call was the one that told it.
func (s *Service) TellGrant(ctx context.Context, id string, e Event, m Mark) (r Request, told bool, err error) {
	if m.At.IsZero() {
		m.At = s.now()
	}
	r, err = s.update(ctx, id, func(r *Request) error {
		if KindOf(r.Kind).Next != AwaitGrant || slices.Contains(r.Told, e) {
			return store.ErrSkipUpdate
		}
		if r.State != Approved && r.State != Done {
			return &StateError{Request: *r}
		}
		r.Told = append(r.Told, e)
		switch e {
		case EventGrantEnding:
			r.add(Notice{Kind: Direct, To: r.Requester, Event: e, Mark: m})
			return nil
		case EventGrantExtended:
			// The holder did it: the thread hears, they need not.
			r.add(thread(e, m, len(r.Approvals))...)
			return nil
		case EventGrantEnded, EventGrantRefused:
			r.State, r.Closed = Done, &m
		}
		r.add(thread(e, m, len(r.Approvals))...)
		r.add(Notice{Kind: Direct, To: r.Requester, Event: e, Mark: m})
		return nil
	})
	if errors.Is(err, store.ErrSkipUpdate) {
		return r, false, nil
	}
	return r, err == nil, err
}

// Outcome is the owner's answer at a change's review date.
type Outcome string

// Outcomes of a review.
const (
	Keep     Outcome = "keep"
	RollBack Outcome = "roll_back"
	Extend   Outcome = "extend"
)

// Review records the owner's answer at the review date: keep it (a change
// is then done), roll it back (an app: uninstalled), or extend to a new
// review date.
func (s *Service) Review(ctx context.Context, id string, a Actor, o Outcome, until string) (Request, error) {
	now, who := s.now(), a.email()
	var next time.Time
	if o == Extend {
		c := CheckContext{Today: s.Today(), Location: s.Location()}
		until = strings.TrimSpace(until)
		msg := checkDate(until, c)
		if until == "" {
			msg = "Pick the next review date"
		}
		if msg != "" {
			return Request{}, &FormError{Fields: []FieldError{{FieldUntil, msg}}}
		}
		next, _ = time.ParseInLocation(time.DateOnly, until, s.Location())
	}
	r, err := s.act(ctx, id, a, "review", func(r *Request) error {
		if !r.Reviewable() {
			return &StateError{Request: *r}
		}
		if who == "" || (who != r.Owner && !a.Admin) {
			return &RefusedError{Why: "only " + r.Owner + ", who owns " + r.ID + ", or an admin can decide its review"}
		}
		m := Mark{By: who, At: now}
		switch o {
		case Keep:
			if r.State == Approved {
				r.State, r.Closed = Done, &m
			}
			r.ReviewOn = time.Time{} // kept for good: nobody is asked again
			r.add(thread(EventKept, m, len(r.Approvals))...)
		case RollBack:
			r.State, r.Closed = RolledBack, &m
			r.add(thread(EventRolled, m, len(r.Approvals))...)
		case Extend:
			m.Text = next.Format(time.DateOnly)
			r.ReviewOn, r.ReviewSent = next, time.Time{}
			r.add(thread(EventExtended, m, len(r.Approvals))...)
		default:
			return fmt.Errorf("approvals: no review outcome %q", o)
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	s.audit(ctx, who, "approval."+string(o), id, map[string]string{"review_on": r.ReviewOn.Format(time.DateOnly)})
	return r, nil
}

// act applies a person's change to a request with a compare-and-set;
// a refusal is audited as what they tried.
func (s *Service) act(ctx context.Context, id string, a Actor, what string, change func(*Request) error) (Request, error) {
	r, err := s.update(ctx, id, change)
	if err != nil {
		s.refused(ctx, a, id, what, err)
	}
	return r, err
}

// refused audits a refusal (not a request that moved on, which is a race
// people lose, nor a form error).
func (s *Service) refused(ctx context.Context, a Actor, id, what string, err error) {
	var re *RefusedError
	if errors.As(err, &re) {
		s.audit(ctx, a.email(), "approval.refused", id, map[string]string{"tried": what, "why": re.Why})
	}
}

// audit records an action on request id.
func (s *Service) audit(ctx context.Context, actor, action, id string, detail map[string]string) {
	s.auditOn(ctx, actor, action, "request:"+id, detail)
}

// auditOn records an action on any subject ("github:installation:…").
func (s *Service) auditOn(ctx context.Context, actor, action, subject string, detail map[string]string) {
	store.RecordAudit(ctx, s.Audit, s.log(), store.AuditEntry{At: s.now(), Actor: actor, Action: action, Subject: subject, Detail: detail})
}

// Purge deletes up to limit requests that reached their end before the
// time given, for retention; it returns how many it deleted.
func (s *Service) Purge(ctx context.Context, before time.Time, limit int) (int, error) {
	return store.DeleteRecordsWhere(ctx, s.Records, kindRequest, limit, func(rec store.Record) bool {
		r, err := decodeRecord(rec)
		ended := r.DecidedAt
		if ended.IsZero() {
			ended = r.CreatedAt
		}
		return err == nil && r.State.Final() && ended.Before(before)
	})
}

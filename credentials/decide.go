package credentials

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/store"
)

// Errors of the decisions, for errors.Is.
var (
	ErrNotFound     = errors.New("credentials: no such credential in the register")
	ErrNoInventory  = errors.New("credentials: no credential inventory yet")
	ErrNotAllowed   = errors.New("credentials: not allowed")
	ErrEnded        = errors.New("credentials: the credential no longer exists in its SaaS")
	ErrNotRevocable = errors.New("credentials: this kind of credential cannot be revoked from chat")
	ErrNoOwner      = errors.New("credentials: nobody owns this credential yet")
)

// NotAllowedError: the actor may not make this decision. Why says so in
// words for people.
type NotAllowedError struct {
	Item Item
	Why  string
}

func (e *NotAllowedError) Error() string { return "credentials: " + e.Why }

// Is makes errors.Is(err, ErrNotAllowed) true.
func (e *NotAllowedError) Is(target error) bool { return target == ErrNotAllowed }

// FieldError is a form value a decision cannot take.
type FieldError struct{ Field, Message string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Actor is who decides.
type Actor struct {
	Email string
	Admin bool
	// Reauthenticated: the actor has just signed in again (step-up).
	Reauthenticated bool
}

// ErrStepUpRequired: the revoke counts only after the admin signs in
// again; Revoke with a reauthenticated actor carries it out then.
var ErrStepUpRequired = errors.New("credentials: revoking needs the admin to sign in again")

func (a Actor) email() string { return people.Key(a.Email) }

// Form fields of the decisions, named as the forms name their inputs.
const (
	FieldPurpose    = "purpose"
	FieldScopes     = "scopes"
	FieldNextReview = "next_review"
	FieldRetireWhen = "retire_when"
	FieldKeepUntil  = "keep_until"
	FieldPlan       = "plan"
	FieldDeadline   = "deadline"
)

// MaxReviewDays is the furthest a review date may be set.
const MaxReviewDays = 365

// Claim is the claim form.
type Claim struct {
	Purpose    string
	Scopes     []string
	NextReview time.Time
	RetireWhen string
}

// Item returns one credential as the register shows it.
func (s *Service) Item(ctx context.Context, id string) (Item, error) {
	if _, _, ok := ParseID(id); !ok {
		return Item{}, ErrNotFound
	}
	inv, err := s.Inventory(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return Item{}, ErrNoInventory
	}
	if err != nil {
		return Item{}, err
	}
	e, err := s.entry(ctx, id)
	if err != nil {
		return Item{}, err
	}
	one := Inventory{SaaS: inv.SaaS, Account: inv.Account}
	if i, ok := slices.BinarySearchFunc(inv.Credentials, id, byID(inv)); ok {
		one.Credentials = inv.Credentials[i : i+1]
	}
	entries := map[string]Entry{}
	if e.Version > 0 {
		entries[id] = e
	}
	ev := evaluate(&one, entries, s.staff(ctx), s.policy(), s.now())
	if len(ev.Items) == 0 {
		return Item{}, ErrNotFound
	}
	return ev.Items[0], nil
}

// byID compares a credential with an id in the inventory's order.
func byID(inv *Inventory) func(Credential, string) int {
	return func(c Credential, id string) int {
		k, zid, _ := ParseID(id)
		ra, rb := slices.Index(Kinds, c.Kind), slices.Index(Kinds, k)
		if ra != rb {
			return ra - rb
		}
		switch {
		case c.SaaSID < zid:
			return -1
		case c.SaaSID > zid:
			return 1
		}
		return 0
	}
}

// Evaluate is the whole register now.
func (s *Service) Evaluate(ctx context.Context) (Evaluation, error) {
	inv, err := s.Inventory(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return Evaluation{}, ErrNoInventory
	}
	if err != nil {
		return Evaluation{}, err
	}
	entries, err := s.Entries(ctx)
	if err != nil {
		return Evaluation{}, err
	}
	var departed map[string]time.Time
	if s.Directory != nil {
		if departed, err = s.Directory.Departed(ctx); err != nil {
			// Without the directory the SaaS's own view still applies.
			s.log().WarnContext(ctx, "credentials: the directory could not be read; owners are judged by the SaaS alone", slog.Any("error", err))
		}
	}
	staff := s.staff(ctx)
	staff.departed = departed
	return evaluate(inv, entries, staff, s.policy(), s.now()), nil
}

// staff is who is staff now, for the owner rules: the members as last
// saved, read once per save and kept, and the patches since, read from
// the snapshot's head each time. Before the first sync, or with the
// snapshot unreadable, nobody is known and the rules that need it do
// not apply.
func (s *Service) staff(ctx context.Context) staffIndex {
	unknown := newStaffIndex(nil, nil, s.saas())
	if s.Snapshots == nil {
		return unknown
	}
	head, err := s.Snapshots.ReadSnapshot(ctx, s.saas(), nil)
	if err != nil {
		return unknown
	}
	members, err := s.members(ctx, head)
	if err != nil {
		return unknown
	}
	return newStaffIndex(members, patchRoster(head.Patched), s.saas())
}

// readAttempts bounds how often the members are read again after saves
// replaced the snapshot under the read.
const readAttempts = 4

// members is the roster of the snapshot's members as saved, read once
// per save: decoding a large account's snapshot for each decision took
// most of a revoke's time. The roster read with patches stands while
// head, the snapshot's head now, has the same base and still lists them
// (patches over them are the head's to apply); else it is read again.
// Callers at once share one read.
func (s *Service) members(ctx context.Context, head *store.Snapshot) (*roster, error) {
	s.rosterMu.Lock()
	defer s.rosterMu.Unlock()
	if s.roster != nil && s.rosterBase == head.Base && store.StillPatched(s.rosterPatched, head.Patched) {
		return s.roster, nil
	}
	for attempt := 1; ; attempt++ {
		r := newRoster(nil)
		read, err := s.Snapshots.ReadSnapshot(ctx, s.saas(), func(u connector.Staff) error {
			r.add(u)
			return nil
		})
		if errors.Is(err, store.ErrSnapshotReplaced) && attempt < readAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.roster, s.rosterBase, s.rosterPatched = r, read.Base, store.PatchedIDs(read.Patched)
		return r, nil
	}
}

// ValidateClaim checks a claim form before anything is written.
func (s *Service) ValidateClaim(k Kind, c Claim) error {
	if strings.TrimSpace(c.Purpose) == "" {
		return &FieldError{FieldPurpose, "Say what it is for, e.g. nightly export of tickets to the data warehouse"}
	}
	if len(c.Purpose) > 500 {
		return &FieldError{FieldPurpose, "Keep the purpose under 500 characters"}
	}
	github := s.saas() == connector.GitHub
	switch {
	case k.scoped() && len(c.Scopes) == 0 && github:
		return &FieldError{FieldScopes, "Name the permissions it needs, e.g. contents:read, members:read"}
	case k.scoped() && len(c.Scopes) == 0:
		return &FieldError{FieldScopes, "Name the scopes it needs, e.g. read or tickets:read, users:write"}
	}
	for _, sc := range c.Scopes {
		switch {
		case github && !validPermission(sc):
			return &FieldError{FieldScopes, fmt.Sprintf("%q is not a GitHub permission; use PERMISSION:read / PERMISSION:write / PERMISSION:admin such as contents:read", clip(sc, 30))}
		case !github && !validScope(sc):
			return &FieldError{FieldScopes, fmt.Sprintf("%q is not a Zendesk scope; use read, write, impersonate or RESOURCE:read / RESOURCE:write", clip(sc, 30))}
		}
	}
	if err := s.checkDate(FieldNextReview, c.NextReview, MaxReviewDays); err != nil {
		return err
	}
	if len(c.RetireWhen) > 200 {
		return &FieldError{FieldRetireWhen, "Keep the trigger under 200 characters"}
	}
	return nil
}

// checkDate requires a date after today and at most maxDays out.
func (s *Service) checkDate(field string, d time.Time, maxDays int) error {
	p := s.policy()
	today := dateIn(s.now(), p.Location)
	latest := today.AddDate(0, 0, maxDays)
	switch day := dateIn(d, p.Location); {
	case d.IsZero():
		return &FieldError{field, "Pick a date, e.g. " + today.AddDate(0, 0, 90).Format(time.DateOnly)}
	case !day.After(today):
		return &FieldError{field, "Pick a date after today"}
	case day.After(latest):
		return &FieldError{field, fmt.Sprintf("Pick a date within %d days (by %s)", maxDays, latest.Format(time.DateOnly))}
	}
	return nil
}

func validScope(sc string) bool {
	sc = strings.ToLower(sc)
	switch sc {
	case "read", "write", "impersonate":
		return true
	}
	res, access, ok := strings.Cut(sc, ":")
	if !ok {
		return false
	}
	return res != "" && strings.Trim(res, "abcdefghijklmnopqrstuvwxyz_") == "" && (access == "read" || access == "write")
}

// validPermission accepts a GitHub permission as a fine-grained token
// states it: a level ("read"), a permission and level ("contents:read"),
// or either qualified by where it applies ("organization:members:read").
func validPermission(p string) bool {
	parts := strings.Split(strings.ToLower(p), ":")
	if len(parts) > 3 {
		return false
	}
	switch parts[len(parts)-1] {
	case "read", "write", "admin":
	default:
		return false
	}
	for _, name := range parts[:len(parts)-1] {
		if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz_") != "" {
			return false
		}
	}
	return true
}

// ParseScopes splits a scopes field: commas or spaces between scopes.
func ParseScopes(v string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		f = strings.ToLower(f)
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// Claim makes the actor the credential's owner with the form's purpose,
// scopes, review date and retirement trigger. Anyone may claim a
// credential nobody owns, or whose owner is gone; claiming one someone
// else owns takes an admin. Claiming again as its owner updates the form.
func (s *Service) Claim(ctx context.Context, id string, a Actor, c Claim) (Item, error) {
	it, err := s.decidable(ctx, id)
	if err != nil {
		return Item{}, err
	}
	if err := s.ValidateClaim(it.Kind, c); err != nil {
		return Item{}, err
	}
	who := a.email()
	if _, err := mail.ParseAddress(who); err != nil {
		return Item{}, &NotAllowedError{Item: it, Why: "your chat profile has no email address, so the register cannot name you as owner"}
	}
	now := s.now()
	ownerGone := slices.ContainsFunc(it.Reasons, func(r Reason) bool { return r.Code == OwnerGone })
	var from string
	_, err = s.update(ctx, id, func(e *Entry) error {
		if e.State.Ended() {
			return ErrEnded
		}
		if e.Owner != "" && e.Owner != who && !a.Admin && !ownerGone {
			return &NotAllowedError{Item: it, Why: fmt.Sprintf("%s owns it; only they or an admin can change its claim", e.Owner)}
		}
		if e.claimed(who, c) {
			// The same claim again: a form sent twice, or replayed after
			// its replica died. Recorded once.
			return store.ErrSkipUpdate
		}
		from = e.Owner
		e.Owner, e.ClaimedAt = who, now
		e.Purpose = strings.TrimSpace(c.Purpose)
		e.Scopes = c.Scopes
		e.NextReview, e.LastReview = c.NextReview, now
		e.RetireWhen = strings.TrimSpace(c.RetireWhen)
		if e.State == Unclaimed {
			e.State = Claimed
		}
		e.DecidedBy, e.DecidedAt, e.Name, e.Note = who, now, it.Name, ""
		return nil
	})
	if errors.Is(err, store.ErrSkipUpdate) {
		return s.Item(ctx, id)
	}
	if err != nil {
		return Item{}, err
	}
	detail := map[string]string{"purpose": strings.TrimSpace(c.Purpose), "next_review": c.NextReview.In(s.policy().Location).Format(time.DateOnly)}
	if len(c.Scopes) > 0 {
		detail["scopes"] = strings.Join(c.Scopes, " ")
	}
	if from != "" && from != who {
		detail["from"] = from
	}
	if c.RetireWhen != "" {
		detail["retire_when"] = strings.TrimSpace(c.RetireWhen)
	}
	s.audit(ctx, who, "credential.claimed", id, detail)
	return s.Item(ctx, id)
}

// KeepUntil records a review: the credential stays, and is asked about
// again on until. Its owner or an admin may; it needs an owner.
func (s *Service) KeepUntil(ctx context.Context, id string, a Actor, until time.Time) (Item, error) {
	it, err := s.decidable(ctx, id)
	if err != nil {
		return Item{}, err
	}
	if err := s.mayDecide(it, a); err != nil {
		return Item{}, err
	}
	if err := s.checkDate(FieldKeepUntil, until, MaxReviewDays); err != nil {
		return Item{}, err
	}
	now := s.now()
	_, err = s.update(ctx, id, func(e *Entry) error {
		if e.State.Ended() {
			return ErrEnded
		}
		if e.Owner == "" {
			return ErrNoOwner
		}
		e.NextReview, e.LastReview = until, now
		e.DecidedBy, e.DecidedAt, e.Name, e.Note = a.email(), now, it.Name, ""
		return nil
	})
	if err != nil {
		return Item{}, err
	}
	s.audit(ctx, a.email(), "credential.kept", id, map[string]string{"until": until.In(s.policy().Location).Format(time.DateOnly)})
	return s.Item(ctx, id)
}

// Migrate records an API token's plan to move to OAuth and its deadline,
// which must fall before APITokenRetirement. Its owner or an admin may.
func (s *Service) Migrate(ctx context.Context, id string, a Actor, plan string, deadline time.Time) (Item, error) {
	it, err := s.decidable(ctx, id)
	if err != nil {
		return Item{}, err
	}
	if it.Kind != APIToken {
		return Item{}, &NotAllowedError{Item: it, Why: "only API tokens move to OAuth"}
	}
	if err := s.mayDecide(it, a); err != nil {
		return Item{}, err
	}
	plan = strings.TrimSpace(plan)
	if plan == "" {
		return Item{}, &FieldError{FieldPlan, "Say how it moves, e.g. the HR sync gets its own OAuth client with users:read"}
	}
	if len(plan) > 500 {
		return Item{}, &FieldError{FieldPlan, "Keep the plan under 500 characters"}
	}
	p := s.policy()
	last := APITokenRetirement.AddDate(0, 0, -1)
	days := int(last.Sub(dateIn(s.now(), p.Location)).Hours() / 24)
	if err := s.checkDate(FieldDeadline, deadline, max(days, 0)); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) && strings.HasPrefix(fe.Message, "Pick a date within") {
			fe.Message = "Pick a date before 30 Apr 2027, when Zendesk turns API tokens off (by " + last.Format(time.DateOnly) + ")"
		}
		return Item{}, err
	}
	now := s.now()
	_, err = s.update(ctx, id, func(e *Entry) error {
		if e.State.Ended() {
			return ErrEnded
		}
		if e.Owner == "" {
			return ErrNoOwner
		}
		e.State = Migrating
		e.Migration = &Migration{Plan: plan, Deadline: deadline}
		e.DecidedBy, e.DecidedAt, e.Name, e.Note = a.email(), now, it.Name, ""
		return nil
	})
	if err != nil {
		return Item{}, err
	}
	s.audit(ctx, a.email(), "credential.migrating", id, map[string]string{"plan": plan, "deadline": deadline.In(p.Location).Format(time.DateOnly)})
	return s.Item(ctx, id)
}

// RevokeOutcome says what a revoke did.
type RevokeOutcome int

// Revoke outcomes.
const (
	// RevokedNow: the SaaS revoked the token (a Zendesk OAuth token, a
	// GitHub fine-grained token's access to the organization).
	RevokedNow RevokeOutcome = iota + 1
	// AlreadyRevoked: the SaaS no longer had it, or it was revoked before.
	AlreadyRevoked
	// MarkedToRetire: an API token (Zendesk has no API to revoke one) is
	// marked to retire in Admin Center; the next sync that no longer
	// finds it retires it.
	MarkedToRetire
	// Refused: the SaaS refused or failed; the token stays active and the
	// entry's Note says why.
	Refused
	// InProgress: another click's revoke is being carried out.
	InProgress
)

// Revoke revokes a Zendesk OAuth token or a GitHub fine-grained token
// through its SaaS (admins only, after they confirmed in chat) or marks a
// Zendesk API token to retire (its owner or an admin). A non-admin's
// revoke is refused and audited.
func (s *Service) Revoke(ctx context.Context, id string, a Actor) (Item, RevokeOutcome, error) {
	it, err := s.Item(ctx, id)
	if err != nil {
		return Item{}, 0, err
	}
	if it.Entry.State == Revoked || (it.Entry.State == Gone && it.Kind.Revocable()) {
		return it, AlreadyRevoked, nil
	}
	if it.Entry.State.Ended() {
		return Item{}, 0, ErrEnded
	}
	switch {
	case it.Kind == APIToken:
		return s.markToRetire(ctx, it, a)
	case !it.Kind.Revocable():
		return Item{}, 0, ErrNotRevocable
	}
	if !a.Admin {
		s.audit(ctx, a.email(), "credential.revoke.refused", id, map[string]string{"why": "not an admin"})
		return Item{}, 0, &NotAllowedError{Item: it, Why: "only admins can revoke " + article(it.Kind.Label())}
	}
	if s.policy().StepUpRevoke && !a.Reauthenticated {
		return it, 0, ErrStepUpRequired
	}
	outcome, err := s.carryOutRevoke(ctx, it, a.email(), nil)
	if err != nil {
		return Item{}, 0, err
	}
	cur, err := s.Item(ctx, id)
	if outcome == InProgress || outcome == AlreadyRevoked {
		// What it shows is another click's: cur may not be found.
		return cur, outcome, nil
	}
	return cur, outcome, err
}

// carryOutRevoke revokes it in its SaaS for by under a lease, so that two
// clicks at once, on any replicas, call the SaaS once; a lease that
// lapsed (its replica died) is taken over. The outcome is recorded, and
// audited once: a revoke another replica or the sync recorded first is
// not audited again. detail adds to the audit entry.
func (s *Service) carryOutRevoke(ctx context.Context, it Item, by string, detail map[string]string) (RevokeOutcome, error) {
	id := it.ID
	now := s.now()
	busy := false
	_, err := s.update(ctx, id, func(e *Entry) error {
		if e.State.Ended() {
			return ErrEnded
		}
		// Any live lease, this replica's too: two clicks here at once
		// must not both call the SaaS.
		if l := e.Revoking; l != nil && now.Before(l.LeaseUntil) {
			busy = true
			return store.ErrSkipUpdate
		}
		e.Revoking = &Lease{By: by, Holder: s.holder(), LeaseUntil: now.Add(s.lease())}
		e.Name = it.Name
		return nil
	})
	switch {
	case errors.Is(err, store.ErrSkipUpdate) && busy:
		return InProgress, nil
	case errors.Is(err, ErrEnded):
		return AlreadyRevoked, nil
	case err != nil:
		return 0, err
	}

	callErr := s.Connector.RevokeCredential(ctx, string(it.Kind), it.SaaSID)
	outcome := RevokedNow
	switch {
	case errors.Is(callErr, connector.ErrNotFound):
		outcome = AlreadyRevoked
	case callErr != nil:
		outcome = Refused
	}
	recorded := false
	_, err = s.update(ctx, id, func(e *Entry) error {
		if e.State.Ended() {
			// The sync found it gone and recorded the revoke meanwhile.
			return store.ErrSkipUpdate
		}
		e.Revoking = nil
		recorded = true
		if outcome == Refused {
			e.Note = connector.Title(s.saas()) + " did not revoke it on " + now.In(s.policy().Location).Format("2 Jan 2006 15:04") + ": " + s.refusalText(callErr)
			return nil
		}
		e.State, e.EndedAt, e.DecidedBy, e.DecidedAt, e.Note = Revoked, now, by, now, ""
		e.AuditPending = true
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrSkipUpdate) {
		// The SaaS revoked it but the register could not say so for sure
		// (a write no replica confirmed may still stand, and then the sync
		// finds nothing to record): the trail says so now. The next sync
		// no longer finds the token and records the revoke if it must.
		if outcome != Refused {
			s.auditRevoked(ctx, by, id, detail)
		}
		return 0, fmt.Errorf("credentials: revoked in %s but not recorded: %w", connector.Title(s.saas()), err)
	}
	if !recorded {
		return AlreadyRevoked, nil
	}
	switch outcome {
	case Refused:
		s.audit(ctx, by, "credential.revoke.failed", id, with(detail, "error", s.refusalText(callErr)))
	case AlreadyRevoked:
		s.auditRevoked(ctx, by, id, with(detail, s.saas(), "already gone"))
	default:
		s.auditRevoked(ctx, by, id, detail)
	}
	return outcome, nil
}

// with returns detail with k set to v, leaving detail as it was.
func with(detail map[string]string, k, v string) map[string]string {
	out := maps.Clone(detail)
	if out == nil {
		out = map[string]string{}
	}
	out[k] = v
	return out
}

// finishRevokes carries out the revokes whose replica died before it
// recorded them (their lease lapsed): the admin's click was answered, so
// the credential must not stay active. Those no longer in the SaaS were
// ended by the sync, which calls this with the entries it read. It also
// writes the credential.revoked entry of a revoke recorded by a replica
// that died before writing it.
func (s *Service) finishRevokes(ctx context.Context, entries map[string]Entry) (int, error) {
	if s.Connector == nil {
		return 0, nil // a register read without its SaaS revokes nothing
	}
	now := s.now()
	finished := 0
	var errs []error
	for id, e := range entries {
		if e.State == Revoked && e.AuditPending {
			// Recorded by a replica that died before the trail said so.
			s.auditRevoked(ctx, e.DecidedBy, id, map[string]string{"finished_by": "job:sync"})
			continue
		}
		if e.Revoking == nil || e.State.Ended() || now.Before(e.Revoking.LeaseUntil) {
			continue
		}
		it, err := s.Item(ctx, id)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
			continue
		}
		outcome, err := s.carryOutRevoke(ctx, it, e.Revoking.By, map[string]string{"finished_by": "job:sync"})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
			continue
		}
		if outcome != InProgress {
			finished++
			s.log().InfoContext(ctx, "finished a revoke its replica left undone", slog.String("credential", id), slog.String("by", e.Revoking.By))
		}
	}
	return finished, errors.Join(errs...)
}

func (s *Service) markToRetire(ctx context.Context, it Item, a Actor) (Item, RevokeOutcome, error) {
	// Retiring an orphan is the cleanup admins are asked for, so they may
	// whether or not anyone owns it.
	if !a.Admin {
		if err := s.mayDecide(it, a); errors.Is(err, ErrNoOwner) {
			return Item{}, 0, &NotAllowedError{Item: it, Why: "nobody owns this API token yet; claim it first, or ask an admin to retire it"}
		} else if err != nil {
			return Item{}, 0, err
		}
	}
	now := s.now()
	already := false
	_, err := s.update(ctx, it.ID, func(e *Entry) error {
		if e.State.Ended() {
			return ErrEnded
		}
		if e.State == ToRetire {
			already = true
			return store.ErrSkipUpdate
		}
		e.State, e.DecidedBy, e.DecidedAt, e.Name, e.Note = ToRetire, a.email(), now, it.Name, ""
		return nil
	})
	switch {
	case already:
	case errors.Is(err, ErrEnded):
		cur, _ := s.Item(ctx, it.ID)
		return cur, AlreadyRevoked, nil
	case err != nil:
		return Item{}, 0, err
	default:
		s.audit(ctx, a.email(), "credential.to-retire", it.ID, nil)
	}
	cur, err := s.Item(ctx, it.ID)
	return cur, MarkedToRetire, err
}

// refusalText is the SaaS's refusal in a few words, never its body.
func (s *Service) refusalText(err error) string {
	switch {
	case connector.RefusalText(err) != "":
		return connector.RefusalText(err)
	case errors.Is(err, connector.ErrUnavailable):
		return connector.Title(s.saas()) + " did not answer"
	case err != nil:
		return clip(err.Error(), 120)
	}
	return ""
}

// decidable returns the item, refusing credentials that have ended.
func (s *Service) decidable(ctx context.Context, id string) (Item, error) {
	it, err := s.Item(ctx, id)
	if err != nil {
		return Item{}, err
	}
	if it.Entry.State.Ended() || !it.Present {
		return Item{}, ErrEnded
	}
	return it, nil
}

// mayDecide: the owner or an admin; an unowned credential is claimed
// first.
func (s *Service) mayDecide(it Item, a Actor) error {
	if a.Admin && it.Entry.Owner != "" {
		return nil
	}
	if it.Entry.Owner == "" {
		return ErrNoOwner
	}
	if a.email() != "" && a.email() == it.Entry.Owner {
		return nil
	}
	return &NotAllowedError{Item: it, Why: fmt.Sprintf("only its owner (%s) or an admin can decide this", it.Entry.Owner)}
}

// article puts "a" or "an" before a kind's label.
func article(label string) string {
	if strings.ContainsRune("aeiouAEIOU", rune(label[0])) {
		return "an " + label
	}
	return "a " + label
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

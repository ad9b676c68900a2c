package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// Roles is what access needs from a SaaS: a member's role as it is now,
// a way to set it, and a way to end the member's sessions, so elevated
// sessions do not outlive a grant. The Zendesk connector implements it.
type Roles interface {
	Member(ctx context.Context, id int64) (connector.Member, error)
	SetRole(ctx context.Context, id int64, role connector.Role) error
	EndSessions(ctx context.Context, id int64) error
}

// Service grants privileged roles for a stated time and takes them back
// on time, on whichever replica is alive. Every change to a grant is a
// compare-and-set on its record; the SaaS change itself is made under a
// lease, so two replicas never make it twice, and one that finds it made
// by an interrupted attempt records it rather than repeating it.
type Service struct {
	Store store.Store
	Audit store.Audit
	Roles Roles
	// SaaS is the connector whose roles are granted; Zendesk when empty.
	SaaS   string
	Policy Policy
	// Keeps reads the Keeps of standing privilege in force; nil for none.
	Keeps Keeps
	Now   func() time.Time
	// Holder names this replica in leases.
	Holder string
	// ChangeTimeout bounds one SaaS change (read, set, confirm); the
	// lease outlives it by a few seconds. Default 15 s.
	ChangeTimeout time.Duration
	// AlertAfter is how many failed attempts to end a grant make it an
	// alert for the admins. Default 3.
	AlertAfter int
	// Snapshot, when set, shows each role change in the stored snapshot
	// at once (when Roles can read a member back as a sync would), so the
	// admin counts agree with the grants.
	Snapshot *seats.Patcher
	Logger   *slog.Logger
}

// Errors callers branch on.
var (
	// ErrNotFound: no grant has that id.
	ErrNotFound = errors.New("access: no such grant")
	// ErrOpen: the person already holds or awaits the role.
	ErrOpen = errors.New("access: a grant of this role is already open")
)

const (
	kindGrant   = "access-grant"
	queueExpiry = "access-expiry"
	queueWarn   = "access-warn"
	queueReview = "access-review"
	// changeMargin is how long a change's lease outlives its call.
	changeMargin = 5 * time.Second
	// sweepBatch bounds how many due grants one sweep ends.
	sweepBatch = 100
)

func (s *Service) saas() string             { return connector.OrZendesk(s.SaaS) }
func (s *Service) kind() string             { return connector.Kind(s.saas(), kindGrant) }
func (s *Service) queue(base string) string { return connector.Kind(s.saas(), base) }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Clock is the service's time now.
func (s *Service) Clock() time.Time { return s.now() }

func (s *Service) policy() Policy { return s.Policy.WithDefaults() }

func (s *Service) holder() string {
	if s.Holder == "" {
		return "seatwarden"
	}
	return s.Holder
}

func (s *Service) timeout() time.Duration {
	if s.ChangeTimeout <= 0 {
		return DefaultChangeTimeout
	}
	return s.ChangeTimeout
}

// DefaultChangeTimeout bounds one SaaS change unless ChangeTimeout says
// otherwise.
const DefaultChangeTimeout = 15 * time.Second

// ChangeLease is how long a change stays with the replica making it, for
// a change timeout (0: the default): after it, any replica may finish the
// change.
func ChangeLease(timeout time.Duration) time.Duration {
	if timeout <= 0 {
		timeout = DefaultChangeTimeout
	}
	return timeout + changeMargin
}

func (s *Service) alertAfter() int {
	if s.AlertAfter <= 0 {
		return 3
	}
	return s.AlertAfter
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Request is an approved ask for a role: what Grant carries out.
type Request struct {
	// ID is the approval request's id; one request makes one grant, so
	// however many approvals arrive, the role is granted once.
	ID     string
	UserID int64
	Email  string
	Name   string
	// RoleName is the role as asked for; Role what the SaaS is set to.
	RoleName   string
	Role       connector.Role
	Duration   time.Duration
	Reason     string
	Ticket     string
	ApprovedBy []string
	BreakGlass bool
	// Retroactive: the person already holds the role without a grant (a
	// shadow the sync found) and Earlier is the role they held before,
	// which the grant's end puts back.
	Retroactive bool
	Earlier     *connector.Role
}

// Refusal is a grant the policy or the request rules out (too long, a
// role nobody may ask for, no usable email): what to tell the person.
// Any other error from Grant is the bot's own (the store, the SaaS), for
// an apology and the log.
type Refusal struct{ Err error }

func (r *Refusal) Error() string { return r.Err.Error() }
func (r *Refusal) Unwrap() error { return r.Err }

// GrantID is the id of the grant that carries out approval request id.
func GrantID(requestID string) string { return "g-" + requestID }

// Grant records an approved request as a grant and makes it in the SaaS:
// it reads the person's role (kept to put back at the end), sets the
// granted one, reads it back, and schedules the end. Called again with
// the same request (another approval, another replica, a retry) it
// returns the grant as it stands and changes nothing twice. A grant the
// SaaS did not confirm stays pending, and Resume (the expiry job)
// finishes it.
func (s *Service) Grant(ctx context.Context, r Request) (Grant, error) {
	p := s.policy()
	switch {
	case r.BreakGlass:
		if err := p.CheckBreakGlass(r.RoleName, r.Duration); err != nil {
			return Grant{}, &Refusal{err}
		}
	default:
		if err := p.CheckDuration(r.RoleName, r.Duration); err != nil {
			return Grant{}, &Refusal{err}
		}
	}
	if r.ID == "" || r.UserID == 0 || r.Role.Base == "" {
		return Grant{}, fmt.Errorf("access: a grant needs a request id, a person and a role")
	}
	if r.Retroactive && r.Earlier == nil {
		return Grant{}, fmt.Errorf("access: a retroactive grant needs the role to put back at its end")
	}
	email, err := people.ParseEmail(r.Email)
	if err != nil {
		return Grant{}, &Refusal{err}
	}
	if open, err := s.open(ctx, r.UserID, r.RoleName, GrantID(r.ID)); err != nil {
		return Grant{}, err
	} else if open != nil {
		return *open, fmt.Errorf("%w: %s already %s %s (grant %s)", ErrOpen, open.Email, openVerb(open.State), open.RoleName, open.ID)
	}
	g := Grant{
		ID: GrantID(r.ID), SaaS: s.saas(), RequestID: r.ID,
		UserID: r.UserID, Email: email, Name: r.Name,
		RoleName: strings.ToLower(r.RoleName), Role: r.Role,
		Duration: r.Duration, Reason: r.Reason, Ticket: r.Ticket, ApprovedBy: r.ApprovedBy, BreakGlass: r.BreakGlass,
		Retroactive: r.Retroactive, Earlier: r.Earlier,
		State: Pending, CreatedAt: s.now().UTC(),
		Change: &Change{Op: OpGrant},
	}
	if r.BreakGlass {
		// No approval request stands behind it; an approver looks at it
		// after the fact instead.
		g.RequestID, g.Review = "", &Review{}
	}
	data, err := json.Marshal(g)
	if err != nil {
		return Grant{}, err
	}
	// Due when the lease of the first attempt runs out, and scheduled
	// before the grant is written: a replica that dies in between leaves
	// an entry the sweep drops (no grant), never a grant nobody finishes
	// (a break-glass grant has no request to come back for it). Made
	// active, the grant moves to its end time.
	if err := s.Store.Schedule(ctx, s.queue(queueExpiry), g.ID, s.now().Add(ChangeLease(s.ChangeTimeout))); err != nil {
		return Grant{}, err
	}
	_, err = s.Store.CreateRecord(ctx, s.kind(), g.ID, data)
	if errors.Is(err, store.ErrExists) {
		// Another approval, replica or retry got here first; the entry
		// this one scheduled is harmless (a sweep meeting an active grant
		// before its end moves it there).
		return s.carryOut(ctx, g.ID)
	}
	if err != nil {
		return Grant{}, err
	}
	return s.carryOut(ctx, g.ID)
}

func openVerb(st State) string {
	if st == Pending {
		return "awaits"
	}
	return "holds"
}

// open finds a live grant of role to person other than except.
func (s *Service) open(ctx context.Context, userID int64, role, except string) (*Grant, error) {
	grants, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range grants {
		if g.ID != except && g.UserID == userID && strings.EqualFold(g.RoleName, role) && g.State.Live() {
			return &g, nil
		}
	}
	return nil, nil
}

// Get returns one grant.
func (s *Service) Get(ctx context.Context, id string) (Grant, error) {
	rec, err := s.Store.GetRecord(ctx, s.kind(), id)
	if errors.Is(err, store.ErrNotFound) {
		return Grant{}, fmt.Errorf("%w: %q", ErrNotFound, clip(id, 40))
	}
	if err != nil {
		return Grant{}, err
	}
	return decode(rec)
}

// List returns every grant, oldest id first.
func (s *Service) List(ctx context.Context) ([]Grant, error) {
	recs, err := s.Store.ListRecords(ctx, s.kind())
	if err != nil {
		return nil, err
	}
	out := make([]Grant, 0, len(recs))
	for _, rec := range recs {
		g, err := decode(rec)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

func decode(rec store.Record) (Grant, error) {
	var g Grant
	if err := json.Unmarshal(rec.Data, &g); err != nil {
		return Grant{}, fmt.Errorf("access: grant %s: %w", rec.ID, err)
	}
	return g, nil
}

// update compare-and-sets a grant through modify.
func (s *Service) update(ctx context.Context, id string, modify func(*Grant) error) (Grant, error) {
	var out Grant
	_, err := store.UpdateRecord(ctx, s.Store, s.kind(), id, func(cur store.Record) ([]byte, error) {
		g, err := decode(cur)
		if err != nil {
			return nil, err
		}
		if err := modify(&g); err != nil {
			out = g
			return nil, err
		}
		out = g
		return json.Marshal(g)
	})
	if errors.Is(err, store.ErrNotFound) {
		return Grant{}, fmt.Errorf("%w: %q", ErrNotFound, clip(id, 40))
	}
	return out, err
}

// errNotOurs: another replica holds the change's lease, or there is no
// change to make.
var errNotOurs = errors.New("access: change not ours to make")

// Revoke ends an active grant now: by names who (an email, or "system"),
// why says why in words ("revoked", "expired").
func (s *Service) Revoke(ctx context.Context, id, by, why string) (Grant, error) {
	now := s.now()
	g, err := s.update(ctx, id, func(g *Grant) error {
		switch {
		case g.State != Active:
			return fmt.Errorf("access: grant %s is %s; only an active grant can be revoked", g.ID, g.State)
		case g.Change != nil && g.Change.Op == OpRevoke:
			return store.ErrSkipUpdate // already being ended
		}
		g.Change = &Change{Op: OpRevoke, By: by, Why: why}
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrSkipUpdate) {
		return g, err
	}
	// Due now: if this replica dies before it finishes, the sweep of any
	// other finds it.
	if err := s.Store.Schedule(ctx, s.queue(queueExpiry), id, now); err != nil {
		return g, err
	}
	return s.carryOut(ctx, id)
}

// carryOut makes the grant's change in flight, once: it takes the lease,
// makes the change and records what the SaaS confirmed.
func (s *Service) carryOut(ctx context.Context, id string) (Grant, error) {
	now, holder := s.now(), s.holder()
	g, err := s.update(ctx, id, func(g *Grant) error {
		c := g.Change
		if c == nil || (c.LeaseHolder != "" && now.Before(c.LeaseUntil)) {
			return errNotOurs
		}
		c.LeaseHolder, c.LeaseUntil = holder, now.Add(ChangeLease(s.ChangeTimeout))
		c.Attempts++
		return nil
	})
	if errors.Is(err, errNotOurs) {
		return g, nil
	}
	if err != nil {
		return g, err
	}
	callCtx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	switch g.Change.Op {
	case OpGrant:
		return s.grant(ctx, callCtx, g)
	case OpRevoke:
		return s.revoke(ctx, callCtx, g)
	}
	return g, fmt.Errorf("access: grant %s: unknown change %q", g.ID, g.Change.Op)
}

// grant makes a pending grant in the SaaS.
func (s *Service) grant(ctx, callCtx context.Context, g Grant) (Grant, error) {
	m, err := s.Roles.Member(callCtx, g.UserID)
	if err != nil {
		if errors.Is(err, connector.ErrNotFound) {
			return s.fail(ctx, g, "not in "+connector.Title(s.saas()))
		}
		return s.changeFailed(ctx, g, err)
	}
	current := m.CurrentRole()
	switch {
	case g.Earlier == nil && s.policy().IsOwner(g.Email):
		// The SaaS refuses it anyway; saying so is clearer than its error.
		return s.fail(ctx, g, fmt.Sprintf("the account owner, whose role %s does not let anyone change: the owner holds admin standing", connector.Title(s.saas())))
	case g.Earlier == nil && current == g.Role:
		return s.fail(ctx, g, fmt.Sprintf("already %s in %s: nothing to grant", g.RoleName, connector.Title(s.saas())))
	case g.Earlier == nil && !m.HasSeat:
		return s.fail(ctx, g, fmt.Sprintf("%s, not an agent: only agents can be given a privileged role", article(m.Role)))
	case g.Earlier == nil && m.Suspended:
		return s.fail(ctx, g, "suspended")
	case g.Retroactive && current != g.Role && current != *g.Earlier:
		// Neither what the report found nor what it put back: someone
		// changed the role since, and a person decides from here.
		return s.fail(ctx, g, fmt.Sprintf("%s in %s now, not %s as the report found: changed since", current.String(), connector.Title(s.saas()), g.RoleName))
	}
	if g.Earlier == nil {
		// The role to put back is on record before the SaaS changes:
		// whoever finishes or ends this grant knows it.
		g, err = s.update(ctx, g.ID, func(cur *Grant) error {
			if cur.Earlier == nil {
				cur.Earlier = &current
			}
			return nil
		})
		if err != nil {
			return g, err
		}
	}
	if current != g.Role {
		if err := s.Roles.SetRole(callCtx, g.UserID, g.Role); err != nil {
			return s.changeFailed(ctx, g, err)
		}
		if err := s.confirmRole(callCtx, g.UserID, g.Role); err != nil {
			return s.changeFailed(ctx, g, err)
		}
	}
	start := s.now().UTC()
	end := start.Add(g.Duration)
	g, ok, err := s.settle(ctx, g.ID, Pending, func(cur *Grant) { cur.State, cur.Start, cur.End = Active, start, end })
	if !ok {
		return g, err
	}
	if err := s.schedule(ctx, g); err != nil {
		return g, err
	}
	s.audit(ctx, strings.Join(g.ApprovedBy, ","), "access.granted", g, map[string]string{
		"role": g.RoleName, "earlier": g.Earlier.String(), "until": g.End.Format(time.RFC3339), "reason": g.Reason,
	})
	s.refreshSnapshot(ctx, g.UserID)
	return g, nil
}

// refreshSnapshot shows a member's new role in the stored snapshot at
// once; a failure leaves it for the next sync, so it is logged.
func (s *Service) refreshSnapshot(ctx context.Context, userID int64) {
	if err := s.Snapshot.Show(ctx, s.saas(), userID, s.Roles); err != nil {
		s.log().WarnContext(ctx, "access: the snapshot does not show a role change yet; the next sync will", slog.Int64("user", userID), slog.Any("error", err))
	}
}

// schedule puts an active grant's end (and its warning) on the due
// queues.
func (s *Service) schedule(ctx context.Context, g Grant) error {
	if err := s.Store.Schedule(ctx, s.queue(queueExpiry), g.ID, g.End); err != nil {
		return err
	}
	if warn := g.End.Add(-s.policy().WarnBefore); warn.After(g.Start) {
		return s.Store.Schedule(ctx, s.queue(queueWarn), g.ID, warn)
	}
	return nil
}

// revoke puts the earlier role back, ends the person's sessions and
// confirms.
func (s *Service) revoke(ctx, callCtx context.Context, g Grant) (Grant, error) {
	m, err := s.Roles.Member(callCtx, g.UserID)
	if errors.Is(err, connector.ErrNotFound) {
		return s.ended(ctx, g, "no longer in "+connector.Title(s.saas()))
	}
	if err != nil {
		return s.changeFailed(ctx, g, err)
	}
	earlier := *g.Earlier
	current := m.CurrentRole()
	note := ""
	switch current {
	case g.Role:
		if err := s.Roles.SetRole(callCtx, g.UserID, earlier); err != nil {
			if connector.Final(err) {
				return s.hold(ctx, g, connector.Title(s.saas())+" refused to put the earlier role back: "+oneLine(err.Error()))
			}
			return s.changeFailed(ctx, g, err)
		}
	case earlier:
		// Put back already: by an interrupted attempt of this change
		// (its sessions may not have ended, so end them again), or by
		// hand, which is what the end asks anyway.
		if g.Change.Attempts == 1 {
			note = "the earlier role was already back"
		}
	default:
		return s.hold(ctx, g, fmt.Sprintf("the role was changed by hand during the grant: %s now, %s granted, %s before; left as it is for a person to decide",
			current.String(), g.Role.String(), earlier.String()))
	}
	if err := s.Roles.EndSessions(callCtx, g.UserID); err != nil && !errors.Is(err, connector.ErrNotFound) {
		return s.changeFailed(ctx, g, err)
	}
	if err := s.confirmRole(callCtx, g.UserID, earlier); err != nil {
		return s.changeFailed(ctx, g, err)
	}
	return s.ended(ctx, g, note)
}

// confirmRole reads the member back after a change: an error unless the
// SaaS shows want.
func (s *Service) confirmRole(ctx context.Context, id int64, want connector.Role) error {
	m, err := s.Roles.Member(ctx, id)
	if err != nil {
		return err
	}
	if cur := m.CurrentRole(); cur != want {
		return fmt.Errorf("%s still shows %s after the change", connector.Title(s.saas()), cur)
	}
	return nil
}

// settle moves a grant that is still in state from to its outcome: set
// writes the outcome. ok is false when the grant had moved on already
// (another replica settled it), and nothing is written.
func (s *Service) settle(ctx context.Context, id string, from State, set func(*Grant)) (g Grant, ok bool, err error) {
	g, err = s.update(ctx, id, func(cur *Grant) error {
		if cur.State != from {
			return store.ErrSkipUpdate
		}
		set(cur)
		cur.Change = nil
		return nil
	})
	if errors.Is(err, store.ErrSkipUpdate) {
		return g, false, nil
	}
	return g, err == nil, err
}

// ended records a grant the SaaS confirmed over.
func (s *Service) ended(ctx context.Context, g Grant, note string) (Grant, error) {
	at := s.now().UTC()
	by, why := g.Change.By, g.Change.Why
	g, ok, err := s.settle(ctx, g.ID, Active, func(cur *Grant) {
		cur.State, cur.EndedAt, cur.EndedBy, cur.Note = Ended, at, by, note
	})
	if !ok {
		return g, err
	}
	s.unschedule(ctx, g.ID)
	detail := map[string]string{"role": g.RoleName, "restored": g.Earlier.String(), "why": why}
	if note != "" {
		detail["note"] = note
	}
	s.audit(ctx, by, "access.ended", g, detail)
	s.refreshSnapshot(ctx, g.UserID)
	return g, nil
}

// hold stops a grant's end for a person to decide, with why.
func (s *Service) hold(ctx context.Context, g Grant, note string) (Grant, error) {
	g, ok, err := s.settle(ctx, g.ID, Active, func(cur *Grant) { cur.State, cur.Note = Held, note })
	if !ok {
		return g, err
	}
	s.unschedule(ctx, g.ID)
	s.audit(ctx, "system", "access.held", g, map[string]string{"role": g.RoleName, "why": note})
	return g, nil
}

// fail records a grant that never took effect.
func (s *Service) fail(ctx context.Context, g Grant, note string) (Grant, error) {
	g, ok, err := s.settle(ctx, g.ID, Pending, func(cur *Grant) { cur.State, cur.Note = Failed, note })
	if !ok {
		return g, err
	}
	s.audit(ctx, "system", "access.failed", g, map[string]string{"role": g.RoleName, "why": note})
	return g, fmt.Errorf("access: %s cannot be made %s: %s", g.Email, g.RoleName, note)
}

// changeFailed records a failed attempt, frees the lease for the next
// and puts the grant back on the due queue after a backoff, so any
// replica's sweep tries again; after AlertAfter attempts the change is
// flagged for the admins (once). A grant that a refusal no retry can
// change stops: a pending one fails, an active one is held.
func (s *Service) changeFailed(ctx context.Context, g Grant, cause error) (Grant, error) {
	if connector.Final(cause) {
		note := connector.Title(s.saas()) + " refused: " + oneLine(cause.Error())
		if g.State == Pending {
			g, err := s.fail(ctx, g, note)
			return g, err
		}
		return s.hold(ctx, g, note)
	}
	retry := s.now().Add(backoff(g.Change.Attempts))
	g, err := s.update(ctx, g.ID, func(cur *Grant) error {
		if cur.Change == nil {
			return store.ErrSkipUpdate
		}
		cur.Change.LeaseHolder, cur.Change.LeaseUntil = "", time.Time{}
		cur.Change.Error = oneLine(cause.Error())
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrSkipUpdate) {
		return g, errors.Join(cause, err)
	}
	if err := s.Store.Schedule(ctx, s.queue(queueExpiry), g.ID, retry); err != nil {
		return g, errors.Join(cause, err)
	}
	s.log().Warn("access: change failed; will retry", slog.String("grant", g.ID), slog.String("op", string(g.Change.Op)),
		slog.Int("attempt", g.Change.Attempts), slog.Time("retry_at", retry), slog.Any("error", cause))
	return g, cause
}

// backoff is the wait before attempt n+1: 5 s, 10 s, 20 s … up to 5
// minutes.
func backoff(attempts int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < attempts && d < 5*time.Minute; i++ {
		d *= 2
	}
	return min(d, 5*time.Minute)
}

func (s *Service) unschedule(ctx context.Context, id string) {
	for _, q := range []string{queueExpiry, queueWarn} {
		if err := s.Store.Unschedule(ctx, s.queue(q), id); err != nil {
			// Harmless: a sweep that meets an ended grant drops it.
			s.log().Warn("access: unschedule", slog.String("grant", id), slog.Any("error", err))
		}
	}
}

func (s *Service) audit(ctx context.Context, actor, action string, g Grant, detail map[string]string) {
	if s.Audit == nil {
		return
	}
	if actor == "" {
		actor = "system"
	}
	subject := "access:" + g.ID
	store.RecordAudit(ctx, s.Audit, s.log(), store.AuditEntry{Actor: actor, Action: action, Subject: subject, Detail: detail})
}

func article(role string) string {
	if role == "" {
		return "no role"
	}
	if strings.ContainsRune("aeiou", rune(role[0])) {
		return "an " + role
	}
	return "a " + role
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Purge deletes up to limit grants that ended (or failed for good)
// before the time given, for retention; it returns how many it deleted.
func (s *Service) Purge(ctx context.Context, before time.Time, limit int) (int, error) {
	return store.DeleteRecordsWhere(ctx, s.Store, s.kind(), limit, func(rec store.Record) bool {
		g, err := decode(rec)
		return err == nil && !g.State.Live() && !g.EndedAt.IsZero() && g.EndedAt.Before(before)
	})
}

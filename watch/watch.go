package watch

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// ErrUnavailable: the SaaS's plan has no audit log (Zendesk: below
// Enterprise).
var ErrUnavailable = errors.New("watch: the audit log is not available on this plan")

// Alert is one trust-changing event, recorded once.
type Alert struct {
	ID       string          `json:"id"` // the event's id and the rule
	SaaS     string          `json:"saas"`
	Rule     string          `json:"rule"`
	Why      string          `json:"why"`
	Event    connector.Event `json:"event"`
	RaisedAt time.Time       `json:"raised_at"`
	// Posted is when the alert reached the alert channel.
	Posted time.Time `json:"posted,omitzero"`
	// Acknowledged is when someone in the channel said they looked into
	// it, who, and what they found.
	Acknowledged   time.Time `json:"acknowledged,omitzero"`
	AcknowledgedBy string    `json:"acknowledged_by,omitempty"`
	Note           string    `json:"note,omitempty"`
	// Outcome says what was done about the change from the alert (its
	// revert, a retroactive request), by whom and when; "" while nothing
	// was.
	Outcome   string    `json:"outcome,omitempty"`
	OutcomeBy string    `json:"outcome_by,omitempty"`
	OutcomeAt time.Time `json:"outcome_at,omitzero"`
}

// ErrNoAlert: no alert has this id.
var ErrNoAlert = errors.New("watch: no such alert")

// AcknowledgedError: the alert was acknowledged already, by someone else
// or earlier.
type AcknowledgedError struct{ Alert Alert }

func (e *AcknowledgedError) Error() string {
	return fmt.Sprintf("watch: alert %s was acknowledged by %s", e.Alert.ID, e.Alert.AcknowledgedBy)
}

// Store is what the watch keeps: its cursor and alerts as records, and
// the alerts not yet posted as a queue, so posting reads only those.
type Store interface {
	store.Records
	store.Schedules
}

// Service watches one SaaS's audit log.
type Service struct {
	SaaS  string
	Log   connector.EventLog
	Store Store
	// Audit hears acknowledgements; nil records none.
	Audit  store.Audit
	Policy Policy
	// Departed says whether the person with this SaaS id has left (the
	// company directory); nil when no directory is read.
	Departed func(ctx context.Context, actorID int64) (bool, error)
	// Ungranted says whether the person with this SaaS id holds privilege
	// with no live grant and nothing allowing it standing (just-in-time
	// access); nil when access is not governed.
	Ungranted func(ctx context.Context, actorID int64) (bool, error)
	// FirstLook is how far back the first read goes (default 24 hours).
	FirstLook time.Duration
	Now       func() time.Time
}

// Names in the store.
const (
	kindState = "watch-state"
	kindAlert = "watch-alert"
	// queueUnposted, with the SaaS after it, holds the ids of alerts
	// not yet in the channel (ids name an event and a rule, nobody).
	queueUnposted = "watch-unposted"
)

// state is where the last read stopped, and who changed what lately, for
// the bulk-changes rule.
type state struct {
	// Through: every event before it has been judged; Seen are the ids
	// of events at Through itself already judged (the next read starts
	// at Through again, inclusive, so nothing at the boundary is missed).
	Through time.Time `json:"through"`
	Seen    []string  `json:"seen,omitempty"`
	// Recent are the times of each actor's changes within the bulk
	// window; Bulked, when each actor last raised a bulk alert.
	Recent map[string][]time.Time `json:"recent,omitempty"`
	Bulked map[string]time.Time   `json:"bulked,omitempty"`
}

// Result is what one read found.
type Result struct {
	Events, Requests int
	// Raised are the alerts this read recorded (not those another
	// replica recorded first).
	Raised []Alert
}

// Run reads the log from where the last read stopped (the first read
// looks back FirstLook), judges each event once, records the alerts, and
// moves the cursor on. An alert is recorded before the cursor moves, by
// the event's id and rule, so a replica that dies in between makes the
// next read judge the events again and find the alerts already there.
func (s *Service) Run(ctx context.Context) (Result, error) {
	now := s.now().UTC()
	rec, st, err := s.load(ctx)
	if err != nil {
		return Result{}, err
	}
	from := st.Through
	if from.IsZero() {
		from = now.Add(-cmp.Or(s.FirstLook, 24*time.Hour))
	}
	seen := map[string]bool{}
	for _, id := range st.Seen {
		seen[id] = true
	}
	var res Result
	next := st
	next.Recent = map[string][]time.Time{}
	for a, ts := range st.Recent {
		next.Recent[a] = slices.Clone(ts)
	}
	if next.Bulked == nil {
		next.Bulked = map[string]time.Time{}
	}
	requests, err := s.Log.Events(ctx, from, now, func(events []connector.Event) error {
		for _, e := range events {
			if e.At.Equal(st.Through) && seen[e.ID] {
				continue
			}
			res.Events++
			findings, err := s.findings(ctx, e, &next)
			if err != nil {
				return err
			}
			for _, f := range findings {
				a, created, err := s.record(ctx, e, f, now)
				if err != nil {
					return err
				}
				if created {
					res.Raised = append(res.Raised, a)
				}
			}
			if !e.At.Equal(next.Through) {
				next.Through, next.Seen = e.At, nil
			}
			next.Seen = append(next.Seen, e.ID)
		}
		return nil
	})
	res.Requests = requests
	if errors.Is(err, connector.ErrForbidden) || errors.Is(err, connector.ErrNotFound) {
		return res, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if err != nil {
		return res, err
	}
	if next.Through.IsZero() {
		next.Through = from
	}
	// Actors quiet for a whole window are forgotten.
	window := cmp.Or(s.Policy.BulkWindow, 10*time.Minute)
	for a, ts := range next.Recent {
		if len(ts) == 0 || !ts[len(ts)-1].After(now.Add(-window)) {
			delete(next.Recent, a)
		}
	}
	for a, t := range next.Bulked {
		if !t.After(now.Add(-window)) {
			delete(next.Bulked, a)
		}
	}
	return res, s.save(ctx, rec, next)
}

// findings are the rules e trips, the bulk-changes and departed-actor
// rules included.
func (s *Service) findings(ctx context.Context, e connector.Event, st *state) ([]Finding, error) {
	loc := cmp.Or(s.Policy.Location, time.UTC)
	out := judge(e, s.Policy, loc)
	if e.Action == "login" || e.ActorID <= 0 {
		return out, nil
	}
	actor := strconv.FormatInt(e.ActorID, 10)
	if s.Policy.on(RuleBulkChanges) {
		window, limit := cmp.Or(s.Policy.BulkWindow, 10*time.Minute), cmp.Or(s.Policy.Bulk, 20)
		recent := append(slices.DeleteFunc(st.Recent[actor], func(t time.Time) bool { return !t.After(e.At.Add(-window)) }), e.At)
		st.Recent[actor] = recent
		if len(recent) > limit && !st.Bulked[actor].After(e.At.Add(-window)) {
			st.Bulked[actor] = e.At
			out = append(out, Finding{Rule: RuleBulkChanges, Why: fmt.Sprintf("%s made %d changes within %s", orUnknown(e.ActorName), len(recent), window)})
		}
	}
	if s.Departed != nil && s.Policy.on(RuleDepartedActor) {
		left, err := s.Departed(ctx, e.ActorID)
		if err != nil {
			return nil, err
		}
		if left {
			out = append(out, Finding{Rule: RuleDepartedActor, Why: fmt.Sprintf("%s, who left the company, changed %s", orUnknown(e.ActorName), orUnknown(e.SourceLabel))})
		}
	}
	trusted := slices.ContainsFunc(out, func(f Finding) bool { return slices.Contains(trustRules, f.Rule) })
	if s.Ungranted != nil && trusted && s.Policy.on(RuleUngrantedActor) {
		standing, err := s.Ungranted(ctx, e.ActorID)
		if err != nil {
			return nil, err
		}
		if standing {
			out = append(out, Finding{Rule: RuleUngrantedActor, Why: fmt.Sprintf("%s changed %s with admin rights held standing: no grant, and nothing in the policy allows it",
				orUnknown(e.ActorName), orUnknown(e.SourceLabel))})
		}
	}
	return out, nil
}

// record creates the alert unless a read (this or another replica's)
// already did.
func (s *Service) record(ctx context.Context, e connector.Event, f Finding, now time.Time) (Alert, bool, error) {
	a := Alert{ID: s.SaaS + ":" + e.ID + ":" + f.Rule, SaaS: s.SaaS, Rule: f.Rule, Why: f.Why, Event: e, RaisedAt: now}
	data, err := json.Marshal(a)
	if err != nil {
		return a, false, err
	}
	// Queued first: a replica that dies between the two leaves a queue
	// entry Unposted drops, never an alert nobody posts.
	if err := s.Store.Schedule(ctx, s.queue(), a.ID, e.At); err != nil {
		return a, false, err
	}
	_, err = s.Store.CreateRecord(ctx, kindAlert, a.ID, data)
	if errors.Is(err, store.ErrExists) {
		return a, false, nil
	}
	return a, err == nil, err
}

// unpostedBatch bounds the alerts one call of Unposted returns.
const unpostedBatch = 200

// Unposted are the recorded alerts not yet in the alert channel, oldest
// event first, at most unpostedBatch; read from the queue, so the cost
// does not grow with every alert ever raised.
func (s *Service) Unposted(ctx context.Context) ([]Alert, error) {
	due, err := s.Store.DueBy(ctx, s.queue(), s.now(), unpostedBatch)
	if err != nil {
		return nil, err
	}
	var out []Alert
	for _, d := range due {
		a, err := s.Get(ctx, d.ID)
		switch {
		case errors.Is(err, ErrNoAlert) || err == nil && !a.Posted.IsZero():
			if err := s.Store.Unschedule(ctx, s.queue(), d.ID); err != nil {
				return nil, err
			}
		case err != nil:
			return nil, err
		default:
			out = append(out, a)
		}
	}
	return out, nil
}

// queue holds the ids of this SaaS's alerts not yet posted.
func (s *Service) queue() string { return queueUnposted + ":" + s.SaaS }

// MarkPosted records that the alert reached the channel.
func (s *Service) MarkPosted(ctx context.Context, id string) error {
	_, err := store.UpdateRecord(ctx, s.Store, kindAlert, id, func(cur store.Record) ([]byte, error) {
		var a Alert
		if err := json.Unmarshal(cur.Data, &a); err != nil {
			return nil, err
		}
		if !a.Posted.IsZero() {
			return nil, store.ErrSkipUpdate
		}
		a.Posted = s.now().UTC()
		return json.Marshal(a)
	})
	if err != nil && !errors.Is(err, store.ErrSkipUpdate) {
		return err
	}
	return s.Store.Unschedule(ctx, s.queue(), id)
}

// Get reads one alert.
func (s *Service) Get(ctx context.Context, id string) (Alert, error) {
	rec, err := s.Store.GetRecord(ctx, kindAlert, id)
	if errors.Is(err, store.ErrNotFound) {
		return Alert{}, ErrNoAlert
	}
	if err != nil {
		return Alert{}, err
	}
	var a Alert
	return a, json.Unmarshal(rec.Data, &a)
}

// Acknowledge records, once, that by looked into the alert and what they
// found; a second acknowledgement is an *AcknowledgedError carrying the
// first.
func (s *Service) Acknowledge(ctx context.Context, id, by, note string) (Alert, error) {
	return s.markOnce(ctx, id, by, "watch.acknowledged", map[string]string{"note": note}, func(a *Alert) bool {
		if !a.Acknowledged.IsZero() {
			return false
		}
		a.Acknowledged, a.AcknowledgedBy, a.Note = s.now().UTC(), by, note
		return true
	})
}

// markOnce changes an alert once, with a compare-and-set: mark reports
// false when the alert was marked so already, which is an
// *AcknowledgedError carrying it. The change is audited as action.
func (s *Service) markOnce(ctx context.Context, id, by, action string, detail map[string]string, mark func(*Alert) bool) (Alert, error) {
	var out Alert
	_, err := store.UpdateRecord(ctx, s.Store, kindAlert, id, func(cur store.Record) ([]byte, error) {
		if err := json.Unmarshal(cur.Data, &out); err != nil {
			return nil, err
		}
		if !mark(&out) {
			return nil, &AcknowledgedError{Alert: out}
		}
		return json.Marshal(out)
	})
	if errors.Is(err, store.ErrNotFound) {
		return Alert{}, ErrNoAlert
	}
	if err != nil || s.Audit == nil {
		return out, err
	}
	detail["rule"] = out.Rule
	_, err = s.Audit.AppendAudit(ctx, store.AuditEntry{At: s.now().UTC(), Actor: by, Action: action, Subject: "watch-alert:" + id, Detail: detail})
	return out, err
}

// Purge deletes up to limit alerts raised before before that reached the
// alert channel (one still waiting to be posted stays until it is), and
// says how many it deleted: posture.retention_days.
func (s *Service) Purge(ctx context.Context, before time.Time, limit int) (int, error) {
	return store.DeleteRecordsWhere(ctx, s.Store, kindAlert, limit, func(rec store.Record) bool {
		var a Alert
		return json.Unmarshal(rec.Data, &a) == nil && a.SaaS == s.SaaS && !a.Posted.IsZero() && a.RaisedAt.Before(before)
	})
}

// Settle records what was done about an alert's change (outcome, such as
// "put the earlier role back"), so the alert shows it and offers nothing
// more. The first outcome stands; a later one is an *AcknowledgedError
// naming it, as a second acknowledgement is.
func (s *Service) Settle(ctx context.Context, id, by, outcome string) (Alert, error) {
	return s.markOnce(ctx, id, by, "watch.settled", map[string]string{"outcome": outcome}, func(a *Alert) bool {
		if a.Outcome != "" {
			return false
		}
		a.Outcome, a.OutcomeBy, a.OutcomeAt = outcome, by, s.now().UTC()
		return true
	})
}

func (s *Service) load(ctx context.Context) (store.Record, state, error) {
	rec, err := s.Store.GetRecord(ctx, kindState, s.SaaS)
	if errors.Is(err, store.ErrNotFound) {
		return store.Record{}, state{}, nil
	}
	if err != nil {
		return rec, state{}, err
	}
	var st state
	if err := json.Unmarshal(rec.Data, &st); err != nil {
		return rec, state{}, fmt.Errorf("watch: unreadable state: %w", err)
	}
	return rec, st, nil
}

// save writes the state if no other read moved it since this one began;
// one that did read the same events, so its state stands.
func (s *Service) save(ctx context.Context, prev store.Record, st state) error {
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if prev.Version == 0 {
		_, err = s.Store.CreateRecord(ctx, kindState, s.SaaS, data)
	} else {
		_, err = s.Store.CompareAndSwapRecord(ctx, kindState, s.SaaS, prev.Version, data)
	}
	if errors.Is(err, store.ErrExists) || errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

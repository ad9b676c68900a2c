package reviews_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

const (
	clientID, clientSecret = "reviews-test", "reviews-secret"
	dana                   = "dana@acme.example" // admin and default owner
	omar                   = "omar@acme.example" // owns Tier 2
	priya                  = "priya@acme.example"
)

// now is a Wednesday, in ISO week 47 of 2026.
var now = time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)

type fixture struct {
	emu    *zendesktest.Server
	store  *boltstore.Store
	svc    *reviews.Service
	report seats.Report
	clock  time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{clock: now}
	f.emu = zendesktest.NewServer(zendesktest.SampleOrg(now), zendesktest.WithOAuthClient(clientID, clientSecret, true),
		zendesktest.WithClock(func() time.Time { return f.clock }))
	t.Cleanup(f.emu.Close)
	client, err := zendesk.New(zendesk.Config{
		BaseURL: f.emu.URL, Auth: zendesk.OAuthClientCredentials(clientID, clientSecret),
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, RequestsPerMinute: 100_000,
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.store, err = boltstore.Open(filepath.Join(t.TempDir(), "sw.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.store.Close() })
	syncer := &seats.Syncer{Source: zendesk.Connector{Client: client}, Connector: connector.Zendesk, Store: f.store, Account: f.emu.URL, Now: func() time.Time { return f.clock }}
	res, err := syncer.Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	f.report = seats.Evaluate(res.Snapshot, seats.Policy{InactivityDays: 30, Location: time.UTC, Pricing: seats.Pricing{Agent: 115, Admin: 115}}, now)
	f.svc = &reviews.Service{Records: f.store, Audit: f.store, Seats: zendesk.Connector{Client: client}, Now: func() time.Time { return f.clock }, Holder: "test"}
	return f
}

// ownerOf is the sample policy: Omar owns Tier 2, Dana everything else.
func ownerOf(s seats.Seat) string {
	if slices.Contains(s.Groups, "Tier 2") && s.User.DefaultGroupID != nil && *s.User.DefaultGroupID == zendesktest.Tier2GroupID {
		return omar
	}
	return dana
}

func (f *fixture) open(t *testing.T) []reviews.Item {
	t.Helper()
	items, err := f.svc.Open(t.Context(), reviews.PeriodOf(f.clock, time.UTC), f.report, ownerOf)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func (f *fixture) seat(t *testing.T, items []reviews.Item, email string) reviews.Item {
	t.Helper()
	for _, it := range items {
		if it.Seat.Email == email {
			return it
		}
	}
	t.Fatalf("no review item for %s", email)
	return reviews.Item{}
}

func TestPeriodOf(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tests := []struct {
		t    time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC), time.UTC, "2026-W47"},
		{time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC), time.UTC, "2026-W53"},  // a Friday still in 2026's last week
		{time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC), berlin, "2026-W48"}, // Sunday night UTC is Monday in Berlin
		{time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC), time.UTC, "2026-W47"},
	}
	for _, tt := range tests {
		if got := reviews.PeriodOf(tt.t, tt.loc); got != tt.want {
			t.Errorf("PeriodOf(%s, %s) = %s, want %s", tt.t, tt.loc, got, tt.want)
		}
		if !reviews.ValidPeriod(tt.want) {
			t.Errorf("ValidPeriod(%s) = false", tt.want)
		}
	}
	for _, bad := range []string{"", "2026-47", "2026-W54", "2026-W00", "2026-W4", "1999-W01", "2026-W47x"} {
		if reviews.ValidPeriod(bad) {
			t.Errorf("ValidPeriod(%q) = true", bad)
		}
	}
}

// TestOpenAsksEachOwnerOnceAboutTheirInactiveSeats: the review has every
// inactive paid seat with its owner; opening again adds nothing.
func TestOpenAsksEachOwnerOnceAboutTheirInactiveSeats(t *testing.T) {
	f := newFixture(t)
	items := f.open(t)
	byOwner := map[string][]string{}
	for _, it := range items {
		byOwner[it.Owner] = append(byOwner[it.Owner], it.Seat.Email)
	}
	for _, list := range byOwner {
		sort.Strings(list)
	}
	if want := []string{"hannah@acme.example", "tom@acme.example"}; !slices.Equal(byOwner[omar], want) {
		t.Errorf("Omar is asked about %v, want %v", byOwner[omar], want)
	}
	if got := len(byOwner[dana]); got != 5 {
		t.Errorf("Dana is asked about %d seats, want 5: %v", got, byOwner[dana])
	}
	again := f.open(t)
	if len(again) != len(items) {
		t.Errorf("opening the same period again: %d items, want the same %d", len(again), len(items))
	}
}

// TestKeepForm: Keep needs a reason and a date after today within the
// policy's limit; a rejected form changes nothing.
func TestKeepForm(t *testing.T) {
	f := newFixture(t)
	tom := f.seat(t, f.open(t), "tom@acme.example")
	period := tom.Period
	tests := []struct {
		name, reason string
		until        time.Time
		wantField    string
	}{
		{"no reason", "", now.AddDate(0, 1, 0), "reason"},
		{"no date", "on leave", time.Time{}, "keep_until"},
		{"today", "on leave", now, "keep_until"},
		{"in the past", "on leave", now.AddDate(0, 0, -3), "keep_until"},
		{"beyond the maximum", "on leave", now.AddDate(0, 0, 181), "keep_until"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Decide(t.Context(), reviews.Input{Period: period, UserID: tom.Seat.UserID, Decision: reviews.Keep,
				Actor: reviews.Actor{Email: omar}, Reason: tt.reason, KeepUntil: tt.until})
			var fe *reviews.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.wantField {
				t.Fatalf("err = %v, want a %s field error", err, tt.wantField)
			}
			if it, _ := f.svc.Item(t.Context(), period, tom.Seat.UserID); it.State != reviews.Open {
				t.Errorf("a rejected form changed the item to %s", it.State)
			}
		})
	}

	kept, err := f.svc.Decide(t.Context(), reviews.Input{Period: period, UserID: tom.Seat.UserID, Decision: reviews.Keep,
		Actor: reviews.Actor{Email: omar}, Reason: "parental leave", KeepUntil: now.AddDate(0, 0, 180)})
	if err != nil || kept.State != reviews.Kept || kept.DecidedBy != omar || kept.Reason != "parental leave" {
		t.Fatalf("keep: %+v, %v", kept, err)
	}
	// Next week's review does not ask about Tom again.
	f.clock = now.AddDate(0, 0, 7)
	if items := f.open(t); slices.ContainsFunc(items, func(it reviews.Item) bool { return it.Seat.UserID == tom.Seat.UserID }) {
		t.Error("a kept seat was asked about again before its keep-until date")
	}
}

// TestWhoMayDecide: the owner and admins decide; anyone else, or a click
// on an old period or an unknown seat, changes nothing.
func TestWhoMayDecide(t *testing.T) {
	f := newFixture(t)
	tom := f.seat(t, f.open(t), "tom@acme.example")
	snooze := func(period string, userID int64, actor reviews.Actor) error {
		_, err := f.svc.Decide(t.Context(), reviews.Input{Period: period, UserID: userID, Decision: reviews.Snooze, Actor: actor})
		return err
	}
	tests := []struct {
		name   string
		period string
		user   int64
		actor  reviews.Actor
		want   error
	}{
		{"someone else", tom.Period, tom.Seat.UserID, reviews.Actor{Email: priya}, reviews.ErrNotAllowed},
		{"nobody resolved", tom.Period, tom.Seat.UserID, reviews.Actor{}, reviews.ErrNotAllowed},
		{"another owner", tom.Period, tom.Seat.UserID, reviews.Actor{Email: "bill@acme.example"}, reviews.ErrNotAllowed},
		{"a review past its deadline", "2026-W45", tom.Seat.UserID, reviews.Actor{Email: omar}, reviews.ErrExpired},
		{"a seat not in the review", tom.Period, 42, reviews.Actor{Email: omar}, reviews.ErrNotFound},
	}
	for _, tt := range tests {
		if err := snooze(tt.period, tt.user, tt.actor); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if err := snooze(tom.Period, tom.Seat.UserID, reviews.Actor{Email: dana, Admin: true}); err != nil {
		t.Errorf("an admin may decide any seat: %v", err)
	}
	var decided *reviews.DecidedError
	if err := snooze(tom.Period, tom.Seat.UserID, reviews.Actor{Email: omar}); !errors.As(err, &decided) || decided.Item.DecidedBy != dana {
		t.Errorf("second decision: err = %v, want already decided by %s", err, dana)
	}
}

// TestConcurrentRemoveClicksMakeOneChange: 100 clicks at once on one seat
// give one decision and one Zendesk update; everyone else is told who
// decided.
func TestConcurrentRemoveClicksMakeOneChange(t *testing.T) {
	f := newFixture(t)
	tom := f.seat(t, f.open(t), "tom@acme.example")
	f.emu.ResetCounters()
	var (
		wg               sync.WaitGroup
		mu               sync.Mutex
		won, told, other int
	)
	for i := range 100 {
		wg.Go(func() {
			actor := reviews.Actor{Email: omar}
			if i%2 == 1 {
				actor = reviews.Actor{Email: dana, Admin: true}
			}
			_, err := f.svc.Decide(context.Background(), reviews.Input{Period: tom.Period, UserID: tom.Seat.UserID, Decision: reviews.Remove, Actor: actor})
			var decided *reviews.DecidedError
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.As(err, &decided):
				told++
			default:
				other++
				t.Errorf("click: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 || told != 99 || other != 0 {
		t.Errorf("100 clicks: %d decided, %d told already decided, %d other; want 1, 99, 0", won, told, other)
	}
	if n := f.emu.Requests(zendesktest.EndpointUsersUpdate); n != 1 {
		t.Errorf("%d Zendesk updates, want exactly 1", n)
	}
	u, _ := f.emu.User(tom.Seat.UserID)
	if u.Role != zendesk.RoleEndUser {
		t.Errorf("Tom's role in Zendesk is %s, want end-user", u.Role)
	}
	it, _ := f.svc.Item(t.Context(), tom.Period, tom.Seat.UserID)
	if it.State != reviews.Removed || it.Change.Status != reviews.ChangeDone || it.Saving() != 115 {
		t.Errorf("item after removal: %+v change %+v", it, it.Change)
	}
	sum, err := f.svc.Progress(t.Context(), tom.Period)
	if err != nil || sum.Removed != 1 || sum.Saved != 115 || sum.Pending != 0 {
		t.Errorf("progress %+v, %v", sum, err)
	}
}

// TestSeatChangedSinceTheDigest: a person who logged in after the digest,
// or was demoted by someone else, is left alone and the owner is told.
func TestSeatChangedSinceTheDigest(t *testing.T) {
	tests := []struct {
		name     string
		change   func(*zendesk.User)
		wantNote string
	}{
		{"logged in since", func(u *zendesk.User) { t := now.Add(-time.Hour); u.LastLoginAt = &t }, "logged in on Wed 18 Nov, after the review asked"},
		{"demoted by someone else", func(u *zendesk.User) { u.Role = zendesk.RoleEndUser }, "already end-user in Zendesk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tom := f.seat(t, f.open(t), "tom@acme.example")
			f.emu.UpdateUser(tom.Seat.UserID, tt.change)
			f.emu.ResetCounters()
			it, err := f.svc.Decide(t.Context(), reviews.Input{Period: tom.Period, UserID: tom.Seat.UserID, Decision: reviews.Remove, Actor: reviews.Actor{Email: omar}})
			if err != nil {
				t.Fatal(err)
			}
			if it.State != reviews.Changed || it.Note != tt.wantNote || it.Saving() != 0 {
				t.Errorf("item %+v, want changed with note %q", it, tt.wantNote)
			}
			if n := f.emu.Requests(zendesktest.EndpointUsersUpdate); n != 0 {
				t.Errorf("%d Zendesk updates for a changed seat, want 0", n)
			}
		})
	}
}

// TestZendeskFailuresAreRetriedFromTheOutbox: a decision Zendesk cannot
// take now stays pending and is finished by Resume; one that keeps failing
// is given up after the last attempt and reported.
func TestZendeskFailuresAreRetriedFromTheOutbox(t *testing.T) {
	f := newFixture(t)
	items := f.open(t)
	tom, ken := f.seat(t, items, "tom@acme.example"), f.seat(t, items, "ken@acme.example")
	f.svc.MaxAttempts = 3
	f.emu.InjectFault(zendesktest.EndpointUsersUpdate, zendesktest.Fault{Status: http.StatusServiceUnavailable})

	remove := func(it reviews.Item, actor string) reviews.Item {
		got, err := f.svc.Decide(t.Context(), reviews.Input{Period: it.Period, UserID: it.Seat.UserID, Decision: reviews.Remove, Actor: reviews.Actor{Email: actor}})
		if err != nil {
			t.Fatalf("a decision Zendesk could not take yet must still be recorded: %v", err)
		}
		return got
	}
	if got := remove(tom, omar); got.State != reviews.Removed || got.Change.Status != reviews.ChangePending || got.Change.Error == "" {
		t.Fatalf("after a Zendesk outage: %+v %+v, want removed with the change pending and the error shown", got, got.Change)
	}
	remove(ken, dana)

	// Zendesk is back: Resume finishes both, and only once.
	f.emu.ClearFaults()
	done, failed, err := f.svc.Resume(t.Context(), tom.Period)
	if err != nil || done != 2 || len(failed) != 0 {
		t.Fatalf("Resume: done %d, failed %v, err %v; want both finished", done, failed, err)
	}
	for _, it := range []reviews.Item{tom, ken} {
		u, _ := f.emu.User(it.Seat.UserID)
		if u.Role != zendesk.RoleEndUser {
			t.Errorf("%s is %s in Zendesk after Resume, want end-user", it.Seat.Email, u.Role)
		}
	}
	again, failed, _ := f.svc.Resume(t.Context(), tom.Period)
	if again != 0 || len(failed) != 0 {
		t.Errorf("a second Resume redid %d changes", again)
	}
}

// TestAPendingChangeIsFinishedByTheNextClick: a decision whose change is
// still pending (Zendesk failed, or the replica died) is carried out by
// the next press on the seat, or the intake's replay of the first, once
// its lease has passed; the press is still told who decided.
func TestAPendingChangeIsFinishedByTheNextClick(t *testing.T) {
	f := newFixture(t)
	tom := f.seat(t, f.open(t), "tom@acme.example")
	f.emu.InjectFault(zendesktest.EndpointUsersUpdate, zendesktest.Fault{Status: http.StatusServiceUnavailable})
	remove := reviews.Input{Period: tom.Period, UserID: tom.Seat.UserID, Decision: reviews.Remove, Actor: reviews.Actor{Email: omar}}
	if got, err := f.svc.Decide(t.Context(), remove); err != nil || got.Change.Status != reviews.ChangePending {
		t.Fatalf("during the outage: %+v, %v; want the change pending", got.Change, err)
	}
	f.emu.ClearFaults()

	var decided *reviews.DecidedError
	_, err := f.svc.Decide(t.Context(), remove)
	if !errors.As(err, &decided) || decided.Item.Change.Status != reviews.ChangeDone {
		t.Fatalf("the replayed click: %v; want told it was decided, with the change now done", err)
	}
	if u, _ := f.emu.User(tom.Seat.UserID); u.Role != zendesk.RoleEndUser {
		t.Errorf("Tom is %s in Zendesk, want end-user", u.Role)
	}
}

// TestAChangeThatKeepsFailingIsGivenUp: after the last attempt the item
// says Zendesk refused, and Resume reports it once.
func TestAChangeThatKeepsFailingIsGivenUp(t *testing.T) {
	f := newFixture(t)
	tom := f.seat(t, f.open(t), "tom@acme.example")
	f.svc.MaxAttempts = 2
	f.emu.InjectFault(zendesktest.EndpointUsersUpdate, zendesktest.Fault{Status: http.StatusServiceUnavailable})
	if _, err := f.svc.Decide(t.Context(), reviews.Input{Period: tom.Period, UserID: tom.Seat.UserID, Decision: reviews.Remove, Actor: reviews.Actor{Email: omar}}); err != nil {
		t.Fatal(err)
	}
	_, failed, err := f.svc.Resume(t.Context(), tom.Period)
	if err != nil || len(failed) != 1 || failed[0].Change.Status != reviews.ChangeFailed || !strings.HasPrefix(failed[0].Note, "Zendesk refused the change") {
		t.Fatalf("Resume after the last attempt: failed %+v, err %v", failed, err)
	}
	if _, failed, _ := f.svc.Resume(t.Context(), tom.Period); len(failed) != 0 {
		t.Error("a change given up was reported again")
	}
	entries, _ := f.store.ListAudit(t.Context(), 0, 100)
	if !slices.ContainsFunc(entries, func(e store.AuditEntry) bool { return e.Action == "seat.change_failed" }) {
		t.Error("no audit entry for the change given up")
	}
}

// TestAnInterruptedChangeKeepsItsAuthor: Zendesk made the change but the
// replica never heard so (the answer lost, or the replica gone mid-call).
// Whichever replica looks next finds the seat as the decision asked and
// records it as that person's decision, with its saving, without asking
// Zendesk again; a replica that died holds the change up for seconds.
func TestAnInterruptedChangeKeepsItsAuthor(t *testing.T) {
	tests := []struct {
		name string
		// interrupt makes the decision, whose change reaches Zendesk but
		// whose outcome is not recorded as done.
		interrupt func(t *testing.T, f *fixture, in reviews.Input)
		// wait is how long the next replica must wait for the lease.
		wait time.Duration
	}{
		{"the answer was lost", func(t *testing.T, f *fixture, in reviews.Input) {
			f.emu.InjectFault(zendesktest.EndpointUsersUpdate, zendesktest.Fault{Status: http.StatusBadGateway, AfterApply: true})
			if _, err := f.svc.Decide(t.Context(), in); err != nil {
				t.Fatal(err)
			}
			f.emu.ClearFaults()
		}, 0},
		{"the replica died mid-call", func(t *testing.T, f *fixture, in reviews.Input) {
			f.emu.InjectFault(zendesktest.EndpointUsersUpdate, zendesktest.Fault{Status: http.StatusBadGateway, AfterApply: true, Latency: time.Second})
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			_, _ = f.svc.Decide(ctx, in) // the process ends here: nothing after the call is recorded
			f.emu.ClearFaults()
		}, 21 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.svc.MaxAttempts = 10
			tom := f.seat(t, f.open(t), "tom@acme.example")
			in := reviews.Input{Period: tom.Period, UserID: tom.Seat.UserID, Decision: reviews.Remove, Actor: reviews.Actor{Email: omar}}
			tt.interrupt(t, f, in)
			if u, _ := f.emu.User(tom.Seat.UserID); u.Role != zendesk.RoleEndUser {
				t.Fatalf("the interrupted call did not reach Zendesk: role %s", u.Role)
			}
			updates := f.emu.Requests(zendesktest.EndpointUsersUpdate)

			next := *f.svc
			next.Holder = "restarted"
			if tt.wait > 0 {
				if done, _, err := next.Resume(t.Context(), tom.Period); err != nil || done != 0 {
					t.Errorf("within the dead replica's lease: done %d, %v; want it left alone", done, err)
				}
				f.clock = f.clock.Add(tt.wait)
			}
			done, failed, err := next.Resume(t.Context(), tom.Period)
			if err != nil || done != 1 || len(failed) != 0 {
				t.Fatalf("Resume: done %d, failed %v, err %v", done, failed, err)
			}
			it, err := next.Item(t.Context(), tom.Period, tom.Seat.UserID)
			if err != nil {
				t.Fatal(err)
			}
			if it.State != reviews.Removed || it.DecidedBy != omar || it.Change.Status != reviews.ChangeDone || it.Saving() != 115 {
				t.Errorf("item %+v change %+v: want removed by omar, done, saving $115", it, it.Change)
			}
			if n := f.emu.Requests(zendesktest.EndpointUsersUpdate); n != updates {
				t.Errorf("Zendesk was asked %d more times to change a seat already changed", n-updates)
			}
			audit, err := f.store.ListAudit(t.Context(), 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(audit, func(e store.AuditEntry) bool { return e.Action == "seat.demoted" })
			if i < 0 || audit[i].Actor != omar || audit[i].Detail["confirmed"] == "" {
				t.Errorf("audit %+v: want seat.demoted by omar, confirmed after the interruption", audit)
			}
		})
	}
}

package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

const (
	dana         = "dana@acme.example" // admin and default owner
	omar         = "omar@acme.example" // owns Tier 2
	adminChannel = "C0123ADMIN"
)

// monday is when the weekly digest runs: 09:00 on Monday of ISO week 47.
var monday = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

// outbox is a chat transport that keeps what was sent, so the tests can
// read every digest the jobs posted. fail, keyed by email or channel,
// makes sends fail.
type outbox struct {
	mu      sync.Mutex
	n       int
	direct  map[string][]bot.Message
	channel map[string][]bot.Message
	updates map[bot.MessageRef]int
	fail    map[string]error
	// lose, keyed like fail, posts the message and then reports failure,
	// as when the answer never came back.
	lose  map[string]error
	keyed map[string][]bot.MessageRef
}

func newOutbox() *outbox {
	return &outbox{direct: map[string][]bot.Message{}, channel: map[string][]bot.Message{}, updates: map[bot.MessageRef]int{}, fail: map[string]error{},
		lose: map[string]error{}, keyed: map[string][]bot.MessageRef{}}
}

func (o *outbox) post(to string, msg bot.Message, into map[string][]bot.Message) ([]bot.MessageRef, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.fail[to]; err != nil {
		return nil, err
	}
	o.n++
	into[to] = append(into[to], msg)
	refs := []bot.MessageRef{{Platform: bot.PlatformSlack, ConversationID: "D-" + to, MessageID: fmt.Sprintf("%d.000100", o.n)}}
	if msg.Key != "" {
		o.keyed[msg.Key] = refs
	}
	if err := o.lose[to]; err != nil {
		return nil, err
	}
	return refs, nil
}

// FindPosted finds a message by its key wherever it went; honouring the
// place is the adapters' part (TestFindPosted).
func (o *outbox) FindPosted(_ context.Context, _ bot.Place, key string, _ time.Time) ([]bot.MessageRef, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.keyed[key], nil
}

func (o *outbox) SendDirect(_ context.Context, email string, msg bot.Message) ([]bot.MessageRef, error) {
	return o.post(email, msg, o.direct)
}

func (o *outbox) SendChannel(_ context.Context, channel string, msg bot.Message) ([]bot.MessageRef, error) {
	return o.post(channel, msg, o.channel)
}

func (o *outbox) Update(_ context.Context, ref bot.MessageRef, _ bot.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.updates[ref]++
	return nil
}

// ReplyInThread keeps a thread reply under the parent's conversation, as
// SendChannel keeps a post under its channel.
func (o *outbox) ReplyInThread(_ context.Context, parent bot.MessageRef, msg bot.Message) ([]bot.MessageRef, error) {
	return o.post(parent.ConversationID, msg, o.channel)
}

func (o *outbox) headlines(to string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, m := range append(o.direct[to], o.channel[to]...) {
		out = append(out, m.Headline)
	}
	return out
}

type reviewFixture struct {
	emu    *zendesktest.Server
	store  store.Store
	out    *outbox
	clock  time.Time
	policy reviews.Policy
}

func newReviewFixture(t *testing.T) *reviewFixture {
	t.Helper()
	f := &reviewFixture{clock: monday, out: newOutbox()}
	f.emu = zendesktest.NewServer(zendesktest.SampleOrg(monday), zendesktest.WithOAuthClient("jobs", "secret", true),
		zendesktest.WithClock(func() time.Time { return f.clock }))
	t.Cleanup(f.emu.Close)
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "sw.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.store = st
	syncer := &seats.Syncer{Source: zendesk.Connector{Client: f.zendesk(t)}, Connector: connector.Zendesk, Store: st, Account: f.emu.URL, Now: func() time.Time { return f.clock }}
	if _, err := syncer.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *reviewFixture) zendesk(t *testing.T) *zendesk.Client {
	t.Helper()
	c, err := zendesk.New(zendesk.Config{BaseURL: f.emu.URL, Auth: zendesk.OAuthClientCredentials("jobs", "secret"),
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, RequestsPerMinute: 100_000,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// reviews is one replica's review jobs; holder names the replica.
func (f *reviewFixture) reviews(t *testing.T, holder string) *jobs.Reviews {
	now := func() time.Time { return f.clock }
	return &jobs.Reviews{
		Service:      &reviews.Service{Records: f.store, Audit: f.store, Seats: zendesk.Connector{Client: f.zendesk(t)}, Policy: f.policy, Now: now, Holder: holder},
		Snapshots:    f.store,
		Rules:        seats.Policy{InactivityDays: 30, Location: time.UTC, Pricing: seats.Pricing{Agent: 115, Admin: 115}},
		Owners:       seats.NewOwners(dana, seats.GroupOwner{Group: "Tier 2", Owner: omar}),
		Notifier:     f.out,
		AdminChannel: adminChannel,
	}
}

func (f *reviewFixture) run(t *testing.T, def jobs.Definition) {
	t.Helper()
	if err := def.Run(t.Context(), f.clock); err != nil {
		t.Fatalf("%s: %v", def.Name, err)
	}
}

// TestDigestGoesToEachOwnerOnce: one digest per owner per period, however
// often the job runs and on however many replicas.
func TestDigestGoesToEachOwnerOnce(t *testing.T) {
	f := newReviewFixture(t)
	replicas := []*jobs.Reviews{f.reviews(t, "replica-a"), f.reviews(t, "replica-b")}
	var wg sync.WaitGroup
	for _, r := range replicas {
		wg.Go(func() {
			if err := r.DigestJob().Run(context.Background(), f.clock); err != nil {
				t.Errorf("digest: %v", err)
			}
		})
	}
	wg.Wait()
	f.run(t, replicas[0].DigestJob())

	for _, owner := range []string{omar, dana} {
		got := f.out.headlines(owner)
		if len(got) != 1 || !strings.HasPrefix(got[0], "Seat review: ") {
			t.Errorf("%s got %q, want one digest", owner, got)
		}
	}
	if got := f.out.headlines("priya@acme.example"); len(got) != 0 {
		t.Errorf("priya owns nothing but got %q", got)
	}
	omarDigest := f.out.direct[omar][0]
	text := fmt.Sprint(omarDigest.Sections)
	for _, want := range []string{"Tom Reilly", "Hannah Weiss", "Suspended in Zendesk but still a paid seat"} {
		if !strings.Contains(text, want) {
			t.Errorf("Omar's digest lacks %q", want)
		}
	}
	if strings.Contains(text, "Mei Tanaka") {
		t.Error("Omar's digest shows a Billing seat, which Dana answers for")
	}
}

// TestSeatsHandedOnReachTheNewOwner: Not mine sends the seat to its new
// owner at once and redraws the old owner's digest.
func TestSeatsHandedOnReachTheNewOwner(t *testing.T) {
	f := newReviewFixture(t)
	r := f.reviews(t, "a")
	f.run(t, r.DigestJob())
	period := reviews.PeriodOf(f.clock, time.UTC)
	tom := findSeat(t, r, period, "tom@acme.example")
	it, err := r.Service.Decide(t.Context(), reviews.Input{Period: period, UserID: tom.Seat.UserID, Decision: reviews.NotMine,
		Actor: reviews.Actor{Email: omar}, NewOwner: "lee@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	r.Changed(t.Context(), period, bot.MessageRef{}, it.HandedFrom, it.Owner)

	if got := f.out.headlines("lee@acme.example"); len(got) != 1 || !strings.HasPrefix(got[0], "Seats handed to you for review: 1 waiting") {
		t.Errorf("lee got %q", got)
	}
	if len(f.out.updates) != 1 {
		t.Errorf("updates = %v, want Omar's digest redrawn once", f.out.updates)
	}
	f.run(t, r.RemindersJob())
	if got := f.out.headlines("lee@acme.example"); len(got) != 1 {
		t.Errorf("the reminders job sent lee the handed seat again: %q", got)
	}
}

// TestSilenceIsRemindedThenEscalated: three days without an answer bring
// one reminder per owner, seven days one escalation to the admins; an
// owner who answered everything hears nothing more.
func TestSilenceIsRemindedThenEscalated(t *testing.T) {
	f := newReviewFixture(t)
	r := f.reviews(t, "a")
	f.run(t, r.DigestJob())
	period := reviews.PeriodOf(f.clock, time.UTC)
	for _, it := range ownerItems(t, r, period, dana) {
		if _, err := r.Service.Decide(t.Context(), reviews.Input{Period: period, UserID: it.Seat.UserID, Decision: reviews.Snooze, Actor: reviews.Actor{Email: dana, Admin: true}}); err != nil {
			t.Fatal(err)
		}
	}

	steps := []struct {
		after      time.Duration
		omar, dana int // messages each has received in all
		admins     int
	}{
		{time.Hour, 1, 1, 0},
		{71 * time.Hour, 1, 1, 0},
		{72 * time.Hour, 2, 1, 0},
		{100 * time.Hour, 2, 1, 0},
		{168 * time.Hour, 2, 1, 1},
		{200 * time.Hour, 2, 1, 1},
	}
	for _, s := range steps {
		f.clock = monday.Add(s.after)
		f.run(t, r.RemindersJob())
		f.run(t, r.RemindersJob())
		if got := [3]int{len(f.out.headlines(omar)), len(f.out.headlines(dana)), len(f.out.headlines(adminChannel))}; got != [3]int{s.omar, s.dana, s.admins} {
			t.Errorf("after %s: omar, dana, admins got %v messages, want %v", s.after, got, [3]int{s.omar, s.dana, s.admins})
		}
	}
	if got := f.out.headlines(omar); !strings.HasPrefix(got[1], "Reminder: 2 seats still waiting for you") {
		t.Errorf("reminder headline %q", got[1])
	}
	if got := f.out.headlines(adminChannel); !strings.HasPrefix(got[0], "No answer from omar@acme.example: 2 seats") {
		t.Errorf("escalation headline %q", got[0])
	}
}

// TestSilenceDowngradesWhenThePolicySaysSo: with on_silence: downgrade the
// owner gets a last warning instead of an escalation, and at the review's
// deadline the seats are downgraded in Zendesk.
func TestSilenceDowngradesWhenThePolicySaysSo(t *testing.T) {
	f := newReviewFixture(t)
	f.policy.DowngradeOnSilence = true
	r := f.reviews(t, "a")
	f.run(t, r.DigestJob())
	period := reviews.PeriodOf(f.clock, time.UTC)
	tom := findSeat(t, r, period, "tom@acme.example")

	f.clock = monday.Add(7 * 24 * time.Hour)
	f.run(t, r.RemindersJob())
	// A run that finds the owner a week silent warns rather than reminds.
	if got := f.out.headlines(omar); len(got) != 2 || !strings.HasPrefix(got[1], "Last call: 2 seats will be downgraded on Mon 30 Nov") {
		t.Errorf("omar got %q, want the digest and the last call", got)
	}
	if got := f.out.headlines(adminChannel); len(got) != 0 {
		t.Errorf("admins got %q; the policy downgrades instead", got)
	}

	f.clock = reviews.Deadline(period, time.UTC).Add(time.Hour)
	f.run(t, r.RemindersJob())
	got, err := r.Service.Item(t.Context(), period, tom.Seat.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != reviews.Downgraded || got.DecidedBy != reviews.System.Email || got.Change.Status != reviews.ChangeDone {
		t.Errorf("Tom after the deadline: %+v", got)
	}
	if u, _ := f.emu.User(tom.Seat.UserID); u.Role != zendesk.RoleEndUser {
		t.Errorf("Tom's role in Zendesk = %q, want end-user", u.Role)
	}
}

// TestAFailedSendIsRetriedByTheRemindersJob: a digest that could not be
// sent is sent by the next reminders run, once.
func TestAFailedSendIsRetriedByTheRemindersJob(t *testing.T) {
	f := newReviewFixture(t)
	r := f.reviews(t, "a")
	f.out.fail[omar] = errors.New("slack: service_unavailable")
	if err := r.DigestJob().Run(t.Context(), f.clock); err == nil || !strings.Contains(err.Error(), "1 of 2 digests not sent") {
		t.Fatalf("digest with Slack failing for Omar: err = %v", err)
	}
	delete(f.out.fail, omar)
	f.clock = f.clock.Add(time.Hour)
	f.run(t, r.RemindersJob())
	f.run(t, r.RemindersJob())
	if got := f.out.headlines(omar); len(got) != 1 || !strings.HasPrefix(got[0], "Seat review: ") {
		t.Errorf("omar got %q, want the digest once", got)
	}
}

// TestASendWithoutAnswerIsNotSentAgain: a digest Slack posted but never
// confirmed is found by the next run, recorded, and not sent again; so
// is a reminder.
func TestASendWithoutAnswerIsNotSentAgain(t *testing.T) {
	f := newReviewFixture(t)
	r := f.reviews(t, "a")
	f.out.lose[omar] = errors.New("slack: context deadline exceeded")
	if err := r.DigestJob().Run(t.Context(), f.clock); err == nil {
		t.Fatal("digest run reported success though Omar's send got no answer")
	}
	f.clock = f.clock.Add(time.Hour)
	f.run(t, r.RemindersJob())
	if got := f.out.headlines(omar); len(got) != 1 || !strings.HasPrefix(got[0], "Seat review: ") {
		t.Fatalf("omar got %q, want the digest once", got)
	}
	d, err := r.Service.Delivery(t.Context(), reviews.PeriodOf(monday, time.UTC), omar)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Refs) != 1 || !d.Unsure.IsZero() {
		t.Errorf("delivery after the found send: %d refs, unsure since %v; want the found message recorded", len(d.Refs), d.Unsure)
	}

	f.out.lose[omar] = errors.New("slack: context deadline exceeded")
	f.clock = monday.Add(80 * time.Hour) // three days after the digest was found and recorded
	if err := r.RemindersJob().Run(t.Context(), f.clock); err == nil {
		t.Fatal("reminders run reported success though Omar's reminder got no answer")
	}
	delete(f.out.lose, omar)
	f.run(t, r.RemindersJob())
	if got := f.out.headlines(omar); len(got) != 2 {
		t.Errorf("omar got %q, want the digest and one reminder", got)
	}
}

// TestUnreachableOwnersAreNotAnError: an owner unknown to the transport is
// recorded, the run does not fail over it, and the admins get the seats.
func TestUnreachableOwnersAreNotAnError(t *testing.T) {
	f := newReviewFixture(t)
	r := f.reviews(t, "a")
	f.out.fail[omar] = fmt.Errorf("%w: no Slack user with email %s", bot.ErrUnreachable, omar)
	if err := r.DigestJob().Run(t.Context(), f.clock); err != nil {
		t.Fatalf("digest: %v", err)
	}
	d, err := r.Service.Delivery(t.Context(), reviews.PeriodOf(f.clock, time.UTC), omar)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Unreachable, "no Slack user") || len(d.Seats) != 0 {
		t.Errorf("delivery = %+v", d)
	}
	// The next reminders run puts Omar's seats to the admins at once, once.
	f.clock = f.clock.Add(time.Hour)
	f.run(t, r.RemindersJob())
	f.run(t, r.RemindersJob())
	if got := f.out.headlines(adminChannel); len(got) != 1 || !strings.HasPrefix(got[0], "No answer from omar@acme.example: 2 seats") {
		t.Errorf("admins got %q, want one escalation of Omar's seats", got)
	}
}

// TestFailedChangesAreReportedOnce: a Zendesk change that fails for good
// is reported to the admin channel by the next reminders run, once.
func TestFailedChangesAreReportedOnce(t *testing.T) {
	f := newReviewFixture(t)
	r := f.reviews(t, "a")
	f.run(t, r.DigestJob())
	period := reviews.PeriodOf(f.clock, time.UTC)
	tom := findSeat(t, r, period, "tom@acme.example")
	f.emu.InjectFault(zendesktest.EndpointUsersUpdate, zendesktest.Fault{Status: http.StatusForbidden, Times: 1})
	it, err := r.Service.Decide(t.Context(), reviews.Input{Period: period, UserID: tom.Seat.UserID, Decision: reviews.Remove, Actor: reviews.Actor{Email: omar}})
	if err != nil || it.Change.Status != reviews.ChangeFailed {
		t.Fatalf("remove refused by Zendesk: %+v, %v", it.Change, err)
	}
	f.run(t, r.RemindersJob())
	f.run(t, r.RemindersJob())
	if got := f.out.headlines(adminChannel); len(got) != 1 || got[0] != "1 seat change could not be carried out in Zendesk" {
		t.Errorf("admins got %q", got)
	}
}

func findSeat(t *testing.T, r *jobs.Reviews, period, email string) reviews.Item {
	t.Helper()
	items, err := r.Service.Items(t.Context(), period)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(items, func(it reviews.Item) bool { return it.Seat.Email == email })
	if i < 0 {
		t.Fatalf("%s not in review %s", email, period)
	}
	return items[i]
}

func ownerItems(t *testing.T, r *jobs.Reviews, period, owner string) []reviews.Item {
	t.Helper()
	items, err := r.Service.Items(t.Context(), period)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(items, func(it reviews.Item) bool { return it.Owner != owner })
}

// preparing is an outbox that can get ready for many people at once; it
// notes whom it was asked about, and how much had been sent by then.
type preparing struct {
	*outbox
	asked      [][]string
	sentBefore int
}

func (p *preparing) PrepareDirect(_ context.Context, emails []string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, slices.Clone(emails))
	p.sentBefore += p.n
	return errors.New("users.list refused")
}

// The digest job asks the transport to get ready for every owner at once
// before sending (Slack then finds them in one pass rather than one
// lookup each); the transport failing to only leaves each digest to look
// its owner up.
func TestDigestPreparesForEveryOwnerAtOnce(t *testing.T) {
	f := newReviewFixture(t)
	p := &preparing{outbox: f.out}
	r := f.reviews(t, "a")
	r.Notifier = p
	f.run(t, r.DigestJob())
	if want := [][]string{{dana, omar}}; !slices.EqualFunc(p.asked, want, slices.Equal) || p.sentBefore != 0 {
		t.Errorf("asked about %v with %d sent before; want %v before anything was sent", p.asked, p.sentBefore, want)
	}
	for _, owner := range []string{omar, dana} {
		if got := f.out.headlines(owner); len(got) != 1 {
			t.Errorf("%s got %q, want one digest", owner, got)
		}
	}
}

// TestTheDigestOpensFromTheSeatsTheReplicaHolds: with Judged set, the
// review opens from the seats it gives, reading no snapshot; when it
// does not hold the SaaS's seats, the snapshot is judged as before.
func TestTheDigestOpensFromTheSeatsTheReplicaHolds(t *testing.T) {
	for _, holds := range []bool{true, false} {
		t.Run(fmt.Sprintf("holds them: %v", holds), func(t *testing.T) {
			f := newReviewFixture(t)
			r := f.reviews(t, "replica-a")
			counting := &teststores.CountingSnapshots{Snapshots: f.store}
			r.Snapshots = counting
			asked := 0
			r.Judged = func(ctx context.Context, name string, now time.Time) (seats.Report, bool, error) {
				asked++
				if !holds {
					return seats.Report{}, false, nil
				}
				report, _, err := seats.Judge(ctx, f.store, name, r.Rules, now)
				return report, true, err
			}
			f.run(t, r.DigestJob())
			wantReads := int64(0)
			if !holds {
				wantReads = 1
			}
			if asked != 1 || counting.Reads.Load() != wantReads {
				t.Errorf("Judged asked %d times, the snapshot read %d times; want once and %d", asked, counting.Reads.Load(), wantReads)
			}
			if got := f.out.headlines(omar); len(got) != 1 || !strings.HasPrefix(got[0], "Seat review: ") {
				t.Errorf("Omar got %q, want one digest", got)
			}
		})
	}
}

package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/store"
)

const approvalsChannel = "C0APPROVALS"

// thread is a chat transport that tells a request's parent post, its
// thread replies, its redraws and direct messages apart.
type thread struct {
	mu      sync.Mutex
	n       int
	parents []bot.Message
	replies map[string][]bot.Message // by parent ts
	redraws map[string]int
	direct  map[string][]bot.Message
	// posted maps each key sent to where it went, as a Finder finds it.
	posted map[string]bot.MessageRef
}

func newThread() *thread {
	return &thread{replies: map[string][]bot.Message{}, redraws: map[string]int{}, direct: map[string][]bot.Message{}, posted: map[string]bot.MessageRef{}}
}

// ref is a new message's reference; callers hold t.mu.
func (t *thread) ref(msg bot.Message) bot.MessageRef {
	t.n++
	ref := bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: approvalsChannel, MessageID: fmt.Sprintf("1790000000.%06d", t.n)}
	if msg.Key != "" {
		t.posted[msg.Key] = ref
	}
	return ref
}

// FindPosted finds a message by its key wherever it went; the place is
// the adapters' to honour (TestFindPosted).
func (t *thread) FindPosted(_ context.Context, _ bot.Place, key string, _ time.Time) ([]bot.MessageRef, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ref, ok := t.posted[key]; ok {
		return []bot.MessageRef{ref}, nil
	}
	return nil, nil
}

func (t *thread) SendDirect(_ context.Context, email string, msg bot.Message) ([]bot.MessageRef, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.direct[email] = append(t.direct[email], msg)
	return []bot.MessageRef{t.ref(msg)}, nil
}

func (t *thread) SendChannel(_ context.Context, _ string, msg bot.Message) ([]bot.MessageRef, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.parents = append(t.parents, msg)
	return []bot.MessageRef{t.ref(msg)}, nil
}

func (t *thread) Update(_ context.Context, ref bot.MessageRef, _ bot.Message) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.redraws[ref.MessageID]++
	return nil
}

func (t *thread) ReplyInThread(_ context.Context, parent bot.MessageRef, msg bot.Message) ([]bot.MessageRef, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.replies[parent.MessageID] = append(t.replies[parent.MessageID], msg)
	return []bot.MessageRef{t.ref(msg)}, nil
}

// counts is what the transport saw: parents, replies, redraws, direct
// messages to requester.
func (t *thread) counts(requester string) [4]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	var replies, redraws int
	for _, r := range t.replies {
		replies += len(r)
	}
	for _, n := range t.redraws {
		redraws += n
	}
	return [4]int{len(t.parents), replies, redraws, len(t.direct[requester])}
}

type approvalFixture struct {
	store store.Store
	clock time.Time
	mu    sync.Mutex
	chat  *thread
}

func (f *approvalFixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clock
}

func (f *approvalFixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = f.clock.Add(d)
}

// replica is one bot process: its own service and courier over the
// shared store and chat.
func (f *approvalFixture) replica(holder string, approvers []string) *jobs.Approvals {
	svc := &approvals.Service{
		Records: f.store, Audit: f.store, Now: f.now, Holder: holder,
		Policy: approvals.Policy{Channel: approvalsChannel, Admins: []string{dana}, Approvers: approvers, HighRiskApprovals: 2},
	}
	return &jobs.Approvals{Service: svc, Notifier: f.chat, Keys: f.store}
}

func newApprovalFixture(t *testing.T, st store.Store) *approvalFixture {
	return &approvalFixture{store: st, clock: monday, chat: newThread()}
}

func boltFor(t *testing.T) store.Store  { return teststores.Bolt(t, nil) }
func redisFor(t *testing.T) store.Store { return teststores.Redis(t, "jobs") }

var appAnswers = approvals.Answers{
	approvals.FieldApp: "Salesforce Sync", approvals.FieldWhy: "Sync accounts", approvals.FieldScopes: "read",
	approvals.FieldOwner: omar, approvals.FieldReview: "2027-01-15",
}

func submit(t *testing.T, svc *approvals.Service, data string) approvals.Request {
	t.Helper()
	a := approvals.Answers{}
	for k, v := range appAnswers {
		a[k] = v
	}
	a[approvals.FieldData] = data
	r, err := svc.Submit(t.Context(), approvals.App.Name, approvals.Actor{Email: omar}, a, 0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A replica that records an approval and stops before posting what it
// promised leaves it in the request; the next replica's reminders run
// posts the reply, the redraw and the requester's message once.
func TestApprovalOutboxSurvivesACrash(t *testing.T) {
	f := newApprovalFixture(t, boltFor(t))
	ctx := t.Context()
	first := f.replica("replica-1", nil)
	r := submit(t, first.Service, approvals.DataTickets)
	if err := first.Deliver(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.chat.counts(omar); got != [4]int{1, 0, 0, 0} {
		t.Fatalf("after submitting: parents, replies, redraws, DMs = %v, want the parent only", got)
	}
	// Replica 1 records Dana's approval (the quorum of a low-risk request)
	// and dies before its courier runs.
	if _, err := first.Service.Approve(ctx, r.ID, approvals.Actor{Email: dana, Admin: true}); err != nil {
		t.Fatal(err)
	}

	second := f.replica("replica-2", nil)
	for range 2 { // a second run finds nothing left to post
		if err := second.Reminders(ctx, f.now()); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.chat.counts(omar); got != [4]int{1, 1, 1, 1} {
		t.Errorf("after the restart: parents, replies, redraws, DMs = %v, want 1 reply, 1 redraw, 1 DM", got)
	}
	stored, err := second.Service.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Outbox) != 0 || stored.State != approvals.Approved {
		t.Errorf("stored request: state %s, %d notices left; want approved and none", stored.State, len(stored.Outbox))
	}
}

// A replica that took the outbox and died holds it until its lease runs
// out; then another posts it, once.
func TestApprovalOutboxLeaseOfADeadReplica(t *testing.T) {
	f := newApprovalFixture(t, boltFor(t))
	ctx := t.Context()
	first := f.replica("replica-1", nil)
	r := submit(t, first.Service, approvals.DataTickets)
	if _, _, ok, err := first.Service.TakeOutbox(ctx, r.ID); err != nil || !ok {
		t.Fatalf("TakeOutbox = %v, %v", ok, err)
	}
	second := f.replica("replica-2", nil)
	if err := second.Reminders(ctx, f.now()); err != nil {
		t.Fatal(err)
	}
	if got := f.chat.counts(omar); got[0] != 0 {
		t.Fatalf("posted %d parents while another replica's lease was live", got[0])
	}
	f.advance(2 * time.Minute)
	for range 2 {
		if err := second.Reminders(ctx, f.now()); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.chat.counts(omar); got[0] != 1 {
		t.Errorf("parents posted after the lease ran out = %d, want 1", got[0])
	}
}

// lostAnswer posts what it is given and then reports failure for the
// sends listed by kind, as when Slack posted a message and its answer
// never came back.
type lostAnswer struct {
	*thread
	replies bool
}

func (l lostAnswer) ReplyInThread(ctx context.Context, parent bot.MessageRef, msg bot.Message) ([]bot.MessageRef, error) {
	refs, err := l.thread.ReplyInThread(ctx, parent, msg)
	if l.replies {
		return nil, context.DeadlineExceeded
	}
	return refs, err
}

// A notice whose send went out but was never recorded (the courier died
// after posting, or the answer never came back) is found by its key by
// the next courier and not posted again: one parent, which becomes the
// thread, and one reply.
func TestApprovalNoticeSentButNotRecordedIsNotSentTwice(t *testing.T) {
	t.Run("the courier died after posting the parent", func(t *testing.T) {
		f := newApprovalFixture(t, boltFor(t))
		ctx := t.Context()
		first := f.replica("replica-1", nil)
		r := submit(t, first.Service, approvals.DataTickets)
		taken, _, ok, err := first.Service.TakeOutbox(ctx, r.ID)
		if err != nil || !ok {
			t.Fatalf("TakeOutbox = %v, %v", ok, err)
		}
		posted, err := f.chat.SendChannel(ctx, approvalsChannel, bot.Message{Headline: r.ID, Key: taken.Outbox[0].Key(r.ID)})
		if err != nil {
			t.Fatal(err)
		}
		// Replica 1 is gone; Dana approves on replica 2 once its lease
		// has run out.
		f.advance(2 * time.Minute)
		second := f.replica("replica-2", nil)
		if _, err := second.Service.Approve(ctx, r.ID, approvals.Actor{Email: dana, Admin: true}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := second.Reminders(ctx, f.now()); err != nil {
				t.Fatal(err)
			}
		}
		if got := f.chat.counts(omar); got != [4]int{1, 1, 1, 1} {
			t.Errorf("parents, replies, redraws, DMs = %v, want one of each", got)
		}
		stored, err := second.Service.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Thread.Message != posted[0].MessageID || len(f.chat.replies[posted[0].MessageID]) != 1 {
			t.Errorf("thread %+v with replies %v; want the parent replica 1 posted, with the approval in it", stored.Thread, f.chat.replies)
		}
	})
	t.Run("the answer to a reply was lost", func(t *testing.T) {
		f := newApprovalFixture(t, boltFor(t))
		ctx := t.Context()
		first := f.replica("replica-1", nil)
		r := submit(t, first.Service, approvals.DataTickets)
		if err := first.Deliver(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := first.Service.Approve(ctx, r.ID, approvals.Actor{Email: dana, Admin: true}); err != nil {
			t.Fatal(err)
		}
		first.Notifier = lostAnswer{thread: f.chat, replies: true}
		if err := first.Deliver(ctx, r.ID); err == nil {
			t.Fatal("Deliver reported success though the reply's answer was lost")
		}
		first.Notifier = f.chat
		for range 2 {
			if err := first.Reminders(ctx, f.now()); err != nil {
				t.Fatal(err)
			}
		}
		if got := f.chat.counts(omar); got != [4]int{1, 1, 1, 1} {
			t.Errorf("parents, replies, redraws, DMs = %v, want one of each", got)
		}
	})
}

// Fifty approvers press Approve at once on a request that needs two, each
// click followed by its courier, as the command path does, on two
// replicas: two approvals, one transition, one outcome reply, one
// requester message.
func TestFiftyApproversAtOnce(t *testing.T) {
	for name, open := range map[string]func(*testing.T) store.Store{"bolt": boltFor, "redis": redisFor} {
		t.Run(name, func(t *testing.T) {
			f := newApprovalFixture(t, open(t))
			ctx := t.Context()
			var approvers []string
			for i := range 50 {
				approvers = append(approvers, fmt.Sprintf("approver%02d@acme.example", i))
			}
			replicas := []*jobs.Approvals{f.replica("replica-1", approvers), f.replica("replica-2", approvers)}
			r := submit(t, replicas[0].Service, approvals.DataCustomerPII)
			if r.Needed != 2 {
				t.Fatalf("a customer-PII app needs %d approvals, want 2", r.Needed)
			}
			if err := replicas[0].Deliver(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			won := 0
			for i, who := range approvers {
				rep := replicas[i%2]
				wg.Go(func() {
					_, err := rep.Service.Approve(ctx, r.ID, approvals.Actor{Email: who})
					if err == nil {
						mu.Lock()
						won++
						mu.Unlock()
					}
					if err := rep.Deliver(ctx, r.ID); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			// Whatever a courier left to the other replica is posted by the
			// time both have run once more.
			for _, rep := range replicas {
				if err := rep.Reminders(ctx, f.now()); err != nil {
					t.Fatal(err)
				}
			}
			stored, err := replicas[0].Service.Get(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if won != 2 || len(stored.Approvals) != 2 || stored.State != approvals.Approved {
				t.Errorf("approvals accepted %d, stored %d, state %s; want 2, 2, approved", won, len(stored.Approvals), stored.State)
			}
			got := f.chat.counts(omar)
			if got[0] != 1 || got[1] != 2 || got[3] != 1 {
				t.Errorf("parents, replies, redraws, DMs = %v; want 1 parent, 2 replies (one approval, one outcome), 1 DM", got)
			}
			if got[2] < 1 || got[2] > 2 {
				t.Errorf("redraws = %d, want 1 or 2 (queued redraws collapse)", got[2])
			}
			entries, err := f.store.ListAudit(ctx, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			transitions := 0
			for _, e := range entries {
				if e.Action == "approval.approved" {
					transitions++
				}
			}
			if transitions != 1 {
				t.Errorf("approval.approved audited %d times, want 1", transitions)
			}
		})
	}
}

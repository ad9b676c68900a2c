package commands

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// TestAnswersFollowTheSnapshotAndTheCalendar: commands answer from a
// judged snapshot kept between them. A new day is seen by the next
// command; a sync saved by this process too (SnapshotSaved judges it
// before returning), and one saved by another replica within the check
// interval, judged in the background while the last view answers. A
// change this process patched into the snapshot is applied to the view
// as it stands; one patched by another replica is seen as a sync is and
// applied the same way.
// Nothing else makes them decode the snapshot again.
func TestAnswersFollowTheSnapshotAndTheCalendar(t *testing.T) {
	f := newFixture(t, fixtureSnapshot())
	counting := &teststores.CountingSnapshots{Snapshots: f.store}
	f.deps.Snapshots = counting
	clock := now
	f.deps.Now = func() time.Time { return clock }
	r, err := New(f.deps)
	if err != nil {
		t.Fatal(err)
	}
	removeAgent := func(n int) func() {
		return func() {
			snap := fixtureSnapshot()
			snap.Staff = snap.Staff[:len(snap.Staff)-n] // the last agents, 87–93 days inactive, removed in Zendesk
			if err := f.store.SaveSnapshot(t.Context(), snap); err != nil {
				t.Fatal(err)
			}
		}
	}

	// patchAgent takes the nth last agent out of the snapshot, as a
	// Remove does, on this replica (patched) or another (nil).
	patchAgent := func(n int, patched func(name, before, after string, patches []store.MemberPatch)) func() {
		return func() {
			staff := fixtureSnapshot().Staff
			p := &seats.Patcher{Store: f.store, Patched: patched}
			if err := p.Put(t.Context(), connector.Zendesk, staff[len(staff)-n].ID, nil); err != nil {
				t.Fatal(err)
			}
		}
	}

	// Agent 15 is 72 days inactive: a day later, one more seat is over 73.
	headline := func() string { return ask(r, admin, "seats inactive 73").Headline }
	steps := []struct {
		name      string
		change    func()
		want      string
		wantLoads int64
	}{
		{"first answer loads the snapshot", func() {}, "Inactive seats: 9 with", 1},
		{"the same question again is answered from memory", func() {}, "Inactive seats: 9 with", 1},
		{"later the same day, still from memory", func() { clock = clock.Add(3 * time.Hour) }, "Inactive seats: 9 with", 1},
		{"a new day re-judges inactivity", func() { clock = clock.Add(24 * time.Hour) }, "Inactive seats: 10 with", 2},
		{"a sync by this process is seen at once", func() { removeAgent(1)(); r.SnapshotSaved() }, "Inactive seats: 9 with", 3},
		{"a sync by another replica is not looked for within the second", removeAgent(2), "Inactive seats: 9 with", 3},
		{"once the second has passed, the last view answers while the new one is judged", func() { clock = clock.Add(DefaultSnapshotCheck) }, "Inactive seats: 9 with", -1},
		{"and the next answer has it", r.settleViews, "Inactive seats: 8 with", 4},
		{"a sync that changes nothing costs no decode", func() { removeAgent(2)(); r.SnapshotSaved() }, "Inactive seats: 8 with", 4},
		{"a change this process made shows at once, without a decode", patchAgent(3, r.SnapshotPatched), "Inactive seats: 7 with", 4},
		{"one another replica made is applied in the background once the second has passed, without a decode", func() {
			patchAgent(4, nil)()
			clock = clock.Add(DefaultSnapshotCheck)
			ask(r, admin, "seats")
			r.settleViews()
		}, "Inactive seats: 6 with", 4},
		{"a sync by another replica that read Zendesk before the patches undoes them, and is judged again", func() {
			removeAgent(2)() // the members the patches were made to
			clock = clock.Add(DefaultSnapshotCheck)
			ask(r, admin, "seats")
			r.settleViews()
		}, "Inactive seats: 8 with", 5},
		{"a sync after the patches is judged again", func() { removeAgent(5)(); r.SnapshotSaved() }, "Inactive seats: 5 with", 6},
	}
	for _, s := range steps {
		s.change()
		if got := headline(); !strings.HasPrefix(got, s.want) {
			t.Errorf("%s: headline %q, want it to start %q", s.name, got, s.want)
		}
		if got := counting.Reads.Load(); s.wantLoads >= 0 && got != s.wantLoads {
			t.Errorf("%s: %d snapshot loads so far, want %d", s.name, got, s.wantLoads)
		}
	}
}

// TestConcurrentCommandsShareOneDecode: many people asking at once after a
// sync wait for one decode instead of each starting their own.
func TestConcurrentCommandsShareOneDecode(t *testing.T) {
	f := newFixture(t, fixtureSnapshot())
	counting := &teststores.CountingSnapshots{Snapshots: f.store}
	f.deps.Snapshots = counting
	r := f.router(t)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			text := []string{"seats", "seats inactive", "seats user fox@example.com", "seats group Tier 2"}[i%4]
			if m := ask(r, admin, text); m.Headline == "" {
				t.Errorf("%q: no answer: %+v", text, m)
			}
		})
	}
	wg.Wait()
	if got := counting.Reads.Load(); got != 1 {
		t.Errorf("32 concurrent commands decoded the snapshot %d times, want 1", got)
	}
}

// bigSnapshot is an account of n paid agents over 50 groups, a third of
// them inactive.
func bigSnapshot(n int) *store.Snapshot {
	s := &store.Snapshot{SyncedAt: now.Add(-time.Minute), Connector: connector.Zendesk, Account: "https://big.zendesk.com"}
	for g := range 50 {
		s.Groups = append(s.Groups, connector.Group{ID: int64(g + 1), Name: fmt.Sprintf("Group %02d", g+1)})
	}
	for i := range n {
		login := now.AddDate(0, 0, -(i % 90))
		gid := int64(i%50 + 1)
		s.Staff = append(s.Staff, connector.Staff{ID: int64(1000 + i), Name: fmt.Sprintf("Agent %d", i),
			Email: fmt.Sprintf("agent%d@big.example", i), Role: "agent", DefaultGroupID: &gid, LastActivity: &login, CreatedAt: now.AddDate(-1, 0, 0)})
		s.Memberships = append(s.Memberships, connector.Membership{UserID: int64(1000 + i), GroupID: gid, Default: true})
	}
	return s
}

// BenchmarkSeatCommands50k answers seat questions over a 50,000-seat
// snapshot from the cache, as every command after the first does.
func BenchmarkSeatCommands50k(b *testing.B) {
	f := newFixture(b, bigSnapshot(50_000))
	r := f.router(b)
	for _, text := range []string{"seats", "seats inactive 60", "seats user agent4242@big.example", "seats group Group 07"} {
		b.Run(strings.ReplaceAll(text, " ", "_"), func(b *testing.B) {
			ask(r, admin, text) // the first decodes
			b.ReportAllocs()
			for b.Loop() {
				if m := ask(r, admin, text); m.Headline == "" {
					b.Fatalf("no answer: %+v", m)
				}
			}
		})
	}
	b.Run("first_answer_after_a_sync", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := f.router(b) // a fresh router has an empty cache
			ask(r, admin, "seats")
		}
	})
}

// blockingSnapshots holds every load after the first until released.
type blockingSnapshots struct {
	store.Snapshots
	loads   atomic.Int64
	release chan struct{}
	// held, when set, hears each load that is held.
	held chan struct{}
}

func (b *blockingSnapshots) LoadSnapshot(ctx context.Context, name string) (*store.Snapshot, error) {
	b.hold()
	return b.Snapshots.LoadSnapshot(ctx, name)
}

func (b *blockingSnapshots) ReadSnapshot(ctx context.Context, name string, member func(connector.Staff) error) (*store.Snapshot, error) {
	if member != nil {
		b.hold()
	}
	return b.Snapshots.ReadSnapshot(ctx, name, member)
}

func (b *blockingSnapshots) hold() {
	if b.loads.Add(1) > 1 {
		if b.held != nil {
			b.held <- struct{}{}
		}
		<-b.release
	}
}

// TestNobodyWaitsBehindARebuild: after another replica's sync, however
// long judging the new snapshot takes, people asking meanwhile are
// answered at once from the last view; one rebuild runs, and the answers
// after it have the new snapshot.
func TestNobodyWaitsBehindARebuild(t *testing.T) {
	f := newFixture(t, fixtureSnapshot())
	slow := &blockingSnapshots{Snapshots: f.store, release: make(chan struct{})}
	f.deps.Snapshots = slow
	clock := now
	var mu sync.Mutex
	f.deps.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	r, err := New(f.deps)
	if err != nil {
		t.Fatal(err)
	}
	headline := func() string { return ask(r, admin, "seats inactive 73").Headline }
	if got := headline(); !strings.HasPrefix(got, "Inactive seats: 9 with") {
		t.Fatalf("first answer %q", got)
	}
	snap := fixtureSnapshot()
	snap.Staff = snap.Staff[:len(snap.Staff)-2]
	if err := f.store.SaveSnapshot(t.Context(), snap); err != nil { // another replica's sync
		t.Fatal(err)
	}
	mu.Lock()
	clock = clock.Add(DefaultSnapshotCheck)
	mu.Unlock()

	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			if got := headline(); !strings.HasPrefix(got, "Inactive seats: 9 with") {
				t.Errorf("an answer during the rebuild: %q", got)
			}
		})
	}
	wg.Wait() // all answered while the rebuild is still held
	close(slow.release)
	r.settleViews()
	if got := headline(); !strings.HasPrefix(got, "Inactive seats: 7 with") {
		t.Errorf("after the rebuild: %q", got)
	}
	if got := slow.loads.Load(); got != 2 {
		t.Errorf("%d loads, want the first and one rebuild", got)
	}
}

// BenchmarkSeatCommandsScale answers `seats` at 1,000 to 200,000 seats on
// both stores: cold (a replica's first answer: load and judge the
// snapshot) and warm (every answer after, from the judged view), and the
// answer while another replica's new snapshot is being judged, which the
// last view gives.
//
//	go test -run '^$' -bench SeatCommandsScale -benchtime 20x ./commands/
func BenchmarkSeatCommandsScale(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 50_000, 200_000} {
		snap := bigSnapshot(n)
		for _, st := range []struct {
			name string
			open func(testing.TB) store.Store
		}{
			{"bolt", func(tb testing.TB) store.Store { return teststores.Bolt(tb, nil) }},
			{"redis", func(tb testing.TB) store.Store { return teststores.Redis(tb, "scale") }},
		} {
			b.Run(fmt.Sprintf("%dk_seats/%s", n/1000, st.name), func(b *testing.B) {
				f := newFixture(b, nil)
				s := st.open(b)
				if err := s.SaveSnapshot(b.Context(), snap); err != nil {
					b.Fatal(err)
				}
				f.deps.Snapshots, f.deps.Audit = s, s
				var cold, warm time.Duration
				var heap uint64
				for b.Loop() {
					runtime.GC()
					var before, after runtime.MemStats
					runtime.ReadMemStats(&before)
					r := f.router(b) // a fresh replica
					began := time.Now()
					ask(r, admin, "seats")
					cold += time.Since(began)
					began = time.Now()
					ask(r, admin, "seats")
					warm += time.Since(began)
					runtime.GC()
					runtime.ReadMemStats(&after)
					heap = max(heap, after.HeapInuse-min(before.HeapInuse, after.HeapInuse))
					runtime.KeepAlive(r)
				}
				b.ReportMetric(float64(cold.Microseconds())/float64(b.N)/1000, "cold-ms")
				b.ReportMetric(float64(warm.Microseconds())/float64(b.N)/1000, "warm-ms")
				b.ReportMetric(float64(heap)/(1<<20), "view-MB")
			})
		}
	}
}

// BenchmarkAskersAfterASync has 5,000 people ask `seats` at once right
// after another replica saved a new 50,000-seat snapshot: the last view
// answers them all while one rebuild runs, so the slowest waits for no
// decode. It reports the slowest answer and the rebuild's own time.
//
//	go test -run '^$' -bench AskersAfterASync -benchtime 3x ./commands/
func BenchmarkAskersAfterASync(b *testing.B) {
	f := newFixture(b, bigSnapshot(50_000))
	clock := now
	var mu sync.Mutex
	f.deps.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	r, err := New(f.deps)
	if err != nil {
		b.Fatal(err)
	}
	ask(r, admin, "seats") // the view before the sync
	var slowest, rebuild time.Duration
	for i := 0; b.Loop(); i++ {
		next := bigSnapshot(50_000 - 1 - i%2) // another replica's sync changed something
		if err := f.store.SaveSnapshot(b.Context(), next); err != nil {
			b.Fatal(err)
		}
		mu.Lock()
		clock = clock.Add(DefaultSnapshotCheck)
		mu.Unlock()
		began := time.Now()
		var wg sync.WaitGroup
		var worst atomic.Int64
		for range 5_000 {
			wg.Go(func() {
				t := time.Now()
				if m := ask(r, admin, "seats"); m.Headline == "" {
					b.Errorf("no answer: %+v", m)
				}
				d := int64(time.Since(t))
				for {
					w := worst.Load()
					if d <= w || worst.CompareAndSwap(w, d) {
						break
					}
				}
			})
		}
		wg.Wait()
		slowest = max(slowest, time.Duration(worst.Load()))
		r.settleViews()
		rebuild = max(rebuild, time.Since(began))
		if got, want := ask(r, admin, "seats").Headline, fmt.Sprintf("%d paid", len(next.Staff)); !strings.Contains(got, want) {
			b.Fatalf("after the rebuild: %q, want %q", got, want)
		}
	}
	b.ReportMetric(float64(slowest.Microseconds())/1000, "slowest-answer-ms")
	b.ReportMetric(float64(rebuild.Microseconds())/1000, "rebuild-done-ms")
}

// On the replica that synced, people asking while SnapshotSaved judges
// the new snapshot are answered from the last view; once it returns,
// answers have the new one.
func TestNobodyWaitsBehindTheSyncingReplica(t *testing.T) {
	f := newFixture(t, fixtureSnapshot())
	slow := &blockingSnapshots{Snapshots: f.store, release: make(chan struct{}), held: make(chan struct{}, 1)}
	f.deps.Snapshots = slow
	r, err := New(f.deps)
	if err != nil {
		t.Fatal(err)
	}
	headline := func() string { return ask(r, admin, "seats inactive 73").Headline }
	if got := headline(); !strings.HasPrefix(got, "Inactive seats: 9 with") {
		t.Fatalf("first answer %q", got)
	}
	snap := fixtureSnapshot()
	snap.Staff = snap.Staff[:len(snap.Staff)-2]
	if err := f.store.SaveSnapshot(t.Context(), snap); err != nil {
		t.Fatal(err)
	}
	saved := make(chan struct{})
	go func() { r.SnapshotSaved(); close(saved) }()
	<-slow.held // SnapshotSaved is judging the new snapshot now
	if got := headline(); !strings.HasPrefix(got, "Inactive seats: 9 with") {
		t.Errorf("an answer while the sync's snapshot is judged: %q", got)
	}
	close(slow.release)
	<-saved
	if got := headline(); !strings.HasPrefix(got, "Inactive seats: 7 with") {
		t.Errorf("after SnapshotSaved: %q", got)
	}
}

// TestTheSummaryNamesTheSnapshotItWasDrawnFrom: the seat summary is the
// same for everyone who asks while the snapshot and the day stand, and
// says so by its name, which a transport may answer the next question
// from; a new snapshot or a new day names another.
func TestTheSummaryNamesTheSnapshotItWasDrawnFrom(t *testing.T) {
	f := newFixture(t, fixtureSnapshot())
	clock := now
	f.deps.Now = func() time.Time { return clock }
	r, err := New(f.deps)
	if err != nil {
		t.Fatal(err)
	}
	first := ask(r, admin, "seats")
	if first.Same == "" {
		t.Fatal("the summary has no name")
	}
	if again := ask(r, admin, "seats"); again.Same != first.Same || again.Headline != first.Headline {
		t.Errorf("asked again: %q (%q), want %q (%q)", again.Same, again.Headline, first.Same, first.Headline)
	}
	snap := fixtureSnapshot()
	snap.Staff = snap.Staff[:len(snap.Staff)-1]
	if err := f.store.SaveSnapshot(t.Context(), snap); err != nil {
		t.Fatal(err)
	}
	r.SnapshotSaved()
	synced := ask(r, admin, "seats")
	if synced.Same == "" || synced.Same == first.Same || synced.Headline == first.Headline {
		t.Errorf("after a sync: %q (%q), want a new name and a new answer than %q (%q)", synced.Same, synced.Headline, first.Same, first.Headline)
	}
	clock = clock.AddDate(0, 0, 1)
	if nextDay := ask(r, admin, "seats"); nextDay.Same == "" || nextDay.Same == synced.Same {
		t.Errorf("the next day: %q, want a name other than %q", nextDay.Same, synced.Same)
	}
}

// TestJobsReadTheSeatsTheCommandsJudged: a job opening a review reads the
// seats from the replica's view, judged the same as seats.Judge judges
// them; it never reads a view a sync has moved past, judging the new
// snapshot then, which the commands answer from next. A SaaS the commands
// do not govern is left to the job.
func TestJobsReadTheSeatsTheCommandsJudged(t *testing.T) {
	f := newFixture(t, fixtureSnapshot())
	counting := &teststores.CountingSnapshots{Snapshots: f.store}
	f.deps.Snapshots = counting
	f.deps.Now = func() time.Time { return now }
	r, err := New(f.deps)
	if err != nil {
		t.Fatal(err)
	}
	inactive := func(rep seats.Report) int {
		n := 0
		for _, st := range rep.Paid {
			if st.Inactive {
				n++
			}
		}
		return n
	}
	judged := func() seats.Report {
		t.Helper()
		rep, ok, err := r.JudgedSeats(t.Context(), connector.Zendesk, now)
		if err != nil || !ok {
			t.Fatalf("JudgedSeats: ok %v, %v", ok, err)
		}
		return rep
	}
	want, _, err := seats.Judge(t.Context(), f.store, connector.Zendesk, f.deps.Policy, now)
	if err != nil {
		t.Fatal(err)
	}
	ask(r, admin, "seats")
	if got := judged(); !cmp.Equal(got, want) || counting.Reads.Load() != 1 {
		t.Errorf("after a question: %d snapshot reads, report equal to seats.Judge's: %v; want 1 read and equal", counting.Reads.Load(), cmp.Equal(got, want))
	}

	// Another replica syncs: the commands may answer from the last view
	// for a second, the job may not.
	snap := fixtureSnapshot()
	snap.Staff = snap.Staff[:len(snap.Staff)-2]
	if err := f.store.SaveSnapshot(t.Context(), snap); err != nil {
		t.Fatal(err)
	}
	if got := inactive(judged()); got != inactive(want)-2 || counting.Reads.Load() != 2 {
		t.Errorf("after another replica's sync: %d inactive after %d reads, want %d after 2", got, counting.Reads.Load(), inactive(want)-2)
	}
	if got := ask(r, admin, "seats inactive"); !strings.Contains(got.Headline, strconv.Itoa(inactive(want)-2)) || counting.Reads.Load() != 2 {
		t.Errorf("the commands then: %q after %d reads, want the job's view and no read", got.Headline, counting.Reads.Load())
	}

	if _, ok, err := r.JudgedSeats(t.Context(), connector.GitHub, now); ok || err != nil {
		t.Errorf("GitHub, not governed here: ok %v, %v; want it left to the job", ok, err)
	}
}

package directory_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/store"
)

var start = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

func person(id, email string, status directory.Status, managerID string) directory.Person {
	return directory.Person{ID: id, Emails: []string{email}, Status: status, ManagerID: managerID}
}

// fakeSource serves scripted reads and records the cursors it was asked.
type fakeSource struct {
	reads   []directory.Read
	errs    []error
	cursors []string
}

func (f *fakeSource) Name() string { return "okta" }

func (f *fakeSource) ReadPeople(_ context.Context, cursor string) (directory.Read, error) {
	f.cursors = append(f.cursors, cursor)
	r, err := f.reads[0], f.errs[0]
	f.reads, f.errs = f.reads[1:], f.errs[1:]
	return r, err
}

func (f *fakeSource) next(r directory.Read, err error) {
	f.reads, f.errs = append(f.reads, r), append(f.errs, err)
}

// company is n active people reporting to p0, read whole.
func company(n int) directory.Read {
	r := directory.Read{Full: true, Cursor: "c-full"}
	for i := range n {
		r.People = append(r.People, person(fmt.Sprintf("p%d", i), fmt.Sprintf("p%d@acme.example", i), directory.Active, "p0"))
	}
	return r
}

func TestIndexFindsEveryEmailButShared(t *testing.T) {
	snap := &directory.Snapshot{People: []directory.Person{
		{ID: "1", Emails: []string{"dana@acme.example", "dana.lee@acme.example"}},
		{ID: "2", Emails: []string{"omar@acme.example", "support@acme.example"}},
		{ID: "3", Emails: []string{"mei@acme.example", "support@acme.example"}},
	}}
	ix := snap.Index()
	tests := []struct {
		email, want string
	}{
		{"dana@acme.example", "1"}, {"Dana.Lee@ACME.example", "1"}, {"omar@acme.example", "2"},
		{"support@acme.example", ""}, {"nobody@acme.example", ""},
	}
	for _, tt := range tests {
		p, ok := ix.Find(tt.email)
		if (tt.want == "") == ok || p.ID != tt.want {
			t.Errorf("Find(%s) = %q, %v; want %q", tt.email, p.ID, ok, tt.want)
		}
	}
	if got := ix.Shared["support@acme.example"]; !slices.Equal(got, []string{"2", "3"}) {
		t.Errorf("shared = %v", ix.Shared)
	}
}

func TestNormalize(t *testing.T) {
	p := directory.Person{Emails: []string{" Dana@Acme.Example ", "not an email", "dana@acme.example", "d.lee@acme.example"}}
	if !directory.Normalize(&p) || !slices.Equal(p.Emails, []string{"dana@acme.example", "d.lee@acme.example"}) {
		t.Errorf("emails %q", p.Emails)
	}
	if none := (directory.Person{Emails: []string{"x"}}); directory.Normalize(&none) {
		t.Error("a person without a valid email was kept")
	}
}

// Merging: a full read replaces (keeping the unlisted as deleted, for a
// while), a change read replaces whom it names, and managers resolve
// from ids or emails.
func TestMerge(t *testing.T) {
	prev := directory.Merge(nil, "okta", directory.Read{Full: true, People: []directory.Person{
		person("a", "ana@acme.example", directory.Active, ""),
		person("b", "ben@acme.example", directory.Active, "a"),
		person("c", "cy@acme.example", directory.Active, "ana@acme.example"),
		person("d", "dee@acme.example", directory.Active, "d"),
	}}, start)
	managers := map[string]string{}
	for _, p := range prev.People {
		managers[p.ID] = p.Manager
	}
	if want := map[string]string{"a": "", "b": "ana@acme.example", "c": "ana@acme.example", "d": ""}; fmt.Sprint(managers) != fmt.Sprint(want) {
		t.Errorf("managers %v, want %v", managers, want)
	}

	changed := directory.Merge(prev, "okta", directory.Read{People: []directory.Person{
		person("b", "ben@acme.example", directory.Deactivated, "a"), person("e", "eve@acme.example", directory.Active, "b")}}, start.Add(time.Hour))
	if got := ids(changed.People); !slices.Equal(got, []string{"a", "b", "c", "d", "e"}) || changed.People[1].Status != directory.Deactivated {
		t.Errorf("after changes: %v", changed.People)
	}
	if got := ids(directory.Departures(prev, changed)); !slices.Equal(got, []string{"b"}) {
		t.Errorf("departures %v, want b", got)
	}

	full := directory.Merge(changed, "okta", directory.Read{Full: true, People: changed.People[:3]}, start.Add(2*time.Hour))
	if got := ids(full.People); !slices.Equal(got, []string{"a", "b", "c", "d", "e"}) || full.People[3].Status != directory.Deleted {
		t.Errorf("a full read without d and e: %+v", full.People)
	}
	later := directory.Merge(full, "okta", directory.Read{Full: true, People: full.People[:3]}, start.Add(directory.KeepDeleted+3*time.Hour))
	if got := ids(later.People); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("deleted people kept past KeepDeleted: %v", got)
	}
}

func ids(ps []directory.Person) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// A read that would have half the company leave at once is held: the
// last good read stays and nobody departs. This is the mass removal a
// misconfigured filter would cause.
func TestSafety(t *testing.T) {
	prev := directory.Merge(nil, "okta", company(100), start)
	deactivate := func(n int) directory.Read {
		r := company(100)
		for i := range n {
			r.People[i].Status = directory.Deactivated
		}
		return r
	}
	tests := []struct {
		name string
		read directory.Read
		held bool
	}{
		{"a few leave", deactivate(10), false},
		{"half leave", deactivate(50), false},
		{"more than half leave", deactivate(51), true},
		{"a filter that returns 40 people", directory.Read{Full: true, People: company(100).People[:40]}, true},
		{"nobody listed", directory.Read{Full: true}, true},
		{"an empty change read", directory.Read{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := directory.Merge(prev, "okta", tt.read, start.Add(time.Hour))
			err := directory.Safety{}.Check(prev, tt.read, next)
			var held *directory.HeldError
			if errors.As(err, &held) != tt.held {
				t.Errorf("Check = %v, want held %v", err, tt.held)
			}
		})
	}
}

func stores() map[string]func(testing.TB) store.Store {
	return map[string]func(testing.TB) store.Store{
		"bolt":  func(tb testing.TB) store.Store { return teststores.Bolt(tb, nil) },
		"redis": func(tb testing.TB) store.Store { return teststores.Redis(tb, "directory") },
	}
}

// The service keeps the last good read, reads changes from its cursor
// between full reads, and a held read changes nothing.
func TestServiceSync(t *testing.T) {
	for name, newStore := range stores() {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			now := start
			src := &fakeSource{}
			svc := &directory.Service{Records: newStore(t), Source: src, Now: func() time.Time { return now }}
			if _, err := svc.Load(ctx); !errors.Is(err, directory.ErrNoDirectory) {
				t.Fatalf("before any read: %v", err)
			}

			src.next(company(10), nil)
			res, err := svc.Sync(ctx)
			if err != nil || !res.Full || len(res.Departed) != 0 || res.Snapshot.Active() != 10 {
				t.Fatalf("first sync: %+v, %v", res, err)
			}

			now = now.Add(15 * time.Minute)
			left := person("p3", "p3@acme.example", directory.Suspended, "p0")
			src.next(directory.Read{People: []directory.Person{left}, Cursor: "c-2"}, nil)
			res, err = svc.Sync(ctx)
			if err != nil || res.Full || !slices.Equal(ids(res.Departed), []string{"p3"}) {
				t.Fatalf("change sync: %+v, %v", res, err)
			}

			now = now.Add(15 * time.Minute)
			src.next(directory.Read{Full: true, People: company(10).People[:2]}, nil)
			if _, err := svc.Sync(ctx); !errors.As(err, new(*directory.HeldError)) {
				t.Fatalf("a read of 2 of 10: %v, want held", err)
			}
			kept, err := svc.Load(ctx)
			if err != nil || kept.Active() != 9 || kept.Cursor != "c-2" {
				t.Errorf("after a held read the directory is %d active, cursor %q, %v; want the last good one", kept.Active(), kept.Cursor, err)
			}

			src.next(directory.Read{}, errors.New("okta: 503"))
			if _, err := svc.Sync(ctx); err == nil {
				t.Error("a failed read was not an error")
			}

			now = now.Add(directory.DefaultFullEvery)
			src.next(company(10), nil)
			if res, err := svc.Sync(ctx); err != nil || !res.Full {
				t.Errorf("a day later: %+v, %v; want a full read", res, err)
			}
			if want := []string{"", "c-full", "c-2", "c-2", ""}; !slices.Equal(src.cursors, want) {
				t.Errorf("cursors asked %q, want %q", src.cursors, want)
			}
		})
	}
}

// The directory names a person's manager, by any of their emails, unless
// the manager has left; before the first read it knows nobody's.
func TestManagerOf(t *testing.T) {
	ctx := t.Context()
	src := &fakeSource{}
	svc := &directory.Service{Records: teststores.Bolt(t, nil), Source: src, Now: func() time.Time { return start }}
	if m, ok, err := svc.ManagerOf(ctx, "lee@acme.example"); ok || err != nil {
		t.Fatalf("before a read: %q %v %v", m, ok, err)
	}
	src.next(directory.Read{Full: true, People: []directory.Person{
		person("1", "dana@acme.example", directory.Active, ""),
		{ID: "2", Emails: []string{"lee@acme.example", "l.park@acme.example"}, Status: directory.Active, ManagerID: "1"},
		person("3", "old@acme.example", directory.Deactivated, ""),
		person("4", "sam@acme.example", directory.Active, "3"),
	}}, nil)
	if _, err := svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ email, want string }{
		{"lee@acme.example", "dana@acme.example"}, {"L.Park@acme.example", "dana@acme.example"},
		{"sam@acme.example", ""}, {"dana@acme.example", ""}, {"stranger@acme.example", ""},
	}
	for _, tt := range tests {
		m, ok, err := svc.ManagerOf(ctx, tt.email)
		if err != nil || m != tt.want || ok != (tt.want != "") {
			t.Errorf("ManagerOf(%s) = %q, %v, %v; want %q", tt.email, m, ok, err, tt.want)
		}
	}
	// The source's own id (Teams' Entra object id) answers for people
	// still here, by any of their emails.
	ids := []struct{ email, want string }{{"l.park@acme.example", "2"}, {"old@acme.example", ""}, {"stranger@acme.example", ""}}
	for _, tt := range ids {
		id, ok, err := svc.SourceID(ctx, tt.email)
		if err != nil || id != tt.want || ok != (tt.want != "") {
			t.Errorf("SourceID(%s) = %q, %v, %v; want %q", tt.email, id, ok, err, tt.want)
		}
	}
}

// An email an active person answers to is never a leaver's, though
// someone who left once answered to it (a rehire, an address given
// again); a read that names someone twice keeps them once.
func TestLeaversAndRepeats(t *testing.T) {
	snap := directory.Merge(nil, "okta", directory.Read{Full: true, People: []directory.Person{
		person("old", "dana@acme.example", directory.Deactivated, ""),
		person("new", "dana@acme.example", directory.Active, ""),
		person("gone", "lee@acme.example", directory.Deactivated, ""),
		person("mei", "mei@acme.example", directory.Active, ""),
		person("mei", "mei@acme.example", directory.Suspended, ""),
	}}, start)
	left := snap.Leavers()
	if _, ok := left["dana@acme.example"]; ok {
		t.Error("an active person's email counts as a leaver's")
	}
	if _, ok := left["lee@acme.example"]; !ok {
		t.Error("lee left but is not a leaver")
	}
	if got := ids(snap.People); !slices.Equal(got, []string{"gone", "mei", "new", "old"}) {
		t.Errorf("people %v: mei twice, or someone lost", got)
	}
	if p, ok := snap.Index().Find("mei@acme.example"); !ok || p.Status != directory.Suspended {
		t.Errorf("mei: %+v, %v; want the later entry, found by her own email", p, ok)
	}

	partial := directory.Merge(snap, "graph", directory.Read{Partial: true, People: []directory.Person{
		{ID: "mei", Status: directory.Active}, {ID: "mei", Title: "Lead"},
	}}, start.Add(time.Hour))
	if p, _ := partial.Index().Find("mei@acme.example"); p.Status != directory.Active || p.Title != "Lead" {
		t.Errorf("two partial entries for mei merged to %+v", p)
	}
}

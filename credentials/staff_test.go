package credentials_test

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/store"
)

// countingReads counts the reads of a snapshot's members.
type countingReads struct {
	store.Snapshots
	reads atomic.Int64
}

func (c *countingReads) LoadSnapshot(ctx context.Context, name string) (*store.Snapshot, error) {
	c.reads.Add(1)
	return c.Snapshots.LoadSnapshot(ctx, name)
}

func (c *countingReads) ReadSnapshot(ctx context.Context, name string, member func(connector.Staff) error) (*store.Snapshot, error) {
	if member != nil {
		c.reads.Add(1)
	}
	return c.Snapshots.ReadSnapshot(ctx, name, member)
}

// TestTheRegisterReadsTheStaffOncePerSave: the owner rules read the seat
// snapshot's members once per save, however many decisions follow; the
// bot's own changes patched into it since count at once.
func TestTheRegisterReadsTheStaffOncePerSave(t *testing.T) {
	e := newEnv(t)
	e.sync(t)
	counting := &countingReads{Snapshots: e.store}
	e.svc.Snapshots = counting
	saved, err := e.store.LoadSnapshot(t.Context(), connector.Zendesk)
	if err != nil {
		t.Fatal(err)
	}
	hannah := saved.Staff[slices.IndexFunc(saved.Staff, func(u connector.Staff) bool { return u.ID == hannahID })]
	patch := func(m *connector.Staff) func() {
		return func() {
			if _, _, err := e.store.PatchSnapshot(t.Context(), connector.Zendesk, []store.MemberPatch{{ID: hannahID, Member: m}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	active := hannah
	active.Suspended = false

	steps := []struct {
		name      string
		change    func()
		want      string // the reason the token acting as Hannah is an orphan, "" for none
		wantReads int64
	}{
		{"the first decision reads the members", func() {}, "who is suspended", 1},
		{"the next ones do not", func() {}, "who is suspended", 1},
		{"Hannah let back in by the bot counts at once", patch(&active), "", 1},
		{"and so does Hannah no longer staff", patch(nil), "who is no longer a Zendesk agent or admin", 1},
		{"a sync that changed nothing is not read again", func() {
			if err := e.store.SaveSnapshot(t.Context(), saved); err != nil {
				t.Fatal(err)
			}
		}, "who is suspended", 1},
		{"one that changed something is", func() {
			changed := *saved
			changed.Staff = slices.DeleteFunc(slices.Clone(saved.Staff), func(u connector.Staff) bool { return u.ID == priyaID })
			if err := e.store.SaveSnapshot(t.Context(), &changed); err != nil {
				t.Fatal(err)
			}
		}, "who is suspended", 2},
	}
	for _, s := range steps {
		s.change()
		var got string
		for _, r := range e.item(t, mobileHannah).Reasons {
			if r.Code == credentials.ActsAsGone {
				got = r.Text
			}
		}
		if s.want == "" && got != "" || !strings.Contains(got, s.want) {
			t.Errorf("%s: reason %q, want %q", s.name, got, s.want)
		}
		if n := counting.reads.Load(); n != s.wantReads {
			t.Errorf("%s: the members were read %d times, want %d", s.name, n, s.wantReads)
		}
	}
}

package credentials_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/store"
)

// TestTheRegisterReadsTheStaffOncePerSave: the owner rules read the seat
// snapshot's members once per save, however many decisions follow; the
// bot's own changes patched into it since count at once.
func TestTheRegisterReadsTheStaffOncePerSave(t *testing.T) {
	e := newEnv(t)
	e.sync(t)
	counting := &teststores.CountingSnapshots{Snapshots: e.store}
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
	without := func(ids ...int64) *store.Snapshot {
		s := *saved
		s.Staff = slices.DeleteFunc(slices.Clone(saved.Staff), func(u connector.Staff) bool { return slices.Contains(ids, u.ID) })
		return &s
	}
	withoutPriya := without(priyaID)
	save := func(snap *store.Snapshot) func() {
		return func() {
			if err := e.store.SaveSnapshot(t.Context(), snap); err != nil {
				t.Fatal(err)
			}
		}
	}

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
		{"one that changed something is", save(withoutPriya), "who is suspended", 2},
		{"Hannah gone again", patch(nil), "who is no longer a Zendesk agent or admin", 2},
	}
	reason := func(svc *credentials.Service) string {
		t.Helper()
		it, err := svc.Item(t.Context(), mobileHannah)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range it.Reasons {
			if r.Code == credentials.ActsAsGone {
				return r.Text
			}
		}
		return ""
	}
	for _, s := range steps {
		s.change()
		got := reason(e.svc)
		if s.want == "" && got != "" || !strings.Contains(got, s.want) {
			t.Errorf("%s: reason %q, want %q", s.name, got, s.want)
		}
		if n := counting.Reads.Load(); n != s.wantReads {
			t.Errorf("%s: the members were read %d times, want %d", s.name, n, s.wantReads)
		}
	}

	// Another replica reads the members while Hannah's patch is listed.
	// A sync that read Zendesk before the patch then saves the same
	// members, which drops it: what was read with it is read again.
	other := e.service("other")
	otherReads := &teststores.CountingSnapshots{Snapshots: e.store}
	other.Snapshots = otherReads
	if got := reason(other); !strings.Contains(got, "who is no longer") {
		t.Errorf("another replica, with the patch listed: reason %q", got)
	}
	save(withoutPriya)()
	if got := reason(other); !strings.Contains(got, "who is suspended") || otherReads.Reads.Load() != 2 {
		t.Errorf("after a save that dropped the patch: reason %q, %d reads; want suspended, read again", got, otherReads.Reads.Load())
	}
}

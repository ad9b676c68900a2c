package github_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
)

// TestConnectorSyncStaff: the sample org as staff. Copilot seats are the
// paid seats, owners are privileged, people are matched by the email they
// verified on the org's domain, and a seat's team is its group.
func TestConnectorSyncStaff(t *testing.T) {
	h := sampleHarness(t)
	c := github.Connector{Client: h.app(t)}
	roster, stats, err := c.SyncStaff(t.Context(), connector.StaffSync{})
	if err != nil {
		t.Fatal(err)
	}
	if !stats.Full || stats.Seen != 8 || stats.Added != 8 {
		t.Errorf("stats %+v, want a full sync that saw and added 8 members", stats)
	}
	byLogin := map[string]connector.Staff{}
	for _, s := range roster.Staff {
		byLogin[s.Name] = s
	}
	tests := []struct {
		login, email, seat, free, roleName string
		privileged, twoFactor, activity    bool
	}{
		{"dana-field", "dana@acme.example", "", connector.FreeNoCopilot, "Owner", true, true, false},
		{"omarh", "omar@acme.example", "", connector.FreeNoCopilot, "Owner", true, true, false},
		{"priya-n", "priya@acme.example", connector.SeatCopilotBusiness, "", "Member", false, true, true},
		{"lucasmoreau", "lucas@acme.example", connector.SeatCopilotBusiness, "", "Member", false, true, true},
		{"jberg", "jonas@acme.example", connector.SeatCopilotBusiness, "", "Member", false, false, true},
		{"aisha-b", "aisha@acme.example", connector.SeatCopilotBusiness, "", "Member", false, true, false},
		// No seat, no ownership: not looked up, so no email.
		{"tomreilly", "", "", connector.FreeNoCopilot, "Member", false, true, false},
	}
	for _, tt := range tests {
		s, ok := byLogin[tt.login]
		switch {
		case !ok:
			t.Errorf("%s is missing", tt.login)
		case s.Email != tt.email || s.Seat != tt.seat || s.Free != tt.free || s.Title() != tt.roleName ||
			s.Privileged != tt.privileged || s.TwoFactor != tt.twoFactor || (s.LastActivity != nil) != tt.activity:
			t.Errorf("%s: %+v", tt.login, s)
		}
	}
	lucas := byLogin["lucasmoreau"]
	if lucas.DefaultGroupID == nil || len(roster.Groups) != 1 || roster.Groups[0].ID != *lucas.DefaultGroupID || roster.Groups[0].Name != "Engineering" {
		t.Errorf("Lucas's seat comes through Engineering: group %v, groups %+v", lucas.DefaultGroupID, roster.Groups)
	}
	if len(roster.Memberships) != 1 || roster.Memberships[0].UserID != lucas.ID || !roster.Memberships[0].Default {
		t.Errorf("memberships %+v, want Lucas in his seat's team", roster.Memberships)
	}

	// Cancelling a seat leaves it billed to the end of the cycle, with
	// nothing left to decide.
	if _, err := h.owner(t).RemoveCopilotSeats(t.Context(), []string{"jberg"}); err != nil {
		t.Fatal(err)
	}
	again, stats, err := c.SyncStaff(t.Context(), connector.StaffSync{Prev: &roster})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range again.Staff {
		if s.Name == "jberg" && (s.Seat != "" || s.Free != connector.FreeCopilotEnding) {
			t.Errorf("after cancelling: %+v, want a seat ending", s)
		}
	}
	if stats.Added != 0 || stats.Removed != 0 {
		t.Errorf("re-sync stats %+v, want nobody added or removed", stats)
	}
}

// TestConnectorSyncStaffCostsThePagingBound: one request per page of
// members, of owners, of members without 2FA and of seats, and one
// GraphQL query per 100 people looked up, nothing else.
func TestConnectorSyncStaffCostsThePagingBound(t *testing.T) {
	org := githubtest.Generate(1_000, 250, 3, t0)
	h := newHarness(t, org)
	c := github.Connector{Client: h.app(t)}
	h.srv.ResetCounters()
	roster, _, err := c.SyncStaff(t.Context(), connector.StaffSync{})
	if err != nil {
		t.Fatal(err)
	}
	owners, seats, no2FA := 0, 0, 0
	for _, m := range org.Members {
		if m.Role == github.RoleAdmin {
			owners++
		}
		if !m.TwoFactor {
			no2FA++
		}
	}
	lookedUp := 0
	for _, s := range roster.Staff {
		if s.Seat != "" || s.Free == connector.FreeCopilotEnding {
			seats++
		}
		if s.Seat != "" || s.Free == connector.FreeCopilotEnding || s.Privileged {
			lookedUp++
		}
	}
	pages := func(n, per int) int { return max(1, (n+per-1)/per) }
	want := pages(len(org.Members), 100) + pages(owners, 100) + pages(no2FA, 100) + pages(seats, 100) + pages(lookedUp, 100)
	if got := h.srv.TotalRequests(); got != want+1 { // +1: the App's token
		t.Errorf("%d requests, want %d (paging bound) + 1 installation token", got, want)
	}
	if len(roster.Staff) != len(org.Members) {
		t.Errorf("%d staff, want every member (%d)", len(roster.Staff), len(org.Members))
	}
}

// TestConnectorSyncStaffNeedsAnOwnersView: a plain member's token cannot
// see Copilot seats; the sync fails as forbidden, which says no retry
// helps, rather than syncing an org without its paid seats.
func TestConnectorSyncStaffNeedsAnOwnersView(t *testing.T) {
	h := sampleHarness(t)
	c := github.Connector{Client: h.client(t, github.TokenAuth(memberToken))}
	_, _, err := c.SyncStaff(t.Context(), connector.StaffSync{})
	if !errors.Is(err, connector.ErrForbidden) || !connector.Final(err) {
		t.Fatalf("a member's token: %v, want a final forbidden", err)
	}
}

// TestConnectorSeats: Remove cancels the member's own Copilot seat (or,
// with RemoveMember, takes them out of the organisation); GitHub has no
// suspend or downgrade for a seat.
func TestConnectorSeats(t *testing.T) {
	member := func(t *testing.T, h *harness, login string) int64 {
		t.Helper()
		u, err := h.owner(t).User(t.Context(), login)
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	t.Run("remove cancels the seat", func(t *testing.T) {
		h := sampleHarness(t)
		c := github.Connector{Client: h.app(t)}
		id := member(t, h, "mei-tanaka")
		before, err := c.Member(t.Context(), id)
		if err != nil || !before.HasSeat || before.Name != "mei-tanaka" || before.LastActivity == nil {
			t.Fatalf("before: %+v, %v", before, err)
		}
		if err := c.ChangeSeat(t.Context(), id, connector.SeatChange{Kind: connector.Remove}); err != nil {
			t.Fatal(err)
		}
		after, err := c.Member(t.Context(), id)
		if err != nil || after.HasSeat {
			t.Errorf("after: %+v, %v; want the seat cancelled", after, err)
		}
		if err := c.ChangeSeat(t.Context(), id, connector.SeatChange{Kind: connector.Remove}); !errors.Is(err, connector.ErrNotFound) {
			t.Errorf("cancelling again: %v, want not found", err)
		}
	})
	t.Run("remove-member takes them out", func(t *testing.T) {
		h := sampleHarness(t)
		c := github.Connector{Client: h.app(t), RemoveMember: true}
		id := member(t, h, "jberg")
		if err := c.ChangeSeat(t.Context(), id, connector.SeatChange{Kind: connector.Remove}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Member(t.Context(), id); !errors.Is(err, connector.ErrNotFound) {
			t.Errorf("after removal: %v, want not found", err)
		}
	})
	t.Run("owners are privileged", func(t *testing.T) {
		h := sampleHarness(t)
		c := github.Connector{Client: h.app(t)}
		m, err := c.Member(t.Context(), member(t, h, "dana-field"))
		if err != nil || !m.Privileged || m.HasSeat {
			t.Errorf("dana: %+v, %v; want an owner without a seat", m, err)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		h := sampleHarness(t)
		c := github.Connector{Client: h.app(t)}
		id := member(t, h, "priya-n")
		for _, kind := range []connector.ChangeKind{connector.Suspend, connector.Downgrade} {
			if err := c.ChangeSeat(t.Context(), id, connector.SeatChange{Kind: kind}); !errors.Is(err, connector.ErrInvalid) || !connector.Final(err) {
				t.Errorf("%s: %v, want a final invalid", kind, err)
			}
		}
		if _, err := c.Member(t.Context(), 424242); !errors.Is(err, connector.ErrNotFound) {
			t.Errorf("an unknown id: %v, want not found", err)
		}
	})
}

// TestConnectorSyncStaffWhen2FAIsHidden: GitHub answers a non-owner's
// 2FA filter with 422 "Only owners can use this filter"; the sync goes on
// with nobody marked as having 2FA.
func TestConnectorSyncStaffWhen2FAIsHidden(t *testing.T) {
	h := sampleHarness(t)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("filter") == "2fa_disabled" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = w.Write([]byte(`{"message":"Only owners can use this filter.","documentation_url":"https://docs.github.com/rest/orgs/members"}`))
			return
		}
		h.srv.ServeHTTP(w, r)
	}))
	defer front.Close()
	c := github.Connector{Client: h.app(t, func(cfg *github.Config) { cfg.BaseURL = front.URL })}
	roster, _, err := c.SyncStaff(t.Context(), connector.StaffSync{})
	if err != nil {
		t.Fatalf("sync with the 2FA filter refused: %v", err)
	}
	for _, s := range roster.Staff {
		if s.TwoFactor {
			t.Fatalf("%s marked as having 2FA, which GitHub would not show", s.Name)
		}
	}
	if len(roster.Staff) != 8 {
		t.Errorf("%d staff, want the 8 members", len(roster.Staff))
	}
}

// TestConnectorRefusesToCancelATeamsSeat: a seat that comes through a
// team is not the member's to cancel; the refusal is final and says what
// frees it.
func TestConnectorRefusesToCancelATeamsSeat(t *testing.T) {
	h := sampleHarness(t)
	c := github.Connector{Client: h.app(t)}
	u, err := h.owner(t).User(t.Context(), "lucasmoreau")
	if err != nil {
		t.Fatal(err)
	}
	err = c.ChangeSeat(t.Context(), u.ID, connector.SeatChange{Kind: connector.Remove})
	if !errors.Is(err, connector.ErrInvalid) || !connector.Final(err) || !strings.Contains(err.Error(), "through the team Engineering") {
		t.Errorf("cancelling a team's seat: %v, want a final refusal naming the team", err)
	}
}

// TestPaceLetsABurstThrough: Burst requests go at once, the next waits
// for the pace (here refused at once, since the wait would pass the
// deadline), so a sync under its burst is never slowed.
func TestPaceLetsABurstThrough(t *testing.T) {
	h := sampleHarness(t)
	c := h.owner(t, func(cfg *github.Config) { cfg.RequestsPerSecond, cfg.Burst = 0.001, 5 })
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for i := range 5 {
		if _, err := c.Org(ctx); err != nil {
			t.Fatalf("request %d of the burst: %v", i+1, err)
		}
	}
	if _, err := c.Org(ctx); err == nil {
		t.Error("the request after the burst went through without waiting for the pace")
	}
}

// TestConnectorStaffMember: one member read back is what a sync records
// of them, so a seat the bot cancelled shows at once; someone taken out
// of the organisation is no longer staff.
func TestConnectorStaffMember(t *testing.T) {
	h := sampleHarness(t)
	c := github.Connector{Client: h.app(t)}
	ctx := t.Context()
	roster, _, err := c.SyncStaff(ctx, connector.StaffSync{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range roster.Staff {
		got, staff, err := c.StaffMember(ctx, want.ID)
		if err != nil || !staff {
			t.Fatalf("%s: staff %v, %v", want.Name, staff, err)
		}
		if got.Email != want.Email || got.Seat != want.Seat || got.Free != want.Free || got.Role != want.Role || got.Privileged != want.Privileged ||
			got.TwoFactor != want.TwoFactor || (got.DefaultGroupID == nil) != (want.DefaultGroupID == nil) {
			t.Errorf("%s read back as %+v, the sync recorded %+v", want.Name, got, want)
		}
	}

	mei, err := h.owner(t).User(ctx, "mei-tanaka")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ChangeSeat(ctx, mei.ID, connector.SeatChange{Kind: connector.Remove}); err != nil {
		t.Fatal(err)
	}
	if got, staff, err := c.StaffMember(ctx, mei.ID); err != nil || !staff || got.Free != connector.FreeCopilotEnding || got.Seat != "" {
		t.Errorf("after cancelling: %+v, staff %v, %v; want the seat ending", got, staff, err)
	}

	jonas, err := h.owner(t).User(ctx, "jberg")
	if err != nil {
		t.Fatal(err)
	}
	if err := (github.Connector{Client: h.app(t), RemoveMember: true}).ChangeSeat(ctx, jonas.ID, connector.SeatChange{Kind: connector.Remove}); err != nil {
		t.Fatal(err)
	}
	if _, staff, err := c.StaffMember(ctx, jonas.ID); err != nil || staff {
		t.Errorf("after taking jonas out: staff %v, %v; want no longer staff", staff, err)
	}
	if _, staff, err := c.StaffMember(ctx, 424242); err != nil || staff {
		t.Errorf("an unknown id: staff %v, %v", staff, err)
	}
}

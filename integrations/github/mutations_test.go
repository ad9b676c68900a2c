package github_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
)

func TestSetMembershipRole(t *testing.T) {
	h := sampleHarness(t)
	c := h.owner(t)
	ctx := t.Context()

	m, err := c.SetMembershipRole(ctx, "jberg", github.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if m.Role != github.RoleAdmin || m.State != github.StateActive {
		t.Errorf("membership = %+v", m)
	}
	if got, _ := h.srv.Member("jberg"); got.Role != github.RoleAdmin {
		t.Errorf("emulator role = %q", got.Role)
	}
	admins, err := c.Members(ctx, github.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(logins(admins), "jberg") || len(admins) != 3 {
		t.Errorf("owners after promotion = %v", logins(admins))
	}
	// Setting the same role again changes nothing.
	if _, err := c.SetMembershipRole(ctx, "jberg", github.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if n := len(h.srv.Mutations()); n != 1 {
		t.Errorf("%d mutations, want 1", n)
	}
	// A member may not change roles.
	if _, err := h.client(t, github.TokenAuth(memberToken)).SetMembershipRole(ctx, "jberg", github.RoleMember); !errors.Is(err, github.ErrForbidden) {
		t.Errorf("member changing a role: %v, want ErrForbidden", err)
	}
}

func TestRetryResendsTheBody(t *testing.T) {
	h := sampleHarness(t)
	h.srv.InjectFault(githubtest.EndpointMembershipSet, githubtest.Fault{Kind: githubtest.FaultServerError, Times: 1})
	m, err := h.owner(t).SetMembershipRole(t.Context(), "mei-tanaka", github.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if m.Role != github.RoleAdmin || h.srv.Requests(githubtest.EndpointMembershipSet) != 2 {
		t.Errorf("role %q after %d requests", m.Role, h.srv.Requests(githubtest.EndpointMembershipSet))
	}
}

func TestRemoveMember(t *testing.T) {
	h := sampleHarness(t)
	c := h.owner(t)
	ctx := t.Context()

	if err := c.RemoveMember(ctx, "mei-tanaka"); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.srv.Member("mei-tanaka"); ok {
		t.Error("mei-tanaka is still a member")
	}
	// Removal ends Copilot now and billing at the end of the cycle.
	if seat, ok := h.srv.CopilotSeat("mei-tanaka"); !ok || seat.PendingCancellationDate != "2026-12-01" {
		t.Errorf("seat after removal = %+v", seat)
	}

	// A second removal, or a retried one, finds nobody: distinct from a failure.
	err := c.RemoveMember(ctx, "mei-tanaka")
	if !errors.Is(err, github.ErrAlreadyGone) || !errors.Is(err, github.ErrNotFound) || !errors.Is(err, connector.ErrNotFound) {
		t.Fatalf("second removal: %v, want ErrAlreadyGone", err)
	}
	members, err := c.Members(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 7 {
		t.Errorf("%d members after removal, want 7", len(members))
	}
	// A former member can be invited back; the membership is pending.
	m, err := c.SetMembershipRole(ctx, "mei-tanaka", github.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	if m.State != github.StatePending {
		t.Errorf("re-invited membership state = %q, want pending", m.State)
	}
	if err := c.RemoveMember(ctx, "mei-tanaka"); err != nil {
		t.Errorf("cancelling the invitation: %v", err)
	}
	if _, ok := h.srv.Invitation("mei-tanaka"); ok {
		t.Error("invitation still pending")
	}
}

func TestRemoveCopilotSeats(t *testing.T) {
	h := sampleHarness(t)
	c := h.owner(t)
	ctx := t.Context()

	// mei: direct seat, cancelled; lucas: through a team, stays; tomreilly:
	// no seat.
	n, err := c.RemoveCopilotSeats(ctx, []string{"mei-tanaka", "lucasmoreau", "tomreilly"})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("seats_cancelled = %d, want 1", n)
	}
	seats, err := c.CopilotSeats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byLogin := map[string]github.CopilotSeat{}
	for _, s := range seats.Seats {
		byLogin[s.Assignee.Login] = s
	}
	if seats.TotalSeats != 5 || byLogin["mei-tanaka"].PendingCancellationDate != "2026-12-01" {
		t.Errorf("after cancelling: total %d, mei %+v", seats.TotalSeats, byLogin["mei-tanaka"])
	}
	if lucas := byLogin["lucasmoreau"]; lucas.PendingCancellationDate != "" || lucas.AssigningTeam == nil || lucas.AssigningTeam.Slug != "engineering" {
		t.Errorf("team seat = %+v", lucas)
	}
	if aisha := byLogin["aisha-b"]; aisha.LastActivityAt != nil || aisha.LastAuthenticatedAt != nil {
		t.Errorf("never-used seat = %+v", aisha)
	}
	// Cancelling again cancels nothing.
	if n, err := c.RemoveCopilotSeats(ctx, []string{"mei-tanaka"}); err != nil || n != 0 {
		t.Errorf("second cancel = %d, %v", n, err)
	}
	// On the pending date the seat leaves the list.
	h.clock.Advance(30 * 24 * time.Hour)
	seats, err = c.CopilotSeats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if seats.TotalSeats != 4 {
		t.Errorf("%d seats after the cycle, want 4", seats.TotalSeats)
	}
	if n, err := c.RemoveCopilotSeats(ctx, nil); n != 0 || err != nil {
		t.Errorf("no logins = %d, %v", n, err)
	}
	if got := h.srv.Requests(githubtest.EndpointCopilotRemove); got != 2 {
		t.Errorf("%d cancel requests, want 2 (none for an empty list)", got)
	}
}

func TestRemoveCopilotSeatsBatches(t *testing.T) {
	h := newHarness(t, githubtest.Generate(260, 250, 11, t0))
	c := h.owner(t)
	var direct []string
	for _, m := range h.srv.Members()[:250] {
		if s, _ := h.srv.CopilotSeat(m.Login); s.Team == "" {
			direct = append(direct, m.Login)
		}
	}
	all := logins(mustMembers(t, c))[:250]
	n, err := c.RemoveCopilotSeats(t.Context(), all)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(direct) {
		t.Errorf("cancelled %d, want %d", n, len(direct))
	}
	if r := h.srv.Requests(githubtest.EndpointCopilotRemove); r != 3 {
		t.Errorf("%d requests for 250 logins, want 3", r)
	}
}

func mustMembers(t *testing.T, c *github.Client) []github.Member {
	t.Helper()
	m, err := c.Members(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRevokeFineGrainedTokens(t *testing.T) {
	h := sampleHarness(t)
	c := h.app(t)
	ctx := t.Context()
	if err := c.RevokeFineGrainedTokens(ctx, []int64{25382, 25383}); err != nil {
		t.Fatal(err)
	}
	tokens, err := c.FineGrainedTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tk := range tokens {
		names = append(names, tk.TokenName)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"ci-readonly", "terraform-org-admin"}) {
		t.Errorf("tokens after revoking = %v", names)
	}
	if err := c.RevokeFineGrainedTokens(ctx, []int64{0}); !errors.Is(err, github.ErrInvalid) {
		t.Errorf("id 0: %v, want ErrInvalid", err)
	}
	if n := h.srv.Requests(githubtest.EndpointRevokeTokens); n != 1 {
		t.Errorf("%d revoke requests, want 1", n)
	}
}

func TestRemovingAMemberEndsTheirTokenAccess(t *testing.T) {
	h := sampleHarness(t)
	if err := h.owner(t).RemoveMember(t.Context(), "jberg"); err != nil {
		t.Fatal(err)
	}
	tokens, err := h.app(t).FineGrainedTokens(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tokens {
		if tk.Owner.Login == "jberg" {
			t.Errorf("jberg's token %q still has access", tk.TokenName)
		}
	}
}

package github_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
)

func memberID(t *testing.T, h *harness, login string) int64 {
	t.Helper()
	m, ok := h.srv.Member(login)
	if !ok {
		t.Fatalf("%s is not a member of the emulated org", login)
	}
	return m.ID
}

func TestUserByID(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, h *harness)
		// id picks the id to ask for once setup has run.
		id        func(t *testing.T, h *harness) int64
		member    bool // ask with a plain member's token
		wantLogin string
		wantErr   error // a github sentinel
		wantClass error // the connector class
		requests  int   // to EndpointUserByID
	}{
		{name: "owner asks for an owner", id: func(t *testing.T, h *harness) int64 { return memberID(t, h, "omarh") },
			wantLogin: "omarh", requests: 1},
		{name: "a member may ask too", id: func(t *testing.T, h *harness) int64 { return memberID(t, h, "lucasmoreau") },
			member: true, wantLogin: "lucasmoreau", requests: 1},
		{name: "a removed member is still a user",
			setup: func(t *testing.T, h *harness) {
				if err := h.owner(t).RemoveMember(t.Context(), "jberg"); err != nil {
					t.Fatal(err)
				}
			},
			id: func(t *testing.T, _ *harness) int64 {
				m, _ := githubtest.SampleOrg(t0).Member("jberg")
				return m.ID
			},
			wantLogin: "jberg", requests: 1},
		{name: "unknown id", id: func(*testing.T, *harness) int64 { return 424242 },
			wantErr: github.ErrNotFound, wantClass: connector.ErrNotFound, requests: 1},
		{name: "zero refused", id: func(*testing.T, *harness) int64 { return 0 },
			wantErr: github.ErrInvalid, wantClass: connector.ErrInvalid},
		{name: "negative refused", id: func(*testing.T, *harness) int64 { return -5100001 },
			wantErr: github.ErrInvalid, wantClass: connector.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			if tt.setup != nil {
				tt.setup(t, h)
			}
			id := tt.id(t, h)
			c := h.owner(t)
			if tt.member {
				c = h.client(t, github.TokenAuth(memberToken))
			}
			h.srv.ResetCounters()

			u, err := c.UserByID(t.Context(), id)
			if got := h.srv.Requests(githubtest.EndpointUserByID); got != tt.requests {
				t.Errorf("%d requests, want %d", got, tt.requests)
			}
			if tt.requests == 0 && h.srv.TotalRequests() != 0 {
				t.Errorf("%d requests sent for a refused id", h.srv.TotalRequests())
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !errors.Is(err, tt.wantClass) {
					t.Fatalf("error = %v, want %v and %v", err, tt.wantErr, tt.wantClass)
				}
				if e := asAPIError(t, err); e.Path == "" || e.Method != http.MethodGet {
					t.Errorf("APIError = %+v", e)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.Login != tt.wantLogin || u.ID != id {
				t.Errorf("UserByID(%d) = %+v, want %s", id, u, tt.wantLogin)
			}
			// The same profile as by login.
			byLogin, err := h.owner(t).User(t.Context(), tt.wantLogin)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(byLogin, u); diff != "" {
				t.Errorf("UserByID differs from User (-by login +by id):\n%s", diff)
			}
		})
	}
}

func TestUserByIDNotFoundIsGitHubs404(t *testing.T) {
	h := sampleHarness(t)
	_, err := h.owner(t).UserByID(t.Context(), 424242)
	e := asAPIError(t, err)
	if e.Kind != github.ErrNotFound || e.Status != http.StatusNotFound || e.Path != "/user/424242" || e.RequestID == "" {
		t.Errorf("APIError = %+v", e)
	}
}

func TestMemberCopilotSeat(t *testing.T) {
	sampleTeam := githubtest.SampleOrg(t0).Teams[0]
	engineering := &github.Team{ID: sampleTeam.ID, Slug: sampleTeam.Slug, Name: sampleTeam.Name}
	removeSeats := func(logins ...string) func(t *testing.T, h *harness) {
		return func(t *testing.T, h *harness) {
			if _, err := h.owner(t).RemoveCopilotSeats(t.Context(), logins); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, h *harness)
		// client is the caller; the owner's token when nil.
		client    func(t *testing.T, h *harness) *github.Client
		login     string
		check     func(t *testing.T, s github.CopilotSeat)
		wantErr   error // a github sentinel
		wantClass error // the connector class
		requests  int   // to EndpointMemberCopilotSeat
	}{
		{name: "direct seat", login: "priya-n", requests: 1, check: func(t *testing.T, s github.CopilotSeat) {
			if s.AssigningTeam != nil || s.PendingCancellationDate != "" || s.LastActivityAt == nil ||
				s.LastActivityEditor == "" || s.PlanType != "business" {
				t.Errorf("seat = %+v", s)
			}
		}},
		{name: "seat through a team", login: "lucasmoreau", requests: 1, check: func(t *testing.T, s github.CopilotSeat) {
			if diff := cmp.Diff(engineering, s.AssigningTeam); diff != "" {
				t.Errorf("assigning team (-want +got):\n%s", diff)
			}
		}},
		{name: "never used", login: "aisha-b", requests: 1, check: func(t *testing.T, s github.CopilotSeat) {
			if s.LastActivityAt != nil || s.LastAuthenticatedAt != nil || s.LastActivityEditor != "" {
				t.Errorf("never-used seat = %+v", s)
			}
		}},
		{name: "pending cancellation", setup: removeSeats("mei-tanaka"), login: "mei-tanaka", requests: 1,
			check: func(t *testing.T, s github.CopilotSeat) {
				if s.PendingCancellationDate != "2026-12-01" || s.AssigningTeam != nil {
					t.Errorf("cancelled seat = %+v", s)
				}
			}},
		{name: "a team seat outlives its cancellation", setup: removeSeats("lucasmoreau"), login: "lucasmoreau", requests: 1,
			check: func(t *testing.T, s github.CopilotSeat) {
				if s.PendingCancellationDate != "" || s.AssigningTeam == nil || s.AssigningTeam.Slug != "engineering" {
					t.Errorf("team seat after cancelling = %+v", s)
				}
			}},
		{name: "as the App", client: func(t *testing.T, h *harness) *github.Client { return h.app(t) },
			login: "jberg", requests: 1, check: func(t *testing.T, s github.CopilotSeat) {
				if s.LastActivityAt == nil {
					t.Errorf("seat = %+v", s)
				}
			}},
		{name: "gone after its cancellation date",
			setup: func(t *testing.T, h *harness) {
				removeSeats("mei-tanaka")(t, h)
				h.clock.Advance(30 * 24 * time.Hour)
			},
			login: "mei-tanaka", wantErr: github.ErrNotFound, wantClass: connector.ErrNotFound, requests: 1},
		{name: "member without a seat", login: "tomreilly",
			wantErr: github.ErrNotFound, wantClass: connector.ErrNotFound, requests: 1},
		{name: "not a member", login: "no-such-user",
			wantErr: github.ErrNotFound, wantClass: connector.ErrNotFound, requests: 1},
		{name: "removed member",
			setup: func(t *testing.T, h *harness) {
				if err := h.owner(t).RemoveMember(t.Context(), "jberg"); err != nil {
					t.Fatal(err)
				}
			},
			login: "jberg", wantErr: github.ErrNotFound, wantClass: connector.ErrNotFound, requests: 1},
		{name: "pending invitation",
			setup: func(t *testing.T, h *harness) {
				c := h.owner(t)
				if err := c.RemoveMember(t.Context(), "jberg"); err != nil {
					t.Fatal(err)
				}
				if _, err := c.SetMembershipRole(t.Context(), "jberg", github.RoleMember); err != nil {
					t.Fatal(err)
				}
			},
			login: "jberg", wantErr: github.ErrInvalid, wantClass: connector.ErrInvalid, requests: 1},
		{name: "a plain member may not look",
			client: func(t *testing.T, h *harness) *github.Client { return h.client(t, github.TokenAuth(memberToken)) },
			login:  "priya-n", wantErr: github.ErrForbidden, wantClass: connector.ErrForbidden, requests: 1},
		{name: "empty login refused", login: "", wantErr: github.ErrInvalid, wantClass: connector.ErrInvalid},
		{name: "path traversal refused", login: "..", wantErr: github.ErrInvalid, wantClass: connector.ErrInvalid},
		{name: "slash refused", login: "priya-n/copilot", wantErr: github.ErrInvalid, wantClass: connector.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			if tt.setup != nil {
				tt.setup(t, h)
			}
			c := h.owner(t)
			if tt.client != nil {
				c = tt.client(t, h)
			}
			h.srv.ResetCounters()

			seat, err := c.MemberCopilotSeat(t.Context(), tt.login)
			if got := h.srv.Requests(githubtest.EndpointMemberCopilotSeat); got != tt.requests {
				t.Errorf("%d requests, want %d", got, tt.requests)
			}
			if tt.requests == 0 && h.srv.TotalRequests() != 0 {
				t.Errorf("%d requests sent for a refused login", h.srv.TotalRequests())
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !errors.Is(err, tt.wantClass) {
					t.Fatalf("error = %v, want %v and %v", err, tt.wantErr, tt.wantClass)
				}
				asAPIError(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if seat.Assignee == nil || seat.Assignee.Login != tt.login || seat.Assignee.ID != memberID(t, h, tt.login) ||
				seat.CreatedAt.IsZero() {
				t.Errorf("seat = %+v", seat)
			}
			tt.check(t, seat)
			// The same seat as in the list.
			list, err := h.owner(t).CopilotSeats(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range list.Seats {
				if s.Assignee != nil && s.Assignee.Login == tt.login {
					if diff := cmp.Diff(s, seat); diff != "" {
						t.Errorf("seat differs from the list's (-list +member):\n%s", diff)
					}
					return
				}
			}
			t.Errorf("%s's seat is not in the list", tt.login)
		})
	}
}

func TestMemberCopilotSeatNotFoundSaysWhere(t *testing.T) {
	h := sampleHarness(t)
	_, err := h.owner(t).MemberCopilotSeat(t.Context(), "tomreilly")
	e := asAPIError(t, err)
	if e.Kind != github.ErrNotFound || e.Status != http.StatusNotFound || e.Path != "/orgs/acme/members/tomreilly/copilot" {
		t.Errorf("APIError = %+v", e)
	}
	// A 404 here is "no seat", not a removal that found nobody.
	if errors.Is(err, github.ErrAlreadyGone) {
		t.Errorf("error %v matches ErrAlreadyGone", err)
	}
}

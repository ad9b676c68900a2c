package zendesk_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

// TestBatchCarriesOutAReviewInAFewRequests: a hundred decisions carried
// out at once (each reads the member, then changes the seat) share
// show_many reads and update_many jobs instead of costing two requests
// each; every change is made once, and a user Zendesk refuses fails alone.
func TestBatchCarriesOutAReviewInAFewRequests(t *testing.T) {
	org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: 5000, Seed: 7, Now: t0})
	var agents []zendesk.User
	for _, u := range org.Staff() {
		if u.Role == zendesk.RoleAgent && !u.Suspended && u.ID != org.OwnerID && len(agents) < 100 {
			agents = append(agents, u)
		}
	}
	if len(agents) < 100 {
		t.Fatalf("the generated org has %d plain agents, want 100", len(agents))
	}
	h := newHarness(t, org)
	client := h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))
	c := zendesk.Connector{Client: client, Batch: zendesk.NewBatch(client, 200*time.Millisecond)}

	changes := []connector.SeatChange{{Kind: connector.Remove}, {Kind: connector.Suspend}}
	var wg sync.WaitGroup
	for i, u := range agents {
		wg.Go(func() {
			if _, err := c.Member(t.Context(), u.ID); err != nil {
				t.Errorf("read %d: %v", u.ID, err)
				return
			}
			if err := c.ChangeSeat(t.Context(), u.ID, changes[i%2]); err != nil {
				t.Errorf("change %d: %v", u.ID, err)
			}
		})
	}
	// The account owner's role cannot change: that one fails, alone.
	var ownerErr error
	wg.Go(func() {
		ownerErr = c.ChangeSeat(t.Context(), org.OwnerID, connector.SeatChange{Kind: connector.Remove})
	})
	wg.Wait()

	if !errors.Is(ownerErr, connector.ErrInvalid) || !connector.Final(ownerErr) {
		t.Errorf("removing the account owner: %v, want a final refusal", ownerErr)
	}
	if n := h.srv.Requests(zendesk.EndpointUsersShow) + h.srv.Requests(zendesk.EndpointUsersUpdate); n != 0 {
		t.Errorf("%d single-user requests, want none", n)
	}
	reads, jobs := h.srv.Requests(zendesk.EndpointUsersShowMany), h.srv.Requests(zendesk.EndpointUsersUpdateMany)
	t.Logf("101 decisions: %d show_many, %d update_many, %d job polls", reads, jobs, h.srv.Requests(zendesk.EndpointJobStatus))
	if reads < 1 || reads > 3 || jobs < 1 || jobs > 4 {
		t.Errorf("%d show_many and %d update_many requests for 100 decisions, want a few of each", reads, jobs)
	}
	changed := map[int64]map[string]int{}
	for _, m := range h.srv.Mutations() {
		if m.Field == "role" || m.Field == "suspended" {
			if changed[m.UserID] == nil {
				changed[m.UserID] = map[string]int{}
			}
			changed[m.UserID][m.Field]++
		}
	}
	for i, u := range agents {
		field := map[connector.ChangeKind]string{connector.Remove: "role", connector.Suspend: "suspended"}[changes[i%2].Kind]
		if got := changed[u.ID]; len(got) != 1 || got[field] != 1 {
			t.Errorf("user %d: changes %v, want %s once", u.ID, got, field)
		}
	}
}

// TestBatchReadsMissingUsersAsNotFound: a user show_many leaves out is
// gone, as GET /users/{id} answers for one.
func TestBatchReadsMissingUsersAsNotFound(t *testing.T) {
	h := sampleHarness(t)
	client := h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))
	c := zendesk.Connector{Client: client, Batch: zendesk.NewBatch(client, time.Millisecond)}
	_, err := c.Member(t.Context(), 999_999_999)
	if !errors.Is(err, connector.ErrNotFound) {
		t.Errorf("Member of a user not there: %v, want not found", err)
	}
}

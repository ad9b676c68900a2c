package github_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
)

func TestVerifiedDomainEmails(t *testing.T) {
	h := sampleHarness(t)
	c := h.app(t)
	asked := []string{"dana-field", "omarh", "tomreilly", "no-such-user", "omarh"}
	got, err := c.VerifiedDomainEmails(t.Context(), asked)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"dana-field": {"dana@acme.example"},
		"omarh":      {"omar@acme.example"},
		"tomreilly":  {}, // a member without one
		// no-such-user: unknown to GitHub, left out
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("emails (-want +got):\n%s", diff)
	}
	if n := h.srv.Requests(githubtest.EndpointGraphQL); n != 1 {
		t.Errorf("%d GraphQL requests, want 1", n)
	}
}

func TestVerifiedDomainEmailsBatchesOf100(t *testing.T) {
	h := newHarness(t, githubtest.Generate(250, 0, 9, t0))
	c := h.owner(t)
	members := mustMembers(t, c)
	got, err := c.VerifiedDomainEmails(t.Context(), logins(members))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Errorf("%d answers, want 250", len(got))
	}
	for _, m := range h.srv.Members() {
		if want := m.VerifiedEmails; len(want) > 0 && (len(got[m.Login]) != 1 || got[m.Login][0] != want[0]) {
			t.Errorf("%s: got %v, want %v", m.Login, got[m.Login], want)
			break
		}
	}
	if n := h.srv.Requests(githubtest.EndpointGraphQL); n != 3 {
		t.Errorf("%d GraphQL requests for 250 logins, want 3", n)
	}
}

func TestVerifiedDomainEmailsOtherErrorsFail(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":{"u0":null},"errors":[{"type":"FORBIDDEN","path":["u0","organizationVerifiedDomainEmails"],
			"message":"Resource not accessible by integration"}]}`)
	}))
	t.Cleanup(srv.Close)
	c, err := github.New(github.Config{BaseURL: srv.URL, Org: "acme", Auth: github.TokenAuth(ownerToken)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.VerifiedDomainEmails(t.Context(), []string{"octocat"})
	var gerr *github.GraphQLError
	if !errors.As(err, &gerr) || !errors.Is(err, github.ErrForbidden) {
		t.Fatalf("error = %v, want a forbidden *GraphQLError", err)
	}
}

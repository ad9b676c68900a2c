package github_test

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
)

// unnamedGrantID is a token added to the sample org: no name, never used,
// no expiry, with permissions of every category.
const unnamedGrantID int64 = 25390

// credentialsOrg is the sample org (4 tokens, 3 installations, one of
// them suspended) with the unnamed token added.
func credentialsOrg() *githubtest.Org {
	org := githubtest.SampleOrg(t0)
	org.Tokens = append(org.Tokens, githubtest.FineGrainedToken{
		ID: unnamedGrantID, TokenID: 1200009, Owner: "mei-tanaka", RepositorySelection: "none",
		OrgPermissions:   map[string]string{"members": "read"},
		RepoPermissions:  map[string]string{"metadata": "read"},
		OtherPermissions: map[string]string{"gpg_keys": "write"},
		AccessGrantedAt:  t0.AddDate(0, 0, -5),
	})
	return org
}

// listsByKind checks that ListCredentials answered the two kinds, tokens
// first, and returns them by kind.
func listsByKind(t *testing.T, lists []connector.CredentialList) map[string]connector.CredentialList {
	t.Helper()
	if len(lists) != 2 || lists[0].Kind != github.KindFineGrainedToken || lists[1].Kind != github.KindApp {
		t.Fatalf("lists %+v, want fine-grained tokens then apps", lists)
	}
	return map[string]connector.CredentialList{lists[0].Kind: lists[0], lists[1].Kind: lists[1]}
}

func TestListCredentialsMapsTokensAndApps(t *testing.T) {
	h := newHarness(t, credentialsOrg())
	c := github.Connector{Client: h.app(t)}
	lists := listsByKind(t, c.ListCredentials(t.Context()))
	for kind, want := range map[string]int{github.KindFineGrainedToken: 5, github.KindApp: 3} {
		if l := lists[kind]; l.Err != nil || l.Off || len(l.Credentials) != want {
			t.Errorf("%s: %d credentials, err %v, off %v; want %d, no error", kind, len(l.Credentials), l.Err, l.Off, want)
		}
	}
	day := func(n int) time.Time { return t0.AddDate(0, 0, n) }
	tests := []struct {
		name string
		want connector.Credential
	}{
		{"token with org and repo permissions", connector.Credential{
			Kind: github.KindFineGrainedToken, ID: 25381, Name: "terraform-org-admin",
			ActsAs: 5100001, ActsAsName: "dana-field",
			Scopes: []string{"organization:administration:write", "organization:members:write", "repository:metadata:read"},
			Active: true, Created: day(-120), LastUsed: day(-2), Expires: day(60),
		}},
		{"expired token", connector.Credential{
			Kind: github.KindFineGrainedToken, ID: 25382, Name: "release-bot",
			ActsAs: 5100003, ActsAsName: "priya-n",
			Scopes: []string{"repository:contents:write", "repository:metadata:read"},
			Active: false, Created: day(-100), LastUsed: day(-12), Expires: day(-10),
		}},
		{"token without expiry", connector.Credential{
			Kind: github.KindFineGrainedToken, ID: 25383, Name: "old-migration",
			ActsAs: 5100006, ActsAsName: "jberg",
			Scopes: []string{"repository:contents:read", "repository:metadata:read"},
			Active: true, Created: day(-400), LastUsed: day(-200),
		}},
		{"unnamed, never-used token", connector.Credential{
			Kind: github.KindFineGrainedToken, ID: unnamedGrantID, Name: "token 1200009",
			ActsAs: 5100005, ActsAsName: "mei-tanaka",
			Scopes: []string{"organization:members:read", "other:gpg_keys:write", "repository:metadata:read"},
			Active: true, Created: day(-5),
		}},
		{"installed app", connector.Credential{
			Kind: github.KindApp, ID: 55000002, Name: "acme-ci",
			Scopes: []string{"checks:write", "contents:read", "metadata:read", "statuses:write"},
			Active: true, Created: day(-700),
		}},
		{"suspended app", connector.Credential{
			Kind: github.KindApp, ID: 55000003, Name: "legacy-deploy",
			Scopes: []string{"contents:write", "deployments:write", "metadata:read"},
			Active: false, Created: day(-1100),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *connector.Credential
			for i, cred := range lists[tt.want.Kind].Credentials {
				if cred.ID == tt.want.ID {
					got = &lists[tt.want.Kind].Credentials[i]
				}
			}
			if got == nil {
				t.Fatalf("%s %d is not listed", tt.want.Kind, tt.want.ID)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

// TestListCredentialsOneKindFailing: GitHub failing one list leaves the
// other whole.
func TestListCredentialsOneKindFailing(t *testing.T) {
	tests := []struct {
		name          string
		faulted       string // the endpoint GitHub fails
		failed, whole string // the kinds
		wholeCount    int
	}{
		{"token list fails", githubtest.EndpointFineGrainedTokens, github.KindFineGrainedToken, github.KindApp, 3},
		{"installation list fails", githubtest.EndpointInstallations, github.KindApp, github.KindFineGrainedToken, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			h.srv.InjectFault(tt.faulted, githubtest.Fault{Kind: githubtest.FaultServerError, Status: http.StatusInternalServerError})
			c := github.Connector{Client: h.app(t)}
			lists := listsByKind(t, c.ListCredentials(t.Context()))
			if l := lists[tt.failed]; !errors.Is(l.Err, connector.ErrUnavailable) || l.Off || len(l.Credentials) != 0 {
				t.Errorf("%s: err %v, off %v, %d credentials; want unavailable and nothing listed", tt.failed, l.Err, l.Off, len(l.Credentials))
			}
			if l := lists[tt.whole]; l.Err != nil || len(l.Credentials) != tt.wholeCount {
				t.Errorf("%s: err %v, %d credentials; want all %d", tt.whole, l.Err, len(l.Credentials), tt.wholeCount)
			}
		})
	}
}

// TestListCredentialsWithTokenAuth: GitHub lists fine-grained tokens only
// to Apps, so with a token that list is forbidden, without a request and
// in words people can act on; the installations are still listed, to an
// owner's token.
func TestListCredentialsWithTokenAuth(t *testing.T) {
	tests := []struct {
		name       string
		token      string
		wantAppErr error // nil: the apps are listed
	}{
		{"owner's token", ownerToken, nil},
		// GitHub shows installations only to owners.
		{"member's token", memberToken, connector.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			c := github.Connector{Client: h.client(t, github.TokenAuth(tt.token))}
			lists := listsByKind(t, c.ListCredentials(t.Context()))

			tokens := lists[github.KindFineGrainedToken]
			if !errors.Is(tokens.Err, connector.ErrForbidden) || !errors.Is(tokens.Err, github.ErrAppAuthRequired) || tokens.Off {
				t.Errorf("tokens: err %v, off %v; want forbidden, not off", tokens.Err, tokens.Off)
			}
			const wantRefusal = "fine-grained tokens can be listed only with GitHub App authentication"
			if got := connector.RefusalText(tokens.Err); !strings.HasPrefix(got, wantRefusal) {
				t.Errorf("refusal %q, want it to start %q", got, wantRefusal)
			}
			if n := h.srv.Requests(githubtest.EndpointFineGrainedTokens); n != 0 {
				t.Errorf("%d token-list requests sent; the client refuses without asking", n)
			}

			apps := lists[github.KindApp]
			switch {
			case tt.wantAppErr == nil && (apps.Err != nil || len(apps.Credentials) != 3):
				t.Errorf("apps: err %v, %d credentials; want the 3 installations", apps.Err, len(apps.Credentials))
			case tt.wantAppErr != nil && !errors.Is(apps.Err, tt.wantAppErr):
				t.Errorf("apps: err %v, want %v", apps.Err, tt.wantAppErr)
			}
		})
	}
}

// TestRevokeCredential: a fine-grained token's grant is revoked and
// leaves the next list; a grant GitHub does not have is not found; apps
// and unknown kinds cannot be revoked through the API, and a refusal
// changes nothing in GitHub.
func TestRevokeCredential(t *testing.T) {
	tests := []struct {
		name         string
		tokenAuth    bool // an owner's token instead of the App
		revokedFirst bool // the grant was revoked before
		kind         string
		id           int64
		wantErr      error  // nil: revoked
		wantMsg      string // in the error
	}{
		{name: "fine-grained token", kind: github.KindFineGrainedToken, id: 25382},
		{name: "unknown grant", kind: github.KindFineGrainedToken, id: 99999,
			wantErr: connector.ErrNotFound, wantMsg: "already revoked?"},
		{name: "grant already revoked", revokedFirst: true, kind: github.KindFineGrainedToken, id: 25382,
			wantErr: connector.ErrNotFound, wantMsg: "token grant 25382 has no access to acme"},
		{name: "token auth", tokenAuth: true, kind: github.KindFineGrainedToken, id: 25382,
			wantErr: connector.ErrForbidden, wantMsg: "can be revoked only with GitHub App authentication"},
		{name: "app", kind: github.KindApp, id: 55000002,
			wantErr: connector.ErrInvalid, wantMsg: "uninstalled in the organization's settings"},
		{name: "unknown kind", kind: "oauth-token", id: 25382,
			wantErr: connector.ErrInvalid, wantMsg: `"oauth-token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			app := github.Connector{Client: h.app(t)}
			if tt.revokedFirst {
				if err := app.RevokeCredential(t.Context(), tt.kind, tt.id); err != nil {
					t.Fatal(err)
				}
			}
			c := app
			if tt.tokenAuth {
				c = github.Connector{Client: h.owner(t)}
			}
			grantsBefore := len(h.srv.Tokens())

			err := c.RevokeCredential(t.Context(), tt.kind, tt.id)
			if tt.wantErr == nil && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Errorf("error %v, want %v saying %q", err, tt.wantErr, tt.wantMsg)
				}
				if n := len(h.srv.Tokens()); n != grantsBefore {
					t.Errorf("a refused revocation changed GitHub: %d grants, had %d", n, grantsBefore)
				}
				return
			}
			tokens := listsByKind(t, app.ListCredentials(t.Context()))[github.KindFineGrainedToken]
			if tokens.Err != nil {
				t.Fatal(tokens.Err)
			}
			for _, cred := range tokens.Credentials {
				if cred.ID == tt.id {
					t.Errorf("grant %d (%s) is still listed after revoking it", tt.id, cred.Name)
				}
			}
			if len(tokens.Credentials) != grantsBefore-1 {
				t.Errorf("%d tokens listed after revoking one of %d", len(tokens.Credentials), grantsBefore)
			}
		})
	}
}

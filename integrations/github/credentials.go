package github

import (
	"context"
	"fmt"
	"slices"

	"github.com/seatwarden/seatwarden/connector"
)

// Credential kinds as the register names them. KindApp is the name
// Zendesk's integration gives its installed apps, so the register reads
// apps of both SaaS the same way.
const (
	KindFineGrainedToken = "fine-grained-token"
	KindApp              = "app"
)

// ListCredentials reads the fine-grained personal access tokens with
// access to the organisation, then the GitHub Apps installed on it, each
// on its own so that one failing leaves the other.
//
// With token authentication GitHub refuses the token list; the client
// says so without asking, and the list carries that error (it matches
// connector.ErrForbidden). The kind is not Off: the organisation has
// tokens, the bot just may not see them.
func (c Connector) ListCredentials(ctx context.Context) []connector.CredentialList {
	tokens := connector.CredentialList{Kind: KindFineGrainedToken}
	if grants, err := c.Client.FineGrainedTokens(ctx); err != nil {
		tokens.Err = err
	} else {
		for _, g := range grants {
			tokens.Credentials = append(tokens.Credentials, fineGrainedTokenCredential(g))
		}
	}

	apps := connector.CredentialList{Kind: KindApp}
	if installs, err := c.Client.Installations(ctx); err != nil {
		apps.Err = err
	} else {
		for _, in := range installs {
			apps.Credentials = append(apps.Credentials, installationCredential(in))
		}
	}
	return []connector.CredentialList{tokens, apps}
}

// RevokeCredential ends a fine-grained token's access to the organisation
// (the token itself lives on, it is its owner's). A grant GitHub no longer
// has is ErrNotFound. Apps cannot be revoked: GitHub lets only an app
// uninstall itself, so people uninstall it in the organisation's settings.
func (c Connector) RevokeCredential(ctx context.Context, kind string, id int64) error {
	switch kind {
	case KindFineGrainedToken:
		return c.Client.RevokeFineGrainedTokens(ctx, []int64{id})
	case KindApp:
		return &APIError{Kind: ErrInvalid,
			Message: "GitHub Apps are uninstalled in the organization's settings (Settings > GitHub Apps), not through the API"}
	default:
		return &APIError{Kind: ErrInvalid, Message: fmt.Sprintf("GitHub has no credential of kind %q to revoke", kind)}
	}
}

// fineGrainedTokenCredential maps a grant. Its id is the grant's, which is
// what revocation takes; the token's own id only names an unnamed token.
func fineGrainedTokenCredential(g FineGrainedToken) connector.Credential {
	name := g.TokenName
	if name == "" {
		name = fmt.Sprintf("token %d", g.TokenID)
	}
	cred := connector.Credential{
		Kind: KindFineGrainedToken, ID: g.ID, Name: name,
		ActsAs: g.Owner.ID, ActsAsName: g.Owner.Login,
		Scopes: tokenScopes(g.Permissions),
		Active: !g.TokenExpired, Created: g.AccessGrantedAt,
	}
	if g.TokenLastUsedAt != nil {
		cred.LastUsed = *g.TokenLastUsedAt
	}
	if g.TokenExpiresAt != nil {
		cred.Expires = *g.TokenExpiresAt
	}
	return cred
}

// installationCredential maps an installed app. It acts as nobody: an
// installation acts as the app itself.
func installationCredential(in Installation) connector.Credential {
	return connector.Credential{
		Kind: KindApp, ID: in.ID, Name: in.AppSlug,
		Scopes: permissionScopes("", in.Permissions),
		Active: in.SuspendedAt == nil, Created: in.CreatedAt,
	}
}

// tokenScopes flattens a token's permissions to "organization:members:read",
// "repository:contents:write", "other:…", sorted.
func tokenScopes(p TokenPermissions) []string {
	scopes := slices.Concat(
		permissionScopes("organization:", p.Organization),
		permissionScopes("repository:", p.Repository),
		permissionScopes("other:", p.Other),
	)
	slices.Sort(scopes)
	return scopes
}

// permissionScopes writes GitHub's permission map as "prefix" +
// "name:level", sorted; nil for none.
func permissionScopes(prefix string, perms map[string]string) []string {
	var scopes []string
	for name, level := range perms {
		scopes = append(scopes, prefix+name+":"+level)
	}
	slices.Sort(scopes)
	return scopes
}

package connector

import (
	"context"
	"time"
)

// Credential is one credential as its SaaS reports it: an API token, an
// OAuth client or token, an installed app, a fine-grained personal access
// token. Secrets are never read. Ids are the SaaS's own numbers: both
// governed SaaS number their credentials and users.
type Credential struct {
	// Kind is the register's name for what it is ("api-token",
	// "oauth-token", "oauth-client", "app").
	Kind string
	ID   int64
	// Name is the token's description, the client's or app's name; a
	// token without one is named by its client.
	Name string
	// ActsAs is the user the credential acts as; 0 when it acts as
	// nobody (an app). Name and email are given when the SaaS says them.
	ActsAs      int64
	ActsAsName  string
	ActsAsEmail string
	// Client is an OAuth token's client.
	Client int64
	Scopes []string
	// Active: not deactivated, suspended or disabled in the SaaS.
	Active bool
	// Created is when it was made; LastUsed and Expires are zero when the
	// SaaS does not say (or it was never used, or never expires).
	Created  time.Time
	LastUsed time.Time
	Expires  time.Time
}

// CredentialList is one kind's credentials, read in one go.
type CredentialList struct {
	Kind        string
	Credentials []Credential
	// Err says why the kind could not be read this time.
	Err error
	// Off: the account has this kind switched off (Zendesk answers 404
	// for API tokens when token access is disabled). Not a failure.
	Off bool
}

// Credentials lists an account's credentials and revokes them.
type Credentials interface {
	// ListCredentials reads every kind the connector knows, one list per
	// kind, each with its own error: a kind that fails leaves the others.
	ListCredentials(ctx context.Context) []CredentialList
	// RevokeCredential ends a credential in the SaaS; ErrNotFound when it
	// is already gone, ErrInvalid for a kind that cannot be revoked
	// through the API.
	RevokeCredential(ctx context.Context, kind string, id int64) error
}

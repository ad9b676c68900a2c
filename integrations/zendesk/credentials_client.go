package zendesk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// carriesSecrets reports whether an endpoint's responses hold credential
// material (token prefixes, refresh tokens, client secrets, app settings).
// No *Error built from such an endpoint keeps a body that is not one of
// Zendesk's error envelopes, so a secret cannot reach a log through
// Error.Body or Error().
func carriesSecrets(endpoint string) bool {
	switch endpoint {
	case EndpointAPITokens, EndpointOAuthClients, EndpointOAuthTokens,
		EndpointOAuthTokenRevoke, EndpointAppInstallations:
		return true
	}
	return false
}

// APITokens returns the account's legacy API tokens with their creators'
// names and emails. The list is not paginated: Zendesk allows at most 256
// tokens. When token access is turned off for the account Zendesk answers
// 404, so the error satisfies errors.Is(err, ErrNotFound); callers should
// read that as "no API tokens can be in use".
func (c *Client) APITokens(ctx context.Context) ([]APITokenInfo, error) {
	var out struct {
		APITokens *[]APITokenInfo `json:"api_tokens"`
	}
	err := c.do(ctx, call{
		endpoint: EndpointAPITokens,
		method:   http.MethodGet,
		path:     []string{"api_tokens"},
		query:    url.Values{"include_users": {"true"}},
	}, &out)
	if err != nil {
		return nil, err
	}
	if out.APITokens == nil {
		return nil, badResponse(EndpointAPITokens, http.StatusOK, nil, errors.New(`response has no "api_tokens"`))
	}
	return *out.APITokens, nil
}

// OAuthClients returns every OAuth client registered in the account,
// following cursor pagination.
func (c *Client) OAuthClients(ctx context.Context) ([]OAuthClient, error) {
	return listAll[OAuthClient](ctx, c, EndpointOAuthClients, "clients", []string{"oauth", "clients"})
}

// OAuthTokens returns every OAuth access token issued in the account, not
// only the caller's own (all=true), following cursor pagination.
func (c *Client) OAuthTokens(ctx context.Context) ([]OAuthTokenInfo, error) {
	return listAll[OAuthTokenInfo](ctx, c, EndpointOAuthTokens, "tokens", []string{"oauth", "tokens"},
		url.Values{"all": {"true"}})
}

// AppInstallations returns the apps installed in the account, enabled or
// not. The list is not paginated.
func (c *Client) AppInstallations(ctx context.Context) ([]AppInstallation, error) {
	var out struct {
		Installations *[]AppInstallation `json:"installations"`
	}
	err := c.do(ctx, call{
		endpoint: EndpointAppInstallations,
		method:   http.MethodGet,
		path:     []string{"apps", "installations"},
	}, &out)
	if err != nil {
		return nil, err
	}
	if out.Installations == nil {
		return nil, badResponse(EndpointAppInstallations, http.StatusOK, nil, errors.New(`response has no "installations"`))
	}
	return *out.Installations, nil
}

// RevokeOAuthToken revokes one OAuth access token. A token that no longer
// exists yields an error satisfying errors.Is(err, ErrNotFound); callers
// should treat it as already revoked, which is also what a retried DELETE
// whose first attempt succeeded unseen looks like.
func (c *Client) RevokeOAuthToken(ctx context.Context, id int64) error {
	if id <= 0 {
		return &Error{Kind: ErrInvalid, Endpoint: EndpointOAuthTokenRevoke,
			Description: fmt.Sprintf("token id must be positive, got %d", id)}
	}
	idStr := strconv.FormatInt(id, 10)
	return c.do(ctx, call{
		endpoint: EndpointOAuthTokenRevoke,
		method:   http.MethodDelete,
		path:     []string{"oauth", "tokens", idStr},
		// A hold after one token's 429 must not stall revoking others.
		holdKey: EndpointOAuthTokenRevoke + ":" + idStr,
	}, nil)
}

// UnmarshalJSON decodes an installation, taking Name from settings.name
// (settings.title when name is empty). Only those two settings are read:
// the others may hold third-party API keys and are never decoded.
func (a *AppInstallation) UnmarshalJSON(data []byte) error {
	// plain has AppInstallation's fields but not this method, so decoding
	// into it does not recurse.
	type plain AppInstallation
	var wire struct {
		plain
		Settings json.RawMessage `json:"settings"`
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		return err
	}
	*a = AppInstallation(wire.plain)
	// Raw values, and the error ignored, so one installation with odd
	// settings costs only its name rather than failing the whole list.
	var settings struct {
		Name  json.RawMessage `json:"name"`
		Title json.RawMessage `json:"title"`
	}
	_ = json.Unmarshal(wire.Settings, &settings)
	a.Name = firstNonEmpty(rawString(settings.Name), rawString(settings.Title))
	return nil
}

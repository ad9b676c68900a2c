// Package graph reads people from Microsoft Entra ID through Microsoft
// Graph as an identity source: the users delta query (so a re-read asks
// only for what changed, and an unchanged directory costs one request),
// @odata.nextLink paging that must stay on Graph, 429 and 5xx answered by
// waiting as Graph says (Retry-After), and an app-only token from the
// client credentials grant (x/oauth2).
package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/seatwarden/seatwarden/internal/apiclient"
)

// Defaults: Microsoft's endpoints.
const (
	DefaultAPIURL = "https://graph.microsoft.com/v1.0"
	// Scope asks for the application permissions granted to the app
	// (User.Read.All is what the bot needs).
	Scope = "https://graph.microsoft.com/.default"
	// maxBody bounds one page's body.
	maxBody = 32 << 20
)

// DefaultTokenURL is Entra ID's token endpoint for tenant.
func DefaultTokenURL(tenant string) string {
	return "https://login.microsoftonline.com/" + url.PathEscape(tenant) + "/oauth2/v2.0/token"
}

// Config is how to reach one tenant.
type Config struct {
	TenantID, ClientID, ClientSecret string
	// APIURL and TokenURL default to Microsoft's; tests and the demo
	// point them at an emulator.
	APIURL, TokenURL string
	// PageSize is $top on the first request (default and most 999).
	PageSize int
	apiclient.Options
}

// Client is a Microsoft Graph client for the users directory.
type Client struct {
	cfg  Config
	base *url.URL
	http *http.Client // carries the app-only token
	log  *slog.Logger
}

// New checks c and returns a client; the token is fetched on first use.
func New(c Config) (*Client, error) {
	switch {
	case strings.TrimSpace(c.TenantID) == "":
		return nil, errors.New("graph: the tenant id is required (GRAPH_TENANT_ID)")
	case strings.TrimSpace(c.ClientID) == "" || c.ClientSecret == "":
		return nil, errors.New("graph: the app's client id and secret are required (GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET)")
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if c.TokenURL == "" {
		c.TokenURL = DefaultTokenURL(c.TenantID)
	}
	base, err := apiclient.BaseURL("graph", c.APIURL)
	if err != nil {
		return nil, err
	}
	if c.PageSize <= 0 || c.PageSize > 999 {
		c.PageSize = 999
	}
	log := c.Options.Fill("graph")
	cc := clientcredentials.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, TokenURL: c.TokenURL,
		Scopes: []string{Scope}, AuthStyle: oauth2.AuthStyleInParams}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, c.HTTPClient)
	return &Client{cfg: c, base: base, http: oauth2.NewClient(ctx, cc.TokenSource(ctx)), log: log}, nil
}

// User is a Graph user, the properties seatwarden selects.
type User struct {
	ID                string   `json:"id"`
	DisplayName       string   `json:"displayName"`
	Mail              string   `json:"mail"`
	UserPrincipalName string   `json:"userPrincipalName"`
	OtherMails        []string `json:"otherMails"`
	ProxyAddresses    []string `json:"proxyAddresses"`
	// AccountEnabled is a pointer: a delta entry leaves out what did not
	// change.
	AccountEnabled *bool  `json:"accountEnabled"`
	Department     string `json:"department"`
	JobTitle       string `json:"jobTitle"`
	// Removed is set on a delta entry for a deleted user.
	Removed *struct {
		Reason string `json:"reason"`
	} `json:"@removed"`
	// ManagerDelta is the manager as the delta reports it: the last entry
	// without @removed names the manager now.
	ManagerDelta []struct {
		ID      string    `json:"id"`
		Removed *struct{} `json:"@removed"`
	} `json:"manager@delta"`
}

// Selected are the properties every read asks for.
const Selected = "id,displayName,mail,userPrincipalName,otherMails,proxyAddresses,accountEnabled,department,jobTitle"

// page is one delta answer.
type page struct {
	Value     []User `json:"value"`
	NextLink  string `json:"@odata.nextLink"`
	DeltaLink string `json:"@odata.deltaLink"`
}

// Delta pages through the users delta from link ("" starts a full read),
// calling each with every page; it returns the deltaLink to read changes
// from next time and how many requests it made.
func (c *Client) Delta(ctx context.Context, link string, each func([]User) error) (next string, requests int, err error) {
	u, err := c.ownLink(link)
	if err != nil {
		return "", 0, err
	}
	if u == nil {
		u = c.base.JoinPath("users", "delta")
		// The manager comes as manager@delta when it is selected.
		u.RawQuery = url.Values{"$select": {Selected + ",manager"}, "$top": {fmt.Sprint(c.cfg.PageSize)}}.Encode()
	}
	for {
		var p page
		n, err := c.get(ctx, u, &p)
		requests += n
		if err != nil {
			return "", requests, err
		}
		if err := each(p.Value); err != nil {
			return "", requests, err
		}
		switch {
		case p.NextLink != "":
			if u, err = c.ownLink(p.NextLink); err != nil {
				return "", requests, err
			}
		case p.DeltaLink != "":
			if _, err := c.ownLink(p.DeltaLink); err != nil {
				return "", requests, err
			}
			return p.DeltaLink, requests, nil
		default:
			return "", requests, fail(ErrBadResponse, 0, "a delta page with neither @odata.nextLink nor @odata.deltaLink")
		}
	}
}

// ownLink parses a next or delta link, which must point back at Graph's
// users delta: a link elsewhere would carry the token there.
func (c *Client) ownLink(link string) (*url.URL, error) {
	if link == "" {
		return nil, nil
	}
	u, err := url.Parse(link)
	if err != nil || u.Scheme != c.base.Scheme || u.Host != c.base.Host || u.Path != c.base.Path+"/users/delta" {
		return nil, fail(ErrBadResponse, 0, "a page link points outside Graph's users delta")
	}
	return u, nil
}

// get GETs u into out, waiting and retrying on 429 and 5xx as Graph asks.
func (c *Client) get(ctx context.Context, u *url.URL, out any) (int, error) {
	_, n, err := c.cfg.GetJSON(ctx, c.log, u, apiclient.Get{
		Client: c.http, MaxBody: maxBody, Fail: fail,
		Header: http.Header{"Accept": {"application/json"}},
		Answer: func(resp *http.Response, body []byte) (error, bool) {
			return errorOf(resp.StatusCode, body), apiclient.Retryable(resp.StatusCode)
		},
		Refused: func(err error) error {
			if re := (*oauth2.RetrieveError)(nil); errors.As(err, &re) {
				return tokenError(re)
			}
			return nil
		},
		NotJSON: "the users page is not the JSON Graph sends",
	}, out)
	return n, err
}

// Probe reads one user, to show the token works and may read users.
func (c *Client) Probe(ctx context.Context) error {
	u := c.base.JoinPath("users")
	u.RawQuery = url.Values{"$top": {"1"}, "$select": {"id"}}.Encode()
	var p page
	_, err := c.get(ctx, u, &p)
	return err
}

// Error is a failed call; errors.Is matches its kind (ErrUnauthorized
// and the rest) and the connector seam's class.
type Error = apiclient.Error

// Kinds of failure, for errors.Is.
const (
	ErrUnauthorized = apiclient.KindUnauthorized
	ErrForbidden    = apiclient.KindForbidden
	ErrNotFound     = apiclient.KindNotFound
	ErrInvalid      = apiclient.KindInvalid
	ErrRateLimited  = apiclient.KindRateLimited
	ErrUnavailable  = apiclient.KindUnavailable
	ErrBadResponse  = apiclient.KindBadResponse
)

var hints = map[apiclient.Kind]string{
	ErrUnauthorized: "check GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET (secrets expire)",
	ErrForbidden:    "the app registration needs the User.Read.All application permission, with admin consent",
}

func fail(kind apiclient.Kind, status int, message string) *Error {
	return &Error{Product: "graph", Kind: kind, Status: status, Message: message, Hints: hints}
}

// errorOf reads Graph's error body: error.code and error.message.
func errorOf(status int, body []byte) *Error {
	var b struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &b)
	e := fail(apiclient.KindOf(status), status, b.Error.Message)
	e.Code = b.Error.Code
	return e
}

// tokenError is a refused token request: the credentials are wrong.
func tokenError(re *oauth2.RetrieveError) *Error {
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	kind := ErrUnauthorized
	if status >= 500 {
		kind = ErrUnavailable
	}
	e := fail(kind, status, "Entra ID refused the token: "+re.ErrorDescription)
	e.Code = re.ErrorCode
	return e
}

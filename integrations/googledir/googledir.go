// Package googledir reads people from the Google Workspace Admin SDK
// Directory API as an identity source: users.list for the whole account
// (customer my_customer, 500 a page, nextPageToken), with a service
// account that impersonates an administrator through domain-wide
// delegation (x/oauth2/jwt). Google reports its rate limits as 403
// userRateLimitExceeded or quotaExceeded, which are waited out like 429s.
package googledir

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"

	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/internal/apiclient"
)

// Defaults: Google's endpoints and the read-only scope.
const (
	DefaultAPIURL   = "https://admin.googleapis.com"
	DefaultTokenURL = "https://oauth2.googleapis.com/token"
	Scope           = "https://www.googleapis.com/auth/admin.directory.user.readonly"
	// PageSize is users.list's maxResults: its most.
	PageSize = 500
	maxBody  = 32 << 20
)

// Error is a failed call; errors.Is matches its kind and the connector
// seam's class.
type Error = apiclient.Error

// Kinds of failure, for errors.Is.
const (
	ErrUnauthorized = apiclient.KindUnauthorized
	ErrForbidden    = apiclient.KindForbidden
	ErrUnavailable  = apiclient.KindUnavailable
	ErrBadResponse  = apiclient.KindBadResponse
)

var hints = map[apiclient.Kind]string{
	ErrUnauthorized: "check GOOGLE_CREDENTIALS_FILE (the service account's key) and GOOGLE_ADMIN_EMAIL, and that domain-wide delegation grants the service account " + Scope,
	ErrForbidden:    "GOOGLE_ADMIN_EMAIL must be an administrator who may read users",
}

func fail(kind apiclient.Kind, status int, message string) *Error {
	return &Error{Product: "google", Kind: kind, Status: status, Message: message, Hints: hints}
}

// Config is how to reach one Workspace account.
type Config struct {
	// Key is the service account's JSON key.
	Key []byte
	// Admin is the administrator the service account acts as.
	Admin string
	// APIURL and TokenURL default to Google's (the key's token_uri when
	// it names one); tests and the demo point them at an emulator.
	APIURL, TokenURL string
	apiclient.Options
}

// Client reads the account's users.
type Client struct {
	cfg  Config
	base *url.URL
	http *http.Client
	log  *slog.Logger
}

// serviceAccountKey is the JSON key file's fields the client uses.
type serviceAccountKey struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKey   string `json:"private_key"`
	PrivateKeyID string `json:"private_key_id"`
	TokenURI     string `json:"token_uri"`
}

// New checks c and returns a client; the token is fetched on first use.
func New(c Config) (*Client, error) {
	var key serviceAccountKey
	switch err := json.Unmarshal(c.Key, &key); {
	case err != nil:
		return nil, fmt.Errorf("google: the service account key is not JSON: %w", err)
	case key.Type != "service_account" || key.ClientEmail == "" || key.PrivateKey == "":
		return nil, errors.New(`google: the key is not a service account's key ("type": "service_account", with client_email and private_key)`)
	case strings.TrimSpace(c.Admin) == "":
		return nil, errors.New("google: the administrator to act as is required (GOOGLE_ADMIN_EMAIL)")
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if c.TokenURL == "" {
		c.TokenURL = cmp.Or(key.TokenURI, DefaultTokenURL)
	}
	base, err := apiclient.BaseURL("google", c.APIURL)
	if err != nil {
		return nil, err
	}
	log := c.Options.Fill("google")
	jc := &jwt.Config{Email: key.ClientEmail, PrivateKey: []byte(key.PrivateKey), PrivateKeyID: key.PrivateKeyID,
		Scopes: []string{Scope}, TokenURL: c.TokenURL, Subject: c.Admin}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, c.HTTPClient)
	return &Client{cfg: c, base: base, http: jc.Client(ctx), log: log}, nil
}

// User is a Workspace user, the fields seatwarden reads.
type User struct {
	ID                 string   `json:"id"`
	PrimaryEmail       string   `json:"primaryEmail"`
	Aliases            []string `json:"aliases"`
	NonEditableAliases []string `json:"nonEditableAliases"`
	Emails             []struct {
		Address string `json:"address"`
	} `json:"emails"`
	Name struct {
		FullName string `json:"fullName"`
	} `json:"name"`
	Suspended bool `json:"suspended"`
	Archived  bool `json:"archived"`
	Relations []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"relations"`
	Organizations []struct {
		Primary    bool   `json:"primary"`
		Title      string `json:"title"`
		Department string `json:"department"`
	} `json:"organizations"`
}

type usersPage struct {
	Users         []User `json:"users"`
	NextPageToken string `json:"nextPageToken"`
}

// Users pages through every user of the account; it returns how many
// requests it made.
func (c *Client) Users(ctx context.Context, page func([]User) error) (int, error) {
	requests, token := 0, ""
	for {
		u := c.base.JoinPath("admin", "directory", "v1", "users")
		q := url.Values{"customer": {"my_customer"}, "maxResults": {fmt.Sprint(PageSize)}}
		if token != "" {
			q.Set("pageToken", token)
		}
		u.RawQuery = q.Encode()
		var p usersPage
		n, err := c.get(ctx, u, &p)
		requests += n
		if err != nil {
			return requests, err
		}
		if err := page(p.Users); err != nil {
			return requests, err
		}
		if p.NextPageToken == "" {
			return requests, nil
		}
		token = p.NextPageToken
	}
}

// Probe reads one user.
func (c *Client) Probe(ctx context.Context) error {
	u := c.base.JoinPath("admin", "directory", "v1", "users")
	u.RawQuery = url.Values{"customer": {"my_customer"}, "maxResults": {"1"}}.Encode()
	var p usersPage
	_, err := c.get(ctx, u, &p)
	return err
}

// googleError is Google's JSON error envelope.
type googleError struct {
	Error struct {
		Code    int           `json:"code"`
		Message string        `json:"message"`
		Errors  []errorReason `json:"errors"`
	} `json:"error"`
}

type errorReason struct {
	Reason string `json:"reason"`
}

// rateLimitReasons: Google's limits answer 403 with these reasons.
var rateLimitReasons = []string{"userRateLimitExceeded", "rateLimitExceeded", "quotaExceeded"}

func (c *Client) get(ctx context.Context, u *url.URL, out any) (int, error) {
	_, n, err := c.cfg.GetJSON(ctx, c.log, u, apiclient.Get{
		Client: c.http, MaxBody: maxBody, Fail: fail,
		Answer:  answer,
		Refused: refused,
		NotJSON: "the users page is not the JSON Google sends",
	}, out)
	return n, err
}

// answer judges a failed answer: Google reports rate limits as 403
// userRateLimitExceeded or quotaExceeded as well as 429.
func answer(resp *http.Response, body []byte) (error, bool) {
	var ge googleError
	_ = json.Unmarshal(body, &ge)
	limited := apiclient.Retryable(resp.StatusCode) ||
		(resp.StatusCode == http.StatusForbidden && slices.ContainsFunc(ge.Error.Errors, func(e errorReason) bool {
			return slices.Contains(rateLimitReasons, e.Reason)
		}))
	kind := apiclient.KindOf(resp.StatusCode)
	if limited && resp.StatusCode == http.StatusForbidden {
		kind = apiclient.KindRateLimited
	}
	return fail(kind, resp.StatusCode, ge.Error.Message), limited
}

// refused is the token endpoint's refusal of the signed assertion: the
// key, the administrator or the delegation is wrong.
func refused(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return nil
	}
	// x/oauth2/jwt leaves the error fields empty: read the body.
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(re.Body, &body)
	e := fail(ErrUnauthorized, 0, "Google refused the token: "+cmp.Or(re.ErrorDescription, body.Description, re.ErrorCode, body.Error))
	if re.Response != nil {
		e.Status = re.Response.StatusCode
	}
	return e
}

var _ directory.Source = Source{}

// Source is Google Workspace as the directory reads it.
type Source struct {
	Client *Client
}

// Name implements directory.Source.
func (Source) Name() string { return directory.Google }

// Probe reads one user.
func (s Source) Probe(ctx context.Context) error { return s.Client.Probe(ctx) }

// ReadPeople lists everyone, whatever the cursor: Google has no change
// list for users, so a user no longer listed counts as deleted.
func (s Source) ReadPeople(ctx context.Context, _ string) (directory.Read, error) {
	return directory.ReadEveryone(ctx, s.Client.Users, personOf)
}

// personOf maps a user: the primary address, then aliases and other
// addresses; suspended, or archived (a former employee kept for their
// data), as departed; the manager relation (an email) and the primary
// organisation's title and department.
func personOf(u User) directory.Person {
	p := directory.Person{ID: u.ID, Name: strings.TrimSpace(u.Name.FullName), Status: directory.Active,
		Emails: append([]string{u.PrimaryEmail}, append(u.Aliases, u.NonEditableAliases...)...)}
	for _, e := range u.Emails {
		p.Emails = append(p.Emails, e.Address)
	}
	switch {
	case u.Archived:
		p.Status = directory.Deactivated
	case u.Suspended:
		p.Status = directory.Suspended
	}
	for _, r := range u.Relations {
		if r.Type == "manager" {
			p.ManagerID = r.Value
		}
	}
	for i, o := range u.Organizations {
		if o.Primary || i == 0 {
			p.Title, p.Department = o.Title, o.Department
		}
	}
	return p
}

// Package scim reads people from any SCIM 2.0 service provider (RFC 7643,
// RFC 7644) as an identity source: GET /Users paged by startIndex and
// count, the core User's emails, active and title, and the enterprise
// extension's manager and department, with a Bearer token. SCIM has no
// change feed every server offers, so every read lists everyone.
package scim

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/internal/apiclient"
)

const (
	// PageSize is the count asked for; servers commonly cap it at 100.
	PageSize = 100
	maxBody  = 16 << 20
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
	ErrUnauthorized: "check SCIM_TOKEN: the server refuses it",
	ErrForbidden:    "the token needs to read Users",
}

func fail(kind apiclient.Kind, status int, message string) *Error {
	return &Error{Product: "scim", Kind: kind, Status: status, Message: message, Hints: hints}
}

// Config is how to reach one SCIM service provider.
type Config struct {
	// URL is the SCIM base, such as https://hr.example.com/scim/v2.
	URL   string
	Token string
	apiclient.Options
}

// Client reads Users.
type Client struct {
	cfg  Config
	base *url.URL
	log  *slog.Logger
}

// New checks c and returns a client.
func New(c Config) (*Client, error) {
	base, err := apiclient.BaseURL("scim", c.URL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.Token) == "" {
		return nil, errors.New("scim: a token is required (SCIM_TOKEN)")
	}
	log := c.Options.Fill("scim")
	return &Client{cfg: c, base: base, log: log}, nil
}

// User is a SCIM User, the attributes seatwarden reads.
type User struct {
	ID          string `json:"id"`
	UserName    string `json:"userName"`
	DisplayName string `json:"displayName"`
	Name        struct {
		Formatted string `json:"formatted"`
	} `json:"name"`
	Title  string `json:"title"`
	Active *bool  `json:"active"`
	Emails []struct {
		Value   string `json:"value"`
		Primary bool   `json:"primary"`
	} `json:"emails"`
	Enterprise struct {
		Department string `json:"department"`
		Manager    struct {
			Value string `json:"value"`
		} `json:"manager"`
	} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
}

type listResponse struct {
	TotalResults int    `json:"totalResults"`
	StartIndex   int    `json:"startIndex"`
	Resources    []User `json:"Resources"`
}

// Users pages through every user, calling page with each page; it
// returns how many requests it made.
func (c *Client) Users(ctx context.Context, page func([]User) error) (int, error) {
	requests, start := 0, 1
	for {
		u := c.base.JoinPath("Users")
		u.RawQuery = url.Values{"startIndex": {strconv.Itoa(start)}, "count": {strconv.Itoa(PageSize)}}.Encode()
		var lr listResponse
		n, err := c.get(ctx, u, &lr)
		requests += n
		if err != nil {
			return requests, err
		}
		if err := page(lr.Resources); err != nil {
			return requests, err
		}
		start += len(lr.Resources)
		if len(lr.Resources) == 0 || start > lr.TotalResults {
			return requests, nil
		}
	}
}

// Probe reads one user: the server answers and the token may read Users.
func (c *Client) Probe(ctx context.Context) error {
	u := c.base.JoinPath("Users")
	u.RawQuery = url.Values{"startIndex": {"1"}, "count": {"1"}}.Encode()
	var lr listResponse
	_, err := c.get(ctx, u, &lr)
	return err
}

func (c *Client) get(ctx context.Context, u *url.URL, out any) (int, error) {
	_, n, err := c.cfg.GetJSON(ctx, c.log, u, apiclient.Get{
		Client: c.cfg.HTTPClient, MaxBody: maxBody, Fail: fail,
		Header: http.Header{"Authorization": {"Bearer " + c.cfg.Token}, "Accept": {"application/scim+json"}},
		Answer: func(resp *http.Response, body []byte) (error, bool) {
			return fail(apiclient.KindOf(resp.StatusCode), resp.StatusCode, detail(body)), apiclient.Retryable(resp.StatusCode)
		},
		NotJSON: "the Users page is not a SCIM ListResponse",
	}, out)
	return n, err
}

// detail is a SCIM error's detail (RFC 7644 §3.12).
func detail(body []byte) string {
	var e struct {
		Detail string `json:"detail"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Detail
}

var _ directory.Source = Source{}

// Source is a SCIM service provider as the directory reads it.
type Source struct {
	Client *Client
}

// Name implements directory.Source.
func (Source) Name() string { return directory.SCIM }

// Probe reads one user.
func (s Source) Probe(ctx context.Context) error { return s.Client.Probe(ctx) }

// ReadPeople lists everyone, whatever the cursor: a user the server no
// longer lists counts as deleted, and active false as deactivated.
func (s Source) ReadPeople(ctx context.Context, _ string) (directory.Read, error) {
	return directory.ReadEveryone(ctx, s.Client.Users, personOf)
}

func personOf(u User) directory.Person {
	p := directory.Person{ID: u.ID, Name: strings.TrimSpace(u.DisplayName), Title: u.Title, Status: directory.Active,
		Department: u.Enterprise.Department, ManagerID: u.Enterprise.Manager.Value}
	if p.Name == "" {
		p.Name = strings.TrimSpace(u.Name.Formatted)
	}
	for _, e := range u.Emails {
		if e.Primary {
			p.Emails = append([]string{e.Value}, p.Emails...)
		} else {
			p.Emails = append(p.Emails, e.Value)
		}
	}
	p.Emails = append(p.Emails, u.UserName)
	if u.Active != nil && !*u.Active {
		p.Status = directory.Deactivated
	}
	return p
}

package github

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// VerifiedDomainEmails returns, for each login, the emails the person has
// verified on the organization's verified domains: how a GitHub login is
// matched to a person elsewhere. GitHub exposes these only through GraphQL
// (User.organizationVerifiedDomainEmails), so logins go 100 to a POST
// /graphql, each an aliased user(login:) field. A login GitHub does not
// know is left out of the map; a known one without such emails maps to an
// empty slice.
func (c *Client) VerifiedDomainEmails(ctx context.Context, logins []string) (map[string][]string, error) {
	out := make(map[string][]string, len(logins))
	var uniq []string
	seen := map[string]bool{}
	for _, l := range logins {
		if err := c.checkLogin(EndpointGraphQL, http.MethodPost, pathOf(c.graphqlURL), l); err != nil {
			return nil, err
		}
		if !seen[l] {
			seen[l] = true
			uniq = append(uniq, l)
		}
	}
	for batch := range chunks(uniq, batchSize) {
		if err := c.verifiedDomainEmails(ctx, batch, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// verifiedDomainQuery is the query for n logins:
//
//	query($org: String!, $l0: String!, …) {
//	  u0: user(login: $l0) { login organizationVerifiedDomainEmails(login: $org) }
//	  …
//	}
//
// Logins travel as variables, never spliced into the query text.
func verifiedDomainQuery(n int) string {
	var b strings.Builder
	b.WriteString("query($org: String!")
	for i := range n {
		fmt.Fprintf(&b, ", $l%d: String!", i)
	}
	b.WriteString(") {")
	for i := range n {
		fmt.Fprintf(&b, " u%d: user(login: $l%d) { login organizationVerifiedDomainEmails(login: $org) }", i, i)
	}
	b.WriteString(" }")
	return b.String()
}

func (c *Client) verifiedDomainEmails(ctx context.Context, logins []string, out map[string][]string) error {
	vars := map[string]any{"org": c.org}
	for i, l := range logins {
		vars["l"+strconv.Itoa(i)] = l
	}
	body, err := json.Marshal(map[string]any{"query": verifiedDomainQuery(len(logins)), "variables": vars})
	if err != nil {
		return &APIError{Kind: ErrInvalid, Method: http.MethodPost, Path: pathOf(c.graphqlURL), Err: err}
	}
	res, err := c.do(ctx, call{
		endpoint: EndpointGraphQL,
		method:   http.MethodPost,
		url:      c.graphqlURL,
		body:     body,
		resource: "graphql",
		graphql:  true,
	})
	if err != nil {
		return err
	}
	var env struct {
		Data map[string]*struct {
			Login  string   `json:"login"`
			Emails []string `json:"organizationVerifiedDomainEmails"`
		} `json:"data"`
		Errors []GraphQLErrorEntry `json:"errors"`
	}
	if err := json.Unmarshal(res.body, &env); err != nil {
		return &APIError{Kind: ErrBadResponse, Status: res.status, Method: http.MethodPost, Path: pathOf(c.graphqlURL),
			Message: "graphql: response is not JSON", Err: jsonCause(err)}
	}
	// NOT_FOUND on an alias is a login GitHub does not know; anything
	// else fails the batch rather than return a partial answer as whole.
	var others []GraphQLErrorEntry
	for _, e := range env.Errors {
		if e.Type != "NOT_FOUND" || len(e.Path) != 1 {
			others = append(others, e)
		}
	}
	if len(others) > 0 {
		return &GraphQLError{Errors: others}
	}
	if env.Data == nil {
		return &APIError{Kind: ErrBadResponse, Status: res.status, Method: http.MethodPost, Path: pathOf(c.graphqlURL),
			Message: `graphql: response has no "data"`}
	}
	for i, l := range logins {
		u, ok := env.Data["u"+strconv.Itoa(i)]
		if !ok {
			return &APIError{Kind: ErrBadResponse, Status: res.status, Method: http.MethodPost, Path: pathOf(c.graphqlURL),
				Message: fmt.Sprintf("graphql: response lacks alias u%d", i)}
		}
		if u == nil {
			continue
		}
		emails := u.Emails
		if emails == nil {
			emails = []string{}
		}
		out[l] = emails
	}
	return nil
}

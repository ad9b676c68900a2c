package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Org returns the organization. It is the health check: a 404 means the
// org does not exist or the credentials cannot see it, and the error says
// which org was asked for.
func (c *Client) Org(ctx context.Context) (Organization, error) {
	var out Organization
	if err := c.getJSON(ctx, EndpointOrg, c.url(nil, "orgs", c.org), &out); err != nil {
		if errors.Is(err, ErrNotFound) {
			return Organization{}, fmt.Errorf("github: organization %q not found, or not visible to these credentials: %w", c.org, err)
		}
		return Organization{}, err
	}
	if out.Login == "" || out.ID == 0 {
		return Organization{}, &APIError{Kind: ErrBadResponse, Status: http.StatusOK, Method: http.MethodGet,
			Path: pathOf(c.url(nil, "orgs", c.org)), Message: `org response lacks "login" or "id"`}
	}
	return out, nil
}

// Members lists the organization's members, every page. role is "all"
// (or ""), "admin" (owners) or "member" (everyone else).
func (c *Client) Members(ctx context.Context, role string) ([]Member, error) {
	switch role {
	case "":
		role = "all"
	case "all", RoleAdmin, RoleMember:
	default:
		return nil, &APIError{Kind: ErrInvalid, Method: http.MethodGet, Path: pathOf(c.url(nil, "orgs", c.org, "members")),
			Message: fmt.Sprintf(`role must be "all", "admin" or "member", got %q`, role)}
	}
	q := url.Values{"role": {role}, "per_page": {strconv.Itoa(pageSize)}}
	return listAll(ctx, c, EndpointMembers, c.url(q, "orgs", c.org, "members"), arrayItems[Member])
}

// MembersWithout2FA lists members without two-factor authentication,
// every page. GitHub shows this only to organization owners.
func (c *Client) MembersWithout2FA(ctx context.Context) ([]Member, error) {
	q := url.Values{"filter": {"2fa_disabled"}, "role": {"all"}, "per_page": {strconv.Itoa(pageSize)}}
	return listAll(ctx, c, EndpointMembers, c.url(q, "orgs", c.org, "members"), arrayItems[Member])
}

// User returns a user's public profile.
func (c *Client) User(ctx context.Context, login string) (User, error) {
	target := c.url(nil, "users", login)
	if err := c.checkLogin(EndpointUser, http.MethodGet, "/users/"+login, login); err != nil {
		return User{}, err
	}
	var out User
	if err := c.getJSON(ctx, EndpointUser, target, &out); err != nil {
		return User{}, err
	}
	return out, nil
}

// UserByID returns a user's public profile by their numeric id, which,
// unlike the login, survives a rename. ErrNotFound when no such user.
func (c *Client) UserByID(ctx context.Context, id int64) (User, error) {
	target := c.url(nil, "user", strconv.FormatInt(id, 10))
	if id <= 0 {
		return User{}, &APIError{Kind: ErrInvalid, Method: http.MethodGet, Path: pathOf(target),
			Message: fmt.Sprintf("%s: user id must be positive, got %d", EndpointUserByID, id)}
	}
	var out User
	if err := c.getJSON(ctx, EndpointUserByID, target, &out); err != nil {
		return User{}, err
	}
	return out, nil
}

// Membership returns a user's membership of the organization; ErrNotFound
// when they are neither a member nor invited.
func (c *Client) Membership(ctx context.Context, login string) (Membership, error) {
	target := c.url(nil, "orgs", c.org, "memberships", login)
	if err := c.checkLogin(EndpointMembershipGet, http.MethodGet, pathOf(target), login); err != nil {
		return Membership{}, err
	}
	var out Membership
	if err := c.getJSON(ctx, EndpointMembershipGet, target, &out); err != nil {
		return Membership{}, err
	}
	return out, nil
}

// SetMembershipRole makes a member an owner (RoleAdmin) or a plain member
// (RoleMember). For someone not yet a member, GitHub sends an invitation
// and the membership comes back pending.
func (c *Client) SetMembershipRole(ctx context.Context, login, role string) (Membership, error) {
	target := c.url(nil, "orgs", c.org, "memberships", login)
	if err := c.checkLogin(EndpointMembershipSet, http.MethodPut, pathOf(target), login); err != nil {
		return Membership{}, err
	}
	if role != RoleAdmin && role != RoleMember {
		return Membership{}, &APIError{Kind: ErrInvalid, Method: http.MethodPut, Path: pathOf(target),
			Message: fmt.Sprintf(`role must be "admin" or "member", got %q`, role)}
	}
	var out Membership
	if _, err := c.sendJSON(ctx, EndpointMembershipSet, http.MethodPut, target, map[string]string{"role": role}, &out); err != nil {
		return Membership{}, err
	}
	return out, nil
}

// RemoveMember removes a member from the organization (or cancels their
// invitation), which also ends their Copilot access. When GitHub answers
// 404 the person was not there: the error matches ErrAlreadyGone (and
// ErrNotFound), so a retried removal reads as done rather than failed.
func (c *Client) RemoveMember(ctx context.Context, login string) error {
	target := c.url(nil, "orgs", c.org, "memberships", login)
	if err := c.checkLogin(EndpointMembershipRemove, http.MethodDelete, pathOf(target), login); err != nil {
		return err
	}
	_, err := c.do(ctx, call{endpoint: EndpointMembershipRemove, method: http.MethodDelete, url: target})
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Kind == ErrNotFound {
		apiErr.Kind = ErrAlreadyGone
		apiErr.Message = fmt.Sprintf("%s is not a member of %s (already removed?): %s", login, c.org, apiErr.Message)
	}
	return err
}

// CopilotSeats lists every Copilot seat the organization is billed for,
// active or pending cancellation.
func (c *Client) CopilotSeats(ctx context.Context) (CopilotSeatList, error) {
	q := url.Values{"per_page": {strconv.Itoa(pageSize)}}
	total := -1
	seats, err := listAll(ctx, c, EndpointCopilotSeats, c.url(q, "orgs", c.org, "copilot", "billing", "seats"),
		func(body []byte) ([]CopilotSeat, error) {
			var page struct {
				TotalSeats *int           `json:"total_seats"`
				Seats      *[]CopilotSeat `json:"seats"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				return nil, err
			}
			if page.TotalSeats == nil || page.Seats == nil {
				return nil, shapeError(`page lacks "total_seats" or "seats"`)
			}
			if total < 0 {
				total = *page.TotalSeats
			}
			return *page.Seats, nil
		})
	if err != nil {
		return CopilotSeatList{}, err
	}
	if len(seats) != total {
		// Seats changed while paging; the list is still every page GitHub
		// sent, so say so rather than fail.
		c.log.WarnContext(ctx, "github: Copilot seat count changed while listing",
			"total_seats", total, "listed", len(seats))
	}
	return CopilotSeatList{TotalSeats: total, Seats: seats}, nil
}

// MemberCopilotSeat returns one member's Copilot seat, active or pending
// cancellation, with the team it comes through, if any. GitHub shows it
// only to organization owners. A 404 (ErrNotFound) means the person has
// no seat or is not a member; a 422 (ErrInvalid) that Copilot is not
// enabled for the org or the person's invitation is still pending.
func (c *Client) MemberCopilotSeat(ctx context.Context, login string) (CopilotSeat, error) {
	target := c.url(nil, "orgs", c.org, "members", login, "copilot")
	if err := c.checkLogin(EndpointMemberCopilotSeat, http.MethodGet, pathOf(target), login); err != nil {
		return CopilotSeat{}, err
	}
	var out CopilotSeat
	if err := c.getJSON(ctx, EndpointMemberCopilotSeat, target, &out); err != nil {
		return CopilotSeat{}, err
	}
	return out, nil
}

// RemoveCopilotSeats cancels the Copilot seats of logins: GitHub sets them
// pending cancellation, and the people keep Copilot until the end of the
// billing cycle (longer if a team also grants it). It returns how many
// seats GitHub cancelled. Logins go 100 to a request; when one fails, the
// count so far comes back with the error.
func (c *Client) RemoveCopilotSeats(ctx context.Context, logins []string) (int, error) {
	target := c.url(nil, "orgs", c.org, "copilot", "billing", "selected_users")
	for _, l := range logins {
		if err := c.checkLogin(EndpointCopilotRemove, http.MethodDelete, pathOf(target), l); err != nil {
			return 0, err
		}
	}
	cancelled := 0
	for batch := range chunks(logins, batchSize) {
		var out struct {
			SeatsCancelled *int `json:"seats_cancelled"`
		}
		res, err := c.sendJSON(ctx, EndpointCopilotRemove, http.MethodDelete, target,
			map[string][]string{"selected_usernames": batch}, &out)
		if err != nil {
			return cancelled, err
		}
		if out.SeatsCancelled == nil {
			return cancelled, &APIError{Kind: ErrBadResponse, Status: res.status, Method: http.MethodDelete,
				Path: pathOf(target), Message: `response lacks "seats_cancelled"`}
		}
		cancelled += *out.SeatsCancelled
	}
	return cancelled, nil
}

// FineGrainedTokens lists the fine-grained personal access tokens with
// access to the organization. GitHub allows this only to GitHub Apps.
func (c *Client) FineGrainedTokens(ctx context.Context) ([]FineGrainedToken, error) {
	q := url.Values{"per_page": {strconv.Itoa(pageSize)}}
	target := c.url(q, "orgs", c.org, "personal-access-tokens")
	if err := c.needApp(http.MethodGet, target, "fine-grained tokens can be listed"); err != nil {
		return nil, err
	}
	return listAll(ctx, c, EndpointFineGrainedTokens, target, arrayItems[FineGrainedToken])
}

// RevokeFineGrainedTokens revokes the organization access of the
// fine-grained tokens whose grant ids (FineGrainedToken.ID) are given.
// GitHub allows this only to GitHub Apps and applies it asynchronously
// (202). Ids go 100 to a request; when one fails, earlier ones were
// submitted. When GitHub answers 404, a grant of the request is not the
// org's (any more): the error matches ErrAlreadyGone (and ErrNotFound).
func (c *Client) RevokeFineGrainedTokens(ctx context.Context, ids []int64) error {
	target := c.url(nil, "orgs", c.org, "personal-access-tokens")
	if err := c.needApp(http.MethodPost, target, "fine-grained tokens can be revoked"); err != nil {
		return err
	}
	for _, id := range ids {
		if id <= 0 {
			return &APIError{Kind: ErrInvalid, Method: http.MethodPost, Path: pathOf(target),
				Message: fmt.Sprintf("token grant id must be positive, got %d", id)}
		}
	}
	submitted := 0
	for batch := range chunks(ids, batchSize) {
		body := map[string]any{"action": "revoke", "pat_ids": batch}
		if _, err := c.sendJSON(ctx, EndpointRevokeTokens, http.MethodPost, target, body, nil); err != nil {
			var apiErr *APIError
			if errors.As(err, &apiErr) && apiErr.Kind == ErrNotFound {
				apiErr.Kind = ErrAlreadyGone
				apiErr.Message = fmt.Sprintf("%s has no access to %s (already revoked?): %s", grantsNamed(batch), c.org, apiErr.Message)
			}
			if submitted > 0 {
				return fmt.Errorf("github: %d of %d token revocations were submitted before: %w", submitted, len(ids), err)
			}
			return err
		}
		submitted += len(batch)
	}
	return nil
}

// Installations lists the GitHub Apps installed on the organization.
func (c *Client) Installations(ctx context.Context) ([]Installation, error) {
	q := url.Values{"per_page": {strconv.Itoa(pageSize)}}
	return listAll(ctx, c, EndpointInstallations, c.url(q, "orgs", c.org, "installations"),
		func(body []byte) ([]Installation, error) {
			var page struct {
				TotalCount    *int            `json:"total_count"`
				Installations *[]Installation `json:"installations"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				return nil, err
			}
			if page.Installations == nil {
				return nil, shapeError(`page lacks "installations"`)
			}
			return *page.Installations, nil
		})
}

// grantsNamed names the token grants of a failed revocation: GitHub does
// not say which of them it did not find.
func grantsNamed(ids []int64) string {
	if len(ids) == 1 {
		return fmt.Sprintf("token grant %d", ids[0])
	}
	return fmt.Sprintf("one of %d token grants", len(ids))
}

// needApp refuses, without calling GitHub, an endpoint only GitHub Apps
// may call when the client authenticates with a token. what says what is
// refused ("fine-grained tokens can be listed"); the message is what
// people read as the refusal.
func (c *Client) needApp(method, target, what string) error {
	if c.IsApp() {
		return nil
	}
	return &APIError{Kind: ErrAppAuthRequired, Method: method, Path: pathOf(target),
		Message: what + " only with GitHub App authentication (app ID, installation ID, private key), not with a token"}
}

// chunks yields s in slices of at most n.
func chunks[T any](s []T, n int) func(yield func([]T) bool) {
	return func(yield func([]T) bool) {
		for i := 0; i < len(s); i += n {
			if !yield(s[i:min(i+n, len(s))]) {
				return
			}
		}
	}
}

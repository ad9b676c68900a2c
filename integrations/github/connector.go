package github

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/seatwarden/seatwarden/connector"
)

// Connector is the GitHub organisation as the domain sees it: Copilot
// seats as paid seats, organisation owners as privileged staff, members
// without a seat as free ones. It maps the wire types above to the
// connector package's, and nothing else.
type Connector struct {
	Client *Client
	// RemoveMember: Remove takes the member out of the organisation
	// (github.remove_action: remove-member); by default it cancels their
	// Copilot seat.
	RemoveMember bool
	Logger       *slog.Logger
}

var (
	_ connector.StaffSource = Connector{}
	_ connector.Credentials = Connector{}
)

// roleNameOwner is what GitHub calls an organisation's admin.
const roleNameOwner = "Owner"

// SyncStaff reads the organisation whole every time (GitHub has no change
// feed for members or seats): its members, its owners, the members
// without two-factor authentication, the Copilot seats, and the emails
// that tie seat holders and owners to people. A member's group is the
// team their Copilot seat comes through, whose owner answers for it.
func (c Connector) SyncStaff(ctx context.Context, sync connector.StaffSync) (connector.Roster, connector.StaffSyncStats, error) {
	stats := connector.StaffSyncStats{Full: true}
	members, err := c.Client.Members(ctx, "all")
	if err != nil {
		return connector.Roster{}, stats, fmt.Errorf("members: %w", err)
	}
	owners, err := c.Client.Members(ctx, RoleAdmin)
	if err != nil {
		return connector.Roster{}, stats, fmt.Errorf("owners: %w", err)
	}
	seats, err := c.Client.CopilotSeats(ctx)
	if err != nil {
		return connector.Roster{}, stats, fmt.Errorf("listing Copilot seats: %w", err)
	}
	// GitHub shows who lacks 2FA only to owners (others get 403, or 422
	// "Only owners can use this filter"); without it nobody is marked as
	// having 2FA.
	no2FA := map[int64]bool{}
	twoFactorKnown := true
	if list, err := c.Client.MembersWithout2FA(ctx); errors.Is(err, connector.ErrForbidden) || errors.Is(err, connector.ErrInvalid) {
		twoFactorKnown = false
		c.log().WarnContext(ctx, "GitHub does not show these credentials which members lack 2FA; treating 2FA as unknown", slog.Any("error", err))
	} else if err != nil {
		return connector.Roster{}, stats, fmt.Errorf("members without 2FA: %w", err)
	} else {
		for _, m := range list {
			no2FA[m.ID] = true
		}
	}

	isOwner := make(map[int64]bool, len(owners))
	for _, o := range owners {
		isOwner[o.ID] = true
	}
	seatOf := make(map[int64]CopilotSeat, len(seats.Seats))
	teams := map[int64]connector.Group{}
	for _, s := range seats.Seats {
		if s.Assignee == nil || s.Assignee.ID == 0 || (s.Assignee.Type != "" && s.Assignee.Type != "User") {
			// A seat assigned to a team or an organisation is no person's.
			if s.Assignee != nil {
				c.log().WarnContext(ctx, "Copilot seat not assigned to a person left out", slog.String("assignee_type", s.Assignee.Type))
			}
			continue
		}
		seatOf[s.Assignee.ID] = s
		if t := s.AssigningTeam; t != nil {
			teams[t.ID] = connector.Group{ID: t.ID, Name: cmp.Or(t.Name, t.Slug)}
		}
	}

	// People are matched by email: the ones the seat holders and owners
	// verified on the organisation's domains. Members with neither hold
	// nothing to review and are not looked up.
	logins := map[int64]string{}
	for _, m := range members {
		logins[m.ID] = m.Login
	}
	for id, s := range seatOf {
		if _, ok := logins[id]; !ok {
			logins[id] = s.Assignee.Login // a seat held through the enterprise
		}
	}
	var lookup []string
	for id, login := range logins {
		if _, seat := seatOf[id]; seat || isOwner[id] {
			lookup = append(lookup, login)
		}
	}
	slices.Sort(lookup)
	emails, err := c.Client.VerifiedDomainEmails(ctx, lookup)
	if err != nil {
		return connector.Roster{}, stats, fmt.Errorf("verified emails: %w", err)
	}

	roster := connector.Roster{}
	for id, login := range logins {
		var seat *CopilotSeat
		if s, ok := seatOf[id]; ok {
			seat = &s
		}
		st := staffOf(id, login, isOwner[id], seat, emails[login], twoFactorKnown && !no2FA[id])
		if st.DefaultGroupID != nil {
			roster.Memberships = append(roster.Memberships, connector.Membership{UserID: id, GroupID: *st.DefaultGroupID, Default: true})
		}
		roster.Staff = append(roster.Staff, st)
	}
	slices.SortFunc(roster.Staff, func(a, b connector.Staff) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(roster.Memberships, func(a, b connector.Membership) int { return cmp.Compare(a.UserID, b.UserID) })
	for _, t := range teams {
		roster.Groups = append(roster.Groups, t)
	}
	slices.SortFunc(roster.Groups, func(a, b connector.Group) int { return cmp.Compare(a.ID, b.ID) })

	stats.Seen = len(logins)
	if sync.Prev != nil {
		before := make(map[int64]bool, len(sync.Prev.Staff))
		for _, s := range sync.Prev.Staff {
			before[s.ID] = true
		}
		for _, s := range roster.Staff {
			if !before[s.ID] {
				stats.Added++
			}
			delete(before, s.ID)
		}
		stats.Removed = len(before)
	} else {
		stats.Added = len(roster.Staff)
	}
	return roster, stats, nil
}

// staffOf is one member as a sync records them: an owner or a member,
// their Copilot seat (nil for none) with its activity and the team it
// comes through, the first of their verified emails, and their 2FA.
func staffOf(id int64, login string, owner bool, seat *CopilotSeat, emails []string, twoFactor bool) connector.Staff {
	st := connector.Staff{ID: id, Name: login, Email: firstEmail(emails), Role: RoleMember, TwoFactor: twoFactor}
	if owner {
		st.Role, st.RoleName, st.Privileged = RoleAdmin, roleNameOwner, true
	}
	switch {
	case seat == nil:
		st.Free = connector.FreeNoCopilot
		return st
	case seat.PendingCancellationDate != "":
		// Cancelled: billed to the end of the cycle, nothing left to
		// decide.
		st.Free = connector.FreeCopilotEnding
	default:
		st.Seat = connector.SeatCopilotBusiness
		if seat.PlanType == "enterprise" {
			st.Seat = connector.SeatCopilotEnterprise
		}
	}
	st.LastActivity, st.CreatedAt = seat.LastActivityAt, seat.CreatedAt
	if t := seat.AssigningTeam; t != nil {
		team := t.ID
		st.DefaultGroupID = &team
	}
	return st
}

var _ connector.StaffReader = Connector{}

// StaffMember reads one member back as a sync records them, so a seat
// the bot just cancelled shows at once: their membership, Copilot seat,
// verified email and 2FA. Someone who left the organisation and holds no
// seat through the enterprise is no longer staff.
func (c Connector) StaffMember(ctx context.Context, id int64) (connector.Staff, bool, error) {
	u, err := c.Client.UserByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return connector.Staff{}, false, nil
	}
	if err != nil {
		return connector.Staff{}, false, err
	}
	ms, err := c.Client.Membership(ctx, u.Login)
	member := err == nil && ms.State != StatePending
	if err != nil && !errors.Is(err, ErrNotFound) {
		return connector.Staff{}, false, err
	}
	var seat *CopilotSeat
	switch s, err := c.Client.MemberCopilotSeat(ctx, u.Login); {
	case err == nil:
		seat = &s
	case !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrInvalid):
		return connector.Staff{}, false, err
	}
	if !member && seat == nil {
		return connector.Staff{}, false, nil
	}
	owner := member && ms.Role == RoleAdmin
	var emails []string
	if seat != nil || owner {
		found, err := c.Client.VerifiedDomainEmails(ctx, []string{u.Login})
		if err != nil {
			return connector.Staff{}, false, fmt.Errorf("verified emails: %w", err)
		}
		emails = found[u.Login]
	}
	twoFactor := true
	switch list, err := c.Client.MembersWithout2FA(ctx); {
	case errors.Is(err, connector.ErrForbidden) || errors.Is(err, connector.ErrInvalid):
		twoFactor = false // unknown, as the sync records it
	case err != nil:
		return connector.Staff{}, false, fmt.Errorf("members without 2FA: %w", err)
	default:
		twoFactor = !slices.ContainsFunc(list, func(m Member) bool { return m.ID == id })
	}
	return staffOf(id, u.Login, owner, seat, emails, twoFactor), true, nil
}

func firstEmail(list []string) string {
	if len(list) == 0 {
		return ""
	}
	sorted := slices.Clone(list)
	slices.Sort(sorted)
	return strings.ToLower(sorted[0])
}

func (c Connector) log() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

var _ connector.Seats = Connector{}

// Member reads one member now: their login from their id (logins can be
// renamed, ids cannot), their role and their Copilot seat.
func (c Connector) Member(ctx context.Context, id int64) (connector.Member, error) {
	u, err := c.Client.UserByID(ctx, id)
	if err != nil {
		return connector.Member{}, err
	}
	ms, err := c.Client.Membership(ctx, u.Login)
	if err != nil {
		// Not a member of the organisation (any more).
		return connector.Member{}, err
	}
	if ms.State == StatePending {
		return connector.Member{}, &APIError{Kind: ErrNotFound, Message: u.Login + " is only invited to the organisation, not a member"}
	}
	m := connector.Member{ID: id, Name: u.Login, Role: ms.Role, Privileged: ms.Role == RoleAdmin}
	seat, err := c.Client.MemberCopilotSeat(ctx, u.Login)
	switch {
	case errors.Is(err, ErrNotFound):
		// A member without a seat: nothing to free.
	case err != nil:
		return connector.Member{}, err
	default:
		m.HasSeat = seat.PendingCancellationDate == ""
		m.LastActivity = seat.LastActivityAt
	}
	return m, nil
}

// ChangeSeat frees a member's Copilot seat: it cancels the seat, or with
// RemoveMember takes the member out of the organisation. GitHub has no
// suspended or cheaper Copilot seat, so Suspend and Downgrade are refused.
func (c Connector) ChangeSeat(ctx context.Context, id int64, change connector.SeatChange) error {
	if change.Kind != connector.Remove {
		return &APIError{Kind: ErrInvalid, Message: fmt.Sprintf("GitHub has no %s for a Copilot seat; only remove", change.Kind)}
	}
	u, err := c.Client.UserByID(ctx, id)
	if err != nil {
		return err
	}
	if c.RemoveMember {
		return c.Client.RemoveMember(ctx, u.Login)
	}
	cancelled, err := c.Client.RemoveCopilotSeats(ctx, []string{u.Login})
	if err != nil {
		return err
	}
	if cancelled == 0 {
		// Nothing cancelled: the seat is gone already, or comes through
		// a team, which only taking them out of the team ends.
		seat, err := c.Client.MemberCopilotSeat(ctx, u.Login)
		if err == nil && seat.AssigningTeam != nil {
			return &APIError{Kind: ErrInvalid, Message: fmt.Sprintf("%s has Copilot through the team %s; remove them from the team to free the seat", u.Login, cmp.Or(seat.AssigningTeam.Name, seat.AssigningTeam.Slug))}
		}
		return &APIError{Kind: ErrNotFound, Message: fmt.Sprintf("%s has no Copilot seat to cancel (already cancelled?)", u.Login)}
	}
	return nil
}

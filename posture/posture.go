// Package posture judges an account's security posture: standing admins
// and just-in-time ones, privileged people without two-factor
// authentication, custom roles whose permissions are risky, inactive paid
// seats, people who left still holding seats, API tokens left before
// Zendesk's shutdown, OAuth clients that may write and apps installed
// with no approved request. The posture command shows it; the weekly
// digest compares it with last week's.
package posture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// Report is the posture at one moment.
type Report struct {
	SaaS []SaaS
	// Tokens says whether the credential register was read; TokensLeft
	// are Zendesk API tokens still active, DaysLeft the days until Zendesk
	// turns them all off, WriteClients OAuth clients whose tokens may
	// write.
	Tokens       bool
	TokensLeft   int
	DaysLeft     int
	WriteClients int
	// Apps says whether installed apps were compared with the approved
	// requests; UnapprovedApps name those installed with none.
	Apps           bool
	UnapprovedApps []string
	// Directory says whether an identity source is read.
	Directory bool
}

// SaaS is one governed SaaS's part.
type SaaS struct {
	SaaS string
	// Synced says whether the SaaS has been synced yet; nothing else is
	// known before.
	Synced bool
	// Admins hold privilege now; JustInTime of them through a grant that
	// ends by itself.
	Admins, JustInTime int
	// NoMFA are the people MFARule requires two-factor authentication of
	// who have none; Departed are paid seat holders the directory says
	// left.
	NoMFA    []Holder
	Departed []string
	Inactive seats.Tally
	Currency string
	// Roles says what is known of the SaaS's custom roles; RiskyRoles are
	// those whose powers make holding them privileged.
	Roles      RolesState
	RiskyRoles []connector.CustomRole
	// UnknownRoles are names posture.mfa_required_roles gives that no
	// custom role has: a typo there requires nothing.
	UnknownRoles []string
}

// Holder is one person holding privilege, and which privilege.
type Holder struct {
	UserID int64
	Email  string
	// Role is why they count: "admin", or a custom role's name.
	Role string
}

// RolesState is what the posture knows of a SaaS's custom roles.
type RolesState int

// Custom role states.
const (
	// RolesUnread: the SaaS has no custom roles the bot reads.
	RolesUnread RolesState = iota
	// RolesOffPlan: the account's plan has none (Zendesk below
	// Enterprise).
	RolesOffPlan
	// RolesRead: they were read.
	RolesRead
)

// MFARule says whose account must have two-factor authentication, as
// posture.mfa_required_roles names them.
type MFARule struct {
	// Admins: the SaaS's administrators, standing or just in time.
	Admins bool
	// Roles are the custom roles required, by id, with their names.
	Roles map[int64]string
}

// Requires names why m must have two-factor authentication, or "".
// onGrant says m holds a just-in-time grant of the admin role.
func (r MFARule) Requires(m connector.Staff, onGrant bool) string {
	if r.Admins && (m.Privileged || onGrant) {
		return "admin"
	}
	if m.RoleID != nil {
		if name, ok := r.Roles[*m.RoleID]; ok {
			return name
		}
	}
	return ""
}

// Words of posture.mfa_required_roles besides custom role names and ids.
const (
	RequireAdmins = "admin"
	RequireRisky  = "risky"
)

// DefaultRequired are who must have two-factor authentication when the
// policy says nothing.
var DefaultRequired = []string{RequireAdmins, RequireRisky}

// NewMFARule reads required (the policy's words; nil is DefaultRequired)
// against the SaaS's custom roles, and returns the names that match no
// role.
func NewMFARule(required []string, roles []connector.CustomRole) (MFARule, []string) {
	if required == nil {
		required = DefaultRequired
	}
	rule := MFARule{Roles: map[int64]string{}}
	add := func(r connector.CustomRole) {
		if id, err := strconv.ParseInt(r.ID, 10, 64); err == nil {
			rule.Roles[id] = r.Name
		}
	}
	var unknown []string
	for _, word := range required {
		word = strings.TrimSpace(word)
		switch {
		case strings.EqualFold(word, RequireAdmins):
			rule.Admins = true
		case strings.EqualFold(word, RequireRisky):
			for _, r := range roles {
				if r.Risky() {
					add(r)
				}
			}
		default:
			i := slices.IndexFunc(roles, func(r connector.CustomRole) bool { return strings.EqualFold(r.Name, word) || r.ID == word })
			if i < 0 {
				unknown = append(unknown, word)
				continue
			}
			add(roles[i])
		}
	}
	return rule, unknown
}

// Standing are the admins no grant ends.
func (s SaaS) Standing() int { return s.Admins - s.JustInTime }

// Part judges one SaaS from its snapshot: grants are the members holding
// a live just-in-time grant (whether or not the snapshot saw the role
// yet), leavers the emails of people who left (nil without a directory),
// mfa who must have two-factor authentication.
func Part(snap *store.Snapshot, inactive seats.Tally, currency string, grants map[int64]bool, leavers map[string]time.Time, mfa MFARule) SaaS {
	part := SaaS{SaaS: store.ConnectorOrDefault(snap.Connector), Synced: true, Inactive: inactive, Currency: currency, JustInTime: len(grants)}
	part.Admins = part.JustInTime
	for _, m := range snap.Staff {
		if m.Suspended {
			continue
		}
		if m.Privileged && !grants[m.ID] {
			part.Admins++
		}
		if role := mfa.Requires(m, grants[m.ID]); role != "" && !m.TwoFactor {
			part.NoMFA = append(part.NoMFA, Holder{UserID: m.ID, Email: m.Email, Role: role})
		}
		if _, left := leavers[people.Key(m.Email)]; left && m.Free == "" {
			part.Departed = append(part.Departed, m.Email)
		}
	}
	slices.SortFunc(part.NoMFA, func(a, b Holder) int { return strings.Compare(a.Email, b.Email) })
	slices.Sort(part.Departed)
	return part
}

// AddCredentials takes the API-token countdown from the register's own
// summary, as the tokens command shows it, and counts the OAuth clients
// whose tokens may write.
func (r *Report) AddCredentials(ev credentials.Evaluation, loc *time.Location) {
	countdown := ev.Summarize(loc).APITokens
	r.Tokens, r.TokensLeft, r.DaysLeft = true, countdown.Active, countdown.DaysLeft
	for _, it := range ev.Items {
		if it.Present && it.Active && it.Kind == credentials.OAuthClient && slices.ContainsFunc(it.Scopes, writes) {
			r.WriteClients++
		}
	}
}

// writes reports whether an OAuth scope lets its tokens change things:
// "write", or a resource's ("users:write").
func writes(scope string) bool {
	return scope == "write" || strings.HasSuffix(scope, ":write")
}

// Counts are the numbers a week is compared by.
type Counts struct {
	Standing     int     `json:"standing"`
	JustInTime   int     `json:"just_in_time"`
	NoMFA        int     `json:"no_mfa"`
	Inactive     int     `json:"inactive"`
	InactiveCost float64 `json:"inactive_cost"`
	Departed     int     `json:"departed"`
	TokensLeft   int     `json:"tokens_left"`
	WriteClients int     `json:"write_clients"`
	RiskyRoles   int     `json:"risky_roles"`
	Unapproved   int     `json:"unapproved_apps"`
}

// Counts sums the report over every SaaS.
func (r Report) Counts() Counts {
	c := Counts{TokensLeft: r.TokensLeft, WriteClients: r.WriteClients, Unapproved: len(r.UnapprovedApps)}
	for _, s := range r.SaaS {
		c.Standing += s.Standing()
		c.JustInTime += s.JustInTime
		c.NoMFA += len(s.NoMFA)
		c.Inactive += s.Inactive.Seats
		c.InactiveCost += s.Inactive.Cost
		c.Departed += len(s.Departed)
		c.RiskyRoles += len(s.RiskyRoles)
	}
	return c
}

// Sources are where the posture is read from.
type Sources struct {
	// SaaS lists the governed SaaS, Zendesk first.
	SaaS []string
	// Seats gives a SaaS's snapshot and its inactive paid seats; ok is
	// false before its first sync.
	Seats func(ctx context.Context, saas string) (snap *store.Snapshot, inactive seats.Tally, currency string, ok bool, err error)
	// Roles reads a SaaS's custom roles; a SaaS missing here has none
	// the bot reads.
	Roles map[string]connector.Roles
	// MFARequired are who must have two-factor authentication
	// (posture.mfa_required_roles); nil is DefaultRequired.
	MFARequired []string
	// Access, Directory, Credentials and Approvals are nil when not set
	// up. Apps are compared with approved requests only when both
	// Credentials and Approvals are set.
	Access      *access.Service
	Directory   *directory.Service
	Credentials *credentials.Service
	Approvals   *approvals.Service
	// Location is the policy's time zone, where days are counted.
	Location *time.Location
}

// Gather reads the posture now.
func Gather(ctx context.Context, src Sources) (Report, error) {
	r := Report{Directory: src.Directory != nil}
	leavers, err := leaversOf(ctx, src.Directory)
	if err != nil {
		return r, err
	}
	grants, err := liveGrants(ctx, src.Access)
	if err != nil {
		return r, err
	}
	for _, saas := range src.SaaS {
		snap, inactive, currency, ok, err := src.Seats(ctx, saas)
		switch {
		case err != nil:
			return r, err
		case !ok:
			r.SaaS = append(r.SaaS, SaaS{SaaS: saas})
		default:
			state, roles, err := readRoles(ctx, src.Roles[saas])
			if err != nil {
				return r, fmt.Errorf("%s custom roles: %w", connector.Title(saas), err)
			}
			rule, unknown := NewMFARule(src.MFARequired, roles)
			part := Part(snap, inactive, currency, grants[saas], leavers, rule)
			part.Roles, part.UnknownRoles = state, unknown
			for _, role := range roles {
				if role.Risky() {
					part.RiskyRoles = append(part.RiskyRoles, role)
				}
			}
			r.SaaS = append(r.SaaS, part)
		}
	}
	if src.Credentials != nil {
		ev, err := src.Credentials.Evaluate(ctx)
		if err != nil {
			return r, err
		}
		r.AddCredentials(ev, src.Location)
		if src.Approvals != nil {
			if err := r.addUnapproved(ctx, src.Approvals, ev); err != nil {
				return r, err
			}
		}
	}
	return r, nil
}

// readRoles reads a SaaS's custom roles: none and RolesUnread without a
// reader, RolesOffPlan when the plan has none.
func readRoles(ctx context.Context, reader connector.Roles) (RolesState, []connector.CustomRole, error) {
	if reader == nil {
		return RolesUnread, nil, nil
	}
	roles, err := reader.CustomRoles(ctx)
	switch {
	case errors.Is(err, connector.ErrForbidden) || errors.Is(err, connector.ErrNotFound):
		return RolesOffPlan, nil, nil
	case err != nil:
		return RolesUnread, nil, err
	}
	return RolesRead, roles, nil
}

// addUnapproved names the apps installed now that no approved request
// covers: shadow installs the credential register still finds.
func (r *Report) addUnapproved(ctx context.Context, svc *approvals.Service, ev credentials.Evaluation) error {
	shadows, err := svc.Unapproved(ctx)
	if err != nil {
		return err
	}
	installed := map[approvals.ShadowKey]bool{}
	for _, it := range ev.Items {
		if it.Kind == credentials.App && it.Present {
			installed[approvals.ShadowKey{SaaS: connector.OrZendesk(it.SaaS), ID: it.SaaSID}] = true
		}
	}
	r.Apps = true
	for _, sh := range shadows {
		if installed[sh.Key()] {
			r.UnapprovedApps = append(r.UnapprovedApps, sh.Name)
		}
	}
	slices.Sort(r.UnapprovedApps)
	return nil
}

// leaversOf are the emails of people the directory says left; nil
// without a directory or before its first read.
func leaversOf(ctx context.Context, dir *directory.Service) (map[string]time.Time, error) {
	if dir == nil {
		return nil, nil
	}
	snap, err := dir.Load(ctx)
	if errors.Is(err, directory.ErrNoDirectory) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return snap.Leavers(), nil
}

// liveGrants are the members holding a just-in-time grant now, by SaaS.
func liveGrants(ctx context.Context, svc *access.Service) (map[string]map[int64]bool, error) {
	out := map[string]map[int64]bool{}
	if svc == nil {
		return out, nil
	}
	grants, err := svc.List(ctx)
	if err != nil {
		return nil, err
	}
	saas := connector.OrZendesk(svc.SaaS)
	out[saas] = map[int64]bool{}
	for _, g := range grants {
		if g.State == access.Active {
			out[saas][g.UserID] = true
		}
	}
	return out, nil
}

// Gap is a privileged person without two-factor authentication, tracked
// from when the posture first saw it to its deadline.
type Gap struct {
	SaaS   string `json:"saas"`
	UserID int64  `json:"user_id,omitempty"`
	Email  string `json:"email"`
	// Role is why they must have it: "admin", or a custom role's name.
	Role      string    `json:"role,omitempty"`
	FirstSeen time.Time `json:"first_seen"`
	Deadline  time.Time `json:"deadline"`
}

// Overdue reports whether the deadline has passed at now.
func (g Gap) Overdue(now time.Time) bool { return !now.Before(g.Deadline) }

const kindGap = "mfa-gap"

// Gaps tracks who lacks 2FA: a person first seen without it gets
// graceDays to turn it on; one who has it now is forgotten, so a later
// gap starts a new deadline. It returns the gaps open now.
func Gaps(ctx context.Context, records store.Records, r Report, graceDays int, now time.Time) ([]Gap, error) {
	open := map[string]bool{}
	var out []Gap
	for _, s := range r.SaaS {
		if !s.Synced {
			continue
		}
		for _, h := range s.NoMFA {
			id := s.SaaS + ":" + people.Key(h.Email)
			open[id] = true
			g := Gap{SaaS: s.SaaS, UserID: h.UserID, Email: h.Email, Role: h.Role, FirstSeen: now.UTC(), Deadline: now.UTC().AddDate(0, 0, graceDays)}
			data, err := json.Marshal(g)
			if err != nil {
				return nil, err
			}
			rec, err := records.CreateRecord(ctx, kindGap, id, data)
			if errors.Is(err, store.ErrExists) {
				rec, err = records.GetRecord(ctx, kindGap, id)
			}
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal(rec.Data, &g); err != nil {
				return nil, fmt.Errorf("posture: unreadable gap %s: %w", id, err)
			}
			out = append(out, g)
		}
	}
	recs, err := records.ListRecords(ctx, kindGap)
	if err != nil {
		return nil, err
	}
	synced := map[string]bool{}
	for _, s := range r.SaaS {
		synced[s.SaaS] = s.Synced
	}
	for _, rec := range recs {
		var g Gap
		if json.Unmarshal(rec.Data, &g) == nil && synced[g.SaaS] && !open[rec.ID] {
			if err := records.DeleteRecord(ctx, kindGap, rec.ID); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

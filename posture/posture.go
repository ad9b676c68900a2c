// Package posture judges an account's security posture: standing admins
// and just-in-time ones, admins without two-factor authentication,
// inactive paid seats, people who left still holding seats, API tokens
// left before Zendesk's shutdown and OAuth clients that may write. The
// posture command shows it; the weekly digest compares it with last
// week's.
package posture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/access"
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
	// NoMFA are admins without two-factor authentication; Departed are
	// paid seat holders the directory says left.
	NoMFA, Departed []string
	Inactive        seats.Tally
	Currency        string
}

// Standing are the admins no grant ends.
func (s SaaS) Standing() int { return s.Admins - s.JustInTime }

// Part judges one SaaS from its snapshot: grants are the members holding
// a live just-in-time grant (whether or not the snapshot saw the role
// yet), leavers the emails of people who left (nil without a directory).
func Part(snap *store.Snapshot, inactive seats.Tally, currency string, grants map[int64]bool, leavers map[string]time.Time) SaaS {
	part := SaaS{SaaS: store.ConnectorOrDefault(snap.Connector), Synced: true, Inactive: inactive, Currency: currency, JustInTime: len(grants)}
	part.Admins = part.JustInTime
	for _, m := range snap.Staff {
		if m.Suspended {
			continue
		}
		if m.Privileged && !grants[m.ID] {
			part.Admins++
		}
		if (m.Privileged || grants[m.ID]) && !m.TwoFactor {
			part.NoMFA = append(part.NoMFA, m.Email)
		}
		if _, left := leavers[people.Key(m.Email)]; left && m.Free == "" {
			part.Departed = append(part.Departed, m.Email)
		}
	}
	slices.Sort(part.NoMFA)
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
}

// Counts sums the report over every SaaS.
func (r Report) Counts() Counts {
	c := Counts{TokensLeft: r.TokensLeft, WriteClients: r.WriteClients}
	for _, s := range r.SaaS {
		c.Standing += s.Standing()
		c.JustInTime += s.JustInTime
		c.NoMFA += len(s.NoMFA)
		c.Inactive += s.Inactive.Seats
		c.InactiveCost += s.Inactive.Cost
		c.Departed += len(s.Departed)
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
	// Access, Directory and Credentials are nil when not set up.
	Access      *access.Service
	Directory   *directory.Service
	Credentials *credentials.Service
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
			r.SaaS = append(r.SaaS, Part(snap, inactive, currency, grants[saas], leavers))
		}
	}
	if src.Credentials != nil {
		ev, err := src.Credentials.Evaluate(ctx)
		if err != nil {
			return r, err
		}
		r.AddCredentials(ev, src.Location)
	}
	return r, nil
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
	SaaS      string    `json:"saas"`
	Email     string    `json:"email"`
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
		for _, email := range s.NoMFA {
			id := s.SaaS + ":" + people.Key(email)
			open[id] = true
			g := Gap{SaaS: s.SaaS, Email: email, FirstSeen: now.UTC(), Deadline: now.UTC().AddDate(0, 0, graceDays)}
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

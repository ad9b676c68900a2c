package graph

import (
	"context"
	"strings"

	"github.com/seatwarden/seatwarden/directory"
)

var _ directory.Source = Source{}

// Source is Microsoft Entra ID as the directory reads it.
type Source struct {
	Client *Client
}

// Name implements directory.Source.
func (Source) Name() string { return directory.Graph }

// Probe reads one user: the token is issued and may read users.
func (s Source) Probe(ctx context.Context) error { return s.Client.Probe(ctx) }

// ReadPeople reads the users delta: everyone when cursor is "", else what
// changed since the deltaLink in cursor, which is where the next read
// starts. A change entry carries only what changed, so it is read as a
// whole person only when the full read is due; in between the directory
// merges what it is given.
func (s Source) ReadPeople(ctx context.Context, cursor string) (directory.Read, error) {
	r := directory.Read{Full: cursor == "", Partial: cursor != ""}
	next, n, err := s.Client.Delta(ctx, cursor, func(users []User) error {
		for _, u := range users {
			p := personOf(u)
			if r.Full && p.Status == "" {
				p.Status = directory.Active // accountEnabled not shown: a live account
			}
			r.People = append(r.People, p)
		}
		return nil
	})
	r.Cursor, r.Requests = next, n
	return r, err
}

// personOf maps a user: every address it answers to (mail, the SMTP
// proxy addresses, other mails, the UPN when it is an address), and
// its status: deleted, disabled (cannot sign in) or active.
func personOf(u User) directory.Person {
	p := directory.Person{ID: u.ID, Name: strings.TrimSpace(u.DisplayName), Department: u.Department, Title: u.JobTitle}
	p.Emails = append(p.Emails, u.Mail)
	for _, a := range u.ProxyAddresses {
		if kind, addr, ok := strings.Cut(a, ":"); ok && strings.EqualFold(kind, "smtp") {
			if kind == "SMTP" { // the primary address
				p.Emails = append([]string{addr}, p.Emails...)
			} else {
				p.Emails = append(p.Emails, addr)
			}
		}
	}
	p.Emails = append(p.Emails, u.OtherMails...)
	p.Emails = append(p.Emails, u.UserPrincipalName)
	switch {
	case u.Removed != nil:
		p.Status = directory.Deleted
	case u.AccountEnabled == nil:
		// Not in this change: the status did not change.
	case *u.AccountEnabled:
		p.Status = directory.Active
	default:
		p.Status = directory.Suspended
	}
	// The manager now is the last entry not @removed; entries that are
	// all @removed say the person has no manager any more.
	for _, m := range u.ManagerDelta {
		if m.Removed == nil {
			p.ManagerID = m.ID
		} else if p.ManagerID == m.ID {
			p.ManagerID = ""
		}
	}
	p.ManagerRemoved = len(u.ManagerDelta) > 0 && p.ManagerID == ""
	return p
}

package okta

import (
	"context"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/directory"
)

// Name is the source's name in the store and in logs.
const Name = directory.Okta

// changeOverlap is how far before the last read's start a change read
// starts: Okta's search index trails writes by up to about a second, and
// reading a change twice costs nothing (people merge by id).
const changeOverlap = time.Minute

var _ directory.Source = Source{}

// Source is Okta as the directory reads it.
type Source struct {
	Client *Client
}

// Name implements directory.Source.
func (Source) Name() string { return Name }

// Probe reads one user: the org answers and the token may read users.
func (s Source) Probe(ctx context.Context) error { return s.Client.Probe(ctx) }

// ReadPeople lists everyone, deactivated people included, when cursor is
// ""; otherwise the users changed since the cursor (a time). The next
// cursor is this read's start, less a minute.
func (s Source) ReadPeople(ctx context.Context, cursor string) (directory.Read, error) {
	started := s.Client.cfg.Now()
	r := directory.Read{Full: cursor == "", Cursor: started.Add(-changeOverlap).UTC().Format(TimeFormat)}
	search := SearchEveryone()
	if !r.Full {
		since, err := time.Parse(TimeFormat, cursor)
		if err != nil {
			// A cursor this source did not write: read everyone.
			r.Full = true
		} else {
			search = SearchUpdatedSince(since)
		}
	}
	n, err := s.Client.ListUsers(ctx, search, func(users []User) error {
		for _, u := range users {
			r.People = append(r.People, personOf(u))
		}
		return nil
	})
	r.Requests = n
	return r, err
}

// personOf maps a user: every address it answers to (email, login when
// it is one, second email), and its status as the directory counts it.
func personOf(u User) directory.Person {
	p := directory.Person{ID: u.ID, Name: strings.TrimSpace(u.Profile.DisplayName), Status: statusOf(u.Status),
		ManagerID: u.Profile.ManagerID, Department: u.Profile.Department, Title: u.Profile.Title,
		Emails: []string{u.Profile.Email, u.Profile.Login, u.Profile.SecondEmail}}
	if p.Name == "" {
		p.Name = strings.TrimSpace(u.Profile.FirstName + " " + u.Profile.LastName)
	}
	if u.StatusChanged != nil {
		p.Changed = *u.StatusChanged
	}
	return p
}

// statusOf: suspended and deactivated users cannot sign in; every other
// status (staged, provisioned, locked out, password expired, in
// recovery) is a live account.
func statusOf(s string) directory.Status {
	switch s {
	case StatusSuspended:
		return directory.Suspended
	case StatusDeprovisioned:
		return directory.Deactivated
	}
	return directory.Active
}

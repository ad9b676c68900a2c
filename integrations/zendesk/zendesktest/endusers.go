package zendesktest

import (
	"fmt"
	"sort"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

// WithEndUsers gives the account n more end users, generated when a
// response needs them rather than stored, so an account of millions of
// customers costs the emulator no memory: a business-to-consumer help
// desk, whose user export is mostly people who once filed a ticket. They
// were created evenly over the three years before the account's oldest
// recorded change, oldest first, and never change; the user export and the user list
// (unfiltered, or filtered to end users) include them, the staff list
// does not. Their ids start at EndUserBase.
func WithEndUsers(n int) Option {
	return func(s *Server) { s.endUsers = max(n, 0) }
}

// EndUserBase is the first generated end user's id, above any id the
// account hands out itself.
const EndUserBase = int64(8_000_000_000_000)

// endUserSpan is how long the generated end users were created over,
// evenly.
const endUserSpan = 3 * 365 * 24 * time.Hour

// endUserAt is when generated end user i was created (and last changed):
// non-decreasing in i.
func (s *Server) endUserAt(i int) time.Time {
	first := s.endUsersEnd.Add(-endUserSpan)
	return first.Add(time.Duration(int64(endUserSpan) / int64(max(s.endUsers, 1)) * int64(i))).Truncate(time.Second)
}

// endUser is generated end user i.
func (s *Server) endUser(i int) zendesk.User {
	at := s.endUserAt(i)
	return zendesk.User{ID: EndUserBase + int64(i), Name: fmt.Sprintf("Customer %d", i+1), Email: fmt.Sprintf("customer%07d@example.net", i+1),
		Role: zendesk.RoleEndUser, Active: true, CreatedAt: at, UpdatedAt: at}
}

// firstEndUserFrom is the first generated end user changed at or after t.
func (s *Server) firstEndUserFrom(t time.Time) int {
	return sort.Search(s.endUsers, func(i int) bool { return !s.endUserAt(i).Before(t) })
}

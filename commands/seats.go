package commands

import (
	"fmt"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/seats"
)

var categoryLabels = map[seats.Category]string{
	seats.CategoryAdmin:     "Admins",
	seats.CategoryAgent:     "Agents",
	seats.CategorySuspended: "Suspended",
}

var freeKinds = []struct{ kind, one, many string }{
	{seats.FreeLightAgent, "light agent", "light agents"},
	{seats.FreeContributor, "contributor", "contributors"},
	{seats.FreeNonSeatRole, "agent on a non-seat role", "agents on non-seat roles"},
}

// SeatSummaryText is the answer to `seats` as plain text lines, for the
// demo transcript: paid seats by role, active versus inactive, the monthly
// cost and what removing the inactive seats saves. Times are shown in loc.
// Chat gets the same figures as a bot.Message from the router.
func SeatSummaryText(sum seats.Summary, loc *time.Location) string {
	money := func(v float64) string { return seats.Money(v, sum.Currency) }
	var b strings.Builder
	fmt.Fprintf(&b, "Paid seats: %d · %s/month (snapshot of %s)\n",
		sum.Paid.Seats, money(sum.Paid.Cost), sum.SyncedAt.In(loc).Format("Mon 2 Jan 15:04 MST"))
	for _, c := range seats.Categories {
		t := sum.ByCategory[c]
		if t.Seats == 0 {
			continue
		}
		note := ""
		if c == seats.CategorySuspended {
			note = "  suspended but still billed"
		}
		fmt.Fprintf(&b, "  %-10s %4d  %9s%s\n", categoryLabels[c], t.Seats, money(t.Cost), note)
	}
	fmt.Fprintf(&b, "Active: %d (%s) · Inactive: %d (%s), no login for %d+ days",
		sum.Active.Seats, money(sum.Active.Cost), sum.Inactive.Seats, money(sum.Inactive.Cost), sum.InactivityDays)
	if sum.NeverLoggedIn > 0 {
		fmt.Fprintf(&b, ", %d never logged in", sum.NeverLoggedIn)
	}
	b.WriteString("\n")
	switch {
	case sum.Paid.Seats == 0:
		b.WriteString("No paid seats in the snapshot.\n")
	case sum.Inactive.Seats > 0:
		fmt.Fprintf(&b, "Removing the %d inactive %s saves %s/month.\n", sum.Inactive.Seats, plural(sum.Inactive.Seats, "seat", "seats"), money(sum.Inactive.Cost))
	default:
		b.WriteString("Every paid seat is in use.\n")
	}
	var free []string
	for _, k := range freeKinds {
		if n := sum.Free[k.kind]; n > 0 {
			free = append(free, fmt.Sprintf("%d %s", n, plural(n, k.one, k.many)))
		}
	}
	if len(free) > 0 {
		fmt.Fprintf(&b, "Not billed: %s.\n", strings.Join(free, ", "))
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

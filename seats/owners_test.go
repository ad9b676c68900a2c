package seats_test

import (
	"slices"
	"testing"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/seats"
)

func TestOwners(t *testing.T) {
	owners := seats.NewOwners("ops@example.com",
		seats.GroupOwner{Group: "Tier 2", Owner: "dana@example.com"},
		seats.GroupOwner{Group: "Billing", Owner: "bill@example.com"},
		seats.GroupOwner{Group: "Tier 2", Owner: "late@example.com"}, // the first listing wins
		seats.GroupOwner{Group: "Tier 3", Owner: "Dana@Example.com"},
	)
	tests := []struct {
		name, group, want string
	}{
		{"a listed group's owner", "Tier 2", "dana@example.com"},
		{"another listed group", "Billing", "bill@example.com"},
		{"an unlisted group goes to the default", "Tier 1", "ops@example.com"},
		{"no default group goes to the default", "", "ops@example.com"},
		{"names are matched exactly", "tier 2", "ops@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := owners.Of(seats.Seat{DefaultGroup: tt.group}); got != tt.want {
				t.Errorf("Of(group %q) = %q, want %q", tt.group, got, tt.want)
			}
		})
	}
	if got := owners.GroupsOf("DANA@example.com"); !slices.Equal(got, []string{"Tier 2", "Tier 3"}) {
		t.Errorf("GroupsOf(dana) = %v, want [Tier 2 Tier 3]", got)
	}
	if !owners.IsDefault(" ops@EXAMPLE.com") || owners.IsDefault("dana@example.com") {
		t.Error("IsDefault: only ops@example.com is the default owner")
	}
	var none seats.Owners
	if got := none.Of(seats.Seat{DefaultGroup: "Tier 2"}); got != "" || none.IsDefault("") {
		t.Errorf("the zero rule names nobody, got %q", got)
	}
}

// With managers, a seat of no listed group is its holder's manager's; a
// listed group keeps its owner, and without a known manager (or when the
// directory names the holder themselves) the default owner answers.
func TestOwnersWithManagers(t *testing.T) {
	managers := map[string]string{"lee@acme.example": "dana@acme.example", "self@acme.example": "self@acme.example"}
	o := seats.NewOwners("ops@acme.example", seats.GroupOwner{Group: "Tier 2", Owner: "omar@acme.example"}).
		WithManagers(func(email string) string { return managers[email] })
	seat := func(email, group string) seats.Seat {
		return seats.Seat{User: connector.Staff{Email: email}, DefaultGroup: group}
	}
	tests := []struct {
		name string
		seat seats.Seat
		want string
	}{
		{"a listed group", seat("lee@acme.example", "Tier 2"), "omar@acme.example"},
		{"no listed group, a manager known", seat("lee@acme.example", "Tier 1"), "dana@acme.example"},
		{"no group at all", seat("lee@acme.example", ""), "dana@acme.example"},
		{"no manager known", seat("sam@acme.example", "Tier 1"), "ops@acme.example"},
		{"their own manager", seat("self@acme.example", "Tier 1"), "ops@acme.example"},
		{"no email", seat("", "Tier 1"), "ops@acme.example"},
	}
	for _, tt := range tests {
		if got := o.Of(tt.seat); got != tt.want {
			t.Errorf("%s: owner %q, want %q", tt.name, got, tt.want)
		}
	}
}

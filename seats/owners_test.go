package seats_test

import (
	"slices"
	"testing"

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

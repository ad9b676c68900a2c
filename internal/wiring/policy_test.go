package wiring_test

import (
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/reviews"
)

func TestSeatOwnersFollowTheOwnersList(t *testing.T) {
	p := config.DefaultPolicy()
	p.Owners = []config.Owner{
		{Group: "Tier 2", Owner: "dana@example.com"},
		{Default: "ops@example.com"}, // the default may come anywhere in the list
		{Group: "Billing", Owner: "bill@example.com"},
	}
	owners := wiring.SeatOwners(p)
	for group, want := range map[string]string{"Tier 2": "dana@example.com", "Billing": "bill@example.com", "Tier 1": "ops@example.com", "": "ops@example.com"} {
		if got := owners.OfGroup(group); got != want {
			t.Errorf("OfGroup(%q) = %q, want %q", group, got, want)
		}
	}
}

func TestSeatPolicyCarriesEveryRule(t *testing.T) {
	p := config.DefaultPolicy()
	p.Timezone = "Europe/Berlin"
	p.InactivityDays = 45
	p.Pricing.Agent, p.Pricing.Admin, p.Pricing.Currency = 89, 149, "EUR"
	p.Pricing.Roles = map[string]float64{"Team lead": 99}
	p.NonSeatRoles = []string{"Billing viewer"}
	got := wiring.SeatPolicy(p)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	switch {
	case got.InactivityDays != 45, got.Location.String() != berlin.String(),
		got.Pricing.Agent != 89, got.Pricing.Admin != 149, got.Pricing.Currency != "EUR",
		got.Pricing.Roles["Team lead"] != 99, len(got.NonSeatRoles) != 1 || got.NonSeatRoles[0] != "Billing viewer":
		t.Errorf("SeatPolicy(%+v) = %+v", p, got)
	}
}

func TestReviewPolicies(t *testing.T) {
	p := config.DefaultPolicy()
	p.Review.RemoveAction, p.Review.OnSilence, p.Review.DowngradeRoleID = config.RemoveActionSuspend, config.OnSilenceDowngrade, 360001
	zd := wiring.ReviewPolicy(p)
	if zd.RemoveAction != reviews.ChangeSuspend || !zd.DowngradeOnSilence || zd.DowngradeRoleID != 360001 || zd.KeepMaxDays != 180 {
		t.Errorf("Zendesk's review policy: %+v", zd)
	}
	gh := wiring.GitHubReviewPolicy(p)
	if gh.RemoveAction != reviews.ChangeDemote || gh.DowngradeOnSilence || gh.DowngradeRoleID != 0 {
		t.Errorf("GitHub's review policy %+v: Remove frees the seat, and nothing is ever downgraded", gh)
	}
}

package zendesktest

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

func TestSampleOrg(t *testing.T) {
	org := SampleOrg(t0)
	if org.Subdomain != "acme" {
		t.Errorf("subdomain = %q", org.Subdomain)
	}
	owner, ok := org.User(org.OwnerID)
	if !ok || owner.Name != "Dana Field" || owner.Role != zendesk.RoleAdmin {
		t.Errorf("owner = %+v", owner)
	}

	var groupNames []string
	for _, g := range org.Groups {
		groupNames = append(groupNames, g.Name)
	}
	if diff := cmp.Diff([]string{"Tier 1", "Tier 2", "Billing", "Escalations"}, groupNames); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}

	endUsers := 0
	loginAgesSeen := map[int]bool{}
	var neverLoggedIn, suspended, deleted, light, contributor int
	for _, u := range org.Users {
		if !u.UpdatedAt.Before(t0.Add(-time.Minute)) {
			t.Errorf("%s updated_at %s is inside the export's last minute", u.Name, u.UpdatedAt)
		}
		if u.Role == zendesk.RoleEndUser && u.Active {
			endUsers++
			continue
		}
		switch {
		case !u.Active:
			deleted++
		case u.LastLoginAt == nil:
			neverLoggedIn++
			if age := t0.Sub(u.CreatedAt); age < 45*24*time.Hour {
				t.Errorf("%s never logged in but was created only %s ago", u.Name, age)
			}
		default:
			loginAgesSeen[int(math.Round(t0.Sub(*u.LastLoginAt).Hours()/24))] = true
		}
		if u.Suspended {
			suspended++
		}
		if u.RoleType != nil && *u.RoleType == zendesk.RoleTypeLightAgent {
			light++
		}
		if u.RoleType != nil && *u.RoleType == zendesk.RoleTypeContributor {
			contributor++
		}
	}
	if endUsers != 200 {
		t.Errorf("end users = %d, want 200", endUsers)
	}
	for _, days := range []int{2, 10, 35, 60, 120, 400} {
		if !loginAgesSeen[days] {
			t.Errorf("no team member last logged in %d days ago (seen %v)", days, loginAgesSeen)
		}
	}
	got := map[string]int{"never": neverLoggedIn, "suspended": suspended, "deleted": deleted, "light": light, "contributor": contributor}
	want := map[string]int{"never": 2, "suspended": 2, "deleted": 1, "light": 3, "contributor": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("staff kinds (-want +got):\n%s", diff)
	}

	for _, m := range org.Memberships {
		u, ok := org.User(m.UserID)
		if !ok || u.Role == zendesk.RoleEndUser {
			t.Errorf("membership %d belongs to %+v", m.ID, u)
		}
		if m.Default && (u.DefaultGroupID == nil || *u.DefaultGroupID != m.GroupID) {
			t.Errorf("default membership %d disagrees with %s's default_group_id", m.ID, u.Name)
		}
	}
	if diff := cmp.Diff(org, SampleOrg(t0)); diff != "" {
		t.Errorf("SampleOrg is not deterministic:\n%s", diff)
	}
}

func TestGenerateOrg(t *testing.T) {
	tests := []struct {
		name      string
		cfg       GenerateConfig
		wantStaff int
	}{
		{"default share", GenerateConfig{Users: 2500, Seed: 1, Now: t0}, 100},
		{"custom share", GenerateConfig{Users: 1000, Seed: 1, Now: t0, StaffShare: 0.1}, 100},
		{"tiny org keeps every kind", GenerateConfig{Users: 20, Seed: 1, Now: t0}, int(numStaffKinds)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			org := GenerateOrg(tt.cfg)
			if len(org.Users) != tt.cfg.Users {
				t.Fatalf("users = %d, want %d", len(org.Users), tt.cfg.Users)
			}
			staff := 0
			seen := map[int64]bool{}
			emails := map[string]bool{}
			for _, u := range org.Users {
				if seen[u.ID] || emails[u.Email] {
					t.Fatalf("duplicate user %d %s", u.ID, u.Email)
				}
				seen[u.ID], emails[u.Email] = true, true
				if u.Role != zendesk.RoleEndUser || !u.Active {
					staff++
				}
			}
			if staff != tt.wantStaff {
				t.Errorf("staff = %d, want %d", staff, tt.wantStaff)
			}
			if diff := cmp.Diff(org, GenerateOrg(tt.cfg)); diff != "" {
				t.Errorf("same seed, different org:\n%s", diff)
			}
		})
	}
	a := GenerateOrg(GenerateConfig{Users: 500, Seed: 1, Now: t0})
	b := GenerateOrg(GenerateConfig{Users: 500, Seed: 2, Now: t0})
	if cmp.Equal(a, b) {
		t.Error("different seeds gave the same org")
	}
}

func TestGenerateLargeOrg(t *testing.T) {
	start := time.Now()
	org := GenerateOrg(GenerateConfig{Users: 100_000, Seed: 42, Now: t0})
	elapsed := time.Since(start)
	if len(org.Users) != 100_000 {
		t.Fatalf("users = %d", len(org.Users))
	}
	// Generous even under the race detector on a shared machine.
	if elapsed > 5*time.Second {
		t.Errorf("generating 100,000 users took %s", elapsed)
	}
	t.Logf("generated 100,000 users, %d groups, %d memberships in %s", len(org.Groups), len(org.Memberships), elapsed)
}

package commands

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/seats"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// golden compares got with testdata/<test name>/<name>.golden, rewriting
// it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", filepath.Dir(t.Name()), name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file:\n--- want\n%s--- got\n%s", path, want, got)
	}
}

func TestSeatSummaryText(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	synced := time.Date(2026, 11, 20, 8, 45, 0, 0, time.UTC)
	tests := []struct {
		name string
		sum  seats.Summary
	}{
		{"typical", seats.Summary{
			SyncedAt: synced, Currency: "USD", InactivityDays: 30,
			Paid: seats.Tally{Seats: 11, Cost: 1265},
			ByCategory: map[seats.Category]seats.Tally{
				seats.CategoryAdmin: {Seats: 2, Cost: 230}, seats.CategoryAgent: {Seats: 7, Cost: 805}, seats.CategorySuspended: {Seats: 2, Cost: 230},
			},
			Active: seats.Tally{Seats: 5, Cost: 575}, Inactive: seats.Tally{Seats: 6, Cost: 690}, NeverLoggedIn: 2,
			Free: map[string]int{seats.FreeLightAgent: 3, seats.FreeContributor: 1},
		}},
		{"all_active_one_inactive_free", seats.Summary{
			SyncedAt: synced, Currency: "EUR", InactivityDays: 60,
			Paid:       seats.Tally{Seats: 1, Cost: 89.5},
			ByCategory: map[seats.Category]seats.Tally{seats.CategoryAgent: {Seats: 1, Cost: 89.5}},
			Active:     seats.Tally{Seats: 1, Cost: 89.5},
			Free:       map[string]int{seats.FreeNonSeatRole: 1},
		}},
		{"empty_account", seats.Summary{SyncedAt: synced, Currency: "SEK", InactivityDays: 30, ByCategory: map[seats.Category]seats.Tally{}, Free: map[string]int{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.name, SeatSummaryText(tt.sum, berlin))
		})
	}
}

package zendesk

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
)

// The staff a full sync reads settle into id order, the later read of
// anyone read twice kept, and the export's changes apply in place
// without losing that order.
func TestSettleAndApplyChanges(t *testing.T) {
	member := func(id int64, name string) connector.Staff { return connector.Staff{ID: id, Name: name} }
	ptr := func(s connector.Staff) *connector.Staff { return &s }
	tests := []struct {
		name    string
		read    []connector.Staff
		changed map[int64]*connector.Staff
		want    []connector.Staff
		added   int // of len(read) counted as read
		removed int
	}{
		{
			name: "in order, nothing changed",
			read: []connector.Staff{member(1, "a"), member(2, "b"), member(3, "c")},
			want: []connector.Staff{member(1, "a"), member(2, "b"), member(3, "c")},
		},
		{
			name:  "out of order, one read twice",
			read:  []connector.Staff{member(3, "c"), member(1, "a"), member(2, "b"), member(1, "a again")},
			want:  []connector.Staff{member(1, "a again"), member(2, "b"), member(3, "c")},
			added: -1,
		},
		{
			name: "changed, gone, joined and never staff",
			read: []connector.Staff{member(10, "a"), member(20, "b"), member(30, "c"), member(40, "d")},
			changed: map[int64]*connector.Staff{
				20: ptr(member(20, "b renamed")), 30: nil, 25: ptr(member(25, "joined")), 5: ptr(member(5, "first")),
				99: nil, // an end user the export reported
			},
			want:    []connector.Staff{member(5, "first"), member(10, "a"), member(20, "b renamed"), member(25, "joined"), member(40, "d")},
			added:   2,
			removed: 1,
		},
		{
			name:    "nothing read, everything joined",
			changed: map[int64]*connector.Staff{7: ptr(member(7, "g")), 3: ptr(member(3, "c")), 4: nil},
			want:    []connector.Staff{member(3, "c"), member(7, "g")},
			added:   2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stats := connector.StaffSyncStats{Added: len(tt.read)}
			got := applyChanges(settle(tt.read, &stats), tt.changed, &stats)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("staff (-want +got):\n%s", diff)
			}
			if stats.Added != len(tt.read)+tt.added || stats.Removed != tt.removed {
				t.Errorf("added %d, removed %d; want %d and %d", stats.Added, stats.Removed, len(tt.read)+tt.added, tt.removed)
			}
		})
	}
}

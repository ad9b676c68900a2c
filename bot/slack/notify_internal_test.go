package slack

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDMCache(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	c := dmCache{max: 3}
	c.put("a@x", "D1", t0)
	c.put("b@x", "D2", t0.Add(time.Minute))
	c.put("c@x", "D3", t0.Add(2*time.Minute))
	c.put("a@x", "D1", t0.Add(3*time.Minute)) // refreshed, not added
	if got := c.size(); got != 3 {
		t.Fatalf("size %d, want 3", got)
	}
	c.put("d@x", "D4", t0.Add(4*time.Minute)) // full: b@x is the oldest
	var have []string
	for _, e := range []string{"a@x", "b@x", "c@x", "d@x"} {
		if _, ok := c.get(e, t0.Add(5*time.Minute)); ok {
			have = append(have, e)
		}
	}
	if diff := cmp.Diff([]string{"a@x", "c@x", "d@x"}, have); diff != "" {
		t.Errorf("cached after eviction (-want +got):\n%s", diff)
	}

	// Expired entries are not served, and make room before anything fresh
	// is evicted.
	later := t0.Add(3*time.Minute + dmTTL) // a@x and c@x have expired
	if _, ok := c.get("c@x", later); ok {
		t.Error("an entry older than the TTL was served")
	}
	c.put("e@x", "D5", later)
	if _, ok := c.get("d@x", later); !ok {
		t.Error("a fresh entry was evicted while expired ones were kept")
	}
	if got := c.size(); got != 2 {
		t.Errorf("size %d after the sweep, want 2 (d@x and e@x)", got)
	}
}

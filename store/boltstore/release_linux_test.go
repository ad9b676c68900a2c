package boltstore_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

// mappedResident is how much of path's mapping is resident in this
// process, from /proc/self/smaps.
func mappedResident(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	defer f.Close()
	var total int64
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = len(fields) >= 6 && fields[len(fields)-1] == path
			continue
		}
		if rest, ok := strings.CutPrefix(line, "Rss:"); in && ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			total += kb << 10
		}
	}
	return total
}

// Writing and reading a snapshot a chunk at a time, as a sync does, and
// writing many records the size of a checkpoint's part, leave little of
// the file resident in the process: a commit reads pages through the
// mapping, so without releasing them a snapshot written would stay
// resident whole.
func TestLargeWritesLeaveLittleResident(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sw.db")
	st, err := boltstore.Open(path, boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := t.Context()
	const members = 40_000 // about 12 MB of JSON: two dozen chunks
	member := func(i int) connector.Staff {
		return connector.Staff{ID: int64(i + 1), Name: fmt.Sprintf("Member %d of the account", i), Email: fmt.Sprintf("member%d@acme.example", i),
			Role: "agent", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	}
	tests := []struct {
		name  string
		write func() error
	}{
		{"a snapshot", func() error {
			return st.WriteSnapshot(ctx, &store.Snapshot{Connector: connector.Zendesk, Account: "acme"}, func(put func(connector.Staff) error) error {
				for i := range members {
					if err := put(member(i)); err != nil {
						return err
					}
				}
				return nil
			})
		}},
		{"the next snapshot, replacing it", func() error {
			return st.WriteSnapshot(ctx, &store.Snapshot{Connector: connector.Zendesk, Account: "acme"}, func(put func(connector.Staff) error) error {
				for i := range members {
					if err := put(member(i)); err != nil {
						return err
					}
				}
				return nil
			})
		}},
		{"records of 256 KiB", func() error {
			data := []byte(strings.Repeat("x", 256<<10))
			for i := range 48 {
				if _, err := st.CreateRecord(ctx, "part", fmt.Sprintf("p%06d", i), data); err != nil {
					return err
				}
			}
			return nil
		}},
		{"the snapshot read", func() error {
			_, err := st.ReadSnapshot(ctx, connector.Zendesk, func(connector.Staff) error { return nil })
			return err
		}},
	}
	for _, tt := range tests {
		if err := tt.write(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := mappedResident(t, path); got > 4<<20 {
			t.Errorf("after %s, %d KiB of the file is resident, want at most 4 MiB", tt.name, got>>10)
		}
	}
}

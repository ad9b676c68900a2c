package audit_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/audit"
	"github.com/seatwarden/seatwarden/internal/golden"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/store"
)

var start = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// trail appends n entries an hour apart, on each store.
func trail(t *testing.T, st store.Store, n int) {
	t.Helper()
	for i := range n {
		e := store.AuditEntry{At: start.Add(time.Duration(i) * time.Hour), Actor: "dana@acme.example", Action: "seat.removed",
			Subject: fmt.Sprintf("zendesk:user:%d", 100+i), Detail: map[string]string{"reason": fmt.Sprintf("left, note %d", i)}}
		if i == 2 {
			e.Actor, e.Detail = "=HYPERLINK(\"http://evil.example\")", map[string]string{"note": "a \"quoted\", comma"}
		}
		if _, err := st.AppendAudit(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// An export writes the entries in the window, oldest first, in either
// format, with nothing lost to CSV and no cell read as a formula.
func TestExport(t *testing.T) {
	tests := []struct {
		name   string
		format audit.Format
		q      audit.Query
		want   int
	}{
		{"everything as JSON lines", audit.JSONLines, audit.Query{}, 5},
		{"everything as CSV", audit.CSV, audit.Query{}, 5},
		{"since the second hour", audit.JSONLines, audit.Query{Since: start.Add(time.Hour)}, 4},
		{"a window", audit.CSV, audit.Query{Since: start.Add(time.Hour), Until: start.Add(3 * time.Hour)}, 2},
		{"nothing in the window", audit.CSV, audit.Query{Since: start.AddDate(1, 0, 0)}, 0},
	}
	st := teststores.Bolt(t, nil)
	trail(t, st, 5)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			n, err := audit.Export(t.Context(), st, &out, tt.format, tt.q, nil)
			if err != nil || n != tt.want {
				t.Fatalf("wrote %d, %v; want %d", n, err, tt.want)
			}
			golden.File(t, golden.Path(t, ".golden."+string(tt.format)), out.Bytes())
		})
	}
}

// The trail is read a page at a time, on both stores, whatever its
// length; progress is told after each page.
func TestExportPages(t *testing.T) {
	for name, st := range map[string]store.Store{"bolt": teststores.Bolt(t, nil), "redis": teststores.Redis(t, "auditexport")} {
		t.Run(name, func(t *testing.T) {
			trail(t, st, 2*audit.PageSize+3)
			var pages []int
			var out bytes.Buffer
			n, err := audit.Export(t.Context(), st, &out, audit.JSONLines, audit.Query{}, func(read, _ int) { pages = append(pages, read) })
			if err != nil || n != 2*audit.PageSize+3 || strings.Count(out.String(), "\n") != n {
				t.Fatalf("wrote %d, %v", n, err)
			}
			if fmt.Sprint(pages) != fmt.Sprint([]int{audit.PageSize, 2 * audit.PageSize, 2*audit.PageSize + 3}) {
				t.Errorf("progress after %v", pages)
			}
			if !strings.HasPrefix(out.String(), `{"id":"sw-1","seq":1,`) {
				t.Errorf("first line: %.60s", out.String())
			}
		})
	}
}

func TestBadQueries(t *testing.T) {
	st := teststores.Bolt(t, nil)
	_, err := audit.Export(context.Background(), st, &bytes.Buffer{}, audit.CSV, audit.Query{Since: start, Until: start.Add(-time.Hour)}, nil)
	if err == nil || !strings.Contains(err.Error(), "is not before --until") {
		t.Errorf("since after until: %v", err)
	}
	if _, err := audit.ParseFormat("xml"); err == nil || !strings.Contains(err.Error(), "use jsonl or csv, e.g. --format csv") {
		t.Errorf("format xml: %v", err)
	}
}

package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/store"
)

// The trail keeps what is younger than audit_days and, with a SIEM, what
// the SIEM does not have yet; what retention deletes is itself audited.
func TestRetentionTrimsTheTrail(t *testing.T) {
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		sink      bool
		delivered int64 // the SIEM's cursor
		wantLeft  int64 // the first Seq kept
	}{
		{"no SIEM: everything older than two years goes", false, 0, 11},
		{"the SIEM has it all", true, 30, 11},
		{"the SIEM is behind: it waits for the SIEM", true, 6, 7},
		{"the SIEM has nothing yet", true, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := teststores.Bolt(t, nil)
			ctx := t.Context()
			for i := range 30 { // ten a year over three years, the oldest first
				at := now.AddDate(0, 0, -3*365).Add(time.Duration(i) * 365 * 24 * time.Hour / 10)
				if _, err := st.AppendAudit(ctx, store.AuditEntry{At: at, Actor: "dana@acme.example", Action: "seat.kept", Subject: "zendesk:user:1"}); err != nil {
					t.Fatal(err)
				}
			}
			if tt.sink {
				data, _ := json.Marshal(map[string]int64{"after": tt.delivered})
				if _, err := st.CreateRecord(ctx, "audit-sink", "cursor", data); err != nil {
					t.Fatal(err)
				}
			}
			r := &jobs.Retention{Trail: st, Records: st, AuditDays: 730, Sink: tt.sink}
			if err := r.Run(ctx, now); err != nil {
				t.Fatal(err)
			}
			left, err := st.ListAudit(ctx, 0, 100)
			if err != nil || left[0].Seq != tt.wantLeft {
				t.Fatalf("first kept %d, %v; want %d", left[0].Seq, err, tt.wantLeft)
			}
			last := left[len(left)-1]
			if tt.wantLeft > 1 && (last.Action != "retention.deleted" || last.Subject != "audit entries" || last.Detail["count"] != itoa(tt.wantLeft-1)) {
				t.Errorf("the deletion was audited as %+v", last)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Each kind is purged in batches until a batch comes back short; a kind
// kept for ever is not asked; a failing kind does not stop the others.
func TestRetentionPurgesEachKind(t *testing.T) {
	st := teststores.Bolt(t, nil)
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	left := map[string]int{"verifications": 1234, "approval requests": 10, "access grants": 99}
	var asked []string
	purger := func(what string, days int, fail error) jobs.Purger {
		return jobs.Purger{What: what, Days: days, Purge: func(_ context.Context, before time.Time, limit int) (int, error) {
			asked = append(asked, what)
			if want := now.AddDate(0, 0, -days); !before.Equal(want) {
				t.Errorf("%s purged before %s, want %s", what, before, want)
			}
			if fail != nil {
				return 0, fail
			}
			n := min(left[what], limit)
			left[what] -= n
			return n, nil
		}}
	}
	r := &jobs.Retention{Trail: st, Records: st, Purgers: []jobs.Purger{
		purger("verifications", 90, nil), purger("approval requests", 0, nil),
		purger("access grants", 730, errors.New("store down")), purger("seat reviews", 730, nil),
	}}
	err := r.Run(t.Context(), now)
	if err == nil || left["verifications"] != 0 || left["approval requests"] != 10 {
		t.Errorf("err %v, left %v", err, left)
	}
	if len(asked) != 5 { // verifications 3 batches, grants 1 (failed), reviews 1
		t.Errorf("asked %v", asked)
	}
	trail, _ := st.ListAudit(t.Context(), 0, 10)
	if len(trail) != 1 || trail[0].Subject != "verifications" || trail[0].Detail["count"] != "1234" || trail[0].Actor != "job:retention" {
		t.Errorf("audited %+v", trail)
	}
}

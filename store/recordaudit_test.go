package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/store"
)

// trail is an audit trail whose appends fail with err.
type trail struct {
	store.Audit
	err  error
	seen []store.AuditEntry
}

func (t *trail) AppendAudit(_ context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	t.seen = append(t.seen, e)
	return e, t.err
}

// An entry is appended with "system" for no actor; what the caller cannot
// act on is logged at the level it deserves.
func TestRecordAudit(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		wantLog string
	}{
		{"written", nil, ""},
		{"written, no replica confirmed it", fmt.Errorf("redisstore: append audit: %w", store.ErrUnconfirmed), `level=WARN msg="audit entry written; no replica has confirmed it yet"`},
		{"not written", errors.New("redis: connection refused"), `level=ERROR msg="audit entry not written"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			tr := &trail{err: tt.err}
			store.RecordAudit(t.Context(), tr, slog.New(slog.NewTextHandler(&logs, nil)), store.AuditEntry{Action: "seat.removed", Subject: "zendesk:user:7"})
			if len(tr.seen) != 1 || tr.seen[0].Actor != "system" {
				t.Errorf("appended %+v, want one entry by system", tr.seen)
			}
			if got := logs.String(); (tt.wantLog == "") != (got == "") || !strings.Contains(got, tt.wantLog) || tt.wantLog != "" && !strings.Contains(got, "action=seat.removed") {
				t.Errorf("log %q, want %q with the action", got, tt.wantLog)
			}
		})
	}
	store.RecordAudit(t.Context(), nil, slog.Default(), store.AuditEntry{Action: "x"}) // no trail: nothing to do
}

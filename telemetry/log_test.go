package telemetry

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLogDurationsReadable(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{1204567891 * time.Nanosecond, "1.205s"},
		{12345678 * time.Nanosecond, "12ms"},
		{350123 * time.Nanosecond, "350µs"},
		{90 * time.Minute, "1h30m0s"},
		{0, "0s"},
	}
	for _, format := range []string{"json", "text"} {
		for _, tt := range tests {
			var buf bytes.Buffer
			log, err := NewLogger(&buf, "info", format)
			if err != nil {
				t.Fatal(err)
			}
			log.Info("sync done", slog.Duration("took", tt.d))
			if format == "json" {
				var line map[string]any
				if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
					t.Fatal(err)
				}
				if line["took"] != tt.want {
					t.Errorf("json: took = %v, want %q", line["took"], tt.want)
				}
				continue
			}
			if !strings.Contains(buf.String(), "took="+tt.want) {
				t.Errorf("text: %q, want took=%s", buf.String(), tt.want)
			}
		}
	}
}

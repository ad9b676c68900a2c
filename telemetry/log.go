package telemetry

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// NewLogger builds the process logger: JSON in production, text for people
// at a terminal. Durations read as "1.204s", not nanoseconds, in both.
func NewLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: must be debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: readableDurations}
	switch strings.ToLower(format) {
	case "", "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("log format %q: must be json or text", format)
	}
}

// readableDurations writes a duration as Go spells it, rounded to what a
// person reads: milliseconds from 10ms up, microseconds below.
func readableDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() != slog.KindDuration {
		return a
	}
	d := a.Value.Duration()
	if d >= 10*time.Millisecond || d <= -10*time.Millisecond {
		d = d.Round(time.Millisecond)
	} else {
		d = d.Round(time.Microsecond)
	}
	return slog.String(a.Key, d.String())
}

package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/audit"
)

const auditSynopsis = `audit export [--since T] [--until T] [--format jsonl|csv]

Writes the bot's audit trail to standard output, oldest first: every
decision, change and answer it recorded, one entry per line (JSON lines)
or per row (CSV). Memory stays flat however long the trail is; progress
goes to standard error. T is a time (2026-12-01T09:00:00Z), a date
(2026-12-01, midnight UTC) or a time ago (36h, 7d). The entry format is
in docs/audit.md. The embedded store admits one process: stop the bot
first, or read a Redis store while replicas run.`

func auditCmd(ctx context.Context, args []string, e env) error {
	fs := newFlags("audit", auditSynopsis, e)
	sub, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, rest = args[0], args[1:]
	}
	since := fs.String("since", "", "only entries at or after this time: 2026-12-01, 2026-12-01T09:00:00Z or 7d (ago)")
	until := fs.String("until", "", "only entries before this time, in the same forms")
	format := fs.String("format", "jsonl", "jsonl or csv")
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if sub != "export" || len(fs.Args()) > 0 {
		fmt.Fprintln(e.stderr, "seatwarden audit: the one audit command is export, e.g. seatwarden audit export --since 7d --format csv > audit.csv")
		return errUsage
	}
	now := time.Now()
	var q audit.Query
	for _, t := range []struct {
		flag, value string
		into        *time.Time
	}{{"--since", *since, &q.Since}, {"--until", *until, &q.Until}} {
		if t.value == "" {
			continue
		}
		at, err := parseWhen(t.value, now)
		if err != nil {
			fmt.Fprintf(e.stderr, "seatwarden audit export: %s %v\n", t.flag, err)
			return errUsage
		}
		*t.into = at
	}
	f, err := audit.ParseFormat(*format)
	if err == nil {
		err = q.Check()
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "seatwarden audit export: %v\n", err)
		return errUsage
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	log, err := newLogger(cfg, e)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, log, storeExport)
	if err != nil {
		return err
	}
	defer st.Close()
	start, last := time.Now(), time.Now()
	n, err := audit.Export(ctx, st, e.stdout, f, q, func(read, written int) {
		if time.Since(last) >= 2*time.Second {
			last = time.Now()
			fmt.Fprintf(e.stderr, "audit export: %d entries read, %d written (%s)\n", read, written, time.Since(start).Round(time.Millisecond))
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "audit export: %d entries written in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

// parseWhen reads a --since or --until: an RFC 3339 time, a date
// (midnight UTC) or a length of time before now.
func parseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, err := access.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use a date (2026-12-01), a time (2026-12-01T09:00:00Z) or a time ago (36h, 7d)", s)
}

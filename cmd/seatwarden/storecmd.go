package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

const storeSynopsis = `store rekey

Re-seals every stored record, audit entry and snapshot under the current
encryption key (SEATWARDEN_ENCRYPTION_KEY), reading values sealed under
older keys listed in SEATWARDEN_ENCRYPTION_KEYS. Versions and times are
kept and a value is only rewritten if unchanged since read, so on Redis
replicas may keep serving; give every replica the new keys first. Run it
again to resume or to check: it skips what is already done.

A store written without encryption is sealed the same way, but only with
every replica stopped, since replicas without the key would write in the
clear. The embedded file admits one process: stop the bot first.`

func storeCmd(ctx context.Context, args []string, e env) error {
	fs := newFlags("store", storeSynopsis, e)
	// The subcommand comes first, its flags after it (store rekey --help).
	sub, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, rest = args[0], args[1:]
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	words := fs.Args()
	if sub == "" && len(words) > 0 {
		sub, words = words[0], words[1:] // flags first: store --config p rekey
	}
	if sub != "rekey" || len(words) > 0 {
		fmt.Fprintf(e.stderr, "seatwarden store: the one store command is rekey, e.g. seatwarden store rekey\n")
		return errUsage
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	keys, err := cfg.Keyring()
	if err != nil {
		return err
	}
	if keys == nil {
		return fmt.Errorf("rekey: SEATWARDEN_ENCRYPTION_KEY is not set: it is the key every value is sealed under; generate one with: openssl rand -base64 32")
	}
	log, err := newLogger(cfg, e)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, log, storeRekey)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	report, err := store.Rekey(ctx, st, keys, func(visited int) {
		fmt.Fprintf(e.stderr, "rekey: %d values visited (%s)\n", visited, time.Since(start).Round(time.Millisecond))
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, describeRekey(report, time.Since(start)))
	return nil
}

// describeRekey is the summary an operator reads after a run.
func describeRekey(r store.RekeyReport, took time.Duration) string {
	var found []string
	for _, id := range slices.Sorted(maps.Keys(r.Found)) {
		name := "under key " + id
		if id == "" {
			name = "in the clear"
		}
		found = append(found, fmt.Sprintf("%d %s", r.Found[id], name))
	}
	if len(found) == 0 {
		found = []string{"nothing stored yet"}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "rekey: %d values visited in %s; found %s; %d re-sealed under key %s",
		r.Visited, took.Round(time.Millisecond), strings.Join(found, ", "), r.Replaced, r.KeyID)
	if r.Compacted {
		b.WriteString("\nThe file was compacted: no replaced bytes remain in it.")
	}
	if r.Sealed {
		b.WriteString("\nThe store was written without encryption and is now sealed: start the replicas with SEATWARDEN_ENCRYPTION_KEY set.")
	}
	if r.Raced > 0 {
		fmt.Fprintf(&b, "\n%d values changed while being re-sealed: run seatwarden store rekey again to finish.", r.Raced)
	}
	older := 0
	for id, n := range r.Found {
		if id != r.KeyID && id != "" {
			older += n
		}
	}
	if older > 0 && r.Raced == 0 {
		b.WriteString("\nOnce a run finds nothing under them, older keys may be removed from SEATWARDEN_ENCRYPTION_KEYS.")
	}
	return b.String()
}

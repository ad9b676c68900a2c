package main

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

// TestRunJobDryRun: --dry-run prints what sync, the digests and the
// access sweep would save, send and change, and does none of it; a job it
// cannot show is refused before anything runs.
func TestRunJobDryRun(t *testing.T) {
	envs, _ := zendeskEnv(t)
	envs["SEATWARDEN_CONFIG"] = writePolicy(t, "admins: [dana@acme.example]\nowners:\n  - group: Tier 2\n    owner: omar@acme.example\n  - default: dana@acme.example\n")
	ctx := context.Background()
	dbPath := filepath.Join(envs["SEATWARDEN_DATA_DIR"], "seatwarden.db")
	snapshotSaved := func() bool {
		st, err := boltstore.Open(dbPath, boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		_, err = st.LoadSnapshot(ctx, connector.Zendesk)
		return !errors.Is(err, store.ErrNotFound)
	}

	inv := &invocation{env: envs}
	if code := inv.run(ctx, "run-job", "sync", "--dry-run"); code != 0 {
		t.Fatalf("sync --dry-run: exit %d\n%s", code, inv.stderr.String())
	}
	if !regexp.MustCompile(`Zendesk: a full sync read \d+ records in \d+ requests and would save \d+ staff \(\d+ joined, 0 left; 0 before\), \d+ paid seats\. Nothing was saved\.`).MatchString(inv.stdout.String()) {
		t.Errorf("sync --dry-run said:\n%s", inv.stdout.String())
	}
	if snapshotSaved() {
		t.Error("sync --dry-run saved a snapshot")
	}

	if code := (&invocation{env: envs}).run(ctx, "run-job", "sync"); code != 0 {
		t.Fatal("sync failed")
	}
	inv = &invocation{env: envs}
	if code := inv.run(ctx, "run-job", "--dry-run", "inactive-digest"); code != 0 {
		t.Fatalf("inactive-digest --dry-run: exit %d\n%s", code, inv.stderr.String())
	}
	out := inv.stdout.String()
	wantLines(t, out, "── would send to dana@acme.example ──", "Seat review: ", "── would send to omar@acme.example ──", "Nothing was opened or sent.")
	again := &invocation{env: envs}
	again.run(ctx, "run-job", "inactive-digest", "--dry-run")
	if again.stdout.String() != out {
		t.Errorf("a second dry run differs: the first changed something\nfirst:\n%s\nsecond:\n%s", out, again.stdout.String())
	}

	tokens := &invocation{env: envs}
	if code := tokens.run(ctx, "run-job", "token-digest", "--dry-run"); code != 0 {
		t.Fatalf("token-digest --dry-run: exit %d\n%s", code, tokens.stderr.String())
	}
	wantLines(t, tokens.stdout.String(), "── would send to the admin channel (none is set: admin_channel in the policy, so nobody would get it) ──",
		"1 credential digest would go out, unless one went out already this week. Nothing was sent.")
	if again := (&invocation{env: envs}); again.run(ctx, "run-job", "token-digest", "--dry-run") != 0 || again.stdout.String() != tokens.stdout.String() {
		t.Errorf("a second token-digest dry run differs:\n%s", again.stdout.String())
	}

	grants := &invocation{env: envs}
	if code := grants.run(ctx, "run-job", "access-expiry", "--dry-run"); code != 0 {
		t.Fatalf("access-expiry --dry-run: exit %d\n%s", code, grants.stderr.String())
	}
	wantLines(t, grants.stdout.String(), "0 to grant, 0 to end, 0 to warn. Nothing was changed or sent.")

	refused := &invocation{env: envs}
	if code := refused.run(ctx, "run-job", "reminders", "--dry-run"); code != 2 || !strings.Contains(refused.stderr.String(), "--dry-run shows access-expiry, inactive-digest, sync and token-digest only") {
		t.Errorf("reminders --dry-run: exit %d, %s", code, refused.stderr.String())
	}
}

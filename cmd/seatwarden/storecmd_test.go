package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

func testKey(id string) string {
	sum := sha256.Sum256([]byte("cmd test key " + id))
	return id + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// An operator turns encryption on for a store written in the clear,
// rotates the key, and retires the old one.
func TestStoreRekeySealsAndRotates(t *testing.T) {
	envs, _ := zendeskEnv(t)
	ctx := context.Background()
	step := func(t *testing.T, wantCode int, env map[string]string, args ...string) *invocation {
		t.Helper()
		merged := map[string]string{}
		for k, v := range envs {
			merged[k] = v
		}
		for k, v := range env {
			merged[k] = v
		}
		inv := &invocation{env: merged}
		if code := inv.run(ctx, args...); code != wantCode {
			t.Fatalf("seatwarden %s: exit %d, want %d; stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, wantCode, inv.stdout.String(), inv.stderr.String())
		}
		return inv
	}
	dbPath := filepath.Join(envs["SEATWARDEN_DATA_DIR"], "seatwarden.db")
	anEmail := func(t *testing.T) string {
		t.Helper()
		st, err := boltstore.Open(dbPath, boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		snap, err := st.LoadSnapshot(ctx, connector.Zendesk)
		if err != nil {
			t.Fatal(err)
		}
		return snap.Staff[0].Email
	}
	keyA, keyB := testKey("a"), testKey("b")

	inv := step(t, 0, nil, "run-job", "sync")
	if !strings.Contains(inv.stderr.String(), "stored data is not encrypted") {
		t.Errorf("no warning about the clear store; stderr:\n%s", inv.stderr.String())
	}
	email := anEmail(t)

	inv = step(t, 1, map[string]string{"SEATWARDEN_ENCRYPTION_KEY": keyA}, "run-job", "sync")
	if !strings.Contains(inv.stderr.String(), "run `seatwarden store rekey`") {
		t.Errorf("a key on a clear store: stderr does not say to run store rekey:\n%s", inv.stderr.String())
	}

	inv = step(t, 0, map[string]string{"SEATWARDEN_ENCRYPTION_KEY": keyA}, "store", "rekey")
	if out := inv.stdout.String(); !strings.Contains(out, "re-sealed under key a") || !strings.Contains(out, "now sealed") {
		t.Errorf("store rekey stdout:\n%s", out)
	}
	raw, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(email)) {
		t.Errorf("%s is still in the clear in %s after rekey", email, dbPath)
	}

	inv = step(t, 0, map[string]string{"SEATWARDEN_ENCRYPTION_KEY": keyA}, "run-job", "sync")
	if strings.Contains(inv.stderr.String(), "not encrypted") {
		t.Errorf("warned about encryption on a sealed store:\n%s", inv.stderr.String())
	}
	inv = step(t, 1, nil, "run-job", "sync")
	if !strings.Contains(inv.stderr.String(), "set SEATWARDEN_ENCRYPTION_KEY") || !strings.Contains(inv.stderr.String(), `"a"`) {
		t.Errorf("a sealed store without its key: stderr:\n%s", inv.stderr.String())
	}

	rotated := map[string]string{"SEATWARDEN_ENCRYPTION_KEY": keyB, "SEATWARDEN_ENCRYPTION_KEYS": keyA}
	step(t, 0, rotated, "run-job", "sync")
	inv = step(t, 0, rotated, "store", "rekey")
	if out := inv.stdout.String(); !strings.Contains(out, "under key a") || !strings.Contains(out, "re-sealed under key b") {
		t.Errorf("rotation stdout:\n%s", out)
	}
	inv = step(t, 0, rotated, "store", "rekey")
	if out := inv.stdout.String(); strings.Contains(out, "under key a") || !strings.Contains(out, " 0 re-sealed") {
		t.Errorf("a second rekey found work left:\n%s", out)
	}
	doctorEnv := reachEnv(t)
	doctorEnv["SEATWARDEN_ENCRYPTION_KEY"] = keyB
	inv = step(t, 0, doctorEnv, "doctor")
	if !strings.Contains(inv.stdout.String(), "stored data is sealed (AES-256-GCM) under key b") {
		t.Errorf("doctor:\n%s", inv.stdout.String())
	}
	step(t, 0, map[string]string{"SEATWARDEN_ENCRYPTION_KEY": keyB}, "run-job", "sync")
	if anEmailSealed := func() bool {
		_, err := boltstore.Open(dbPath, boltstore.Options{})
		return err != nil
	}(); !anEmailSealed {
		t.Error("the store opened without a key")
	}
}

func TestStoreCommandBadInput(t *testing.T) {
	envs, _ := zendeskEnv(t)
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		want     string
	}{
		{"no subcommand", []string{"store"}, nil, 2, "the one store command is rekey"},
		{"unknown subcommand", []string{"store", "rotate"}, nil, 2, "the one store command is rekey"},
		{"rekey without a key", []string{"store", "rekey"}, nil, 1, "SEATWARDEN_ENCRYPTION_KEY is not set"},
		{"rekey with a short key", []string{"store", "rekey"}, map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "c2hvcnQ="}, 1, "SEATWARDEN_ENCRYPTION_KEY: must be base64 of 32 bytes"},
		{"older keys with one id", []string{"store", "rekey"}, map[string]string{"SEATWARDEN_ENCRYPTION_KEY": testKey("a"), "SEATWARDEN_ENCRYPTION_KEYS": testKey("o") + "," + "o:" + strings.TrimPrefix(testKey("p"), "p:")}, 1, `SEATWARDEN_ENCRYPTION_KEYS: two keys have the id "o"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range envs {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			inv := &invocation{env: env}
			if code := inv.run(context.Background(), tt.args...); code != tt.wantCode || !strings.Contains(inv.stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, inv.stderr.String(), tt.wantCode, tt.want)
			}
		})
	}
}

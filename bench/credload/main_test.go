package main

import (
	"bytes"
	"testing"
)

// TestRunSmall runs the whole benchmark on the embedded store with a small
// account, so the program keeps building and working as the bot changes.
func TestRunSmall(t *testing.T) {
	o := options{Embedded: true, Users: 300, APITokens: 12, OAuthClients: 130, OAuthTokens: 250, Installations: 3, Seed: 1, Claims: 20, Evals: 2}
	var out bytes.Buffer
	rep, err := run(t.Context(), o, &out, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass || len(rep.Stores) != 1 {
		t.Fatalf("pass %t on %d stores, want a pass on the embedded store", rep.Pass, len(rep.Stores))
	}
	f := rep.Stores[0]
	// 1 API token list + 2 pages of clients + 3 of tokens + 1 app list.
	if f.total() != 7 || rep.Account.lowerBound() != 7 {
		t.Errorf("%d requests, lower bound %d; want 7 and 7", f.total(), rep.Account.lowerBound())
	}
	if f.Entries != 20 {
		t.Errorf("%d register entries, want 20", f.Entries)
	}
}

package jobs_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/integrations/okta"
	"github.com/seatwarden/seatwarden/integrations/okta/oktatest"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/jobs"
)

// identity-sync against the emulated Okta org: a good read is kept, a
// read that would have most of the company leave is held, told to the
// admin channel once, and changes nothing.
func TestIdentitySync(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	emu := oktatest.NewServer(oktatest.WithUsers(oktatest.Generated(300, at)...))
	emu.SetNow(at)
	t.Cleanup(emu.Close)
	client, err := okta.New(okta.Config{OrgURL: emu.URL, Token: oktatest.DefaultToken, Sleep: emu.Sleep, Now: emu.Now,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	st := teststores.Bolt(t, nil)
	chat := newThread()
	var outcomes []string
	job := &jobs.Identity{
		Directory: &directory.Service{Records: st, Source: okta.Source{Client: client}, Now: emu.Now},
		Notifier:  chat, AdminChannel: "C0ADMIN", Keys: st,
		Observe: func(outcome string, _, _ int) { outcomes = append(outcomes, outcome) },
	}
	ctx := t.Context()
	if err := job.Run(ctx); err != nil {
		t.Fatal(err)
	}
	emu.Advance(15 * time.Minute)
	emu.Deactivate("00u0000001")
	if err := job.Run(ctx); err != nil {
		t.Fatal(err)
	}
	snap, err := job.Directory.Load(ctx)
	if err != nil || snap.Active() != 269 {
		t.Fatalf("after one deactivation: %d active, %v; want 269", snap.Active(), err)
	}

	// A day later the full read comes back with most people gone, as a
	// token whose admin lost a group's visibility would.
	emu.Advance(directory.DefaultFullEvery)
	for i := 2; i < 250; i++ {
		emu.Delete(fmt.Sprintf("00u%07d", i))
	}
	for range 2 {
		err := job.Run(ctx)
		if !errors.As(err, new(*directory.HeldError)) {
			t.Fatalf("a read of 51 of 300: %v, want held", err)
		}
	}
	if kept, _ := job.Directory.Load(ctx); kept.Active() != 269 {
		t.Errorf("the held read changed the directory: %d active", kept.Active())
	}
	if len(chat.parents) != 1 || !strings.HasPrefix(chat.parents[0].Headline, "⚠ The Okta directory read was held back") {
		t.Errorf("admin channel heard %d messages: %+v", len(chat.parents), chat.parents)
	}
	if want := []string{"ok", "ok", "held", "held"}; strings.Join(outcomes, " ") != strings.Join(want, " ") {
		t.Errorf("outcomes %v, want %v", outcomes, want)
	}
}

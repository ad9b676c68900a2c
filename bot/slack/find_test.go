package slack_test

import (
	"errors"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
)

// A message sent with a key is found again by it, where it was sent: a
// channel, a thread or a person's DM, every part in order; another key,
// another place or a message sent before the time asked about finds
// nothing.
func TestFindPosted(t *testing.T) {
	emu := newNotifyEmulator(t)
	a := newNotifier(t, emu, 0)
	ctx := t.Context()
	since := time.Now()

	parent, err := a.SendChannel(ctx, "C0APPROVALS", bot.Message{Headline: "REQ-ABC234 needs approval", Key: "REQ-ABC234/1"})
	if err != nil {
		t.Fatal(err)
	}
	// Something else in the channel, without a key, and a split message.
	if _, err := a.SendChannel(ctx, "C0APPROVALS", bot.Message{Headline: "unrelated"}); err != nil {
		t.Fatal(err)
	}
	digest := seatDigest(60)
	digest.Key = "digest/2026-W49/dana"
	split, err := a.SendDirect(ctx, danaEmail, digest)
	if err != nil {
		t.Fatal(err)
	}
	if len(split) < 2 {
		t.Fatalf("the digest posted as %d part(s); the test needs one that splits", len(split))
	}
	reply, err := a.ReplyInThread(ctx, parent[0], bot.Message{Headline: "Dana approved", Key: "REQ-ABC234/2"})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		place bot.Place
		key   string
		since time.Time
		want  []bot.MessageRef
	}{
		{"the parent in its channel", bot.Place{Channel: "C0APPROVALS"}, "REQ-ABC234/1", since, parent},
		{"a reply in its thread", bot.Place{Thread: parent[0]}, "REQ-ABC234/2", since, reply},
		{"every part of a DM, in order", bot.Place{Direct: danaEmail}, digest.Key, since, split},
		{"a key never sent", bot.Place{Channel: "C0APPROVALS"}, "REQ-ABC234/9", since, nil},
		{"a reply is not in the channel's history", bot.Place{Channel: "C0APPROVALS"}, "REQ-ABC234/2", since, nil},
		{"another place", bot.Place{Channel: "C0OTHER"}, "REQ-ABC234/1", since, nil},
		{"sent before the time asked about", bot.Place{Channel: "C0APPROVALS"}, "REQ-ABC234/1", since.Add(time.Hour), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.FindPosted(ctx, tt.place, tt.key, tt.since)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("found %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("part %d: found %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// A person Slack does not know cannot have been sent anything: the
// lookup says unreachable, as the send would have.
func TestFindPostedUnreachable(t *testing.T) {
	emu := newNotifyEmulator(t)
	a := newNotifier(t, emu, 0)
	_, err := a.FindPosted(t.Context(), bot.Place{Direct: "nobody@example.com"}, "k", time.Now())
	if !errors.Is(err, bot.ErrUnreachable) {
		t.Errorf("FindPosted for an unknown person = %v, want ErrUnreachable", err)
	}
}

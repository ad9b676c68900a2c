package teamstest_test

import (
	"testing"

	"github.com/seatwarden/seatwarden/bot/teams/teamstest"
	"github.com/seatwarden/seatwarden/internal/golden"
)

type builderEnv struct {
	s                 *teamstest.Server
	personal, channel teamstest.Conversation
}

// The builders' JSON, compared with testdata/TestActivityBuilders; the
// shapes follow Microsoft's examples in the Teams platform reference.
func TestActivityBuilders(t *testing.T) {
	tests := []struct {
		name  string
		build func(e builderEnv) teamstest.Activity
	}{
		{"personal_message", func(e builderEnv) teamstest.Activity {
			return e.s.Message(alice, e.personal, "status")
		}},
		{"channel_message_new_thread", func(e builderEnv) teamstest.Activity {
			return e.s.Message(alice, e.channel, "status")
		}},
		{"channel_message_in_thread", func(e builderEnv) teamstest.Activity {
			return e.s.Message(carol, e.channel.Thread("1793610000000"), "status")
		}},
		{"install_personal", func(e builderEnv) teamstest.Activity {
			return e.s.ConversationUpdate(alice, e.personal)
		}},
		{"install_team", func(e builderEnv) teamstest.Activity {
			return e.s.ConversationUpdate(alice, e.channel)
		}},
		{"installation_update_add", func(e builderEnv) teamstest.Activity {
			return e.s.InstallationUpdate(alice, e.personal, "add")
		}},
		{"invoke", func(e builderEnv) teamstest.Activity {
			return e.s.Invoke(alice, e.personal, "1793610000123", "sw.approve", map[string]any{"v": "42", "f.comment": "ok"})
		}},
		{"submit_message", func(e builderEnv) teamstest.Activity {
			return e.s.SubmitMessage(alice, e.personal, "1793610000123", map[string]any{"verb": "sw.approve", "v": "42"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A server per case keeps ids the same when one case runs alone.
			s := newTestServer(t)
			a := tt.build(builderEnv{s, s.PersonalConversation(alice.ID), s.ChannelConversation(ops.ID)})
			if a.ServiceURL != s.ServiceURL() {
				t.Errorf("serviceUrl = %q, want %q", a.ServiceURL, s.ServiceURL())
			}
			a.ServiceURL = "https://smba.trafficmanager.net/amer/" // the port changes per run
			golden.JSON(t, a)
		})
	}
}

func TestActivityIDsAreUnique(t *testing.T) {
	s := newTestServer(t)
	seen := map[string]bool{}
	for range 50 {
		id := s.Message(alice, s.PersonalConversation(alice.ID), "x").ID
		if seen[id] {
			t.Fatalf("activity id %s issued twice on a frozen clock", id)
		}
		seen[id] = true
	}
}

package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
)

// recorder is a Notifier that knows some people and notes what it sent.
type recorder struct {
	platform bot.Platform
	knows    map[string]bool
	fail     error
	sent     []string
}

func (r *recorder) SendDirect(_ context.Context, email string, _ bot.Message) ([]bot.MessageRef, error) {
	if !r.knows[email] {
		return nil, fmt.Errorf("%s: %w", r.platform, bot.ErrUnreachable)
	}
	if r.fail != nil {
		return nil, r.fail
	}
	r.sent = append(r.sent, "dm:"+email)
	return []bot.MessageRef{{Platform: r.platform, ConversationID: email, MessageID: "1"}}, nil
}

func (r *recorder) SendChannel(_ context.Context, channel string, _ bot.Message) ([]bot.MessageRef, error) {
	r.sent = append(r.sent, "channel:"+channel)
	return []bot.MessageRef{{Platform: r.platform, ConversationID: channel, MessageID: "1"}}, nil
}

func (r *recorder) Update(_ context.Context, ref bot.MessageRef, _ bot.Message) error {
	r.sent = append(r.sent, "update:"+ref.ConversationID)
	return nil
}

func (r *recorder) ReplyInThread(_ context.Context, parent bot.MessageRef, _ bot.Message) ([]bot.MessageRef, error) {
	r.sent = append(r.sent, "reply:"+parent.ConversationID+"/"+parent.MessageID)
	return []bot.MessageRef{{Platform: r.platform, ConversationID: parent.ConversationID, MessageID: "2"}}, nil
}

func TestTransportsRouteEachMessageToOnePlatform(t *testing.T) {
	outage := errors.New("slack is down")
	tests := []struct {
		name       string
		slackFails error
		send       func(bot.Transports) error
		wantSlack  []string
		wantTeams  []string
		wantErr    error
	}{
		{name: "a person Slack knows gets the DM on Slack",
			send: func(ts bot.Transports) error {
				_, err := ts.SendDirect(context.Background(), "omar@acme.example", bot.Message{})
				return err
			},
			wantSlack: []string{"dm:omar@acme.example"}},
		{name: "a person only Teams knows gets it on Teams",
			send: func(ts bot.Transports) error {
				_, err := ts.SendDirect(context.Background(), "tom@acme.example", bot.Message{})
				return err
			},
			wantTeams: []string{"dm:tom@acme.example"}},
		{name: "nobody knows them: unreachable",
			send: func(ts bot.Transports) error {
				_, err := ts.SendDirect(context.Background(), "ghost@acme.example", bot.Message{})
				return err
			},
			wantErr: bot.ErrUnreachable},
		{name: "a failed send is not repeated on the other platform", slackFails: outage,
			send: func(ts bot.Transports) error {
				_, err := ts.SendDirect(context.Background(), "omar@acme.example", bot.Message{})
				return err
			},
			wantErr: outage},
		{name: "a Teams channel goes through Teams",
			send: func(ts bot.Transports) error {
				_, err := ts.SendChannel(context.Background(), "19:ops@thread.tacv2", bot.Message{})
				return err
			},
			wantTeams: []string{"channel:19:ops@thread.tacv2"}},
		{name: "any other channel through Slack",
			send: func(ts bot.Transports) error {
				_, err := ts.SendChannel(context.Background(), "C0123ADMIN", bot.Message{})
				return err
			},
			wantSlack: []string{"channel:C0123ADMIN"}},
		{name: "an update goes to the platform of its message",
			send: func(ts bot.Transports) error {
				return ts.Update(context.Background(), bot.MessageRef{Platform: bot.PlatformTeams, ConversationID: "a:1", MessageID: "9"}, bot.Message{})
			},
			wantTeams: []string{"update:a:1"}},
		{name: "a thread reply goes to the platform of its parent",
			send: func(ts bot.Transports) error {
				_, err := ts.ReplyInThread(context.Background(), bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: "C0123ADMIN", MessageID: "1.000100"}, bot.Message{})
				return err
			},
			wantSlack: []string{"reply:C0123ADMIN/1.000100"}},
		{name: "a Teams thread reply goes through Teams",
			send: func(ts bot.Transports) error {
				_, err := ts.ReplyInThread(context.Background(), bot.MessageRef{Platform: bot.PlatformTeams, ConversationID: "19:ops@thread.tacv2", MessageID: "9"}, bot.Message{})
				return err
			},
			wantTeams: []string{"reply:19:ops@thread.tacv2/9"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			slack := &recorder{platform: bot.PlatformSlack, knows: map[string]bool{"omar@acme.example": true}, fail: tc.slackFails}
			teams := &recorder{platform: bot.PlatformTeams, knows: map[string]bool{"omar@acme.example": true, "tom@acme.example": true}}
			ts := bot.Transports{
				{Platform: bot.PlatformSlack, Notifier: slack},
				{Platform: bot.PlatformTeams, Notifier: teams, Owns: func(id string) bool { return strings.HasPrefix(id, "19:") }},
			}
			err := tc.send(ts)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if fmt.Sprint(slack.sent) != fmt.Sprint(tc.wantSlack) || fmt.Sprint(teams.sent) != fmt.Sprint(tc.wantTeams) {
				t.Errorf("slack sent %v, teams sent %v; want %v and %v", slack.sent, teams.sent, tc.wantSlack, tc.wantTeams)
			}
		})
	}
}

// TestTransportsReplyInThread: a reply answers through its parent's
// platform only; a parent from a platform not configured is an error and
// nothing is posted anywhere.
func TestTransportsReplyInThread(t *testing.T) {
	tests := []struct {
		name      string
		parent    bot.MessageRef
		wantRefs  []bot.MessageRef
		wantSlack []string
		wantErr   bool
	}{
		{name: "a Slack parent", parent: bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: "C0123ADMIN", MessageID: "1.000100"},
			wantRefs:  []bot.MessageRef{{Platform: bot.PlatformSlack, ConversationID: "C0123ADMIN", MessageID: "2"}},
			wantSlack: []string{"reply:C0123ADMIN/1.000100"}},
		{name: "a Teams parent with only Slack configured", parent: bot.MessageRef{Platform: bot.PlatformTeams, ConversationID: "19:ops@thread.tacv2", MessageID: "9"}, wantErr: true},
		{name: "a parent without a platform", parent: bot.MessageRef{ConversationID: "C0123ADMIN", MessageID: "1.000100"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			slack := &recorder{platform: bot.PlatformSlack}
			refs, err := bot.Transports{{Platform: bot.PlatformSlack, Notifier: slack}}.ReplyInThread(context.Background(), tc.parent, bot.Message{})
			if (err != nil) != tc.wantErr {
				t.Fatalf("error = %v, want one: %v", err, tc.wantErr)
			}
			if fmt.Sprint(refs) != fmt.Sprint(tc.wantRefs) || fmt.Sprint(slack.sent) != fmt.Sprint(tc.wantSlack) {
				t.Errorf("refs %v, slack sent %v; want %v and %v", refs, slack.sent, tc.wantRefs, tc.wantSlack)
			}
		})
	}
}

// preparer is a recorder that can get ready for many people at once.
type preparer struct {
	recorder
	asked []string
	err   error
}

func (p *preparer) PrepareDirect(_ context.Context, emails []string) error {
	p.asked = append(p.asked, emails...)
	return p.err
}

// Every platform that can get ready for many people is asked, since any
// may be the one that knows a person; one failing does not stop another.
func TestTransportsPrepareEveryPlatform(t *testing.T) {
	refused := errors.New("users.list refused")
	slack := &preparer{recorder: recorder{platform: bot.PlatformSlack}, err: refused}
	teams := &recorder{platform: bot.PlatformTeams}
	other := &preparer{recorder: recorder{platform: "other"}}
	ts := bot.Transports{{Platform: bot.PlatformSlack, Notifier: slack}, {Platform: bot.PlatformTeams, Notifier: teams}, {Platform: "other", Notifier: other}}
	err := ts.PrepareDirect(context.Background(), []string{"omar@acme.example", "dana@acme.example"})
	if !errors.Is(err, refused) || !strings.Contains(err.Error(), string(bot.PlatformSlack)) {
		t.Errorf("err = %v, want Slack's refusal named", err)
	}
	for _, p := range []*preparer{slack, other} {
		if len(p.asked) != 2 {
			t.Errorf("%s was asked about %v, want both people", p.platform, p.asked)
		}
	}
	if err := bot.PrepareDirect(context.Background(), teams, []string{"omar@acme.example"}); err != nil {
		t.Errorf("a platform that cannot prepare: %v, want nothing to do", err)
	}
}

// finder is a recorder that can find what it sent by key.
type finder struct {
	*recorder
	found map[string]bot.MessageRef
}

func (f finder) FindPosted(_ context.Context, place bot.Place, key string, _ time.Time) ([]bot.MessageRef, error) {
	if place.Direct != "" && !f.knows[place.Direct] {
		return nil, bot.ErrUnreachable
	}
	f.sent = append(f.sent, "find:"+key)
	if ref, ok := f.found[key]; ok {
		return []bot.MessageRef{ref}, nil
	}
	return nil, nil
}

// A lookup goes where the send went; a platform that cannot look finds
// nothing, so the sender sends (at least once rather than never).
func TestTransportsFindPosted(t *testing.T) {
	posted := bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: "C0APPROVALS", MessageID: "9"}
	tests := []struct {
		name      string
		place     bot.Place
		key       string
		want      []bot.MessageRef
		wantErr   error
		wantSlack []string
	}{
		{"a Slack channel is asked of Slack", bot.Place{Channel: "C0APPROVALS"}, "parent", []bot.MessageRef{posted}, nil, []string{"find:parent"}},
		{"a Teams thread finds nothing: Teams cannot look", bot.Place{Thread: bot.MessageRef{Platform: bot.PlatformTeams, ConversationID: "19:x", MessageID: "1"}}, "reply", nil, nil, nil},
		{"a person Slack knows is looked for on Slack", bot.Place{Direct: "omar@acme.example"}, "dm", nil, nil, []string{"find:dm"}},
		{"a person only Teams knows finds nothing", bot.Place{Direct: "tom@acme.example"}, "dm", nil, nil, nil},
		{"a thread on no platform is an error", bot.Place{Thread: bot.MessageRef{Platform: "irc", MessageID: "1"}}, "reply", nil, errors.New("no chat transport"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			slack := finder{recorder: &recorder{platform: bot.PlatformSlack, knows: map[string]bool{"omar@acme.example": true}}, found: map[string]bot.MessageRef{"parent": posted}}
			teams := &recorder{platform: bot.PlatformTeams, knows: map[string]bool{"tom@acme.example": true}}
			ts := bot.Transports{
				{Platform: bot.PlatformSlack, Notifier: slack, Owns: func(c string) bool { return strings.HasPrefix(c, "C") }},
				{Platform: bot.PlatformTeams, Notifier: teams},
			}
			got, err := ts.FindPosted(t.Context(), tt.place, tt.key, time.Now())
			if (err != nil) != (tt.wantErr != nil) || err != nil && !strings.Contains(err.Error(), tt.wantErr.Error()) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("found %v, want %v", got, tt.want)
			}
			if fmt.Sprint(slack.sent) != fmt.Sprint(tt.wantSlack) {
				t.Errorf("Slack was asked %v, want %v", slack.sent, tt.wantSlack)
			}
		})
	}
}

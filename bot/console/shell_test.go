package console

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/bot"
)

// fakeHandler records what the shell sends and answers with reply (by
// default a one-line "ok"). The shell is not a network edge: the requests
// it builds are the thing under test.
type fakeHandler struct {
	reply func(req bot.Request) bot.Message
	got   []bot.Request
}

var _ Handler = (*fakeHandler)(nil)

func (f *fakeHandler) Handle(_ context.Context, req bot.Request) bot.Message {
	f.got = append(f.got, req)
	if f.reply == nil {
		return bot.Message{Sections: []bot.Section{{Text: "ok"}}, Visibility: bot.Visible}
	}
	return f.reply(req)
}

var (
	dana  = bot.User{ID: "dana@acme.example", Email: "dana@acme.example", TeamID: "acme"}
	priya = bot.User{ID: "priya@acme.example", Email: "priya@acme.example", TeamID: "acme"}
	here  = bot.Conversation{ID: ConversationID, Direct: true}
)

func textReq(u bot.User, text string) bot.Request {
	return bot.Request{Platform: bot.PlatformConsole, User: u, Conversation: here, Text: text}
}

func clickReq(u bot.User, id, value, ref string) bot.Request {
	return bot.Request{Platform: bot.PlatformConsole, User: u, Conversation: here, Action: &bot.Action{
		ID: id, Value: value, Message: bot.MessageRef{Platform: bot.PlatformConsole, ConversationID: ConversationID, MessageID: ref},
	}}
}

func formReq(u bot.User, values map[string]string) bot.Request {
	return bot.Request{Platform: bot.PlatformConsole, User: u, Conversation: here,
		Form: &bot.FormSubmission{FormID: "request.app", RecordID: "req-1", Values: values}}
}

func say(text string) bot.Message {
	return bot.Message{Sections: []bot.Section{{Text: text}}, Visibility: bot.Visible}
}

// pages answers "list" and page clicks with a three-page list.
func pages(req bot.Request) bot.Message {
	page := 1
	if a := req.Action; a != nil {
		page = int(a.Value[len(a.Value)-1] - '0')
	}
	return bot.Message{
		Sections:   []bot.Section{{Text: "page " + string(rune('0'+page))}},
		Pager:      &bot.Pager{Page: page, Pages: 3, ActionID: "list.page", Token: "list"},
		Visibility: bot.Visible,
	}
}

// removal answers "tom" with a danger button and its click with "removed".
func removal(req bot.Request) bot.Message {
	if req.Action != nil {
		return say("removed")
	}
	return bot.Message{
		Sections: []bot.Section{{Text: "Tom", Button: &bot.Button{ActionID: "seat.remove", Label: "Remove", Value: "seat-7",
			Style: bot.StyleDanger, Confirm: &bot.Confirm{Title: "Remove this seat?", Text: "Tom loses the agent role.", Confirm: "Remove", Deny: "Cancel"}}}},
		Visibility: bot.Visible,
	}
}

func simpleForm() *bot.Form {
	return &bot.Form{ID: "request.app", RecordID: "req-1", Title: "Request an app", Inputs: []bot.Input{
		{ID: "name", Label: "App name", Required: true},
		{ID: "why", Label: "Why", Kind: bot.InputMultiline},
		{ID: "by", Label: "Needed by", Kind: bot.InputDate},
		{ID: "risk", Label: "Data it reads", Kind: bot.InputSelect, Required: true, Initial: "none",
			Options: []bot.Option{{Label: "Nothing", Value: "none"}, {Label: "Tickets", Value: "tickets"}}},
	}}
}

// forms opens the form on "request app", rejects an app named "Bad" and
// accepts anything else.
func forms(req bot.Request) bot.Message {
	switch {
	case req.Text == "request app":
		return bot.Message{Form: simpleForm()}
	case req.Form != nil && req.Form.Values["name"] == "Bad":
		f := simpleForm()
		f.Inputs[0].Error = "Bad is not in the Marketplace."
		return bot.Message{Form: f}
	case req.Form != nil:
		return say("Request req-1 sent for approval.")
	}
	return say("?")
}

func TestShell(t *testing.T) {
	tests := []struct {
		name  string
		reply func(bot.Request) bot.Message
		input string
		want  []bot.Request
		out   string
	}{
		{
			name:  "text with or without the slash command",
			input: "/warden seats\n  seats inactive 60  \n/WARDEN\n\nhelp\nquit\nseats\n",
			want:  []bot.Request{textReq(dana, "seats"), textReq(dana, "seats inactive 60"), textReq(dana, ""), textReq(dana, "help")},
			out: `dana@acme.example> /warden seats
ok

dana@acme.example>   seats inactive 60  
ok

dana@acme.example> /WARDEN
ok

dana@acme.example> 
dana@acme.example> help
ok

dana@acme.example> quit
`,
		},
		{
			name:  "numbers click the pager of the last list",
			reply: pages,
			input: "list\n1\n2\n1\n",
			want: []bot.Request{
				textReq(dana, "list"),
				clickReq(dana, "list.page", "list:2", "1"),
				clickReq(dana, "list.page", "list:3", "2"),
				clickReq(dana, "list.page", "list:2", "3"),
			},
			out: `dana@acme.example> list
page 1

Page 1 of 3  [1] Next

dana@acme.example> 1
page 2

Page 2 of 3  [1] Previous  [2] Next

dana@acme.example> 2
page 3

Page 3 of 3  [1] Previous

dana@acme.example> 1
page 2

Page 2 of 3  [1] Previous  [2] Next

dana@acme.example> 
`,
		},
		{
			name:  "unknown numbers and slash commands are explained, not sent",
			reply: pages,
			input: "3\nlist\n3\n0\n/foo bar\n",
			want:  []bot.Request{textReq(dana, "list")},
			out: `dana@acme.example> 3
Nothing to choose: no reply so far has numbered buttons. Type a command, e.g. /warden help.

dana@acme.example> list
page 1

Page 1 of 3  [1] Next

dana@acme.example> 3
There is no [3]: choose 1 to 1 from the last list of buttons, or type a command.

dana@acme.example> 0
There is no [0]: choose 1 to 1 from the last list of buttons, or type a command.

dana@acme.example> /foo bar
/foo is not a command here. Type /warden help, /as EMAIL or quit.

dana@acme.example> 
`,
		},
		{
			name: "a reply without buttons leaves the last buttons usable",
			reply: func(req bot.Request) bot.Message {
				if req.Text == "oops" {
					return bot.Message{Sections: []bot.Section{{Text: "Usage error: no"}}}
				}
				return pages(req)
			},
			input: "list\noops\n1\n",
			want:  []bot.Request{textReq(dana, "list"), textReq(dana, "oops"), clickReq(dana, "list.page", "list:2", "1")},
			out: `dana@acme.example> list
page 1

Page 1 of 3  [1] Next

dana@acme.example> oops
(only you can see this)

Usage error: no

dana@acme.example> 1
page 2

Page 2 of 3  [1] Previous  [2] Next

dana@acme.example> 
`,
		},
		{
			name:  "a danger button asks first; only yes sends",
			reply: removal,
			input: "tom\n1\n\n1\nno\n1\nY\n",
			want:  []bot.Request{textReq(dana, "tom"), clickReq(dana, "seat.remove", "seat-7", "1")},
			out: `dana@acme.example> tom
Tom
  [1] Remove

dana@acme.example> 1
Remove this seat?
Tom loses the agent role. [y/N] 
Cancelled; nothing was sent.

dana@acme.example> 1
Remove this seat?
Tom loses the agent role. [y/N] no
Cancelled; nothing was sent.

dana@acme.example> 1
Remove this seat?
Tom loses the agent role. [y/N] Y
removed

dana@acme.example> 
`,
		},
		{
			name:  "/as switches who speaks",
			input: "/as Priya@Acme.example\nseats\n/as\n/as Priya <priya@acme.example>\n",
			want:  []bot.Request{textReq(priya, "seats")},
			out: `dana@acme.example> /as Priya@Acme.example
You are now priya@acme.example (nobody).

priya@acme.example> seats
ok

priya@acme.example> /as
Usage: /as EMAIL, e.g. /as priya@acme.example

priya@acme.example> /as Priya <priya@acme.example>
Usage: /as EMAIL, e.g. /as priya@acme.example

priya@acme.example> 
`,
		},
		{
			name:  "a form is asked field by field; a rejected one re-asks what was wrong",
			reply: forms,
			input: "request app\n\nBad\nTo translate\nreplies\n\n31.3.2026\n2026-03-31\n7\n2\nGood\n",
			want: []bot.Request{
				textReq(dana, "request app"),
				formReq(dana, map[string]string{"name": "Bad", "why": "To translate\nreplies", "by": "2026-03-31", "risk": "tickets"}),
				formReq(dana, map[string]string{"name": "Good", "why": "To translate\nreplies", "by": "2026-03-31", "risk": "tickets"}),
			},
			out: `dana@acme.example> request app
(only you can see this)

Form: Request an app

Answer each question. An empty line keeps the value shown, or skips an optional one; /cancel closes the form without sending it.
App name (required)
> 
  An answer is required.
> Bad
Why (optional, several lines, end with an empty line)
> To translate
| replies
| 
Needed by (optional, YYYY-MM-DD)
> 31.3.2026
  Type a date as YYYY-MM-DD, e.g. 2026-03-31.
> 2026-03-31
Data it reads (required, choose a number)
  [1] Nothing
  [2] Tickets
  Enter keeps: Nothing
> 7
  Choose a number from 1 to 2.
> 2

Not sent: fix this answer.
App name (required)
  Error: Bad is not in the Marketplace.
  Enter keeps: Bad
> Good

Request req-1 sent for approval.

dana@acme.example> 
`,
		},
		{
			name:  "optional fields skip and initial values stay with an empty line",
			reply: forms,
			input: "request app\nGood\n\n\n\n",
			want: []bot.Request{
				textReq(dana, "request app"),
				formReq(dana, map[string]string{"name": "Good", "why": "", "by": "", "risk": "none"}),
			},
		},
		{
			name:  "/cancel closes a form without sending it",
			reply: forms,
			input: "request app\nGood\n/cancel\nexit\n",
			want:  []bot.Request{textReq(dana, "request app")},
		},
		{
			name: "an empty reply to a form says it was sent",
			reply: func(req bot.Request) bot.Message {
				if req.Form != nil {
					return bot.Message{}
				}
				return forms(req)
			},
			input: "request app\nGood\n\n\n\n",
			want: []bot.Request{
				textReq(dana, "request app"),
				formReq(dana, map[string]string{"name": "Good", "why": "", "by": "", "risk": "none"}),
			},
		},
		{
			name:  "the end of the input inside a form ends the session",
			reply: forms,
			input: "request app\nGood",
			want:  []bot.Request{textReq(dana, "request app")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &fakeHandler{reply: tt.reply}
			var out strings.Builder
			sh, err := NewShell(Options{
				In: strings.NewReader(tt.input), Out: &out, Handler: h, User: dana, Echo: true,
				Who: func(email string) string {
					if email == dana.Email {
						return "admin"
					}
					return "nobody"
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := sh.Run(context.Background()); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if diff := cmp.Diff(tt.want, h.got); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if tt.out != "" {
				if diff := cmp.Diff(tt.out, out.String()); diff != "" {
					t.Errorf("output (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestShellEndsWhenContextIsDone(t *testing.T) {
	// A reader that never answers, like a terminal nobody types into.
	in, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	sh, err := NewShell(Options{In: in, Out: &strings.Builder{}, Handler: &fakeHandler{}, User: dana})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sh.Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
}

func TestNewShellNeedsItsParts(t *testing.T) {
	for _, opt := range []Options{
		{Out: &strings.Builder{}, Handler: &fakeHandler{}},
		{In: strings.NewReader(""), Handler: &fakeHandler{}},
		{In: strings.NewReader(""), Out: &strings.Builder{}},
	} {
		if _, err := NewShell(opt); err == nil {
			t.Errorf("NewShell(%+v) accepted it", opt)
		}
	}
}

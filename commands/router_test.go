package commands

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

var usageInHelp = regexp.MustCompile("^`/warden ([^`]+)`")

// helpCommands lists the usages a help reply shows, and its "Unknown
// command" line if any.
func helpCommands(m bot.Message) (usages []string, unknown string) {
	for _, s := range m.Sections {
		if match := usageInHelp.FindStringSubmatch(s.Text); match != nil {
			usages = append(usages, match[1])
		} else if strings.HasPrefix(s.Text, "Unknown command") {
			unknown = s.Text
		}
	}
	return usages, unknown
}

// TestHelp: help lists what the asker may use, and answers unknown
// commands too.
func TestHelp(t *testing.T) {
	r := newFixture(t, fixtureSnapshot()).router(t)
	all := []string{"help [COMMAND]", "seats [SAAS]", "seats inactive [SAAS] [DAYS]", "seats user EMAIL", "seats group NAME"}
	ownerCmds := []string{"help [COMMAND]", "seats inactive [SAAS] [DAYS]", "seats group NAME"}
	tests := []struct {
		name, who, text string
		want            []string
		unknown         string
	}{
		{"admin", admin, "help", all, ""},
		{"owner", dana, "help", ownerCmds, ""},
		{"default owner", ops, "HELP", ownerCmds, ""},
		{"stranger", stranger, "help", []string{"help [COMMAND]"}, ""},
		{"unresolved email", nobody, "help", []string{"help [COMMAND]"}, ""},
		{"nothing typed", admin, "", all, ""},
		{"only the slash command", dana, "/warden", ownerCmds, ""},
		{"help on seat commands, admin", admin, "help seats", all[1:], ""},
		{"help on seat commands, owner", dana, "help seats", ownerCmds[1:], ""},
		{"help on one command", admin, "help seats user", []string{"seats user EMAIL"}, ""},
		{"help on an alias", admin, "help seats idle", []string{"seats inactive [SAAS] [DAYS]"}, ""},
		{"help on a command the asker may not use", stranger, "help seats", []string{"help [COMMAND]"}, ""},
		{"help on nothing known", admin, "help xyz", all, `Unknown command "xyz".`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ask(r, tt.who, tt.text)
			usages, unknown := helpCommands(m)
			if diff := cmp.Diff(tt.want, usages); diff != "" {
				t.Errorf("commands listed (-want +got):\n%s", diff)
			}
			if unknown != tt.unknown {
				t.Errorf("unknown line %q, want %q", unknown, tt.unknown)
			}
			if m.Visibility != bot.Ephemeral {
				t.Error("help is not ephemeral")
			}
			// Everyone but an admin has commands hidden, and is told so.
			if got, want := len(m.Context) > 0, tt.who != admin; got != want {
				t.Errorf("note about hidden commands shown = %v, want %v", got, want)
			}
			goldenJSON(t, m)
		})
	}
}

// TestUnknownCommand: words that name no command get one line: the
// command most likely meant, or the ones sharing the first word, and
// where the full list is; never a command the asker may not use.
func TestUnknownCommand(t *testing.T) {
	r := newFixture(t, fixtureSnapshot()).router(t)
	tests := []struct{ name, who, text, want string }{
		{"a typo", admin, "sets", "Unknown command \"sets\". Did you mean `/warden seats`?"},
		{"a typo, words kept", admin, "seats inactiv 60", "Unknown command \"seats inactiv 60\". Did you mean `/warden seats inactive 60`?"},
		{"a typo of an alias", admin, "seats idel", "Did you mean `/warden seats idle`?"},
		{"an unknown subcommand", dana, "seats frobnicate 3", "Unknown command \"seats frobnicate 3\". The seats commands are `seats inactive`, `seats group`; `/warden help seats` explains them."},
		{"nothing near", admin, "xyz", "Unknown command \"xyz\". `/warden help` lists the commands you can use."},
		{"nothing the stranger may use", stranger, "sets", "Unknown command \"sets\". `/warden help` lists the commands you can use."},
		{"markup", admin, "<!here>", "Unknown command \"&lt;!here&gt;\"."},
		{"clipped", admin, strings.Repeat("x", 100), "Unknown command \"" + strings.Repeat("x", 59) + "…\"."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := errorLine(t, ask(r, tt.who, tt.text))
			if !strings.HasPrefix(line, tt.want) && !strings.Contains(line, tt.want) {
				t.Errorf("reply %q, want it to say %q", line, tt.want)
			}
		})
	}
}

func okHandler(context.Context, *Call) (bot.Message, error) {
	return bot.Message{Sections: []bot.Section{{Text: "ok"}}}, nil
}

func def(name string, mod ...func(*Definition)) Definition {
	d := Definition{Name: name, Usage: name, Examples: []string{name}, Access: Everyone, Handler: okHandler}
	for _, m := range mod {
		m(&d)
	}
	return d
}

// TestNewRouterRejects: mistakes in the definitions stop start-up with an
// error naming them, rather than surfacing as a wrong answer in chat.
func TestNewRouterRejects(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name string
		defs []Definition
		want string
	}{
		{"the same name twice", []Definition{def("tokens"), def("tokens")},
			`"tokens" is the name of "tokens" and also the name of "tokens"`},
		{"names differing only in case and spacing", []Definition{def("tokens orphaned"), def("Tokens  Orphaned")},
			`"tokens orphaned" is the name of "tokens orphaned" and also the name of "Tokens  Orphaned"`},
		{"an alias equal to another's name", []Definition{def("review"), def("review status", func(d *Definition) { d.Aliases = []string{"review"} })},
			`"review" is the name of "review" and also the alias of "review status"`},
		{"an alias equal to a built-in seat command", []Definition{def("seats list", func(d *Definition) { d.Aliases = []string{"seats inactive"} })},
			`"seats inactive" is the name of "seats inactive" and also the alias of "seats list"`},
		{"a command named help", []Definition{def("help")},
			`"help" is the name of "help" and also the name of "help"`},
		{"a definition's alias repeating its name", []Definition{def("review", func(d *Definition) { d.Aliases = []string{"REVIEW"} })},
			`"review" is the name of "review" and also the alias of "review"`},
		{"an example the longest match sends elsewhere", []Definition{
			def("request"), def("request list"),
			def("request app", func(d *Definition) { d.Usage = "request app NAME"; d.Examples = []string{"request list"} }),
		}, `"request app": example "request list" would run "request list" (the longest matching name wins)`},
		{"a shorter command's example shadowed by a longer one", []Definition{
			def("request", func(d *Definition) { d.Usage = "request WHAT"; d.Examples = []string{"request list mine"} }), def("request list"),
		}, `"request": example "request list mine" would run "request list"`},
		{"an example with words after a command that takes none but has subcommands", []Definition{
			def("tokens", func(d *Definition) { d.Examples = []string{"tokens all"} }), def("tokens orphaned"),
		}, `"tokens": example "tokens all" matches no command`},
		{"an example matching nothing", []Definition{def("review", func(d *Definition) { d.Examples = []string{"reveiw"} })},
			`"review": example "reveiw" matches no command`},
		{"no name", []Definition{def("  ")}, "a definition has no name"},
		{"an empty alias", []Definition{def("review", func(d *Definition) { d.Aliases = []string{" "} })}, `alias of "review": empty alias`},
		{"no handler", []Definition{def("review", func(d *Definition) { d.Handler = nil })}, `"review" has no handler`},
		{"no access level", []Definition{def("review", func(d *Definition) { d.Access = 0 })}, `"review" has no access level`},
		{"usage not starting with the name", []Definition{def("review", func(d *Definition) { d.Usage = "show review" })}, `"review": usage "show review" does not start with the name`},
		{"no example", []Definition{def("review", func(d *Definition) { d.Examples = nil })}, `"review" has no example`},
		{"a name word starting with a quote", []Definition{def(`"review"`)}, `a name cannot start a word with a quote`},
		{"overlapping action routes", []Definition{def("tokens", func(d *Definition) {
			d.Actions = []ActionRoute{{ID: PageActionID, ValuePrefix: "in"}}
		})}, `"tokens": action "seats.page" with value prefix "in" overlaps "seats inactive"'s prefix "inactive:"`},
		{"an action route without id", []Definition{def("tokens", func(d *Definition) { d.Actions = []ActionRoute{{}} })},
			`"tokens": an action route has no ID`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRouter(f.deps, append(SeatCommands(f.deps), tt.defs...)...)
			if err == nil {
				t.Fatalf("NewRouter accepted the definitions (router %v)", r != nil)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\ndoes not say %q", err, tt.want)
			}
		})
	}

	t.Run("no snapshot store", func(t *testing.T) {
		d := f.deps
		d.Snapshots = nil
		if _, err := New(d); err == nil || !strings.Contains(err.Error(), "Snapshots is required") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("longer names beside shorter ones are fine", func(t *testing.T) {
		_, err := NewRouter(f.deps, append(SeatCommands(f.deps),
			def("request", func(d *Definition) { d.Usage = "request WHAT"; d.Examples = []string{"request app Zoom"} }),
			def("request list"), def("tokens"), def("tokens orphaned"),
			def("tokens page", func(d *Definition) { d.Actions = []ActionRoute{{ID: PageActionID, ValuePrefix: "tokens:"}} }))...)
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestRouting: the longest name wins, matching ignores case, arguments keep
// theirs, and a command that takes none does not swallow a mistyped
// subcommand.
func TestRouting(t *testing.T) {
	f := newFixture(t, nil)
	var got *Call
	record := func(_ context.Context, c *Call) (bot.Message, error) { got = c; return bot.Message{}, nil }
	r, err := NewRouter(f.deps,
		def("request", func(d *Definition) {
			d.Usage, d.Examples, d.Handler = "request WHAT", []string{"request app Zoom"}, record
		}),
		def("request list", func(d *Definition) { d.Aliases = []string{"requests", "my requests"}; d.Handler = record }),
	)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text, wantCommand string
		wantArgs          []string
	}{
		{"request list", "request list", nil},
		{"REQUEST List", "request list", nil},
		{"requests", "request list", nil},
		{"my   requests", "request list", nil},
		{"/warden request list", "request list", nil},
		{"/WARDEN request list", "request list", nil},
		{"request listing", "request", []string{"listing"}},
		{"request App Zoom", "request", []string{"App", "Zoom"}},
		{`request app "Translate & Reply"`, "request", []string{"app", "Translate & Reply"}},
		{"request “Tier 2” x", "request", []string{"Tier 2", "x"}},
		{"request list\u00a0extra", "request list", []string{"extra"}},
	}
	for _, tt := range tests {
		got = nil
		ask(r, admin, tt.text)
		if got == nil {
			t.Errorf("%q ran nothing", tt.text)
			continue
		}
		if got.Command != tt.wantCommand || !cmp.Equal(got.Args, tt.wantArgs) {
			t.Errorf("%q ran %q %q, want %q %q", tt.text, got.Command, got.Args, tt.wantCommand, tt.wantArgs)
		}
		if !got.Now.Equal(now) || got.Role.Email != admin || !got.Role.Admin {
			t.Errorf("%q: call has now=%v role=%+v", tt.text, got.Now, got.Role)
		}
	}
}

func TestRoles(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		email string
		want  Role
		kind  string
	}{
		{"ALICE@example.com", Role{Email: admin, Admin: true, DefaultOwner: false}, "admin"},
		{dana, Role{Email: dana, Groups: []string{"Tier 2"}}, "owner"},
		{bill, Role{Email: bill, Groups: []string{"Billing"}}, "owner"},
		{ops, Role{Email: ops, DefaultOwner: true}, "owner"},
		{stranger, Role{Email: stranger}, "nobody"},
		{"  ", Role{}, "nobody"},
	}
	for _, tt := range tests {
		got := f.deps.withDefaults().role(bot.User{Email: tt.email})
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("role(%q) (-want +got):\n%s", tt.email, diff)
		}
		if got.String() != tt.kind {
			t.Errorf("role(%q) is %s, want %s", tt.email, got, tt.kind)
		}
	}
}

var refLine = regexp.MustCompile(`^Something went wrong \(ref ([A-Z2-9]{8})\)\. An admin can look it up in the bot's logs\.$`)

// logLines decodes the JSON log.
func logLines(t *testing.T, f *fixture) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(f.logs.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// failingSnapshots is a snapshot store that fails with err.
type failingSnapshots struct {
	store.Snapshots
	err error
}

func (s failingSnapshots) LoadSnapshot(context.Context, string) (*store.Snapshot, error) {
	return nil, s.err
}
func (s failingSnapshots) SnapshotRevision(context.Context, string) (string, error) { return "", s.err }
func (s failingSnapshots) ReadSnapshot(context.Context, string, func(connector.Staff) error) (*store.Snapshot, error) {
	return nil, s.err
}

// TestFailuresGetAReference: a failure the asker cannot act on, panics
// included, is answered with a reference that finds the whole story in the
// log.
func TestFailuresGetAReference(t *testing.T) {
	panicky := func(next Handler) Handler {
		return func(context.Context, *Call) (bot.Message, error) { panic("middleware bug") }
	}
	tests := []struct {
		name      string
		text      string
		snaps     store.Snapshots
		wantLog   string // in the logged error
		wantPanic bool
	}{
		{"handler panics", "boom", nil, "panic: runtime error: index out of range", true},
		{"middleware panics", "crash", nil, "panic: middleware bug", true},
		{"handler fails", "broken", nil, "commands: talk to the vault: unexpected EOF", false},
		{"store fails", "seats", failingSnapshots{err: fmt.Errorf("redis: %w", io.ErrUnexpectedEOF)}, "commands: load the seat snapshot: redis: unexpected EOF", false},
		{"an Error without a code", "nocode", nil, "code(0): hmm", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, fixtureSnapshot())
			if tt.snaps != nil {
				f.deps.Snapshots = tt.snaps
			}
			r := f.router(t,
				def("boom", func(d *Definition) {
					d.Handler = func(context.Context, *Call) (bot.Message, error) {
						var s []int
						_ = s[len(s)+1]
						return bot.Message{}, nil
					}
				}),
				def("crash", func(d *Definition) { d.Middlewares = []Middleware{panicky} }),
				def("broken", func(d *Definition) {
					d.Handler = func(context.Context, *Call) (bot.Message, error) {
						return bot.Message{}, fmt.Errorf("commands: talk to the vault: %w", io.ErrUnexpectedEOF)
					}
				}),
				def("nocode", func(d *Definition) {
					d.Handler = func(context.Context, *Call) (bot.Message, error) { return bot.Message{}, &Error{Message: "hmm"} }
				}),
			)
			m := ask(r, admin, tt.text)
			match := refLine.FindStringSubmatch(errorLine(t, m))
			if match == nil {
				t.Fatalf("reply %q has no reference", text(m))
			}
			ref := match[1]
			var found map[string]any
			for _, l := range logLines(t, f) {
				if l["ref"] == ref {
					found = l
				}
			}
			if found == nil {
				t.Fatalf("reference %s is not in the log:\n%s", ref, f.logs.String())
			}
			if found["level"] != "ERROR" || found["user"] != admin || found["command"] == "" || found["platform"] != "slack" {
				t.Errorf("log line lacks who and what: %v", found)
			}
			if e, _ := found["error"].(string); !strings.Contains(e, tt.wantLog) {
				t.Errorf("logged error %q does not say %q", e, tt.wantLog)
			}
			if stack, _ := found["stack"].(string); tt.wantPanic != strings.Contains(stack, "goroutine") {
				t.Errorf("stack logged = %v, want %v", stack != "", tt.wantPanic)
			}
			if strings.Contains(text(m), tt.wantLog) || strings.Contains(text(m), "panic") {
				t.Errorf("the reply shows the internal error: %q", text(m))
			}
			m.Sections[0].Text = strings.Replace(m.Sections[0].Text, ref, "XXXXXXXX", 1)
			goldenJSON(t, m)
		})
	}

	t.Run("references differ", func(t *testing.T) {
		seen := map[string]bool{}
		for range 100 {
			seen[newReference()] = true
		}
		if len(seen) < 100 {
			t.Errorf("%d distinct references in 100", len(seen))
		}
	})

	t.Run("an unreadable snapshot is a wait, not a failure", func(t *testing.T) {
		f := newFixture(t, nil)
		f.deps.Snapshots = failingSnapshots{err: fmt.Errorf("boltstore: %w: schema version 9", store.ErrUnreadable)}
		m := ask(f.router(t), admin, "seats")
		if got, want := errorLine(t, m), "The seat data is being rebuilt from Zendesk. Try again in a few minutes."; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		if !strings.Contains(f.logs.String(), "schema version 9") {
			t.Errorf("the cause is not logged:\n%s", f.logs.String())
		}
	})
}

// TestStaleControls: clicks and forms nothing handles any more get a
// one-line answer instead of silence.
func TestStaleControls(t *testing.T) {
	r := newFixture(t, fixtureSnapshot()).router(t)
	tests := []struct {
		name string
		req  bot.Request
		want string
	}{
		{"unknown button", bot.Request{Platform: bot.PlatformSlack, User: user(admin), Action: &bot.Action{ID: "seat.keep", Value: "seat-1"}},
			"That button is no longer in use. Run /warden help to see what you can do."},
		{"unknown form", bot.Request{Platform: bot.PlatformTeams, User: user(admin), Form: &bot.FormSubmission{FormID: "x"}},
			"That form is no longer in use. Run /warden help to see what you can do."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := r.Handle(context.Background(), tt.req)
			if got := errorLine(t, m); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			goldenJSON(t, m)
		})
	}
}

// TestConcurrentUse: one router serves every request at once.
func TestConcurrentUse(t *testing.T) {
	r := newFixture(t, fixtureSnapshot()).router(t)
	want := map[string]bot.Message{}
	texts := []string{"seats", "seats inactive 60", "seats user fox@example.com", "seats group Tier 1", "help"}
	for _, text := range texts {
		want[text] = ask(r, admin, text)
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			text := texts[i%len(texts)]
			if diff := cmp.Diff(want[text], ask(r, admin, text)); diff != "" {
				t.Errorf("%q answered differently under load:\n%s", text, diff)
			}
		})
	}
	wg.Wait()
}

// TestAuditMiddleware: commands that change things leave an audit entry
// when they succeed, and only then.
func TestAuditMiddleware(t *testing.T) {
	f := newFixture(t, fixtureSnapshot())
	fail := false
	touch := def("seats touch", func(d *Definition) {
		d.Usage, d.Examples, d.Access = "seats touch EMAIL", []string{"seats touch fox@example.com"}, Admins
		d.Middlewares = []Middleware{Audited(f.store, "seat.touched", func(c *Call) string { return "zendesk:user:" + c.Args[0] })}
		d.Handler = func(context.Context, *Call) (bot.Message, error) {
			if fail {
				return bot.Message{}, Conflictf("Already touched.")
			}
			return bot.Message{Sections: []bot.Section{{Text: "Touched."}}}, nil
		}
	})
	r := f.router(t, touch)

	ask(r, admin, "seats touch fox@example.com")
	fail = true
	if got := errorLine(t, ask(r, admin, "seats touch fox@example.com")); got != "Already touched." {
		t.Errorf("conflict reply %q", got)
	}
	fail = false
	refused(t, ask(r, stranger, "seats touch fox@example.com"))

	entries, err := f.store.ListAudit(context.Background(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.AuditEntry{{
		Seq: entries[0].Seq, At: now, Actor: admin, Action: "seat.touched", Subject: "zendesk:user:fox@example.com",
		Detail: map[string]string{"command": "seats touch", "platform": "slack", "args": "fox@example.com"},
	}}
	if diff := cmp.Diff(want, entries, cmp.Comparer(func(a, b store.AuditEntry) bool {
		return a.At.Equal(b.At) && a.Seq == b.Seq && a.Actor == b.Actor && a.Action == b.Action && a.Subject == b.Subject && cmp.Equal(a.Detail, b.Detail)
	})); diff != "" {
		t.Errorf("audit trail (-want +got):\n%s", diff)
	}

	t.Run("a change that cannot be audited is not reported as a success", func(t *testing.T) {
		f2 := newFixture(t, fixtureSnapshot())
		d := touch
		d.Middlewares = []Middleware{Audited(brokenAudit{}, "seat.touched", nil)}
		m := ask(f2.router(t, d), admin, "seats touch fox@example.com")
		if !refLine.MatchString(errorLine(t, m)) {
			t.Errorf("reply %q", text(m))
		}
		if !strings.Contains(f2.logs.String(), "audit entry (seat.touched) was not written") {
			t.Errorf("log does not say the audit failed:\n%s", f2.logs.String())
		}
	})
	t.Run("audit without a trail is a start-up error", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("Audited(nil, ...) did not panic")
			}
		}()
		Audited(nil, "x", nil)
	})
}

type brokenAudit struct{ store.Audit }

func (brokenAudit) AppendAudit(context.Context, store.AuditEntry) (store.AuditEntry, error) {
	return store.AuditEntry{}, errors.New("disk full")
}

// TestLoggingMiddleware: one line per command with who, where, what, how
// long and how it ended.
func TestLoggingMiddleware(t *testing.T) {
	f := newFixture(t, fixtureSnapshot())
	r := f.router(t)
	ask(r, admin, "seats inactive 60")
	ask(r, stranger, "seats")
	ask(r, admin, "seats user nope")
	click(r, dana, PageActionID, "inactive:30:1")
	type line struct{ command, user, platform, role, outcome, action string }
	var got []line
	for _, l := range logLines(t, f) {
		if l["msg"] != "command" {
			continue
		}
		if _, ok := l["duration"]; !ok {
			t.Errorf("no duration in %v", l)
		}
		s := func(k string) string { v, _ := l[k].(string); return v }
		got = append(got, line{s("command"), s("user"), s("platform"), s("role"), s("outcome"), s("action")})
	}
	want := []line{
		{"seats inactive", admin, "slack", "admin", "ok", ""},
		{"seats", stranger, "slack", "nobody", "forbidden", ""},
		{"seats user", admin, "slack", "admin", "invalid", ""},
		{"seats inactive", dana, "slack", "owner", "ok", PageActionID},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(line{})); diff != "" {
		t.Errorf("log lines (-want +got):\n%s", diff)
	}
}

func TestErrorType(t *testing.T) {
	cause := io.ErrUnexpectedEOF
	e := Unavailablef("wait %d minutes", 5).WithCause(cause).WithExample("seats")
	if !errors.Is(e, cause) {
		t.Error("the cause is not unwrapped")
	}
	if got, want := e.Error(), "unavailable: wait 5 minutes: unexpected EOF"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	for code, ctor := range map[Code]func(string, ...any) *Error{
		Invalid: Invalidf, NotFound: NotFoundf, Forbidden: Forbiddenf, Conflict: Conflictf, Unavailable: Unavailablef,
	} {
		if got := ctor("x"); got.Code != code || NewError(code, "x").Code != code {
			t.Errorf("constructor for %s made %s", code, got.Code)
		}
	}
	wrapped := fmt.Errorf("outer: %w", NotFoundf("No such seat."))
	f := newFixture(t, nil)
	r := f.router(t, def("find", func(d *Definition) {
		d.Handler = func(context.Context, *Call) (bot.Message, error) { return bot.Message{}, wrapped }
	}))
	if got := errorLine(t, ask(r, admin, "find")); got != "No such seat." {
		t.Errorf("a wrapped *Error is answered as %q", got)
	}
}

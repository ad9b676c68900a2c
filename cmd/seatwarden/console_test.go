package main

import (
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/internal/syncbuf"
)

// runConsole runs "seatwarden console" with envs as the environment and
// input typed on stdin.
func runConsole(t *testing.T, envs map[string]string, input string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut syncbuf.Buffer
	// Logs go to the test's own file, as they go to one in real use.
	args = append([]string{"--log", filepath.Join(t.TempDir(), "console.log")}, args...)
	code = run(context.Background(), append([]string{"console"}, args...), env{
		stdin: strings.NewReader(input), stdout: &out, stderr: &errOut,
		getenv: func(k string) string { return envs[k] },
	})
	return code, out.String(), errOut.String()
}

// wantLines checks that each of want appears in out, in order.
func wantLines(t *testing.T, out string, want ...string) {
	t.Helper()
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("output lacks %q (in order); output:\n%s", w, out)
			return
		}
		rest = rest[i+len(w):]
	}
}

func TestConsoleWithTheEmulator(t *testing.T) {
	// A generated account big enough that the inactive list has pages.
	input := "seats\nseats inactive\n1\n/as priya@acme.example\nseats\nquit\nseats\n"
	code, out, stderr := runConsole(t, map[string]string{}, input, "--users", "2000", "--data-dir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s\nstdout:\n%s", code, stderr, out)
	}
	if !regexp.MustCompile(`(?m)^Synced \d+ paid seats \(\d+ team members\) from the emulated Zendesk \(acme\) in \d+(\.\d+)?m?s\.$`).MatchString(out) {
		t.Errorf("no sync line; output:\n%s", out)
	}
	wantLines(t, out,
		"You are dana@acme.example (admin, default seat owner). /as EMAIL speaks as someone else",
		"Buttons are numbered",
		"dana@acme.example> seats\n(only you can see this)\nSeats: ",
		"Paid seats by role\n  Admins: ",
		"Inactive: ",
		"dana@acme.example> seats inactive\n",
		"Page 1 of 3  [1] Next",
		"dana@acme.example> 1\n(only you can see this · updates the message above)\nInactive seats: ",
		"Seats 21–40 of ",
		"Page 2 of 3  [1] Previous  [2] Next",
		"dana@acme.example> /as priya@acme.example\nYou are now priya@acme.example (neither admin nor seat owner).",
		`priya@acme.example> seats
(only you can see this)

Sorry, "seats" is only for Zendesk admins. Ask one of them if you need it.`,
		"priya@acme.example> quit\n",
	)
	if strings.Count(out, "> seats\n") != 2 {
		t.Errorf("the line after quit was read as a command; output:\n%s", out)
	}
	if stderr != "" {
		t.Errorf("stderr:\n%s", stderr)
	}
}

func TestConsoleSampleAccount(t *testing.T) {
	code, out, stderr := runConsole(t, map[string]string{}, "seats inactive\n/as omar@acme.example\nseats inactive\n", "--data-dir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	wantLines(t, out,
		"from the emulated Zendesk (acme)",
		"in the sample account dana@acme.example is an admin, omar@acme.example owns Tier 2, priya@acme.example is neither",
		"dana@acme.example> seats inactive\n(only you can see this)\nInactive seats: ",
		"Tom Reilly · tom@acme.example",
		"You are now omar@acme.example (owner of Tier 2).",
		"omar@acme.example> seats inactive\n(only you can see this)\nYour inactive seats: 2 ",
		"Tom Reilly · tom@acme.example",
	)
}

// Against a real Zendesk (here the emulator behind ZENDESK_URL) the console
// syncs only when the store has no snapshot yet.
func TestConsoleWithZendesk(t *testing.T) {
	envs, _ := zendeskEnv(t)
	code, _, stderr := runConsole(t, envs, "seats\n")
	if code != 2 || !strings.Contains(stderr, "the policy names no admins, so say who you are: --as EMAIL") {
		t.Errorf("without admins or --as: exit %d, stderr:\n%s", code, stderr)
	}

	code, out, stderr := runConsole(t, envs, "seats\n", "--as", "Priya@Acme.example")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	wantLines(t, out,
		"No seats in the store yet: syncing from Zendesk at "+envs["ZENDESK_URL"]+" first…\nSynced 11 paid seats (15 team members)",
		"You are priya@acme.example (neither admin nor seat owner).",
		`priya@acme.example> seats`, `is only for Zendesk admins`,
	)

	code, out, stderr = runConsole(t, envs, "", "--as", "omar@acme.example")
	if code != 0 {
		t.Fatalf("second run: exit %d; stderr:\n%s", code, stderr)
	}
	if !regexp.MustCompile(`(?m)^Using the seats synced from Zendesk at \S+ less than a minute ago \(.+\); seatwarden run-job sync refreshes them\.$`).MatchString(out) {
		t.Errorf("second run did not use the stored snapshot; output:\n%s", out)
	}
	if strings.Contains(out, "Synced") {
		t.Errorf("second run synced again; output:\n%s", out)
	}
}

func TestConsoleBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--as", "dana"}, `--as "dana" is not an email address`},
		{[]string{"--as", "Dana <dana@acme.example>"}, "is not an email address"},
		{[]string{"seats"}, `unexpected "seats"`},
		{[]string{"--users", "-1"}, "--users must be 0 or more"},
	}
	for _, tt := range tests {
		code, _, stderr := runConsole(t, map[string]string{}, "", tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("console %q: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestConsolePlaysAnApproval: the terminal is the whole workspace. Priya
// asks for an app; its thread appears in the approvals channel with its
// buttons; Dana, an approver, presses Approve; the thread is redrawn and
// Priya's direct message says it is approved. No log line interrupts.
func TestConsolePlaysAnApproval(t *testing.T) {
	in, typing := io.Pipe()
	var out, errOut syncbuf.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"console", "--data-dir", t.TempDir(), "--log", filepath.Join(t.TempDir(), "console.log")},
			env{stdin: in, stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }})
	}()
	typeLines := func(lines ...string) {
		t.Helper()
		if _, err := io.WriteString(typing, strings.Join(lines, "\n")+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	shows := func(s string) func() bool { return func() bool { return strings.Contains(out.String(), s) } }

	waitFor(t, shows("Ctrl-D leaves."))
	typeLines("/as priya@acme.example", "request app", "Timesheet Helper", "1", "Track time per ticket", "", "1", "read", "omar@acme.example", "2027-03-01")
	waitFor(t, shows("── posted in C0APPROVALS"))
	waitFor(t, shows("[1] Approve  [2] Deny  [3] Ask a question"))
	typeLines("/as dana@acme.example", "1")
	waitFor(t, shows("now reads ──"))
	waitFor(t, shows("── direct message to priya@acme.example"))
	typeLines("quit")
	if code := <-done; code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut.String())
	}
	wantLines(t, out.String(),
		"── posted in C0APPROVALS · message ",
		"App install request ",
		"dana@acme.example> 1",
		"now reads ──",
		"✅ Approved by dana@acme.example",
	)
	if strings.Contains(out.String(), `"level"`) || errOut.String() != "" {
		t.Errorf("log lines in the conversation:\nstdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	}
}

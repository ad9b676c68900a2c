package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/console"
	"github.com/seatwarden/seatwarden/bot/teams"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/telemetry"
	"golang.org/x/term"
)

// consoleCmd is a chat shell in the terminal: the real command router with
// the console as its only transport. Without ZENDESK_URL it runs against
// the emulated sample account, like demo; with it, against that Zendesk
// and the configured store.
func consoleCmd(ctx context.Context, args []string, e env) error {
	fs := newFlags("console", "console [--as EMAIL] [--teams] [--data-dir DIR] [--users N] [-v]\n\n"+
		"Chat with the bot in this terminal, as any user. Without ZENDESK_URL it talks to a built-in\n"+
		"Zendesk emulator with a sample account; with it, to that Zendesk and the configured store.", e)
	as := fs.String("as", "", "who you are, by email (default: the policy's first admin; "+demoAdmin.email+" with the emulator)")
	dataDir := fs.String("data-dir", "", "where the embedded store keeps its file (default: SEATWARDEN_DATA_DIR; with the emulator a temporary directory, removed afterwards)")
	users := fs.Int("users", 0, "with the emulator: generate an account with this many users instead of the small sample one")
	asTeams := fs.Bool("teams", false, "draw replies as Microsoft Teams shows them (the text of the Adaptive Cards) instead of the console's layout")
	verbose := fs.Bool("v", false, "also log the bot's info messages (default: warnings and errors only)")
	logPath := fs.String("log", consoleLogPath(), "where the bot's logs go, so they stay out of the conversation; - for the terminal (stderr)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "seatwarden console: unexpected %q; type commands once the console is running\n", fs.Arg(0))
		return errUsage
	}
	if *users < 0 {
		fmt.Fprintln(e.stderr, "seatwarden console: --users must be 0 or more, e.g. --users 2000")
		return errUsage
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	// The terminal is the only transport: whatever the environment says
	// about Slack or Teams, nothing is served or posted.
	cfg.Slack, cfg.Teams = config.Slack{}, config.Teams{}
	logOut := e.stderr
	if *logPath != "-" {
		if err := os.MkdirAll(filepath.Dir(*logPath), 0o700); err != nil {
			return fmt.Errorf("--log: %w", err)
		}
		f, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("--log: %w", err)
		}
		defer f.Close()
		logOut = f
	}
	log, err := consoleLogger(cfg, logOut, *verbose)
	if err != nil {
		return err
	}

	emulated := cfg.Zendesk.URL == ""
	source := "Zendesk at " + cfg.Zendesk.URL
	if emulated {
		org := zendesktest.SampleOrg(time.Now())
		if *users > 0 {
			org = zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: *users, Seed: 1})
		}
		emu := zendesktest.NewServer(org, zendesktest.WithOAuthClient(demoClientID, demoClientSecret, true))
		defer emu.Close()
		if *dataDir == "" {
			tmp, err := os.MkdirTemp("", "seatwarden-console-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			*dataDir = tmp
		}
		useEmulator(cfg, emu.URL)
		source = fmt.Sprintf("the emulated Zendesk (%s)", org.Subdomain)
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}

	speaker := strings.ToLower(*as)
	if speaker == "" {
		speaker = defaultSpeaker(cfg.Policy, emulated)
	}
	if speaker == "" {
		fmt.Fprintln(e.stderr, "seatwarden console: the policy names no admins, so say who you are: --as EMAIL")
		return errUsage
	}
	if a, err := mail.ParseAddress(speaker); err != nil || a.Address != speaker {
		fmt.Fprintf(e.stderr, "seatwarden console: --as %q is not an email address, e.g. --as %s\n", *as, demoAdmin.email)
		return errUsage
	}

	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	who := func(email string) string { return policyRole(cfg.Policy, email) }
	in := e.stdin
	if in == nil {
		in = strings.NewReader("") // no input: the session ends at once
	}
	out := e.stdout
	var editor console.LineEditor
	if t, ok := lineEditor(in, e.stdout); ok {
		// Typing gets line editing and history (the arrow keys recall
		// earlier lines), and what the bot posts meanwhile is drawn above
		// the line being typed.
		out, editor = t, t
	}
	opts := console.Options{
		In:      in,
		Editor:  editor,
		Out:     out,
		Handler: a.router,
		User:    bot.User{ID: speaker, Email: speaker},
		Command: cfg.Policy.Command,
		Echo:    !isTerminal(in),
		Who:     who,
	}
	if *asTeams {
		opts.Draw = drawTeamsCards
	}
	sh, err := console.NewShell(opts)
	if err != nil {
		return err
	}
	// The terminal is the workspace: threads, digests and direct messages
	// the bot posts show here, and their buttons can be pressed.
	a.useNotifier(sh.Notifier())
	if err := prepareSnapshot(ctx, a, source, emulated, out); err != nil {
		return err
	}
	fmt.Fprint(out, consoleBanner(cfg, speaker, who(speaker), emulated))
	if *logPath != "-" {
		fmt.Fprintf(out, "The bot's logs go to %s.\n\n", *logPath)
	}
	if err := sh.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// drawTeamsCards is a reply as Teams shows it: the text of each Adaptive
// Card the Teams transport would send, a form as the card it is drawn on.
func drawTeamsCards(m bot.Message) string {
	var parts []string
	if m.Form != nil {
		if card, err := teams.RenderForm(*m.Form); err == nil {
			parts = append(parts, teams.CardText(card))
		}
	}
	cards, err := teams.RenderMessage(m)
	if err != nil {
		return "(this reply cannot be drawn as a Teams card: " + err.Error() + ")"
	}
	for _, c := range cards {
		parts = append(parts, teams.CardText(c.Card))
	}
	return "┌ Teams card\n" + strings.Join(parts, "\n├ next card\n") + "\n└"
}

// useEmulator points cfg at the emulated account and the embedded store,
// with the demo's policy unless a policy file was given, so the sample
// people have the roles the banner names.
func useEmulator(cfg *config.Config, url string) {
	cfg.Zendesk = config.Zendesk{URL: url, OAuthClientID: demoClientID, OAuthClientSecret: config.NewSecret(demoClientSecret)}
	cfg.Redis = config.Redis{}
	if cfg.PolicyPath == "" {
		cfg.Policy.Timezone = "Europe/Berlin"
		cfg.Policy.Admins = []string{demoAdmin.email}
		cfg.Policy.Owners = []config.Owner{{Group: "Tier 2", Owner: demoOwner.email}, {Default: demoAdmin.email}}
		// Channels the console prints posts to, so requests can be
		// approved and alerts read here; Omar approves beside the admins.
		cfg.Policy.AdminChannel = demoAdminChannel
		cfg.Policy.Approvals.Channel = demoApprovalsChannel
		cfg.Policy.Approvals.Approvers = []string{demoOwner.email}
	}
}

// prepareSnapshot makes sure the commands have seats to answer from: the
// emulator always syncs, since its account is new each run; a real Zendesk
// is synced only when the store has no usable snapshot, so starting the
// console does not cost a full export every time.
func prepareSnapshot(ctx context.Context, a *app, source string, emulated bool, out io.Writer) error {
	if !emulated {
		snap, err := a.store.LoadSnapshot(ctx, connector.Zendesk)
		switch {
		case err == nil:
			fmt.Fprintf(out, "Using the seats synced from %s %s ago (%s); seatwarden run-job sync refreshes them.\n",
				source, age(a.now().Sub(snap.SyncedAt)), snap.SyncedAt.In(a.cfg.Policy.Location()).Format("Mon 2 Jan 15:04 MST"))
			return nil
		case !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrUnreadable):
			return err
		}
		fmt.Fprintf(out, "No seats in the store yet: syncing from %s first…\n", source)
	}
	results := make(chan seats.SyncResult, 1)
	a.onSync = func(r seats.SyncResult) {
		select {
		case results <- r:
		default:
		}
	}
	defer func() { a.onSync = nil }()
	if err := runSoon(ctx, a); err != nil {
		return fmt.Errorf("sync from %s: %w", source, err)
	}
	select {
	case r := <-results:
		paid := 0
		if r.Snapshot != nil {
			if sum, err := seats.Summarize(ctx, a.store, r.Snapshot.Connector, wiring.SeatPolicy(a.cfg.Policy), a.now()); err == nil {
				paid = sum.Paid.Seats
			}
		}
		fmt.Fprintf(out, "Synced %d paid %s (%d team %s) from %s in %s.\n",
			paid, plural(paid, "seat", "seats"), r.StaffAfter, plural(r.StaffAfter, "member", "members"), source, r.Duration.Round(time.Millisecond))
	default:
		// The job ran but reported nothing (it only reports a saved
		// snapshot); the commands say so if there are no seats.
		fmt.Fprintf(out, "Synced from %s.\n", source)
	}
	return nil
}

// defaultSpeaker is who the console speaks as without --as: the first
// admin, so every command can be tried; with the emulator and a policy
// without admins, the sample account's admin.
func defaultSpeaker(p config.Policy, emulated bool) string {
	if len(p.Admins) > 0 {
		return strings.ToLower(p.Admins[0])
	}
	if emulated {
		return demoAdmin.email
	}
	return ""
}

// policyRole says what the policy makes someone, for the banner and /as.
func policyRole(p config.Policy, email string) string {
	var roles []string
	if slices.ContainsFunc(p.Admins, func(a string) bool { return strings.EqualFold(a, email) }) {
		roles = append(roles, "admin")
	}
	var groups []string
	for _, o := range p.Owners {
		switch {
		case o.Default != "" && strings.EqualFold(o.Default, email):
			roles = append(roles, "default seat owner")
		case o.Group != "" && strings.EqualFold(o.Owner, email):
			groups = append(groups, o.Group)
		}
	}
	if len(groups) > 0 {
		roles = append(roles, "owner of "+strings.Join(groups, ", "))
	}
	if len(roles) == 0 {
		return "neither admin nor seat owner"
	}
	return strings.Join(roles, ", ")
}

func consoleBanner(cfg *config.Config, speaker, role string, emulated bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nseatwarden console: chat with the bot here as you would in Slack or Teams.\n")
	fmt.Fprintf(&b, "You are %s (%s). /as EMAIL speaks as someone else", speaker, role)
	if emulated && cfg.PolicyPath == "" {
		fmt.Fprintf(&b, ": in the sample account %s is an admin, %s owns Tier 2, %s is neither",
			demoAdmin.email, demoOwner.email, demoStranger.email)
	}
	fmt.Fprintf(&b, ".\nType commands with or without %s, e.g. help or seats. Buttons are numbered: type a number to press one.\n", cfg.Policy.Command)
	fmt.Fprintf(&b, "exit, quit or Ctrl-D leaves.\n\n")
	return b.String()
}

// consoleLogger logs to w as configured, but below warnings only with -v:
// the conversation is what the console is for.
func consoleLogger(cfg *config.Config, w io.Writer, verbose bool) (*slog.Logger, error) {
	level := cfg.LogLevel
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err == nil && !verbose && lv < slog.LevelWarn {
		level = "warn"
	}
	return telemetry.NewLogger(w, level, cfg.LogFormat)
}

// lineEditor is a line editor with history over an interactive terminal
// (stdin and stdout both one); false for piped input or output. The
// terminal is raw only while a line is typed, so Ctrl-C interrupts a long
// command as a signal and other output needs no translating.
func lineEditor(in io.Reader, out io.Writer) (*rawLines, bool) {
	inFile, ok1 := in.(*os.File)
	outFile, ok2 := out.(*os.File)
	if !ok1 || !ok2 || !term.IsTerminal(int(inFile.Fd())) || !term.IsTerminal(int(outFile.Fd())) {
		return nil, false
	}
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{inFile, outFile}, "")
	if w, h, err := term.GetSize(int(outFile.Fd())); err == nil {
		_ = t.SetSize(w, h)
	}
	return &rawLines{Terminal: t, fd: int(inFile.Fd())}, true
}

// rawLines reads each line with the terminal in raw mode, and puts it
// back once the line is read.
type rawLines struct {
	*term.Terminal
	fd int
}

// ReadLine reads one line with editing and history.
func (r *rawLines) ReadLine() (string, error) {
	state, err := term.MakeRaw(r.fd)
	if err != nil {
		return "", err
	}
	defer func() { _ = term.Restore(r.fd, state) }()
	return r.Terminal.ReadLine()
}

// consoleLogPath is where the console's logs go by default: the user's
// cache directory, private to them, not a shared temporary one.
func consoleLogPath() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "seatwarden-console.log"
	}
	return filepath.Join(dir, "seatwarden", "console.log")
}

// isTerminal reports whether r is a terminal, which echoes typing itself.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// age is a duration as people say it: "5 minutes", "3 hours", "2 days".
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		n := int(d / time.Minute)
		return fmt.Sprintf("%d %s", n, plural(n, "minute", "minutes"))
	case d < 48*time.Hour:
		n := int(d / time.Hour)
		return fmt.Sprintf("%d %s", n, plural(n, "hour", "hours"))
	}
	n := int(d / (24 * time.Hour))
	return fmt.Sprintf("%d days", n)
}

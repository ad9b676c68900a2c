// Command seatwarden is the bot: one binary with subcommands to serve, run a
// job once, check a deployment, and demo the whole thing with no accounts.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/seatwarden/seatwarden/internal/editdist"
)

const usage = `seatwarden keeps your Zendesk seats and access honest, from Slack and Teams.

Usage:
  seatwarden [--config PATH] COMMAND [flags]

Commands:
  serve            run the bot: HTTP endpoints, job scheduler, graceful shutdown
  run-job NAME     run one job now and exit (sync, inactive-digest, token-digest, reminders, access-expiry,
                   privilege-review, verify-expiry, identity-sync, retention, audit-watch,
                   posture-digest)
  doctor           check config, store, Zendesk, GitHub, Slack and Teams; one line per check
  demo             run the bot against built-in emulators and print what happens
  console          chat with the bot in this terminal, as any user
  emulate zendesk  serve an emulated Zendesk account on this machine (for trying things out)
  emulate github   serve an emulated GitHub organisation on this machine
  store rekey      re-seal stored data under the current SEATWARDEN_ENCRYPTION_KEY
  audit export     write the audit trail to standard output (JSON lines or CSV)
  version          print version, commit and Go version

Global flags:
  --config PATH    policy file (YAML); env SEATWARDEN_CONFIG. Optional: every key has a default.

Secrets and endpoints come from the environment (ZENDESK_URL, ZENDESK_OAUTH_CLIENT_ID, ...);
see README.md. Run "seatwarden COMMAND -h" for a command's flags.
`

// cliCommands are the commands run dispatches, for suggestions.
var cliCommands = []string{"serve", "run-job", "doctor", "demo", "console", "emulate", "store", "audit", "version", "help"}

// env is how commands read the environment, so tests can pass their own.
type env struct {
	stdin          io.Reader // the console's input
	stdout, stderr io.Writer
	getenv         func(string) string
	// configPath is the --config flag, accepted before or after the
	// command name.
	configPath *string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
}

// errUsage marks errors already explained to the user; exit code 2.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, e env) int {
	global := flag.NewFlagSet("seatwarden", flag.ContinueOnError)
	global.SetOutput(e.stderr)
	global.Usage = func() { fmt.Fprint(e.stderr, usage) }
	e.configPath = global.String("config", "", "policy file (YAML)")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	rest := global.Args()
	if len(rest) == 0 {
		fmt.Fprint(e.stderr, usage)
		return 2
	}
	cmd, cmdArgs := rest[0], rest[1:]
	var err error
	switch cmd {
	case "serve":
		err = serveCmd(ctx, cmdArgs, e)
	case "run-job":
		err = runJobCmd(ctx, cmdArgs, e)
	case "doctor":
		err = doctorCmd(ctx, cmdArgs, e)
	case "demo":
		err = demoCmd(ctx, cmdArgs, e)
	case "console":
		err = consoleCmd(ctx, cmdArgs, e)
	case "emulate":
		err = emulateCmd(ctx, cmdArgs, e)
	case "store":
		err = storeCmd(ctx, cmdArgs, e)
	case "audit":
		err = auditCmd(ctx, cmdArgs, e)
	case "version":
		fmt.Fprintln(e.stdout, versionString())
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
	default:
		// A typo gets a line, not the whole usage: "help" has that.
		hint := "."
		if near, ok := editdist.Closest(strings.ToLower(cmd), cliCommands); ok {
			hint = fmt.Sprintf("; did you mean %q?", near)
		}
		fmt.Fprintf(e.stderr, "seatwarden: unknown command %q%s Run \"seatwarden help\" for every command.\n", cmd, hint)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	default:
		fmt.Fprintf(e.stderr, "seatwarden %s: %s\n", cmd, indentAfterFirst(err.Error()))
		return 1
	}
}

// indentAfterFirst keeps multi-line errors (config problems) readable.
func indentAfterFirst(s string) string {
	return strings.ReplaceAll(s, "\n", "\n  ")
}

// newFlags makes a subcommand's flag set with usage text.
func newFlags(name, synopsis string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	if e.configPath != nil {
		fs.StringVar(e.configPath, "config", *e.configPath, "policy file (YAML); env SEATWARDEN_CONFIG")
	}
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: seatwarden %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
		// "store rekey" and "emulate github" read as their first word.
		printEnvironment(e.stderr, strings.Fields(name)[0])
	}
	return fs
}

// parseFlags parses and turns a bad flag into errUsage (already printed).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

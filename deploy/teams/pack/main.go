// Command pack builds the Microsoft Teams app package for seatwarden: it
// fills deploy/teams/manifest.json in with the bot's app id, public host and
// version, checks the manifest and icons against the limits Teams enforces,
// and writes a zip with manifest.json and the two icons at its root, ready
// to upload (README.md: "Connect to Microsoft Teams").
//
//	go run ./deploy/teams/pack -app-id GUID -domain bot.example.com -version 1.0.0 -out dist/seatwarden-teams.zip
//
// -app-id and -domain fall back to TEAMS_APP_ID and SEATWARDEN_PUBLIC_HOST,
// -version to TEAMS_APP_VERSION and then 1.0.0. With -icons it redraws
// color.png and outline.png in -dir instead of packaging.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

const usage = `Usage: go run ./deploy/teams/pack -app-id GUID -domain HOST [-version X.Y.Z] [-out FILE]
       go run ./deploy/teams/pack -icons

Builds the Teams app package from deploy/teams/manifest.json and its icons.
`

// run is the whole command; getenv and the writers are the process's own in
// main and a test's in tests. It returns the exit code.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	appID := fs.String("app-id", "", "the Azure Bot's Microsoft App ID, a GUID (env "+envAppID+")")
	domain := fs.String("domain", "", "the bot's public host name, without https:// or a path (env "+envHost+")")
	version := fs.String("version", "", "the app's version, MAJOR.MINOR.PATCH; raise it for every upload (env "+envVersion+", default "+defaultVersion+")")
	out := fs.String("out", filepath.Join("dist", "seatwarden-teams.zip"), "the zip to write")
	dir := fs.String("dir", filepath.Join("deploy", "teams"), "the directory holding manifest.json and the icons")
	icons := fs.Bool("icons", false, "redraw color.png and outline.png in -dir, then exit")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 1
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pack: unexpected argument %q; every value is a flag, e.g. -domain bot.example.com\n", fs.Arg(0))
		return 1
	}

	if *icons {
		if err := writeIcons(*dir); err != nil {
			fmt.Fprintf(stderr, "pack: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s and %s\n", filepath.Join(*dir, colorIconFile), filepath.Join(*dir, outlineIconFile))
		return 0
	}

	in := resolveInputs(*appID, *domain, *version, getenv)
	if problems := in.check(); len(problems) > 0 {
		report(stderr, problems)
		return 1
	}
	pkg, problems := build(*dir, in)
	if len(problems) > 0 {
		report(stderr, problems)
		return 1
	}
	if err := pkg.write(*out); err != nil {
		fmt.Fprintf(stderr, "pack: -out: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s: app %s, host %s, version %s, manifest schema %s\n",
		*out, in.appID.value, in.host.value, in.version.value, schemaVersion)
	return 0
}

// report prints one line per problem, so each names its flag or field.
func report(w io.Writer, problems []string) {
	for _, p := range problems {
		fmt.Fprintf(w, "pack: %s\n", p)
	}
}

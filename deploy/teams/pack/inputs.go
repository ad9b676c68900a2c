package main

import (
	"fmt"
	"regexp"
	"strings"
)

// The environment variables the flags fall back to: the first two are the
// ones the bot itself and the Makefile read.
const (
	envAppID       = "TEAMS_APP_ID"
	envHost        = "SEATWARDEN_PUBLIC_HOST"
	envVersion     = "TEAMS_APP_VERSION"
	defaultVersion = "1.0.0"
)

// Examples quoted in error messages.
const (
	exampleAppID   = "00000000-0000-0000-0000-000000000001"
	exampleHost    = "bot.example.com"
	exampleVersion = "1.0.0"
)

var (
	guidPattern   = regexp.MustCompile(`^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$`)
	semverPattern = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)
	labelPattern  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
)

// input is one value and where it came from, so a complaint about it names
// the flag or the environment variable the person actually set.
type input struct {
	value  string
	flag   string // "-app-id"
	env    string // "TEAMS_APP_ID"
	source string // flag or env, whichever gave value; flag when neither did
}

func (in input) example(v string) string {
	if in.source == in.env {
		return in.env + "=" + v
	}
	return in.flag + " " + v
}

// inputs are the values substituted into the manifest template.
type inputs struct {
	appID, host, version input
}

// resolveInputs takes each flag, else its environment variable; an empty
// flag counts as absent, which is what make passes for an unset variable.
func resolveInputs(appID, host, version string, getenv func(string) string) inputs {
	pick := func(flagValue, flagName, env string) input {
		in := input{value: strings.TrimSpace(flagValue), flag: flagName, env: env, source: flagName}
		if in.value == "" {
			if v := strings.TrimSpace(getenv(env)); v != "" {
				in.value, in.source = v, env
			}
		}
		return in
	}
	in := inputs{
		appID:   pick(appID, "-app-id", envAppID),
		host:    pick(host, "-domain", envHost),
		version: pick(version, "-version", envVersion),
	}
	if in.version.value == "" {
		in.version.value = defaultVersion
	}
	// Host names are case-insensitive; Teams compares validDomains in lower case.
	in.host.value = strings.ToLower(in.host.value)
	return in
}

// check returns one line per bad value. Every accepted value is also safe
// to put inside a JSON string unescaped.
func (in inputs) check() []string {
	var problems []string
	if p := appIDProblem(in.appID); p != "" {
		problems = append(problems, p)
	}
	if p := hostProblem(in.host); p != "" {
		problems = append(problems, p)
	}
	if p := versionProblem(in.version); p != "" {
		problems = append(problems, p)
	}
	return problems
}

func appIDProblem(in input) string {
	switch {
	case in.value == "":
		return fmt.Sprintf("%s is required: the Azure Bot's Microsoft App ID, set %s or pass e.g. -app-id %s", in.flag, in.env, exampleAppID)
	case !guidPattern.MatchString(in.value):
		return fmt.Sprintf("%s: %q is not a GUID; use the Azure Bot's Microsoft App ID, e.g. %s", in.source, in.value, in.example(exampleAppID))
	}
	return ""
}

func hostProblem(in input) string {
	if in.value == "" {
		return fmt.Sprintf("%s is required: the bot's public host name, set %s or pass e.g. -domain %s", in.flag, in.env, exampleHost)
	}
	if reason := hostNameProblem(in.value); reason != "" {
		return fmt.Sprintf("%s: %q %s; give the bare host name of https://HOST/api/messages, e.g. %s", in.source, in.value, reason, in.example(exampleHost))
	}
	return ""
}

// hostNameProblem says what keeps h from being a bare DNS host name, or "".
func hostNameProblem(h string) string {
	switch {
	case strings.Contains(h, "://"):
		return "has a scheme"
	case strings.ContainsAny(h, "/?#"):
		return "has a path"
	case strings.Contains(h, "@"):
		return "has a user name"
	case strings.Contains(h, ":") || strings.ContainsAny(h, "[]"):
		return "has a port or is an IPv6 address"
	case strings.Contains(h, "*"):
		return "is a wildcard"
	case len(h) > 253:
		return "is longer than 253 characters"
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return "is not a fully qualified name"
	}
	for _, l := range labels {
		if len(l) > 63 || !labelPattern.MatchString(l) {
			return "is not a valid host name"
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "is an IP address, not a host name"
	}
	return ""
}

func versionProblem(in input) string {
	if !semverPattern.MatchString(in.value) {
		return fmt.Sprintf("%s: %q is not a version MAJOR.MINOR.PATCH (numbers only, no leading v); e.g. %s", in.source, in.value, in.example(exampleVersion))
	}
	return ""
}

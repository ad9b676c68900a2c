package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	testAppID = "6f0c3a52-8e1d-4f7b-9a40-2c1d5e7f9b13"
	testHost  = "seatwarden.acme.example"
)

// templateDir is deploy/teams, where the shipped template and icons live.
var templateDir = filepath.Join("..")

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func runPack(t *testing.T, args []string, env map[string]string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, envOf(env), &out, &errOut)
	return code, out.String(), errOut.String()
}

// readPackage opens the zip and returns its entry names, in order, and
// their contents.
func readPackage(t *testing.T, path string) ([]string, map[string][]byte) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer zr.Close()
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		files[f.Name] = b
	}
	return names, files
}

func TestRunWritesPackage(t *testing.T) {
	tests := []struct {
		name                 string
		args                 []string
		env                  map[string]string
		appID, host, version string
	}{
		{
			name:  "flags",
			args:  []string{"-app-id", testAppID, "-domain", testHost, "-version", "2.3.4"},
			appID: testAppID, host: testHost, version: "2.3.4",
		},
		{
			name:  "environment when flags are absent",
			env:   map[string]string{envAppID: testAppID, envHost: testHost, envVersion: "1.2.0"},
			appID: testAppID, host: testHost, version: "1.2.0",
		},
		{
			name:  "empty flags fall back to the environment, as make passes them",
			args:  []string{"-app-id", "", "-domain", "", "-version", ""},
			env:   map[string]string{envAppID: testAppID, envHost: testHost},
			appID: testAppID, host: testHost, version: defaultVersion,
		},
		{
			name:  "flags win over the environment",
			args:  []string{"-app-id", testAppID, "-domain", testHost},
			env:   map[string]string{envAppID: "00000000-0000-0000-0000-000000000009", envHost: "other.example.com"},
			appID: testAppID, host: testHost, version: defaultVersion,
		},
		{
			name:  "host in capitals is lowered",
			args:  []string{"-app-id", testAppID, "-domain", "SeatWarden.ACME.example"},
			appID: testAppID, host: testHost, version: defaultVersion,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "dist", "seatwarden-teams.zip")
			args := append([]string{"-dir", templateDir, "-out", out}, tt.args...)
			code, stdout, stderr := runPack(t, args, tt.env)
			if code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr)
			}
			if !strings.Contains(stdout, "wrote "+out) {
				t.Errorf("stdout %q does not name the package", stdout)
			}

			names, files := readPackage(t, out)
			if want := []string{"manifest.json", "color.png", "outline.png"}; strings.Join(names, ",") != strings.Join(want, ",") {
				t.Fatalf("zip holds %v, want %v at its root", names, want)
			}
			var m map[string]any
			if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
				t.Fatalf("manifest.json in the zip: %v", err)
			}
			if m["id"] != tt.appID {
				t.Errorf("id = %v, want %s", m["id"], tt.appID)
			}
			bot := m["bots"].([]any)[0].(map[string]any)
			if bot["botId"] != tt.appID {
				t.Errorf("bots[0].botId = %v, want %s", bot["botId"], tt.appID)
			}
			if got := m["validDomains"].([]any); len(got) != 1 || got[0] != tt.host {
				t.Errorf("validDomains = %v, want [%s]", got, tt.host)
			}
			if m["version"] != tt.version {
				t.Errorf("version = %v, want %s", m["version"], tt.version)
			}
			if m["manifestVersion"] != schemaVersion {
				t.Errorf("manifestVersion = %v, want %s", m["manifestVersion"], schemaVersion)
			}
			if bytes.Contains(files["manifest.json"], []byte("${{")) {
				t.Errorf("a placeholder is left in manifest.json:\n%s", files["manifest.json"])
			}
			for _, icon := range []string{"color.png", "outline.png"} {
				shipped, err := os.ReadFile(filepath.Join(templateDir, icon))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(files[icon], shipped) {
					t.Errorf("%s in the zip differs from deploy/teams/%s", icon, icon)
				}
			}
		})
	}
}

func TestRunIsReproducible(t *testing.T) {
	dir := t.TempDir()
	var zips [2][]byte
	for i := range zips {
		out := filepath.Join(dir, "p.zip")
		if code, _, stderr := runPack(t, []string{"-dir", templateDir, "-out", out, "-app-id", testAppID, "-domain", testHost}, nil); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		zips[i] = b
	}
	if !bytes.Equal(zips[0], zips[1]) {
		t.Error("two runs with the same inputs wrote different zips")
	}
}

func TestRunRejectsInputs(t *testing.T) {
	valid := []string{"-app-id", testAppID, "-domain", testHost}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"app id missing", []string{"-domain", testHost}, nil,
			"pack: -app-id is required: the Azure Bot's Microsoft App ID, set TEAMS_APP_ID or pass e.g. -app-id 00000000-0000-0000-0000-000000000001"},
		{"app id not a GUID", []string{"-app-id", "seatwarden", "-domain", testHost}, nil,
			`pack: -app-id: "seatwarden" is not a GUID; use the Azure Bot's Microsoft App ID, e.g. -app-id 00000000-0000-0000-0000-000000000001`},
		{"app id from the environment not a GUID", []string{"-domain", testHost}, map[string]string{envAppID: "6f0c3a52"},
			`pack: TEAMS_APP_ID: "6f0c3a52" is not a GUID; use the Azure Bot's Microsoft App ID, e.g. TEAMS_APP_ID=00000000-0000-0000-0000-000000000001`},
		{"domain missing", []string{"-app-id", testAppID}, nil,
			"pack: -domain is required: the bot's public host name, set SEATWARDEN_PUBLIC_HOST or pass e.g. -domain bot.example.com"},
		{"domain with scheme", []string{"-app-id", testAppID, "-domain", "https://bot.example.com"}, nil,
			`pack: -domain: "https://bot.example.com" has a scheme; give the bare host name of https://HOST/api/messages, e.g. -domain bot.example.com`},
		{"domain with path", []string{"-app-id", testAppID, "-domain", "bot.example.com/api/messages"}, nil,
			`-domain: "bot.example.com/api/messages" has a path`},
		{"domain with port", []string{"-app-id", testAppID, "-domain", "bot.example.com:443"}, nil,
			`-domain: "bot.example.com:443" has a port or is an IPv6 address`},
		{"domain from the environment with scheme", []string{"-app-id", testAppID}, map[string]string{envHost: "http://bot.example.com"},
			`pack: SEATWARDEN_PUBLIC_HOST: "http://bot.example.com" has a scheme; give the bare host name of https://HOST/api/messages, e.g. SEATWARDEN_PUBLIC_HOST=bot.example.com`},
		{"domain a single label", []string{"-app-id", testAppID, "-domain", "localhost"}, nil,
			`-domain: "localhost" is not a fully qualified name`},
		{"domain an IP address", []string{"-app-id", testAppID, "-domain", "203.0.113.7"}, nil,
			`-domain: "203.0.113.7" is an IP address, not a host name`},
		{"domain a wildcard", []string{"-app-id", testAppID, "-domain", "*.example.com"}, nil,
			`-domain: "*.example.com" is a wildcard`},
		{"domain with bad characters", []string{"-app-id", testAppID, "-domain", "bot_1.example.com"}, nil,
			`-domain: "bot_1.example.com" is not a valid host name`},
		{"version two parts", append([]string{"-version", "1.0"}, valid...), nil,
			`pack: -version: "1.0" is not a version MAJOR.MINOR.PATCH (numbers only, no leading v); e.g. -version 1.0.0`},
		{"version with v", append([]string{"-version", "v1.0.0"}, valid...), nil,
			`-version: "v1.0.0" is not a version MAJOR.MINOR.PATCH`},
		{"version from the environment", valid, map[string]string{envVersion: "1.0.0-beta"},
			`pack: TEAMS_APP_VERSION: "1.0.0-beta" is not a version MAJOR.MINOR.PATCH (numbers only, no leading v); e.g. TEAMS_APP_VERSION=1.0.0`},
		{"stray argument", append(valid, "bot.example.com"), nil,
			`pack: unexpected argument "bot.example.com"; every value is a flag, e.g. -domain bot.example.com`},
		{"unknown flag", append(valid, "-host", "bot.example.com"), nil,
			"flag provided but not defined: -host"},
		{"template directory missing", append(valid, "-dir", "no-such-dir"), nil,
			"pack: manifest.json: no such file or directory (is -dir no-such-dir the directory holding it?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "p.zip")
			args := append([]string{"-dir", templateDir, "-out", out}, tt.args...)
			code, stdout, stderr := runPack(t, args, tt.env)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr:\n%s\nwant it to contain:\n%s", stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a package was written despite the error")
			}
		})
	}
}

func TestRunReportsEveryBadInput(t *testing.T) {
	code, _, stderr := runPack(t, []string{"-dir", templateDir, "-out", filepath.Join(t.TempDir(), "p.zip"), "-version", "1"}, nil)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 3 {
		t.Fatalf("want one line each for -app-id, -domain and -version, got:\n%s", stderr)
	}
	for i, flag := range []string{"-app-id", "-domain", "-version"} {
		if !strings.HasPrefix(lines[i], "pack: "+flag) {
			t.Errorf("line %d = %q, want it about %s", i+1, lines[i], flag)
		}
	}
}

func TestRunRedrawsIcons(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runPack(t, []string{"-icons", "-dir", dir}, nil)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, filepath.Join(dir, "color.png")) || !strings.Contains(stdout, filepath.Join(dir, "outline.png")) {
		t.Errorf("stdout %q does not name both icons", stdout)
	}
	for name, check := range map[string]func(string, []byte) string{"color.png": checkColorIcon, "outline.png": checkOutlineIcon} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if p := check(name, b); p != "" {
			t.Errorf("redrawn %s: %s", name, p)
		}
	}
}

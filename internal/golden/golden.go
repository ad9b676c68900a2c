// Package golden compares rendered output with files under testdata, the
// way the repository's tests check every message a person is shown.
package golden

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Update rewrites the golden files with the current output: go test -update.
var Update = flag.Bool("update", false, "rewrite golden files with the current output")

// JSON compares v, as indented JSON, with
// testdata/<TestName>/<subtest>.golden.json ("reply" for a test without
// subtests), rewriting it under -update. Reviewing a diff of these files is
// reviewing what a person is told.
func JSON(t testing.TB, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	File(t, Path(t, ".golden.json"), append(got, '\n'))
}

// Path is testdata/<TestName>/<subtest><ext> for t, with the subtest's
// name reduced to characters every file system takes.
func Path(t testing.TB, ext string) string {
	test, sub, _ := strings.Cut(t.Name(), "/")
	if sub == "" {
		sub = "reply"
	}
	file := strings.Map(func(r rune) rune {
		switch {
		case r == '/':
			return '_'
		case r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			return r
		}
		return -1
	}, sub)
	return filepath.Join("testdata", test, file+ext)
}

// File compares got with the file at path, rewriting it under -update.
func File(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (run with -update and review the diff; -want +got):\n%s", path, diff)
	}
}

// shortcode is a Slack emoji shortcode standing as a word (":warning:"),
// not a time or an id with colons in it.
var shortcode = regexp.MustCompile(`(?:^|[\s"(>])(:[a-z][a-z0-9_+-]*:)(?:[\s"),.]|$)`)

// NoShortcodes fails for every Slack emoji shortcode in the neutral
// messages under testdata (the *.golden.json files, not a transport's
// rendering): only Slack reads shortcodes, so the neutral model carries
// emoji as Unicode, which every transport shows.
func NoShortcodes(t testing.TB) {
	t.Helper()
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".golden.json") ||
			strings.HasSuffix(path, ".slack.golden.json") || strings.HasSuffix(path, ".teams.golden.json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range shortcode.FindAllStringSubmatch(string(data), -1) {
			t.Errorf("%s: the shortcode %s shows as typed outside Slack; write the emoji itself", path, m[1])
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

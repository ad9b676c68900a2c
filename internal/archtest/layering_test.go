// Package archtest holds tests of the package layout itself: the arrows go
// transports → commands/jobs → domain → integrations/store, never back.
package archtest

import (
	"go/build"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/seatwarden/seatwarden"

var chatSDKs = []string{"github.com/slack-go/slack", "github.com/infracloudio/msbotbuilder-go"}

// imports returns every package pkg depends on, directly or through other
// packages of this module (test files excluded).
func imports(t *testing.T, root, pkg string) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		dir := filepath.Join(root, strings.TrimPrefix(strings.TrimPrefix(p, module), "/"))
		bp, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, imp := range bp.Imports {
			if seen[imp] {
				continue
			}
			seen[imp] = true
			if strings.HasPrefix(imp, module+"/") {
				walk(imp)
			}
		}
	}
	walk(pkg)
	return seen
}

func TestLayering(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	tests := []struct {
		pkg       string
		forbidden []string // import path prefixes
	}{
		// commands and jobs speak the neutral model in bot, never an adapter.
		// commands get the policy already translated into domain terms.
		{"commands", append([]string{module + "/bot/slack", module + "/bot/teams", module + "/cmd", module + "/config"}, chatSDKs...)},
		{"jobs", append([]string{module + "/bot/slack", module + "/bot/teams", module + "/commands", module + "/cmd"}, chatSDKs...)},
		{"bot", append([]string{module + "/commands", module + "/jobs", module + "/store", module + "/integrations", module + "/cmd"}, chatSDKs...)},
		// The Teams transport knows the store only for references and
		// dedupe; it answers through the Handler, never commands or jobs.
		{"bot/teams", []string{module + "/commands", module + "/jobs", module + "/integrations", module + "/cmd", module + "/bot/slack", module + "/seats", module + "/reviews", module + "/prompts", "github.com/slack-go/slack"}},
		// The domain reaches a SaaS only through the connector package's
		// interfaces, which the integrations implement.
		{"seats", append([]string{module + "/bot", module + "/commands", module + "/jobs", module + "/cmd", module + "/integrations", module + "/config"}, chatSDKs...)},
		{"credentials", append([]string{module + "/bot", module + "/commands", module + "/jobs", module + "/cmd", module + "/integrations", module + "/config"}, chatSDKs...)},
		{"prompts", append([]string{module + "/bot/slack", module + "/bot/teams", module + "/commands", module + "/jobs", module + "/cmd"}, chatSDKs...)},
		{"reviews", append([]string{module + "/bot", module + "/commands", module + "/jobs", module + "/cmd", module + "/config", module + "/integrations"}, chatSDKs...)},
		{"access", append([]string{module + "/bot", module + "/commands", module + "/jobs", module + "/cmd", module + "/config", module + "/integrations", module + "/prompts"}, chatSDKs...)},
		{"verify", append([]string{module + "/bot", module + "/commands", module + "/jobs", module + "/cmd", module + "/config", module + "/integrations", module + "/prompts"}, chatSDKs...)},
		{"watch", append([]string{module + "/bot", module + "/commands", module + "/jobs", module + "/cmd", module + "/config", module + "/integrations", module + "/prompts"}, chatSDKs...)},
		{"posture", append([]string{module + "/bot", module + "/commands", module + "/jobs", module + "/cmd", module + "/config", module + "/integrations", module + "/prompts"}, chatSDKs...)},
		{"audit", append([]string{module + "/bot", module + "/commands", module + "/jobs", module + "/cmd", module + "/config", module + "/integrations", module + "/prompts"}, chatSDKs...)},
		{"stepup", append([]string{module + "/bot", module + "/commands", module + "/jobs", module + "/cmd", module + "/config", module + "/integrations", module + "/prompts", module + "/server"}, chatSDKs...)},
		// The step-up pages reach the provider through their own interface.
		{"server/stepuppage", append([]string{module + "/commands", module + "/jobs", module + "/cmd", module + "/config", module + "/integrations", module + "/approvals"}, chatSDKs...)},
		// The domain's seam to a SaaS: integrations implement it, it
		// depends on nothing of ours.
		{"connector", []string{module}},
		{"approvals", append([]string{module + "/bot", module + "/commands", module + "/jobs", module + "/cmd", module + "/config", module + "/prompts", module + "/integrations"}, chatSDKs...)},
		{"store", append([]string{module + "/bot", module + "/commands", module + "/jobs", module + "/seats", module + "/integrations", module + "/config"}, chatSDKs...)},
		// config reads the operator's file; internal/wiring turns it into
		// each domain's policy, so config knows no domain package.
		{"config", append([]string{module + "/seats", module + "/reviews", module + "/credentials", module + "/approvals", module + "/store", module + "/bot", module + "/commands", module + "/jobs", module + "/integrations"}, chatSDKs...)},
		{"people", []string{module}}, // a leaf: every package may name people
		// wiring translates the policy into domain terms; the names a
		// connector prices (Copilot seats) are the domain's too.
		{"internal/wiring", append([]string{module + "/integrations", module + "/bot", module + "/commands", module + "/jobs", module + "/cmd"}, chatSDKs...)},
		{"integrations/zendesk", append([]string{module + "/bot", module + "/commands", module + "/jobs", module + "/seats", module + "/store", module + "/config"}, chatSDKs...)},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			// imports fails the test when the package has no Go files, so a
			// mistyped path cannot pass silently.
			deps := imports(t, root, module+"/"+tt.pkg)
			var bad []string
			for dep := range deps {
				for _, f := range tt.forbidden {
					if dep == f || strings.HasPrefix(dep, f+"/") {
						bad = append(bad, dep)
					}
				}
			}
			slices.Sort(bad)
			if len(bad) > 0 {
				t.Errorf("%s must not depend on %v", tt.pkg, bad)
			}
		})
	}
}

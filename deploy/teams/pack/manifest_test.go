package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testInputs() inputs {
	return resolveInputs(testAppID, testHost, "1.4.2", envOf(nil))
}

// shippedManifest is deploy/teams/manifest.json filled in with testInputs.
func shippedManifest(t *testing.T) *manifest {
	t.Helper()
	template, err := os.ReadFile(filepath.Join(templateDir, manifestFile))
	if err != nil {
		t.Fatal(err)
	}
	filled, err := render(template, testInputs())
	if err != nil {
		t.Fatal(err)
	}
	m, err := parseManifest(filled)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestShippedManifestPasses(t *testing.T) {
	m := shippedManifest(t)
	if p := m.check(testInputs()); len(p) > 0 {
		t.Fatalf("deploy/teams/manifest.json:\n%s", strings.Join(p, "\n"))
	}
	if got := m.Bots[0].Scopes; strings.Join(got, ",") != "personal,team,groupChat" {
		t.Errorf("bot scopes = %v", got)
	}
	if len(m.Bots[0].CommandLists) != 2 {
		t.Errorf("want a personal and a team/groupChat command list, got %d lists", len(m.Bots[0].CommandLists))
	}
}

// Each case breaks one rule in the shipped manifest and expects the line
// that names the field.
func TestManifestChecks(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	commands := func(n int) []command {
		var cs []command
		for i := 0; i < n; i++ {
			cs = append(cs, command{Title: "cmd " + string(rune('a'+i)), Description: "does a thing"})
		}
		return cs
	}
	tests := []struct {
		name   string
		mutate func(m *manifest)
		want   string
	}{
		{"manifest version", func(m *manifest) { m.ManifestVersion = "1.17" },
			`manifest.json: manifestVersion: is "1.17", this tool checks against "1.29"`},
		{"schema URL", func(m *manifest) {
			m.Schema = "https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
		},
			`manifest.json: $schema: is "https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json", it must match manifestVersion`},
		{"version", func(m *manifest) { m.Version = "1.0" },
			`manifest.json: version: "1.0" is not MAJOR.MINOR.PATCH; e.g. "1.0.0"`},
		{"id not a GUID", func(m *manifest) { m.ID = "seatwarden" },
			`manifest.json: id: "seatwarden" is not a GUID; e.g. "${{TEAMS_APP_ID}}"`},
		{"id another app's", func(m *manifest) { m.ID = "00000000-0000-0000-0000-000000000002" },
			`manifest.json: id: "00000000-0000-0000-0000-000000000002" is not the app id ` + testAppID},
		{"developer name empty", func(m *manifest) { m.Developer.Name = " " },
			`manifest.json: developer.name: is empty; e.g. "seatwarden"`},
		{"developer name long", func(m *manifest) { m.Developer.Name = long(33) },
			`manifest.json: developer.name: is 33 characters, at most 32`},
		{"website not https", func(m *manifest) { m.Developer.WebsiteURL = "http://example.com" },
			`manifest.json: developer.websiteUrl: "http://example.com" is not an https:// URL`},
		{"privacy URL empty", func(m *manifest) { m.Developer.PrivacyURL = "" },
			`manifest.json: developer.privacyUrl: "" is not an https:// URL`},
		{"terms URL long", func(m *manifest) { m.Developer.TermsOfUseURL = "https://" + long(2041) },
			`manifest.json: developer.termsOfUseUrl: is 2049 characters, at most 2048`},
		{"short name empty", func(m *manifest) { m.Name.Short = "" },
			`manifest.json: name.short: is empty; e.g. "seatwarden"`},
		{"short name long", func(m *manifest) { m.Name.Short = long(31) },
			`manifest.json: name.short: is 31 characters, at most 30; e.g. "seatwarden"`},
		{"short name counted in characters", func(m *manifest) { m.Name.Short = strings.Repeat("é", 31) },
			`manifest.json: name.short: is 31 characters, at most 30`},
		{"full name long", func(m *manifest) { m.Name.Full = long(101) },
			`manifest.json: name.full: is 101 characters, at most 100`},
		{"short description empty", func(m *manifest) { m.Description.Short = "" },
			`manifest.json: description.short: is empty`},
		{"short description long", func(m *manifest) { m.Description.Short = long(81) },
			`manifest.json: description.short: is 81 characters, at most 80`},
		{"full description empty", func(m *manifest) { m.Description.Full = "" },
			`manifest.json: description.full: is empty`},
		{"full description long", func(m *manifest) { m.Description.Full = long(4001) },
			`manifest.json: description.full: is 4001 characters, at most 4000`},
		{"full description same as short", func(m *manifest) { m.Description.Full = m.Description.Short },
			`manifest.json: description.full: is the same as description.short`},
		{"colour icon in a folder", func(m *manifest) { m.Icons.Color = "icons/color.png" },
			`manifest.json: icons.color: "icons/color.png" must be a file name next to manifest.json, not a path; e.g. "color.png"`},
		{"outline icon not PNG", func(m *manifest) { m.Icons.Outline = "outline.svg" },
			`manifest.json: icons.outline: "outline.svg" is not a .png file; e.g. "outline.png"`},
		{"outline icon empty", func(m *manifest) { m.Icons.Outline = "" },
			`manifest.json: icons.outline: is empty; e.g. "outline.png"`},
		{"one file for both icons", func(m *manifest) { m.Icons.Outline = m.Icons.Color },
			`manifest.json: icons.outline: is the same file as icons.color`},
		{"accent colour", func(m *manifest) { m.AccentColor = "navy" },
			`manifest.json: accentColor: "navy" is not a #rrggbb colour; e.g. "#1D3B53"`},
		{"no bot", func(m *manifest) { m.Bots = nil },
			`manifest.json: bots: has 0 bots; an app has exactly one`},
		{"bot id another app's", func(m *manifest) { m.Bots[0].BotID = "00000000-0000-0000-0000-000000000002" },
			`manifest.json: bots[0].botId: "00000000-0000-0000-0000-000000000002" is not the app id ` + testAppID},
		{"bot id not a GUID", func(m *manifest) { m.Bots[0].BotID = "28:seatwarden" },
			`manifest.json: bots[0].botId: "28:seatwarden" is not a GUID`},
		{"bot scopes empty", func(m *manifest) { m.Bots[0].Scopes = nil },
			`manifest.json: bots[0].scopes: is empty`},
		{"bot scope in old spelling", func(m *manifest) { m.Bots[0].Scopes[2] = "groupchat" },
			`manifest.json: bots[0].scopes[2]: "groupchat" is spelt "groupChat" in manifest 1.29`},
		{"bot scope unknown", func(m *manifest) { m.Bots[0].Scopes[1] = "copilot" },
			`manifest.json: bots[0].scopes[1]: "copilot" is not a bot scope`},
		{"bot scope twice", func(m *manifest) { m.Bots[0].Scopes[1] = "personal" },
			`manifest.json: bots[0].scopes[1]: "personal" is listed twice`},
		{"notification only", func(m *manifest) { m.Bots[0].IsNotificationOnly = true },
			`manifest.json: bots[0].isNotificationOnly: is true, but people type commands to seatwarden`},
		{"files", func(m *manifest) { m.Bots[0].SupportsFiles = true },
			`manifest.json: bots[0].supportsFiles: is true`},
		{"too many command lists", func(m *manifest) {
			l := m.Bots[0].CommandLists
			m.Bots[0].CommandLists = append(l, commandList{Scopes: []string{"team"}, Commands: l[0].Commands}, commandList{Scopes: []string{"team"}, Commands: l[0].Commands})
		}, `manifest.json: bots[0].commandLists: has 4 lists, at most 3`},
		{"scope in two lists", func(m *manifest) { m.Bots[0].CommandLists[1].Scopes = []string{"personal"} },
			`manifest.json: bots[0].commandLists[1].scopes[0]: "personal" already has its commands in bots[0].commandLists[0]`},
		{"list scope the bot lacks", func(m *manifest) { m.Bots[0].Scopes = []string{"personal", "team"} },
			`manifest.json: bots[0].commandLists[1].scopes[1]: "groupChat" is not one of the bot's scopes [personal team]`},
		{"list scopes empty", func(m *manifest) { m.Bots[0].CommandLists[1].Scopes = nil },
			`manifest.json: bots[0].commandLists[1].scopes: is empty`},
		{"list without commands", func(m *manifest) { m.Bots[0].CommandLists[0].Commands = nil },
			`manifest.json: bots[0].commandLists[0].commands: is empty`},
		{"eleven commands", func(m *manifest) { m.Bots[0].CommandLists[0].Commands = commands(11) },
			`manifest.json: bots[0].commandLists[0].commands: has 11 commands, at most 10`},
		{"title empty", func(m *manifest) { m.Bots[0].CommandLists[0].Commands[3].Title = "" },
			`manifest.json: bots[0].commandLists[0].commands[3].title: is empty; e.g. "seats inactive"`},
		{"title long", func(m *manifest) { m.Bots[0].CommandLists[1].Commands[0].Title = long(33) },
			`manifest.json: bots[0].commandLists[1].commands[0].title: is 33 characters, at most 32; e.g. "seats inactive"`},
		{"title with slash", func(m *manifest) { m.Bots[0].CommandLists[0].Commands[1].Title = "/warden seats" },
			`manifest.json: bots[0].commandLists[0].commands[1].title: "/warden seats" starts with a slash; in Teams people type the words alone, e.g. "warden seats"`},
		{"title twice", func(m *manifest) { m.Bots[0].CommandLists[0].Commands[2].Title = "Seats" },
			`manifest.json: bots[0].commandLists[0].commands[2].title: "Seats" is listed twice`},
		{"description empty", func(m *manifest) { m.Bots[0].CommandLists[0].Commands[0].Description = "" },
			`manifest.json: bots[0].commandLists[0].commands[0].description: is empty`},
		{"description long", func(m *manifest) { m.Bots[0].CommandLists[1].Commands[2].Description = long(129) },
			`manifest.json: bots[0].commandLists[1].commands[2].description: is 129 characters, at most 128`},
		{"permission unknown", func(m *manifest) { m.Permissions = []string{"identity", "sendMail"} },
			`manifest.json: permissions[1]: "sendMail" is not a permission; e.g. "identity" or "messageTeamMembers"`},
		{"too many permissions", func(m *manifest) { m.Permissions = []string{"identity", "messageTeamMembers", "identity"} },
			`manifest.json: permissions: lists 3 permissions, at most 2`},
		{"valid domains empty", func(m *manifest) { m.ValidDomains = nil },
			`manifest.json: validDomains: is empty; e.g. ["${{SEATWARDEN_PUBLIC_HOST}}"]`},
		{"valid domains without the host", func(m *manifest) { m.ValidDomains = []string{"*.acme.example"} },
			`manifest.json: validDomains: does not list the bot's host ` + testHost},
		{"valid domain a URL", func(m *manifest) { m.ValidDomains = append(m.ValidDomains, "https://acme.example/x") },
			`manifest.json: validDomains[1]: "https://acme.example/x" has a scheme; e.g. "bot.example.com"`},
		{"too many valid domains", func(m *manifest) {
			for i := 0; i < maxValidDomains; i++ {
				m.ValidDomains = append(m.ValidDomains, "acme.example")
			}
		}, `manifest.json: validDomains: has 101 domains, at most 100`},
		{"tab on another host", func(m *manifest) { m.StaticTabs[0].ContentURL = "https://acme.example/teams/home" },
			`manifest.json: staticTabs[0].contentUrl: "https://acme.example/teams/home" is not a page of the bot's host; e.g. "https://${{SEATWARDEN_PUBLIC_HOST}}/teams/home"`},
		{"tab in a team", func(m *manifest) { m.StaticTabs[0].Scopes = []string{"team"} },
			`manifest.json: staticTabs[0].scopes: is ["team"]; a static tab is personal: ["personal"]`},
		{"tab twice", func(m *manifest) { m.StaticTabs[1].EntityID = "home" },
			`manifest.json: staticTabs[1].entityId: "home" is listed twice`},
		{"chat tab with a page", func(m *manifest) { m.StaticTabs[1].ContentURL = "https://" + testHost + "/x" },
			`manifest.json: staticTabs[1]: "conversations" is Teams' own tab and takes no name or contentUrl`},
		{"tab without sign-in", func(m *manifest) { m.WebApplicationInfo = nil },
			`manifest.json: webApplicationInfo: is missing; the personal tab signs people in with it`},
		{"sign-in for another app", func(m *manifest) { m.WebApplicationInfo.Resource = "api://" + testHost + "/other" },
			`manifest.json: webApplicationInfo.resource: "api://` + testHost + `/other" is not the app id URI api://` + testHost + "/" + testAppID},
		{"default install scope", func(m *manifest) { m.DefaultInstallScope = "meetings" },
			`manifest.json: defaultInstallScope: "meetings" is not a bot scope; e.g. "personal"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := shippedManifest(t)
			tt.mutate(m)
			got := strings.Join(m.check(testInputs()), "\n")
			if !strings.Contains(got, tt.want) {
				t.Errorf("problems:\n%s\nwant a line containing:\n%s", got, tt.want)
			}
		})
	}
}

func TestRenderAndParseRefuse(t *testing.T) {
	tests := []struct {
		name, template, want string
	}{
		{"unknown placeholder", `{"id": "${{TEAMS_APPID}}"}`,
			"manifest.json: unknown placeholder ${{TEAMS_APPID}}; the template may use ${{TEAMS_APP_ID}}, ${{SEATWARDEN_PUBLIC_HOST}} and ${{TEAMS_APP_VERSION}}"},
		{"unknown field", `{"manifestVersion": "1.29", "isNotificatonOnly": false}`,
			`manifest.json: unknown field "isNotificatonOnly": not a field of the app manifest this tool checks`},
		{"nested unknown field", `{"bots": [{"botId": "${{TEAMS_APP_ID}}", "scope": ["personal"]}]}`,
			`manifest.json: unknown field "scope"`},
		{"not JSON", `{"id": }`, "manifest.json: invalid character '}'"},
		{"wrong type", `{"bots": {"botId": "x"}}`, "manifest.json: cannot unmarshal object into Go struct field manifest.bots"},
		{"text after the object", `{"id": "${{TEAMS_APP_ID}}"} {}`, "manifest.json: text after the manifest object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			filled, err := render([]byte(tt.template), testInputs())
			if err == nil {
				_, err = parseManifest(filled)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

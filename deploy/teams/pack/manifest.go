package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// The manifest schema the template is written against. Its field names and
// the scope spelling "groupChat" are those of
// https://developer.microsoft.com/json-schemas/teams/v1.29/MicrosoftTeams.schema.json;
// moving the template to another version means checking the limits below
// against that version's schema, then changing this constant.
const (
	schemaVersion = "1.29"
	schemaURL     = "https://developer.microsoft.com/json-schemas/teams/v" + schemaVersion + "/MicrosoftTeams.schema.json"
	manifestFile  = "manifest.json"
)

// The template's placeholders, filled in from the inputs.
const (
	placeholderAppID   = "${{TEAMS_APP_ID}}"
	placeholderHost    = "${{SEATWARDEN_PUBLIC_HOST}}"
	placeholderVersion = "${{TEAMS_APP_VERSION}}"
)

// Limits from the manifest schema and Microsoft's manifest reference. Where
// the two differ the smaller is used: the schema lets a command list hold 12
// commands with 128-character titles, the bot menu documentation says 10,
// and older schemas cap titles at 32.
const (
	maxDeveloperName   = 32
	maxShortName       = 30
	maxFullName        = 100
	maxShortDesc       = 80
	maxFullDesc        = 4000
	maxURL             = 2048
	maxCommandLists    = 3
	maxCommands        = 10
	maxCommandTitle    = 32
	maxCommandDesc     = 128
	maxValidDomains    = 100
	maxValidDomainSize = 2048
	maxStaticTabs      = 16
	maxTabEntityID     = 64
	maxTabName         = 128
)

// Entity ids Teams reserves for its own personal tabs: the chat with the
// bot and the app's About page. They carry no content URL.
var reservedTabs = map[string]bool{"conversations": true, "about": true}

// botScopes are the bot scopes this app may declare; "copilot" exists in the
// schema but is not a place seatwarden answers.
var botScopes = map[string]bool{"personal": true, "team": true, "groupChat": true}

var permissionValues = map[string]bool{"identity": true, "messageTeamMembers": true}

var hexColorPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// manifest is the part of the app manifest schema the template uses. It is
// decoded strictly: a field not listed here is refused rather than shipped,
// since Teams refuses unknown fields too and a misspelt one would otherwise
// pass unnoticed.
type manifest struct {
	Schema          string        `json:"$schema"`
	ManifestVersion string        `json:"manifestVersion"`
	Version         string        `json:"version"`
	ID              string        `json:"id"`
	Developer       developer     `json:"developer"`
	Name            nameField     `json:"name"`
	Description     descField     `json:"description"`
	Icons           iconsField    `json:"icons"`
	AccentColor     string        `json:"accentColor"`
	Bots            []botManifest `json:"bots"`
	Permissions     []string      `json:"permissions"`
	ValidDomains    []string      `json:"validDomains"`
	StaticTabs      []staticTab   `json:"staticTabs,omitempty"`
	// WebApplicationInfo lets the personal tab sign people in (SSO).
	WebApplicationInfo *webApplicationInfo `json:"webApplicationInfo,omitempty"`
	// DefaultInstallScope is the scope the Add button offers first.
	DefaultInstallScope string `json:"defaultInstallScope,omitempty"`
}

type developer struct {
	Name          string `json:"name"`
	WebsiteURL    string `json:"websiteUrl"`
	PrivacyURL    string `json:"privacyUrl"`
	TermsOfUseURL string `json:"termsOfUseUrl"`
	MPNID         string `json:"mpnId,omitempty"`
}

type nameField struct {
	Short string `json:"short"`
	Full  string `json:"full,omitempty"`
}

type descField struct {
	Short string `json:"short"`
	Full  string `json:"full"`
}

type iconsField struct {
	Color   string `json:"color"`
	Outline string `json:"outline"`
}

type botManifest struct {
	BotID                string        `json:"botId"`
	Scopes               []string      `json:"scopes"`
	IsNotificationOnly   bool          `json:"isNotificationOnly"`
	SupportsFiles        bool          `json:"supportsFiles"`
	NeedsChannelSelector bool          `json:"needsChannelSelector,omitempty"`
	CommandLists         []commandList `json:"commandLists"`
}

type commandList struct {
	Scopes   []string  `json:"scopes"`
	Commands []command `json:"commands"`
}

type staticTab struct {
	EntityID   string   `json:"entityId"`
	Name       string   `json:"name,omitempty"`
	ContentURL string   `json:"contentUrl,omitempty"`
	Scopes     []string `json:"scopes"`
}

type webApplicationInfo struct {
	ID       string `json:"id"`
	Resource string `json:"resource"`
}

type command struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// render fills the template's placeholders in. The inputs have been checked,
// so none needs JSON escaping.
func render(template []byte, in inputs) ([]byte, error) {
	out := bytes.ReplaceAll(template, []byte(placeholderAppID), []byte(in.appID.value))
	out = bytes.ReplaceAll(out, []byte(placeholderHost), []byte(in.host.value))
	out = bytes.ReplaceAll(out, []byte(placeholderVersion), []byte(in.version.value))
	if i := bytes.Index(out, []byte("${{")); i >= 0 {
		end := bytes.Index(out[i:], []byte("}}"))
		name := string(out[i:])
		if end >= 0 {
			name = string(out[i : i+end+2])
		}
		return nil, fmt.Errorf("%s: unknown placeholder %s; the template may use %s, %s and %s",
			manifestFile, name, placeholderAppID, placeholderHost, placeholderVersion)
	}
	return out, nil
}

// parseManifest decodes the filled-in manifest, refusing unknown fields and
// anything after the object.
func parseManifest(b []byte) (*manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m manifest
	if err := dec.Decode(&m); err != nil {
		msg := strings.TrimPrefix(err.Error(), "json: ")
		if strings.HasPrefix(msg, "unknown field") {
			msg += ": not a field of the app manifest this tool checks (deploy/teams/pack/manifest.go)"
		}
		return nil, fmt.Errorf("%s: %s", manifestFile, msg)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: text after the manifest object", manifestFile)
	}
	return &m, nil
}

// problems collects one line per field that breaks a rule, each naming the
// field and showing an acceptable value.
type problems []string

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, fmt.Sprintf("%s: %s: %s", manifestFile, field, fmt.Sprintf(format, args...)))
}

// length checks a required text field against its limit, counting
// characters as Teams does, not bytes.
func (p *problems) length(field, value string, limit int, example string) {
	n := utf8.RuneCountInString(value)
	switch {
	case strings.TrimSpace(value) == "":
		p.add(field, "is empty; e.g. %q", example)
	case n > limit:
		p.add(field, "is %d characters, at most %d; e.g. %q", n, limit, example)
	}
}

func (p *problems) httpsURL(field, value string) {
	switch {
	case !strings.HasPrefix(value, "https://") || len(value) == len("https://"):
		p.add(field, "%q is not an https:// URL; e.g. %q", value, "https://github.com/seatwarden/seatwarden")
	case len(value) > maxURL:
		p.add(field, "is %d characters, at most %d", len(value), maxURL)
	}
}

// check applies the schema's rules and the ones Teams adds on upload to a
// filled-in manifest.
func (m *manifest) check(in inputs) []string {
	var p problems
	if m.ManifestVersion != schemaVersion {
		p.add("manifestVersion", "is %q, this tool checks against %q; e.g. %q (see schemaVersion in deploy/teams/pack/manifest.go)", m.ManifestVersion, schemaVersion, schemaVersion)
	}
	if m.Schema != schemaURL {
		p.add("$schema", "is %q, it must match manifestVersion; e.g. %q", m.Schema, schemaURL)
	}
	if !semverPattern.MatchString(m.Version) {
		p.add("version", "%q is not MAJOR.MINOR.PATCH; e.g. %q", m.Version, exampleVersion)
	}
	switch {
	case !guidPattern.MatchString(m.ID):
		p.add("id", "%q is not a GUID; e.g. %q", m.ID, placeholderAppID)
	case !strings.EqualFold(m.ID, in.appID.value):
		p.add("id", "%q is not the app id %s; e.g. %q", m.ID, in.appID.value, placeholderAppID)
	}

	p.length("developer.name", m.Developer.Name, maxDeveloperName, "seatwarden")
	p.httpsURL("developer.websiteUrl", m.Developer.WebsiteURL)
	p.httpsURL("developer.privacyUrl", m.Developer.PrivacyURL)
	p.httpsURL("developer.termsOfUseUrl", m.Developer.TermsOfUseURL)

	p.length("name.short", m.Name.Short, maxShortName, "seatwarden")
	if n := utf8.RuneCountInString(m.Name.Full); n > maxFullName {
		p.add("name.full", "is %d characters, at most %d; e.g. %q", n, maxFullName, "seatwarden: Zendesk seats and access")
	}
	p.length("description.short", m.Description.Short, maxShortDesc, "Finds paid Zendesk seats nobody uses.")
	p.length("description.full", m.Description.Full, maxFullDesc, "seatwarden keeps your Zendesk seats and access honest. ...")
	if strings.TrimSpace(m.Description.Full) != "" && strings.TrimSpace(m.Description.Full) == strings.TrimSpace(m.Description.Short) {
		p.add("description.full", "is the same as description.short; Teams wants a longer text, e.g. what the bot does and where")
	}

	iconPath(&p, "icons.color", m.Icons.Color, colorIconFile)
	iconPath(&p, "icons.outline", m.Icons.Outline, outlineIconFile)
	if m.Icons.Color != "" && m.Icons.Color == m.Icons.Outline {
		p.add("icons.outline", "is the same file as icons.color; e.g. %q", outlineIconFile)
	}
	if !hexColorPattern.MatchString(m.AccentColor) {
		p.add("accentColor", "%q is not a #rrggbb colour; e.g. %q", m.AccentColor, "#1D3B53")
	}

	m.checkBots(&p, in)

	if len(m.Permissions) > len(permissionValues) {
		p.add("permissions", "lists %d permissions, at most %d", len(m.Permissions), len(permissionValues))
	}
	for i, perm := range m.Permissions {
		if !permissionValues[perm] {
			p.add(fmt.Sprintf("permissions[%d]", i), "%q is not a permission; e.g. %q or %q", perm, "identity", "messageTeamMembers")
		}
	}
	m.checkValidDomains(&p, in)
	m.checkTabs(&p, in)
	if m.DefaultInstallScope != "" && !botScopes[m.DefaultInstallScope] {
		p.add("defaultInstallScope", "%q is not a bot scope; e.g. %q", m.DefaultInstallScope, "personal")
	}
	return p
}

// iconPath insists on a bare file name: the package puts icons at its root.
func iconPath(p *problems, field, value, example string) {
	switch {
	case value == "":
		p.add(field, "is empty; e.g. %q", example)
	case strings.ContainsAny(value, `/\`) || value == "." || value == "..":
		p.add(field, "%q must be a file name next to manifest.json, not a path; e.g. %q", value, example)
	case !strings.HasSuffix(strings.ToLower(value), ".png"):
		p.add(field, "%q is not a .png file; e.g. %q", value, example)
	}
}

func (m *manifest) checkBots(p *problems, in inputs) {
	if len(m.Bots) != 1 {
		p.add("bots", "has %d bots; an app has exactly one, with botId %q", len(m.Bots), placeholderAppID)
		return
	}
	b := m.Bots[0]
	switch {
	case !guidPattern.MatchString(b.BotID):
		p.add("bots[0].botId", "%q is not a GUID; e.g. %q", b.BotID, placeholderAppID)
	case !strings.EqualFold(b.BotID, in.appID.value):
		p.add("bots[0].botId", "%q is not the app id %s; e.g. %q", b.BotID, in.appID.value, placeholderAppID)
	}
	if len(b.Scopes) == 0 {
		p.add("bots[0].scopes", "is empty; e.g. [\"personal\", \"team\", \"groupChat\"]")
	}
	declared := map[string]bool{}
	for i, s := range b.Scopes {
		scopeProblem(p, fmt.Sprintf("bots[0].scopes[%d]", i), s)
		if declared[s] {
			p.add(fmt.Sprintf("bots[0].scopes[%d]", i), "%q is listed twice", s)
		}
		declared[s] = true
	}
	if b.IsNotificationOnly {
		p.add("bots[0].isNotificationOnly", "is true, but people type commands to seatwarden; e.g. false")
	}
	if b.SupportsFiles {
		p.add("bots[0].supportsFiles", "is true, but seatwarden neither sends nor reads files; e.g. false")
	}
	if len(b.CommandLists) > maxCommandLists {
		p.add("bots[0].commandLists", "has %d lists, at most %d (one per scope)", len(b.CommandLists), maxCommandLists)
	}
	listed := map[string]string{}
	for i, list := range b.CommandLists {
		field := fmt.Sprintf("bots[0].commandLists[%d]", i)
		if len(list.Scopes) == 0 {
			p.add(field+".scopes", "is empty; e.g. [\"personal\"]")
		}
		for j, s := range list.Scopes {
			f := fmt.Sprintf("%s.scopes[%d]", field, j)
			scopeProblem(p, f, s)
			if botScopes[s] && !declared[s] {
				p.add(f, "%q is not one of the bot's scopes %v", s, b.Scopes)
			}
			if other, ok := listed[s]; ok {
				p.add(f, "%q already has its commands in %s; each scope gets one list", s, other)
			}
			listed[s] = field
		}
		checkCommands(p, field, list.Commands)
	}
}

func scopeProblem(p *problems, field, s string) {
	switch {
	case botScopes[s]:
	case strings.EqualFold(s, "groupChat"):
		p.add(field, "%q is spelt %q in manifest %s", s, "groupChat", schemaVersion)
	default:
		p.add(field, "%q is not a bot scope; e.g. %q, %q or %q", s, "personal", "team", "groupChat")
	}
}

// checkCommands holds a bot menu to what the Teams client shows: titles are
// the words people type, so they are short and unique within a list.
func checkCommands(p *problems, list string, cmds []command) {
	if len(cmds) == 0 {
		p.add(list+".commands", "is empty; e.g. [{\"title\": \"help\", \"description\": \"What you can ask me\"}]")
	}
	if len(cmds) > maxCommands {
		p.add(list+".commands", "has %d commands, at most %d", len(cmds), maxCommands)
	}
	seen := map[string]bool{}
	for i, c := range cmds {
		field := fmt.Sprintf("%s.commands[%d]", list, i)
		p.length(field+".title", c.Title, maxCommandTitle, "seats inactive")
		if strings.HasPrefix(c.Title, "/") {
			p.add(field+".title", "%q starts with a slash; in Teams people type the words alone, e.g. %q", c.Title, strings.TrimLeft(c.Title, "/"))
		}
		p.length(field+".description", c.Description, maxCommandDesc, "Paid seats with no login for DAYS days: seats inactive 60")
		key := strings.ToLower(strings.TrimSpace(c.Title))
		if seen[key] && key != "" {
			p.add(field+".title", "%q is listed twice", c.Title)
		}
		seen[key] = true
	}
}

// checkTabs checks the personal tabs and the sign-in they use: a tab's
// page is on the bot's host, and the app id URI Teams asks Entra ID a
// token for is api://HOST/APP-ID.
func (m *manifest) checkTabs(p *problems, in inputs) {
	if len(m.StaticTabs) > maxStaticTabs {
		p.add("staticTabs", "has %d tabs, at most %d", len(m.StaticTabs), maxStaticTabs)
	}
	web := false
	seen := map[string]bool{}
	for i, t := range m.StaticTabs {
		field := fmt.Sprintf("staticTabs[%d]", i)
		p.length(field+".entityId", t.EntityID, maxTabEntityID, "home")
		if seen[t.EntityID] {
			p.add(field+".entityId", "%q is listed twice", t.EntityID)
		}
		seen[t.EntityID] = true
		if !slices.Equal(t.Scopes, []string{"personal"}) {
			p.add(field+".scopes", "is %q; a static tab is personal: [\"personal\"]", t.Scopes)
		}
		if reservedTabs[t.EntityID] {
			if t.ContentURL != "" || t.Name != "" {
				p.add(field, "%q is Teams' own tab and takes no name or contentUrl", t.EntityID)
			}
			continue
		}
		web = true
		p.length(field+".name", t.Name, maxTabName, "Home")
		want := "https://" + in.host.value + "/"
		if len(t.ContentURL) > maxURL || !strings.HasPrefix(strings.ToLower(t.ContentURL), want) {
			p.add(field+".contentUrl", "%q is not a page of the bot's host; e.g. %q", t.ContentURL, "https://"+placeholderHost+"/teams/home")
		}
	}
	w := m.WebApplicationInfo
	switch {
	case w == nil && web:
		p.add("webApplicationInfo", "is missing; the personal tab signs people in with it, e.g. {\"id\": %q, \"resource\": %q}",
			placeholderAppID, "api://"+placeholderHost+"/"+placeholderAppID)
	case w == nil:
	case !strings.EqualFold(w.ID, in.appID.value):
		p.add("webApplicationInfo.id", "%q is not the app id %s; e.g. %q", w.ID, in.appID.value, placeholderAppID)
	case !strings.EqualFold(w.Resource, "api://"+in.host.value+"/"+in.appID.value):
		p.add("webApplicationInfo.resource", "%q is not the app id URI api://%s/%s; e.g. %q", w.Resource, in.host.value, in.appID.value,
			"api://"+placeholderHost+"/"+placeholderAppID)
	}
}

func (m *manifest) checkValidDomains(p *problems, in inputs) {
	if len(m.ValidDomains) == 0 {
		p.add("validDomains", "is empty; e.g. [%q]", placeholderHost)
	}
	if len(m.ValidDomains) > maxValidDomains {
		p.add("validDomains", "has %d domains, at most %d", len(m.ValidDomains), maxValidDomains)
	}
	found := false
	for i, d := range m.ValidDomains {
		field := fmt.Sprintf("validDomains[%d]", i)
		if len(d) > maxValidDomainSize {
			p.add(field, "is %d characters, at most %d", len(d), maxValidDomainSize)
			continue
		}
		// A wildcard stands for exactly one leading label.
		if reason := hostNameProblem(strings.ToLower(strings.TrimPrefix(d, "*."))); reason != "" {
			p.add(field, "%q %s; e.g. %q", d, reason, exampleHost)
		}
		if strings.EqualFold(d, in.host.value) {
			found = true
		}
	}
	if len(m.ValidDomains) > 0 && !found {
		p.add("validDomains", "does not list the bot's host %s; e.g. [%q]", in.host.value, placeholderHost)
	}
}

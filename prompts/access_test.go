package prompts_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/prompts"
)

// grants is the view as the commands draw it.
func grants() prompts.Grants { return prompts.Grants{Location: berlin, Command: "/warden"} }

// grantNow is when the grant views are drawn: 23 November, 11:49 in
// Berlin, 1 hour 20 minutes before activeGrant ends.
var grantNow = at(23, 11, 49)

// staffRole is the Staff custom role mei holds outside her grants.
var staffRole = connector.Role{Base: "agent", ID: "360001112224"}

// activeGrant is mei's admin grant that carries out approvedAccess, from
// 11:09 to 13:09 on 23 November.
func activeGrant() access.Grant {
	earlier := staffRole
	return access.Grant{
		ID: "g-REQ-ACC3SS", SaaS: connector.Zendesk, RequestID: "REQ-ACC3SS",
		UserID: 9001, Email: mei, Name: "Mei Tanaka",
		RoleName: "admin", Role: connector.Role{Base: "admin"}, Earlier: &earlier,
		Duration: 2 * time.Hour, Reason: "Fix the SSO settings after the IdP change", Ticket: "4521",
		ApprovedBy: []string{dana, priya}, State: access.Active,
		CreatedAt: at(23, 11, 9), Start: at(23, 11, 9), End: at(23, 13, 9),
	}
}

// endedEarly is activeGrant ended by mei at 11:40.
func endedEarly() access.Grant {
	g := activeGrant()
	g.State, g.EndedAt, g.EndedBy = access.Ended, at(23, 11, 40), mei
	return g
}

// endedOnTime is an earlier grant of omar's that ended on time, the role
// found already back.
func endedOnTime() access.Grant {
	g := activeGrant()
	g.ID, g.RequestID, g.Email, g.Name = "g-REQ-0LD0NE", "REQ-0LD0NE", omar, "Omar Haddad"
	g.Earlier = &connector.Role{Base: "agent"}
	g.CreatedAt, g.Start, g.End = at(20, 9, 0), at(20, 9, 0), at(20, 10, 0)
	g.Duration = time.Hour
	g.State, g.EndedAt, g.EndedBy, g.Note = access.Ended, at(20, 10, 0), "system", "the earlier role was already back"
	return g
}

// heldGrant is activeGrant at its end, held: someone changed mei's role
// by hand meanwhile.
func heldGrant() access.Grant {
	g := activeGrant()
	g.State = access.Held
	g.Note = "the role was changed by hand during the grant: light agent now, admin granted, agent before; left as it is for a person to decide"
	return g
}

// pendingGrant is sam's grant Zendesk has not confirmed: two attempts
// failed.
func pendingGrant() access.Grant {
	g := activeGrant()
	g.ID, g.RequestID, g.Email, g.Name = "g-REQ-PEND22", "REQ-PEND22", sam, "Sam Carter"
	g.Earlier, g.Start, g.End = nil, time.Time{}, time.Time{}
	g.State, g.CreatedAt, g.Duration = access.Pending, at(23, 11, 45), 30*time.Minute
	g.Change = &access.Change{Op: access.OpGrant, Attempts: 2, Error: "zendesk: 503 Service Unavailable"}
	return g
}

// failedGrant is lee's grant Zendesk had nothing to do for.
func failedGrant() access.Grant {
	g := pendingGrant()
	g.ID, g.RequestID, g.Email, g.Name = "g-REQ-FA1LED", "REQ-FA1LED", lee, "Lee Park"
	g.State, g.Change, g.Note = access.Failed, nil, "already admin in Zendesk: nothing to grant"
	return g
}

// markupGrant has markup where people type: the reason, the name and a
// custom role's name.
func markupGrant() access.Grant {
	g := activeGrant()
	g.ID, g.RequestID = "g-REQ-MARKUP", "REQ-MARKUP"
	g.Name, g.RoleName = "<!channel> & Co", "r&d <lead>"
	g.Role = connector.Role{Base: "agent", ID: "360009990001"}
	g.Reason = "Fix <SSO> & the <!here> trigger\nfor ticket *4521*"
	return g
}

// breakGlass is an active grant made without approval, so without a
// request.
func breakGlass() access.Grant {
	g := activeGrant()
	g.ID, g.RequestID, g.ApprovedBy, g.BreakGlass, g.Ticket = "g-BG-7Q2", "", nil, true, ""
	return g
}

// sections are m's section texts, one string per section.
func sections(m bot.Message) []string {
	var out []string
	for _, s := range m.Sections {
		out = append(out, s.Text)
	}
	return out
}

func TestGrantList(t *testing.T) {
	many := make([]access.Grant, 25)
	for i := range many {
		g := endedOnTime()
		g.ID = fmt.Sprintf("g-REQ-MANY%02d", i+1)
		many[i] = g
	}
	tests := []struct {
		name     string
		grants   []access.Grant
		headline string
		lines    []string // each section's text, in order (up to the first len)
		context  []string
	}{
		{"empty", nil, "Access grants: 0",
			[]string{"No access grants to show. Ask for a role for a while with /warden access request ROLE DURATION, such as /warden access request admin 2h."}, nil},
		{"every state", []access.Grant{pendingGrant(), activeGrant(), heldGrant(), endedEarly(), failedGrant(), endedOnTime()}, "Access grants: 6",
			[]string{
				"*g-REQ-PEND22* · sam@example.com · admin\nPending: waiting for Zendesk to confirm · asked for 30 minutes",
				"*g-REQ-ACC3SS* · mei@example.com · admin\nActive · 1 hour 20 minutes left · ends 23 Nov 2026 13:09",
				"*g-REQ-ACC3SS* · mei@example.com · admin\nHeld: the end needs a person · was to end 23 Nov 2026 13:09",
				"*g-REQ-ACC3SS* · mei@example.com · admin\nEnded early by mei@example.com on 23 Nov 2026 at 11:40",
				"*g-REQ-FA1LED* · lee@example.com · admin\nNot granted · asked on 23 Nov 2026 at 11:45",
				"*g-REQ-0LD0NE* · omar@example.com · admin\nEnded on time on 20 Nov 2026 at 10:00",
			}, []string{"/warden access show ID shows one"}},
		{"markup escaped", []access.Grant{markupGrant()}, "Access grants: 1",
			[]string{"*g-REQ-MARKUP* · mei@example.com · r&amp;d &lt;lead&gt;\nActive · 1 hour 20 minutes left · ends 23 Nov 2026 13:09"},
			[]string{"/warden access show ID shows one"}},
		{"more than a page", many, "Access grants: 25",
			[]string{"*g-REQ-MANY01* · omar@example.com · admin\nEnded on time on 20 Nov 2026 at 10:00"},
			[]string{"…and 5 more", "/warden access show ID shows one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := grants().List(tt.grants, grantNow)
			if m.Visibility != bot.Ephemeral {
				t.Errorf("visibility %v: a list is for whoever asked", m.Visibility)
			}
			wantHeadline(t, m, tt.headline)
			got := sections(m)
			if len(got) > 20 {
				t.Errorf("%d sections; at most 20 grants are listed", len(got))
			}
			if len(got) < len(tt.lines) || !slices.Equal(got[:len(tt.lines)], tt.lines) {
				t.Errorf("sections:\n%q\nwant them to start with:\n%q", got, tt.lines)
			}
			if !slices.Equal(m.Context, tt.context) {
				t.Errorf("context %q, want %q", m.Context, tt.context)
			}
			checkSmall(t, m)
			goldenJSON(t, m)
			goldenRendered(t, m)
		})
	}
}

func TestGrantDetail(t *testing.T) {
	tests := []struct {
		name     string
		g        access.Grant
		headline string
		state    []string // lines of the first section
		fields   map[string]string
		absent   []string // field labels it must not have
		context  []string
	}{
		{"active", activeGrant(), "Access grant g-REQ-ACC3SS: mei@example.com as admin",
			[]string{"🔓 Active: mei@example.com is admin in Zendesk until 23 Nov 2026 13:09, 1 hour 20 minutes left. It is taken back then, with their sessions ended."},
			map[string]string{"Holder": "Mei Tanaka (mei@example.com)", "Role": "admin", "Earlier role": "agent (custom role 360001112224)",
				"Asked for": "2 hours", "Approved by": "dana@example.com and priya@example.com", "Ticket": "4521",
				"Started": "23 Nov 2026 11:09", "Ends": "23 Nov 2026 13:09", "Request": "REQ-ACC3SS"},
			[]string{"Ended", "Ended by", "Was to end"},
			[]string{"Grant g-REQ-ACC3SS · asked on 23 Nov 2026 at 11:09", "/warden access revoke g-REQ-ACC3SS ends it now", "/warden request show REQ-ACC3SS shows its request"}},
		{"ended early", endedEarly(), "Access grant g-REQ-ACC3SS: mei@example.com as admin",
			[]string{"🔒 Ended early by mei@example.com; back to agent in Zendesk, with sessions ended."},
			map[string]string{"Ended": "23 Nov 2026 11:40", "Ended by": "mei@example.com", "Earlier role": "agent (custom role 360001112224)"},
			[]string{"Ends"},
			[]string{"Grant g-REQ-ACC3SS · asked on 23 Nov 2026 at 11:09", "/warden request show REQ-ACC3SS shows its request"}},
		{"ended on time with a note", endedOnTime(), "Access grant g-REQ-0LD0NE: omar@example.com as admin",
			[]string{"🔒 Ended on time; back to agent in Zendesk, with sessions ended. The earlier role was already back."},
			map[string]string{"Ended": "20 Nov 2026 10:00", "Ended by": "seatwarden, on time", "Asked for": "1 hour"},
			nil, nil},
		{"held with its note", heldGrant(), "Access grant g-REQ-ACC3SS: mei@example.com as admin",
			[]string{"⚠ Held: the end needs a person. The role was changed by hand during the grant: light agent now, admin granted, agent before; left as it is for a person to decide.",
				"Decide in Zendesk what role they should have; seatwarden will not change it."},
			map[string]string{"Was to end": "23 Nov 2026 13:09"},
			[]string{"Ends", "Ended"},
			[]string{"Grant g-REQ-ACC3SS · asked on 23 Nov 2026 at 11:09", "/warden request show REQ-ACC3SS shows its request"}},
		{"pending and failing", pendingGrant(), "Access grant g-REQ-PEND22: sam@example.com as admin",
			[]string{"⌛ Pending: Zendesk has not confirmed the role yet; seatwarden keeps trying.",
				"⚠ The last of 2 attempts failed: zendesk: 503 Service Unavailable. seatwarden retries automatically."},
			map[string]string{"Holder": "Sam Carter (sam@example.com)", "Asked for": "30 minutes"},
			[]string{"Earlier role", "Started", "Ends"}, nil},
		{"failed", failedGrant(), "Access grant g-REQ-FA1LED: lee@example.com as admin",
			[]string{"⛔ Not granted: already admin in Zendesk: nothing to grant.", "Nothing was changed in Zendesk."},
			nil, []string{"Started", "Ends", "Ended"}, nil},
		{"being ended", func() access.Grant {
			g := activeGrant()
			g.Change = &access.Change{Op: access.OpRevoke, By: dana, Why: "revoked", Attempts: 1, Error: "zendesk: 502 Bad Gateway"}
			return g
		}(), "Access grant g-REQ-ACC3SS: mei@example.com as admin",
			[]string{"⌛ Being ended by dana@example.com: Zendesk is taking admin back.",
				"⚠ The last of 1 attempts failed: zendesk: 502 Bad Gateway. seatwarden retries automatically."},
			nil, nil,
			[]string{"Grant g-REQ-ACC3SS · asked on 23 Nov 2026 at 11:09", "/warden request show REQ-ACC3SS shows its request"}},
		{"markup escaped", markupGrant(), "Access grant g-REQ-MARKUP: mei@example.com as r&d <lead>",
			[]string{"🔓 Active: mei@example.com is r&amp;d &lt;lead&gt; in Zendesk until 23 Nov 2026 13:09, 1 hour 20 minutes left. It is taken back then, with their sessions ended."},
			// Field values are plain text: the renderers escape them.
			map[string]string{"Holder": "<!channel> & Co (mei@example.com)", "Role": "r&d <lead> (custom role 360009990001)"},
			nil, nil},
		{"break-glass", breakGlass(), "Access grant g-BG-7Q2: mei@example.com as admin",
			nil, map[string]string{"Approved by": "nobody beforehand: break-glass"}, []string{"Ticket", "Request"},
			[]string{"Grant g-BG-7Q2 · asked on 23 Nov 2026 at 11:09", "/warden access revoke g-BG-7Q2 ends it now"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := grants().Detail(tt.g, grantNow)
			if m.Visibility != bot.Ephemeral {
				t.Errorf("visibility %v: a grant's detail is for whoever asked", m.Visibility)
			}
			wantHeadline(t, m, tt.headline)
			if tt.state != nil {
				if got := strings.Split(m.Sections[0].Text, "\n"); !slices.Equal(got, tt.state) {
					t.Errorf("state lines:\n%q\nwant\n%q", got, tt.state)
				}
			}
			for label, want := range tt.fields {
				if got := field(t, m, label); got != want {
					t.Errorf("%s = %q, want %q", label, got, want)
				}
			}
			for _, label := range tt.absent {
				for _, s := range m.Sections {
					if slices.ContainsFunc(s.Fields, func(f bot.Field) bool { return f.Label == label }) {
						t.Errorf("field %q shown", label)
					}
				}
			}
			if tt.context != nil && !slices.Equal(m.Context, tt.context) {
				t.Errorf("context %q, want %q", m.Context, tt.context)
			}
			checkSmall(t, m)
			goldenJSON(t, m)
			goldenRendered(t, m)
		})
	}
	t.Run("reason", func(t *testing.T) {
		m := grants().Detail(markupGrant(), grantNow)
		got := m.Sections[len(m.Sections)-1].Text
		if want := "*Reason*\nFix &lt;SSO&gt; &amp; the &lt;!here&gt; trigger\nfor ticket *4521*"; got != want {
			t.Errorf("reason section %q, want %q", got, want)
		}
	})
}

func TestGrantRevoked(t *testing.T) {
	inFlight := activeGrant()
	inFlight.Change = &access.Change{Op: access.OpRevoke, By: dana, Why: "revoked", Attempts: 1, LeaseHolder: "b"}
	tests := []struct {
		name     string
		g        access.Grant
		headline string
		lines    []string
	}{
		{"ended", endedEarly(), "Ended g-REQ-ACC3SS: mei@example.com no longer holds admin", []string{
			"Ended early by mei@example.com; back to agent in Zendesk, with sessions ended.",
			"The thread of request REQ-ACC3SS says so, and mei@example.com hears of it.",
		}},
		{"ended, break-glass", func() access.Grant {
			g := breakGlass()
			g.State, g.EndedAt, g.EndedBy = access.Ended, at(23, 11, 40), dana
			return g
		}(), "Ended g-BG-7Q2: mei@example.com no longer holds admin", []string{
			"Ended early by dana@example.com; back to agent in Zendesk, with sessions ended.",
		}},
		{"held", heldGrant(), "⚠ g-REQ-ACC3SS needs a person: admin was not taken back", []string{
			"The role was changed by hand during the grant: light agent now, admin granted, agent before; left as it is for a person to decide.",
			"Decide in Zendesk what role mei@example.com should have; seatwarden will not change it.",
		}},
		{"another attempt under way", inFlight, "Ending g-REQ-ACC3SS: taking admin back from mei@example.com", []string{
			"Another attempt to end it is under way; Zendesk confirms it within seconds.",
		}},
		{"markup escaped", func() access.Grant {
			g := heldGrant()
			g.Note = "Zendesk refused to put the earlier role back: <b>422</b> & more"
			return g
		}(), "⚠ g-REQ-ACC3SS needs a person: admin was not taken back", []string{
			"Zendesk refused to put the earlier role back: &lt;b&gt;422&lt;/b&gt; &amp; more.",
			"Decide in Zendesk what role mei@example.com should have; seatwarden will not change it.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := grants().Revoked(tt.g)
			if m.Visibility != bot.Ephemeral {
				t.Errorf("visibility %v: the confirmation is for whoever revoked", m.Visibility)
			}
			wantHeadline(t, m, tt.headline)
			if len(m.Sections) != 1 || !slices.Equal(strings.Split(m.Sections[0].Text, "\n"), tt.lines) {
				t.Errorf("sections %q, want one of lines %q", sections(m), tt.lines)
			}
			if want := []string{"/warden access show " + tt.g.ID}; !slices.Equal(m.Context, want) {
				t.Errorf("context %q, want %q", m.Context, want)
			}
			checkSmall(t, m)
			goldenJSON(t, m)
			goldenRendered(t, m)
		})
	}
}

func TestGrantExtended(t *testing.T) {
	g := activeGrant()
	g.End = g.End.Add(30 * time.Minute)
	g.Extensions = []access.Extension{{By: g.Email, At: grantNow, Add: 30 * time.Minute, Self: true}}
	m := grants().Extended(g)
	if m.Visibility != bot.Ephemeral {
		t.Errorf("visibility %v: the confirmation is the holder's", m.Visibility)
	}
	wantHeadline(t, m, "Extended "+g.ID+" by 30 minutes: you hold admin until "+g.End.In(berlin).Format("2 Jan 2006 15:04"))
	checkSmall(t, m)
	goldenJSON(t, m)
	goldenRendered(t, m)
}

func TestGrantBreakGlass(t *testing.T) {
	bg := activeGrant()
	bg.ID, bg.RequestID, bg.BreakGlass, bg.Reason = "g-bg-7Q2", "", true, "Checkout is down <& the SSO app> is broken"
	bg.Review = &access.Review{}
	reviewed := bg
	reviewed.Review = &access.Review{By: dana, At: grantNow}
	tests := []struct {
		name     string
		m        bot.Message
		headline string
		buttons  []string
	}{
		{"announced", grants().BreakGlass(bg), "🚨 Break-glass: mei@example.com took admin without approval", []string{prompts.ActionAccessReview}},
		{"reviewed", grants().BreakGlass(reviewed), "🚨 Break-glass: mei@example.com took admin without approval", nil},
		{"not reviewed in a day", grants().Unreviewed(bg, 24*time.Hour), "⏰ Not reviewed in 1 day: mei@example.com's break-glass admin", []string{prompts.ActionAccessReview}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantHeadline(t, tt.m, tt.headline)
			if got := buttonIDs(tt.m.Buttons); !slices.Equal(got, tt.buttons) {
				t.Errorf("buttons %v, want %v", got, tt.buttons)
			}
			if !strings.Contains(text(tt.m), "Checkout is down &lt;&amp; the SSO app&gt; is broken") {
				t.Errorf("the reason is not there, escaped: %q", text(tt.m))
			}
			checkSmall(t, tt.m)
			goldenJSON(t, tt.m)
			goldenRendered(t, tt.m)
		})
	}
}

func TestGrantStanding(t *testing.T) {
	person := func(email string, allowed access.Allowance, suspended bool) access.Standing {
		return access.Standing{Staff: connector.Staff{Email: email, Suspended: suspended}, RoleName: "admin", Allowed: allowed}
	}
	kept := person("lead@example.com", access.AllowedKept, false)
	kept.RoleName = "team lead"
	kept.Keep = &access.Keep{Until: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), By: "dana@example.com", Reason: "covers <nights>"}
	var many []access.Standing
	for i := range 35 {
		many = append(many, person(fmt.Sprintf("admin%02d@example.com", i), "", false))
	}
	tests := []struct {
		name     string
		list     []access.Standing
		headline string
	}{
		{"none", nil, "No standing privilege: nobody holds a privileged role without a grant"},
		{"all allowed", []access.Standing{person("owner@example.com", access.AllowedOwner, false), person("glass@example.com", access.AllowedPolicy, false), kept},
			"Standing privilege: 3, each allowed"},
		{"some not allowed", []access.Standing{person("dana@example.com", "", false), person("<b>@example.com", "", true), person("owner@example.com", access.AllowedOwner, false)},
			"Standing privilege: 2 people hold a privileged role without a grant"},
		{"more than a page", many, "Standing privilege: 35 people hold a privileged role without a grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := grants().Standing(tt.list)
			wantHeadline(t, m, tt.headline)
			if m.Visibility != bot.Ephemeral {
				t.Errorf("visibility %v", m.Visibility)
			}
			checkSmall(t, m)
			goldenJSON(t, m)
			goldenRendered(t, m)
		})
	}
}

func TestShadowForms(t *testing.T) {
	staffRole := connector.Role{Base: "agent", ID: "360001112224"}
	sh := access.Shadow{ID: "9001-1", UserID: 9001, Email: "mei@example.com", Name: "Mei Tanaka", RoleName: "admin", Role: connector.Role{Base: "admin"}, Earlier: &staffRole, FoundAt: grantNow}
	req := grants().ShadowRequestForm(sh, time.Hour)
	keep := grants().ShadowKeepForm(sh, grantNow, 90)
	if req.RecordID != sh.ID || keep.RecordID != sh.ID || req.Inputs[0].Initial != "1 hour" {
		t.Errorf("forms: %+v %+v", req, keep)
	}
	goldenJSON(t, bot.Message{Form: &req})
	t.Run("keep", func(t *testing.T) { goldenJSON(t, bot.Message{Form: &keep}) })
}

func TestGrantShadow(t *testing.T) {
	staffRole := connector.Role{Base: "agent", ID: "360001112224"}
	tests := []struct {
		name string
		sh   access.Shadow
	}{
		{"promoted agent", access.Shadow{ID: "9001-1", UserID: 9001, Email: "mei@example.com", Name: "Mei <Tanaka>", RoleName: "admin",
			Role: connector.Role{Base: "admin"}, Earlier: &staffRole, FoundAt: grantNow}},
		{"new to the staff", access.Shadow{ID: "9002-1", UserID: 9002, Email: "new@example.com", RoleName: "admin",
			Role: connector.Role{Base: "admin"}, FoundAt: grantNow}},
		{"reverted", access.Shadow{ID: "9001-1", UserID: 9001, Email: "mei@example.com", RoleName: "admin",
			Role: connector.Role{Base: "admin"}, Earlier: &staffRole, FoundAt: grantNow, RevertedBy: dana, RevertedAt: grantNow}},
		{"a retroactive request open", access.Shadow{ID: "9001-1", UserID: 9001, Email: "mei@example.com", RoleName: "admin",
			Role: connector.Role{Base: "admin"}, Earlier: &staffRole, FoundAt: grantNow, Request: "REQ-7KQ2MX", RequestedBy: dana}},
		{"kept as standing", access.Shadow{ID: "9001-1", UserID: 9001, Email: "mei@example.com", RoleName: "admin",
			Role: connector.Role{Base: "admin"}, Earlier: &staffRole, FoundAt: grantNow, KeptBy: dana, KeptUntil: grantNow.AddDate(0, 1, 0), KeptReason: "runs <billing>"}},
	}
	buttons := map[string][]string{
		"promoted agent":             {prompts.ActionShadowRevert, prompts.ActionAccessShadowRequest, prompts.ActionAccessShadowKeep},
		"a retroactive request open": {prompts.ActionShadowRevert},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := grants().Shadow(tt.sh)
			wantHeadline(t, m, "⚠ Shadow admin: "+tt.sh.Email+" holds it without a grant")
			var got []string
			for _, b := range m.Buttons {
				got = append(got, b.ActionID)
			}
			if !slices.Equal(got, buttons[tt.name]) {
				t.Errorf("buttons %v, want %v", got, buttons[tt.name])
			}
			checkSmall(t, m)
			goldenJSON(t, m)
			goldenRendered(t, m)
		})
	}
}

package prompts_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/slack"
	"github.com/seatwarden/seatwarden/bot/teams"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/golden"
	"github.com/seatwarden/seatwarden/prompts"
)

// The people of the approval fixtures: omar asks, dana, priya and lee
// approve, sam owns an app omar asks for.
const (
	omar  = "omar@example.com"
	priya = "priya@example.com"
	sam   = "sam@example.com"
	mei   = "mei@example.com"
)

// requests is the view as the jobs and commands draw it, on Monday 23
// November 2026 at 15:00 in Berlin.
func requests() prompts.Requests {
	return prompts.Requests{
		Location: berlin,
		Now:      at(23, 15, 0),
		Command:  "/warden",
		Approvers: func(kind string) []string {
			if kind == approvals.Change.Name {
				return []string{dana, lee, priya}
			}
			return []string{dana, lee, omar, priya}
		},
	}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, berlin) }

// lowApp is a low-risk app request omar sent at 10:42 on 23 November.
func lowApp() approvals.Request {
	return approvals.Request{
		ID: "REQ-LWR7N2", Kind: approvals.App.Name, Title: "Install Timesheet Helper", Requester: omar,
		Answers: approvals.Answers{
			approvals.FieldApp: "Timesheet Helper", approvals.FieldWhy: "Agents log time per ticket for billing.",
			approvals.FieldData: approvals.DataTickets, approvals.FieldScopes: "read", approvals.FieldOwner: omar,
			approvals.FieldReview: "2027-02-21",
		},
		Owner: omar, Tier: approvals.Low, Needed: 1, State: approvals.Pending,
		CreatedAt: at(23, 10, 42), ExpiresAt: at(30, 10, 42), ReviewOn: day(2027, 2, 21),
	}
}

// highApp is a high-risk app request: it touches customer PII, so it
// needs two approvals.
func highApp() approvals.Request {
	return approvals.Request{
		ID: "REQ-7KQ2MX", Kind: approvals.App.Name, Title: "Install Salesforce Sync", Requester: omar,
		Answers: approvals.Answers{
			approvals.FieldApp:    "Salesforce Sync",
			approvals.FieldWhy:    "Account owners need closed tickets on their Salesforce records.\nToday they copy them by hand.",
			approvals.FieldData:   approvals.DataCustomerPII,
			approvals.FieldScopes: "read tickets:write",
			approvals.FieldOwner:  omar,
			approvals.FieldReview: "2027-02-21",
		},
		Owner: omar, Tier: approvals.High, TierWhy: "it touches customer PII", Needed: 2, State: approvals.Pending,
		CreatedAt: at(23, 10, 42), ExpiresAt: at(30, 10, 42), ReviewOn: day(2027, 2, 21),
	}
}

// questioned is highApp with dana's approval and priya's open question.
func questioned() approvals.Request {
	r := highApp()
	r.Approvals = []approvals.Mark{{By: dana, At: at(23, 11, 5)}}
	r.Questions = []approvals.Question{{Mark: approvals.Mark{By: priya, At: at(23, 11, 20), Text: "Which Salesforce objects does it write to?"}}}
	return r
}

func approvedApp() approvals.Request {
	r := highApp()
	r.Approvals = []approvals.Mark{{By: dana, At: at(23, 11, 5)}, {By: priya, At: at(24, 9, 30)}}
	r.Questions = []approvals.Question{{
		Mark:   approvals.Mark{By: priya, At: at(23, 11, 20), Text: "Which Salesforce objects does it write to?"},
		Answer: &approvals.Mark{By: omar, At: at(23, 13, 2), Text: "Only Account and Case; it never deletes."},
	}}
	r.State, r.DecidedAt = approvals.Approved, at(24, 9, 30)
	return r
}

// approvedAccess is mei's ask for admin for two hours, approved by dana
// and priya.
func approvedAccess() approvals.Request {
	return approvals.Request{
		ID: "REQ-ACC3SS", Kind: approvals.Access.Name, Title: "Access as admin for 2 hours", Requester: mei,
		Answers: approvals.Answers{
			approvals.FieldRole: "admin", approvals.FieldDuration: "2h0m0s",
			approvals.FieldWhy: "Fix the SSO settings after the IdP change", approvals.FieldTicket: "4521",
		},
		Owner: mei, Tier: approvals.High, TierWhy: "it grants admin, a high-risk role", Needed: 2, State: approvals.Approved,
		Approvals: []approvals.Mark{{By: dana, At: at(23, 11, 5)}, {By: priya, At: at(23, 11, 9)}},
		CreatedAt: at(23, 10, 58), ExpiresAt: at(30, 10, 58), DecidedAt: at(23, 11, 9),
	}
}

// retroactiveAccess is dana's retroactive request for the admin role mei
// was found holding by hand.
func retroactiveAccess() approvals.Request {
	r := accessPending(nil)
	r.Answers = maps.Clone(r.Answers)
	delete(r.Answers, approvals.FieldTicket)
	r.AccessShadow, r.OpenedBy = "900000000105-1795168920", dana
	return r
}

// accessPending is approvedAccess before any approval, naming ticket t.
func accessPending(t *connector.Ticket) approvals.Request {
	r := approvedAccess()
	r.State, r.Approvals, r.DecidedAt, r.Ticket = approvals.Pending, nil, time.Time{}, t
	return r
}

// confirmingAccess is accessPending waiting for mei's manager lee, or
// after lee's confirmation ended with outcome.
func confirmingAccess(outcome approvals.ConfirmOutcome) approvals.Request {
	r := accessPending(nil)
	r.State = approvals.Confirming
	r.Confirmation = &approvals.Confirmation{By: lee, As: access.ConfirmByManager}
	if outcome == "" {
		return r
	}
	at := at(23, 11, 1)
	r.Confirmation.Outcome, r.Confirmation.At, r.Confirmation.Verification = outcome, at, "V-3MPQ7R"
	switch outcome {
	case approvals.Confirmed:
		r.State = approvals.Pending
	case approvals.Refused:
		r.Confirmation.Why = "refused to confirm that mei@example.com asked; security was told"
		r.State, r.DecidedAt, r.Denial = approvals.Denied, at, &approvals.Mark{By: lee, At: at, Text: r.Confirmation.Why}
	case approvals.Unconfirmed:
		r.Confirmation.Why = "lee@example.com did not answer in time"
		r.State, r.DecidedAt, r.Closed = approvals.Expired, at, &approvals.Mark{By: "system", At: at, Text: r.Confirmation.Why}
	}
	return r
}

func deniedApp() approvals.Request {
	r := highApp()
	r.Denial = &approvals.Mark{By: dana, At: at(23, 11, 30), Text: "Customer PII must not leave Zendesk without a DPA <legal> & co."}
	r.State, r.DecidedAt = approvals.Denied, at(23, 11, 30)
	return r
}

func expiredApp() approvals.Request {
	r := highApp()
	r.Approvals = []approvals.Mark{{By: dana, At: at(23, 11, 5)}}
	r.State, r.DecidedAt, r.Closed = approvals.Expired, at(30, 10, 45), &approvals.Mark{By: "system", At: at(30, 10, 45)}
	return r
}

func cancelledApp() approvals.Request {
	r := lowApp()
	r.State, r.DecidedAt, r.Closed = approvals.Cancelled, at(23, 12, 0), &approvals.Mark{By: omar, At: at(23, 12, 0)}
	return r
}

// doneApp is approvedApp marked installed by omar; found tells what the
// sync after saw.
func doneApp(found bool) approvals.Request {
	r := approvedApp()
	r.State, r.Closed = approvals.Done, &approvals.Mark{By: omar, At: at(24, 14, 0)}
	r.Verified = &approvals.Verification{At: at(25, 3, 0), Found: found}
	if found {
		r.Verified.SaaSID = 219999
	}
	return r
}

// githubApp is a low-risk request for a GitHub App on the organisation.
func githubApp() approvals.Request {
	r := lowApp()
	r.ID, r.Title = "REQ-GH4PP2", "Install acme-ci in GitHub"
	r.Answers[approvals.FieldApp], r.Answers[approvals.FieldSaaS] = "acme-ci", connector.GitHub
	r.Answers[approvals.FieldData], r.Answers[approvals.FieldScopes] = approvals.DataNone, "checks:write contents:read"
	return r
}

// githubAppDone is githubApp approved, marked installed and found by the
// sync; retroactive for the installation it was reported as.
func githubAppDone() approvals.Request {
	r := githubApp()
	r.Shadow, r.ShadowSaaS = 55000002, connector.GitHub
	r.Approvals = []approvals.Mark{{By: dana, At: at(23, 11, 5)}}
	r.State, r.DecidedAt = approvals.Done, at(23, 11, 5)
	r.Closed = &approvals.Mark{By: omar, At: at(24, 14, 0)}
	r.Verified = &approvals.Verification{At: at(25, 3, 0), Found: true, SaaSID: 55000002}
	return r
}

// change is a high-risk change lee asked for: it mentions an SLA.
func change() approvals.Request {
	return approvals.Request{
		ID: "REQ-CHG5NP", Kind: approvals.Change.Name, Title: "Turn on an SLA policy for VIP tickets", Requester: lee,
		Answers: approvals.Answers{
			approvals.FieldWhat:     "Turn on an SLA policy for VIP tickets\nFirst reply within 1 hour, in Admin Center > Objects and rules > SLAs",
			approvals.FieldWhy:      "VIP customers wait too long for a first reply.",
			approvals.FieldTier:     approvals.TierSuggest,
			approvals.FieldRollback: "Deactivate the policy in Admin Center.",
			approvals.FieldReview:   "2027-01-15",
		},
		Owner: lee, Tier: approvals.High, TierWhy: `it mentions "sla"`, Needed: 2, State: approvals.Pending,
		CreatedAt: at(23, 10, 42), ExpiresAt: at(30, 10, 42), ReviewOn: day(2027, 1, 15),
	}
}

func approvedChange() approvals.Request {
	r := change()
	r.Approvals = []approvals.Mark{{By: dana, At: at(23, 11, 5)}, {By: priya, At: at(23, 14, 10)}}
	r.State, r.DecidedAt = approvals.Approved, at(23, 14, 10)
	return r
}

func rolledBack() approvals.Request {
	r := approvedChange()
	r.ReviewSent = time.Date(2027, 1, 15, 6, 0, 0, 0, berlin)
	r.State, r.Closed = approvals.RolledBack, &approvals.Mark{By: lee, At: time.Date(2027, 1, 15, 9, 10, 0, 0, berlin)}
	return r
}

// stateLine is the parent's first section: where the request stands.
func stateLine(t *testing.T, m bot.Message) string {
	t.Helper()
	if len(m.Sections) == 0 {
		t.Fatalf("no sections in %+v", m)
	}
	return m.Sections[0].Text
}

func buttonIDs(bs []bot.Button) []string {
	var ids []string
	for _, b := range bs {
		ids = append(ids, b.ActionID)
	}
	return ids
}

func field(t *testing.T, m bot.Message, label string) string {
	t.Helper()
	for _, s := range m.Sections {
		for _, f := range s.Fields {
			if f.Label == label {
				return f.Value
			}
		}
	}
	t.Errorf("no field %q in %+v", label, m.Sections)
	return ""
}

// checkSmall states what keeps a request message to one rendered part:
// ten fields a section at most, no line past Slack's 3000 characters a
// section (longer text is split at line breaks), no field past 2000, and
// a bounded whole.
func checkSmall(t *testing.T, m bot.Message) {
	t.Helper()
	total := len(m.Headline)
	for i, s := range m.Sections {
		if len(s.Fields) > 10 {
			t.Errorf("section %d has %d fields", i, len(s.Fields))
		}
		for l := range strings.SplitSeq(s.Text, "\n") {
			if n := utf8.RuneCountInString(l); n > 3000 {
				t.Errorf("section %d has a line of %d characters", i, n)
			}
		}
		total += len(s.Text)
		for _, f := range s.Fields {
			if n := utf8.RuneCountInString(f.Value); n > 2000 {
				t.Errorf("field %q has %d characters", f.Label, n)
			}
			total += len(f.Label) + len(f.Value)
		}
		for _, b := range s.Actions {
			checkValue(t, b)
		}
	}
	for _, b := range m.Buttons {
		checkValue(t, b)
	}
	for _, c := range m.Context {
		total += len(c)
	}
	if total > 12000 {
		t.Errorf("message holds %d bytes of text", total)
	}
	if len(m.Sections)+len(m.Context) > 24 {
		t.Errorf("%d sections and %d context lines", len(m.Sections), len(m.Context))
	}
}

// checkValue: request buttons carry a request id and nothing else;
// danger buttons that act at once ask first.
func checkValue(t *testing.T, b bot.Button) {
	t.Helper()
	if strings.HasPrefix(b.ActionID, "request.") && !approvals.ValidID(b.Value) {
		t.Errorf("button %s carries %q, not a request id", b.ActionID, b.Value)
	}
	opensForm := b.ActionID == prompts.ActionRequestDeny
	if b.Style == bot.StyleDanger && b.Confirm == nil && !opensForm {
		t.Errorf("danger button %s does not ask first", b.ActionID)
	}
}

// TestParent is the thread's parent in every state a request can be in.
func TestParent(t *testing.T) {
	ownerOnly := lowApp()
	ownerOnly.Answers[approvals.FieldOwner], ownerOnly.Owner = sam, sam
	ownerOnly.Approvals = []approvals.Mark{{By: sam, At: at(23, 11, 0)}}
	retro := lowApp()
	retro.Shadow = 361234500002
	whereZendesk := lowApp()
	whereZendesk.Answers[approvals.FieldSaaS] = connector.Zendesk
	retroHub := githubApp()
	retroHub.Shadow, retroHub.ShadowSaaS = 55000002, connector.GitHub
	approvedHub := githubApp()
	approvedHub.Approvals = []approvals.Mark{{By: dana, At: at(23, 11, 5)}}
	approvedHub.State, approvedHub.DecidedAt = approvals.Approved, at(23, 11, 5)
	missingHub := githubAppDone()
	missingHub.Verified = &approvals.Verification{At: at(25, 3, 0)}
	extended := approvedChange()
	extended.ReviewOn = day(2027, 4, 15)
	markup := lowApp()
	markup.Title, markup.Answers[approvals.FieldApp] = "Install <!channel> & co", "<!channel> & co"
	markup.Answers[approvals.FieldWhy] = strings.Repeat("Long reason. ", 60)
	pending := []string{prompts.ActionRequestApprove, prompts.ActionRequestDeny, prompts.ActionRequestAsk}
	tests := []struct {
		name    string
		r       approvals.Request
		buttons []string
		check   func(t *testing.T, m bot.Message)
	}{
		{"pending low with no approvals", lowApp(), pending, func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "App install request REQ-LWR7N2: Install Timesheet Helper")
			wantLine(t, stateLine(t, m), "⌛ Pending: needs 1 more approval from dana@example.com, lee@example.com or priya@example.com")
			if got := field(t, m, "Approvals"); got != "0 of 1" {
				t.Errorf("approvals = %q", got)
			}
			if got := field(t, m, "Risk tier"); got != "Low" {
				t.Errorf("tier = %q", got)
			}
			if got := field(t, m, "Zendesk data it touches"); got != "Tickets" {
				t.Errorf("a choice shows its option's label: %q", got)
			}
			if got := field(t, m, "Expires"); got != "30 Nov 2026 10:42" {
				t.Errorf("expires = %q", got)
			}
			if b := m.Buttons[1]; b.Style != bot.StyleDanger || b.Confirm != nil {
				t.Errorf("Deny = %+v: danger, and no confirm, since it opens a form", b)
			}
		}},
		{"pending high 1 of 2 with an open question", questioned(), pending, func(t *testing.T, m bot.Message) {
			wantLine(t, stateLine(t, m), "⌛ Pending: needs 1 more approval from lee@example.com or priya@example.com")
			wantLine(t, stateLine(t, m), "ℹ Open question from priya@example.com: “Which Salesforce objects does it write to?” Waiting for omar@example.com to answer.")
			if got := field(t, m, "Approvals"); got != "1 of 2: dana@example.com 11:05" {
				t.Errorf("approvals = %q", got)
			}
			if got := field(t, m, "Risk tier"); got != "High: it touches customer PII" {
				t.Errorf("tier = %q", got)
			}
			mustSay(t, m, "Request REQ-7KQ2MX · /warden request show REQ-7KQ2MX")
		}},
		{"pending with only the owner's approval", ownerOnly, pending, func(t *testing.T, m bot.Message) {
			wantLine(t, stateLine(t, m), "⌛ Pending: needs an approval from someone other than the owner, sam@example.com: dana@example.com, lee@example.com or priya@example.com")
		}},
		{"pending retroactive", retro, pending, func(t *testing.T, m bot.Message) {
			mustSay(t, m, "⚠ Retroactive: this app is already installed in Zendesk (installation 361234500002) without an approved request.")
		}},
		{"pending Zendesk app saying where", whereZendesk, pending, func(t *testing.T, m bot.Message) {
			// Zendesk, where every app was before GitHub, goes without
			// saying: the parent reads as it always did.
			mustNotSay(t, m, "Where", "GitHub")
		}},
		{"pending GitHub App", githubApp(), pending, func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "App install request REQ-GH4PP2: Install acme-ci in GitHub")
			if got := field(t, m, "Where"); got != "GitHub" {
				t.Errorf("where = %q", got)
			}
			if got := field(t, m, "Scopes it asks for"); got != "checks:write contents:read" {
				t.Errorf("scopes = %q", got)
			}
		}},
		{"pending retroactive GitHub App", retroHub, pending, func(t *testing.T, m bot.Message) {
			mustSay(t, m, "⚠ Retroactive: this app is already installed in GitHub (installation 55000002) without an approved request.")
			mustNotSay(t, m, "Zendesk (installation")
		}},
		{"approved GitHub App", approvedHub, []string{prompts.ActionRequestDone}, func(t *testing.T, m bot.Message) {
			wantLine(t, stateLine(t, m), "Next: install it in GitHub, then press *Mark installed*; the next sync checks that GitHub has it.")
		}},
		{"done verified GitHub App", githubAppDone(), nil, func(t *testing.T, m bot.Message) {
			wantLine(t, stateLine(t, m), "✅ Done: marked installed by omar@example.com on 24 Nov 2026 at 14:00 · verified in GitHub at the last sync (installation 55000002)")
		}},
		{"done missing GitHub App", missingHub, nil, func(t *testing.T, m bot.Message) {
			wantLine(t, stateLine(t, m), "⚠ Done: marked installed by omar@example.com on 24 Nov 2026 at 14:00 · not found in GitHub at the last sync")
		}},
		{"pending with markup and a long answer", markup, pending, func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "App install request REQ-LWR7N2: Install <!channel> & co")
			if got := field(t, m, "App"); got != "<!channel> & co" {
				t.Errorf("fields are plain text, escaped by the renderer: %q", got)
			}
			if got := field(t, m, "Why we need it"); utf8.RuneCountInString(got) > 300 || !strings.HasSuffix(got, "…") {
				t.Errorf("a long answer is clipped to at most 300 characters: %d %q", utf8.RuneCountInString(got), got)
			}
		}},
		{"approved app", approvedApp(), []string{prompts.ActionRequestDone}, func(t *testing.T, m bot.Message) {
			wantLine(t, stateLine(t, m), "✅ Approved by dana@example.com and priya@example.com on 24 Nov 2026 at 09:30")
			wantLine(t, stateLine(t, m), "Next: install it in Zendesk, then press *Mark installed*; the next sync checks that Zendesk has it.")
			if got := field(t, m, "Approvals"); got != "2 of 2: dana@example.com 11:05, priya@example.com 24 Nov 2026 09:30" {
				t.Errorf("approvals = %q", got)
			}
			mustNotSay(t, m, "Expires", "Open question")
		}},
		{"denied", deniedApp(), nil, func(t *testing.T, m bot.Message) {
			wantLine(t, stateLine(t, m), "⛔ Denied by dana@example.com on 23 Nov 2026 at 11:30: Customer PII must not leave Zendesk without a DPA &lt;legal&gt; &amp; co.")
		}},
		{"expired", expiredApp(), nil, func(t *testing.T, m bot.Message) {
			wantLine(t, stateLine(t, m), "⏱ Expired on 30 Nov 2026 at 10:45 with 1 of 2 approvals")
		}},
		{"cancelled", cancelledApp(), nil, func(t *testing.T, m bot.Message) {
			wantLine(t, stateLine(t, m), "➖ Cancelled by the requester, omar@example.com, on 23 Nov 2026 at 12:00")
		}},
		{"done verified", doneApp(true), nil, func(t *testing.T, m bot.Message) {
			wantLine(t, stateLine(t, m), "✅ Done: marked installed by omar@example.com on 24 Nov 2026 at 14:00 · verified in Zendesk at the last sync (installation 219999)")
		}},
		{"done missing", doneApp(false), nil, func(t *testing.T, m bot.Message) {
			wantLine(t, stateLine(t, m), "⚠ Done: marked installed by omar@example.com on 24 Nov 2026 at 14:00 · not found in Zendesk at the last sync")
		}},
		{"change approved with review date", approvedChange(), nil, func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Change request REQ-CHG5NP: Turn on an SLA policy for VIP tickets")
			wantLine(t, stateLine(t, m), "Review on 15 Jan 2027: lee@example.com is asked then to keep it, roll it back or extend the review.")
			if got := field(t, m, "Review date"); got != "15 Jan 2027" {
				t.Errorf("review date = %q", got)
			}
			if got := field(t, m, "Risk tier"); got != `High: it mentions "sla"` {
				t.Errorf("tier = %q", got)
			}
			mustNotSay(t, m, "Suggest one from my answers")
		}},
		{"change review extended", extended, nil, func(t *testing.T, m bot.Message) {
			wantLine(t, stateLine(t, m), "➡ Review extended to 15 Apr 2027; lee@example.com is asked then to keep it, roll it back or extend again.")
		}},
		{"access pending, ticket checked", accessPending(&connector.Ticket{ID: 4521, Subject: "SSO certificate expires <tonight>", Status: "open"}), pending, func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Access grant request REQ-ACC3SS: Access as admin for 2 hours")
			if got := field(t, m, "Ticket"); got != "#4521 SSO certificate expires <tonight> (open)" {
				t.Errorf("ticket = %q", got)
			}
		}},
		{"access pending, ticket unchecked", accessPending(&connector.Ticket{ID: 4521}), pending, func(t *testing.T, m bot.Message) {
			if got := field(t, m, "Ticket"); got != "#4521 (not checked: Zendesk did not answer)" {
				t.Errorf("ticket = %q", got)
			}
		}},
		{"rolled back", rolledBack(), nil, func(t *testing.T, m bot.Message) {
			wantLine(t, stateLine(t, m), "➖ Rolled back: lee@example.com recorded it on 15 Jan 2027 at 09:10")
		}},
		{"access awaiting confirmation", confirmingAccess(""), nil, func(t *testing.T, m bot.Message) {
			wantLine(t, stateLine(t, m), "⌛ Awaiting confirmation: lee@example.com, the requester's manager, confirms that mei@example.com asked; then it goes to its approvers.")
		}},
		{"access confirmed", confirmingAccess(approvals.Confirmed), pending, func(t *testing.T, m bot.Message) {
			mustSay(t, m, "✅ Confirmed by lee@example.com, the requester's manager, on 23 Nov 2026 at 11:01, by number matching.")
		}},
		{"access refused by the manager", confirmingAccess(approvals.Refused), nil, func(t *testing.T, m bot.Message) {
			wantLine(t, stateLine(t, m), "⛔ Denied by lee@example.com on 23 Nov 2026 at 11:01: refused to confirm that mei@example.com asked; security was told")
		}},
		{"access not confirmed in time", confirmingAccess(approvals.Unconfirmed), nil, func(t *testing.T, m bot.Message) {
			mustSay(t, m, "⏱ Not confirmed: lee@example.com did not answer in time")
		}},
		{"access retroactive", retroactiveAccess(), pending, func(t *testing.T, m bot.Message) {
			mustSay(t, m, "⚠ Retroactive: mei@example.com already holds admin without a grant; dana@example.com opened this in their name. Approving makes it a grant that ends on time; denying leaves it for an admin to put back.")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := requests().Parent(tt.r)
			if m.Visibility != bot.Visible || m.Delivery != bot.NewMessage {
				t.Errorf("visibility %v, delivery %v: the parent is posted for the channel", m.Visibility, m.Delivery)
			}
			if got := buttonIDs(m.Buttons); !slices.Equal(got, tt.buttons) {
				t.Errorf("buttons %v, want %v", got, tt.buttons)
			}
			for _, b := range m.Buttons {
				if b.Value != tt.r.ID {
					t.Errorf("button %s value %q, want %s", b.ActionID, b.Value, tt.r.ID)
				}
			}
			if want := "Request " + tt.r.ID + " · /warden request show " + tt.r.ID; !slices.Equal(m.Context, []string{want}) {
				t.Errorf("context = %q", m.Context)
			}
			checkSmall(t, m)
			tt.check(t, m)
			goldenJSON(t, m)
			if tt.r.Kind == approvals.Access.Name {
				goldenRendered(t, m)
			}
		})
	}
}

// TestParentWithoutApprovers: a policy naming nobody else says so rather
// than listing nobody.
func TestParentWithoutApprovers(t *testing.T) {
	v := requests()
	v.Approvers = nil
	wantLine(t, stateLine(t, v.Parent(lowApp())), "⌛ Pending: needs 1 more approval; the policy names no other approver for app install requests")
}

// TestParentLargest: every answer at its longest still makes a small
// parent.
func TestParentLargest(t *testing.T) {
	r := questioned()
	for _, f := range approvals.App.Fields {
		if f.MaxLength > 0 {
			r.Answers[f.ID] = strings.Repeat("<&x", f.MaxLength)[:f.MaxLength]
		}
	}
	r.Questions[0].Text = strings.Repeat("q", 1000)
	checkSmall(t, requests().Parent(r))
}

// notice is what a transition queued for the thread or a direct message.
func notice(kind approvals.NoticeKind, e approvals.Event, by string, when time.Time, text string, count int) approvals.Notice {
	return approvals.Notice{Seq: 2, Kind: kind, Event: e, Mark: approvals.Mark{By: by, At: when, Text: text}, Count: count}
}

// TestThreadReply is one reply for every event a thread hears of.
func TestThreadReply(t *testing.T) {
	ownerOnly := lowApp()
	ownerOnly.Owner, ownerOnly.Approvals = sam, []approvals.Mark{{By: sam, At: at(23, 11, 0)}}
	answered := approvedApp()
	answered.State = approvals.Pending
	extended := approvedChange()
	extended.ReviewOn = day(2027, 4, 15)
	reply := approvals.Reply
	tests := []struct {
		name     string
		r        approvals.Request
		n        approvals.Notice
		headline string
		text     string // the section's text, "" for none
	}{
		{"approval", questioned(), notice(reply, approvals.EventApproval, dana, at(23, 11, 5), "", 1),
			"✅ dana@example.com approved (1 of 2)", "Needs 1 more approval."},
		{"approval by the owner only", ownerOnly, notice(reply, approvals.EventApproval, sam, at(23, 11, 0), "", 1),
			"✅ sam@example.com approved (1 of 2)", "Needs an approval from someone other than the owner, sam@example.com."},
		{"approved app", approvedApp(), notice(reply, approvals.EventApproved, priya, at(24, 9, 30), "", 2),
			"✅ priya@example.com approved (2 of 2): the request is approved", "Mark installed once it is in Zendesk; the next sync checks."},
		{"approved change", approvedChange(), notice(reply, approvals.EventApproved, priya, at(23, 14, 10), "", 2),
			"✅ priya@example.com approved (2 of 2): the request is approved", "Review on 15 Jan 2027: lee@example.com is asked then to keep it, roll it back or extend the review."},
		{"denied", deniedApp(), notice(reply, approvals.EventDenied, dana, at(23, 11, 30), deniedApp().Denial.Text, 0),
			"⛔ dana@example.com denied the request", "*Reason:* Customer PII must not leave Zendesk without a DPA &lt;legal&gt; &amp; co."},
		{"question", questioned(), notice(reply, approvals.EventQuestion, priya, at(23, 11, 20), "Which <objects> does it write to?", 0),
			"❓ priya@example.com asked a question", "Which &lt;objects&gt; does it write to?\nomar@example.com can answer from their direct message."},
		{"answer", answered, notice(reply, approvals.EventAnswer, omar, at(23, 13, 2), "Only Account and Case; it never deletes.", 0),
			"💬 omar@example.com answered", "*priya@example.com asked:* Which Salesforce objects does it write to?\nOnly Account and Case; it never deletes."},
		{"expired", expiredApp(), notice(reply, approvals.EventExpired, "system", at(30, 10, 45), "", 1),
			"⏱ Expired after 7 days without enough approvals", "It had 1 of 2. omar@example.com can ask again with a new request."},
		{"cancelled", cancelledApp(), notice(reply, approvals.EventCancelled, omar, at(23, 12, 0), "", 0),
			"✖ omar@example.com cancelled the request", ""},
		{"done", doneApp(false), notice(reply, approvals.EventDone, omar, at(24, 14, 0), "", 2),
			"📦 Marked installed by omar@example.com", "The next sync checks that Zendesk has Salesforce Sync."},
		{"verified", doneApp(true), notice(reply, approvals.EventVerified, "job:sync", at(25, 3, 0), "", 2),
			"✅ Verified in Zendesk", "The sync found Salesforce Sync installed in Zendesk (installation 219999)."},
		{"missing", doneApp(false), notice(reply, approvals.EventMissing, "job:sync", at(25, 3, 0), "", 2),
			"⚠ Not found in Zendesk", "The last sync found no installation named Salesforce Sync in Zendesk. Check the name, or install it; the next sync looks again."},
		{"approved GitHub App", githubApp(), notice(reply, approvals.EventApproved, dana, at(23, 11, 5), "", 1),
			"✅ dana@example.com approved (1 of 1): the request is approved", "Mark installed once it is in GitHub; the next sync checks."},
		{"done GitHub App", githubAppDone(), notice(reply, approvals.EventDone, omar, at(24, 14, 0), "", 1),
			"📦 Marked installed by omar@example.com", "The next sync checks that GitHub has acme-ci."},
		{"verified GitHub App", githubAppDone(), notice(reply, approvals.EventVerified, "job:sync", at(25, 3, 0), "", 1),
			"✅ Verified in GitHub", "The sync found acme-ci installed in GitHub (installation 55000002)."},
		{"missing GitHub App", githubAppDone(), notice(reply, approvals.EventMissing, "job:sync", at(25, 3, 0), "", 1),
			"⚠ Not found in GitHub", "The last sync found no installation named acme-ci in GitHub. Check the name, or install it; the next sync looks again."},
		{"kept", approvedChange(), notice(reply, approvals.EventKept, lee, time.Date(2027, 1, 15, 9, 10, 0, 0, berlin), "", 2),
			"✅ lee@example.com kept the change", "The request is done."},
		{"rolled back", rolledBack(), notice(reply, approvals.EventRolled, lee, time.Date(2027, 1, 15, 9, 10, 0, 0, berlin), "", 2),
			"↩ lee@example.com rolled the change back", "The request is closed as rolled back."},
		{"extended", extended, notice(reply, approvals.EventExtended, lee, time.Date(2027, 1, 15, 9, 10, 0, 0, berlin), "2027-04-15", 2),
			"📅 lee@example.com extended the review to 15 Apr 2027", "lee@example.com is asked again then to keep it, roll it back or extend the review."},
		{"granted", approvedAccess(), notice(reply, approvals.EventGranted, "system", at(23, 11, 9), "2026-11-23T12:09:00Z", 2),
			"🔓 Granted: mei@example.com is admin until 23 Nov 2026 13:09",
			"Taken back automatically then, with their sessions ended. Grant g-REQ-ACC3SS · /warden access revoke g-REQ-ACC3SS ends it sooner."},
		{"grant ended", approvedAccess(), notice(reply, approvals.EventGrantEnded, "system", at(23, 13, 9), "Ended on time (expired); back to agent (custom role 360001112224), sessions ended.", 2),
			"🔒 Ended: mei@example.com no longer holds admin", "Ended on time (expired); back to agent (custom role 360001112224), sessions ended."},
		{"grant held", approvedAccess(), notice(reply, approvals.EventGrantHeld, "system", at(23, 13, 9), "the role was changed by hand during the grant: agent now, admin granted, agent before; left as it is for a person to decide", 2),
			"⚠ The grant's end needs a person", "the role was changed by hand during the grant: agent now, admin granted, agent before; left as it is for a person to decide"},
		{"grant extended", approvedAccess(), notice(reply, approvals.EventGrantExtended, mei, at(23, 12, 50), "2026-11-23T12:39:00Z", 2),
			"⏩ mei@example.com extended the grant until 23 Nov 2026 13:39",
			"A self-extension, which the policy allows once per grant; longer goes to approvers."},
		{"grant refused", approvedAccess(), notice(reply, approvals.EventGrantRefused, "system", at(23, 11, 9), "mei@example.com is not on the account's staff: only agents can be given a privileged role", 2),
			"⛔ Not granted", "mei@example.com is not on the account's staff: only agents can be given a privileged role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := requests().ThreadReply(tt.r, tt.n)
			if m.Visibility != bot.Visible || m.Delivery != bot.InThread {
				t.Errorf("visibility %v, delivery %v: a reply goes in the thread, for everyone", m.Visibility, m.Delivery)
			}
			wantHeadline(t, m, tt.headline)
			switch {
			case tt.text == "" && len(m.Sections) != 0:
				t.Errorf("sections %+v, want none", m.Sections)
			case tt.text != "" && (len(m.Sections) != 1 || m.Sections[0].Text != tt.text):
				t.Errorf("sections %+v, want one saying %q", m.Sections, tt.text)
			}
			if len(m.Buttons) > 0 {
				t.Errorf("buttons in a reply: %+v", m.Buttons)
			}
			if want := tt.r.ID + " · " + tt.n.Mark.At.Format("2 Jan 2006 15:04"); !slices.Equal(m.Context, []string{want}) {
				t.Errorf("context = %q, want %q", m.Context, want)
			}
			goldenJSON(t, m)
			if tt.r.Kind == approvals.Access.Name {
				goldenRendered(t, m) // new with access: as each transport shows it
			}
		})
	}
}

// TestDirect is each direct message: to the requester when the request
// is decided, expires or has a question, to the owner at review time.
func TestDirect(t *testing.T) {
	direct := approvals.Direct
	due := approvedChange()
	due.ReviewSent = time.Date(2027, 1, 15, 6, 0, 0, 0, berlin)
	tests := []struct {
		name     string
		r        approvals.Request
		n        approvals.Notice
		headline string
		buttons  []string
		check    func(t *testing.T, m bot.Message)
	}{
		{"approved app", approvedApp(), notice(direct, approvals.EventApproved, priya, at(24, 9, 30), "", 2),
			"Your request REQ-7KQ2MX is approved", nil, func(t *testing.T, m bot.Message) {
				wantLine(t, m.Sections[0].Text, "*Install Salesforce Sync* was approved by dana@example.com and priya@example.com.")
				wantLine(t, m.Sections[0].Text, "Next: install Salesforce Sync in Zendesk, then press *Mark installed* on the request in the approvals channel. The next sync checks that Zendesk has it.")
			}},
		{"approved GitHub App", githubApp(), notice(direct, approvals.EventApproved, dana, at(23, 11, 5), "", 1),
			"Your request REQ-GH4PP2 is approved", nil, func(t *testing.T, m bot.Message) {
				wantLine(t, m.Sections[0].Text, "Next: install acme-ci in GitHub, then press *Mark installed* on the request in the approvals channel. The next sync checks that GitHub has it.")
			}},
		{"approved change", approvedChange(), notice(direct, approvals.EventApproved, priya, at(23, 14, 10), "", 2),
			"Your request REQ-CHG5NP is approved", nil, func(t *testing.T, m bot.Message) {
				wantLine(t, m.Sections[0].Text, "Next: make the change. On 15 Jan 2027 you are asked to keep it, roll it back or extend the review.")
			}},
		{"denied", deniedApp(), notice(direct, approvals.EventDenied, dana, at(23, 11, 30), deniedApp().Denial.Text, 0),
			"Your request REQ-7KQ2MX was denied", nil, func(t *testing.T, m bot.Message) {
				wantLine(t, m.Sections[0].Text, "dana@example.com denied *Install Salesforce Sync*:")
				wantLine(t, m.Sections[0].Text, "Customer PII must not leave Zendesk without a DPA &lt;legal&gt; &amp; co.")
			}},
		{"expired", expiredApp(), notice(direct, approvals.EventExpired, "system", at(30, 10, 45), "", 1),
			"Your request REQ-7KQ2MX expired", nil, func(t *testing.T, m bot.Message) {
				wantLine(t, m.Sections[0].Text, "*Install Salesforce Sync* had 1 of 2 approvals after 7 days, so it expired.")
				wantLine(t, m.Sections[0].Text, "If it is still needed, ask again with /warden request app.")
			}},
		{"question", questioned(), notice(direct, approvals.EventQuestion, priya, at(23, 11, 20), "Which Salesforce objects does it write to?", 0),
			"A question about your request REQ-7KQ2MX", []string{prompts.ActionRequestAnswer}, func(t *testing.T, m bot.Message) {
				wantLine(t, m.Sections[0].Text, "priya@example.com asks about *Install Salesforce Sync*:")
				wantLine(t, m.Sections[0].Text, "Which Salesforce objects does it write to?")
				if m.Buttons[0].Style != bot.StylePrimary {
					t.Errorf("Answer is %+v", m.Buttons[0])
				}
			}},
		{"granted", approvedAccess(), notice(direct, approvals.EventGranted, "system", at(23, 11, 9), "2026-11-23T12:09:00Z", 2),
			"You are admin in Zendesk until 23 Nov 2026 13:09", nil, func(t *testing.T, m bot.Message) {
				wantLine(t, m.Sections[0].Text, "Approved by dana@example.com and priya@example.com. It is taken back then and your Zendesk sessions are ended, so sign in again afterwards.")
				wantLine(t, m.Sections[0].Text, "Done sooner? /warden access revoke g-REQ-ACC3SS")
			}},
		{"grant ending", approvedAccess(), notice(direct, approvals.EventGrantEnding, "system", at(23, 12, 59), "2026-11-23T12:09:00Z", 2),
			"Your admin access ends at 23 Nov 2026 13:09", nil, func(t *testing.T, m bot.Message) {
				wantLine(t, m.Sections[0].Text, "Save your work in Zendesk: at the end your sessions are ended. Need longer? Ask again with /warden request access.")
			}},
		{"grant ended", approvedAccess(), notice(direct, approvals.EventGrantEnded, "system", at(23, 13, 9), "Ended on time (expired); back to agent, sessions ended.", 2),
			"Your admin access has ended", nil, func(t *testing.T, m bot.Message) {
				wantLine(t, m.Sections[0].Text, "Ended on time (expired); back to agent, sessions ended.")
			}},
		{"grant refused", approvedAccess(), notice(direct, approvals.EventGrantRefused, "system", at(23, 11, 9), "already admin in Zendesk: nothing to grant", 2),
			"Your admin access was not granted", nil, func(t *testing.T, m bot.Message) {
				wantLine(t, m.Sections[0].Text, "Nothing was changed in Zendesk.")
			}},
		{"review due", due, notice(direct, approvals.EventReviewDue, "system", due.ReviewSent, "", 0),
			"Review time for REQ-CHG5NP: keep, roll back or extend?",
			[]string{prompts.ActionRequestKeep, prompts.ActionRequestRollBack, prompts.ActionRequestExtend}, func(t *testing.T, m bot.Message) {
				wantLine(t, m.Sections[0].Text, "*Turn on an SLA policy for VIP tickets* was approved on 23 Nov 2026 at 14:10 with a review on 15 Jan 2027. You own it: is it still needed?")
				if got := field(t, m, "Rollback plan"); got != "Deactivate the policy in Admin Center." {
					t.Errorf("rollback plan = %q", got)
				}
				if keep, rb := m.Buttons[0], m.Buttons[1]; keep.Style != bot.StylePrimary || rb.Confirm == nil {
					t.Errorf("Keep %+v should be primary, Roll back %+v should ask first", keep, rb)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := requests().Direct(tt.r, tt.n)
			if m.Visibility != bot.Visible {
				t.Errorf("visibility %v", m.Visibility)
			}
			wantHeadline(t, m, tt.headline)
			if got := buttonIDs(m.Buttons); !slices.Equal(got, tt.buttons) {
				t.Errorf("buttons %v, want %v", got, tt.buttons)
			}
			for _, b := range m.Buttons {
				if b.Value != tt.r.ID {
					t.Errorf("button %s value %q", b.ActionID, b.Value)
				}
			}
			checkSmall(t, m)
			tt.check(t, m)
			goldenJSON(t, m)
			if tt.r.Kind == approvals.Access.Name {
				goldenRendered(t, m)
			}
		})
	}
}

func TestSubmitted(t *testing.T) {
	retro := lowApp()
	retro.Shadow = 361234500002
	posted := highApp()
	posted.Thread = approvals.Ref{Platform: "slack", Conversation: "C0APPROVALS", Message: "1790000000.000100"}
	tests := []struct {
		name  string
		r     approvals.Request
		check func(t *testing.T, m bot.Message)
	}{
		{"high", highApp(), func(t *testing.T, m bot.Message) {
			wantLine(t, m.Sections[0].Text, "*Install Salesforce Sync* is posted to the approvals channel, where approvers decide in its thread. You hear from me when it is approved, denied or has a question.")
			if got := field(t, m, "Approvals needed"); got != "2" {
				t.Errorf("needed = %q", got)
			}
			if got := field(t, m, "Risk tier"); got != "High: it touches customer PII" {
				t.Errorf("tier = %q", got)
			}
			if got := field(t, m, "Expires"); got != "30 Nov 2026 10:42 unless approved by then" {
				t.Errorf("expires = %q", got)
			}
		}},
		{"posted", posted, func(t *testing.T, m bot.Message) {
			mustSay(t, m, "is posted to C0APPROVALS")
		}},
		{"retroactive", retro, func(t *testing.T, m bot.Message) {
			wantLine(t, m.Sections[0].Text, "It is retroactive for installation 361234500002, already in Zendesk.")
		}},
		{"retroactive GitHub App", githubAppDone(), func(t *testing.T, m bot.Message) {
			wantLine(t, m.Sections[0].Text, "It is retroactive for installation 55000002, already in GitHub.")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := requests().Submitted(tt.r)
			if m.Visibility != bot.Ephemeral {
				t.Errorf("visibility %v: the confirmation is for the requester", m.Visibility)
			}
			wantHeadline(t, m, "Sent for approval: "+tt.r.ID)
			mustSay(t, m, "See it with /warden request show "+tt.r.ID+" · withdraw it with /warden request cancel "+tt.r.ID)
			tt.check(t, m)
			goldenJSON(t, m)
		})
	}
}

func TestDetail(t *testing.T) {
	tests := []struct {
		name      string
		r         approvals.Request
		requester bool
		buttons   []string
		history   []string
	}{
		{"requester of a pending request", questioned(), true, []string{prompts.ActionRequestCancel}, []string{
			"*History*",
			"23 Nov 2026 10:42 · omar@example.com asked for it",
			"23 Nov 2026 11:05 · dana@example.com approved (1 of 2)",
			"23 Nov 2026 11:20 · priya@example.com asked: “Which Salesforce objects does it write to?”",
		}},
		{"approver of a pending request", questioned(), false, nil, nil},
		{"requester of a request awaiting confirmation", confirmingAccess(""), true, []string{prompts.ActionRequestCancel}, []string{
			"*History*",
			"23 Nov 2026 10:58 · mei@example.com asked for it",
		}},
		{"a confirmed request", confirmingAccess(approvals.Confirmed), false, nil, []string{
			"*History*",
			"23 Nov 2026 10:58 · mei@example.com asked for it",
			"23 Nov 2026 11:01 · lee@example.com, the requester's manager, confirmed that mei@example.com asked",
		}},
		{"a request that ended unconfirmed", confirmingAccess(approvals.Unconfirmed), true, nil, []string{
			"*History*",
			"23 Nov 2026 10:58 · mei@example.com asked for it",
			"23 Nov 2026 11:01 · it ended unconfirmed, before reaching its approvers: lee@example.com did not answer in time",
		}},
		{"requester of a done request", doneApp(true), true, nil, []string{
			"*History*",
			"23 Nov 2026 10:42 · omar@example.com asked for it",
			"23 Nov 2026 11:05 · dana@example.com approved (1 of 2)",
			"23 Nov 2026 11:20 · priya@example.com asked: “Which Salesforce objects does it write to?”",
			"23 Nov 2026 13:02 · omar@example.com answered: “Only Account and Case; it never deletes.”",
			"24 Nov 2026 09:30 · priya@example.com approved (2 of 2)",
			"24 Nov 2026 14:00 · omar@example.com marked it installed",
			"25 Nov 2026 03:00 · the sync found it in Zendesk (installation 219999)",
		}},
		{"requester of a done GitHub App", githubAppDone(), true, nil, []string{
			"*History*",
			"23 Nov 2026 10:42 · omar@example.com asked for it, retroactively for installation 55000002 in GitHub",
			"23 Nov 2026 11:05 · dana@example.com approved (1 of 1)",
			"24 Nov 2026 14:00 · omar@example.com marked it installed",
			"25 Nov 2026 03:00 · the sync found it in GitHub (installation 55000002)",
		}},
		{"denied", deniedApp(), true, nil, []string{
			"*History*",
			"23 Nov 2026 10:42 · omar@example.com asked for it",
			"23 Nov 2026 11:30 · dana@example.com denied it: “Customer PII must not leave Zendesk without a DPA &lt;legal&gt; &amp; co.”",
		}},
		{"rolled back", rolledBack(), false, nil, []string{
			"*History*",
			"23 Nov 2026 10:42 · lee@example.com asked for it",
			"23 Nov 2026 11:05 · dana@example.com approved (1 of 2)",
			"23 Nov 2026 14:10 · priya@example.com approved (2 of 2)",
			"15 Jan 2027 06:00 · lee@example.com was asked to review it",
			"15 Jan 2027 09:10 · lee@example.com recorded it rolled back",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := requests().Detail(tt.r, tt.requester)
			if m.Visibility != bot.Ephemeral {
				t.Errorf("visibility %v", m.Visibility)
			}
			parent := requests().Parent(tt.r)
			wantHeadline(t, m, parent.Headline)
			if !slices.EqualFunc(parent.Sections, m.Sections[:len(parent.Sections)], func(a, b bot.Section) bool {
				return a.Text == b.Text && slices.Equal(a.Fields, b.Fields)
			}) {
				t.Errorf("detail does not start with the parent's content")
			}
			if got := buttonIDs(m.Buttons); !slices.Equal(got, tt.buttons) {
				t.Errorf("buttons %v, want %v", got, tt.buttons)
			}
			if len(m.Buttons) > 0 && (m.Buttons[0].Style != bot.StyleDanger || m.Buttons[0].Confirm == nil) {
				t.Errorf("Cancel is %+v: danger, and asks first", m.Buttons[0])
			}
			if tt.history != nil {
				if got := m.Sections[len(m.Sections)-1].Text; got != strings.Join(tt.history, "\n") {
					t.Errorf("history =\n%s\nwant\n%s", got, strings.Join(tt.history, "\n"))
				}
			}
			checkSmall(t, m)
			goldenJSON(t, m)
		})
	}
}

// TestDetailLongHistory: a request questioned forty times keeps its first
// line and its latest, and stays one message.
func TestDetailLongHistory(t *testing.T) {
	r := highApp()
	for i := range 40 {
		r.Questions = append(r.Questions, approvals.Question{Mark: approvals.Mark{By: priya, At: at(24, 0, i), Text: strings.Repeat("why? ", 200)}})
	}
	m := requests().Detail(r, false)
	h := strings.Split(m.Sections[len(m.Sections)-1].Text, "\n")
	if len(h) != 31 {
		t.Fatalf("%d history lines, want the heading and 30", len(h))
	}
	if !strings.HasSuffix(h[1], "omar@example.com asked for it") || h[2] != "… 12 more" || !strings.HasPrefix(h[30], "24 Nov 2026 00:39 ·") {
		t.Errorf("history keeps the wrong lines: %q … %q", h[1:3], h[30])
	}
	checkSmall(t, m)
}

// many requests, newest first.
func manyRequests(n int) []approvals.Request {
	rs := make([]approvals.Request, n)
	for i := range rs {
		r := lowApp()
		r.ID = "REQ-" + strings.Map(func(c rune) rune { return rune("ABCDEFGHJK"[c-'0']) }, fmt.Sprintf("%06d", i))
		r.Title = fmt.Sprintf("Install App %02d", n-i)
		r.CreatedAt = at(23, 10, 42).Add(-time.Duration(i) * time.Hour)
		rs[i] = r
	}
	return rs
}

func TestList(t *testing.T) {
	empty := "You have no requests. Ask for something with /warden request app NAME or /warden request change."
	tests := []struct {
		name     string
		rs       []approvals.Request
		headline string
		sections int
		context  []string
	}{
		{"empty", nil, "Your requests: 0", 1, nil},
		{"two", []approvals.Request{questioned(), approvedChange()}, "Your requests: 2", 2, []string{"/warden request show ID shows one"}},
		{"25", manyRequests(25), "Your requests: 25", 20, []string{"…and 5 more", "/warden request show ID shows one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := requests().List("Your requests", empty, tt.rs)
			if m.Visibility != bot.Ephemeral || len(m.Buttons) > 0 {
				t.Errorf("want an ephemeral list without buttons: %+v", m)
			}
			wantHeadline(t, m, tt.headline)
			if len(m.Sections) != tt.sections {
				t.Errorf("%d sections, want %d", len(m.Sections), tt.sections)
			}
			if !slices.Equal(m.Context, tt.context) {
				t.Errorf("context %q, want %q", m.Context, tt.context)
			}
			checkSmall(t, m)
			goldenJSON(t, m)
		})
	}
	m := requests().List("Your requests", empty, []approvals.Request{questioned(), approvedChange()})
	wantLine(t, m.Sections[0].Text, "Pending · high risk · 1 of 2 approvals · asked by omar@example.com on 23 Nov 2026")
	wantLine(t, m.Sections[1].Text, "*REQ-CHG5NP* · Turn on an SLA policy for VIP tickets")
	if m := requests().List("Waiting for your approval", "", nil); len(m.Sections) != 0 {
		t.Errorf("an empty list without a sentence shows %+v", m.Sections)
	}
}

func TestRequestForm(t *testing.T) {
	tests := []struct {
		name    string
		kind    *approvals.Kind
		initial approvals.Answers
		record  string
		title   string
		kinds   []bot.InputKind
	}{
		{"app", approvals.App, approvals.Answers{approvals.FieldApp: "Salesforce Sync"}, "", "Request an app install",
			[]bot.InputKind{bot.InputText, bot.InputSelect, bot.InputMultiline, bot.InputSelect, bot.InputText, bot.InputText, bot.InputDate}},
		{"app retroactive", approvals.App, approvals.Answers{approvals.FieldApp: "Timesheet Helper"}, prompts.ShadowRecord(approvals.ShadowKey{ID: 361234500002}), "Request an app install",
			[]bot.InputKind{bot.InputText, bot.InputSelect, bot.InputMultiline, bot.InputSelect, bot.InputText, bot.InputText, bot.InputDate}},
		{"app retroactive GitHub", approvals.App, approvals.Answers{approvals.FieldApp: "acme-ci", approvals.FieldSaaS: connector.GitHub},
			prompts.ShadowRecord(approvals.ShadowKey{SaaS: connector.GitHub, ID: 55000002}), "Request an app install",
			[]bot.InputKind{bot.InputText, bot.InputSelect, bot.InputMultiline, bot.InputSelect, bot.InputText, bot.InputText, bot.InputDate}},
		{"change", approvals.Change, nil, "", "Request a change",
			[]bot.InputKind{bot.InputMultiline, bot.InputMultiline, bot.InputSelect, bot.InputMultiline, bot.InputDate}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := requests().RequestForm(tt.kind, tt.initial, tt.record)
			if f.ID != prompts.FormRequestPrefix+tt.kind.Name || f.RecordID != tt.record || f.Title != tt.title || f.Submit != "Send for approval" {
				t.Errorf("form %q %q %q %q", f.ID, f.RecordID, f.Title, f.Submit)
			}
			var kinds []bot.InputKind
			for i, in := range f.Inputs {
				kinds = append(kinds, in.Kind)
				fd := tt.kind.Fields[i]
				if in.ID != fd.ID || in.Label != fd.Label || in.Hint != fd.Hint || in.Required != fd.Required || in.MaxLength != fd.MaxLength || len(in.Options) != len(fd.Options) {
					t.Errorf("input %d = %+v, want field %+v", i, in, fd)
				}
			}
			if !slices.Equal(kinds, tt.kinds) {
				t.Errorf("input kinds %v, want %v", kinds, tt.kinds)
			}
			if tt.initial != nil && input(t, f, approvals.FieldApp).Initial != tt.initial[approvals.FieldApp] {
				t.Errorf("app name not filled in")
			}
			if tt.kind == approvals.Change && input(t, f, approvals.FieldTier).Initial != approvals.TierSuggest {
				t.Errorf("the change form's tier starts at %q", input(t, f, approvals.FieldTier).Initial)
			}
			if tt.kind == approvals.App {
				want := cmp.Or(tt.initial[approvals.FieldSaaS], connector.Zendesk)
				if in := input(t, f, approvals.FieldSaaS); in.Initial != want || in.Required || in.Label != "Where" {
					t.Errorf("where = %+v, want optional, starting at %s", in, want)
				}
			}
			goldenJSON(t, f)
		})
	}
	// The access form asks who confirms only when the policy has a peer
	// confirm some role's requests.
	for _, askPeer := range []bool{false, true} {
		v := requests()
		v.AskPeer = askPeer
		f := v.RequestForm(approvals.Access, nil, "")
		if has := slices.ContainsFunc(f.Inputs, func(in bot.Input) bool { return in.ID == approvals.FieldPeer }); has != askPeer {
			t.Errorf("AskPeer %v: the form has a peer input: %v", askPeer, has)
		}
	}
	// A tier the requester chose is kept.
	f := requests().RequestForm(approvals.Change, approvals.Answers{approvals.FieldTier: "high"}, "")
	if got := input(t, f, approvals.FieldTier).Initial; got != "high" {
		t.Errorf("tier = %q, want high", got)
	}
}

// TestWithErrors is a rejected form shown again as it was filled in.
func TestWithErrors(t *testing.T) {
	appValues := map[string]string{
		approvals.FieldApp: "Salesforce Sync", approvals.FieldWhy: "", approvals.FieldData: approvals.DataCustomerPII,
		approvals.FieldScopes: "read everything", approvals.FieldOwner: "omar", approvals.FieldReview: "2026-11-01",
	}
	tests := []struct {
		name   string
		form   bot.Form
		values map[string]string
		fe     *approvals.FormError
		errors map[string]string
	}{
		{"app", requests().RequestForm(approvals.App, nil, ""), appValues, &approvals.FormError{Fields: []approvals.FieldError{
			{Field: approvals.FieldWhy, Message: "Required: why we need it"},
			{Field: approvals.FieldScopes, Message: `"everything" is not a Zendesk scope; use read, write, impersonate or RESOURCE:read / RESOURCE:write such as tickets:read`},
			{Field: approvals.FieldOwner, Message: "An email address such as dana@example.com"},
			{Field: approvals.FieldReview, Message: "Pick a date after today, such as 2027-02-21"},
		}}, map[string]string{
			approvals.FieldWhy: "Required: why we need it", approvals.FieldOwner: "An email address such as dana@example.com",
			approvals.FieldReview: "Pick a date after today, such as 2027-02-21",
		}},
		{"change", requests().RequestForm(approvals.Change, nil, ""), map[string]string{
			approvals.FieldWhat: "Give every agent the admin role", approvals.FieldWhy: "Faster", approvals.FieldTier: "low", approvals.FieldReview: "2027-01-15",
		}, &approvals.FormError{Fields: []approvals.FieldError{{Field: approvals.FieldRollback, Message: "A high-risk change needs a rollback plan: say how to undo it"}}},
			map[string]string{approvals.FieldRollback: "A high-risk change needs a rollback plan: say how to undo it"}},
		{"deny", requests().DenyForm(questioned()), map[string]string{prompts.InputDenyReason: "   "},
			&approvals.FormError{Fields: []approvals.FieldError{{Field: approvals.FieldReason, Message: "Say why, so the requester knows what to change"}}},
			map[string]string{prompts.InputDenyReason: "Say why, so the requester knows what to change"}},
		{"an error for no input goes on the first", requests().ExtendForm(approvedChange()), map[string]string{prompts.InputUntil: "2027-04-15"},
			&approvals.FormError{Fields: []approvals.FieldError{{Field: "elsewhere", Message: "Something else is wrong"}}},
			map[string]string{prompts.InputUntil: "Something else is wrong"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(tt.form.Inputs)
			f := requests().WithErrors(tt.form, tt.values, tt.fe)
			if !slices.EqualFunc(before, tt.form.Inputs, func(a, b bot.Input) bool { return a.Initial == b.Initial && a.Error == b.Error }) {
				t.Error("WithErrors changed the form it was given")
			}
			for _, in := range f.Inputs {
				if v, ok := tt.values[in.ID]; ok && in.Initial != v {
					t.Errorf("%s initial = %q, want what was typed, %q", in.ID, in.Initial, v)
				}
				if want := tt.errors[in.ID]; want != "" && in.Error != want {
					t.Errorf("%s error = %q, want %q", in.ID, in.Error, want)
				}
			}
			goldenJSON(t, f)
		})
	}
	// Without errors, it only refills.
	f := requests().WithErrors(requests().AskForm(questioned()), map[string]string{prompts.InputQuestion: "Why?"}, nil)
	if in := f.Inputs[0]; in.Initial != "Why?" || in.Error != "" {
		t.Errorf("input = %+v", in)
	}
}

// TestSmallForms: the deny, question, answer and extend forms each ask
// one required thing about one request.
func TestSmallForms(t *testing.T) {
	tests := []struct {
		name  string
		form  bot.Form
		id    string
		input bot.Input
	}{
		{"deny", requests().DenyForm(questioned()), prompts.FormRequestDeny, bot.Input{ID: prompts.InputDenyReason, Label: "Why deny it",
			Kind: bot.InputMultiline, Required: true, MaxLength: 1000, Hint: "The requester and the thread see this; say what would change your mind"}},
		{"ask", requests().AskForm(questioned()), prompts.FormRequestAsk, bot.Input{ID: prompts.InputQuestion, Label: "Your question for omar@example.com",
			Kind: bot.InputMultiline, Required: true, MaxLength: 1000, Hint: "It goes to the thread and to the requester, who answers from their direct message"}},
		{"answer", requests().AnswerForm(questioned()), prompts.FormRequestAnswer, bot.Input{ID: prompts.InputAnswer, Label: "Your answer",
			Kind: bot.InputMultiline, Required: true, MaxLength: 2000, Hint: "priya@example.com asked: Which Salesforce objects does it write to?"}},
		{"extend", requests().ExtendForm(approvedChange()), prompts.FormRequestExtend, bot.Input{ID: prompts.InputUntil, Label: "Next review date",
			Kind: bot.InputDate, Required: true, Initial: "2027-02-21", Hint: "You are asked again then; at most 365 days from today (2027-11-23)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.form.ID != tt.id || !approvals.ValidID(tt.form.RecordID) || len(tt.form.Inputs) != 1 {
				t.Fatalf("form %+v", tt.form)
			}
			if got := tt.form.Inputs[0]; !equalInput(got, tt.input) {
				t.Errorf("input =\n%+v\nwant\n%+v", got, tt.input)
			}
			if n := utf8.RuneCountInString(tt.form.Title); n > 24 {
				t.Errorf("title %q has %d characters; Slack shows 24", tt.form.Title, n)
			}
			goldenJSON(t, tt.form)
		})
	}
	// A long question is clipped in the hint.
	r := questioned()
	r.Questions[0].Text = strings.Repeat("Which one? ", 100)
	if h := requests().AnswerForm(r).Inputs[0].Hint; utf8.RuneCountInString(h) > 330 || !strings.HasSuffix(h, "…") {
		t.Errorf("hint has %d characters: %q", utf8.RuneCountInString(h), h)
	}
}

func equalInput(a, b bot.Input) bool {
	return a.ID == b.ID && a.Label == b.Label && a.Hint == b.Hint && a.Kind == b.Kind && a.Required == b.Required &&
		a.Initial == b.Initial && a.MaxLength == b.MaxLength && len(a.Options) == 0 && len(b.Options) == 0
}

func TestReminder(t *testing.T) {
	soon := lowApp()
	soon.ExpiresAt = at(24, 9, 0)
	tests := []struct {
		name     string
		rs       []approvals.Request
		headline string
		context  []string
	}{
		{"two", []approvals.Request{questioned(), soon}, "2 requests waiting for your approval",
			[]string{"To ask a question first, use the request's thread in the approvals channel. /warden request show ID shows one."}},
		{"one", []approvals.Request{change()}, "1 request waiting for your approval",
			[]string{"To ask a question first, use the request's thread in the approvals channel. /warden request show ID shows one."}},
		{"twelve", manyRequests(12), "12 requests waiting for your approval", []string{
			"…and 2 more: /warden request list shows them all",
			"To ask a question first, use the request's thread in the approvals channel. /warden request show ID shows one."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := requests().Reminder(tt.rs)
			if m.Visibility != bot.Visible {
				t.Errorf("visibility %v", m.Visibility)
			}
			wantHeadline(t, m, tt.headline)
			if len(m.Sections) != min(len(tt.rs), 10) {
				t.Errorf("%d sections", len(m.Sections))
			}
			for i, s := range m.Sections {
				if got := buttonIDs(s.Actions); !slices.Equal(got, []string{prompts.ActionRequestApprove, prompts.ActionRequestDeny}) || s.Actions[0].Value != tt.rs[i].ID {
					t.Errorf("section %d actions %+v", i, s.Actions)
				}
			}
			if !slices.Equal(m.Context, tt.context) {
				t.Errorf("context %q", m.Context)
			}
			checkSmall(t, m)
			goldenJSON(t, m)
		})
	}
	m := requests().Reminder([]approvals.Request{questioned(), soon})
	wantLine(t, m.Sections[0].Text, "Asked by omar@example.com · high risk · 1 of 2 approvals · expires in 7 days")
	wantLine(t, m.Sections[1].Text, "Asked by omar@example.com · low risk · 0 of 1 approvals · expires in 1 day")
}

func TestShadowReport(t *testing.T) {
	fresh := approvals.Shadow{ID: 361234500002, Name: "Timesheet <Helper> & co", FoundAt: at(23, 3, 0)}
	flagged := fresh
	flagged.Flagged = &approvals.Mark{By: dana, At: at(23, 9, 15)}
	linked := fresh
	linked.Request = "REQ-LWR7N2"
	// GitHub's installation has Zendesk's number: the buttons tell them
	// apart.
	hub := approvals.Shadow{SaaS: connector.GitHub, ID: 361234500002, Name: "acme-ci", FoundAt: at(23, 3, 0)}
	hubFlagged := hub
	hubFlagged.Flagged = &approvals.Mark{By: dana, At: at(23, 9, 15)}
	hubLinked := hub
	hubLinked.Request = "REQ-GH4PP2"
	const (
		zendeskHeadline = "App installed without an approved request: Timesheet <Helper> & co"
		githubHeadline  = "GitHub App installed without an approved request: acme-ci"
	)
	tests := []struct {
		name     string
		sh       approvals.Shadow
		headline string
		value    string // the buttons'
		buttons  []string
		line     string
		rendered bool // golden files of Slack's Block Kit and Teams' card too
	}{
		{"new", fresh, zendeskHeadline, "361234500002", []string{prompts.ActionShadowRequest, prompts.ActionShadowFlag},
			"*Timesheet &lt;Helper&gt; &amp; co* is installed in Zendesk, but no approved app request covers it. Open a retroactive request to have it approved, or flag it for removal.", false},
		{"flagged", flagged, zendeskHeadline, "361234500002", []string{prompts.ActionShadowRequest},
			"⚠ Flagged for removal by dana@example.com on 23 Nov 2026 at 09:15. Remove it in Admin Center (Apps and integrations > Apps > Zendesk Support apps).", false},
		{"with request", linked, zendeskHeadline, "361234500002", []string{prompts.ActionShadowRequest, prompts.ActionShadowFlag},
			"ℹ Retroactive request REQ-LWR7N2 · /warden request show REQ-LWR7N2", false},
		{"github new", hub, githubHeadline, "github:361234500002", []string{prompts.ActionShadowRequest, prompts.ActionShadowFlag},
			"*acme-ci* is installed in GitHub, but no approved app request covers it. Open a retroactive request to have it approved, or flag it for removal.", true},
		{"github flagged", hubFlagged, githubHeadline, "github:361234500002", []string{prompts.ActionShadowRequest},
			"⚠ Flagged for removal by dana@example.com on 23 Nov 2026 at 09:15. Uninstall it in the organization's settings (GitHub Apps > Configure > Uninstall).", true},
		{"github with request", hubLinked, githubHeadline, "github:361234500002", []string{prompts.ActionShadowRequest, prompts.ActionShadowFlag},
			"ℹ Retroactive request REQ-GH4PP2 · /warden request show REQ-GH4PP2", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := requests().ShadowReport(tt.sh)
			if m.Visibility != bot.Visible {
				t.Errorf("visibility %v", m.Visibility)
			}
			wantHeadline(t, m, tt.headline)
			if got := buttonIDs(m.Buttons); !slices.Equal(got, tt.buttons) {
				t.Errorf("buttons %v, want %v", got, tt.buttons)
			}
			for _, b := range m.Buttons {
				if b.Value != tt.value {
					t.Errorf("button %s value %q, want the installation's key %q", b.ActionID, b.Value, tt.value)
				}
				if k, ok := approvals.ParseShadowKey(b.Value); !ok || k != tt.sh.Key() {
					t.Errorf("button %s value %q reads as %+v, want %+v", b.ActionID, b.Value, k, tt.sh.Key())
				}
				if b.ActionID == prompts.ActionShadowFlag && (b.Style != bot.StyleDanger || b.Confirm == nil) {
					t.Errorf("Flag is %+v: danger, and asks first", b)
				}
			}
			wantLine(t, m.Sections[0].Text, tt.line)
			if got := field(t, m, "Found"); got != "23 Nov 2026 03:00" {
				t.Errorf("found = %q", got)
			}
			if got := field(t, m, "Installation"); got != "361234500002" {
				t.Errorf("installation = %q, want the number alone", got)
			}
			if tt.sh.Key().SaaS == connector.GitHub {
				mustNotSay(t, m, "Zendesk")
			}
			checkSmall(t, m)
			goldenJSON(t, m)
			if tt.rendered {
				goldenRendered(t, m)
			}
		})
	}
}

// goldenRendered compares m as Slack's Block Kit and as Teams' Adaptive
// Card with testdata/<TestName>/<subtest>.slack.golden.json and
// .teams.golden.json: what the admin channel shows, on each transport.
func goldenRendered(t *testing.T, m bot.Message) {
	t.Helper()
	msgs, err := slack.RenderMessage(m)
	if err != nil {
		t.Fatalf("Slack: %v", err)
	}
	type slackMessage struct {
		Text   string `json:"text"`
		Blocks any    `json:"blocks"`
	}
	var sm []slackMessage
	for _, rm := range msgs {
		sm = append(sm, slackMessage{rm.Text, rm.Blocks})
	}
	golden.File(t, golden.Path(t, ".slack.golden.json"), indentJSON(t, sm))
	cards, err := teams.RenderMessage(m)
	if err != nil {
		t.Fatalf("Teams: %v", err)
	}
	type teamsCard struct {
		Summary string `json:"summary"`
		Card    any    `json:"card"`
	}
	var tc []teamsCard
	for _, rc := range cards {
		tc = append(tc, teamsCard{rc.Summary, rc.Card})
	}
	golden.File(t, golden.Path(t, ".teams.golden.json"), indentJSON(t, tc))
	if len(msgs) != 1 || len(cards) != 1 {
		t.Errorf("%d Slack messages and %d Teams cards, want one each", len(msgs), len(cards))
	}
}

// indentJSON is v as the transports' golden files write it: indented,
// with <, > and & left readable.
func indentJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return []byte(b.String())
}

// An approval that needs a fresh sign-in is answered with the link, for
// the approver only; once counted, the thread says it was re-authenticated.
func TestStepUpMessages(t *testing.T) {
	r := accessPending(nil)
	m := prompts.StepUpNeeded("Approving "+r.ID+" ("+r.Title+")", r.ID, "https://bot.example.com/stepup/abc", at(23, 11, 10), berlin)
	if m.Visibility != bot.Ephemeral || len(m.Buttons) != 1 || m.Buttons[0].URL != "https://bot.example.com/stepup/abc" {
		t.Errorf("step-up reply: %+v", m)
	}
	mustSay(t, m, "the link works once, for you, until 11:10")
	checkSmall(t, m)
	goldenJSON(t, m)
	goldenRendered(t, m)
	reply := requests().ThreadReply(r, approvals.Notice{Event: approvals.EventApproval, Mark: approvals.Mark{By: dana, At: at(23, 11, 9), StepUp: true}, Count: 1})
	if want := "✅ dana@example.com (re-authenticated) approved (1 of 2)"; reply.Headline != want {
		t.Errorf("thread reply %q, want %q", reply.Headline, want)
	}
}

package prompts_test

import (
	"testing"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/verify"
)

// confirmation is riley asking for admin, confirmed by their manager mei.
func confirmation(state verify.State, answer string) verify.Verification {
	x := verify.Verification{ID: "V-3MPQ7R", Asker: "riley@example.com", Person: "mei@example.com", Reason: "Fix SSO <after> the IdP change",
		Code: "58", Choices: []string{"58", "23", "71"}, State: state, Answer: answer, CreatedAt: at(18, 10, 41), ExpiresAt: at(18, 10, 46),
		Request: &verify.Request{ID: "REQ-7H2KQ9", What: "Access as admin for 2 hours", As: "manager"}}
	if answer != "" {
		x.AnsweredAt = at(18, 10, 42)
	}
	return x
}

func TestConfirmationMessages(t *testing.T) {
	v := verifyView()
	peer := confirmation(verify.Pending, "")
	peer.Request.As = "peer"
	tests := []struct {
		name string
		m    bot.Message
		says string
	}{
		{"prompt", v.Prompt(confirmation(verify.Pending, "")), "riley@example.com asks for *Access as admin for 2 hours* (Fix SSO &lt;after&gt; the IdP change), and you are asked, as their manager, to confirm it is really them."},
		{"prompt to a peer", v.Prompt(peer), "as the colleague they named"},
		{"answered right", v.Answered(confirmation(verify.Verified, "58")), "✅ Confirmed at 10:42: you tapped riley@example.com's code. REQ-7H2KQ9 goes to its approvers now."},
		{"answered wrong", v.Answered(confirmation(verify.Denied, "23")), "⛔ That was not riley@example.com's code, at 10:42. REQ-7H2KQ9 is denied and security has been told."},
		{"answered unknown", v.Answered(confirmation(verify.Denied, verify.NotMe)), "⛔ You said you do not know about this, at 10:42."},
		{"answered expired", v.Answered(confirmation(verify.Expired, "")), "⌛ Expired at 10:46 with no answer; REQ-7H2KQ9 did not go to its approvers."},
		{"status pending", v.Status(confirmation(verify.Pending, "")), "tell them *58*, by phone or in person"},
		{"status to a peer's requester", v.Status(peer), "as the colleague you named"},
		{"status confirmed", v.Status(confirmation(verify.Verified, "58")), "mei@example.com tapped your code at 10:42. Its approvers decide next"},
		{"status denied", v.Status(confirmation(verify.Denied, verify.NotMe)), "mei@example.com said they do not know about it at 10:42, so the request is denied and security has been told."},
		{"status expired", v.Status(confirmation(verify.Expired, "")), "mei@example.com did not answer by 10:46, so the request did not reach its approvers. Ask again with /warden access request"},
		{"status unreachable", v.Status(confirmation(verify.Unreachable, "")), "mei@example.com has no Slack or Teams account I can message, so they cannot confirm REQ-7H2KQ9"},
		{"started", v.ConfirmationStarted(confirmation(verify.Pending, "")), "REQ-7H2KQ9 waits for mei@example.com (your manager) to confirm that you asked. Tell them this code: *58*"},
		{"alert wrong number", v.Alert(confirmation(verify.Denied, "71")), "mei@example.com, riley@example.com's manager, tapped a number that was not the requester's code at 10:42. REQ-7H2KQ9 is denied"},
		{"alert unknown", v.Alert(confirmation(verify.Denied, verify.NotMe)), "said they do not know about it"},
		{"answered withdrawn", v.Answered(confirmation(verify.Withdrawn, "")), "➖ REQ-7H2KQ9 is withdrawn: there is nothing to confirm."},
		{"status withdrawn", v.Status(confirmation(verify.Withdrawn, "")), "mei@example.com was not asked to confirm it any more"},
		{"detail", v.Detail(confirmation(verify.Verified, "58")), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.says != "" {
				mustSay(t, tt.m, tt.says)
			}
			checkSmall(t, tt.m)
			goldenJSON(t, tt.m)
			goldenRendered(t, tt.m)
		})
	}
}

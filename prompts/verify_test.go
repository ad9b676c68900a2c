package prompts_test

import (
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/verify"
)

func verifyView() prompts.Verifications {
	return prompts.Verifications{Location: berlin, Command: "/warden"}
}

// pendingCheck is dana verifying mei about a password reset, by ticket.
func pendingCheck() verify.Verification {
	return verify.Verification{ID: "V-7KQ2MX", Asker: dana, Person: "mei@example.com", Reason: "MFA reset <by phone> & urgent", Ticket: 4521,
		Code: "42", Choices: []string{"17", "42", "86"}, State: verify.Pending, CreatedAt: at(18, 10, 41), ExpiresAt: at(18, 10, 46)}
}

func answeredCheck(state verify.State, answer string) verify.Verification {
	x := pendingCheck()
	x.State, x.Answer, x.AnsweredAt = state, answer, at(18, 10, 42)
	return x
}

func TestVerifyMessages(t *testing.T) {
	v := verifyView()
	expired := pendingCheck()
	expired.State = verify.Expired
	unreachable := pendingCheck()
	unreachable.State = verify.Unreachable
	written := answeredCheck(verify.Verified, "42")
	written.Note = "written"
	tests := []struct {
		name string
		m    bot.Message
		says string
	}{
		{"prompt", v.Prompt(pendingCheck()), "dana@example.com is checking that the person they are helping right now is you (MFA reset &lt;by phone&gt; &amp; urgent)"},
		{"answered right", v.Answered(answeredCheck(verify.Verified, "42")), "✅ Confirmed at 10:42"},
		{"answered wrong", v.Answered(answeredCheck(verify.Denied, "17")), "⛔ That was not the number dana@example.com read out, at 10:42. Security has been told."},
		{"answered not me", v.Answered(answeredCheck(verify.Denied, verify.NotMe)), "⛔ You said this wasn't you, at 10:42."},
		{"answered expired", v.Answered(expired), "⌛ Expired at 10:46 with no answer"},
		{"status pending", v.Status(pendingCheck()), "Read them this code: *42*."},
		{"status verified", v.Status(answeredCheck(verify.Verified, "42")), "mei@example.com tapped the right number at 10:42: you are talking to them."},
		{"status denied", v.Status(answeredCheck(verify.Denied, "86")), "mei@example.com tapped a different number at 10:42. Do not act on this contact's request"},
		{"status not me", v.Status(answeredCheck(verify.Denied, verify.NotMe)), "said they are not talking to you"},
		{"status expired", v.Status(expired), "did not answer by 10:46"},
		{"status unreachable", v.Status(unreachable), "call back on the number in the company directory"},
		{"started", v.Started(pendingCheck()), "Read them this code: *42*. The outcome comes to your direct messages with me (verification V-7KQ2MX)."},
		{"started unreachable", v.Started(unreachable), "has no Slack or Teams account I can message"},
		{"alert wrong number", v.Alert(answeredCheck(verify.Denied, "17")), "mei@example.com tapped a number that was not the code at 10:42."},
		{"alert not me", v.Alert(answeredCheck(verify.Denied, verify.NotMe)), "said they were not talking to the help desk"},
		{"locked out", v.LockedOut(answeredCheck(verify.Denied, verify.NotMe), at(18, 11, 42), 3), "failed or ignored 3 verifications within an hour"},
		{"detail", v.Detail(written), ""},
		{"list", v.List([]verify.Verification{answeredCheck(verify.Verified, "42"), expired}, true), "• V-7KQ2MX · 18 Nov 2026 10:41 · mei@example.com · verified at 10:42 · asked by dana@example.com"},
		{"list empty", v.List(nil, false), "No verifications yet. Start one with /warden verify EMAIL REASON"},
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

// The prompt's buttons are the three numbers and This wasn't me, each
// reading back as the verification and the choice; answered, it has none.
func TestVerifyButtons(t *testing.T) {
	x := pendingCheck()
	m := verifyView().Prompt(x)
	var choices []string
	for _, b := range m.Buttons {
		id, choice, ok := prompts.ParseVerifyValue(b.Value)
		if !ok || id != x.ID || !strings.HasPrefix(b.ActionID, prompts.ActionVerifyAnswer+".") {
			t.Errorf("button %+v does not read back", b)
		}
		choices = append(choices, choice)
	}
	if strings.Join(choices, " ") != "17 42 86 not-me" {
		t.Errorf("choices %v", choices)
	}
	if a := verifyView().Answered(answeredCheck(verify.Verified, "42")); len(a.Buttons) != 0 {
		t.Errorf("an answered prompt still has buttons: %+v", a.Buttons)
	}
	for _, bad := range []string{"", "V-7KQ2MX", "V-7KQ2MX:4", "V-7KQ2MX:420", "V-7KQ2MX:ab", "V-7kq2mx:42", "REQ-7KQ2MX:42", "V-7KQ2MX:not-me:1"} {
		if _, _, ok := prompts.ParseVerifyValue(bad); ok {
			t.Errorf("ParseVerifyValue(%q) = ok", bad)
		}
	}
}

func TestVerifyNoteBody(t *testing.T) {
	got := verifyView().NoteBody(answeredCheck(verify.Denied, verify.NotMe))
	want := "Caller verification V-7KQ2MX by seatwarden: mei@example.com NOT verified: they said they were not talking to the help desk.\n" +
		"Asked by dana@example.com at 18 Nov 2026 10:41.\nReason: MFA reset <by phone> & urgent"
	if got != want {
		t.Errorf("note:\n%s\nwant:\n%s", got, want)
	}
}

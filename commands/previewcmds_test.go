package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/reviews"
)

// TestPreviewDigest: an owner's digest as it would read, with nothing to
// press and nothing written: this week's (opened) from its items, next
// week's (not opened) from the snapshot and the rules. Owners see their
// own; admins anyone's.
func TestPreviewDigest(t *testing.T) {
	f := newReviewFixture(t)
	thisWeek := ask(f.router, acmeAdmin, "preview digest omar@acme.example")
	if len(thisWeek.Buttons) != 0 || thisWeek.Pager != nil || !strings.HasPrefix(thisWeek.Context[0], "Preview of omar@acme.example's digest for "+f.period) {
		t.Fatalf("preview: %+v", thisWeek)
	}
	for _, s := range thisWeek.Sections {
		if s.Button != nil || len(s.Actions) > 0 {
			t.Errorf("a preview has a control: %+v", s)
		}
	}
	goldenJSON(t, thisWeek)
	if own := ask(f.router, acmeOmar, "preview digest"); !strings.HasPrefix(own.Context[0], "Preview of omar@acme.example's digest") {
		t.Errorf("an owner's own: %+v", own)
	}

	// In two weeks nothing is opened yet (and this week's seats no longer
	// wait in the week before): the preview judges, and writes nothing.
	f.deps.Now = func() time.Time { return now.AddDate(0, 0, 14) }
	next, err := New(f.deps)
	if err != nil {
		t.Fatal(err)
	}
	period := reviews.PeriodOf(now.AddDate(0, 0, 14), f.deps.Policy.Location)
	m := ask(next, acmeAdmin, "preview digest dana@acme.example")
	if len(m.Context) == 0 || !strings.HasPrefix(m.Context[0], "Preview of dana@acme.example's digest for "+period) {
		t.Errorf("next week's preview: %+v", m)
	}
	if _, opened, err := f.svc.Opened(t.Context(), period); err != nil || opened {
		t.Errorf("the preview opened %s: %v, %v", period, opened, err)
	}

	refusals := []struct{ name, who, text, want string }{
		{"another owner's", acmeOmar, "preview digest dana@acme.example", "Owners preview their own digest; another owner's is for admins"},
		{"not an owner", "someone@elsewhere.example", "preview digest", "only for"},
		{"not an email", acmeAdmin, "preview digest omar", `"omar" is not an email address`},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			if line := errorLine(t, ask(f.router, tt.who, tt.text)); !strings.Contains(line, tt.want) {
				t.Errorf("%q, want it to say %q", line, tt.want)
			}
		})
	}
}

// TestPreviewRequest: a request's thread as its approvers see it, for
// its requester, approvers and admins only.
func TestPreviewRequest(t *testing.T) {
	f := newRequestFixture(t)
	r := f.open(t, acmeRiley, approvals.App.Name, appValues())
	for _, who := range []string{acmeRiley, acmePriya, acmeAdmin} {
		m := ask(f.router, who, "preview request "+strings.ToLower(r.ID))
		if !strings.Contains(m.Headline, r.ID) || len(m.Buttons) != 0 || m.Visibility != bot.Ephemeral {
			t.Errorf("%s's preview: %+v", who, m)
		}
	}
	if line := errorLine(t, ask(f.router, "jonas@acme.example", "preview request "+r.ID)); !strings.Contains(line, "No request "+r.ID+" that you can see") {
		t.Errorf("a stranger's preview: %q", line)
	}
	if len(f.told()) != 0 {
		t.Errorf("a preview posted something: %v", f.told())
	}
}

package prompts

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/prose"
)

// Sizes that keep every request message to one rendered part: the
// parent is updated in place, and an update cannot add a second message.
const (
	// answerClip is the most of one typed answer the parent shows; the
	// whole answer is in the store and in `request show`.
	answerClip = 300
	// historyClip is the most of a question, answer or reason one line of
	// the history shows.
	historyClip = 200
	// historyMax is the most history lines `request show` lists; a request
	// with more keeps its first and latest.
	historyMax = 30
	// namesMax is the most approvers a state line names.
	namesMax = 6
	// listMax is the most requests `request list` shows; the rest are
	// counted.
	listMax = 20
	// reminderMax is the most requests one reminder shows, each with its
	// Approve and Deny buttons (two Slack blocks, a good part of a Teams
	// card).
	reminderMax = 10
)

func (v Requests) loc() *time.Location {
	if v.Location == nil {
		return time.UTC
	}
	return v.Location
}

func (v Requests) date(t time.Time) string { return t.In(v.loc()).Format("2 Jan 2006") }

// stamp is a date and time: "23 Nov 2026 10:42".
func (v Requests) stamp(t time.Time) string { return t.In(v.loc()).Format("2 Jan 2006 15:04") }

// on is "on 23 Nov 2026 at 10:42", for the end of a sentence.
func (v Requests) on(t time.Time) string {
	t = t.In(v.loc())
	return "on " + t.Format("2 Jan 2006") + " at " + t.Format("15:04")
}

// clock is t's time alone when it falls on ref's day, else its date and
// time. The parent measures from the request's creation, not from now: it
// is redrawn only when something happens, so "today" would go stale.
func (v Requests) clock(t, ref time.Time) string {
	t, ref = t.In(v.loc()), ref.In(v.loc())
	if y, m, d := t.Date(); !ref.IsZero() {
		if ry, rm, rd := ref.Date(); ry == y && rm == m && rd == d {
			return t.Format("15:04")
		}
	}
	return v.stamp(t)
}

func (v Requests) approvers(name string) []string {
	if v.Approvers == nil {
		return nil
	}
	return v.Approvers(name)
}

// saas is the SaaS a request's app is installed in, as people read it:
// "Zendesk", "GitHub".
func saas(r approvals.Request) string { return connector.Title(r.SaaS()) }

// article is "a" or "an" for a noun's first letter.
func article(noun string) string {
	if noun != "" && strings.ContainsRune("aeiouAEIOU", rune(noun[0])) {
		return "an"
	}
	return "a"
}

// RequestForm is a kind's form. recordID is ShadowRecord's value when the
// request is retroactive for an installation, else "".
func (v Requests) RequestForm(k *approvals.Kind, initial approvals.Answers, recordID string) bot.Form {
	f := bot.Form{
		ID:       FormRequestPrefix + k.Name,
		RecordID: recordID,
		Title:    "Request " + article(k.Noun) + " " + strings.ToLower(k.Noun),
		Submit:   "Send for approval",
	}
	for _, fd := range k.Fields {
		if fd.ID == approvals.FieldPeer && !v.AskPeer {
			continue
		}
		in := bot.Input{ID: fd.ID, Label: fd.Label, Hint: fd.Hint, Required: fd.Required, MaxLength: fd.MaxLength, Initial: initial[fd.ID]}
		switch fd.Kind {
		case approvals.Multiline:
			in.Kind = bot.InputMultiline
		case approvals.Date:
			in.Kind = bot.InputDate
		case approvals.Choice:
			in.Kind = bot.InputSelect
			for _, o := range fd.Options {
				in.Options = append(in.Options, bot.Option{Label: o.Label, Value: o.Value})
			}
		default:
			in.Kind = bot.InputText
		}
		// The tier is raised from the answers anyway; starting at
		// "suggest" spares the requester a choice they need not make.
		if fd.ID == approvals.FieldTier && in.Initial == "" {
			in.Initial = approvals.TierSuggest
		}
		// Most apps are Zendesk's, as every app was before GitHub.
		if fd.ID == approvals.FieldSaaS && in.Initial == "" {
			in.Initial = connector.Zendesk
		}
		f.Inputs = append(f.Inputs, in)
	}
	return f
}

// WithErrors returns f as it was filled in, with each rejected answer's
// message beside its input. An error naming no input of the form goes on
// the first, so no refusal is lost.
func (v Requests) WithErrors(f bot.Form, values map[string]string, fe *approvals.FormError) bot.Form {
	f.Inputs = slices.Clone(f.Inputs)
	known := map[string]bool{}
	for i := range f.Inputs {
		in := &f.Inputs[i]
		known[in.ID] = true
		if val, ok := values[in.ID]; ok {
			in.Initial = val
		}
		if fe != nil {
			in.Error = fe.On(in.ID)
		}
	}
	if fe != nil && len(f.Inputs) > 0 {
		for _, e := range fe.Fields {
			if !known[e.Field] {
				f.Inputs[0].Error = strings.TrimPrefix(f.Inputs[0].Error+"; "+e.Message, "; ")
			}
		}
	}
	return f
}

// confirmerWords says who a confirmer is to the requester.
func confirmerWords(c *approvals.Confirmation) string {
	if c.As == access.ConfirmByPeer {
		return "the colleague the requester named"
	}
	return "the requester's manager"
}

// confirmationLine says how the confirmation ended.
func (v Requests) confirmationLine(r approvals.Request) string {
	c, esc := r.Confirmation, bot.EscapeText
	switch c.Outcome {
	case approvals.Confirmed:
		return fmt.Sprintf("✅ Confirmed by %s, %s, %s, by number matching.", esc(c.By), confirmerWords(c), v.on(c.At))
	}
	return fmt.Sprintf("⏱ Not confirmed: %s", esc(cmp.Or(c.Why, "no answer in time")))
}

// headline is "App install request REQ-7KQ2MX: Install Salesforce Sync".
func headline(r approvals.Request) string {
	return fmt.Sprintf("%s request %s: %s", approvals.KindOf(r.Kind).Noun, r.ID, clipText(r.Title, 90))
}

// Parent is the thread's parent message in the approvals channel; it is
// redrawn in place at every change, so it always tells where the request
// stands and offers only what can be done now.
func (v Requests) Parent(r approvals.Request) bot.Message {
	m := bot.Message{Headline: headline(r), Sections: v.body(r), Visibility: bot.Visible}
	switch k := approvals.KindOf(r.Kind); {
	case r.State == approvals.Pending:
		m.Buttons = []bot.Button{
			{ActionID: ActionRequestApprove, Label: "Approve", Value: r.ID, Style: bot.StylePrimary},
			// No confirm: Deny opens a form that asks why.
			{ActionID: ActionRequestDeny, Label: "Deny", Value: r.ID, Style: bot.StyleDanger},
			{ActionID: ActionRequestAsk, Label: "Ask a question", Value: r.ID},
		}
	case r.State == approvals.Approved && k.Next == approvals.AwaitDone:
		m.Buttons = []bot.Button{{ActionID: ActionRequestDone, Label: "Mark installed", Value: r.ID, Style: bot.StylePrimary}}
	}
	m.Context = []string{"Request " + r.ID + " · " + v.Command + " request show " + r.ID}
	return m
}

// body is the parent's sections: where the request stands, its facts and
// its answers.
func (v Requests) body(r approvals.Request) []bot.Section {
	secs := []bot.Section{{Text: strings.Join(v.stateLines(r), "\n")}}
	secs = append(secs, bot.Section{Fields: v.facts(r)})
	if a := answerFields(r); len(a) > 0 {
		secs = append(secs, bot.Section{Fields: a})
	}
	return secs
}

func (v Requests) facts(r approvals.Request) []bot.Field {
	fs := []bot.Field{
		{Label: "Requested by", Value: r.Requester},
		{Label: "Kind", Value: approvals.KindOf(r.Kind).Noun},
		{Label: "Risk tier", Value: tierWords(r)},
		{Label: "Approvals", Value: v.approvalsValue(r)},
	}
	if r.State == approvals.Pending || r.State == approvals.Confirming {
		fs = append(fs, bot.Field{Label: "Expires", Value: v.stamp(r.ExpiresAt)})
	}
	if !r.ReviewOn.IsZero() {
		fs = append(fs, bot.Field{Label: "Review date", Value: v.date(r.ReviewOn)})
	}
	return append(fs, bot.Field{Label: "Owner", Value: r.Owner})
}

// tierWords is "High: it touches customer PII", or "Low".
func tierWords(r approvals.Request) string {
	t := prose.Capitalize(cmp.Or(string(r.Tier), string(approvals.Low)))
	if r.TierWhy != "" {
		t += ": " + r.TierWhy
	}
	return t
}

// approvalsValue is "1 of 2: dana@example.com 10:42".
func (v Requests) approvalsValue(r approvals.Request) string {
	s := fmt.Sprintf("%d of %d", len(r.Approvals), r.Required())
	if len(r.Approvals) == 0 {
		return s
	}
	parts := make([]string, len(r.Approvals))
	for i, a := range r.Approvals {
		parts[i] = a.By + " " + v.clock(a.At, r.CreatedAt)
	}
	return s + ": " + strings.Join(parts, ", ")
}

// answerFields are the form's answers in the form's words. The owner,
// review date and chosen tier are left out: the facts show what they
// decided (the tier the request got, and why). So is an app's SaaS when
// it is Zendesk, where every app was before other SaaS: only another
// SaaS is news to an approver.
func answerFields(r approvals.Request) []bot.Field {
	k := approvals.KindOf(r.Kind)
	var out []bot.Field
	for _, f := range k.Fields {
		a := strings.TrimSpace(r.Answers[f.ID])
		if a == "" || f.ID == k.OwnerField || f.ID == k.ReviewField || f.ID == approvals.FieldTier ||
			(f.ID == approvals.FieldSaaS && r.SaaS() == connector.Zendesk) {
			continue
		}
		if f.Kind == approvals.Choice {
			if i := slices.IndexFunc(f.Options, func(o approvals.Option) bool { return o.Value == a }); i >= 0 {
				a = f.Options[i].Label
			}
		}
		if f.ID == approvals.FieldTicket {
			a = ticketText(r)
		}
		out = append(out, bot.Field{Label: f.Label, Value: clipKeepLines(a, answerClip)})
	}
	return out
}

// ticketText is the ticket an access request names: its number, and its
// subject and status as the help desk had them, or why they are missing.
func ticketText(r approvals.Request) string {
	t := r.Ticket
	switch {
	case t == nil:
		return "#" + r.Answers[approvals.FieldTicket]
	case t.Subject == "":
		return fmt.Sprintf("#%d (not checked: Zendesk did not answer)", t.ID)
	}
	return fmt.Sprintf("#%d %s (%s)", t.ID, t.Subject, t.Status)
}

// stateLines say where the request stands, and what happens next.
func (v Requests) stateLines(r approvals.Request) []string {
	k := approvals.KindOf(r.Kind)
	esc := bot.EscapeText
	var lines []string
	switch r.State {
	case approvals.Confirming:
		lines = append(lines, fmt.Sprintf("⌛ Awaiting confirmation: %s, %s, confirms that %s asked; then it goes to its approvers.",
			esc(r.Confirmation.By), confirmerWords(r.Confirmation), esc(r.Requester)))
	case approvals.Pending:
		lines = append(lines, "⌛ Pending: "+v.needs(r))
		if i := r.OpenQuestion(); i >= 0 {
			q := r.Questions[i]
			lines = append(lines, fmt.Sprintf("ℹ Open question from %s: “%s” Waiting for %s to answer.",
				esc(q.By), esc(clipText(q.Text, 200)), esc(r.Requester)))
		}
	case approvals.Approved:
		lines = append(lines, fmt.Sprintf("✅ Approved by %s %s", esc(joinNames(approvals.MarkNames(r.Approvals), "and")), v.on(r.DecidedAt)))
		switch {
		case k.Next == approvals.AwaitDone:
			lines = append(lines, fmt.Sprintf("Next: install it in %s, then press *Mark installed*; the next sync checks that %s has it.", saas(r), saas(r)))
		case k.Next == approvals.AwaitReview && !r.ReviewSent.IsZero():
			lines = append(lines, fmt.Sprintf("⌛ Review due since %s: waiting for %s to keep it, roll it back or extend the review.", v.date(r.ReviewOn), esc(r.Owner)))
		case k.Next == approvals.AwaitReview && extended(r, k, v.loc()):
			lines = append(lines, fmt.Sprintf("➡ Review extended to %s; %s is asked then to keep it, roll it back or extend again.", v.date(r.ReviewOn), esc(r.Owner)))
		case k.Next == approvals.AwaitReview && !r.ReviewOn.IsZero():
			lines = append(lines, fmt.Sprintf("Review on %s: %s is asked then to keep it, roll it back or extend the review.", v.date(r.ReviewOn), esc(r.Owner)))
		}
	case approvals.Denied:
		d := cmp.Or(r.Denial, &approvals.Mark{})
		lines = append(lines, fmt.Sprintf("⛔ Denied by %s %s: %s", esc(d.By), v.on(d.At), esc(d.Text)))
	case approvals.Expired:
		lines = append(lines, fmt.Sprintf("⏱ Expired %s with %d of %d approvals", v.on(cmp.Or(r.DecidedAt, r.ExpiresAt)), len(r.Approvals), r.Required()))
	case approvals.Cancelled:
		lines = append(lines, fmt.Sprintf("➖ Cancelled by the requester, %s, %s", esc(r.Requester), v.on(closedAt(r))))
	case approvals.Done:
		by := esc(closedBy(r))
		if k.Next == approvals.AwaitReview {
			lines = append(lines, fmt.Sprintf("✅ Kept by %s %s: the change stays, and the request is done.", by, v.on(closedAt(r))))
			break
		}
		icon, check := "✅", "the next sync checks "+saas(r)
		switch vf := r.Verified; {
		case vf == nil:
		case vf.Found:
			check = fmt.Sprintf("verified in %s at the last sync (installation %d)", saas(r), vf.SaaSID)
		default:
			icon, check = "⚠", "not found in "+saas(r)+" at the last sync"
		}
		lines = append(lines, fmt.Sprintf("%s Done: marked installed by %s %s · %s", icon, by, v.on(closedAt(r)), check))
	case approvals.RolledBack:
		lines = append(lines, fmt.Sprintf("➖ Rolled back: %s recorded it %s", esc(closedBy(r)), v.on(closedAt(r))))
	default:
		lines = append(lines, esc(r.State.Words()))
	}
	// A refusal is the denial line already.
	if c := r.Confirmation; c != nil && c.Outcome != "" && c.Outcome != approvals.Refused {
		lines = append(lines, v.confirmationLine(r))
	}
	if sh, ok := r.Retroactive(); ok {
		lines = append(lines, fmt.Sprintf("⚠ Retroactive: this app is already installed in %s (installation %d) without an approved request. Approving it covers that installation.",
			connector.Title(sh.SaaS), sh.ID))
	}
	if r.AccessShadow != "" {
		lines = append(lines, fmt.Sprintf("⚠ Retroactive: %s already holds %s without a grant; %s opened this in their name. Approving makes it a grant that ends on time; denying leaves it for an admin to put back.",
			esc(r.Requester), esc(r.Answers[approvals.FieldRole]), esc(r.OpenedBy)))
	}
	return lines
}

// needs is what a pending request still needs, and from whom.
func (v Requests) needs(r approvals.Request) string {
	more := r.Needed - len(r.Approvals)
	exclude := func(who string) bool { return who == r.Requester || r.ApprovedBy(who) }
	what := fmt.Sprintf("needs %d more %s", more, plural(more, "approval", "approvals"))
	if more <= 0 {
		// The count is there, but every approval is the owner's own.
		what = "needs an approval from someone other than the owner, " + bot.EscapeText(r.Owner)
		exclude = func(who string) bool { return who == r.Requester || who == r.Owner || r.ApprovedBy(who) }
	}
	var who []string
	for _, a := range v.approvers(r.Kind) {
		if !exclude(a) {
			who = append(who, a)
		}
	}
	if len(who) == 0 {
		return what + "; the policy names no other approver for " + strings.ToLower(approvals.KindOf(r.Kind).Noun) + " requests"
	}
	if more > 0 {
		what += " from"
	} else {
		what += ":"
	}
	return what + " " + bot.EscapeText(joinNames(who, "or"))
}

// extended reports whether the review date was moved from the one the
// form asked for: only an extension moves it.
func extended(r approvals.Request, k *approvals.Kind, loc *time.Location) bool {
	orig := r.Answers[k.ReviewField]
	return k.ReviewField != "" && orig != "" && !r.ReviewOn.IsZero() && r.ReviewOn.In(loc).Format(time.DateOnly) != orig
}

func closedBy(r approvals.Request) string {
	if r.Closed == nil {
		return "someone"
	}
	return r.Closed.By
}

func closedAt(r approvals.Request) time.Time {
	if r.Closed == nil {
		return r.DecidedAt
	}
	return r.Closed.At
}

// joinNames is "a", "a and b", "a, b and c"; past namesMax the rest are
// counted.
func joinNames(names []string, conj string) string {
	if len(names) > namesMax {
		rest := len(names) - namesMax + 1
		names = append(slices.Clone(names[:namesMax-1]), fmt.Sprintf("%d others", rest))
	}
	switch len(names) {
	case 0:
		return "nobody"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}

// clipKeepLines clips s to n characters, keeping its line breaks: an
// answer's paragraphs read better than one run-on line.
func clipKeepLines(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " \n\t") + "…"
}

// appName is the app an app request names, for sentences.
func appName(r approvals.Request) string {
	return cmp.Or(r.Answers[approvals.FieldApp], "the app")
}

// expiredDays is how long a request was open before it expired.
func expiredDays(r approvals.Request) int {
	return int(math.Round(r.ExpiresAt.Sub(r.CreatedAt).Hours() / 24))
}

// ThreadReply is one reply in the request's thread: who did what. The
// parent, redrawn with it, shows the whole state.
func (v Requests) ThreadReply(r approvals.Request, n approvals.Notice) bot.Message {
	esc := bot.EscapeText
	by := n.Mark.By
	if n.Mark.StepUp {
		by += " (re-authenticated)"
	}
	k := approvals.KindOf(r.Kind)
	var head, text string
	switch n.Event {
	case approvals.EventApproval:
		head = fmt.Sprintf("✅ %s approved (%d of %d)", by, n.Count, r.Required())
		if n.Count >= r.Needed {
			text = "Needs an approval from someone other than the owner, " + esc(r.Owner) + "."
		} else {
			more := r.Needed - n.Count
			text = fmt.Sprintf("Needs %d more %s.", more, plural(more, "approval", "approvals"))
		}
	case approvals.EventApproved:
		head = fmt.Sprintf("✅ %s approved (%d of %d): the request is approved", by, n.Count, r.Required())
		switch {
		case k.Next == approvals.AwaitDone:
			text = "Mark installed once it is in " + saas(r) + "; the next sync checks."
		case k.Next == approvals.AwaitReview && !r.ReviewOn.IsZero():
			text = fmt.Sprintf("Review on %s: %s is asked then to keep it, roll it back or extend the review.", v.date(r.ReviewOn), esc(r.Owner))
		}
	case approvals.EventDenied:
		head = fmt.Sprintf("⛔ %s denied the request", by)
		text = "*Reason:* " + esc(n.Mark.Text)
	case approvals.EventQuestion:
		head = fmt.Sprintf("❓ %s asked a question", by)
		text = esc(n.Mark.Text) + "\n" + esc(r.Requester) + " can answer from their direct message."
	case approvals.EventAnswer:
		head = fmt.Sprintf("💬 %s answered", by)
		if q := answered(r, n.Mark); q != nil {
			text = "*" + esc(q.By) + " asked:* " + esc(clipText(q.Text, 200)) + "\n"
		}
		text += esc(n.Mark.Text)
	case approvals.EventExpired:
		head = fmt.Sprintf("⏱ Expired after %d %s without enough approvals", expiredDays(r), plural(expiredDays(r), "day", "days"))
		text = fmt.Sprintf("It had %d of %d. %s can ask again with a new request.", n.Count, r.Needed, esc(r.Requester))
		if c := r.Confirmation; c != nil && c.Outcome != approvals.Confirmed {
			head = fmt.Sprintf("⏱ Expired after %d %s unconfirmed", expiredDays(r), plural(expiredDays(r), "day", "days"))
			text = fmt.Sprintf("%s did not confirm it, so it never reached its approvers. %s can ask again with a new request.", esc(c.By), esc(r.Requester))
		}
	case approvals.EventCancelled:
		head = fmt.Sprintf("✖ %s cancelled the request", by)
	case approvals.EventDone:
		head = "📦 Marked installed by " + by
		text = "The next sync checks that " + saas(r) + " has " + esc(appName(r)) + "."
	case approvals.EventVerified:
		head = "✅ Verified in " + saas(r)
		text = "The sync found " + esc(appName(r)) + " installed in " + saas(r)
		if r.Verified != nil && r.Verified.SaaSID != 0 {
			text += fmt.Sprintf(" (installation %d)", r.Verified.SaaSID)
		}
		text += "."
	case approvals.EventMissing:
		head = "⚠ Not found in " + saas(r)
		text = "The last sync found no installation named " + esc(appName(r)) + " in " + saas(r) + ". Check the name, or install it; the next sync looks again."
	case approvals.EventKept:
		head = fmt.Sprintf("✅ %s kept the %s", by, reviewed(r))
		text = "The request is done."
	case approvals.EventRolled:
		head = fmt.Sprintf("↩ %s rolled the %s back", by, reviewed(r))
		text = "The request is closed as rolled back."
	case approvals.EventExtended:
		head = fmt.Sprintf("📅 %s extended the review to %s", by, v.isoDate(n.Mark.Text))
		text = esc(r.Owner) + " is asked again then to keep it, roll it back or extend the review."
	case approvals.EventGranted, approvals.EventGrantEnded, approvals.EventGrantHeld, approvals.EventGrantRefused, approvals.EventGrantExtended:
		head, text = v.grantReply(r, n)
	default:
		head = r.ID + " is " + r.State.Words()
	}
	m := bot.Message{Headline: head, Visibility: bot.Visible, Delivery: bot.InThread}
	if text != "" {
		m.Sections = []bot.Section{{Text: text}}
	}
	ctx := r.ID
	if !n.Mark.At.IsZero() {
		ctx += " · " + v.stamp(n.Mark.At)
	}
	m.Context = []string{ctx}
	return m
}

// isoDate reads a YYYY-MM-DD date as the messages write dates, or gives
// it back as it is.
func (v Requests) isoDate(s string) string {
	d, err := time.ParseInLocation(time.DateOnly, s, v.loc())
	if err != nil {
		return s
	}
	return v.date(d)
}

// answered is the question m answers.
func answered(r approvals.Request, m approvals.Mark) *approvals.Question {
	for i, q := range r.Questions {
		if q.Answer != nil && q.Answer.By == m.By && q.Answer.At.Equal(m.At) {
			return &r.Questions[i]
		}
	}
	return nil
}

// Direct is a direct message: to the requester when their request is
// decided, expires or has a question, and to the owner when its review
// is due.
func (v Requests) Direct(r approvals.Request, n approvals.Notice) bot.Message {
	esc := bot.EscapeText
	k := approvals.KindOf(r.Kind)
	title := "*" + esc(clipText(r.Title, 90)) + "*"
	m := bot.Message{Visibility: bot.Visible}
	var lines []string
	switch n.Event {
	case approvals.EventApproved:
		m.Headline = "Your request " + r.ID + " is approved"
		lines = append(lines, fmt.Sprintf("%s was approved by %s.", title, esc(joinNames(approvals.MarkNames(r.Approvals), "and"))))
		switch k.Next {
		case approvals.AwaitDone:
			lines = append(lines, "Next: install "+esc(appName(r))+" in "+saas(r)+", then press *Mark installed* on the request in the approvals channel. The next sync checks that "+saas(r)+" has it.")
		case approvals.AwaitReview:
			next := "Next: make the change."
			if !r.ReviewOn.IsZero() {
				who := esc(r.Owner) + " is"
				if r.Owner == r.Requester {
					who = "you are"
				}
				next += fmt.Sprintf(" On %s %s asked to keep it, roll it back or extend the review.", v.date(r.ReviewOn), who)
			}
			lines = append(lines, next)
		}
	case approvals.EventDenied:
		m.Headline = "Your request " + r.ID + " was denied"
		lines = append(lines, fmt.Sprintf("%s denied %s:", esc(n.Mark.By), title), esc(n.Mark.Text),
			"If you can address it, send a new request.")
	case approvals.EventExpired:
		m.Headline = "Your request " + r.ID + " expired"
		days := expiredDays(r)
		lines = append(lines, fmt.Sprintf("%s had %d of %d approvals after %d %s, so it expired.", title, n.Count, r.Needed, days, plural(days, "day", "days")),
			fmt.Sprintf("If it is still needed, ask again with %s request %s.", esc(v.Command), esc(k.Name)))
	case approvals.EventQuestion:
		m.Headline = "A question about your request " + r.ID
		lines = append(lines, fmt.Sprintf("%s asks about %s:", esc(n.Mark.By), title), esc(n.Mark.Text))
		m.Buttons = []bot.Button{{ActionID: ActionRequestAnswer, Label: "Answer", Value: r.ID, Style: bot.StylePrimary}}
		m.Context = []string{"Your answer goes to the approvers' thread. The request waits for it."}
	case approvals.EventReviewDue:
		m.Headline = "Review time for " + r.ID + ": keep, roll back or extend?"
		lines = append(lines, fmt.Sprintf("%s was approved %s with a review on %s. You own it: is it still needed?", title, v.on(r.DecidedAt), v.date(r.ReviewOn)),
			"*Keep* it and the request is done; *Roll back* once you have undone it; *Extend* to pick a new review date.")
		if fs := answerFields(r); len(fs) > 0 {
			m.Sections = append(m.Sections, bot.Section{Text: strings.Join(lines, "\n"), Fields: fs})
			lines = nil
		}
		m.Buttons = []bot.Button{
			{ActionID: ActionRequestKeep, Label: "Keep", Value: r.ID, Style: bot.StylePrimary},
			{ActionID: ActionRequestRollBack, Label: "Roll back", Value: r.ID, Confirm: &bot.Confirm{
				Title: "Record it as rolled back?", Text: "Only once the change is undone in " + saas(r) + ": " + r.ID + " closes as rolled back, and the approvals thread says so.",
				Confirm: "Rolled back", Deny: "Not yet"}},
			{ActionID: ActionRequestExtend, Label: "Extend", Value: r.ID},
		}
	case approvals.EventGranted, approvals.EventGrantEnding, approvals.EventGrantEnded, approvals.EventGrantHeld, approvals.EventGrantRefused:
		m.Headline, lines = v.grantDirect(r, n)
	default:
		m.Headline = "Your request " + r.ID + " is " + r.State.Words()
		lines = append(lines, title)
		lines = append(lines, v.stateLines(r)...)
	}
	if len(lines) > 0 {
		m.Sections = append(m.Sections, bot.Section{Text: strings.Join(lines, "\n")})
	}
	if m.Context == nil {
		m.Context = []string{v.Command + " request show " + r.ID}
	}
	return m
}

// Submitted confirms a request to its requester: what it is, what it
// needs, where approvers see it, and how to follow or withdraw it.
func (v Requests) Submitted(r approvals.Request) bot.Message {
	where := "the approvals channel"
	if r.Thread.Conversation != "" {
		where = r.Thread.Conversation
	}
	lines := []string{fmt.Sprintf("*%s* is posted to %s, where approvers decide in its thread. You hear from me when it is approved, denied or has a question.",
		bot.EscapeText(clipText(r.Title, 90)), bot.EscapeText(where))}
	if sh, ok := r.Retroactive(); ok {
		lines = append(lines, fmt.Sprintf("It is retroactive for installation %d, already in %s.", sh.ID, connector.Title(sh.SaaS)))
	}
	m := bot.Message{
		Headline: "Sent for approval: " + r.ID,
		Sections: []bot.Section{
			{Text: strings.Join(lines, "\n")},
			{Fields: []bot.Field{
				{Label: "Request", Value: r.ID},
				{Label: "Risk tier", Value: tierWords(r)},
				{Label: "Approvals needed", Value: strconv.Itoa(r.Needed)},
				{Label: "Expires", Value: v.stamp(r.ExpiresAt) + " unless approved by then"},
			}},
		},
		Context:    []string{fmt.Sprintf("See it with %s request show %s · withdraw it with %s request cancel %s", v.Command, r.ID, v.Command, r.ID)},
		Visibility: bot.Ephemeral,
	}
	return m
}

// Detail is the answer to `request show ID`: the parent's content and
// everything that happened, for one reader.
func (v Requests) Detail(r approvals.Request, viewerIsRequester bool) bot.Message {
	m := bot.Message{Headline: headline(r), Sections: v.body(r), Visibility: bot.Ephemeral}
	if h := v.history(r); len(h) > 0 {
		m.Sections = append(m.Sections, bot.Section{Text: "*History*\n" + strings.Join(h, "\n")})
	}
	m.Context = []string{"Request " + r.ID + " · asked " + v.on(r.CreatedAt)}
	if viewerIsRequester && (r.State == approvals.Pending || r.State == approvals.Confirming) {
		m.Buttons = []bot.Button{cancelButton(r)}
		m.Context = append(m.Context, v.Command+" request cancel "+r.ID+" does the same")
	}
	return m
}

// cancelButton withdraws the requester's own request, after a confirm.
func cancelButton(r approvals.Request) bot.Button {
	return bot.Button{ActionID: ActionRequestCancel, Label: "Cancel request", Value: r.ID, Style: bot.StyleDanger, Confirm: &bot.Confirm{
		Title: "Cancel " + r.ID + "?", Text: "The request is withdrawn and the approvers' thread says so. To ask again, send a new request.",
		Confirm: "Cancel request", Deny: "Keep it"}}
}

// history is what happened to r, oldest first.
func (v Requests) history(r approvals.Request) []string {
	type event struct {
		at   time.Time
		line string
	}
	esc := bot.EscapeText
	quote := func(s string) string { return "“" + esc(clipText(s, historyClip)) + "”" }
	asked := esc(r.Requester) + " asked for it"
	if sh, ok := r.Retroactive(); ok {
		asked += fmt.Sprintf(", retroactively for installation %d", sh.ID)
		if sh.SaaS != connector.Zendesk {
			asked += " in " + connector.Title(sh.SaaS)
		}
	}
	evs := []event{{r.CreatedAt, asked}}
	if c := r.Confirmation; c != nil && c.Outcome == approvals.Confirmed {
		evs = append(evs, event{c.At, fmt.Sprintf("%s, %s, confirmed that %s asked", esc(c.By), confirmerWords(c), esc(r.Requester))})
	}
	for i, a := range r.Approvals {
		evs = append(evs, event{a.At, fmt.Sprintf("%s approved (%d of %d)", esc(a.By), i+1, r.Required())})
	}
	for _, q := range r.Questions {
		evs = append(evs, event{q.At, esc(q.By) + " asked: " + quote(q.Text)})
		if q.Answer != nil {
			evs = append(evs, event{q.Answer.At, esc(q.Answer.By) + " answered: " + quote(q.Answer.Text)})
		}
	}
	if d := r.Denial; d != nil {
		evs = append(evs, event{d.At, esc(d.By) + " denied it: " + quote(d.Text)})
	}
	if c := r.Closed; c != nil {
		var line string
		switch r.State {
		case approvals.Cancelled:
			line = esc(c.By) + " cancelled it"
		case approvals.Expired:
			line = "it expired without enough approvals"
			if cf := r.Confirmation; cf != nil && cf.Outcome != approvals.Confirmed {
				line = "it ended unconfirmed, before reaching its approvers"
				if c.Text != "" {
					line += ": " + esc(c.Text)
				}
			}
		case approvals.Done:
			line = esc(c.By) + " marked it installed"
			if approvals.KindOf(r.Kind).Next == approvals.AwaitReview {
				line = esc(c.By) + " kept it"
			}
		case approvals.RolledBack:
			line = esc(c.By) + " recorded it rolled back"
		}
		if line != "" {
			evs = append(evs, event{c.At, line})
		}
	}
	if !r.ReviewSent.IsZero() {
		evs = append(evs, event{r.ReviewSent, esc(r.Owner) + " was asked to review it"})
	}
	if vf := r.Verified; vf != nil {
		line := "the sync found no installation named " + esc(appName(r)) + " in " + saas(r)
		if vf.Found {
			line = fmt.Sprintf("the sync found it in %s (installation %d)", saas(r), vf.SaaSID)
		}
		evs = append(evs, event{vf.At, line})
	}
	slices.SortStableFunc(evs, func(a, b event) int { return a.at.Compare(b.at) })
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		out = append(out, v.stamp(e.at)+" · "+e.line)
	}
	if len(out) > historyMax {
		skipped := len(out) - historyMax + 1
		out = slices.Concat(out[:1], []string{fmt.Sprintf("… %d more", skipped)}, out[len(out)-historyMax+2:])
	}
	return out
}

// List is the answer to `request list`: one short section per request.
func (v Requests) List(title, empty string, rs []approvals.Request) bot.Message {
	m := bot.Message{Headline: fmt.Sprintf("%s: %d", title, len(rs)), Visibility: bot.Ephemeral}
	if len(rs) == 0 {
		if empty != "" {
			m.Sections = []bot.Section{{Text: bot.EscapeText(empty)}}
		}
		return m
	}
	for _, r := range rs[:min(len(rs), listMax)] {
		m.Sections = append(m.Sections, bot.Section{Text: fmt.Sprintf("*%s* · %s\n%s · %s risk · %d of %d approvals · asked by %s on %s",
			r.ID, bot.EscapeText(clipText(r.Title, 90)), prose.Capitalize(r.State.Words()),
			cmp.Or(string(r.Tier), string(approvals.Low)), len(r.Approvals), r.Needed, bot.EscapeText(r.Requester), v.date(r.CreatedAt))})
	}
	if more := len(rs) - listMax; more > 0 {
		m.Context = append(m.Context, fmt.Sprintf("…and %d more", more))
	}
	m.Context = append(m.Context, v.Command+" request show ID shows one")
	return m
}

// DenyForm asks an approver why they deny the request.
func (v Requests) DenyForm(r approvals.Request) bot.Form {
	return bot.Form{ID: FormRequestDeny, RecordID: r.ID, Title: "Deny " + r.ID, Submit: "Deny", Inputs: []bot.Input{{
		ID: InputDenyReason, Label: "Why deny it", Kind: bot.InputMultiline, Required: true, MaxLength: 1000,
		Hint: "The requester and the thread see this; say what would change your mind",
	}}}
}

// AskForm asks an approver for their question to the requester.
func (v Requests) AskForm(r approvals.Request) bot.Form {
	return bot.Form{ID: FormRequestAsk, RecordID: r.ID, Title: "Ask about " + r.ID, Submit: "Ask", Inputs: []bot.Input{{
		ID: InputQuestion, Label: "Your question for " + r.Requester, Kind: bot.InputMultiline, Required: true, MaxLength: 1000,
		Hint: "It goes to the thread and to the requester, who answers from their direct message",
	}}}
}

// AnswerForm asks the requester for their answer to the open question,
// which the hint repeats.
func (v Requests) AnswerForm(r approvals.Request) bot.Form {
	hint := "Your answer goes to the approvers' thread"
	if i := r.OpenQuestion(); i >= 0 {
		q := r.Questions[i]
		hint = q.By + " asked: " + clipText(q.Text, 300)
	}
	return bot.Form{ID: FormRequestAnswer, RecordID: r.ID, Title: "Answer about " + r.ID, Submit: "Answer", Inputs: []bot.Input{{
		ID: InputAnswer, Label: "Your answer", Kind: bot.InputMultiline, Required: true, MaxLength: 2000, Hint: hint,
	}}}
}

// ExtendForm asks the owner for the next review date; it starts 90 days
// out.
func (v Requests) ExtendForm(r approvals.Request) bot.Form {
	y, mo, d := v.Now.In(v.loc()).Date()
	today := time.Date(y, mo, d, 0, 0, 0, 0, v.loc())
	return bot.Form{ID: FormRequestExtend, RecordID: r.ID, Title: "Extend " + r.ID, Submit: "Extend", Inputs: []bot.Input{{
		ID: InputUntil, Label: "Next review date", Kind: bot.InputDate, Required: true,
		Initial: today.AddDate(0, 0, 90).Format(time.DateOnly),
		Hint: fmt.Sprintf("You are asked again then; at most %d days from today (%s)", approvals.MaxReviewDays,
			today.AddDate(0, 0, approvals.MaxReviewDays).Format(time.DateOnly)),
	}}}
}

// Reminder is one approver's daily reminder of the pending requests they
// have not decided, each with Approve and Deny.
func (v Requests) Reminder(rs []approvals.Request) bot.Message {
	m := bot.Message{
		Headline:   fmt.Sprintf("%d %s waiting for your approval", len(rs), plural(len(rs), "request", "requests")),
		Visibility: bot.Visible,
	}
	for _, r := range rs[:min(len(rs), reminderMax)] {
		m.Sections = append(m.Sections, v.waitingSection(r))
	}
	if more := len(rs) - reminderMax; more > 0 {
		m.Context = append(m.Context, fmt.Sprintf("…and %d more: %s request list shows them all", more, v.Command))
	}
	m.Context = append(m.Context, "To ask a question first, use the request's thread in the approvals channel. "+v.Command+" request show ID shows one.")
	return m
}

// waitingSection is a request waiting for an approver's decision, with
// Approve and Deny.
func (v Requests) waitingSection(r approvals.Request) bot.Section {
	return bot.Section{
		Text: fmt.Sprintf("*%s* · %s\nAsked by %s · %s risk · %d of %d approvals · %s",
			r.ID, bot.EscapeText(clipText(r.Title, 90)), bot.EscapeText(r.Requester), cmp.Or(string(r.Tier), string(approvals.Low)),
			len(r.Approvals), r.Needed, v.expiresIn(r.ExpiresAt)),
		Actions: []bot.Button{
			{ActionID: ActionRequestApprove, Label: "Approve", Value: r.ID, Style: bot.StylePrimary},
			{ActionID: ActionRequestDeny, Label: "Deny", Value: r.ID, Style: bot.StyleDanger},
		},
	}
}

// expiresIn is "expires in 3 days", counted in whole days from now.
func (v Requests) expiresIn(t time.Time) string {
	days := int(math.Ceil(t.Sub(v.Now).Hours() / 24))
	switch {
	case days <= 0:
		return "expires today"
	case days == 1:
		return "expires in 1 day"
	}
	return fmt.Sprintf("expires in %d days", days)
}

// ShadowReport tells the admin channel about an app installed in a
// governed SaaS (Zendesk, GitHub) with no approved request behind it.
func (v Requests) ShadowReport(sh approvals.Shadow) bot.Message {
	name := clipText(sh.Name, 90)
	short := clipText(sh.Name, 60)
	key := sh.Key()
	where := connector.Title(key.SaaS)
	// What the report calls the app, and how it is removed there.
	noun, remove := "App", "Remove it in Admin Center (Apps and integrations > Apps > Zendesk Support apps)."
	if key.SaaS == connector.GitHub {
		noun, remove = "GitHub App", "Uninstall it in the organization's settings (GitHub Apps > Configure > Uninstall)."
	} else if key.SaaS != connector.Zendesk {
		remove = "Remove it in " + where + "."
	}
	lines := []string{fmt.Sprintf("*%s* is installed in %s, but no approved app request covers it. Open a retroactive request to have it approved, or flag it for removal.", bot.EscapeText(name), where)}
	if sh.Request != "" {
		lines = append(lines, fmt.Sprintf("ℹ Retroactive request %s · %s request show %s", bot.EscapeText(sh.Request), bot.EscapeText(v.Command), bot.EscapeText(sh.Request)))
	}
	if f := sh.Flagged; f != nil {
		lines = append(lines, fmt.Sprintf("⚠ Flagged for removal by %s %s. %s", bot.EscapeText(f.By), v.on(f.At), remove))
	}
	value := key.String()
	m := bot.Message{
		Headline: noun + " installed without an approved request: " + name,
		Sections: []bot.Section{
			{Text: strings.Join(lines, "\n")},
			{Fields: []bot.Field{{Label: noun, Value: sh.Name}, {Label: "Installation", Value: strconv.FormatInt(key.ID, 10)}, {Label: "Found", Value: v.stamp(sh.FoundAt)}}},
		},
		Buttons:    []bot.Button{{ActionID: ActionShadowRequest, Label: "Open a retroactive request", Value: value, Style: bot.StylePrimary}},
		Visibility: bot.Visible,
	}
	if sh.Flagged == nil {
		m.Buttons = append(m.Buttons, bot.Button{ActionID: ActionShadowFlag, Label: "Flag for removal", Value: value, Style: bot.StyleDanger, Confirm: &bot.Confirm{
			Title: "Flag " + short + " for removal?", Text: "The report says it is to be removed; someone then removes it in " + where + ". Only admins can flag.",
			Confirm: "Flag", Deny: "Cancel"}})
	}
	return m
}

// reviewed names what a review keeps or rolls back.
func reviewed(r approvals.Request) string {
	if approvals.KindOf(r.Kind).Next == approvals.AwaitDone {
		return "app"
	}
	return "change"
}

// grantRole is the role an access request asks for, for sentences.
func grantRole(r approvals.Request) string { return bot.EscapeText(r.Answers[approvals.FieldRole]) }

// grantEnd reads the end a granted notice carries.
func (v Requests) grantEnd(n approvals.Notice) string {
	end, err := time.Parse(time.RFC3339, n.Mark.Text)
	if err != nil {
		return bot.EscapeText(n.Mark.Text)
	}
	return v.stamp(end)
}

// grantReply is the thread's reply about an access request's grant.
func (v Requests) grantReply(r approvals.Request, n approvals.Notice) (head, text string) {
	esc := bot.EscapeText
	id := access.GrantID(r.ID)
	switch n.Event {
	case approvals.EventGranted:
		return fmt.Sprintf("🔓 Granted: %s is %s until %s", esc(r.Requester), grantRole(r), v.grantEnd(n)),
			fmt.Sprintf("Taken back automatically then, with their sessions ended. Grant %s · %s access revoke %s ends it sooner.", id, esc(v.Command), id)
	case approvals.EventGrantEnded:
		return fmt.Sprintf("🔒 Ended: %s no longer holds %s", esc(r.Requester), grantRole(r)), esc(n.Mark.Text)
	case approvals.EventGrantHeld:
		return "⚠ The grant's end needs a person", esc(n.Mark.Text)
	case approvals.EventGrantExtended:
		return fmt.Sprintf("⏩ %s extended the grant until %s", esc(n.Mark.By), v.grantEnd(n)),
			"A self-extension, which the policy allows once per grant; longer goes to approvers."
	}
	return "⛔ Not granted", esc(n.Mark.Text)
}

// grantDirect is the requester's direct message about their grant.
func (v Requests) grantDirect(r approvals.Request, n approvals.Notice) (headline string, lines []string) {
	esc := bot.EscapeText
	id := access.GrantID(r.ID)
	switch n.Event {
	case approvals.EventGranted:
		return fmt.Sprintf("You are %s in %s until %s", grantRole(r), saas(r), v.grantEnd(n)), []string{
			fmt.Sprintf("Approved by %s. It is taken back then and your %s sessions are ended, so sign in again afterwards.", esc(joinNames(approvals.MarkNames(r.Approvals), "and")), saas(r)),
			fmt.Sprintf("Done sooner? %s access revoke %s", esc(v.Command), id),
		}
	case approvals.EventGrantEnding:
		return fmt.Sprintf("Your %s access ends at %s", grantRole(r), v.grantEnd(n)), []string{
			fmt.Sprintf("Save your work in %s: at the end your sessions are ended. Need longer? Ask again with %s request access.", saas(r), esc(v.Command)),
		}
	case approvals.EventGrantEnded:
		return fmt.Sprintf("Your %s access has ended", grantRole(r)), []string{esc(n.Mark.Text)}
	case approvals.EventGrantHeld:
		return fmt.Sprintf("Your %s access needs an admin", grantRole(r)), []string{esc(n.Mark.Text), "An admin decides what happens next."}
	}
	return fmt.Sprintf("Your %s access was not granted", grantRole(r)), []string{esc(n.Mark.Text), "Nothing was changed in " + saas(r) + "."}
}

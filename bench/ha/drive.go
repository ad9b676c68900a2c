package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/prompts"
)

// button is one button of a posted Block Kit message.
type button struct{ actionID, value string }

// buttons finds every button in a message's blocks.
func buttons(blocks json.RawMessage) []button {
	var doc any
	if json.Unmarshal(blocks, &doc) != nil {
		return nil
	}
	var out []button
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			if t["type"] == "button" {
				id, _ := t["action_id"].(string)
				value, _ := t["value"].(string)
				out = append(out, button{id, value})
			}
			for _, child := range t {
				walk(child)
			}
		case []any:
			for _, child := range t {
				walk(child)
			}
		}
	}
	walk(doc)
	return out
}

// seatActions are the review's decisions and how often people pick each.
var seatActions = []struct {
	id     string
	weight int
}{{prompts.ActionRemove, 30}, {prompts.ActionDowngrade, 25}, {prompts.ActionSnooze, 25}, {prompts.ActionKeep, 20}}

func pickSeatAction() string {
	r := rand.IntN(100)
	for _, a := range seatActions {
		if r < a.weight {
			return a.id
		}
		r -= a.weight
	}
	return prompts.ActionSnooze
}

// clickRecord is one decision the harness pressed, for the verdict.
type clickRecord struct {
	seat        string // the button's value, "<period>:<user id>"
	action      string
	responseURL string
	// sent is the click's acknowledgement; for Keep, the form's.
	sent   sent
	repeat bool   // a second press of the same button
	owner  person // who pressed it
}

// driver sends the traffic and keeps what it sent.
type driver struct {
	w     *world
	slack *slackCaller
	reps  *replicas

	decisions atomic.Int64 // clicks and form submissions that decide something
	questions atomic.Int64 // seat questions in Slack and Teams
	refused   atomic.Int64 // requests no replica acknowledged (all down, 5xx)
	traffic   [2]time.Time // when the traffic began and ended
	// How long acknowledged decisions took to be acknowledged.
	clickAcks, formAcks, voteAcks latencies
	credentialAcks                latencies

	mu       sync.Mutex
	claimed  map[string]bool // seats the harness has pressed a decision for
	clicks   []clickRecord
	requests []approvalRun
	events   []*eventRun
	grants   []grantRun // break-glass commands (access.go)
	// revokes and claims are credential decisions (credentials.go).
	revokes, claims []credentialRun
	// lateRetries are Slack's later deliveries of events no replica took.
	lateRetries sync.WaitGroup
	teamsAsk    []teamsRun
	owners      []person // owners with seats left to decide
}

type approvalRun struct {
	app, id   string
	parentTS  string
	submitted sent // the form's submission
	votes     int  // approvals acknowledged with 200
}

type eventRun struct {
	id     string
	person person
	sends  []sent // the first delivery and Slack's retries
}

type teamsRun struct {
	activityID, conversation string
	sent                     sent
}

func newDriver(w *world, reps *replicas) *driver {
	d := &driver{w: w, reps: reps, claimed: map[string]bool{}}
	d.slack = &slackCaller{w: w, pick: reps.pick}
	for _, p := range w.owners {
		d.owners = append(d.owners, p)
	}
	return d
}

// digestsPosted counts the owners whose DM holds a seat-review digest.
func (d *driver) digestsPosted() int {
	n := 0
	for _, p := range d.w.owners {
		if ch, ok := d.w.slack.DMChannel(p.slackID); ok && len(digestMessages(d.w.period, d.w.slack.Messages(ch))) > 0 {
			n++
		}
	}
	return n
}

// digestMessages are the posts in a DM that are this week's seat-review
// digest: by the key the bot sends as message metadata, which stays when
// the digest is redrawn without buttons (every seat decided), or, for a
// post without one, by this week's review buttons (the quarter's
// privilege review has digests of its own).
func digestMessages(period string, msgs []slacktest.Message) []slacktest.Message {
	var out []slacktest.Message
	for _, m := range msgs {
		if m.ThreadTS != "" && m.ThreadTS != m.TS {
			continue
		}
		if key, ok := notificationKey(m); ok {
			if strings.HasPrefix(key, "review/"+period+"/") && strings.Contains(key, "/digest-") {
				out = append(out, m)
			}
			continue
		}
		for _, b := range buttons(m.Blocks) {
			if strings.HasPrefix(b.actionID, "review.") && strings.HasPrefix(b.value, period+":") {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// notificationKey is the key a message was posted under, from its
// metadata.
func notificationKey(m slacktest.Message) (string, bool) {
	var meta struct {
		Payload struct {
			Key string `json:"key"`
		} `json:"event_payload"`
	}
	if m.Metadata == nil || json.Unmarshal(m.Metadata, &meta) != nil || meta.Payload.Key == "" {
		return "", false
	}
	return meta.Payload.Key, true
}

// reviewer presses decisions on the digests until ctx ends or every seat
// is decided.
func (d *driver) reviewer(ctx context.Context) {
	for ctx.Err() == nil {
		d.mu.Lock()
		if len(d.owners) == 0 {
			d.mu.Unlock()
			return
		}
		oi := rand.IntN(len(d.owners))
		owner := d.owners[oi]
		d.mu.Unlock()

		ch, ok := d.w.slack.DMChannel(owner.slackID)
		if !ok {
			d.dropOwner(owner)
			continue
		}
		digests := digestMessages(d.w.period, d.w.slack.Messages(ch))
		week := d.w.period + ":"
		var seat, page string
		var msg slacktest.Message
		d.mu.Lock()
	find:
		for _, m := range digests {
			for _, b := range buttons(m.Blocks) {
				switch {
				case !strings.HasPrefix(b.value, week):
					// Another review's button.
				case b.actionID == prompts.ActionPage && page == "":
					page, msg = b.value, m
				case strings.HasPrefix(b.actionID, "review.") && b.actionID != prompts.ActionPage && !d.claimed[b.value]:
					seat, msg = b.value, m
					d.claimed[seat] = true
					break find
				}
			}
		}
		d.mu.Unlock()
		switch {
		case seat != "":
			d.decide(ctx, owner, ch, msg.TS, seat)
		case page != "":
			// Every seat shown is pressed: turn the page, as a person
			// would; the digest is redrawn in place.
			d.slack.click(ctx, owner, ch, msg.TS, prompts.ActionPage, page, d.w.slack.NewMessageResponseURL(ch, owner.slackID, msg.TS))
			sleep(ctx, 50*time.Millisecond)
		default:
			d.dropOwner(owner)
		}
	}
}

func (d *driver) dropOwner(p person) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, o := range d.owners {
		if o == p {
			d.owners = append(d.owners[:i], d.owners[i+1:]...)
			return
		}
	}
}

// decide presses one decision on seat; sometimes twice at once, as a
// double click or two people on one digest do.
func (d *driver) decide(ctx context.Context, owner person, ch, ts, seat string) {
	action := pickSeatAction()
	presses := 1
	if rand.IntN(100) < 15 {
		presses = 2
	}
	var wg sync.WaitGroup
	for i := range presses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := clickRecord{seat: seat, action: action, repeat: i > 0, owner: owner,
				responseURL: d.w.slack.NewMessageResponseURL(ch, owner.slackID, ts)}
			rec.sent = d.press(ctx, owner, ch, ts, action, seat, rec.responseURL)
			d.mu.Lock()
			d.clicks = append(d.clicks, rec)
			d.mu.Unlock()
		}()
	}
	wg.Wait()
}

// press clicks and, for Keep, fills in the form the click opens.
func (d *driver) press(ctx context.Context, owner person, ch, ts, action, seat, responseURL string) sent {
	if action != prompts.ActionKeep {
		s, _ := d.slack.click(ctx, owner, ch, ts, action, seat, responseURL)
		d.count(s, &d.clickAcks)
		return s
	}
	for range 3 {
		s, trigger := d.slack.click(ctx, owner, ch, ts, action, seat, responseURL)
		if !s.ok() {
			d.count(s, &d.clickAcks)
			return s
		}
		view, ok := d.awaitView(ctx, trigger)
		if !ok {
			// The replica died before it opened the form: the person
			// presses Keep again, as they would.
			continue
		}
		until := time.Now().UTC().AddDate(0, 0, 60).Format(time.DateOnly)
		s = d.slack.submit(ctx, owner, view, map[string]string{prompts.InputReason: "Covers the holiday queue"}, nil,
			map[string]string{prompts.InputKeepUntil: until})
		if s.ok() && strings.Contains(string(s.body), "response_action") {
			// The form came back with an error on a field: not decided.
			s.status = 422
		}
		d.count(s, &d.formAcks)
		return s
	}
	return sent{}
}

func (d *driver) count(s sent, acks *latencies) {
	if s.status == 200 {
		d.decisions.Add(1)
		acks.add(s.took)
	} else {
		d.refused.Add(1)
	}
}

// commandForm sends a slash command as who and waits for the form it
// opens; false when no replica took the command (counted as refused) or
// the replica died before the form opened.
func (d *driver) commandForm(ctx context.Context, who person, text string) (slacktest.View, bool) {
	s, _, trigger := d.slack.command(ctx, who, text)
	if !s.ok() {
		d.refused.Add(1)
		return slacktest.View{}, false
	}
	return d.awaitView(ctx, trigger)
}

// awaitView waits for the modal a click's trigger opened.
func (d *driver) awaitView(ctx context.Context, trigger string) (slacktest.View, bool) {
	var found slacktest.View
	err := waitFor(ctx, 5*time.Second, "form", func() bool {
		var ok bool
		found, ok = d.w.slack.ViewOpenedBy(trigger)
		return ok
	})
	return found, err == nil
}

// approvalRequests asks for apps and has every approver press Approve at
// once on each, until ctx ends.
func (d *driver) approvalRequests(ctx context.Context, worker int) {
	for n := 0; ctx.Err() == nil; n++ {
		app := fmt.Sprintf("HA App %d-%d", worker, n)
		run := approvalRun{app: app}
		view, ok := d.commandForm(ctx, d.w.requester, "request app "+app)
		if !ok {
			continue
		}
		review := time.Now().UTC().AddDate(0, 0, 90).Format(time.DateOnly)
		s := d.slack.submit(ctx, d.w.requester, view,
			map[string]string{approvals.FieldApp: app, approvals.FieldWhy: "Sync closed tickets to the CRM", approvals.FieldScopes: "read",
				approvals.FieldOwner: d.w.requester.email},
			map[string]string{approvals.FieldData: approvals.DataCustomerPII}, map[string]string{approvals.FieldReview: review})
		if !s.ok() {
			d.refused.Add(1)
			continue
		}
		run.submitted = s
		parent, ok := d.awaitRequest(ctx, app)
		if !ok {
			// Submitted and acknowledged but never posted: the verdict
			// finds it in the store, or counts it lost.
			d.mu.Lock()
			d.requests = append(d.requests, run)
			d.mu.Unlock()
			continue
		}
		run.id, run.parentTS = requestID(messageText(parent)), parent.TS
		var votes atomic.Int64
		var wg sync.WaitGroup
		for _, a := range d.w.approvers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				presses := 1
				if rand.IntN(10) == 0 {
					presses = 2
				}
				for range presses {
					s, _ := d.slack.click(ctx, a, approvalsChannel, parent.TS, prompts.ActionRequestApprove, run.id,
						d.w.slack.NewMessageResponseURL(approvalsChannel, a.slackID, parent.TS))
					if s.ok() {
						votes.Add(1)
					}
					d.count(s, &d.voteAcks)
				}
			}()
		}
		wg.Wait()
		run.votes = int(votes.Load())
		d.mu.Lock()
		d.requests = append(d.requests, run)
		d.mu.Unlock()
	}
}

// awaitRequest waits for the approval thread's parent message of app.
func (d *driver) awaitRequest(ctx context.Context, app string) (slacktest.Message, bool) {
	var found slacktest.Message
	err := waitFor(ctx, 15*time.Second, "approval thread", func() bool {
		for _, m := range d.w.slack.Messages(approvalsChannel) {
			if (m.ThreadTS == "" || m.ThreadTS == m.TS) && namesApp(messageText(m), app) {
				found = m
				return true
			}
		}
		return false
	})
	return found, err == nil
}

// requestID finds the REQ-… id in a message's text.
func requestID(text string) string {
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(" \n:*·`()[]", r) }) {
		if approvals.ValidID(w) {
			return w
		}
	}
	return ""
}

// messageText is a message's text and its blocks' text, for matching.
func messageText(m slacktest.Message) string {
	var b strings.Builder
	b.WriteString(m.Text)
	var doc any
	if json.Unmarshal(m.Blocks, &doc) == nil {
		var walk func(v any)
		walk = func(v any) {
			switch t := v.(type) {
			case map[string]any:
				if s, ok := t["text"].(string); ok {
					b.WriteString("\n" + s)
				}
				for _, c := range t {
					walk(c)
				}
			case []any:
				for _, c := range t {
					walk(c)
				}
			}
		}
		walk(doc)
	}
	return b.String()
}

// seatQuestions asks /warden seats in Slack, as an admin would.
func (d *driver) seatQuestions(ctx context.Context) {
	for ctx.Err() == nil {
		s, _, _ := d.slack.command(ctx, d.w.admin, "seats")
		if s.ok() {
			d.questions.Add(1)
		} else {
			d.refused.Add(1)
		}
		sleep(ctx, 20*time.Millisecond)
	}
}

// teamsQuestions asks "seats" in a Teams personal chat; every activity a
// replica acknowledged must get exactly one reply. A delivery under way
// when ctx ends is finished under late, as Teams would.
func (d *driver) teamsQuestions(ctx, late context.Context) {
	for ctx.Err() == nil {
		u := d.w.teamsPeople[rand.IntN(len(d.w.teamsPeople))]
		conv := d.w.teams.PersonalConversation(u.ID)
		act := d.w.teams.Message(u, conv, "seats")
		var s sent
		for range 3 {
			s.base = d.reps.pick()
			s.status, s.body, _ = d.w.teams.Deliver(late, s.base+"/api/messages", act)
			s.at = time.Now()
			if s.status != 0 {
				break
			}
		}
		d.mu.Lock()
		d.teamsAsk = append(d.teamsAsk, teamsRun{activityID: act.ID, conversation: act.Conversation.ID, sent: s})
		d.mu.Unlock()
		if s.status == 200 || s.status == 202 {
			d.questions.Add(1)
		} else {
			d.refused.Add(1)
		}
		sleep(ctx, 100*time.Millisecond)
	}
}

// directMessages sends "help" in a DM through the Events API; some events
// come again as Slack's retries, to another replica. An event no replica
// acknowledged is delivered again later, as Slack does a minute on: the
// bot's lease on an event being answered is 30 s, so the harness comes
// back after 35 s (within the settle time, from late).
func (d *driver) directMessages(ctx context.Context, late context.Context, who person) {
	// Slack's message.im events carry the DM's own id, which the bot
	// reads history from.
	dm := d.w.slack.OpenDM(who.slackID)
	for n := 0; ctx.Err() == nil; n++ {
		run := &eventRun{id: fmt.Sprintf("Ev%s%06d", who.slackID, n), person: who}
		tries := 1
		if rand.IntN(10) < 3 {
			tries = 2 + rand.IntN(2)
		}
		for i := range tries {
			run.sends = append(run.sends, d.slack.directMessage(ctx, who, dm, run.id, "help", i))
			sleep(ctx, time.Duration(rand.IntN(300))*time.Millisecond)
		}
		if !run.acked() {
			d.lateRetries.Go(func() {
				sleep(late, 35*time.Second)
				s := d.slack.directMessage(late, who, dm, run.id, "help", len(run.sends))
				d.mu.Lock()
				run.sends = append(run.sends, s)
				d.mu.Unlock()
			})
		}
		d.mu.Lock()
		d.events = append(d.events, run)
		d.mu.Unlock()
		sleep(ctx, 200*time.Millisecond)
	}
}

func (r *eventRun) acked() bool {
	for _, s := range r.sends {
		if s.ok() {
			return true
		}
	}
	return false
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// namesApp reports whether text names app, and not an app whose name
// begins with it ("HA App 0-1" is not "HA App 0-10").
func namesApp(text, app string) bool {
	for rest := text; ; {
		i := strings.Index(rest, app)
		if i < 0 {
			return false
		}
		rest = rest[i+len(app):]
		if rest == "" || rest[0] < '0' || rest[0] > '9' {
			return true
		}
	}
}

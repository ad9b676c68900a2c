package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/internal/seal"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/store/redisstore"
)

// verdict is what the emulators and the store say happened, judged
// against what the harness sent and what the bot acknowledged.
type verdict struct {
	violations map[string][]string // by kind, with examples
	counts     map[string]int      // operations and outcomes, for the table
	order      []string
	rates      [][2]string // figures that are not counts: what, value
}

// note adds a figure that is not a count to the table.
func (v *verdict) note(what, value string) { v.rates = append(v.rates, [2]string{what, value}) }

func newVerdict() *verdict {
	return &verdict{violations: map[string][]string{}, counts: map[string]int{}}
}

func (v *verdict) violate(kind, format string, a ...any) {
	v.violations[kind] = append(v.violations[kind], fmt.Sprintf(format, a...))
}

func (v *verdict) count(what string, n int) {
	if _, ok := v.counts[what]; !ok {
		v.order = append(v.order, what)
	}
	v.counts[what] += n
}

func (v *verdict) total() int {
	n := 0
	for _, list := range v.violations {
		n += len(list)
	}
	return n
}

// killedSoon reports whether the replica at base died within window
// after at: work it acknowledged and had queued, not yet begun, died with
// it whole (a lost click, not a half-done one). The window is the
// longest such work waits in a busy replica's queue.
const queuedFor = 30 * time.Second

func killedSoon(reps *replicas, s sent, window time.Duration) bool {
	for _, d := range reps.deathsSoFar() {
		if reps.base(d.replica) == s.base && !d.at.Before(s.at.Add(-time.Second)) && d.at.Sub(s.at) <= window {
			return true
		}
	}
	return false
}

// judge reads the store and the emulators after the run has settled.
func judge(ctx context.Context, w *world, r *redisTopology, reps *replicas, d *driver) (*verdict, error) {
	v := newVerdict()
	st, client, err := openStore(ctx, w, r)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	defer client.Close()

	judgeReviews(ctx, v, w, reps, d, &reviews.Service{Records: st, Audit: st})
	if err := judgeApprovals(ctx, v, w, d, &approvals.Service{Records: st, Audit: st}); err != nil {
		return nil, err
	}
	if err := judgeAccess(ctx, v, w, reps, d, &access.Service{Store: st, Audit: st}); err != nil {
		return nil, err
	}
	if err := judgeCredentials(ctx, v, w, d, &credentials.Service{Records: st, Audit: st}, st); err != nil {
		return nil, err
	}
	judgeEvents(v, w, d)
	judgeTeams(v, w, reps, d)
	if err := judgeKeys(ctx, v, client); err != nil {
		return nil, err
	}
	return v, nil
}

// openStore opens the replicas' store as they do: through the Sentinel,
// sealed with their key.
func openStore(ctx context.Context, w *world, r *redisTopology) (*redisstore.Store, *redis.Client, error) {
	key, err := seal.ParseKey(w.key)
	if err != nil {
		return nil, nil, err
	}
	ring, err := seal.NewKeyring(key)
	if err != nil {
		return nil, nil, err
	}
	client := r.client()
	st, err := redisstore.Open(ctx, client, redisstore.Options{Keys: ring})
	if err != nil {
		client.Close()
		return nil, nil, fmt.Errorf("open the store: %w", err)
	}
	return st, client, nil
}

// settle waits, up to limit, until no seat-review change is still being
// carried out, no approval request has a message still to post, no
// access grant is still to be made or past its end and not taken back,
// and Zendesk has been quiet for three seconds. It returns how long that
// took.
func settle(ctx context.Context, w *world, r *redisTopology, limit time.Duration) time.Duration {
	start := time.Now()
	st, client, err := openStore(ctx, w, r)
	if err != nil {
		return 0
	}
	defer st.Close()
	defer client.Close()
	svc := &reviews.Service{Records: st, Audit: st}
	requests := &approvals.Service{Records: st, Audit: st}
	grants := &access.Service{Store: st, Audit: st}
	register := &credentials.Service{Records: st, Audit: st}
	period := w.period
	lastCount, quietSince := -1, time.Now()
	_ = waitFor(ctx, limit, "settle", func() bool {
		if n := len(w.zd.Mutations()); n != lastCount {
			lastCount, quietSince = n, time.Now()
		}
		items, err := svc.Items(ctx, period)
		if err != nil {
			return false
		}
		for _, it := range items {
			if it.Change != nil && it.Change.Status == reviews.ChangePending {
				return false
			}
		}
		all, err := requests.List(ctx)
		if err != nil {
			return false
		}
		for _, r := range all {
			if len(r.Outbox) > 0 {
				return false
			}
		}
		if grantsDue(ctx, grants) || revokesDue(ctx, register) {
			return false
		}
		// Clicks and questions a killed replica acknowledged wait for
		// their lease.
		for _, kind := range []string{"slack-intake", "teams-intake"} {
			if queued, err := st.ListRecords(ctx, kind); err != nil || len(queued) > 0 {
				return false
			}
		}
		return time.Since(quietSince) > 3*time.Second
	})
	return time.Since(start)
}

// apologized reports whether the bot told who, in their DM, that
// something went wrong within half a minute of s: a form's 200 only
// closes the modal, and a store that could not take the decision (Redis
// restarting) answers with an apology there instead.
func apologized(w *world, who person, s sent) bool {
	ch, ok := w.slack.DMChannel(who.slackID)
	if !ok {
		return false
	}
	for _, m := range w.slack.Messages(ch) {
		if !strings.HasPrefix(strings.TrimSpace(messageText(m)), "Something went wrong") {
			continue
		}
		secs, err := strconv.ParseFloat(m.TS, 64)
		if err != nil {
			continue
		}
		at := time.Unix(0, int64(secs*float64(time.Second)))
		if !at.Before(s.at.Add(-time.Second)) && at.Before(s.at.Add(30*time.Second)) {
			return true
		}
	}
	return false
}

// judgeReviews: every seat review decision the bot acknowledged is
// recorded; Zendesk changed each decided seat exactly as recorded, once;
// every owner got one digest.
func judgeReviews(ctx context.Context, v *verdict, w *world, reps *replicas, d *driver, svc *reviews.Service) {
	period := w.period
	items, err := svc.Items(ctx, period)
	if err != nil {
		v.violate("store unreadable", "review items of %s: %v", period, err)
		return
	}
	byValue := map[string]reviews.Item{}
	for _, it := range items {
		byValue[prompts.SeatValue("", period, it.Seat.UserID)] = it
	}
	v.count("review items", len(items))
	during := func(t time.Time) bool { return !t.Before(d.traffic[0]) && !t.After(d.traffic[1]) }
	var decided, done int
	for _, it := range items {
		if it.State != reviews.Open && during(it.DecidedAt) {
			decided++
		}
		if it.Change != nil && it.Change.Status == reviews.ChangeDone && during(it.Change.DoneAt) {
			done++
		}
	}
	span := d.traffic[1].Sub(d.traffic[0]).Seconds()
	v.note("seat decisions recorded during the traffic", fmt.Sprintf("%s (%.0f a second)", benchkit.Commas(decided), float64(decided)/span))
	v.note("seat changes Zendesk confirmed during the traffic", fmt.Sprintf("%s (%.0f a second)", benchkit.Commas(done), float64(done)/span))

	// Zendesk's changes per user, grouped by the second they happened in:
	// one PUT, one group.
	changes := map[int64][]zendesktest.Mutation{}
	for _, m := range w.zd.Mutations() {
		if m.Field != zendesktest.FieldSessions {
			changes[m.UserID] = append(changes[m.UserID], m)
		}
	}
	stamps := func(id int64) int {
		var seen []time.Time
		for _, m := range changes[id] {
			if !slices.ContainsFunc(seen, m.At.Equal) {
				seen = append(seen, m.At)
			}
		}
		return len(seen)
	}

	// A decision is answered by redrawing the digest; anything else a
	// click's response_url got (an apology, "already decided") tells the
	// person it was not taken.
	answered, told := map[string]bool{}, map[string]bool{}
	for _, p := range w.slack.ResponseURLPosts() {
		if p.Error == "" {
			told[p.URL] = true
			answered[p.URL] = answered[p.URL] || p.ReplaceOriginal
		}
	}
	for _, c := range d.clicks {
		it, known := byValue[c.seat]
		acked := answered[c.responseURL] || (c.action == prompts.ActionKeep && c.sent.ok())
		switch {
		case !c.sent.ok():
			v.count("decisions not acknowledged (no replica, 5xx, busy)", 1)
		case !known:
			v.violate("decision on an unknown seat", "%s pressed %s", c.seat, c.action)
		case c.action == prompts.ActionKeep && it.State == reviews.Open && apologized(w, c.owner, c.sent):
			v.count("Keep forms answered with an apology", 1)
		case acked && it.State == reviews.Open:
			v.violate("acknowledged decision lost", "%s: %s answered but the item is open", c.seat, c.action)
		case !acked && told[c.responseURL]:
			v.count("clicks answered with a refusal or an apology", 1)
		case !acked && it.State == reviews.Open:
			// A click is kept in the intake before it is acknowledged,
			// so a SIGKILL no longer excuses it.
			v.violate("click unanswered", "%s: %s acknowledged, never answered, item open", c.seat, c.action)
		}
	}

	for _, it := range items {
		id := it.Seat.UserID
		n := stamps(id)
		switch it.State {
		case reviews.Removed, reviews.Downgraded:
			v.count("decided: "+string(it.State), 1)
			switch {
			case it.Change == nil:
				v.violate("decision without a change", "user %d %s", id, it.State)
			case it.Change.Status == reviews.ChangeDone && n != 1:
				v.violate("Zendesk changed other than once", "user %d %s: %d changes %v", id, it.State, n, changes[id])
			case it.Change.Status == reviews.ChangeDone && !changedAs(it.State, changes[id]):
				v.violate("Zendesk changed otherwise than decided", "user %d %s: %v", id, it.State, changes[id])
			case it.Change.Status == reviews.ChangePending:
				v.violate("decision not carried out", "user %d %s: change pending after the settle time (%d attempts, lease %s until %s, error %q)",
					id, it.State, it.Change.Attempts, it.Change.LeaseHolder, it.Change.LeaseUntil.Format(time.TimeOnly), it.Change.Error)
			case it.Change.Status == reviews.ChangeFailed && n != 0:
				v.violate("Zendesk changed though the change failed", "user %d: %v", id, changes[id])
			}
		case reviews.Changed:
			// The seat changed in Zendesk after the digest; the decision
			// was skipped, and a change by someone else is not ours.
			v.count("decided: "+string(it.State), 1)
		default:
			v.count("decided: "+string(it.State), 1)
			if n != 0 {
				v.violate("Zendesk changed an undecided or kept seat", "user %d %s: %v", id, it.State, changes[id])
			}
		}
	}

	// One digest per owner with seats for the period.
	owners := map[string]bool{}
	for _, it := range items {
		owners[it.Owner] = true
	}
	byEmail := map[string]person{}
	for _, p := range w.owners {
		byEmail[p.email] = p
	}
	byEmail[w.admin.email] = w.admin
	for email := range owners {
		p, ok := byEmail[email]
		if !ok {
			continue
		}
		var posted []string
		if ch, ok := w.slack.DMChannel(p.slackID); ok {
			for _, m := range digestMessages(w.period, w.slack.Messages(ch)) {
				headline, _, _ := strings.Cut(strings.TrimSpace(messageText(m)), "\n")
				posted = append(posted, m.TS+" "+headline)
			}
		}
		n := len(posted)
		v.count("digests posted", n)
		switch {
		case n == 0:
			v.violate("digest lost", "%s has seats in %s and no digest", email, period)
		case n > 1:
			v.violate("digest doubled", "%s got %d digests for %s: %q", email, n, period, posted)
		}
	}
}

// changedAs: the user's changes are the decided one (an end user for
// Remove, the light-agent role for Downgrade).
func changedAs(state reviews.State, ms []zendesktest.Mutation) bool {
	want := "end-user"
	field := "role"
	if state == reviews.Downgraded {
		field, want = "custom_role_id", strconv.FormatInt(zendesktest.LightAgentRoleID, 10)
	}
	return slices.ContainsFunc(ms, func(m zendesktest.Mutation) bool { return m.Field == field && m.To == want })
}

// judgeApprovals: every request with enough approvals acknowledged is
// approved, recorded with exactly the approvals it needed, told in its
// thread once per approval, and its requester told once.
func judgeApprovals(ctx context.Context, v *verdict, w *world, d *driver, svc *approvals.Service) error {
	all, err := svc.List(ctx)
	if err != nil {
		return fmt.Errorf("approval requests: %w", err)
	}
	byApp := map[string]approvals.Request{}
	for _, r := range all {
		byApp[r.Answers[approvals.FieldApp]] = r
	}
	dm, _ := w.slack.DMChannel(w.requester.slackID)
	var told []string
	for _, m := range w.slack.Messages(dm) {
		text := messageText(m)
		headline, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
		if strings.Contains(strings.ToLower(headline), "approved") {
			told = append(told, text)
		}
	}
	parents := map[string][]string{} // the parent messages posted for each app
	for _, m := range w.slack.Messages(approvalsChannel) {
		if m.ThreadTS != "" && m.ThreadTS != m.TS {
			continue
		}
		for _, run := range d.requests {
			if namesApp(messageText(m), run.app) {
				parents[run.app] = append(parents[run.app], m.TS)
			}
		}
	}
	for _, run := range d.requests {
		v.count("approval requests", 1)
		v.count("approval votes acknowledged", run.votes)
		r, ok := byApp[run.app]
		if !ok && apologized(w, w.requester, run.submitted) {
			v.count("approval requests answered with an apology", 1)
			continue
		}
		if !ok {
			v.violate("approval request lost", "%s was submitted and acknowledged, and is not in the store", run.app)
			continue
		}
		if run.id == "" {
			v.count("approval requests posted late or not at all", 1)
			continue
		}
		if run.votes >= r.Needed && r.State != approvals.Approved {
			v.violate("approval lost", "%s: %d approvals acknowledged, state %s", r.ID, run.votes, r.State)
		}
		if len(r.Approvals) > r.Needed {
			v.violate("vote recorded after the decision", "%s: %d approvals recorded, %d needed", r.ID, len(r.Approvals), r.Needed)
		}
		if n := len(parents[run.app]); n > 1 {
			v.violate("approval request posted twice", "%s: %d parent messages %v", r.ID, n, parents[run.app])
		}
		replies := len(w.slack.Replies(approvalsChannel, run.parentTS))
		if replies != len(r.Approvals) {
			v.violate("thread replies other than one per approval", "%s: %d replies for %d approvals", r.ID, replies, len(r.Approvals))
		}
		if len(r.Outbox) > 0 {
			v.violate("approval messages never posted", "%s: %d notices still in its outbox after the settle time", r.ID, len(r.Outbox))
		}
		if r.State == approvals.Approved {
			n := 0
			for _, t := range told {
				if strings.Contains(t, r.ID) {
					n++
				}
			}
			if n != 1 {
				v.violate("requester told other than once", "%s: told %d times it is approved", r.ID, n)
			}
		}
	}
	return nil
}

// judgeEvents: every DM event a replica acknowledged is answered once,
// whatever Slack's retries.
func judgeEvents(v *verdict, w *world, d *driver) {
	// Each part of an event's answer carries the event's key and the
	// part's number as message metadata: a part posted twice is a double,
	// whatever became of the event's deliveries.
	ch, _ := w.slack.DMChannel(w.chatter.slackID)
	posted := map[string]int{} // by key and part
	answered := map[string]bool{}
	replies := 0
	for _, m := range w.slack.Messages(ch) {
		if m.User != w.slack.BotUserID() {
			continue
		}
		replies++
		key, part, ok := answerPart(m)
		if !ok {
			v.violate("DM answer without its event's key", "%s: %q", m.TS, messageText(m))
			continue
		}
		posted[fmt.Sprintf("%s part %d", key, part)]++
		answered[key] = true
	}
	for what, n := range posted {
		if n > 1 {
			v.violate("DM answered twice", "%s posted %d times", what, n)
		}
	}
	acked := 0
	for _, e := range d.events {
		got := answered["slack:event:"+e.id]
		if !e.acked() {
			v.count("DM events no replica acknowledged, retries included", 1)
			if got {
				// Answered, then the replica died before its 200 went out,
				// and every later delivery found the event being answered.
				v.count("DM events answered though no delivery was acknowledged", 1)
			}
			continue
		}
		acked++
		if len(e.sends) > 1 {
			v.count("DM events retried (X-Slack-Retry-Num)", 1)
		}
		// An event is answered before it is acknowledged, or kept in the
		// intake first when its answer takes longer, so a kill loses none.
		if !got {
			v.violate("DM answer lost", "%s: acknowledged, never answered", e.id)
		}
	}
	v.count("DM events acknowledged", acked)
	v.count("DM answers posted", replies)
}

// answerPart is the event key and part number an answer to an event
// carries as message metadata.
func answerPart(m slacktest.Message) (key string, part int, ok bool) {
	var meta struct {
		Payload struct {
			Key  string `json:"key"`
			Part int    `json:"part"`
		} `json:"event_payload"`
	}
	if m.Metadata == nil || json.Unmarshal(m.Metadata, &meta) != nil || meta.Payload.Key == "" {
		return "", 0, false
	}
	return meta.Payload.Key, meta.Payload.Part, true
}

// judgeTeams: every Teams question a replica acknowledged is answered
// once. Answers in a 1:1 chat are not threaded to the question, so each
// chat's answers are counted against its acknowledged questions.
func judgeTeams(v *verdict, w *world, reps *replicas, d *driver) {
	type chat struct{ acked, excused int }
	chats := map[string]*chat{}
	for _, q := range d.teamsAsk {
		c := chats[q.conversation]
		if c == nil {
			c = &chat{}
			chats[q.conversation] = c
		}
		if q.sent.status != 200 && q.sent.status != 202 {
			continue
		}
		c.acked++
		if killedSoon(reps, q.sent, queuedFor) {
			c.excused++
		}
	}
	for id, c := range chats {
		answers := 0
		for _, p := range w.teams.Conversation(id) {
			if p.Type == "message" {
				answers++
			}
		}
		v.count("Teams questions acknowledged", c.acked)
		v.count("Teams answers posted", answers)
		// A question is kept in the intake until answered, so a kill
		// loses none; a kill between posting an answer and recording it
		// has the next replica answer again (Teams cannot be asked what
		// was posted).
		switch {
		case answers > c.acked && c.excused > 0:
			v.count("Teams answers posted twice: a SIGKILL between answering and recording it", answers-c.acked)
		case answers > c.acked:
			v.violate("Teams answered twice", "%s: %d answers for %d questions", id, answers, c.acked)
		case answers < c.acked:
			v.violate("Teams answer lost", "%s: %d answers for %d questions (%d on replicas killed right after)", id, answers, c.acked, c.excused)
		}
	}
}

// judgeKeys: job locks and idempotency markers must expire; one without
// an expiry would hold its job or its key for ever.
func judgeKeys(ctx context.Context, v *verdict, client *redis.Client) error {
	for _, kind := range []string{"lock:", "idem:"} {
		keys, err := client.Keys(ctx, storePrefix+kind+"*").Result()
		if err != nil {
			return fmt.Errorf("list %s keys: %w", kind, err)
		}
		v.count("Redis "+strings.TrimSuffix(kind, ":")+" keys at the end", len(keys))
		for _, k := range keys {
			ttl, err := client.PTTL(ctx, k).Result()
			if err != nil {
				return err
			}
			if ttl == -1 {
				v.violate("key without an expiry", "%s", k)
			}
		}
	}
	return nil
}

// readyz is replica i's readiness, for the table.
func readyz(ctx context.Context, reps *replicas, i int) string {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, reps.base(i)+"/readyz", nil)
	resp, err := httpClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(b)))
}

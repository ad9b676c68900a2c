package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

// breakGlassFor is how long a break-glass grant lasts under the
// harness's policy: long enough that replicas die and Redis fails over
// while grants run, short enough that most end, and are taken back by
// access-expiry, within the run.
const breakGlassFor = 15 * time.Second

// grantRole is the role the on-call agents take.
const grantRole = access.RoleAdmin

// grantRun is one break-glass command the harness sent: who asked, for
// which role, and what became of the request (which replica answered, and
// when). id is the grant the acknowledgement names, when the answer came
// in the acknowledgement itself; a slower answer goes to responseURL and
// the verdict reads it there.
type grantRun struct {
	who         person
	role        string
	responseURL string
	sent        sent
	id          string
}

// accessGrants takes admin by break-glass, as the on-call agents in turn,
// every 6 to 10 seconds until ctx ends: each grant's end falls while the
// traffic and the faults still run, so it is access-expiry, on whichever
// replica is alive, that takes the role back.
func (d *driver) accessGrants(ctx context.Context) {
	deadline, bounded := ctx.Deadline()
	for n := 0; ctx.Err() == nil; n++ {
		// A grant asked for now must end before the traffic does; the
		// margin covers its making and a sweep's tick.
		if bounded && time.Until(deadline) < breakGlassFor+5*time.Second {
			return
		}
		// In turn, so an agent's last grant has ended (35 s at worst: its
		// time plus a dead replica's change lease) before they ask again,
		// and their Zendesk profile sees two updates per turn.
		who := d.w.oncall[n%len(d.w.oncall)]
		s, responseURL, _ := d.slack.command(ctx, who, "access break-glass "+grantRole+" HA drill: the SSO app must be reconfigured now")
		run := grantRun{who: who, role: grantRole, responseURL: responseURL, sent: s}
		if s.ok() {
			run.id = grantIDIn(answerText(s.body))
		} else {
			d.refused.Add(1)
		}
		d.mu.Lock()
		d.grants = append(d.grants, run)
		d.mu.Unlock()
		sleep(ctx, time.Duration(6000+rand.IntN(4000))*time.Millisecond)
	}
}

// breakGlassGrantID finds a break-glass grant's id (g-BG-…) in a
// message: the confirmation names it in "access revoke ID ends it
// sooner".
var breakGlassGrantID = regexp.MustCompile(`\bg-BG-[A-Z0-9]{6}\b`)

func grantIDIn(text string) string { return breakGlassGrantID.FindString(text) }

// answerText is the text of a slash command's answer in its
// acknowledgement; "" when the acknowledgement was bare (the answer then
// goes to response_url).
func answerText(body []byte) string {
	var m struct {
		Text   string          `json:"text"`
		Blocks json.RawMessage `json:"blocks"`
	}
	if len(body) == 0 || json.Unmarshal(body, &m) != nil {
		return ""
	}
	return messageText(slacktest.Message{Text: m.Text, Blocks: m.Blocks})
}

// grantsDue reports whether a grant is still to be made, or has reached
// its end and is not taken back yet: the settle time waits for both. A
// held grant waits for a person, not for time, so it is left to the
// verdict.
func grantsDue(ctx context.Context, svc *access.Service) bool {
	all, err := svc.List(ctx)
	if err != nil {
		return true
	}
	now := time.Now()
	return slices.ContainsFunc(all, func(g access.Grant) bool {
		return g.State == access.Pending || (g.State == access.Active && !g.End.After(now))
	})
}

// judgeAccess: every break-glass grant the bot acknowledged is in the
// store; every grant in the store whose end has passed is ended, and
// Zendesk shows its role raised once and put back once, to the role held
// before; once their grants are over, the agents hold their own role
// again.
func judgeAccess(ctx context.Context, v *verdict, w *world, reps *replicas, d *driver, svc *access.Service) error {
	all, err := svc.List(ctx)
	if err != nil {
		return fmt.Errorf("access grants: %w", err)
	}
	now := time.Now()
	byID := map[string]access.Grant{}
	for _, g := range all {
		byID[g.ID] = g
	}

	// What each command was answered, in its acknowledgement or later at
	// its response_url.
	later := map[string][]string{}
	for _, p := range w.slack.ResponseURLPosts() {
		if p.Error == "" {
			later[p.URL] = append(later[p.URL], messageText(slacktest.Message{Text: p.Text, Blocks: p.Blocks}))
		}
	}
	acked := map[string]grantRun{} // the grants acknowledged, by id
	for _, run := range d.grants {
		v.count("break-glass commands sent", 1)
		if !run.sent.ok() {
			v.count("break-glass commands no replica took (refused, 5xx, busy)", 1)
			continue
		}
		text := answerText(run.sent.body)
		if text == "" {
			text = strings.Join(later[run.responseURL], "\n")
		}
		id := cmp.Or(run.id, grantIDIn(text))
		switch {
		case id != "":
			// A second break-glass while the first runs is answered with
			// the grant that runs: one grant, two acknowledgements.
			if _, seen := acked[id]; !seen {
				acked[id] = run
			}
		case strings.Contains(text, "retried automatically"):
			// Made, but Zendesk did not confirm it in time: the sweep
			// finishes it, and it is judged below with the rest.
			v.count("break-glass commands answered: not confirmed yet, retried", 1)
		case text != "":
			v.count("break-glass commands refused (answered without a grant)", 1)
		case killedSoon(reps, run.sent, queuedFor):
			// A slash command is not kept in the intake: its answer dies
			// with the replica, and the grant, if made, is judged below.
			v.count("break-glass commands never answered: replica killed right after", 1)
		default:
			v.count("break-glass commands never answered", 1)
		}
	}
	v.count("break-glass grants acknowledged", len(acked))
	for _, id := range slices.Sorted(maps.Keys(acked)) {
		if _, ok := byID[id]; !ok {
			run := acked[id]
			v.violate("grant lost", "%s: %s's %s acknowledged by %s at %s, not in the store",
				id, run.who.email, run.role, run.sent.base, run.sent.at.Format(time.TimeOnly))
		}
	}

	// Zendesk's role changes of each agent, oldest first.
	changes := map[int64][]zendesktest.Mutation{}
	for _, m := range w.zd.Mutations() {
		if m.Field == "role" {
			changes[m.UserID] = append(changes[m.UserID], m)
		}
	}
	// Every on-call agent, granted or not: a role change with no grant
	// to account for it is as wrong as a grant not taken back.
	byUser := map[int64][]access.Grant{}
	for _, id := range w.agentIDs {
		byUser[id] = nil
	}
	for _, g := range all {
		byUser[g.UserID] = append(byUser[g.UserID], g)
	}
	emails := map[int64]string{}
	for email, id := range w.agentIDs {
		emails[id] = email
	}
	var slowest time.Duration
	for _, uid := range slices.Sorted(maps.Keys(byUser)) {
		grants := byUser[uid]
		slices.SortFunc(grants, func(a, b access.Grant) int {
			return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
		})
		raises, restores, stray := attribute(grants, changes[uid])
		running := false
		for i, g := range grants {
			how := "not acknowledged"
			if run, ok := acked[g.ID]; ok {
				how = "acknowledged by " + run.sent.base + " at " + run.sent.at.Format(time.TimeOnly)
			}
			if g.State == access.Active && g.End.After(now) {
				running = true
				v.count("break-glass grants still running at the verdict", 1)
				continue
			}
			if _, ok := acked[g.ID]; !ok {
				v.count("break-glass grants made whose command was not acknowledged", 1)
			}
			switch g.State {
			case access.Ended:
				v.count("break-glass grants revoked", 1)
				if !g.EndedAt.IsZero() && !g.End.IsZero() {
					slowest = max(slowest, g.EndedAt.Sub(g.End))
				}
				want := "?"
				if g.Earlier != nil {
					want = g.Earlier.Base
				}
				switch {
				case len(raises[i]) != 1 || len(restores[i]) != 1:
					v.violate("role changed other than once each way", "%s (%s, %s): raised %d and put back %d times: %v",
						g.ID, g.Email, how, len(raises[i]), len(restores[i]), slices.Concat(raises[i], restores[i]))
				case restores[i][0].To != want:
					v.violate("role changed other than once each way", "%s (%s, %s): put back to %s, the role before was %s",
						g.ID, g.Email, how, restores[i][0].To, want)
				}
			case access.Failed:
				// Never took effect: Zendesk must not show it either.
				v.count("break-glass grants failed (never took effect)", 1)
				if len(raises[i])+len(restores[i]) > 0 {
					v.violate("role changed other than once each way", "%s (%s, %s) failed (%s), yet Zendesk changed the role: %v",
						g.ID, g.Email, how, g.Note, slices.Concat(raises[i], restores[i]))
				}
			default:
				change := ""
				if c := g.Change; c != nil {
					change = fmt.Sprintf(", %s change: %d attempts, lease %s until %s, error %q",
						c.Op, c.Attempts, c.LeaseHolder, c.LeaseUntil.Format(time.TimeOnly), c.Error)
				}
				v.violate("grant not revoked", "%s (%s, %s): %s, due at %s, role raised %d times and put back %d%s %s",
					g.ID, g.Email, how, g.State, g.End.Format(time.TimeOnly), len(raises[i]), len(restores[i]), change, g.Note)
			}
		}
		if len(stray) > 0 {
			v.violate("role changed other than once each way", "user %d: role changes no grant accounts for: %v", uid, stray)
		}
		// Every grant over: the agent holds the role they started the
		// run with, whatever the grants recorded as earlier.
		if email, ours := emails[uid]; ours && !running {
			if u, ok := w.zd.UserByEmail(email); ok && !sameSeededRole(u) {
				v.violate("grant not revoked", "%s: Zendesk shows %s (custom role %s) with no grant running", email, u.Role, fmtRoleID(u.CustomRoleID))
			}
		}
	}
	v.count("break-glass: slowest end after its time (s)", int(slowest.Round(time.Second)/time.Second))
	return nil
}

// attribute assigns each role change of one user to the grant it belongs
// to: grants of one person never overlap, so a change belongs to the
// last grant made before it. Zendesk stamps changes to the second, so a
// put-back in the very second the next grant was made belongs to the
// earlier grant while it has none. stray are the changes made before any
// grant.
func attribute(grants []access.Grant, ms []zendesktest.Mutation) (raises, restores [][]zendesktest.Mutation, stray []zendesktest.Mutation) {
	raises, restores = make([][]zendesktest.Mutation, len(grants)), make([][]zendesktest.Mutation, len(grants))
	for _, m := range ms {
		i := -1
		for j, g := range grants {
			if !m.At.Before(g.CreatedAt.Truncate(time.Second)) {
				i = j
			}
		}
		if i < 0 {
			stray = append(stray, m)
			continue
		}
		raised := m.To == grants[i].Role.Base
		if !raised && i > 0 && m.At.Equal(grants[i].CreatedAt.Truncate(time.Second)) && len(restores[i-1]) == 0 && len(raises[i-1]) > 0 {
			i--
		}
		if raised {
			raises[i] = append(raises[i], m)
		} else {
			restores[i] = append(restores[i], m)
		}
	}
	return raises, restores, stray
}

// sameSeededRole: u holds the role the on-call agents are given in the
// generated account (an agent with the Staff custom role).
func sameSeededRole(u zendesk.User) bool {
	return u.Role == zendesk.RoleAgent && u.CustomRoleID != nil && *u.CustomRoleID == zendesktest.StaffRoleID
}

func fmtRoleID(id *int64) string {
	if id == nil {
		return "none"
	}
	return fmt.Sprint(*id)
}

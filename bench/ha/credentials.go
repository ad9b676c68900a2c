package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/store"
)

// oauthTokens is how many OAuth tokens the emulated account holds: the
// admin revokes half of them during the run and the requester claims a
// quarter, the rest stay as they are and must.
const oauthTokens = 240

// credentialRun is one credential decision the harness sent: a revoke
// click of the admin's, or the requester's claim form.
type credentialRun struct {
	id          string // the register id, "oauth-token:…"
	purpose     string // the claim's; "" for a revoke
	responseURL string
	sent        sent
	repeat      bool // a second press of the same button
}

// credentialDecisions has the admin revoke, and the requester claim, the
// account's OAuth tokens in turn until ctx ends: every other token is
// revoked (one in ten pressed twice), every fourth claimed, the rest left
// alone.
func (d *driver) credentialDecisions(ctx context.Context) {
	for i, t := range d.w.org.OAuthTokens {
		if ctx.Err() != nil {
			return
		}
		id := credentials.IDOf(credentials.OAuthToken, t.ID)
		switch i % 4 {
		case 0, 2:
			d.revoke(ctx, id)
		case 1:
			d.claimCredential(ctx, id)
		}
		sleep(ctx, time.Duration(150+rand.IntN(200))*time.Millisecond)
	}
}

// revoke presses Revoke on a credential's card as the admin, sometimes
// twice.
func (d *driver) revoke(ctx context.Context, id string) {
	presses := 1
	if rand.IntN(10) == 0 {
		presses = 2
	}
	for n := range presses {
		responseURL := d.w.slack.NewResponseURL(adminChannel, d.w.admin.slackID)
		s, _ := d.slack.click(ctx, d.w.admin, adminChannel, "", prompts.ActionTokenRevoke, prompts.TokenValue("", id), responseURL)
		d.count(s, &d.credentialAcks)
		d.mu.Lock()
		d.revokes = append(d.revokes, credentialRun{id: id, responseURL: responseURL, sent: s, repeat: n > 0})
		d.mu.Unlock()
	}
}

// claimCredential claims a credential as the requester: the slash
// command opens the form, the submission claims it.
func (d *driver) claimCredential(ctx context.Context, id string) {
	who := d.w.requester
	view, ok := d.commandForm(ctx, who, "tokens claim "+id)
	if !ok {
		return
	}
	purpose := "HA drill export " + id
	review := time.Now().UTC().AddDate(0, 0, 60).Format(time.DateOnly)
	s := d.slack.submit(ctx, who, view,
		map[string]string{prompts.InputPurpose: purpose, prompts.InputScopes: "read", prompts.InputRetireWhen: "when the drill ends"},
		nil, map[string]string{prompts.InputNextReview: review})
	d.count(s, &d.credentialAcks)
	d.mu.Lock()
	d.claims = append(d.claims, credentialRun{id: id, purpose: purpose, sent: s})
	d.mu.Unlock()
}

// revokesDue reports whether a revoke is still being carried out: its
// replica may have died, and the sync finishes it once its lease lapses.
func revokesDue(ctx context.Context, svc *credentials.Service) bool {
	entries, err := svc.Entries(ctx)
	if err != nil {
		return true
	}
	for _, e := range entries {
		if e.Revoking != nil && !e.State.Ended() {
			return true
		}
	}
	return false
}

// judgeCredentials: every revoke the bot acknowledged is carried out in
// Zendesk and recorded and audited once, or refused by Zendesk with the
// refusal recorded, or the admin told it went wrong; no token is revoked
// that nobody asked to revoke; every claim acknowledged is in the
// register, audited once.
func judgeCredentials(ctx context.Context, v *verdict, w *world, d *driver, svc *credentials.Service, audit store.Audit) error {
	entries, err := svc.Entries(ctx)
	if err != nil {
		return fmt.Errorf("credential register: %w", err)
	}
	trail, err := auditByAction(ctx, audit, "credential.revoked", "credential.revoke.failed", "credential.claimed")
	if err != nil {
		return err
	}
	revokedInZendesk := map[string]int{}
	for _, id := range w.zd.RevokedOAuthTokens() {
		revokedInZendesk[credentials.IDOf(credentials.OAuthToken, id)]++
	}
	told := map[string]bool{}
	wentWrong := toldWentWrong(w)
	for _, r := range d.revokes {
		told[r.id] = told[r.id] || wentWrong[r.responseURL]
	}

	asked := map[string]bool{}
	acked := map[string]bool{}
	for _, r := range d.revokes {
		asked[r.id] = true
		v.count("credential revokes pressed", 1)
		if r.repeat {
			v.count("credential revokes pressed twice", 1)
		}
		if r.sent.ok() {
			acked[r.id] = true
		} else {
			v.count("credential revokes not acknowledged", 1)
		}
	}
	for id := range acked {
		subject := "credential:" + id
		revoked, failed := trail["credential.revoked"][subject], trail["credential.revoke.failed"][subject]
		e := entries[id]
		switch {
		case revokedInZendesk[id] == 1 && e.State == credentials.Revoked && revoked == 1:
			v.count("credential revokes carried out once", 1)
		case revokedInZendesk[id] == 0 && failed > 0 && revoked == 0:
			v.count("credential revokes refused by Zendesk, the refusal recorded", 1)
		case revokedInZendesk[id] == 0 && revoked == 0 && told[id]:
			v.count("credential revokes not made, the admin told", 1)
		case revokedInZendesk[id] == 0:
			v.violate("credential revoke lost", "%s: acknowledged, still in Zendesk, state %q, %d revoke audits", id, e.State, revoked)
		case revoked == 0 || e.State != credentials.Revoked:
			v.violate("credential revoke not recorded", "%s: revoked in Zendesk, state %q, %d revoke audits", id, e.State, revoked)
		case revoked > 1:
			v.violate("credential revoke recorded twice", "%s: %d revoke audits", id, revoked)
		}
	}
	for id, n := range revokedInZendesk {
		if !asked[id] {
			v.violate("credential revoked unasked", "%s: revoked %d times in Zendesk, never pressed", id, n)
		}
	}

	claimed := map[string]credentialRun{}
	for _, c := range d.claims {
		v.count("credential claims submitted", 1)
		if c.sent.ok() {
			claimed[c.id] = c
		} else {
			v.count("credential claims not acknowledged", 1)
		}
	}
	for id, c := range claimed {
		e := entries[id]
		n := trail["credential.claimed"]["credential:"+id]
		switch {
		case e.Owner == w.requester.email && e.Purpose == c.purpose && n == 1:
			v.count("credential claims recorded once", 1)
		case e.Owner != w.requester.email && apologized(w, w.requester, c.sent):
			v.count("credential claims not made, the claimer told", 1)
		case e.Owner != w.requester.email || e.Purpose != c.purpose:
			v.violate("credential claim lost", "%s: acknowledged, owner %q, purpose %q", id, e.Owner, e.Purpose)
		default:
			v.violate("credential claim recorded twice", "%s: %d claim audits", id, n)
		}
	}
	return nil
}

// auditByAction counts the audit trail's entries of each action by
// subject.
func auditByAction(ctx context.Context, audit store.Audit, actions ...string) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	for _, a := range actions {
		out[a] = map[string]int{}
	}
	var after int64
	for {
		page, err := audit.ListAudit(ctx, after, 1000)
		if err != nil {
			return nil, fmt.Errorf("audit trail: %w", err)
		}
		for _, e := range page {
			if bySubject, ok := out[e.Action]; ok {
				bySubject[e.Subject]++
			}
			after = e.Seq
		}
		if len(page) < 1000 {
			return out, nil
		}
	}
}

// toldWentWrong lists the response_urls answered with "Something went
// wrong": the store could not take the click.
func toldWentWrong(w *world) map[string]bool {
	out := map[string]bool{}
	for _, p := range w.slack.ResponseURLPosts() {
		if strings.HasPrefix(strings.TrimSpace(messageText(slacktest.Message{Text: p.Text, Blocks: p.Blocks})), "Something went wrong") {
			out[p.URL] = true
		}
	}
	return out
}

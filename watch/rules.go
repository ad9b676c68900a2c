// Package watch reads a SaaS's own audit log for the short list of
// events that change trust (an admin granted, a token created, an app
// installed, a user reactivated, security settings changed, bulk
// changes, work outside business hours, a change by someone who left)
// and raises each as an alert once, across replicas.
package watch

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/connector"
)

// Rules, named as the policy switches them (posture.watch.<rule>).
const (
	RuleAdminGranted      = "admin_granted"
	RuleRoleChanged       = "role_permissions_changed"
	RuleCredentialCreated = "credential_created"
	RuleAppInstalled      = "app_installed"
	RuleUserReactivated   = "user_reactivated"
	RuleSecuritySettings  = "security_settings"
	RuleBulkChanges       = "bulk_changes"
	RuleOutsideHours      = "outside_hours"
	RuleDepartedActor     = "departed_actor"
	// RuleUngrantedActor: a trust-changing change by someone who holds
	// privilege with no live grant and no leave to hold it standing.
	RuleUngrantedActor = "ungranted_actor"
)

// Rules lists every rule, in the order alerts name them.
var Rules = []string{RuleAdminGranted, RuleRoleChanged, RuleCredentialCreated, RuleAppInstalled, RuleUserReactivated,
	RuleSecuritySettings, RuleBulkChanges, RuleOutsideHours, RuleDepartedActor, RuleUngrantedActor}

// trustRules are the rules whose events change who may do what: what a
// change by someone without a grant is judged on.
var trustRules = []string{RuleAdminGranted, RuleRoleChanged, RuleCredentialCreated, RuleAppInstalled, RuleUserReactivated, RuleSecuritySettings}

// Policy is which rules raise alerts and their bounds.
type Policy struct {
	// Off lists rules switched off; every other rule is on.
	Off map[string]bool
	// Bulk is how many changes by one actor within BulkWindow raise a
	// bulk-changes alert (default 20 in 10 minutes).
	Bulk       int
	BulkWindow time.Duration
	// Hours are business hours; outside them any change raises an alert.
	// Zero Hours switch the rule off.
	Hours    BusinessHours
	Location *time.Location
}

func (p Policy) on(rule string) bool { return !p.Off[rule] }

// BusinessHours are the weekdays and the hours of a working day.
type BusinessHours struct {
	Days        [7]bool // by time.Weekday
	Start, End  time.Duration
	Description string // as the policy wrote it
}

// Zero reports whether no hours are set.
func (b BusinessHours) Zero() bool { return b.Description == "" }

// Within reports whether t falls in business hours.
func (b BusinessHours) Within(t time.Time) bool {
	if !b.Days[t.Weekday()] {
		return false
	}
	since := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	return since >= b.Start && since < b.End
}

var (
	hoursPattern = regexp.MustCompile(`^(?i)(mon|tue|wed|thu|fri|sat|sun)(?:-(mon|tue|wed|thu|fri|sat|sun))?\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})$`)
	weekdays     = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
		"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}
)

// ParseHours reads business hours such as "Mon-Fri 08:00-18:00".
func ParseHours(s string) (BusinessHours, error) {
	m := hoursPattern.FindStringSubmatch(strings.TrimSpace(s))
	bad := fmt.Errorf(`must be days and hours such as "Mon-Fri 08:00-18:00", got %q`, s)
	if m == nil {
		return BusinessHours{}, bad
	}
	var b BusinessHours
	first, last := weekdays[strings.ToLower(m[1])], weekdays[strings.ToLower(m[1])]
	if m[2] != "" {
		last = weekdays[strings.ToLower(m[2])]
	}
	for d := first; ; d = (d + 1) % 7 {
		b.Days[d] = true
		if d == last {
			break
		}
	}
	clock := func(h, min string) (time.Duration, bool) {
		hh, _ := strconv.Atoi(h) // two digits, by the pattern
		mm, _ := strconv.Atoi(min)
		return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, hh <= 24 && mm < 60
	}
	var ok1, ok2 bool
	b.Start, ok1 = clock(m[3], m[4])
	b.End, ok2 = clock(m[5], m[6])
	if !ok1 || !ok2 || b.End <= b.Start || b.End > 24*time.Hour {
		return BusinessHours{}, bad
	}
	b.Description = strings.TrimSpace(s)
	return b, nil
}

// Finding is what one rule saw in one event.
type Finding struct {
	Rule string
	// Why says it in a sentence: "Dana Field made Lee Park an
	// administrator".
	Why string
}

// privilegedRole matches a role change to an administrator.
var privilegedRole = regexp.MustCompile(`(?i)role changed from .+ to (administrator|admin)\b`)

// judge applies the rules that need only the event itself.
func judge(e connector.Event, p Policy, loc *time.Location) []Finding {
	var out []Finding
	add := func(rule, why string) {
		if p.on(rule) {
			out = append(out, Finding{Rule: rule, Why: why})
		}
	}
	src, change := strings.ToLower(e.SourceType), strings.ToLower(e.Change)
	actor, label := orUnknown(e.ActorName), orUnknown(e.SourceLabel)
	switch {
	case src == "user" && privilegedRole.MatchString(e.Change):
		add(RuleAdminGranted, fmt.Sprintf("%s made %s an administrator", actor, label))
	case src == "user" && strings.Contains(change, "role changed"):
	case strings.Contains(src, "role") || src == "permission_set":
		add(RuleRoleChanged, fmt.Sprintf("%s changed the role %s: %s", actor, label, orUnknown(e.Change)))
	case (src == "apitoken" || strings.Contains(src, "oauth")) && e.Action == "create":
		add(RuleCredentialCreated, fmt.Sprintf("%s created %s %s", actor, credentialNoun(src), label))
	case strings.Contains(src, "app") && e.Action == "create":
		add(RuleAppInstalled, fmt.Sprintf("%s installed the app %s", actor, label))
	case src == "user" && (strings.Contains(change, "suspended changed from true to false") || strings.Contains(change, "unsuspend") || strings.Contains(change, "reactivat")):
		add(RuleUserReactivated, fmt.Sprintf("%s reactivated %s", actor, label))
	case src == "account" || strings.Contains(src, "setting") || strings.Contains(change, "security") || strings.Contains(change, "two-factor") ||
		strings.Contains(change, "password") || strings.Contains(change, "single sign-on") || strings.Contains(change, "ip restriction"):
		if e.Action != "login" {
			add(RuleSecuritySettings, fmt.Sprintf("%s changed %s: %s", actor, label, orUnknown(e.Change)))
		}
	}
	if !p.Hours.Zero() && e.Action != "login" && !p.Hours.Within(e.At.In(loc)) {
		add(RuleOutsideHours, fmt.Sprintf("%s changed %s at %s, outside business hours (%s)", actor, label, e.At.In(loc).Format("Mon 15:04"), p.Hours.Description))
	}
	return out
}

func credentialNoun(src string) string {
	if src == "apitoken" {
		return "the API token"
	}
	return "the OAuth client"
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(unnamed)"
	}
	return s
}

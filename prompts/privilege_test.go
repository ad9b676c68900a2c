package prompts_test

import (
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
)

const quarter = "2026-Q4"

// privilegeView is the privilege review as jobs and commands draw it.
func privilegeView() prompts.Review {
	v := view()
	v.Period, v.Deadline, v.Privilege = quarter, reviews.Deadline(quarter, berlin), true
	return v
}

// standing is a person dana answers for who holds role standing.
func standing(id int64, name, roleName string) reviews.Item {
	s := seat(id, name, 3)
	s.Role, s.RoleName = "agent", roleName
	if roleName == "Administrator" {
		s.Role = "admin"
	}
	it := open(s)
	it.Period = quarter
	return it
}

// justInTime is a person made just-in-time by dana, the change at status.
func justInTime(status reviews.ChangeStatus, attempts int, err string) reviews.Item {
	it := standing(31, "Jay Justin", "Administrator")
	it.State, it.DecidedBy, it.DecidedAt = reviews.MadeJustInTime, dana, at(17, 10, 42)
	it.Change = &reviews.Change{Kind: reviews.ChangeBaseRole, Status: status, Attempts: attempts, Error: err}
	if status == reviews.ChangeFailed {
		it.Note = "Zendesk refused the change: " + err
	}
	return it
}

func TestPrivilegeDigest(t *testing.T) {
	keptAdmin := standing(32, "Kai Kept", "Administrator")
	keptAdmin.State, keptAdmin.DecidedBy, keptAdmin.DecidedAt = reviews.Kept, dana, at(17, 16, 5)
	keptAdmin.KeepUntil, keptAdmin.Reason = at(17, 0, 0).AddDate(0, 2, 0), "Runs billing & the <security> settings"
	removedLead := standing(33, "Rae Removed", "Team Lead")
	removedLead.State, removedLead.DecidedBy, removedLead.DecidedAt = reviews.Removed, dana, at(17, 11, 0)
	removedLead.Change = &reviews.Change{Kind: reviews.ChangeDemote, Status: reviews.ChangeDone, Attempts: 1}
	openAdmin, openLead := standing(34, "Ada Admin", "Administrator"), standing(35, "Lou Lead", "Team Lead")

	tests := []struct {
		name     string
		occ      prompts.Occasion
		items    []reviews.Item
		headline string
		says     []string
	}{
		{"digest", prompts.Digest, []reviews.Item{openAdmin, openLead, keptAdmin}, "Privilege review: 3 people hold a privileged role with no grant",
			[]string{"These people hold a privileged role in Zendesk with no grant behind it, and you answer for them.",
				"Kept by dana@example.com on Tue 17 Nov at 16:05 until 17 Jan 2027: Runs billing &amp; the &lt;security&gt; settings"}},
		{"outcomes", prompts.Digest, []reviews.Item{justInTime(reviews.ChangeDone, 1, ""), justInTime(reviews.ChangePending, 2, "Zendesk answered 503"),
			justInTime(reviews.ChangeFailed, 5, "422 role invalid"), removedLead}, "Privilege review: 4 people hold a privileged role with no grant",
			[]string{"Made just-in-time by dana@example.com on Tue 17 Nov at 10:42 — a plain agent in Zendesk now; they ask when they need more",
				"did not take it yet (Zendesk answered 503); retrying", "failed: Zendesk refused the change: 422 role invalid. An admin has been told.",
				"Removed by dana@example.com on Tue 17 Nov at 11:00 — saves $115/month"}},
		{"handed", prompts.Handed, []reviews.Item{openLead}, "Standing privilege handed to you for review: 1 person waiting", nil},
		{"reminder", prompts.Reminder, []reviews.Item{openAdmin, openLead}, "Reminder: 2 people with standing privilege still waiting for you",
			[]string{"These people still hold a privileged role with no grant, waiting for your answer."}},
		{"escalation", prompts.Escalation, []reviews.Item{openAdmin}, "No answer from dana@example.com on standing privilege: 1 person",
			[]string{"dana@example.com did not answer for these people's standing privilege. Admins can decide here"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prompts.Sort(tt.items)
			m := privilegeView().Digest(tt.occ, dana, tt.items, 1)
			wantHeadline(t, m, tt.headline)
			for _, s := range tt.says {
				mustSay(t, m, s)
			}
			for _, sec := range m.Sections {
				for _, b := range sec.Actions {
					if b.ActionID == prompts.ActionSnooze || b.ActionID == prompts.ActionDowngrade {
						t.Errorf("the privilege digest offers %s", b.ActionID)
					}
					if _, p, _, ok := prompts.ParseSeatValue(b.Value); !ok || p != quarter {
						t.Errorf("button %s value %q does not read back as the quarter", b.ActionID, b.Value)
					}
				}
			}
			goldenJSON(t, m)
			goldenRendered(t, m)
		})
	}
}

// The buttons of one waiting person: Keep, Make just-in-time (confirmed),
// Remove (confirmed), Not mine.
func TestPrivilegeButtons(t *testing.T) {
	m := privilegeView().Digest(prompts.Digest, dana, []reviews.Item{standing(34, "Ada Admin", "Administrator")}, 1)
	var ids []string
	for _, b := range m.Sections[1].Actions {
		ids = append(ids, b.ActionID)
		if (b.ActionID == prompts.ActionJustInTime || b.ActionID == prompts.ActionRemove) && b.Confirm == nil {
			t.Errorf("%s asks for no confirmation", b.ActionID)
		}
	}
	want := []string{prompts.ActionKeep, prompts.ActionJustInTime, prompts.ActionRemove, prompts.ActionNotMine}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("buttons %v, want %v", ids, want)
	}
}

func TestPrivilegeKeepForm(t *testing.T) {
	f := privilegeView().KeepForm(standing(35, "Lou Lead", "Team Lead"), 90)
	if f.Title != "Keep this privilege" || f.Inputs[0].Label != "Why does Lou Lead hold Team Lead standing?" || f.RecordID != quarter+":35" {
		t.Errorf("form = %+v", f)
	}
	goldenJSON(t, bot.Message{Form: &f})
}

func TestPrivilegeSummary(t *testing.T) {
	v := privilegeView()
	var zero time.Time
	notOpen := v.Summary(reviews.Summary{Period: quarter}, zero)
	wantHeadline(t, notOpen, "Privilege review 2026-Q4")
	mustSay(t, notOpen, "It opens when the privilege-review job runs")
	sum := reviews.Summary{Period: quarter, Asked: 4, Open: 1, Kept: 1, JustInTime: 1, Removed: 1, Waiting: map[string]int{dana: 1}}
	m := v.Summary(sum, at(2, 9, 0))
	found := false
	for _, f := range m.Sections[0].Fields {
		found = found || (f.Label == "Made just-in-time" && f.Value == "1")
		if f.Label == "Snoozed" || f.Label == "Saved" {
			t.Errorf("the privilege summary shows %s", f.Label)
		}
	}
	if !found {
		t.Errorf("no just-in-time count in %+v", m.Sections[0].Fields)
	}
	goldenJSON(t, m)
}

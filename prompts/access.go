package prompts

import (
	"fmt"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
)

// Grants draws what the admin channel hears of just-in-time grants.
type Grants struct {
	Location *time.Location
	Command  string
}

func (v Grants) stamp(t time.Time) string {
	loc := v.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2 Jan 2006 15:04")
}

// Alert tells the admins that a grant's end needs them: it is held (the
// role was changed by hand, or the SaaS refused to put it back), or the
// SaaS keeps failing and the role is still held past its end.
func (v Grants) Alert(g access.Grant) bot.Message {
	esc := bot.EscapeText
	saas := connector.Title(g.SaaS)
	m := bot.Message{Visibility: bot.Visible}
	var text string
	switch {
	case g.State == access.Held:
		m.Headline = fmt.Sprintf("⚠ %s's %s grant needs a person", g.Email, g.RoleName)
		text = esc(g.Note) + "\nDecide in " + saas + " what role they should have; seatwarden will not change it."
	default:
		m.Headline = fmt.Sprintf("🚨 %s still holds %s past the grant's end", g.Email, g.RoleName)
		text = fmt.Sprintf("Taking it back failed %d times: %s\nseatwarden keeps trying; if %s stays down, take the role back by hand.", g.Change.Attempts, esc(g.Change.Error), saas)
	}
	m.Sections = []bot.Section{{Text: text, Fields: []bot.Field{
		{Label: "Grant", Value: g.ID},
		{Label: "Ended", Value: v.stamp(g.End)},
	}}}
	m.Context = []string{v.Command + " request show " + g.RequestID}
	return m
}

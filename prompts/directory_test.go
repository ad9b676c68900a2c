package prompts_test

import (
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/prompts"
)

// The admin channel's alert when a directory read is held back, with and
// without an earlier good read, on both transports.
func TestDirectoryHeld(t *testing.T) {
	for name, last := range map[string]time.Time{"after a good read": at(23, 9, 15), "first read": {}} {
		t.Run(name, func(t *testing.T) {
			m := prompts.DirectoryHeld("okta", "120 of the 300 active people would have left at once (more than 50%)", last, berlin)
			wantHeadline(t, m, "⚠ The Okta directory read was held back")
			goldenRendered(t, m)
		})
	}
}

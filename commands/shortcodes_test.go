package commands

import (
	"testing"

	"github.com/seatwarden/seatwarden/internal/golden"
)

// TestNoShortcodes: what the messages say reads the same on every
// transport, with no Slack-only emoji codes.
func TestNoShortcodes(t *testing.T) { golden.NoShortcodes(t) }

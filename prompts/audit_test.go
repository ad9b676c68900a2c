package prompts_test

import (
	"testing"

	"github.com/seatwarden/seatwarden/prompts"
)

// The admin channel's alert when the SIEM refuses the trail, on both
// transports.
func TestAuditSinkRefused(t *testing.T) {
	m := prompts.AuditSinkRefused("Splunk HEC https://splunk.acme.example:8088/services/collector/event", 1234,
		"splunk: forbidden (HTTP 403): Invalid token (code 4)")
	wantHeadline(t, m, "⚠ The audit trail is not reaching the SIEM")
	goldenRendered(t, m)
}

package commands

import "github.com/seatwarden/seatwarden/seats"

// freeKinds names the staff who hold no paid seat, in report order.
var freeKinds = []struct{ kind, one, many string }{
	{seats.FreeLightAgent, "light agent", "light agents"},
	{seats.FreeContributor, "contributor", "contributors"},
	{seats.FreeNonSeatRole, "agent on a non-seat role", "agents on non-seat roles"},
	{seats.FreeNoCopilot, "member without a Copilot seat", "members without a Copilot seat"},
	{seats.FreeCopilotEnding, "Copilot seat ending with the billing cycle", "Copilot seats ending with the billing cycle"},
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

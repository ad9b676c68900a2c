package bot

import "context"

// Handler answers a Request with the Message to show. The command router
// implements it; every transport (Slack, Teams, the console) hands it what
// people type and click.
type Handler interface {
	Handle(ctx context.Context, req Request) Message
}

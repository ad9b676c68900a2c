package bot

import "context"

// Handler answers a Request with the Message to show. The command router
// implements it; every transport (Slack, Teams, the console) hands it what
// people type and click.
type Handler interface {
	Handle(ctx context.Context, req Request) Message
}

// Afterwards is how a transport takes work a handler leaves for after its
// answer is posted: work that would otherwise hold the answer back (a seat
// change in the SaaS), which the transport runs once the answer is out,
// off the worker that answered, and counts as part of the request: a
// request kept until answered (a Slack click in the intake) stays kept
// until its afterwards work has run too, so a replica that dies in
// between leaves all of it to the next.
type Afterwards func(work func(context.Context))

type afterwardsKey struct{}

// WithAfterwards gives a handler run under ctx somewhere to leave work for
// after its answer.
func WithAfterwards(ctx context.Context, a Afterwards) context.Context {
	return context.WithValue(ctx, afterwardsKey{}, a)
}

// AfterwardsFrom is the transport's Afterwards; nil when the transport runs
// nothing after an answer, and the handler then does all of it first.
func AfterwardsFrom(ctx context.Context) Afterwards {
	a, _ := ctx.Value(afterwardsKey{}).(Afterwards)
	return a
}

package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/store"
)

// Authorize refuses callers whose role does not pass a. The router applies
// it to every definition from its Access; it is exported for handlers that
// compose their own chains. The refusal names no numbers: it goes to people
// who may not see them.
func Authorize(a Access) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, c *Call) (bot.Message, error) {
			if c.Role.May(a) {
				return next(ctx, c)
			}
			if c.Role.Email == "" {
				return bot.Message{}, Forbiddenf("Sorry, I could not find an email address on your chat profile, so I cannot tell whether you may use %q.", c.Command)
			}
			who := "Zendesk admins"
			if a == AdminsOrOwners {
				who = "Zendesk admins and seat owners"
			}
			return bot.Message{}, Forbiddenf("Sorry, %q is only for %s. Ask one of them if you need it.", c.Command, who)
		}
	}
}

// Audited appends an entry to the audit trail after the command succeeds.
// Put it on every command that changes something. subject names what was
// changed ("zendesk:user:123"); it may be nil. If the entry cannot be
// written the call fails, although the change was made: an unaudited change
// must be seen by an admin (the log carries the reference), never hidden
// behind a success reply.
func Audited(trail store.Audit, action string, subject func(*Call) string) Middleware {
	if trail == nil || action == "" {
		// A programming error, caught when the definitions are built.
		panic("commands: Audited needs an audit trail and an action")
	}
	return func(next Handler) Handler {
		return func(ctx context.Context, c *Call) (bot.Message, error) {
			msg, err := next(ctx, c)
			if err != nil {
				return msg, err
			}
			e := store.AuditEntry{
				At:     c.Now,
				Actor:  c.Role.Email,
				Action: action,
				Detail: map[string]string{"command": c.Command, "platform": string(c.Request.Platform)},
			}
			if e.Actor == "" {
				e.Actor = string(c.Request.Platform) + ":" + c.Request.User.ID
			}
			if len(c.Args) > 0 {
				e.Detail["args"] = strings.Join(c.Args, " ")
			}
			if subject != nil {
				e.Subject = subject(c)
			}
			if _, err := trail.AppendAudit(ctx, e); err != nil {
				return bot.Message{}, fmt.Errorf("commands: %s succeeded but its audit entry (%s) was not written: %w", c.Command, action, err)
			}
			return msg, nil
		}
	}
}

// Logging writes one line per call: who (user, platform, role), what
// (command), how long and how it ended. Failures are also logged in full,
// with their reference, where the router answers them.
func Logging(l *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, c *Call) (bot.Message, error) {
			start := time.Now()
			msg, err := next(ctx, c)
			outcome := "ok"
			if err != nil {
				outcome = "failed"
				if e, ok := errors.AsType[*Error](err); ok {
					outcome = e.Code.String()
				}
			}
			attrs := []slog.Attr{
				slog.String("command", c.Command),
				slog.String("user", userLabel(c.Request.User)),
				slog.String("platform", string(c.Request.Platform)),
				slog.String("role", c.Role.String()),
				slog.Duration("duration", time.Since(start)),
				slog.String("outcome", outcome),
			}
			if c.Request.Action != nil {
				attrs = append(attrs, slog.String("action", c.Request.Action.ID))
			}
			if e, ok := errors.AsType[*Error](err); ok && e.Err != nil {
				attrs = append(attrs, slog.Any("cause", e.Err))
			}
			l.LogAttrs(ctx, slog.LevelInfo, "command", attrs...)
			return msg, err
		}
	}
}

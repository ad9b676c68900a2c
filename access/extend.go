package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// ErrSelfExtend: the holder may not extend the grant themselves (the
// policy does not allow it, they did once already, or it is too long):
// the extension goes to approvers.
var ErrSelfExtend = errors.New("access: a self-extension is not allowed")

// Extend adds more to an active grant's end: approved by approvers in
// approval request requestID, or by the holder themselves (requestID
// empty) once, up to the policy's self-extension. No extension makes the
// grant outlast the role's maximum from now, and one request extends a
// grant once however often it is carried out.
func (s *Service) Extend(ctx context.Context, id, by string, more time.Duration, requestID string) (Grant, error) {
	p, now, self := s.policy(), s.now().UTC(), requestID == ""
	g, err := s.update(ctx, id, func(g *Grant) error {
		switch {
		case !self && slices.ContainsFunc(g.Extensions, func(e Extension) bool { return e.RequestID == requestID }):
			return store.ErrSkipUpdate
		case g.State != Active:
			return fmt.Errorf("access: grant %s is %s; only an active grant can be extended", g.ID, g.State)
		case g.Change != nil:
			return fmt.Errorf("access: grant %s is ending now; ask for the role again", g.ID)
		case self && p.SelfExtend <= 0:
			return fmt.Errorf("%w: the policy sends every extension to approvers", ErrSelfExtend)
		case self && g.SelfExtended():
			return fmt.Errorf("%w: you extended %s yourself once already; this one goes to approvers", ErrSelfExtend, g.ID)
		case self && more > p.SelfExtend:
			return fmt.Errorf("%w: you may add at most %s yourself; more goes to approvers", ErrSelfExtend, Format(p.SelfExtend))
		}
		if err := p.CheckExtension(g.RoleName, g.End.Sub(now), more); err != nil {
			return err
		}
		g.End = g.End.Add(more)
		g.Extensions = append(g.Extensions, Extension{By: by, At: now, Add: more, Self: self, RequestID: requestID})
		return nil
	})
	if errors.Is(err, store.ErrSkipUpdate) {
		return g, nil
	}
	if err != nil {
		return g, err
	}
	if err := s.schedule(ctx, g); err != nil {
		return g, err
	}
	s.audit(ctx, by, "access.extended", g, map[string]string{"role": g.RoleName, "by": Format(more), "until": g.End.Format(time.RFC3339), "self": fmt.Sprint(self)})
	return g, nil
}

package approvals

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/store"
)

// Managers says who manages whom, for access requests a manager confirms.
type Managers interface {
	// ManagerOf is email's manager; false when nobody is known.
	ManagerOf(ctx context.Context, email string) (manager string, ok bool, err error)
}

// ManagerSources asks each source in turn, the first that knows the
// person's manager answering: the directory, then the policy's map.
type ManagerSources []Managers

// ManagerOf asks the sources in order.
func (ms ManagerSources) ManagerOf(ctx context.Context, email string) (string, bool, error) {
	for _, m := range ms {
		manager, ok, err := m.ManagerOf(ctx, email)
		if err != nil || ok {
			return manager, ok, err
		}
	}
	return "", false, nil
}

// NotLeavers is m answering only with managers who still work here, as
// l says: a manager who left names nobody, whichever source named them
// (the policy's map may still list someone the directory says left).
func NotLeavers(m Managers, l Leavers) Managers { return notLeavers{m, l} }

type notLeavers struct {
	m Managers
	l Leavers
}

func (n notLeavers) ManagerOf(ctx context.Context, email string) (string, bool, error) {
	manager, ok, err := n.m.ManagerOf(ctx, email)
	if err != nil || !ok {
		return manager, ok, err
	}
	left, err := n.l.Departed(ctx)
	if err != nil {
		return "", false, err
	}
	if !left[people.Key(manager)].IsZero() {
		return "", false, nil
	}
	return manager, true, nil
}

// ManagerMap is managers as the policy lists them: a person's email to
// their manager's, both lower-cased.
type ManagerMap map[string]string

// ManagerOf looks email up.
func (m ManagerMap) ManagerOf(_ context.Context, email string) (string, bool, error) {
	manager, ok := m[people.Key(email)]
	return manager, ok && manager != "", nil
}

// awaitConfirmation makes an access request wait for its confirmer when
// the policy asks the requester's manager or a peer to confirm its role:
// approvers see it only once they have. A request an admin opens in
// someone's name (retroactive) is not confirmed: the admin vouches.
func (s *Service) awaitConfirmation(ctx context.Context, r *Request) error {
	if r.Kind != Access.Name || r.OpenedBy != "" {
		return nil
	}
	role := r.Answers[FieldRole]
	by := s.policy().Access.ConfirmedBy(role)
	var who string
	switch by {
	case "":
		return nil
	case access.ConfirmByPeer:
		who = r.Answers[FieldPeer]
	case access.ConfirmByManager:
		unknown := &FormError{Fields: []FieldError{{FieldRole, fmt.Sprintf("Your manager confirms %s requests before approvers see them, and I do not know who your manager is; ask an admin to add you under managers in the policy", role)}}}
		if s.Managers == nil {
			return unknown
		}
		m, ok, err := s.Managers.ManagerOf(ctx, r.Requester)
		if err != nil {
			return fmt.Errorf("approvals: looking up %s's manager: %w", r.Requester, err)
		}
		if !ok {
			return unknown
		}
		who = m
	default:
		return fmt.Errorf("approvals: no confirmer %q", by)
	}
	switch {
	case who == "":
		return &FormError{Fields: []FieldError{{FieldPeer, fmt.Sprintf("Required: a colleague confirms %s requests before approvers see them; name one by email, such as %s", role, people.Example)}}}
	case people.Same(who, r.Requester) && by == access.ConfirmByPeer:
		return &FormError{Fields: []FieldError{{FieldPeer, "Name a colleague, not yourself: someone else confirms that you asked"}}}
	case people.Same(who, r.Requester):
		return &FormError{Fields: []FieldError{{FieldRole, "The policy names you as your own manager, and someone else has to confirm that you asked; ask an admin to fix managers in the policy"}}}
	}
	r.State = Confirming
	r.Confirmation = &Confirmation{By: people.Key(who), As: by}
	return nil
}

// ConfirmationAsked records the verification that asks a request's
// confirmer, so only its ending ends the request.
func (s *Service) ConfirmationAsked(ctx context.Context, id, verification string) (Request, error) {
	r, err := s.update(ctx, id, func(r *Request) error {
		if r.State != Confirming || r.Confirmation == nil {
			return &StateError{Request: *r}
		}
		r.Confirmation.Verification = verification
		return nil
	})
	return r, err
}

// EndConfirmation records how a request's confirmation ended, once: a
// confirmed request goes to its approvers (its thread is posted), a
// refused one is denied, an unconfirmed one expires. verification is the
// number matching's id ("" when none was started); once ConfirmationAsked
// recorded one, another's ending changes nothing. why says in words
// what ended an unconfirmed or refused one. A request no longer awaiting
// confirmation (cancelled meanwhile, or ended already on another
// replica) is returned unchanged, with ended false.
func (s *Service) EndConfirmation(ctx context.Context, id string, o ConfirmOutcome, verification, why string) (r Request, ended bool, err error) {
	now := s.now()
	r, err = s.update(ctx, id, func(r *Request) error {
		if r.State != Confirming || r.Confirmation == nil {
			return store.ErrSkipUpdate
		}
		c := r.Confirmation
		if c.Verification != "" && verification != "" && verification != c.Verification {
			return store.ErrSkipUpdate // another verification's ending
		}
		c.Outcome, c.At, c.Verification, c.Why = o, now, verification, strings.TrimSpace(why)
		switch o {
		case Confirmed:
			r.State = Pending
			r.add(Notice{Kind: PostParent, Event: EventSubmitted, Mark: Mark{By: r.Requester, At: r.CreatedAt}})
		case Refused:
			r.State, r.DecidedAt, r.Denial = Denied, now, &Mark{By: c.By, At: now, Text: c.Why}
		case Unconfirmed:
			r.State, r.DecidedAt, r.Closed = Expired, now, &Mark{By: "system", At: now, Text: c.Why}
		default:
			return fmt.Errorf("approvals: no confirmation outcome %q", o)
		}
		return nil
	})
	if errors.Is(err, store.ErrSkipUpdate) {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	detail := map[string]string{"confirmer": r.Confirmation.By, "as": string(r.Confirmation.As)}
	if verification != "" {
		detail["verification"] = verification
	}
	if why != "" {
		detail["why"] = r.Confirmation.Why
	}
	actor := r.Confirmation.By
	if o == Unconfirmed {
		actor = "system"
	}
	s.audit(ctx, actor, "approval."+string(o), id, detail)
	return r, true, nil
}

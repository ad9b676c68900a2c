package approvals

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// MaxAttempts is how often a notice is tried before it is given up (and
// the giving up audited): a channel the bot was removed from must not
// hold a request's thread forever.
const MaxAttempts = 5

func (s *Service) holder() string {
	if s.Holder == "" {
		return "seatwarden"
	}
	return s.Holder
}

func (s *Service) lease() time.Duration {
	if s.Lease <= 0 {
		return time.Minute
	}
	return s.Lease
}

// errNothingToPost: the outbox is empty or another replica is posting it.
var errNothingToPost = errors.New("approvals: nothing to post")

// TakeOutbox leases the request's outbox to one courier: a token of its
// own, so two couriers of one replica (two clicks at once) are told apart
// as well as two replicas. It reports false when there is nothing to
// post or another courier holds a live lease (it posts what is there,
// and what arrives while it does).
func (s *Service) TakeOutbox(ctx context.Context, id string) (r Request, token string, ok bool, err error) {
	now := s.now()
	token = s.holder() + "/" + newID()[4:]
	r, err = s.update(ctx, id, func(r *Request) error {
		if len(r.Outbox) == 0 || (r.Courier != "" && now.Before(r.CourierUntil)) {
			return errNothingToPost
		}
		r.Courier, r.CourierUntil = token, now.Add(s.lease())
		for i := range r.Outbox {
			n := &r.Outbox[i]
			if n.Takes++; n.FirstTaken.IsZero() {
				n.FirstTaken = now
			}
		}
		return nil
	})
	if errors.Is(err, errNothingToPost) {
		return r, "", false, nil
	}
	return r, token, err == nil, err
}

// Posted removes a posted notice from the outbox; a posted parent's
// reference becomes the thread.
func (s *Service) Posted(ctx context.Context, id string, seq int, ref Ref) (Request, error) {
	r, err := s.update(ctx, id, func(r *Request) error {
		i := slices.IndexFunc(r.Outbox, func(n Notice) bool { return n.Seq == seq })
		if i < 0 {
			return store.ErrSkipUpdate
		}
		if r.Outbox[i].Kind == PostParent && !ref.IsZero() {
			r.Thread = ref
		}
		r.Outbox = slices.Delete(r.Outbox, i, i+1)
		return nil
	})
	if errors.Is(err, store.ErrSkipUpdate) {
		return r, nil // posted and removed already
	}
	return r, err
}

// Failed records a notice that could not be posted; it is tried again by
// the next courier, up to MaxAttempts. unreachable gives up at once (the
// person is not on any chat transport). It reports whether the notice
// was given up.
func (s *Service) Failed(ctx context.Context, id string, seq int, cause error, unreachable bool) (bool, error) {
	gaveUp := false
	var dropped Notice
	_, err := s.update(ctx, id, func(r *Request) error {
		i := slices.IndexFunc(r.Outbox, func(n Notice) bool { return n.Seq == seq })
		if i < 0 {
			return store.ErrSkipUpdate
		}
		n := &r.Outbox[i]
		n.Attempts++
		n.Error = "unknown error"
		if cause != nil {
			n.Error = cause.Error()
		}
		gaveUp = unreachable || n.Attempts >= MaxAttempts
		if gaveUp {
			dropped = *n
			r.Outbox = slices.Delete(r.Outbox, i, i+1)
		}
		return nil
	})
	if errors.Is(err, store.ErrSkipUpdate) {
		return false, nil
	}
	if err == nil && gaveUp {
		s.audit(ctx, "system", "approval.notice_dropped", id, map[string]string{
			"kind": string(dropped.Kind), "event": string(dropped.Event), "to": dropped.To, "error": dropped.Error,
		})
	}
	return gaveUp, err
}

// ReleaseOutbox ends the courier's lease (token from TakeOutbox). It
// reports whether notices arrived that nobody has tried yet, which the
// caller should post now (a concurrent transition found the lease taken
// and left them to it).
func (s *Service) ReleaseOutbox(ctx context.Context, id, token string) (bool, error) {
	more := false
	_, err := s.update(ctx, id, func(r *Request) error {
		if r.Courier != token {
			return store.ErrSkipUpdate
		}
		r.Courier, r.CourierUntil = "", time.Time{}
		more = slices.ContainsFunc(r.Outbox, func(n Notice) bool { return n.Attempts == 0 })
		return nil
	})
	if errors.Is(err, store.ErrSkipUpdate) {
		return false, nil
	}
	return more, err
}

// Sweep is what the reminders job acts on, from one read of every
// request.
type Sweep struct {
	// Outboxes are requests with notices left to post.
	Outboxes []string
	// Expired are pending requests past their expiry.
	Expired []string
	// Remind maps each approver to the pending requests they have not
	// decided, pending longer than remind_after.
	Remind map[string][]Request
	// ReviewDue are approved requests whose review date has come and
	// whose owner has not been asked.
	ReviewDue []string
}

// Sweep reads every request once and says what is due now.
func (s *Service) Sweep(ctx context.Context) (Sweep, error) {
	all, err := s.List(ctx)
	if err != nil {
		return Sweep{}, err
	}
	now, p := s.now(), s.policy()
	sw := Sweep{Remind: map[string][]Request{}}
	for _, r := range all {
		if len(r.Outbox) > 0 {
			sw.Outboxes = append(sw.Outboxes, r.ID)
		}
		switch {
		case (r.State == Pending || r.State == Confirming) && !now.Before(r.ExpiresAt):
			sw.Expired = append(sw.Expired, r.ID)
		case r.State == Pending && now.Sub(r.CreatedAt) >= p.RemindAfter:
			for _, who := range s.Approvers(r.Kind) {
				if who != r.Requester && !r.ApprovedBy(who) {
					sw.Remind[who] = append(sw.Remind[who], r)
				}
			}
		case r.Reviewable() && r.ReviewSent.IsZero() && !r.ReviewOn.IsZero() && !now.Before(r.ReviewOn):
			sw.ReviewDue = append(sw.ReviewDue, r.ID)
		}
	}
	return sw, nil
}

// Expire moves a pending request, or one still awaiting confirmation,
// past its expiry to expired.
func (s *Service) Expire(ctx context.Context, id string) (Request, error) {
	now := s.now()
	r, err := s.update(ctx, id, func(r *Request) error {
		if (r.State != Pending && r.State != Confirming) || now.Before(r.ExpiresAt) {
			return store.ErrSkipUpdate
		}
		m := Mark{By: "system", At: now}
		if r.State == Pending { // one awaiting confirmation has no thread yet
			r.add(thread(EventExpired, m, len(r.Approvals))...)
		}
		r.State, r.DecidedAt, r.Closed = Expired, now, &m
		r.add(Notice{Kind: Direct, To: r.Requester, Event: EventExpired, Mark: m})
		return nil
	})
	if errors.Is(err, store.ErrSkipUpdate) {
		return r, nil
	}
	if err == nil {
		s.audit(ctx, "system", "approval.expired", id, map[string]string{"approvals": r.ApproverNames()})
	}
	return r, err
}

// AskReview queues the review question to the owner of an approved
// request whose review date has come, once.
func (s *Service) AskReview(ctx context.Context, id string) (Request, error) {
	now := s.now()
	r, err := s.update(ctx, id, func(r *Request) error {
		if !r.Reviewable() || !r.ReviewSent.IsZero() || r.ReviewOn.IsZero() || now.Before(r.ReviewOn) {
			return store.ErrSkipUpdate
		}
		r.ReviewSent = now
		r.add(Notice{Kind: Direct, To: r.Owner, Event: EventReviewDue, Mark: Mark{By: "system", At: now}})
		return nil
	})
	if errors.Is(err, store.ErrSkipUpdate) {
		return r, nil
	}
	if err == nil {
		s.audit(ctx, "system", "approval.review_due", id, map[string]string{"owner": r.Owner})
	}
	return r, err
}

func (s *Service) logFailure(msg, id string, err error) {
	s.log().Warn(msg, slog.String("request", id), slog.Any("error", err))
}

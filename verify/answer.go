package verify

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"strconv"
	"time"

	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/store"
)

// newCode is a two-digit code from crypto/rand and three distinct
// choices holding it, in random order.
func newCode() (string, []string) {
	pick := func() int {
		n, err := rand.Int(rand.Reader, big.NewInt(90))
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		return 10 + int(n.Int64()) // 10..99: two digits read aloud clearly
	}
	nums := []int{pick()}
	for len(nums) < 3 {
		if n := pick(); !slices.Contains(nums, n) {
			nums = append(nums, n)
		}
	}
	code := strconv.Itoa(nums[0])
	// Fisher-Yates with crypto/rand: the code's place gives nothing away.
	for i := len(nums) - 1; i > 0; i-- {
		j, _ := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		nums[i], nums[j.Int64()] = nums[j.Int64()], nums[i]
	}
	choices := make([]string, len(nums))
	for i, n := range nums {
		choices[i] = strconv.Itoa(n)
	}
	return code, choices
}

// Answer records the person's tap with a compare-and-set, so the first
// tap on any replica decides and later ones change nothing: the right
// number verifies, a wrong one or NotMe denies. A tap after the TTL
// expires it instead.
func (s *Service) Answer(ctx context.Context, id, who, choice string) (Verification, error) {
	now := s.now().UTC()
	v, err := s.update(ctx, id, func(v *Verification) error {
		switch {
		case !people.Same(who, v.Person):
			return ErrNotYours
		case v.State.Final():
			return &DecidedError{Verification: *v}
		case !now.Before(v.ExpiresAt):
			v.State = Expired
		case choice == NotMe:
			v.State, v.Answer, v.AnsweredAt = Denied, NotMe, now
		case !slices.Contains(v.Choices, choice):
			return &InputError{"that is not one of the numbers offered"}
		case subtle.ConstantTimeCompare([]byte(choice), []byte(v.Code)) == 1:
			v.State, v.Answer, v.AnsweredAt = Verified, choice, now
		default:
			v.State, v.Answer, v.AnsweredAt = Denied, choice, now
		}
		if v.Ticket != 0 {
			v.Note = noteDue
		}
		return nil
	})
	if err != nil {
		return v, err
	}
	return s.ended(ctx, v, people.Key(who))
}

// DecidedError: the verification ended already.
type DecidedError struct{ Verification Verification }

func (e *DecidedError) Error() string {
	return fmt.Sprintf("verify: %s is %s already", e.Verification.ID, e.Verification.State)
}

// ended audits an outcome, queues its follow-up and counts a failure
// against the person, recording a lockout it causes on the verification.
func (s *Service) ended(ctx context.Context, v Verification, by string) (Verification, error) {
	detail := map[string]string{"person": v.Person, "state": string(v.State)}
	if v.Answer != "" {
		detail["answer"] = v.Answer
	}
	s.audit(ctx, by, "verify."+string(v.State), v, detail)
	// Queued before anything else, so a replica that dies now leaves the
	// follow-up to the sweep rather than to nobody.
	if err := s.Store.Schedule(ctx, queueFollowUp, v.ID, s.now().UTC().Add(followUpGrace)); err != nil {
		return v, err
	}
	// A confirmer who refuses or ignores an access request is not the one
	// under suspicion, so it does not count towards their lockout.
	if !v.Failed() || v.Request != nil {
		return v, s.Store.Unschedule(ctx, queueExpiry, v.ID)
	}
	until, err := s.failed(ctx, v.Person, s.now().UTC())
	if err != nil {
		return v, err
	}
	if !until.IsZero() {
		if v, err = s.update(ctx, v.ID, func(x *Verification) error { x.LockedOut = until; return nil }); err != nil {
			return v, err
		}
		s.audit(ctx, "system", "verify.locked_out", v, map[string]string{"person": v.Person, "until": until.Format(time.RFC3339)})
	}
	return v, s.Store.Unschedule(ctx, queueExpiry, v.ID)
}

// PromptSent records where the person's prompt went, for redrawing it
// once the verification ends.
func (s *Service) PromptSent(ctx context.Context, id string, ref *Ref) (Verification, error) {
	return s.update(ctx, id, func(v *Verification) error {
		v.PersonRef = ref
		return nil
	})
}

// StatusSent records where the asker's status message went.
func (s *Service) StatusSent(ctx context.Context, id string, ref *Ref) (Verification, error) {
	return s.update(ctx, id, func(v *Verification) error {
		v.AskerRef = ref
		return nil
	})
}

// Undeliverable ends a verification whose person has no chat identity to
// ask: nothing was sent, so nothing counts against them.
func (s *Service) Undeliverable(ctx context.Context, id string) (Verification, error) {
	v, err := s.update(ctx, id, func(v *Verification) error {
		if v.State.Final() {
			return &DecidedError{Verification: *v}
		}
		v.State, v.Told = Unreachable, true
		return nil
	})
	if err != nil {
		return v, err
	}
	s.audit(ctx, v.Asker, "verify.unreachable", v, map[string]string{"person": v.Person})
	return v, s.Store.Unschedule(ctx, queueExpiry, v.ID)
}

// Withdraw ends a pending verification whose purpose went away, so its
// prompt is redrawn without buttons and nothing counts against anyone;
// by is who withdrew it, for the audit trail. One that ended already is
// returned with a *DecidedError.
func (s *Service) Withdraw(ctx context.Context, id, by string) (Verification, error) {
	v, err := s.update(ctx, id, func(v *Verification) error {
		if v.State.Final() {
			return &DecidedError{Verification: *v}
		}
		v.State = Withdrawn
		return nil
	})
	if err != nil {
		return v, err
	}
	s.audit(ctx, people.Key(by), "verify.withdrawn", v, map[string]string{"person": v.Person})
	if err := s.Store.Schedule(ctx, queueFollowUp, v.ID, s.now().UTC().Add(followUpGrace)); err != nil {
		return v, err
	}
	return v, s.Store.Unschedule(ctx, queueExpiry, v.ID)
}

// followUpGrace is how long the sweep leaves an ending's follow-up to the
// replica that recorded it before doing it itself.
const followUpGrace = 30 * time.Second

// sweepBatch bounds how many verifications one sweep expires.
const sweepBatch = 100

// Sweep expires the pending verifications past their TTL, reading only
// those due, and returns them.
func (s *Service) Sweep(ctx context.Context) ([]Verification, error) {
	now := s.now().UTC()
	due, err := s.Store.DueBy(ctx, queueExpiry, now, sweepBatch)
	if err != nil {
		return nil, err
	}
	var out []Verification
	var errs []error
	for _, d := range due {
		v, err := s.update(ctx, d.ID, func(v *Verification) error {
			if v.State.Final() {
				return &DecidedError{Verification: *v}
			}
			v.State = Expired
			if v.Ticket != 0 {
				v.Note = noteDue
			}
			return nil
		})
		var decided *DecidedError
		switch {
		case errors.As(err, &decided), errors.Is(err, ErrNotFound):
			// Answered meanwhile, or gone: only the index entry is left.
			errs = append(errs, s.Store.Unschedule(ctx, queueExpiry, d.ID))
			continue
		case err != nil:
			errs = append(errs, err)
			continue
		}
		o, err := s.ended(ctx, v, "system")
		errs = append(errs, err)
		out = append(out, o)
	}
	return out, errors.Join(errs...)
}

// NextDue is when the next pending verification expires.
func (s *Service) NextDue(ctx context.Context) (time.Time, bool, error) {
	d, err := s.Store.NextDue(ctx, queueExpiry)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, false, nil
	}
	return d.At, err == nil, err
}

// FollowUps are the verifications that ended and whose follow-up (the
// messages redrawn, security told, the ticket note) is not done yet,
// oldest first, at most limit: the sweep retries what a click's own
// follow-up did not finish.
func (s *Service) FollowUps(ctx context.Context, limit int) ([]Verification, error) {
	due, err := s.Store.DueBy(ctx, queueFollowUp, s.now().UTC(), limit)
	if err != nil {
		return nil, err
	}
	var out []Verification
	for _, d := range due {
		v, err := s.Get(ctx, d.ID)
		switch {
		case errors.Is(err, ErrNotFound):
			err = s.Store.Unschedule(ctx, queueFollowUp, d.ID)
		case err == nil && v.Told:
			err = s.Store.Unschedule(ctx, queueFollowUp, d.ID)
		case err == nil:
			out = append(out, v)
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// Done records that an ending's follow-up is complete.
func (s *Service) Done(ctx context.Context, id string) error {
	_, err := s.update(ctx, id, func(v *Verification) error {
		if v.Told {
			return store.ErrSkipUpdate
		}
		v.Told = true
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrSkipUpdate) {
		return err
	}
	return s.Store.Unschedule(ctx, queueFollowUp, id)
}

// Get returns one verification.
func (s *Service) Get(ctx context.Context, id string) (Verification, error) {
	if !ValidID(id) {
		return Verification{}, ErrNotFound
	}
	rec, err := s.Store.GetRecord(ctx, kindVerification, id)
	if errors.Is(err, store.ErrNotFound) {
		return Verification{}, ErrNotFound
	}
	if err != nil {
		return Verification{}, err
	}
	return decode(rec)
}

// List returns the verifications asked by asker (every one when asker is
// ""), newest first, at most limit.
func (s *Service) List(ctx context.Context, asker string, limit int) ([]Verification, error) {
	recs, err := s.Store.ListRecords(ctx, kindVerification)
	if err != nil {
		return nil, err
	}
	var out []Verification
	for _, r := range recs {
		v, err := decode(r)
		if err != nil {
			s.log().Warn("verify: unreadable verification skipped", slog.String("id", r.ID), slog.Any("error", err))
			continue
		}
		if asker == "" || people.Same(asker, v.Asker) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b Verification) int { return b.CreatedAt.Compare(a.CreatedAt) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func decode(rec store.Record) (Verification, error) {
	var v Verification
	if err := json.Unmarshal(rec.Data, &v); err != nil {
		return Verification{}, fmt.Errorf("verify: unreadable verification %s: %w", rec.ID, err)
	}
	v.Version = rec.Version
	return v, nil
}

// update applies change with a compare-and-set.
func (s *Service) update(ctx context.Context, id string, change func(*Verification) error) (Verification, error) {
	var out Verification
	rec, err := store.UpdateRecord(ctx, s.Store, kindVerification, id, func(cur store.Record) ([]byte, error) {
		v, err := decode(cur)
		if err != nil {
			return nil, err
		}
		v.Choices = slices.Clone(v.Choices)
		if err := change(&v); err != nil {
			out = v
			return nil, err
		}
		out = v
		return json.Marshal(v)
	})
	if errors.Is(err, store.ErrNotFound) {
		return Verification{}, ErrNotFound
	}
	if err != nil {
		return out, err
	}
	out.Version = rec.Version
	return out, nil
}

func (s *Service) audit(ctx context.Context, actor, action string, v Verification, detail map[string]string) {
	if s.Audit == nil {
		return
	}
	if v.Ticket != 0 {
		detail["ticket"] = strconv.FormatInt(v.Ticket, 10)
	}
	store.RecordAudit(ctx, s.Audit, s.log(), store.AuditEntry{Actor: actor, Action: action, Subject: "verification:" + v.ID, Detail: detail})
}

package verify

import (
	"context"
	"errors"
	"time"
)

// Notes writes a private internal note on a help-desk ticket; the
// Zendesk connector implements it.
type Notes interface {
	AddInternalNote(ctx context.Context, ticketID int64, body string) error
}

// Note states.
const (
	noteDue     = "due"
	noteWritten = "written"
	// noteLease is how long a replica writing a note has it to itself.
	noteLease = 30 * time.Second
)

// WriteNote writes an ended verification's outcome to its ticket once:
// the note is claimed with a compare-and-set and a lease, written, then
// recorded, so two replicas never both write it and one that dies
// mid-way is outlived by the lease. A refusal no retry changes is
// recorded as why; anything else leaves it due for the next try.
func (s *Service) WriteNote(ctx context.Context, id string, notes Notes, body func(Verification) string, final func(error) bool) (Verification, error) {
	now := s.now().UTC()
	v, err := s.update(ctx, id, func(v *Verification) error {
		if v.Note != noteDue || now.Before(v.NoteLease) {
			return errNotDue
		}
		v.NoteLease = now.Add(noteLease)
		return nil
	})
	if errors.Is(err, errNotDue) {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	werr := notes.AddInternalNote(ctx, v.Ticket, body(v))
	after, err := s.update(ctx, id, func(v *Verification) error {
		v.NoteLease = time.Time{}
		switch {
		case werr == nil:
			v.Note = noteWritten
		case final(werr):
			v.Note = "not written: " + werr.Error()
		}
		return nil
	})
	if err != nil {
		return v, errors.Join(werr, err)
	}
	if werr == nil {
		s.audit(ctx, "system", "verify.noted", after, map[string]string{"person": after.Person})
	}
	return after, werr
}

// NoteWritten reports whether the ticket holds the outcome.
func (v Verification) NoteWritten() bool { return v.Note == noteWritten }

// NoteDue reports whether the outcome still has to be written.
func (v Verification) NoteDue() bool { return v.Note == noteDue }

var errNotDue = errors.New("verify: no note due")

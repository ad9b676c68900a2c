package reviews_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/reviews"
)

// TestNotMineHandsTheSeatOn: the seat stays open, asked of the new owner,
// who alone (with the admins) may decide it now; later reviews ask the
// new owner too.
func TestNotMineHandsTheSeatOn(t *testing.T) {
	f := newFixture(t)
	tom := f.seat(t, f.open(t), "tom@acme.example")
	decide := func(in reviews.Input) (reviews.Item, error) {
		in.Period, in.UserID = tom.Period, tom.Seat.UserID
		return f.svc.Decide(t.Context(), in)
	}

	f.clock = now.Add(time.Hour)
	handed, err := decide(reviews.Input{Decision: reviews.NotMine, Actor: reviews.Actor{Email: "Omar@acme.example"}, NewOwner: " Priya@ACME.example "})
	if err != nil {
		t.Fatal(err)
	}
	if handed.State != reviews.Open || handed.Owner != priya || handed.HandedFrom != omar || handed.HandedBy != omar ||
		!handed.HandedAt.Equal(f.clock) || handed.DecidedBy != "" {
		t.Errorf("handed item: %+v", handed)
	}
	if stored, _ := f.svc.Item(t.Context(), tom.Period, tom.Seat.UserID); stored.Owner != priya || stored.State != reviews.Open {
		t.Errorf("stored item: owner %q, state %s", stored.Owner, stored.State)
	}

	// The old owner is told who answers for the seat now.
	_, err = decide(reviews.Input{Decision: reviews.Snooze, Actor: reviews.Actor{Email: omar}})
	var notAllowed *reviews.NotAllowedError
	if !errors.As(err, &notAllowed) || !errors.Is(err, reviews.ErrNotAllowed) || notAllowed.Item.Owner != priya {
		t.Errorf("old owner deciding: err = %v, want not allowed naming %s", err, priya)
	}

	forms := []struct {
		name, newOwner string
	}{
		{"to the current owner", priya},
		{"to the current owner, spelled differently", " PRIYA@acme.example"},
		{"to nobody", ""},
		{"to a name", "Priya"},
		{"to a display-name address", "Priya <priya@acme.example>"},
		{"to two addresses", "priya@acme.example, dana@acme.example"},
	}
	for _, tt := range forms {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decide(reviews.Input{Decision: reviews.NotMine, Actor: reviews.Actor{Email: priya}, NewOwner: tt.newOwner})
			var fe *reviews.FieldError
			if !errors.As(err, &fe) || fe.Field != "new_owner" {
				t.Fatalf("err = %v, want a new_owner field error", err)
			}
			if it, _ := f.svc.Item(t.Context(), tom.Period, tom.Seat.UserID); it.Owner != priya || it.Version != handed.Version {
				t.Errorf("a rejected form changed the item: %+v", it)
			}
		})
	}

	sum, err := f.svc.Progress(t.Context(), tom.Period)
	if err != nil || sum.Handed != 1 || sum.Open != 7 || sum.Waiting[priya] != 1 || sum.Waiting[omar] != 1 {
		t.Errorf("progress %+v, %v; want 1 handed, 7 open, one each waiting on Priya and Omar", sum, err)
	}
	trail := auditActions(t, f, "seat.not-mine")
	if len(trail) != 1 || trail[0].Actor != omar || trail[0].Detail["to"] != priya || trail[0].Subject != "zendesk:user:"+strconv.FormatInt(tom.Seat.UserID, 10) {
		t.Errorf("audit %+v, want one seat.not-mine by %s to %s", trail, omar, priya)
	}

	// The new owner may decide.
	kept, err := decide(reviews.Input{Decision: reviews.Keep, Actor: reviews.Actor{Email: priya}, Reason: "covers nights", KeepUntil: now.AddDate(0, 0, 30)})
	if err != nil || kept.State != reviews.Kept || kept.DecidedBy != priya || kept.HandedFrom != omar {
		t.Errorf("new owner deciding: %+v, %v", kept, err)
	}
}

package commands

import (
	"testing"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/seats"
)

func TestEmailIndexFindsASeatByEmailInAnyCase(t *testing.T) {
	seat := func(id int64, email string, paid bool) seats.Seat {
		return seats.Seat{User: connector.Staff{ID: id, Email: email}, Paid: paid}
	}
	r := &seats.Report{
		Paid: []seats.Seat{seat(1, "Ada@Acme.example", true), seat(2, "bo@acme.example", true), seat(3, "", true), seat(4, "ada@acme.example", true)},
		Free: []seats.Seat{seat(5, "cy@acme.example", false), seat(6, "bo@acme.example", false)},
	}
	ix := newEmailIndex(r)
	for _, tc := range []struct {
		email  string
		wantID int64 // 0: not found
	}{
		{"ada@acme.example", 1}, // the first of two seats with the email
		{"ADA@ACME.EXAMPLE", 1},
		{"bo@acme.example", 2}, // paid before free
		{"cy@acme.example", 5},
		{"dee@acme.example", 0},
		{"", 0}, // a seat without an email is not found by the empty one
	} {
		got, ok := ix.find(tc.email)
		if ok != (tc.wantID != 0) || got.User.ID != tc.wantID {
			t.Errorf("find(%q) = seat %d, %v; want seat %d", tc.email, got.User.ID, ok, tc.wantID)
		}
	}
}

// TestEmailIndexKeepsEmailsThatShareAHash: seats whose emails share a
// hash are each found by their own email, the first listed when two share
// the email too.
func TestEmailIndexKeepsEmailsThatShareAHash(t *testing.T) {
	r := &seats.Report{
		Paid: []seats.Seat{{User: connector.Staff{ID: 1, Email: "ada@acme.example"}, Paid: true}, {User: connector.Staff{ID: 2, Email: "bo@acme.example"}, Paid: true}},
		Free: []seats.Seat{{User: connector.Staff{ID: 3, Email: "cy@acme.example"}}, {User: connector.Staff{ID: 4, Email: "Ada@acme.example"}}},
	}
	ix := indexEmails(r, func(string) uint64 { return 42 }) // every email collides
	for email, want := range map[string]int64{"ada@acme.example": 1, "BO@acme.example": 2, "cy@acme.example": 3, "dee@acme.example": 0} {
		if got, ok := ix.find(email); ok != (want != 0) || got.User.ID != want {
			t.Errorf("find(%q) = seat %d, %v; want seat %d", email, got.User.ID, ok, want)
		}
	}
}

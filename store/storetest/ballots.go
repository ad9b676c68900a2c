package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/seatwarden/seatwarden/store"
)

const ballotKind = "request"

func voter(i int) string { return fmt.Sprintf("voter%02d@example.com", i) }

func voteData(who string) []byte { return []byte(`{"by":"` + who + `"}`) }

// cast is one vote of a table case: who, and whether they own the thing.
type cast struct {
	voter string
	owner bool
}

func castVote(t *testing.T, s store.Store, id string, needed int, c cast) (store.Record, error) {
	t.Helper()
	return s.CastVote(t.Context(), ballotKind, id, store.Ballot{Voter: c.voter, Data: voteData(c.voter), Needed: needed, Owner: c.owner})
}

// voteSeqs are the seqs of rec's votes, and which closed the ballot (0: none).
func voteSeqs(rec store.Record) (seqs []int64, closedBy int64) {
	for _, v := range rec.Votes {
		seqs = append(seqs, v.Seq)
		if v.Closed {
			closedBy = v.Seq
		}
	}
	return seqs, closedBy
}

func testBallots(t *testing.T, h Harness) {
	const owner = "owner@example.com"
	t.Run("the vote that completes the quorum closes the ballot", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			needed   int
			earlier  int
			others   int // of the earlier votes, not an owner's
			votes    []cast
			closedBy int64 // the seq of the closing vote
		}{
			{"one needed", 1, 0, 0, []cast{{voter(1), false}}, 1},
			{"two needed", 2, 0, 0, []cast{{voter(1), false}, {voter(2), false}}, 2},
			{"an owner alone does not close", 1, 0, 0, []cast{{owner, true}, {voter(1), false}}, 2},
			{"an owner and another close two", 2, 0, 0, []cast{{owner, true}, {voter(1), false}}, 2},
			{"owners alone never close", 2, 0, 0, []cast{{owner, true}, {"co-owner@example.com", true}, {voter(1), false}}, 3},
			{"earlier votes count", 2, 1, 1, []cast{{voter(1), false}}, 2},
			{"an earlier owner's vote needs another", 2, 1, 0, []cast{{owner, true}, {voter(1), false}}, 3},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := h.New(t)
				created := mustCreate(t, s, ballotKind, "r", counterJSON(7))
				var last store.Record
				for i, c := range tc.votes {
					b := store.Ballot{Voter: c.voter, Data: voteData(c.voter), Needed: tc.needed, Owner: c.owner, Earlier: tc.earlier, EarlierOthers: tc.others}
					rec, err := s.CastVote(t.Context(), ballotKind, "r", b)
					if err != nil {
						t.Fatalf("vote %d by %s: %v", i+1, c.voter, err)
					}
					if want := int64(tc.earlier + i + 1); rec.Votes[len(rec.Votes)-1].Seq != want {
						t.Errorf("vote by %s has seq %d, want %d", c.voter, rec.Votes[len(rec.Votes)-1].Seq, want)
					}
					if string(rec.Data) != string(created.Data) || rec.Version != created.Version+int64(i)+1 {
						t.Errorf("after vote %d: data %s, version %d; want the data unchanged and version %d", i+1, rec.Data, rec.Version, created.Version+int64(i)+1)
					}
					last = rec
				}
				if _, closedBy := voteSeqs(last); closedBy != tc.closedBy {
					t.Errorf("closed by vote %d, want %d", closedBy, tc.closedBy)
				}
				if got := mustGet(t, s, ballotKind, "r"); !slices.EqualFunc(got.Votes, last.Votes, voteEqual) {
					t.Errorf("read back votes %+v, want %+v", got.Votes, last.Votes)
				}
				late, err := castVote(t, s, "r", tc.needed, cast{voter: "late@example.com"})
				if !errors.Is(err, store.ErrBallotClosed) || late.Version != last.Version {
					t.Errorf("a vote after the close: version %d, err %v; want ErrBallotClosed and version %d", late.Version, err, last.Version)
				}
			})
		}
	})

	t.Run("a voter is counted once", func(t *testing.T) {
		s := h.New(t)
		mustCreate(t, s, ballotKind, "r", nil)
		first, err := castVote(t, s, "r", 3, cast{voter: voter(1)})
		if err != nil {
			t.Fatal(err)
		}
		again, err := castVote(t, s, "r", 3, cast{voter: voter(1)})
		if !errors.Is(err, store.ErrVoted) || again.Version != first.Version || len(again.Votes) != 1 {
			t.Errorf("second vote: %d votes, version %d, err %v; want ErrVoted and the record unchanged", len(again.Votes), again.Version, err)
		}
	})

	t.Run("a write folds the votes it read; a write from before them conflicts", func(t *testing.T) {
		s := h.New(t)
		created := mustCreate(t, s, ballotKind, "r", counterJSON(0))
		voted, err := castVote(t, s, "r", 3, cast{voter: voter(1)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CompareAndSwapRecord(t.Context(), ballotKind, "r", created.Version, counterJSON(1)); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a write at the version before the vote: err = %v, want ErrConflict", err)
		}
		written, err := s.CompareAndSwapRecord(t.Context(), ballotKind, "r", voted.Version, counterJSON(1))
		if err != nil {
			t.Fatal(err)
		}
		if got := mustGet(t, s, ballotKind, "r"); got.Votes != nil || got.Version != written.Version {
			t.Errorf("after the write: votes %+v, version %d; want none left to fold, version %d", got.Votes, got.Version, written.Version)
		}
		if _, err := castVote(t, s, "r", 3, cast{voter: voter(1)}); !errors.Is(err, store.ErrVoted) {
			t.Errorf("the folded voter votes again: err = %v, want ErrVoted", err)
		}
		next, err := castVote(t, s, "r", 3, cast{voter: voter(2)})
		if seqs, _ := voteSeqs(next); err != nil || !slices.Equal(seqs, []int64{2}) {
			t.Errorf("the next vote: seqs %v, err %v; want only vote 2", seqs, err)
		}
	})

	t.Run("CloseBallot writes and closes", func(t *testing.T) {
		s := h.New(t)
		created := mustCreate(t, s, ballotKind, "r", counterJSON(0))
		voted, err := castVote(t, s, "r", 3, cast{voter: voter(1)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CloseBallot(t.Context(), ballotKind, "r", created.Version, counterJSON(1)); !errors.Is(err, store.ErrConflict) {
			t.Errorf("CloseBallot at a stale version: err = %v, want ErrConflict", err)
		}
		closed, err := s.CloseBallot(t.Context(), ballotKind, "r", voted.Version, counterJSON(1))
		if err != nil || closed.Version != voted.Version+1 || string(closed.Data) != string(counterJSON(1)) {
			t.Fatalf("CloseBallot = %+v, %v", closed, err)
		}
		if _, err := castVote(t, s, "r", 3, cast{voter: voter(2)}); !errors.Is(err, store.ErrBallotClosed) {
			t.Errorf("a vote after CloseBallot: err = %v, want ErrBallotClosed", err)
		}
		// A record never voted on closes too.
		fresh := mustCreate(t, s, ballotKind, "q", nil)
		if _, err := s.CloseBallot(t.Context(), ballotKind, "q", fresh.Version, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := castVote(t, s, "q", 1, cast{voter: voter(1)}); !errors.Is(err, store.ErrBallotClosed) {
			t.Errorf("a vote after closing an unvoted record: err = %v, want ErrBallotClosed", err)
		}
		if _, err := s.CloseBallot(t.Context(), ballotKind, "absent", 1, nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("CloseBallot of an absent record: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("list and delete carry the ballot", func(t *testing.T) {
		s := h.New(t)
		mustCreate(t, s, ballotKind, "r", nil)
		if _, err := castVote(t, s, "r", 2, cast{voter: voter(1)}); err != nil {
			t.Fatal(err)
		}
		if list := mustList(t, s, ballotKind); len(list) != 1 || len(list[0].Votes) != 1 || string(list[0].Votes[0].Data) != string(voteData(voter(1))) {
			t.Errorf("ListRecords = %+v, want the record with its vote", list)
		}
		if err := s.DeleteRecord(t.Context(), ballotKind, "r"); err != nil {
			t.Fatal(err)
		}
		mustCreate(t, s, ballotKind, "r", nil)
		if rec, err := castVote(t, s, "r", 2, cast{voter: voter(1)}); err != nil || rec.Votes[0].Seq != 1 {
			t.Errorf("a vote on the record created again: %+v, %v; want a fresh ballot", rec.Votes, err)
		}
	})

	t.Run("absent records and invalid ballots are refused", func(t *testing.T) {
		s := h.New(t)
		if _, err := castVote(t, s, "absent", 1, cast{voter: voter(1)}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a vote on an absent record: err = %v, want ErrNotFound", err)
		}
		mustCreate(t, s, ballotKind, "r", nil)
		for _, tc := range []struct {
			name string
			b    store.Ballot
		}{
			{"no voter", store.Ballot{Needed: 1}},
			{"none needed", store.Ballot{Voter: voter(1)}},
			{"negative earlier", store.Ballot{Voter: voter(1), Needed: 1, Earlier: -1}},
			{"more others than earlier", store.Ballot{Voter: voter(1), Needed: 1, Earlier: 1, EarlierOthers: 2}},
		} {
			if _, err := s.CastVote(t.Context(), ballotKind, "r", tc.b); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", tc.name, err)
			}
		}
		if rec := mustGet(t, s, ballotKind, "r"); rec.Version != 1 || rec.Votes != nil {
			t.Errorf("after refused ballots: %+v, want the record untouched", rec)
		}
	})

	t.Run("concurrent voters: one closes, each counted once", func(t *testing.T) {
		s := h.New(t)
		mustCreate(t, s, ballotKind, "r", nil)
		const voters, needed, clicks = 50, 10, 2 // every voter clicks twice
		type result struct {
			rec store.Record
			err error
		}
		results := make([]result, voters*clicks)
		var wg sync.WaitGroup
		for i := range results {
			wg.Go(func() {
				rec, err := castVote(t, s, "r", needed, cast{voter: voter(i % voters)})
				results[i] = result{rec, err}
			})
		}
		wg.Wait()
		counted, closings := map[int64]bool{}, 0
		for _, r := range results {
			switch {
			case r.err == nil:
				v := r.rec.Votes[len(r.rec.Votes)-1]
				if counted[v.Seq] {
					t.Errorf("vote %d counted twice", v.Seq)
				}
				counted[v.Seq] = true
				if v.Closed {
					closings++
				}
			case !errors.Is(r.err, store.ErrBallotClosed) && !errors.Is(r.err, store.ErrVoted):
				t.Errorf("CastVote: %v", r.err)
			}
		}
		rec := mustGet(t, s, ballotKind, "r")
		seqs, closedBy := voteSeqs(rec)
		if len(counted) != needed || closings != 1 || closedBy != needed || !slices.Equal(seqs, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
			t.Errorf("%d votes counted, %d closed the ballot, stored %v closed by %d; want %d counted, one closing, 1-%d closed by %d",
				len(counted), closings, seqs, closedBy, needed, needed, needed)
		}
		if rec.Version != 1+needed {
			t.Errorf("version %d, want %d: one per counted vote", rec.Version, 1+needed)
		}
	})
}

func voteEqual(a, b store.Vote) bool {
	return a.Seq == b.Seq && a.Closed == b.Closed && string(a.Data) == string(b.Data)
}

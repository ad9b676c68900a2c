package store

import (
	"errors"
	"testing"
)

func TestDecodeSnapshotRefusesWhatItCannotRead(t *testing.T) {
	for _, raw := range []string{`{"v":1`, `{"v":2,"staff":[]}`, `[]`} {
		if _, err := DecodeSnapshot([]byte(raw)); !errors.Is(err, ErrUnreadable) {
			t.Errorf("DecodeSnapshot(%s) = %v, want ErrUnreadable", raw, err)
		}
	}
	b, err := EncodeSnapshot(&Snapshot{Cursor: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := DecodeSnapshot(b); err != nil || s.Cursor != "c" {
		t.Errorf("round trip: %+v, %v", s, err)
	}
}

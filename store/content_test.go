package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
)

// TestReadContent: the stored content is read member by member, as
// leniently as encoding/json wrote it, and what cannot be read is
// ErrUnreadable, never a partial snapshot taken for a whole one.
func TestReadContent(t *testing.T) {
	for _, tc := range []struct {
		name       string
		content    string
		wantIDs    []int64
		wantGroups []connector.Group
		wantNull   bool
		unreadable bool
	}{
		{name: "members, groups and memberships",
			content: `{"v":2,"connector":"zendesk","account":"acme","staff":[{"id":1,"email":"a@x","role":"agent","last_login_at":null,"created_at":"2026-01-02T03:04:05Z","suspended":false,"two_factor":true},{"id":2,"email":"b@x","role":"admin","last_login_at":"2026-11-01T10:00:00.123456789+01:00","created_at":"2025-01-01T00:00:00Z","suspended":true,"two_factor":false}],"groups":[{"id":7,"name":"Tier 1"}],"memberships":[{"user_id":1,"group_id":7,"default":true}]}`,
			wantIDs: []int64{1, 2}, wantGroups: []connector.Group{{ID: 7, Name: "Tier 1"}}},
		{name: "no members", content: `{"v":2,"staff":[],"groups":null,"memberships":null}`},
		{name: "null members", content: `{"v":2,"staff":null}`, wantNull: true},
		{name: "a field this version does not know", content: `{"v":2,"staff":[{"id":3,"role":"agent","created_at":"2026-01-02T03:04:05Z","future":{"x":[1,2]}}],"later":true}`, wantIDs: []int64{3}},
		{name: "invalid UTF-8 in a name", content: "{\"v\":2,\"staff\":[{\"id\":4,\"name\":\"a\xffb\",\"created_at\":\"2026-01-02T03:04:05Z\"}]}", wantIDs: []int64{4}},
		{name: "another version", content: `{"v":9,"staff":[]}`, unreadable: true},
		{name: "members not an array", content: `{"v":2,"staff":{"id":1}}`, unreadable: true},
		{name: "a member of the wrong type", content: `{"v":2,"staff":[{"id":"one"}]}`, unreadable: true},
		{name: "a member that is not an object", content: `{"v":2,"staff":[1]}`, unreadable: true},
		{name: "a bad time", content: `{"v":2,"staff":[{"id":1,"created_at":"yesterday"}]}`, unreadable: true},
		{name: "cut off", content: `{"v":2,"staff":[{"id":1,"created_at":"2026-01-02T03:04:05Z"}`, unreadable: true},
		{name: "not an object", content: `[]`, unreadable: true},
		{name: "empty", content: ``, unreadable: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var snap Snapshot
			var ids []int64
			null, err := readContent(strings.NewReader(tc.content), &snap, func(u connector.Staff) error {
				ids = append(ids, u.ID)
				return nil
			})
			if tc.unreadable {
				if !errors.Is(err, ErrUnreadable) {
					t.Fatalf("err = %v, want ErrUnreadable", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if null != tc.wantNull || !cmp.Equal(ids, tc.wantIDs) || !cmp.Equal(snap.Groups, tc.wantGroups) {
				t.Errorf("members %v (null %v), groups %v; want %v (null %v), %v", ids, null, snap.Groups, tc.wantIDs, tc.wantNull, tc.wantGroups)
			}
		})
	}
}

// TestReadContentStopsWhereTheReaderSaysSo: an error from member ends the
// read with that error.
func TestReadContentStopsWhereTheReaderSaysSo(t *testing.T) {
	stop := errors.New("enough")
	n := 0
	_, err := readContent(strings.NewReader(`{"v":2,"staff":[{"id":1},{"id":2},{"id":3}]}`), &Snapshot{}, func(connector.Staff) error {
		if n++; n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Errorf("err %v after %d members, want %v after 2", err, n, stop)
	}
}

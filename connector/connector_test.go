package connector_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/seatwarden/seatwarden/connector"
)

func TestAccountRoundTrip(t *testing.T) {
	for _, a := range []connector.Account{
		{Connector: connector.Zendesk, ID: "https://acme.zendesk.com"},
		{Connector: connector.GitHub, ID: "acme"},
	} {
		got, ok := connector.ParseAccount(a.String())
		if !ok || got != a {
			t.Errorf("ParseAccount(%q) = %+v, %v; want %+v", a.String(), got, ok, a)
		}
	}
	for _, bad := range []string{"", "zendesk", ":acme", "github:"} {
		if _, ok := connector.ParseAccount(bad); ok {
			t.Errorf("ParseAccount(%q) accepted", bad)
		}
	}
}

func TestCutName(t *testing.T) {
	tests := []struct {
		in, name, rest string
		found          bool
	}{
		{"github:app:7", "github", "app:7", true},
		{"zendesk:api-token:5", "zendesk", "api-token:5", true},
		{"api-token:5", "", "api-token:5", false},
		{"gitlab:app:7", "", "gitlab:app:7", false},
		{"github", "", "github", false},
	}
	for _, tt := range tests {
		name, rest, found := connector.CutName(tt.in)
		if name != tt.name || rest != tt.rest || found != tt.found {
			t.Errorf("CutName(%q) = %q, %q, %v; want %q, %q, %v", tt.in, name, rest, found, tt.name, tt.rest, tt.found)
		}
	}
}

func TestFinal(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("update: %w", connector.ErrForbidden), true},
		{fmt.Errorf("update: %w", connector.ErrInvalid), true},
		{connector.ErrUnavailable, false},
		{connector.ErrRateLimited, false},
		{connector.ErrNotFound, false},
		{errors.New("connection reset"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := connector.Final(tt.err); got != tt.want {
			t.Errorf("Final(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestInIDOrder(t *testing.T) {
	read := func(id int64, name string) connector.Staff { return connector.Staff{ID: id, Name: name} }
	tests := []struct {
		name string
		in   []connector.Staff
		want []connector.Staff
	}{
		{"none", nil, nil},
		{"in order already", []connector.Staff{read(1, "a"), read(2, "b")}, []connector.Staff{read(1, "a"), read(2, "b")}},
		{"out of order", []connector.Staff{read(3, "c"), read(1, "a"), read(2, "b")}, []connector.Staff{read(1, "a"), read(2, "b"), read(3, "c")}},
		{"read twice: the later read stands", []connector.Staff{read(2, "b"), read(1, "a"), read(2, "b again"), read(1, "a again")},
			[]connector.Staff{read(1, "a again"), read(2, "b again")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := connector.InIDOrder(tt.in); !slices.EqualFunc(got, tt.want, func(a, b connector.Staff) bool { return a.ID == b.ID && a.Name == b.Name }) {
				t.Errorf("InIDOrder = %+v, want %+v", got, tt.want)
			}
		})
	}
}

package connector_test

import (
	"errors"
	"fmt"
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

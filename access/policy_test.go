package access_test

import (
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/access"
)

func TestConfirmedBy(t *testing.T) {
	roles := map[string]access.RolePolicy{
		"admin":     {MaxDuration: time.Hour},
		"Team Lead": {MaxDuration: time.Hour, VerifyBy: access.ConfirmByPeer},
		"billing":   {MaxDuration: time.Hour, VerifyBy: access.ConfirmByNone},
	}
	tests := []struct {
		name      string
		verifyBy  access.Confirmer
		role      string
		want      access.Confirmer
		asksPeers bool
	}{
		{"a role follows the policy", access.ConfirmByManager, "admin", access.ConfirmByManager, true},
		{"a role says otherwise, in any case", access.ConfirmByManager, "TEAM LEAD", access.ConfirmByPeer, true},
		{"a role asks nobody", access.ConfirmByManager, "billing", "", true},
		{"the policy asks nobody", "", "admin", "", true},
		{"none is nobody", access.ConfirmByNone, "admin", "", true},
		{"a role not grantable follows the policy", access.ConfirmByManager, "owner", access.ConfirmByManager, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := access.Policy{VerifyBy: tt.verifyBy, Roles: roles}.WithDefaults()
			if got := p.ConfirmedBy(tt.role); got != tt.want {
				t.Errorf("ConfirmedBy(%q) = %q, want %q", tt.role, got, tt.want)
			}
			if got := p.AsksPeers(); got != tt.asksPeers {
				t.Errorf("AsksPeers = %v", got)
			}
		})
	}
	if (access.Policy{VerifyBy: access.ConfirmByManager}).AsksPeers() {
		t.Error("a policy of managers alone asks for a peer on the form")
	}
}

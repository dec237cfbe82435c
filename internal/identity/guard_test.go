package identity

import (
	"testing"

	"handover/internal/problem"
)

func TestUserMayHoldToken(t *testing.T) {
	tests := []struct {
		name     string
		disabled bool
		want     string
	}{
		{"an active user", false, ""},
		{"a disabled user", true, "token.user_disabled"},
	}
	for _, tt := range tests {
		err := User{Username: "bank.clerk", Disabled: tt.disabled}.MayHoldToken()
		if got := problem.CodeOf(err); got != tt.want {
			t.Errorf("%s: got %v, want code %q", tt.name, err, tt.want)
			continue
		}
		if err != nil && problem.KindOf(err) != problem.Refused {
			t.Errorf("%s: got kind %v, want a refusal", tt.name, problem.KindOf(err))
		}
	}
}

func TestUnknownJurisdiction(t *testing.T) {
	e := problem.As(UnknownJurisdiction("532399"))
	if e.Code != "jurisdiction.unknown" || e.Kind != problem.Invalid || e.Fields["jurisdiction"] != "辖区532399不存在" {
		t.Errorf("UnknownJurisdiction: got %v (kind %v), want jurisdiction.unknown naming 532399", e, e.Kind)
	}
}

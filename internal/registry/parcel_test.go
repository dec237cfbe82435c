package registry

import "testing"

func TestParcelRestrictionLabel(t *testing.T) {
	tests := []struct{ kind, want string }{
		{"seal", "查封"},
		{"mortgage", "土地抵押"},
		{"construction_mortgage", "在建工程抵押"},
		{"lock", "锁定"},
		{"easement", "easement"}, // unknown: as recorded
	}
	for _, tt := range tests {
		if got := ParcelRestrictionLabel(tt.kind); got != tt.want {
			t.Errorf("ParcelRestrictionLabel(%q): got %q, want %q", tt.kind, got, tt.want)
		}
	}
	for _, tt := range tests {
		err := CheckParcelRestriction(tt.kind)
		if known := tt.kind != tt.want; (err == nil) != known {
			t.Errorf("CheckParcelRestriction(%q): got %v, want it refused only when unknown", tt.kind, err)
		}
	}
}

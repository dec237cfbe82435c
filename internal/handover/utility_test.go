package handover

import "testing"

func TestUtilityStateLabel(t *testing.T) {
	tests := []struct{ state, want string }{
		{"requested", "办理中"},
		{"done", "已过户"},
		{"refused", "不予办理"},
		{"", "办理中"},
	}
	for _, tt := range tests {
		if got := UtilityStateLabel(tt.state); got != tt.want {
			t.Errorf("UtilityStateLabel(%q): got %q, want %q", tt.state, got, tt.want)
		}
	}
}

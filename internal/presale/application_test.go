package presale

import "testing"

func TestApplicationStateLabel(t *testing.T) {
	tests := []struct{ state, want string }{
		{"submitted", "待审批"},
		{"issued", "已核发"},
		{"refused", "不予许可"},
		{"withdrawn", "已撤回"},
		{"archived", "archived"}, // unknown: as stored
	}
	for _, tt := range tests {
		if got := ApplicationStateLabel(tt.state); got != tt.want {
			t.Errorf("ApplicationStateLabel(%q): got %q, want %q", tt.state, got, tt.want)
		}
	}
}

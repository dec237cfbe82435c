package code

import "testing"

func TestValidPhone(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"13899123456", true},
		{" 13899123456 ", true},
		{"+8613899123456", true},
		{"8613899123456", true},
		{"0994-2345678", true},
		{"0994-2345678-801", true},
		{"09942345678", true},
		{"010-87654321", true},
		{"abc", false},
		{"", false},
		{"12899123456", false},
		{"1389912345", false},
		{"138991234567", false},
		{"994-2345678", false},
		{"0994-0345678", false},
		{"0994-23456", false},
		{"0994-2345678-abc", false},
		{"0013899123456", false},
	}
	for _, tt := range tests {
		if got := ValidPhone(tt.in); got != tt.want {
			t.Errorf("ValidPhone(%q): got %v, want %v", tt.in, got, tt.want)
		}
	}
}

// ValidPhone never panics, and what it accepts is only digits, a leading
// +, hyphens and spaces around.
func FuzzValidPhone(f *testing.F) {
	for _, s := range []string{"13899123456", "0994-2345678-801", "+86", "-", "0-", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !ValidPhone(s) {
			return
		}
		for _, r := range s {
			if !(r >= '0' && r <= '9' || r == '-' || r == '+' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == 0x85 || r == 0xA0) {
				t.Errorf("ValidPhone(%q) accepts %q", s, r)
			}
		}
	})
}

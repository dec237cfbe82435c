package measure

import (
	"fmt"
	"testing"
)

func TestParseShare(t *testing.T) {
	tests := []struct {
		in       string
		num, den int64
		wantErr  bool
	}{
		{"", 0, 0, false},
		{"1/2", 1, 2, false},
		{" 2 / 3 ", 2, 3, false},
		{"1", 0, 0, true},
		{"1/0", 0, 0, true},
		{"a/2", 0, 0, true},
		{"1/-2", 0, 0, true},
		{"0.5", 0, 0, true},
	}
	for _, tt := range tests {
		num, den, err := ParseShare(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && (num != tt.num || den != tt.den)) {
			t.Errorf("ParseShare(%q): got %d/%d %v, want %d/%d error=%v", tt.in, num, den, err, tt.num, tt.den, tt.wantErr)
		}
	}
}

// An accepted share always has a positive denominator and reads back the
// same when written as num/den.
func FuzzParseShare(f *testing.F) {
	for _, s := range []string{"1/2", " 3/4", "", "1/0", "9223372036854775807/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		num, den, err := ParseShare(s)
		if err != nil || (num == 0 && den == 0) {
			return
		}
		if den <= 0 {
			t.Fatalf("ParseShare(%q) accepted denominator %d", s, den)
		}
		n2, d2, err := ParseShare(fmt.Sprintf("%d/%d", num, den))
		if err != nil || n2 != num || d2 != den {
			t.Fatalf("ParseShare(%q) = %d/%d does not read back: %d/%d %v", s, num, den, n2, d2, err)
		}
	})
}

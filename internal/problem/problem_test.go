package problem

import (
	"errors"
	"fmt"
	"testing"
)

func TestCodeOf(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{{nil, ""}, {New(Invalid, "x.y", "m"), "x.y"}, {fmt.Errorf("wrapped: %w", New(Refused, "a.b", "m")), "a.b"}, {errors.New("boom"), "internal"}} {
		if got := CodeOf(tt.err); got != tt.want {
			t.Errorf("CodeOf(%v): got %q, want %q", tt.err, got, tt.want)
		}
	}
}

package exchange

import (
	"testing"

	"handover/internal/problem"
)

func TestReplay(t *testing.T) {
	tests := []struct {
		dead int64
		want string
	}{
		{3, ""},
		{1, ""},
		{0, "delivery.none_dead"},
	}
	for _, tt := range tests {
		err := Replay(tt.dead)
		got := ""
		if err != nil {
			got = problem.CodeOf(err)
		}
		if got != tt.want {
			t.Errorf("Replay(%d): got %v, want code %q", tt.dead, err, tt.want)
			continue
		}
		if err != nil && problem.KindOf(err) != problem.Conflict {
			t.Errorf("Replay(%d): got kind %v, want a conflict", tt.dead, problem.KindOf(err))
		}
	}
}

package supervision

import (
	"testing"
	"time"
)

func TestAttemptLabel(t *testing.T) {
	tests := []struct{ action, want string }{
		{"contract.draft", "起草网签合同"},
		{"contract.send", "签订网签合同"},
		{"contract.confirm", "签订网签合同"},
		{"contract.file", "合同备案"},
		{"registration.record", "登簿"},
		{"registration.accept", "受理登记"},
		{"fund.withdraw", "支取预售资金"},
		{"unit.lock", "unit.lock"}, // unnamed: as recorded
		{"", ""},
	}
	for _, tt := range tests {
		if got := AttemptLabel(tt.action); got != tt.want {
			t.Errorf("AttemptLabel(%q): got %q, want %q", tt.action, got, tt.want)
		}
	}
}

func TestTallyRefusals(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	th := DefaultThresholds() // 3 within 24 hours
	ago := func(h float64) time.Time { return now.Add(-time.Duration(h * float64(time.Hour))) }
	tests := []struct {
		name     string
		attempts []Attempt
		count    int
		last     time.Time
		actions  string
		alert    bool
	}{
		{"none", nil, 0, time.Time{}, "", false},
		{"two in the window", []Attempt{{"contract.draft", ago(5)}, {"contract.draft", ago(1)}}, 2, ago(1), "起草网签合同", false},
		{"three, one before the window", []Attempt{{"contract.file", ago(25)}, {"contract.draft", ago(5)}, {"contract.send", ago(1)}},
			2, ago(1), "起草网签合同、签订网签合同", false},
		{"on the window's first instant", []Attempt{{"contract.draft", ago(24)}, {"contract.draft", ago(2)}, {"contract.draft", ago(1)}},
			3, ago(1), "起草网签合同", true},
		{"each action named once, in order", []Attempt{{"registration.record", ago(3)}, {"contract.send", ago(2)}, {"contract.confirm", ago(1.5)},
			{"registration.record", ago(1)}}, 4, ago(1), "登簿、签订网签合同", true},
	}
	for _, tt := range tests {
		f := TallyRefusals(7, tt.attempts, th, now)
		if f.UnitID != 7 || f.Count != tt.count || !f.Last.Equal(tt.last) || f.Actions != tt.actions {
			t.Errorf("%s: got %d, last %v, %q; want %d, last %v, %q", tt.name, f.Count, f.Last, f.Actions, tt.count, tt.last, tt.actions)
		}
		if _, ok := Refusals(f, th); ok != tt.alert {
			t.Errorf("%s: got alert %v, want %v", tt.name, ok, tt.alert)
		}
	}
}

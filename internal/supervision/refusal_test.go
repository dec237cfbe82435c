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
	taken := []string{"contract.unit_taken"} // the flat is under contract already
	typo := []string{"contract.buyer_id"}    // a mistyped ID number
	mixed := []string{"contract.buyer_id", "contract.unit_sealed"}
	tests := []struct {
		name     string
		attempts []Attempt
		count    int
		last     time.Time
		actions  string
		alert    bool
	}{
		{"none", nil, 0, time.Time{}, "", false},
		{"two in the window", []Attempt{{"contract.draft", ago(5), taken}, {"contract.draft", ago(1), taken}}, 2, ago(1), "起草网签合同", false},
		{"three, one before the window", []Attempt{{"contract.file", ago(25), taken}, {"contract.draft", ago(5), taken}, {"contract.send", ago(1), taken}},
			2, ago(1), "起草网签合同、签订网签合同", false},
		{"on the window's first instant", []Attempt{{"contract.draft", ago(24), taken}, {"contract.draft", ago(2), taken}, {"contract.draft", ago(1), taken}},
			3, ago(1), "起草网签合同", true},
		{"each action named once, in order", []Attempt{{"registration.record", ago(3), taken}, {"contract.send", ago(2), taken}, {"contract.confirm", ago(1.5), taken},
			{"registration.record", ago(1), taken}}, 4, ago(1), "登簿、签订网签合同", true},
		{"three typos corrected by the developer", []Attempt{{"contract.draft", ago(3), typo}, {"contract.draft", ago(2), typo},
			{"contract.draft", ago(1), []string{"contract.shares", "contract.penalty"}}}, 0, time.Time{}, "", false},
		{"typos and a sealed flat", []Attempt{{"contract.draft", ago(3), typo}, {"contract.draft", ago(2), mixed}, {"contract.draft", ago(1), typo}},
			1, ago(2), "起草网签合同", false},
		{"a second sale among typos", []Attempt{{"contract.draft", ago(4), typo}, {"contract.draft", ago(3), taken}, {"contract.draft", ago(2), taken},
			{"contract.draft", ago(1), taken}}, 3, ago(1), "起草网签合同", true},
		{"a refusal naming no rule", []Attempt{{"registration.record", ago(3), nil}, {"registration.record", ago(2), nil}, {"registration.record", ago(1), nil}},
			3, ago(1), "登簿", true},
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

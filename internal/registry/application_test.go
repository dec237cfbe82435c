package registry

import (
	"math/rand/v2"
	"slices"
	"testing"

	"handover/internal/calendar"

	"handover/internal/problem"
)

// The steps go 受理 → 审核 (→ 复审) → 登簿 → 缮证 → 发证, in order, each by
// the right person.
func TestServiceSteps(t *testing.T) {
	second := Policy{SecondReview: true}
	tests := []struct {
		name   string
		kind   ServiceKind
		from   ServiceState
		step   Step
		user   int64
		policy Policy
		want   ServiceState
		code   string
	}{
		{"review", Transfer, Accepted, StepReview, 2, Policy{}, Approved, ""},
		{"review, second review required", Transfer, Accepted, StepReview, 2, second, Reviewed, ""},
		{"acceptor reviews", Transfer, Accepted, StepReview, 1, Policy{}, Accepted, "registration.segregation"},
		{"second review by the reviewer", Transfer, Reviewed, StepReview2, 2, second, Reviewed, "registration.segregation"},
		{"second review by the acceptor", Transfer, Reviewed, StepReview2, 1, second, Reviewed, "registration.segregation"},
		{"second review", Transfer, Reviewed, StepReview2, 3, second, Approved, ""},
		{"record before review", Transfer, Accepted, StepRecord, 3, Policy{}, Accepted, "registration.step"},
		{"record", Transfer, Approved, StepRecord, 3, Policy{}, Recorded, ""},
		{"record a seal: nothing to certify", SealReg, Approved, StepRecord, 3, Policy{}, Issued, ""},
		{"certify", Transfer, Recorded, StepCertify, 3, Policy{}, Certified, ""},
		{"issue before certifying", Transfer, Recorded, StepIssue, 3, Policy{}, Recorded, "registration.step"},
		{"issue", Transfer, Certified, StepIssue, 3, Policy{}, Issued, ""},
		{"return", Transfer, Approved, StepReturn, 2, Policy{}, ReturnedSt, ""},
		{"return after recording", Transfer, Recorded, StepReturn, 2, Policy{}, Recorded, "registration.step"},
		{"resubmit", Transfer, ReturnedSt, StepAccept, 1, Policy{}, Accepted, ""},
		{"withdraw before recording", Transfer, Approved, StepWithdraw, 1, Policy{}, Withdrawn, ""},
		{"withdraw after recording", Transfer, Recorded, StepWithdraw, 1, Policy{}, Recorded, "registration.withdraw"},
	}
	for _, tt := range tests {
		s := Service{Kind: tt.kind, State: tt.from, AcceptedBy: 1, ReviewedBy: 2}
		if tt.from == Accepted {
			s.ReviewedBy = 0
		}
		reason := ""
		if tt.step == StepReturn {
			reason = "材料不全"
		}
		err := s.Apply(tt.step, tt.user, tt.policy, reason)
		code := ""
		if err != nil {
			code = problem.As(err).Code
		}
		if code != tt.code || s.State != tt.want {
			t.Errorf("%s: got %s, %v; want %s, %q", tt.name, s.State, err, tt.want, tt.code)
		}
	}
	s := Service{Kind: Transfer, State: Approved}
	if err := s.Apply(StepReturn, 2, Policy{}, "  "); problem.As(err).Code != "registration.reason" || s.State != Approved {
		t.Errorf("return without a reason: got %s, %v", s.State, err)
	}
}

// Property: whatever steps anyone tries in any order, a service is recorded
// only after a review by someone other than its acceptor (and, with second
// review, by a third person), and nothing moves a withdrawn or issued
// service.
func TestServiceStepsProperty(t *testing.T) {
	steps := []Step{StepAccept, StepReview, StepReview2, StepReturn, StepRecord, StepCertify, StepIssue, StepWithdraw}
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		policy := Policy{SecondReview: trial%2 == 0}
		s := Service{Kind: Transfer, State: Accepted, AcceptedBy: 1 + r.Int64N(3)}
		for range 30 {
			before := s
			err := s.Apply(steps[r.IntN(len(steps))], 1+r.Int64N(3), policy, "理由")
			if err != nil && s.State != before.State {
				t.Fatalf("trial %d: a refused step changed the state %s → %s", trial, before.State, s.State)
			}
			if (before.State == Withdrawn || before.State == Issued) && s.State != before.State {
				t.Fatalf("trial %d: %s moved to %s", trial, before.State, s.State)
			}
			if s.State == Recorded && before.State != Recorded {
				if s.ReviewedBy == s.AcceptedBy || (policy.SecondReview && (s.Reviewed2By == s.AcceptedBy || s.Reviewed2By == s.ReviewedBy || s.Reviewed2By == 0)) {
					t.Fatalf("trial %d: recorded without segregated review: %+v", trial, s)
				}
			}
		}
	}
}

func TestParseAutoReview(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"", 0, true},
		{"first, transfer,mortgage", 3, true},
		{"seal", 0, false},
		{"unknown", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseAutoReview(tt.in)
		if (err == nil) != tt.ok || len(got) != tt.want {
			t.Errorf("ParseAutoReview(%q): got %v, %v", tt.in, got, err)
		}
	}
}

func TestCheckTerms(t *testing.T) {
	today := calendar.MustDate("2026-03-10")
	tests := []struct {
		kind    ServiceKind
		details map[string]string
		fields  []string // the fields refused, in any order
	}{
		{MortgageReg, map[string]string{"amount": "300000", "term_start": "2026-03-10", "term_end": "2046-03-10"}, nil},
		{MortgageReg, map[string]string{"amount": "300000.5"}, nil},
		{MortgageReg, map[string]string{"amount": "0"}, []string{"amount"}},
		{MortgageReg, map[string]string{"amount": "12.345"}, []string{"amount"}},
		{MortgageReg, map[string]string{"amount": "十万"}, []string{"amount"}},
		{MortgageReg, map[string]string{"amount": "100000", "term_end": "2020-01-01"}, []string{"term_end"}},
		{MortgageReg, map[string]string{"term_start": "2030-01-01", "term_end": "2029-01-01"}, []string{"term_end"}},
		{MortgageReg, map[string]string{"term_start": "2026-02-30"}, []string{"term_start"}},
		{SealReg, map[string]string{"term_end": "2029-03-09"}, nil},
		{SealReg, map[string]string{"term_end": "2026-03-09"}, []string{"term_end"}},
		{SealReg, map[string]string{"term_end": "明年"}, []string{"term_end"}},
		{Transfer, map[string]string{"term_end": "2020-01-01"}, nil},
	}
	for _, tt := range tests {
		err := CheckTerms(tt.kind, tt.details, today)
		var got []string
		for f := range problem.As(err).Fields {
			got = append(got, f)
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.fields) {
			t.Errorf("CheckTerms(%s, %v) refused %v (%v), want %v", tt.kind, tt.details, got, err, tt.fields)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		in     map[string]string
		want   Policy
		fields []string
	}{
		{map[string]string{}, DefaultPolicy(), nil},
		{map[string]string{SettingSeparateRecorder: "0", SettingSecondReview: "1", SettingAutoReview: "transfer,mortgage", SettingDays: "5"},
			Policy{SecondReview: true, AutoReview: []ServiceKind{Transfer, MortgageReg}, Days: 5}, nil},
		{map[string]string{SettingDays: "31"}, DefaultPolicy(), []string{SettingDays}},
		{map[string]string{SettingDays: "x", SettingAutoReview: "seal", SettingSecondReview: "maybe"}, DefaultPolicy(),
			[]string{SettingAutoReview, SettingDays, SettingSecondReview}},
	}
	for _, tt := range tests {
		got, err := ParsePolicy(tt.in)
		var fields []string
		for f := range problem.As(err).Fields {
			fields = append(fields, f)
		}
		slices.Sort(fields)
		if !slices.Equal(fields, tt.fields) {
			t.Errorf("ParsePolicy(%v) refused %v, want %v", tt.in, fields, tt.fields)
		}
		if err == nil && (got.SecondReview != tt.want.SecondReview || got.SeparateRecorder != tt.want.SeparateRecorder || got.Days != tt.want.Days ||
			!slices.Equal(got.AutoReview, tt.want.AutoReview)) {
			t.Errorf("ParsePolicy(%v) = %+v, want %+v", tt.in, got, tt.want)
		}
		if err == nil {
			back, err := ParsePolicy(got.Settings())
			if err != nil || back.Days != got.Days || back.SeparateRecorder != got.SeparateRecorder || !slices.Equal(back.AutoReview, got.AutoReview) {
				t.Errorf("the policy %+v does not survive its settings: %+v %v", got, back, err)
			}
		}
	}
}

package registry

import (
	"slices"
	"testing"
)

func TestApplicationMove(t *testing.T) {
	tests := []struct {
		name      string
		states    []ServiceState
		step      Step
		user      int64
		wantMoved []int
		wantCode  string
		wantAfter []ServiceState
	}{
		{"review both", []ServiceState{Accepted, Accepted}, StepReview, 2, []int{0, 1}, "", []ServiceState{Approved, Approved}},
		{"review the accepted one", []ServiceState{Withdrawn, Accepted}, StepReview, 2, []int{1}, "", []ServiceState{Withdrawn, Approved}},
		{"nothing to review", []ServiceState{Approved}, StepReview, 2, nil, "registration.step", []ServiceState{Approved}},
		{"acceptor reviews", []ServiceState{Accepted}, StepReview, 1, nil, "registration.segregation", []ServiceState{Accepted}},
		{"withdraw what is not recorded", []ServiceState{Accepted, Recorded}, StepWithdraw, 1, []int{0}, "", []ServiceState{Withdrawn, Recorded}},
		{"issue the certified", []ServiceState{Certified, Issued}, StepIssue, 3, []int{0}, "", []ServiceState{Issued, Issued}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Application{State: "open"}
			for _, st := range tt.states {
				a.Services = append(a.Services, Service{Kind: Transfer, State: st, AcceptedBy: 1})
			}
			moved, err := a.Move(tt.step, tt.user, Policy{}, "")
			if got := codeOf(err); got != tt.wantCode {
				t.Fatalf("Move: got code %q, want %q (%v)", got, tt.wantCode, err)
			}
			if !slices.Equal(moved, tt.wantMoved) {
				t.Errorf("Move: got moved %v, want %v", moved, tt.wantMoved)
			}
			if err == nil {
				var after []ServiceState
				for _, s := range a.Services {
					after = append(after, s.State)
				}
				if !slices.Equal(after, tt.wantAfter) {
					t.Errorf("Move: got states %v, want %v", after, tt.wantAfter)
				}
			}
		})
	}
}

func TestCheckRecordableAndSettle(t *testing.T) {
	tests := []struct {
		name       string
		states     []ServiceState
		wantCode   string
		wantSettle string
	}{
		{"all approved", []ServiceState{Approved, Approved}, "", "open"},
		{"one still under review", []ServiceState{Approved, Reviewed}, "registration.step", "open"},
		{"nothing approved", []ServiceState{Recorded}, "registration.step", "open"},
		{"withdrawn and approved", []ServiceState{Withdrawn, Approved}, "", "open"},
		{"issued and withdrawn", []ServiceState{Issued, Withdrawn}, "registration.step", "done"},
		{"all withdrawn", []ServiceState{Withdrawn, Withdrawn}, "registration.step", "withdrawn"},
	}
	for _, tt := range tests {
		a := Application{State: "open"}
		for _, st := range tt.states {
			a.Services = append(a.Services, Service{Kind: Transfer, State: st})
		}
		if got := codeOf(a.CheckRecordable()); got != tt.wantCode {
			t.Errorf("%s: CheckRecordable got %q, want %q", tt.name, got, tt.wantCode)
		}
		changed := a.Settle()
		if a.State != tt.wantSettle || changed != (tt.wantSettle != "open") {
			t.Errorf("%s: Settle got %q (changed %v), want %q", tt.name, a.State, changed, tt.wantSettle)
		}
	}
	if got := codeOf(Application{State: "done"}.CheckOpen()); got != "application.closed" {
		t.Errorf("CheckOpen of a done application: got %q, want application.closed", got)
	}
}

func TestCheckCertifiable(t *testing.T) {
	for _, tt := range []struct {
		states   []ServiceState
		wantCode string
	}{{[]ServiceState{Recorded, Issued}, ""}, {[]ServiceState{Issued, Withdrawn}, "registration.step"}, {nil, "registration.step"}} {
		a := Application{}
		for _, st := range tt.states {
			a.Services = append(a.Services, Service{State: st})
		}
		if got := codeOf(a.CheckCertifiable()); got != tt.wantCode {
			t.Errorf("CheckCertifiable of %v: got %q, want %q", tt.states, got, tt.wantCode)
		}
	}
}

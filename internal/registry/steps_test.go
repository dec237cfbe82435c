package registry

import (
	"handover/internal/problem"
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
			if got := problem.CodeOf(err); got != tt.wantCode {
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
		if got := problem.CodeOf(a.CheckRecordable()); got != tt.wantCode {
			t.Errorf("%s: CheckRecordable got %q, want %q", tt.name, got, tt.wantCode)
		}
		changed := a.Settle()
		if a.State != tt.wantSettle || changed != (tt.wantSettle != "open") {
			t.Errorf("%s: Settle got %q (changed %v), want %q", tt.name, a.State, changed, tt.wantSettle)
		}
	}
	if got := problem.CodeOf(Application{State: "done"}.CheckOpen()); got != "application.closed" {
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
		if got := problem.CodeOf(a.CheckCertifiable()); got != tt.wantCode {
			t.Errorf("CheckCertifiable of %v: got %q, want %q", tt.states, got, tt.wantCode)
		}
	}
}

func TestServiceBlocks(t *testing.T) {
	devOwn := Entry{ID: 1, Kind: Ownership, RegType: RegFirst}
	seal := Entry{ID: 2, Kind: Seal}
	filed := UnitFacts{Filed: true, ContractID: 9}
	paid := UnitFacts{Filed: true, ContractID: 9, DeedTaxPaid: true}
	first := Service{Seq: 1, Kind: First, UnitID: 5}
	transfer := Service{Seq: 2, Kind: Transfer, UnitID: 5, ContractID: 9}
	rules := func(bs []problem.Reason) []string {
		var out []string
		for _, b := range bs {
			out = append(out, b.Rule+":"+b.Message)
		}
		return out
	}
	tests := []struct {
		name  string
		a     Application
		s     Service
		units []int64
		facts map[int64]UnitFacts
		want  []string
	}{
		{"transfer alone, nothing registered", Application{Services: []Service{transfer}}, transfer, []int64{5},
			map[int64]UnitFacts{5: filed}, []string{"transfer.ownership:开发企业的所有权尚未登记（首次登记）", "transfer.deed_tax:契税尚未缴纳"}},
		{"after the first registration of the same application, tax paid", Application{Services: []Service{first, transfer}}, transfer, []int64{5},
			map[int64]UnitFacts{5: paid}, nil},
		{"a voucher typed for a filed sale does not pay its tax", Application{Services: []Service{first, transfer}},
			Service{Seq: 2, Kind: Transfer, UnitID: 5, ContractID: 9, Details: map[string]string{"deed_tax_voucher": "V1"}}, []int64{5},
			map[int64]UnitFacts{5: filed}, []string{"transfer.deed_tax:契税尚未缴纳"}},
		{"a resale's voucher typed at the counter", Application{},
			Service{Seq: 1, Kind: Transfer, UnitID: 5, Details: map[string]string{"deed_tax_voucher": "V1"}}, []int64{5},
			map[int64]UnitFacts{5: {Book: []Entry{devOwn}}}, nil},
		{"a withdrawn first registration does not count", Application{Services: []Service{{Seq: 1, Kind: First, UnitID: 5, State: Withdrawn}, transfer}},
			transfer, []int64{5}, map[int64]UnitFacts{5: paid}, []string{"transfer.ownership:开发企业的所有权尚未登记（首次登记）"}},
		{"a building's first registration waits only for the building", Application{}, Service{Kind: First, BuildingID: 3}, []int64{5, 6},
			map[int64]UnitFacts{5: {Filed: true, Book: []Entry{seal}}, 6: {}}, []string{"first.filing:尚未办理竣工验收备案（户6）"}},
		{"an entry no longer in force", Application{}, Service{Kind: Cancel, UnitID: 5, EntryID: 1}, []int64{5},
			map[int64]UnitFacts{5: {Book: []Entry{devOwn, {ID: 3, Kind: Cancellation, Ends: 1, EndKind: Cancelled}}}}, []string{"entry.not_current:所选登记已不是现势登记"}},
	}
	for _, tt := range tests {
		if got := rules(tt.a.ServiceBlocks(tt.s, 3, tt.units, tt.facts)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

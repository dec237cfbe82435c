package registry

import (
	"handover/internal/problem"
	"slices"
	"strings"
	"testing"
)

// Each registration guide states exactly the rule codes its rules apply:
// facts failing every rule (several sets, as some rules exclude each other)
// yield the guide's codes.
func TestGuideMatchesRules(t *testing.T) {
	seal := Entry{ID: 1, Kind: Seal}
	devOwn := Entry{ID: 2, Kind: Ownership, RegType: RegFirst}
	noTransfer := Entry{ID: 3, Kind: Mortgage, Detail: Detail{NoTransfer: true}}
	otherSale := Entry{ID: 4, Kind: PreNotice, PreNoticeKind: PreNoticeSale, ContractID: 99}
	tests := []struct {
		kind  ServiceKind
		rules func(UnitFacts) []problem.Reason
		facts []UnitFacts
	}{
		{First, FirstBlocks, []UnitFacts{{ParcelRestriction: "查封", Locked: true, Book: []Entry{seal, devOwn}}}},
		{Transfer, TransferBlocks, []UnitFacts{{Locked: true, ContractID: 1, Book: []Entry{seal, noTransfer, otherSale}},
			{ContractID: 1, Book: []Entry{devOwn, {ID: 5, Kind: Ownership, RegType: RegTransfer, ContractID: 1, Ends: 2}}}}},
		{MortgageReg, MortgageBlocks, []UnitFacts{{ContractID: 1, Book: []Entry{seal}},
			{ContractID: 1, LoanMortgage: true, Book: []Entry{{ID: 6, Kind: Mortgage, RegType: RegFirst, ContractID: 1}}}}},
		{Cancel, func(UnitFacts) []problem.Reason { return nil }, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, f := range tt.facts {
			for _, b := range tt.rules(f) {
				if !slices.Contains(got, b.Rule) {
					got = append(got, b.Rule)
				}
			}
		}
		slices.Sort(got)
		g := GuideFor(tt.kind, DefaultPolicy())
		want := slices.Sorted(slices.Values(g.Rules()))
		if !slices.Equal(got, want) {
			t.Errorf("%s: the rules refuse with %v, the guide states %v", tt.kind, got, want)
		}
	}
}

// The guide follows the policy: days, automatic review, second review, fee.
func TestGuideFollowsPolicy(t *testing.T) {
	p := Policy{Days: 5, SecondReview: true, AutoReview: []ServiceKind{Transfer}, Fees: map[ServiceKind]int64{Transfer: 8000}}
	g := GuideFor(Transfer, p)
	if !strings.Contains(g.Limit, "受理后 5 个工作日") || !strings.Contains(g.Limit, "自动审核") || g.Fee != "80.00 元/件" {
		t.Errorf("limit %q, fee %q", g.Limit, g.Fee)
	}
	var names []string
	for _, s := range g.Steps {
		names = append(names, s.Name)
	}
	if !slices.Contains(names, StepReview2.Label()) {
		t.Errorf("steps %v lack the second review", names)
	}
	if g := GuideFor(Cancel, DefaultPolicy()); g.Fee != "不收费" || strings.Contains(g.Limit, "自动审核") {
		t.Errorf("cancel: fee %q, limit %q", g.Fee, g.Limit)
	}
}

package handover

import (
	"slices"
	"testing"
	"time"

	"handover/internal/completion"
	"handover/internal/guide"
	"handover/internal/ledger"
)

// The completion filing's guide states exactly the conditions Evaluate
// lists for the filing of a project that has done nothing yet, for the
// default blocking items and for a jurisdiction that blocks fewer.
func TestFilingGuideMatchesEvaluate(t *testing.T) {
	tests := []struct {
		name     string
		blocking []completion.ItemKind
	}{
		{"default", completion.DefaultBlocking()},
		{"land premium only", []completion.ItemKind{completion.LandPremium}},
	}
	for _, tt := range tests {
		f := &Facts{Project: ledger.Project{ID: 1, Name: "某项目"}, Blocking: tt.blocking, LandTopUp: "实测建筑面积大于出让合同约定",
			Buildings: []BuildingFacts{{Building: ledger.Building{ID: 1, Name: "1号楼"}}}}
		r := Evaluate(f, nil, Filing, Scope{}, time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
		g := FilingGuide(tt.blocking)
		got := guide.RulesOf(r.Err())
		want := slices.Sorted(slices.Values(g.Rules()))
		if !slices.Equal(got, want) {
			t.Errorf("%s: Evaluate lists %v, the guide states %v", tt.name, got, want)
		}
		// One guide condition per condition Evaluate lists.
		if len(g.Conditions) != len(r.Conditions) {
			t.Errorf("%s: %d conditions in the guide, Evaluate lists %d", tt.name, len(g.Conditions), len(r.Conditions))
		}
	}
}

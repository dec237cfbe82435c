package handover

import (
	"slices"
	"testing"
	"time"

	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/guide"
	"handover/internal/ledger"
)

// The completion filing's guide states exactly the conditions Evaluate
// lists for the filing of a project that has done nothing yet, and the
// filing date's check on a date before the acceptance passed, for the
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
		dated := completion.Filing{FiledOn: calendar.MustDate("2026-10-30")}.CheckAccepted([]completion.PassedAcceptance{
			{Building: "1号楼", OpinionNo: "联验〔2026〕1号", On: calendar.MustDate("2026-11-02")}})
		g := FilingGuide(tt.blocking)
		got := slices.Sorted(slices.Values(append(guide.RulesOf(r.Err()), guide.RulesOf(dated)...)))
		want := slices.Sorted(slices.Values(g.Rules()))
		if !slices.Equal(got, want) {
			t.Errorf("%s: Evaluate and the date check refuse with %v, the guide states %v", tt.name, got, want)
		}
		// One guide condition per condition Evaluate lists, and the date's.
		if len(g.Conditions) != len(r.Conditions)+1 {
			t.Errorf("%s: %d conditions in the guide, Evaluate lists %d and the date check 1", tt.name, len(g.Conditions), len(r.Conditions))
		}
	}
}

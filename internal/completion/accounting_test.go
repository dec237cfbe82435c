package completion

import (
	"slices"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/ledger"
	"handover/internal/problem"
)

// PlanAccounting sets out the fees from the parcels and the land check,
// and each measured unit's maintenance fund at the rate.
func TestPlanAccounting(t *testing.T) {
	d := decimal.RequireFromString
	parcels := []ledger.Parcel{
		{Code: "A", GrantContract: "出让2024-01", PremiumDue: d("3000000"), PremiumPaid: d("3000000")},
		{Code: "B", GrantContract: "出让2024-02", PremiumDue: d("1000000.50"), PremiumPaid: d("400000")},
	}
	units := []ledger.Unit{
		{ID: 11, Measured: ledger.Areas{Total: d("98.76")}},
		{ID: 12, Measured: ledger.Areas{Total: d("0")}}, // not measured: no fund yet
		{ID: 13, Measured: ledger.Areas{Total: d("120.05")}},
	}
	tests := []struct {
		name      string
		topUp     string
		rate      string
		kinds     []ItemKind // the project's items
		unitDue   []string   // the units' maintenance fund, by unit
		unitNote  string     // the first unit's note
		wantCode  string
		wantError string
	}{
		{"default rate, land matches", "", "", []ItemKind{LandPremium, Infrastructure, SoilWater, CivilDefence},
			[]string{"11851.20", "14406.00"}, "按实测建筑面积98.76㎡×120元/㎡", "", ""},
		{"land differs: a top-up", "宗地实测面积与出让合同不符", "80.5", []ItemKind{LandPremium, LandTopUp, Infrastructure, SoilWater, CivilDefence},
			[]string{"7950.18", "9664.03"}, "按实测建筑面积98.76㎡×80.5元/㎡", "", ""},
		{"a rate above 1000", "", "1200", nil, nil, "", "maintenance.rate", "维修资金交存标准应为0–1000元/平方米，实为“1200”"},
		{"a rate that is no number", "", "abc", nil, nil, "", "maintenance.rate", "维修资金交存标准应为0–1000元/平方米，实为“abc”"},
	}
	for _, tt := range tests {
		plan, err := PlanAccounting(parcels, tt.topUp, units, tt.rate)
		if tt.wantCode != "" {
			if problem.CodeOf(err) != tt.wantCode || problem.KindOf(err) != problem.Invalid || problem.As(err).Message != tt.wantError {
				t.Errorf("%s: got %v, want %s %q", tt.name, err, tt.wantCode, tt.wantError)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: got %v", tt.name, err)
			continue
		}
		var kinds []ItemKind
		for _, it := range plan.Project {
			kinds = append(kinds, it.Kind)
			if it.UnitID != 0 {
				t.Errorf("%s: project item %s has unit %d", tt.name, it.Kind, it.UnitID)
			}
		}
		if !slices.Equal(kinds, tt.kinds) {
			t.Errorf("%s: got project items %v, want %v", tt.name, kinds, tt.kinds)
		}
		premium := plan.Project[0]
		if premium.Due.StringFixed(2) != "4000000.50" || premium.Paid.StringFixed(2) != "3400000.00" || premium.Evidence != "出让2024-01、出让2024-02" || premium.Note != "出让合同" {
			t.Errorf("%s: got land premium %+v, want due 4000000.50, paid 3400000.00 and both grant contracts", tt.name, premium)
		}
		var dues []string
		for _, it := range plan.Units {
			dues = append(dues, it.Due.StringFixed(2))
			if it.Kind != Maintenance {
				t.Errorf("%s: unit item of kind %s, want maintenance", tt.name, it.Kind)
			}
		}
		if !slices.Equal(dues, tt.unitDue) || plan.Units[0].UnitID != 11 || plan.Units[1].UnitID != 13 || plan.Units[0].Note != tt.unitNote {
			t.Errorf("%s: got units' fund %v (first %+v), want %v for units 11 and 13, noted %q", tt.name, dues, plan.Units[0], tt.unitDue, tt.unitNote)
		}
	}
}

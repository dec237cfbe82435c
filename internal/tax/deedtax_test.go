package tax

import (
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/presale"
)

func TestDeedTaxTable(t *testing.T) {
	d := decimal.RequireFromString
	tests := []struct {
		home        presale.HomeCount
		area, base  string
		rate, taxed string
	}{
		{presale.FirstHome, "89.56", "600000", "0.01", "6000"},
		{presale.FirstHome, "140.00", "900000", "0.01", "9000"},   // 140 m² exactly is still ≤ 140
		{presale.FirstHome, "140.01", "900000", "0.015", "13500"}, // just above
		{presale.SecondHome, "140.00", "900000", "0.01", "9000"},
		{presale.SecondHome, "140.01", "900000", "0.02", "18000"},
		{presale.MoreHomes, "89.56", "600000", "0.03", "18000"}, // the provincial rate (新疆 3 %)
		{presale.FirstHome, "112.35", "763980.55", "0.01", "7639.81"},
	}
	for _, tt := range tests {
		a := Assess(d(tt.base), d(tt.area), tt.home, d("0.03"))
		if !a.Rate.Equal(d(tt.rate)) || !a.Amount.Equal(d(tt.taxed)) {
			t.Errorf("%s %s m² on %s: got %s → %s, want %s → %s", tt.home, tt.area, tt.base, a.Rate, a.Amount, tt.rate, tt.taxed)
		}
	}
	if r, err := ParseRate(""); err != nil || !r.Equal(d("0.03")) {
		t.Errorf("default provincial rate: %s %v", r, err)
	}
	for _, bad := range []string{"0", "0.06", "x"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
}

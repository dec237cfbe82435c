package tax

import (
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/ledger"
	"handover/internal/presale"
)

func TestDeedTaxTable(t *testing.T) {
	d := decimal.RequireFromString
	tests := []struct {
		purpose     string
		home        presale.HomeCount
		area, base  string
		rate, taxed string
	}{
		{"住宅", presale.FirstHome, "89.56", "600000", "0.01", "6000"},
		{"住宅", presale.FirstHome, "140.00", "900000", "0.01", "9000"},   // 140 m² exactly is still ≤ 140
		{"住宅", presale.FirstHome, "140.01", "900000", "0.015", "13500"}, // just above
		{"住宅", presale.SecondHome, "140.00", "900000", "0.01", "9000"},
		{"住宅", presale.SecondHome, "140.01", "900000", "0.02", "18000"},
		{"住宅", presale.MoreHomes, "89.56", "600000", "0.03", "18000"}, // the provincial rate (新疆 3 %)
		{"住宅", presale.FirstHome, "112.35", "763980.55", "0.01", "7639.81"},
		// Not a home: the provincial rate whatever the household declared.
		{"商业", presale.FirstHome, "89.56", "600000", "0.03", "18000"},
		{"商业", presale.SecondHome, "150.00", "900000", "0.03", "27000"},
		{"办公", presale.FirstHome, "89.56", "600000", "0.03", "18000"},
		{"车库", presale.FirstHome, "35.00", "150000", "0.03", "4500"},
		{"储藏", presale.FirstHome, "8.00", "40000", "0.03", "1200"},
		{"其他", presale.FirstHome, "89.56", "600000", "0.03", "18000"},
		{"", presale.FirstHome, "89.56", "600000", "0.03", "18000"}, // use unknown: no home relief
	}
	for _, tt := range tests {
		a := Assess(d(tt.base), d(tt.area), tt.purpose, tt.home, d("0.03"))
		if !a.Rate.Equal(d(tt.rate)) || !a.Amount.Equal(d(tt.taxed)) {
			t.Errorf("%s %s %s m² on %s: got %s → %s, want %s → %s", tt.purpose, tt.home, tt.area, tt.base, a.Rate, a.Amount, tt.rate, tt.taxed)
		}
	}
	if r, err := ParseRate(""); err != nil || !r.Equal(d("0.03")) {
		t.Errorf("default provincial rate: %s %v", r, err)
	}
	for _, bad := range []string{"0", "0.015", "0.029", "0.06", "x"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
}

// A jurisdiction's provincial rate applies to every unit that is not a
// home and to a third home.
func TestProvincialRateConfigured(t *testing.T) {
	d := decimal.RequireFromString
	for _, purpose := range []string{"商业", "车库"} {
		if got := Rate(purpose, presale.FirstHome, d("60"), d("0.04")); !got.Equal(d("0.04")) {
			t.Errorf("%s at a 4 %% provincial rate: got %s, want 0.04", purpose, got)
		}
	}
	if got := Rate("住宅", presale.FirstHome, d("60"), d("0.04")); !got.Equal(d("0.01")) {
		t.Errorf("a first home at a 4 %% provincial rate: got %s, want 0.01", got)
	}
}

// The reason of each assessment names the part of the rule that applied,
// and the rates are shown as percentages.
func TestReasonAndLabel(t *testing.T) {
	d := decimal.RequireFromString
	tests := []struct {
		purpose string
		home    presale.HomeCount
		area    string
		label   string
		reason  string
	}{
		{"住宅", presale.FirstHome, "140.00", "1%", "住宅，家庭唯一住房，实测建筑面积140.00㎡（140㎡及以下）"},
		{"住宅", presale.FirstHome, "144.20", "1.5%", "住宅，家庭唯一住房，实测建筑面积144.20㎡（140㎡以上）"},
		{"住宅", presale.SecondHome, "144.20", "2%", "住宅，家庭第二套住房，实测建筑面积144.20㎡（140㎡以上）"},
		{"住宅", presale.MoreHomes, "89.56", "3%", "住宅，家庭第三套及以上住房，按本辖区税率"},
		{"商业", presale.FirstHome, "89.56", "3%", "非住宅（商业），不适用住房优惠税率，按本辖区税率"},
	}
	for _, tt := range tests {
		a := Assess(d("100"), d(tt.area), tt.purpose, tt.home, d("0.03"))
		if got := a.Label(); got != tt.label {
			t.Errorf("%s %s %s: label got %q, want %q", tt.purpose, tt.home, tt.area, got, tt.label)
		}
		if got := a.Reason(); got != tt.reason {
			t.Errorf("%s %s %s: reason got %q, want %q", tt.purpose, tt.home, tt.area, got, tt.reason)
		}
	}
}

// The stated rule is the one the calculation applies: 140 m², the rates
// of the table as percentages, the jurisdiction's rate for the rest, and
// every use other than 住宅 named.
func TestRuleStatesTheAppliedRule(t *testing.T) {
	d := decimal.RequireFromString
	got := Rule(d("0.03"))
	want := "个人购买住宅：家庭唯一住房140㎡及以下1%、140㎡以上1.5%，家庭第二套住房140㎡及以下1%、140㎡以上2%（按实测建筑面积）；" +
		"家庭第三套及以上住房，以及用途为商业、办公、车库、储藏、其他的非住宅（不论家庭住房情况），按本辖区税率3%。依据" + Basis + "。"
	if got != want {
		t.Errorf("rule:\n got %s\nwant %s", got, want)
	}
	if strings.Contains(got, "90㎡") || strings.Contains(got, "0.015") {
		t.Errorf("rule states another limit or a raw rate: %s", got)
	}
	if !slices.Contains(ledger.Purposes, Housing) {
		t.Errorf("the housing use %q is not a ledger use %v", Housing, ledger.Purposes)
	}
	if got := Percent(d("0.030")); got != "3%" {
		t.Errorf("Percent(0.030): got %q, want 3%%", got)
	}
}

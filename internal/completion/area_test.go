package completion

import (
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"handover/internal/ledger"
	"handover/internal/presale"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// areas builds an area set with 建筑 = 套内 + 分摊.
func areas(total, inner string) ledger.Areas {
	return ledger.Areas{Total: d(total), Inner: d(inner), Shared: d(total).Sub(d(inner))}
}

// Cases at and around every boundary: forecast 100 m² (套内 80 m²) at
// 10,000 元/m², total 1,000,000 元.
func TestReconcileBoundaries(t *testing.T) {
	tests := []struct {
		name            string
		basis           presale.PriceBasis
		measured        ledger.Areas
		within, rescind bool
		pays, bears     string
		refund, double  string
		net             string
		crosses140      bool
	}{
		{"equal", presale.ByGross, areas("100", "80"), true, false, "0", "0", "0", "0", "0", false},
		{"+1 %", presale.ByGross, areas("101", "80.8"), true, false, "10000", "0", "0", "0", "10000", false},
		{"+3 % exactly (inclusive)", presale.ByGross, areas("103", "82.4"), true, false, "30000", "0", "0", "0", "30000", false},
		{"+3.01 %", presale.ByGross, areas("103.01", "82.4"), false, true, "30000", "100", "0", "0", "30000", false},
		{"+5 %", presale.ByGross, areas("105", "84"), false, true, "30000", "20000", "0", "0", "30000", false},
		{"−3 % exactly", presale.ByGross, areas("97", "77.6"), true, false, "0", "0", "30000", "0", "-30000", false},
		{"−3.01 %: the 0.01 m² beyond is refunded double", presale.ByGross, areas("96.99", "77.6"), false, true, "0", "0", "30000", "200", "-30200", false},
		{"−5 %", presale.ByGross, areas("95", "76"), false, true, "0", "0", "30000", "40000", "-70000", false},
		{"gross within, 套内 beyond: settle at measured, may rescind", presale.ByGross, areas("102", "77"), false, true, "20000", "0", "0", "0", "20000", false},
		{"gross beyond, 套内 within", presale.ByGross, areas("104", "80"), false, true, "30000", "10000", "0", "0", "30000", false},
		{"per 套内: only 套内 counts (+2.5 %)", presale.ByInner, areas("110", "82"), true, false, "20000", "0", "0", "0", "20000", false},
		{"per 套内 −3.75 %", presale.ByInner, areas("100", "77"), false, true, "0", "0", "24000", "12000", "-36000", false},
		{"per unit: nothing settled", presale.ByUnit, areas("105", "84"), false, true, "0", "0", "0", "0", "0", false},
	}
	forecast := areas("100", "80")
	for _, tt := range tests {
		s := Reconcile(tt.basis, d("10000"), d("1000000"), forecast, tt.measured)
		got := []string{s.BuyerPays.String(), s.DeveloperBears.String(), s.Refund.String(), s.DoubleRefund.String(), s.Net.String()}
		want := []string{tt.pays, tt.bears, tt.refund, tt.double, tt.net}
		for i := range got {
			if !d(got[i]).Equal(d(want[i])) {
				t.Errorf("%s: got pays/bears/refund/double/net %v, want %v", tt.name, got, want)
				break
			}
		}
		if s.Within != tt.within || s.MayRescind != tt.rescind || s.Crosses140 != tt.crosses140 {
			t.Errorf("%s: got within=%v rescind=%v 140=%v, want %v %v %v", tt.name, s.Within, s.MayRescind, s.Crosses140, tt.within, tt.rescind, tt.crosses140)
		}
		if !s.NewTotal.Equal(d("1000000").Add(s.Net)) {
			t.Errorf("%s: new total %s", tt.name, s.NewTotal)
		}
	}
}

func TestCrosses140(t *testing.T) {
	tests := []struct {
		forecast, measured string
		want               bool
	}{
		{"139.50", "140.01", true},
		{"140.00", "140.01", true},
		{"139.50", "140.00", false},
		{"140.01", "141.00", false},
		{"141.00", "139.00", false},
	}
	for _, tt := range tests {
		s := Reconcile(presale.ByGross, d("8000"), d("1"), areas(tt.forecast, "100"), areas(tt.measured, "100"))
		if s.Crosses140 != tt.want {
			t.Errorf("%s → %s: got %v, want %v", tt.forecast, tt.measured, s.Crosses140, tt.want)
		}
	}
}

func TestRatio(t *testing.T) {
	if r := Ratio(d("89.56"), d("92.25")); !r.Equal(d("0.030036")) {
		t.Errorf("ratio 89.56 → 92.25: got %s, want 0.030036", r)
	}
	if r := Ratio(decimal.Zero, d("1")); !r.IsZero() {
		t.Errorf("ratio of a zero forecast: got %s", r)
	}
}

// Properties, priced per 建筑面积 with 套内 kept in proportion:
//   - the settlement has no jump as the measured area moves by 0.01 m²
//     (it is continuous; only the rescission right switches at ±3 %);
//   - a decrease beyond the band is refunded exactly double;
//   - an increase never costs the buyer more than 3 % of the forecast.
func TestSettlementProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		fc := rapid.Int64Range(3000, 30000).Draw(t, "forecast_cm2") // 30.00–300.00 m²
		price := decimal.New(rapid.Int64Range(100000, 3000000).Draw(t, "price_fen"), -2)
		mc := rapid.Int64Range(fc*85/100, fc*115/100).Draw(t, "measured_cm2")
		forecast := ledger.Areas{Total: decimal.New(fc, -2), Inner: decimal.New(fc, -2)}
		at := func(c int64) Settlement {
			m := ledger.Areas{Total: decimal.New(c, -2), Inner: decimal.New(c, -2)}
			return Reconcile(presale.ByGross, price, forecast.Total.Mul(price), forecast, m)
		}
		s, next := at(mc), at(mc+1)
		step := price.Mul(decimal.New(1, -2)).Mul(decimal.NewFromInt(2)) // at most double the price of 0.01 m²
		if jump := next.Net.Sub(s.Net).Abs(); jump.GreaterThan(step.Add(decimal.New(2, -2))) {
			t.Fatalf("settlement jumps by %s between %d and %d cm² (price %s)", jump, mc, mc+1, price)
		}
		limit := forecast.Total.Mul(Band)
		if beyond := s.Delta.Neg().Sub(limit); s.Delta.IsNegative() && beyond.IsPositive() {
			if want := beyond.Mul(price).Mul(decimal.NewFromInt(2)).Round(2); !s.DoubleRefund.Equal(want) {
				t.Fatalf("double refund %s, want 2 × %s m² × %s = %s", s.DoubleRefund, beyond, price, want)
			}
		}
		if s.BuyerPays.GreaterThan(limit.Mul(price).Round(2)) {
			t.Fatalf("buyer pays %s beyond the 3 %% cap %s", s.BuyerPays, limit.Mul(price))
		}
		if s.MayRescind == s.Within {
			t.Fatalf("within=%v and may rescind=%v", s.Within, s.MayRescind)
		}
	})
}

// The breach quotes the ratio that is beyond ±3 %, with its own value: a
// 套内 breach is quoted with the 套内 ratio, never with a 建筑面积 ratio that
// is within the band. Forecast 100 m² (套内 80 m²).
func TestBreachQuotesTheRatioBeyond(t *testing.T) {
	tests := []struct {
		name     string
		basis    presale.PriceBasis
		forecast ledger.Areas
		measured ledger.Areas
		want     string
	}{
		{"within", presale.ByGross, areas("100", "80"), areas("103", "82.4"), ""},
		{"per 建筑面积, 套内 beyond, gross +2 %", presale.ByGross, areas("100", "80"), areas("102", "77"), "套内建筑面积误差比-3.75%超出±3%"},
		{"per 建筑面积, gross beyond", presale.ByGross, areas("100", "80"), areas("104", "80"), "建筑面积误差比4.00%超出±3%"},
		{"per 建筑面积, both beyond", presale.ByGross, areas("100", "80"), areas("105", "84"), "建筑面积误差比5.00%、套内建筑面积误差比5.00%超出±3%"},
		{"per 套内", presale.ByInner, areas("100", "80"), areas("100", "77"), "套内建筑面积误差比-3.75%超出±3%"},
		{"per 套内, gross beyond but 套内 within", presale.ByInner, areas("100", "80"), areas("110", "82"), ""},
		{"per 套: the gross ratio decides", presale.ByUnit, areas("100", "80"), areas("105", "84"), "建筑面积误差比5.00%超出±3%"},
		{"per 套: a 套内 difference alone is no breach", presale.ByUnit, areas("100", "80"), areas("100", "77"), ""},
		// 3.001 %: two decimals would read 3.00 %, which is not beyond.
		{"just beyond reads beyond", presale.ByGross, areas("1000", "800"), areas("1030.01", "800"), "建筑面积误差比3.001%超出±3%"},
		{"just beyond, decrease", presale.ByGross, areas("1000", "800"), areas("969.99", "800"), "建筑面积误差比-3.001%超出±3%"},
	}
	for _, tt := range tests {
		s := Reconcile(tt.basis, d("10000"), d("1000000"), tt.forecast, tt.measured)
		if s.Breach != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, s.Breach, tt.want)
		}
		if (s.Breach != "") != s.MayRescind {
			t.Errorf("%s: breach %q with may rescind %v", tt.name, s.Breach, s.MayRescind)
		}
	}
}

// The totals of a project are the sums of its contracts' figures; the
// refund total includes the double refund (the card once showed the
// single refund alone under the title "including the double refund").
func TestTotals(t *testing.T) {
	forecast := areas("100", "80")
	var tot Totals
	var sum []Settlement
	for _, m := range []ledger.Areas{areas("95", "76"), areas("98", "78.4"), areas("101", "80.8"), areas("104", "80")} {
		s := Reconcile(presale.ByGross, d("10000"), d("1000000"), forecast, m)
		tot.Add(s)
		sum = append(sum, s)
	}
	refund, double := decimal.Zero, decimal.Zero
	for _, s := range sum {
		refund, double = refund.Add(s.Refund), double.Add(s.DoubleRefund)
	}
	if !tot.Refund.Equal(refund) || !tot.DoubleRefund.Equal(double) || !tot.Refunded().Equal(refund.Add(double)) {
		t.Errorf("refunds: got %s + %s = %s, want %s + %s", tot.Refund, tot.DoubleRefund, tot.Refunded(), refund, double)
	}
	// −5 %: 30,000 once + 40,000 double; −2 %: 20,000.
	if !tot.Refunded().Equal(d("90000")) || !tot.DoubleRefund.Equal(d("40000")) {
		t.Errorf("refunded %s (double %s), want 90000 (double 40000)", tot.Refunded(), tot.DoubleRefund)
	}
	if tot.Contracts != 4 || tot.Beyond != 2 || !tot.BuyerPays.Equal(d("40000")) || !tot.DeveloperBears.Equal(d("10000")) || !tot.Net.Equal(d("-50000")) {
		t.Errorf("totals %+v", tot)
	}
	if r := sum[0].Refunded(); !r.Equal(d("70000")) {
		t.Errorf("refunded of −5 %%: got %s, want 70000", r)
	}
}

// Package completion is what happens between the end of construction and
// the completion filing (docs/domain.md §5.6–5.9): the survey results of 多测合一,
// the area reconciliation of every contract (期转现), the joint acceptance
// by the departments, the fees settled before filing (核实核算), the
// completion filing that starts the 20-working-day clock, and the
// commitments moved after it (告知承诺制).
package completion

import (
	"strings"

	"github.com/shopspring/decimal"

	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/tax"
)

// Band is the area-difference band of 合同第十三条: 3 %, inclusive.
var Band = decimal.New(3, -2)

// Limit140 is the floor area at which the deed tax rate changes (契税,
// docs/domain.md §5.12): a unit sold at ≤ 140 m² and measured above it is flagged.
// It is the tax package's limit, so the flag and the rate cannot disagree.
var Limit140 = tax.Limit

// Settlement is the area reconciliation of one contract (GF-2014-0171 第十三条,
// docs/domain.md §5.6). Money is in yuan, each part rounded to the fen; the
// parts are non-negative and Net is their signed sum.
type Settlement struct {
	Basis          presale.PriceBasis
	GrossRatio     decimal.Decimal // (measured − forecast) / forecast of 建筑面积, to 6 places
	InnerRatio     decimal.Decimal // the same for 套内建筑面积
	Within         bool            // every ratio that matters is within ±3 % (inclusive)
	MayRescind     bool            // a ratio that matters is beyond ±3 %: the buyer may rescind
	Delta          decimal.Decimal // measured − forecast of the priced area, m²
	BuyerPays      decimal.Decimal // the increase within the band, at the unit price
	DeveloperBears decimal.Decimal // the increase beyond the band: the buyer keeps it free
	Refund         decimal.Decimal // the decrease within the band, at the unit price
	DoubleRefund   decimal.Decimal // the decrease beyond the band, refunded double
	Net            decimal.Decimal // BuyerPays − Refund − DoubleRefund: > 0 the buyer pays
	NewTotal       decimal.Decimal // the contract price after settlement
	Crosses140     bool            // forecast 建筑面积 ≤ 140 m² and measured > 140 m²
	// Breach says why the buyer may rescind, quoting each ratio that counts
	// for the basis and is beyond ±3 % with its own value, e.g.
	// "套内建筑面积误差比-3.75%超出±3%"; "" when within the band.
	Breach string
}

// Ratio is (measured − forecast) / forecast, to 6 decimal places (for
// display; the band test is exact, see within).
func Ratio(forecast, measured decimal.Decimal) decimal.Decimal {
	if !forecast.IsPositive() {
		return decimal.Zero
	}
	return measured.Sub(forecast).DivRound(forecast, 6)
}

// percent writes (measured − forecast) / forecast as a percentage to two
// decimals, or to more when two would round a ratio beyond the band onto
// ±3.00 %: a breach never reads as 3.00 %.
func percent(forecast, measured decimal.Decimal) string {
	if !forecast.IsPositive() {
		return "（无预测面积）"
	}
	d := measured.Sub(forecast).Shift(2)
	limit := Band.Shift(2)
	for places := int32(2); ; places++ {
		p := d.DivRound(forecast, places)
		if within(forecast, measured) || p.Abs().GreaterThan(limit) || places == 10 {
			return p.StringFixed(places) + "%"
		}
	}
}

// breach quotes the ratios beyond the band among those that count.
func breach(gross, inner bool, forecast, measured ledger.Areas) string {
	var parts []string
	if gross && !within(forecast.Total, measured.Total) {
		parts = append(parts, "建筑面积误差比"+percent(forecast.Total, measured.Total))
	}
	if inner && !within(forecast.Inner, measured.Inner) {
		parts = append(parts, "套内建筑面积误差比"+percent(forecast.Inner, measured.Inner))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "、") + "超出±3%"
}

// within reports |measured − forecast| ≤ 3 % × forecast, exactly.
func within(forecast, measured decimal.Decimal) bool {
	return measured.Sub(forecast).Abs().LessThanOrEqual(forecast.Mul(Band))
}

// Reconcile settles the difference between the forecast areas the
// contract priced and the measured areas of the accepted survey.
//
// Priced per 建筑面积: within the band when both the 建筑面积 and the 套内
// ratios are within ±3 %; the money follows the 建筑面积 difference. Priced
// per 套内建筑面积: the 套内 ratio alone decides and prices. Beyond the band
// the buyer may rescind; a buyer who keeps the flat pays an increase only
// up to 3 % of the forecast area (the developer bears the rest) and is
// refunded a decrease up to 3 % once and beyond 3 % double. Priced per unit
// (按套计价) nothing is settled; the ratio is shown and the rescission right
// follows the 建筑面积 ratio.
func Reconcile(basis presale.PriceBasis, unitPrice, total decimal.Decimal, forecast, measured ledger.Areas) Settlement {
	s := Settlement{Basis: basis, GrossRatio: Ratio(forecast.Total, measured.Total), InnerRatio: Ratio(forecast.Inner, measured.Inner),
		Crosses140: forecast.Total.LessThanOrEqual(Limit140) && measured.Total.GreaterThan(Limit140)}
	grossOK, innerOK := within(forecast.Total, measured.Total), within(forecast.Inner, measured.Inner)
	var f, m decimal.Decimal
	switch basis {
	case presale.ByInner:
		s.Within = innerOK
		f, m = forecast.Inner, measured.Inner
	case presale.ByUnit:
		s.Within = grossOK
		s.MayRescind = !grossOK
		s.Breach = breach(true, false, forecast, measured)
		s.Delta = measured.Total.Sub(forecast.Total)
		s.Net, s.NewTotal = decimal.Zero, total
		return s
	default:
		s.Within = grossOK && innerOK
		f, m = forecast.Total, measured.Total
	}
	s.MayRescind = !s.Within
	s.Breach = breach(basis != presale.ByInner, true, forecast, measured)
	s.Delta = m.Sub(f)
	limit := f.Mul(Band) // the area the band allows
	switch {
	case s.Delta.IsPositive():
		in := decimal.Min(s.Delta, limit)
		s.BuyerPays = in.Mul(unitPrice).Round(2)
		s.DeveloperBears = s.Delta.Sub(in).Mul(unitPrice).Round(2)
	case s.Delta.IsNegative():
		d := s.Delta.Neg()
		in := decimal.Min(d, limit)
		s.Refund = in.Mul(unitPrice).Round(2)
		s.DoubleRefund = d.Sub(in).Mul(unitPrice).Mul(decimal.NewFromInt(2)).Round(2)
	}
	s.Net = s.BuyerPays.Sub(s.Refund).Sub(s.DoubleRefund)
	s.NewTotal = total.Add(s.Net)
	return s
}

// Refunded is all the developer returns to the buyer: the decrease within
// the band once and beyond it double.
func (s Settlement) Refunded() decimal.Decimal { return s.Refund.Add(s.DoubleRefund) }

// Totals sums the settlements of a project's contracts. The reconciliation
// page's figures and the workbook's total row are read from it, so they are
// the sums of the per-contract figures the API returns.
type Totals struct {
	Contracts      int
	Beyond         int // contracts beyond ±3 %: the buyer may rescind
	Crossing       int // forecast ≤ 140 m², measured > 140 m²
	BuyerPays      decimal.Decimal
	DeveloperBears decimal.Decimal
	Refund         decimal.Decimal // within the band, refunded once
	DoubleRefund   decimal.Decimal // beyond the band, refunded double
	Net            decimal.Decimal
}

// Add counts one contract's settlement.
func (t *Totals) Add(s Settlement) {
	t.Contracts++
	if s.MayRescind {
		t.Beyond++
	}
	if s.Crosses140 {
		t.Crossing++
	}
	t.BuyerPays = t.BuyerPays.Add(s.BuyerPays)
	t.DeveloperBears = t.DeveloperBears.Add(s.DeveloperBears)
	t.Refund = t.Refund.Add(s.Refund)
	t.DoubleRefund = t.DoubleRefund.Add(s.DoubleRefund)
	t.Net = t.Net.Add(s.Net)
}

// Refunded is all the developer returns, the double refund included: the
// sum of every contract's refund and double refund.
func (t Totals) Refunded() decimal.Decimal { return t.Refund.Add(t.DoubleRefund) }

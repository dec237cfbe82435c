// Package tax is the deed tax (契税) the buyer of a new flat pays before
// the transfer is registered (契税法 第十一条: no tax, no registration).
package tax

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/presale"
	"handover/internal/problem"
)

// Limit is the floor area that separates the reduced rates.
var Limit = decimal.NewFromInt(140)

// SettingProvincialRate is the jurisdiction setting of the rate for a
// third or further home (the province's 契税适用税率); 新疆: 3 %.
const (
	SettingProvincialRate = "tax.deed_rate"
	DefaultProvincialRate = "0.03"
)

// PolicyStart is when the current preferential rates apply (财政部 税务总局
// 住房城乡建设部公告2024年第16号, from 2024-12-01).
var PolicyStart = time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)

// Rate is the deed tax rate of an individual buying a home (DOMAIN.md
// §5.12): the family's only home ≤ 140 m² 1 %, > 140 m² 1.5 %; a second home
// 1 % / 2 %; otherwise the provincial rate. The area is the measured
// 建筑面积 (the one registered).
func Rate(home presale.HomeCount, area, provincial decimal.Decimal) decimal.Decimal {
	small := area.LessThanOrEqual(Limit)
	switch home {
	case presale.FirstHome:
		if small {
			return decimal.RequireFromString("0.01")
		}
		return decimal.RequireFromString("0.015")
	case presale.SecondHome:
		if small {
			return decimal.RequireFromString("0.01")
		}
		return decimal.RequireFromString("0.02")
	}
	return provincial
}

// Assessment is the deed tax of one purchase.
type Assessment struct {
	ID         int64
	ContractID int64
	UnitID     int64
	Base       decimal.Decimal // 计税依据: the price paid, after the area settlement
	Area       decimal.Decimal // measured 建筑面积
	Home       presale.HomeCount
	Rate       decimal.Decimal
	Amount     decimal.Decimal
	AssessedAt time.Time
	PaidAt     time.Time
	Voucher    string // 完税凭证号
	Source     string // api (税收征管系统) or staff
}

// Paid reports whether the tax bureau has confirmed payment.
func (a Assessment) Paid() bool { return !a.PaidAt.IsZero() }

// Assess computes the tax: base × rate, to the fen.
func Assess(base, area decimal.Decimal, home presale.HomeCount, provincial decimal.Decimal) Assessment {
	rate := Rate(home, area, provincial)
	return Assessment{Base: base, Area: area, Home: home, Rate: rate, Amount: base.Mul(rate).Round(2)}
}

// ParseRate reads the provincial rate setting ("" for 3 %).
func ParseRate(s string) (decimal.Decimal, error) {
	if strings.TrimSpace(s) == "" {
		s = DefaultProvincialRate
	}
	r, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil || !r.IsPositive() || r.GreaterThan(decimal.RequireFromString("0.05")) {
		return decimal.Zero, problem.Newf(problem.Invalid, "tax.deed_rate", "契税税率应在0到5%%之间，实为“%s”", s)
	}
	return r, nil
}

// Pay records the payment the tax bureau reports, once.
// A repeat of the same payment (the same voucher: the tax bureau's system
// sending its message again) changes nothing and is not an error; another
// voucher for a paid assessment is a conflict. It reports whether the
// assessment changed.
func (a *Assessment) Pay(voucher, source string, at time.Time) (bool, error) {
	voucher = strings.TrimSpace(voucher)
	if voucher == "" {
		return false, &problem.Error{Kind: problem.Invalid, Code: "tax.voucher", Message: "请填写完税凭证号", Fields: map[string]string{"voucher": "请填写完税凭证号"}}
	}
	if a.Paid() {
		if voucher == a.Voucher {
			return false, nil
		}
		return false, problem.New(problem.Conflict, "tax.paid", "该契税已以另一完税凭证缴纳")
	}
	a.Voucher, a.Source, a.PaidAt = voucher, source, at
	return true, nil
}

// Label describes the rate for pages, e.g. "1%".
func (a Assessment) Label() string { return a.Rate.Shift(2).String() + "%" }

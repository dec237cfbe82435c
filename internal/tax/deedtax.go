// Package tax is the deed tax (契税) the buyer of a new flat pays before
// the transfer is registered (契税法 第十一条: no tax, no registration).
//
// The rule lives here alone: Rate decides the rate, Reason says which part
// of the rule applied to one purchase, and Rule states the whole rule for
// pages and the API, all from the one table below, so that what the
// platform says and what it charges cannot differ.
package tax

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"golang.org/x/text/width"

	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/problem"
)

// Limit is the floor area that separates the reduced rates.
var Limit = decimal.NewFromInt(140)

// Housing is the unit use (ledger.Unit.Purpose) the reduced rates are for.
// Every other use (商业, 办公, 车库, 储藏, 其他) is taxed at the provincial
// rate whatever the household declared: the preferential rates are for a
// family's home, not for any property it buys.
const Housing = "住宅"

// SettingProvincialRate is the jurisdiction setting of the rate for a
// third or further home (the province's 契税适用税率); 新疆: 3 %.
const (
	SettingProvincialRate = "tax.deed_rate"
	DefaultProvincialRate = "0.03"
)

// PolicyStart is when the current preferential rates apply (财政部 税务总局
// 住房城乡建设部公告2024年第16号, from 2024-12-01).
var PolicyStart = time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)

// Basis is the legal basis of the reduced rates, quoted with the rule.
const Basis = "《财政部 税务总局 住房城乡建设部关于促进房地产市场平稳健康发展有关税收政策的公告》（2024年第16号）"

// reduced is one household's reduced rates: at most Limit m² and above it.
type reduced struct {
	home         presale.HomeCount
	label        string // as the rule names the household
	small, large decimal.Decimal
}

// reducedRates is the table of docs/domain.md §5.12 for individuals since
// 2024-12-01. A home count not listed pays the provincial rate.
var reducedRates = []reduced{
	{presale.FirstHome, "家庭唯一住房", decimal.New(1, -2), decimal.New(15, -3)},
	{presale.SecondHome, "家庭第二套住房", decimal.New(1, -2), decimal.New(2, -2)},
}

// Rate is the deed tax rate of an individual buying a unit (docs/domain.md
// §5.12): a 住宅 that is the family's only home ≤ 140 m² 1 %, > 140 m²
// 1.5 %; a second home 1 % / 2 %; anything else — a third home, or a unit
// of any other use whatever the household declared — the provincial rate.
// The area is the measured 建筑面积 (the one registered).
func Rate(purpose string, home presale.HomeCount, area, provincial decimal.Decimal) decimal.Decimal {
	rate, _ := decide(purpose, home, area, provincial)
	return rate
}

// Reason says which part of the rule applies to a purchase, e.g.
// "住宅，家庭唯一住房，实测建筑面积144.20㎡（140㎡以上）" or "非住宅（商业），按本辖区税率".
// It does not repeat the rate, which is shown beside it.
func Reason(purpose string, home presale.HomeCount, area decimal.Decimal) string {
	_, why := decide(purpose, home, area, decimal.Zero)
	return why
}

// decide is the rule: the rate and the reason, from one decision.
func decide(purpose string, home presale.HomeCount, area, provincial decimal.Decimal) (decimal.Decimal, string) {
	if purpose != Housing {
		use := purpose
		if use == "" {
			use = "用途未登记"
		}
		return provincial, "非住宅（" + use + "），不适用住房优惠税率，按本辖区税率"
	}
	for _, r := range reducedRates {
		if r.home != home {
			continue
		}
		if area.LessThanOrEqual(Limit) {
			return r.small, fmt.Sprintf("住宅，%s，实测建筑面积%s㎡（%s㎡及以下）", r.label, area.StringFixed(2), Limit)
		}
		return r.large, fmt.Sprintf("住宅，%s，实测建筑面积%s㎡（%s㎡以上）", r.label, area.StringFixed(2), Limit)
	}
	return provincial, "住宅，" + home.Label() + "，按本辖区税率"
}

// Rule states the whole rule with the jurisdiction's provincial rate, for
// the deed-tax page and the API.
func Rule(provincial decimal.Decimal) string {
	var homes, others []string
	for _, r := range reducedRates {
		homes = append(homes, fmt.Sprintf("%s%s㎡及以下%s、%s㎡以上%s", r.label, Limit, Percent(r.small), Limit, Percent(r.large)))
	}
	for _, p := range ledger.Purposes {
		if p != Housing {
			others = append(others, p)
		}
	}
	return fmt.Sprintf("个人购买%s：%s（按实测建筑面积）；家庭第三套及以上住房，以及用途为%s的非住宅（不论家庭住房情况），按本辖区税率%s。依据%s。",
		Housing, strings.Join(homes, "，"), strings.Join(others, "、"), Percent(provincial), Basis)
}

// Percent writes a rate as a percentage: 0.015 → "1.5%".
func Percent(rate decimal.Decimal) string { return rate.Shift(2).String() + "%" }

// Assessment is the deed tax of one purchase.
type Assessment struct {
	ID         int64
	ContractID int64
	UnitID     int64
	Purpose    string          // the unit's use (ledger.Unit.Purpose)
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
func Assess(base, area decimal.Decimal, purpose string, home presale.HomeCount, provincial decimal.Decimal) Assessment {
	rate := Rate(purpose, home, area, provincial)
	return Assessment{Purpose: purpose, Base: base, Area: area, Home: home, Rate: rate, Amount: base.Mul(rate).Round(2)}
}

// ParseRate reads the provincial rate setting ("" for 3 %): the province
// sets it within the statutory range of 3 % to 5 % (《契税法》第三条).
func ParseRate(s string) (decimal.Decimal, error) {
	if strings.TrimSpace(s) == "" {
		s = DefaultProvincialRate
	}
	r, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil || r.LessThan(decimal.RequireFromString("0.03")) || r.GreaterThan(decimal.RequireFromString("0.05")) {
		return decimal.Zero, problem.Newf(problem.Invalid, "tax.deed_rate", "契税税率应在3%%到5%%之间（《契税法》第三条），实为“%s”", s)
	}
	return r, nil
}

// Pay records the payment the tax bureau reports, once.
// A repeat of the same payment (the same voucher: the tax bureau's system
// sending its message again) changes nothing and is not an error; another
// voucher for a paid assessment is a conflict. It reports whether the
// assessment changed.
func (a *Assessment) Pay(voucher, source string, at time.Time) (bool, error) {
	voucher = NormalVoucher(voucher)
	if err := CheckVoucher(voucher); err != nil {
		return false, err
	}
	if a.Paid() {
		// Compared as kept now: a payment recorded before vouchers were
		// kept normal is the same payment when it is sent again.
		if voucher == NormalVoucher(a.Voucher) {
			return false, nil
		}
		return false, problem.New(problem.Conflict, "tax.paid", "该契税已以另一完税凭证缴纳")
	}
	a.Voucher, a.Source, a.PaidAt = voucher, source, at
	return true, nil
}

// voucherBasis is why the registration office looks at the voucher at all.
const voucherBasis = "《契税法》第十一条：纳税人办理土地、房屋权属登记，不动产登记机构应当查验契税完税凭证"

// NormalVoucher is a 完税凭证号 as the platform keeps and compares it:
// trimmed, full-width letters and digits (typed with a Chinese input
// method) made half-width, and letters upper case, so that one voucher
// typed two ways is still one voucher.
func NormalVoucher(voucher string) string {
	return strings.ToUpper(width.Narrow.String(strings.TrimSpace(voucher)))
}

// CheckVoucher checks a 完税凭证号 (NormalVoucher) as every path gives it — the
// page, the API, the payments workbook: present, plain text, and within
// MaxVoucher characters. The code is tax.voucher for each.
func CheckVoucher(voucher string) error {
	bad := func(msg string) error {
		return &problem.Error{Kind: problem.Invalid, Code: "tax.voucher", Message: msg, Fields: map[string]string{"voucher": msg}}
	}
	if voucher == "" {
		return bad("请填写完税凭证号")
	}
	if err := problem.CheckText("完税凭证号", voucher); err != nil {
		return bad(problem.As(err).Message)
	}
	if n := utf8.RuneCountInString(voucher); n > MaxVoucher {
		return bad(fmt.Sprintf("完税凭证号过长（%d字，最多%d字）", n, MaxVoucher))
	}
	return nil
}

// VoucherUsed refuses a voucher that already proves the deed tax of
// another contract (its number): one 完税凭证 is the tax of one purchase,
// and a registration relying on it for a second flat would register that
// flat untaxed.
func VoucherUsed(voucher, contract string) error {
	other := "合同" + contract
	return &problem.Error{Kind: problem.Conflict, Code: "tax.voucher_used", Message: fmt.Sprintf("未登记完税：完税凭证号“%s”已用于%s", voucher, other),
		Fields: map[string]string{"voucher": "已用于" + other},
		Reasons: []problem.Reason{{Rule: "tax.voucher.once", Subject: voucher, Basis: voucherBasis,
			Message: fmt.Sprintf("一张完税凭证只对应一份合同的契税：该凭证已证明%s的契税，不能再用于本合同", other),
			Fixer:   "税务部门（核对该合同的完税凭证号后重新推送）或登记机构窗口（核对录入的凭证号）"}}}
}

// Label describes the rate for pages, e.g. "1.5%".
func (a Assessment) Label() string { return Percent(a.Rate) }

// Reason says which part of the rule gave this assessment its rate.
func (a Assessment) Reason() string { return Reason(a.Purpose, a.Home, a.Area) }

package completion

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/ledger"
	"handover/internal/measure"
	"handover/internal/problem"
)

// ItemKind is a fee or payment settled before the completion filing (核实核算).
type ItemKind string

const (
	LandPremium    ItemKind = "land_premium"   // 土地价款 (出让价款)
	LandTopUp      ItemKind = "land_topup"     // 土地出让价款补缴 (补充协议)
	Infrastructure ItemKind = "infrastructure" // 城市基础设施配套费
	SoilWater      ItemKind = "soil_water"     // 水土保持补偿费
	CivilDefence   ItemKind = "civil_defence"  // 人防易地建设费
	Maintenance    ItemKind = "maintenance"    // 住宅专项维修资金 (per unit)
)

// ItemKinds lists the kinds in display order.
var ItemKinds = []ItemKind{LandPremium, LandTopUp, Infrastructure, SoilWater, CivilDefence, Maintenance}

// Label is the kind in Chinese.
func (k ItemKind) Label() string {
	switch k {
	case LandPremium:
		return "土地价款"
	case LandTopUp:
		return "土地出让价款补缴"
	case Infrastructure:
		return "城市基础设施配套费"
	case SoilWater:
		return "水土保持补偿费"
	case CivilDefence:
		return "人防易地建设费"
	case Maintenance:
		return "住宅专项维修资金"
	}
	return string(k)
}

// Basis is the legal or policy basis of the kind.
func (k ItemKind) Basis() string {
	switch k {
	case LandPremium, LandTopUp:
		return "《城市房地产管理法》第十六条、第十八条；国有建设用地使用权出让合同及补充协议"
	case Infrastructure:
		return "城市基础设施配套费征收管理规定（本地）"
	case SoilWater:
		return "《水土保持法》第三十二条；《水土保持补偿费征收使用管理办法》"
	case CivilDefence:
		return "《人民防空法》第二十二条；防空地下室易地建设费收费规定"
	case Maintenance:
		return "《住宅专项维修资金管理办法》第十二条、第十三条"
	}
	return ""
}

// Settings of accounting, per jurisdiction.
const (
	SettingBlocking        = "accounting.blocking" // kinds that block the completion filing
	SettingMaintenanceRate = "maintenance.rate"    // 元 per m² of measured 建筑面积
	// DefaultMaintenanceRate is 6 % of a local construction cost of about
	// 2,000 元/m² (docs/domain.md §5.8: 5–8 %), until the jurisdiction sets its own.
	DefaultMaintenanceRate = "120"
)

// DefaultBlocking: every project-level item blocks the filing; the
// maintenance fund blocks the handover of its unit instead.
func DefaultBlocking() []ItemKind {
	return []ItemKind{LandPremium, LandTopUp, Infrastructure, SoilWater, CivilDefence}
}

// ParseBlocking reads the blocking setting ("" for the default).
func ParseBlocking(s string) ([]ItemKind, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultBlocking(), nil
	}
	var out []ItemKind
	for _, k := range strings.Split(s, ",") {
		kind := ItemKind(strings.TrimSpace(k))
		if !slices.Contains(ItemKinds, kind) || kind == Maintenance {
			return nil, problem.Newf(problem.Invalid, "accounting.blocking", "“%s”不是可阻止竣工备案的核算项目", k)
		}
		out = append(out, kind)
	}
	return out, nil
}

// ParseRate reads the maintenance fund rate, 元/m².
func ParseRate(s string) (decimal.Decimal, error) {
	if strings.TrimSpace(s) == "" {
		s = DefaultMaintenanceRate
	}
	r, err := measure.Parse(s, "维修资金交存标准")
	if err != nil || !r.IsPositive() || r.GreaterThan(decimal.NewFromInt(1000)) {
		return decimal.Zero, problem.Newf(problem.Invalid, "maintenance.rate", "维修资金交存标准应为0–1000元/平方米，实为“%s”", s)
	}
	return r, nil
}

// MaintenanceDue is a unit's maintenance fund: its measured 建筑面积 ×
// the rate, to the fen.
func MaintenanceDue(area, rate decimal.Decimal) decimal.Decimal { return area.Mul(rate).Round(2) }

// AccountingPlan is a project's accounting list as PlanAccounting sets it
// out.
type AccountingPlan struct {
	Project []Item          // the project's fees (UnitID 0): created when missing, never changed here
	Units   []Item          // each measured unit's maintenance fund: created, or following a corrected area until cleared
	Rate    decimal.Decimal // the maintenance fund rate applied, 元/m²
}

// PlanAccounting sets out a project's accounting list: the land price from
// the parcels (due and paid summed, the grant contracts as evidence), a
// land top-up when topUp says why one is needed (LandCheck), the
// infrastructure, soil and water and civil defence fees to be assessed,
// and the maintenance fund of every unit with a measured area — the flats
// and the shops of the compound alike (《住宅专项维修资金管理办法》第二条) —
// at the jurisdiction's rate setting ("" for the default).
func PlanAccounting(parcels []ledger.Parcel, topUp string, units []ledger.Unit, rate string) (AccountingPlan, error) {
	r, err := ParseRate(rate)
	if err != nil {
		return AccountingPlan{}, err
	}
	premium := Item{Kind: LandPremium, Due: decimal.Zero, Paid: decimal.Zero, Note: "出让合同"}
	var grants []string
	for _, p := range parcels {
		premium.Due, premium.Paid = premium.Due.Add(p.PremiumDue), premium.Paid.Add(p.PremiumPaid)
		grants = append(grants, p.GrantContract)
	}
	premium.Evidence = strings.Join(grants, "、")
	plan := AccountingPlan{Project: []Item{premium}, Rate: r}
	kinds := []ItemKind{Infrastructure, SoilWater, CivilDefence}
	if topUp != "" {
		kinds = append([]ItemKind{LandTopUp}, kinds...)
	}
	for _, k := range kinds {
		plan.Project = append(plan.Project, Item{Kind: k, Due: decimal.Zero, Paid: decimal.Zero})
	}
	for _, u := range units {
		if !u.Measured.Total.IsPositive() {
			continue
		}
		plan.Units = append(plan.Units, Item{UnitID: u.ID, Kind: Maintenance, Due: MaintenanceDue(u.Measured.Total, r), Paid: decimal.Zero,
			Note: "按实测建筑面积" + u.Measured.Total.StringFixed(2) + "㎡×" + r.String() + "元/㎡"})
	}
	return plan, nil
}

// Item is one accounting item of a project (UnitID 0) or of a unit.
type Item struct {
	ID        int64
	ProjectID int64
	UnitID    int64
	Kind      ItemKind
	Due       decimal.Decimal
	Paid      decimal.Decimal
	Evidence  string // 缴款凭证号 or a description of the evidence
	Note      string // e.g. the supplementary agreement of a land top-up
	ClearedBy int64
	ClearedAt time.Time
	UpdatedAt time.Time
}

// Cleared reports whether staff have cleared the item.
func (it Item) Cleared() bool { return !it.ClearedAt.IsZero() }

// Outstanding is what remains to be paid.
func (it Item) Outstanding() decimal.Decimal {
	if o := it.Due.Sub(it.Paid); o.IsPositive() {
		return o
	}
	return decimal.Zero
}

// Record sets the amount due and what has been paid, with its evidence.
// A cleared item is not changed again.
func (it *Item) Record(due, paid decimal.Decimal, evidence, note string, now time.Time) error {
	if it.Cleared() {
		return problem.Newf(problem.Conflict, "accounting.cleared", "“%s”已核销，不能再修改", it.Kind.Label())
	}
	var f problem.Fields
	if due.IsNegative() {
		f.Add("due", "应缴金额不能为负")
	}
	if paid.IsNegative() {
		f.Add("paid", "已缴金额不能为负")
	}
	if err := f.Err("accounting.invalid", "核算项目填写有误"); err != nil {
		return err
	}
	it.Due, it.Paid, it.Evidence, it.Note, it.UpdatedAt = due, paid, strings.TrimSpace(evidence), strings.TrimSpace(note), now
	return nil
}

// Clear marks the item settled: paid in full, with evidence.
func (it *Item) Clear(by int64, now time.Time) error {
	if it.Cleared() {
		return problem.Newf(problem.Conflict, "accounting.cleared", "“%s”已核销", it.Kind.Label())
	}
	var r problem.Refusal
	if it.Paid.LessThan(it.Due) {
		r.Add(problem.Reason{Rule: "accounting.unpaid", Message: fmt.Sprintf("%s应缴%s元，已缴%s元，尚欠%s元", it.Kind.Label(),
			it.Due.StringFixed(2), it.Paid.StringFixed(2), it.Outstanding().StringFixed(2)), Basis: it.Kind.Basis(), Fixer: "开发企业（缴清款项）"})
	}
	if it.Evidence == "" {
		r.Add(problem.Reason{Rule: "accounting.evidence", Message: "缺少缴款凭证", Basis: it.Kind.Basis(), Fixer: "开发企业（提供凭证）"})
	}
	if it.Kind == LandTopUp && it.Note == "" {
		r.Add(problem.Reason{Rule: "accounting.agreement", Message: "土地出让价款补缴须先签订出让合同补充协议（请填写协议编号）",
			Basis: it.Kind.Basis(), Fixer: "自然资源部门与开发企业"})
	}
	if err := r.Err("accounting.refused", "核算项目不能核销"); err != nil {
		return err
	}
	it.ClearedBy, it.ClearedAt = by, now
	return nil
}

// LandCheck compares the measured land with the grant contract (docs/domain.md
// §5.7): a different land area, or a floor area above the granted one,
// needs a supplementary agreement and a top-up before the filing. It
// returns why, or "" when the land matches.
func LandCheck(grantLand, grantFloor, measuredLand, measuredFloor decimal.Decimal) string {
	var why []string
	if grantLand.IsPositive() && !measuredLand.Equal(grantLand) {
		why = append(why, fmt.Sprintf("宗地实测面积%s㎡与出让合同%s㎡不符", measuredLand.StringFixed(2), grantLand.StringFixed(2)))
	}
	if grantFloor.IsPositive() && measuredFloor.GreaterThan(grantFloor) {
		why = append(why, fmt.Sprintf("计容建筑面积%s㎡超过出让合同约定的%s㎡", measuredFloor.StringFixed(2), grantFloor.StringFixed(2)))
	}
	return strings.Join(why, "；")
}

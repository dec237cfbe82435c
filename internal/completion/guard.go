package completion

import (
	"strings"
	"time"
	"unicode/utf8"

	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/problem"
)

// AreaFacts are what the buyer's choice beyond ±3 % looks at: the
// contract, its unit with the areas on the ledger, and the choice already
// recorded ("" when none).
type AreaFacts struct {
	Contract presale.Contract
	Unit     ledger.Unit
	Decided  string
}

// DecideArea checks the buyer's choice when the measured area is beyond
// ±3 % of the contract's (GF-2014-0171 第十三条, docs/domain.md §5.6): keep
// the flat, settled by the clause, or rescind. There is a choice only once
// the unit's measured areas are accepted and only beyond the band, and it
// is made once. It returns the settlement the choice is made on.
func DecideArea(f AreaFacts, choice string) (Settlement, error) {
	if choice != "keep" && choice != "rescind" {
		return Settlement{}, &problem.Error{Kind: problem.Invalid, Code: "area.choice", Message: "请选择继续履行或解除合同", Fields: map[string]string{"choice": "请选择"}}
	}
	if !f.Unit.HasMeasured() {
		return Settlement{}, problem.New(problem.Conflict, "area.not_measured", "该户尚无审核通过的实测面积")
	}
	c := f.Contract
	s := Reconcile(c.PriceBasis, c.UnitPrice, c.TotalPrice, f.Unit.Forecast, f.Unit.Measured)
	if !s.MayRescind {
		return s, problem.New(problem.Conflict, "area.within", "面积误差比在±3%以内，按实测面积结算，无需选择")
	}
	if f.Decided != "" {
		return s, AreaDecided()
	}
	return s, nil
}

// AreaDecided is the conflict of a second choice on one contract:
// DecideArea's, and the store's when another choice was written first.
func AreaDecided() error {
	return problem.New(problem.Conflict, "area.decided", "买受人已作出选择")
}

// PayMaintenance records a unit's maintenance fund (住宅专项维修资金) paid
// in full with its voucher, the fund's receipt being the evidence, and
// clears it. Only a maintenance item is paid so.
func (it *Item) PayMaintenance(voucher string, by int64, now time.Time) error {
	if it.Kind != Maintenance {
		return problem.New(problem.Invalid, "accounting.kind", "该项目不是维修资金")
	}
	if err := it.Record(it.Due, it.Due, voucher, it.Note, now); err != nil {
		return err
	}
	return it.Clear(by, now)
}

// MaxAttachment bounds one attached file (an opinion's attachment).
const MaxAttachment = 10 << 20

// CheckAttachment checks a file attached to an opinion: a name of at most
// 120 characters and between 1 byte and MaxAttachment. It returns the name
// as kept (trimmed).
func CheckAttachment(name string, size int) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 120 || size == 0 || size > MaxAttachment {
		return name, &problem.Error{Kind: problem.Invalid, Code: "attachment.invalid", Message: "附件应有文件名，且不超过10 MB",
			Fields: map[string]string{"files": "附件“" + name + "”无效"}}
	}
	return name, nil
}

// CheckSurveyor checks the organisation a developer commissions for the
// completion survey (多测合一): kind is its kind as stored, "" when there
// is none; only a surveying company is commissioned.
func CheckSurveyor(kind identity.OrgKind) error {
	if kind != identity.Surveyor {
		return &problem.Error{Kind: problem.Invalid, Code: "project.surveyor", Message: "请选择测绘单位",
			Fields: map[string]string{"surveyor": "所选机构不是测绘单位"}}
	}
	return nil
}

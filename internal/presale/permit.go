// Package presale holds the rules of the presale stage: the presale permit
// (商品房预售许可) and, with later capabilities, contracts and the supervised
// presale funds (docs/domain.md §5.1, §5.3–5.5).
package presale

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/credit"
	"handover/internal/ledger"
	"handover/internal/problem"
)

// Legal bases of the permit conditions.
const (
	basisLand       = "《城市房地产管理法》第四十五条第一款第（一）项；《城市商品房预售管理办法》第五条第（一）项"
	basisPlanning   = "《城市房地产管理法》第四十五条第一款第（二）项；《城市商品房预售管理办法》第五条第（二）项"
	basisWorks      = "《城市商品房预售管理办法》第五条第（二）项；昌州自然资发〔2022〕196号 二（二）1（1）"
	basisInvestment = "《城市房地产管理法》第四十五条第一款第（三）项"
	basisLedger     = "昌州自然资发〔2022〕196号 楼盘表同一、数据同源"
	basisCredit     = "昌州自然资发〔2022〕196号 二（四）诚信管理；本辖区限制清单效力配置"
)

// minInvestedShare is the invested share of the total investment required
// before presale: 25 %.
func minInvestedShare() decimal.Decimal { return decimal.New(25, -2) }

// investmentShort reports whether invested < 25 % of total, exactly
// (invested × 100 < total × 25: no division, so no rounding decides it),
// and the invested share in percent for the message. The share is cut, not
// rounded, to two decimals: a share just below 25 % (24.996 %) reads
// 24.99 %, never the 25.00 % that would contradict "不足25%". total must be
// positive.
func investmentShort(invested, total decimal.Decimal) (bool, string) {
	if !invested.LessThan(total.Mul(minInvestedShare())) {
		return false, ""
	}
	share, _ := invested.Shift(2).QuoRem(total, 2)
	return true, share.StringFixed(2)
}

// Facts are what the permit conditions look at, gathered by the store in
// the issuing transaction.
type Facts struct {
	Project   ledger.Project
	Parcels   []ledger.Parcel
	Permits   []ledger.Permit
	Buildings []ledger.Building         // the buildings the permit would cover
	Units     map[int64]int             // units per building in the 楼盘表
	Area      map[int64]decimal.Decimal // forecast 建筑面积 per building, summed over its units
	Covered   map[int64]string          // building id → number of a valid permit already covering it
	Listed    bool                      // the developer is on the restriction list
	Effect    credit.Effect             // what the listing does to presale permits here
}

// Check returns every unmet condition of a presale permit for the named
// buildings (docs/domain.md §5.1). review reports that the permit may be issued
// only with an extra review, because the developer is restricted and the
// jurisdiction configures review rather than refusal.
func Check(f Facts) (review bool, err error) {
	var r problem.Refusal
	developer := "开发企业"
	if len(f.Parcels) == 0 {
		r.Add(problem.Reason{Rule: "presale.land_right", Message: "项目没有登记任何宗地及国有建设用地使用权", Basis: basisLand, Fixer: developer})
	}
	for _, p := range f.Parcels {
		if p.LandCertNo == "" {
			r.Add(problem.Reason{Rule: "presale.land_right", Subject: p.Code, Message: "宗地尚未取得国有建设用地使用权（无不动产权证书号）",
				Basis: basisLand, Fixer: developer + "（申请国有建设用地使用权首次登记）"})
		}
		if !p.PremiumPaidInFull() {
			r.Add(problem.Reason{Rule: "presale.land_premium", Subject: p.Code,
				Message: fmt.Sprintf("土地出让价款未缴清：应缴%s元，已缴%s元", p.PremiumDue.StringFixed(2), p.PremiumPaid.StringFixed(2)),
				Basis:   basisLand, Fixer: developer + "（缴清价款后由自然资源部门确认）"})
		}
		// The developer's declaration is not enough: the natural-resources
		// bureau confirms the certificate and the premium paid.
		if p.LandCertNo != "" && p.PremiumPaidInFull() && !p.LandConfirmed() {
			r.Add(problem.Reason{Rule: "presale.land_confirmed", Subject: p.Code,
				Message: "宗地的国有建设用地使用权证书号与出让价款缴清情况尚未经自然资源部门确认", Basis: basisLand, Fixer: "自然资源部门（土地核验）"})
		}
	}
	for _, kind := range []ledger.PermitKind{ledger.Planning, ledger.Construction} {
		var have, confirmed bool
		for _, p := range f.Permits {
			if p.Kind == kind {
				have = true
				confirmed = confirmed || p.Confirmed()
			}
		}
		basis := basisPlanning
		if kind == ledger.Construction {
			basis = basisWorks
		}
		switch {
		case !have:
			r.Add(problem.Reason{Rule: "presale." + string(kind) + "_permit", Message: "未登记" + kind.Label(), Basis: basis, Fixer: developer})
		case !confirmed:
			r.Add(problem.Reason{Rule: "presale." + string(kind) + "_permit", Message: kind.Label() + "尚未经住建部门确认", Basis: basis, Fixer: "住建部门"})
		}
	}
	if !f.Project.TotalInvestment.IsPositive() {
		r.Add(problem.Reason{Rule: "presale.investment", Message: "未填报工程建设总投资", Basis: basisInvestment, Fixer: developer})
	} else if short, share := investmentShort(f.Project.Invested, f.Project.TotalInvestment); short {
		r.Add(problem.Reason{Rule: "presale.investment",
			Message: fmt.Sprintf("投入开发建设的资金%s元，占总投资%s元的%s%%，不足%s%%", f.Project.Invested.StringFixed(2),
				f.Project.TotalInvestment.StringFixed(2), share, minInvestedShare().Shift(2)),
			Basis: basisInvestment, Fixer: developer})
	}
	if f.Project.PlannedDelivery.IsZero() {
		r.Add(problem.Reason{Rule: "presale.delivery_date", Message: "未确定竣工交付日期", Basis: basisInvestment, Fixer: developer})
	}
	if len(f.Buildings) == 0 {
		r.Add(problem.Reason{Rule: "presale.buildings", Message: "请选择预售的幢", Basis: basisLedger, Fixer: developer})
	}
	for _, b := range f.Buildings {
		if b.ProjectID != f.Project.ID {
			r.Add(problem.Reason{Rule: "presale.buildings", Subject: b.Name, Message: "该幢不属于本项目", Basis: basisLedger, Fixer: developer})
			continue
		}
		if f.Units[b.ID] == 0 {
			r.Add(problem.Reason{Rule: "presale.ledger", Subject: b.Name, Message: "该幢的楼盘表没有任何户，请先导入楼盘表", Basis: basisLedger, Fixer: developer})
		}
		if n, ok := f.Covered[b.ID]; ok {
			r.Add(problem.Reason{Rule: "presale.already_permitted", Subject: b.Name, Message: "该幢已在有效的预售许可" + n + "范围内", Basis: basisLedger, Fixer: "住建部门"})
		}
	}
	if f.Listed {
		switch f.Effect {
		case credit.Refuse:
			r.Add(problem.Reason{Rule: "presale.credit_restricted", Message: "开发企业在限制清单中，本辖区对其预售许可申请不予办理",
				Basis: basisCredit, Fixer: "住建部门（移出限制清单）"})
		case credit.Review:
			review = true
		}
	}
	return review, r.Err("presale.refused", "不符合商品房预售许可条件")
}

// Issue decides a presale permit for f.Buildings: every condition of
// Check holds and, for a restricted developer the jurisdiction reviews
// rather than refuses, extraReview holds the reviewing officer's opinion
// (kept on the permit). It returns the permit issued by user at now,
// covering the buildings' units and forecast area, for the caller to
// number and record.
func Issue(f Facts, extraReview string, by int64, now time.Time) (Permit, error) {
	review, err := Check(f)
	if err != nil {
		return Permit{}, err
	}
	extraReview = strings.TrimSpace(extraReview)
	if review && extraReview == "" {
		return Permit{}, &problem.Error{Kind: problem.Refused, Code: "presale.review_required", Message: "开发企业在限制清单中，本辖区要求加强审查",
			Reasons: []problem.Reason{{Rule: "presale.credit_review", Message: "请填写加强审查意见后再核发", Basis: "本辖区限制清单效力配置：加强审查", Fixer: "住建部门审批人员"}},
			Fields:  map[string]string{"extra_review": "请填写加强审查意见"}}
	}
	p := Permit{ProjectID: f.Project.ID, Jurisdiction: f.Project.Jurisdiction, IssuedOn: calendar.DateOf(now), ExtraReview: extraReview,
		State: Valid, Area: decimal.Zero, Events: []Event{{Kind: "issued", Reason: extraReview, By: by, At: now}}}
	for _, b := range f.Buildings {
		p.Buildings = append(p.Buildings, b.ID)
		p.Units += f.Units[b.ID]
		p.Area = p.Area.Add(f.Area[b.ID])
	}
	return p, nil
}

// ApplicationDecided is the refusal to decide an application for a permit
// that has been decided already (issued, refused or withdrawn).
func ApplicationDecided() error {
	return problem.New(problem.Conflict, "presale.application_state", "该申请已处理")
}

// PermitState is where a permit stands.
type PermitState string

const (
	Valid          PermitState = "valid"
	SuspendedState PermitState = "suspended"
	Revoked        PermitState = "revoked"
)

// Label is the state in Chinese.
func (s PermitState) Label() string {
	switch s {
	case Valid:
		return "有效"
	case SuspendedState:
		return "暂停"
	case Revoked:
		return "已撤销"
	}
	return string(s)
}

// Event is one step in a permit's history; the state is the last event's.
type Event struct {
	Kind   string // issued, suspended, reinstated, revoked
	Reason string
	By     int64
	ByName string
	At     time.Time
}

// Permit is a 商品房预售许可证.
type Permit struct {
	ID           int64
	Number       string
	ProjectID    int64
	Jurisdiction string
	IssuedOn     calendar.Date
	Buildings    []int64
	Units        int
	Area         decimal.Decimal // 预售建筑面积
	ExtraReview  string          // the extra review note, for a restricted developer
	State        PermitState
	Events       []Event
}

// NumberFor formats a permit number: 昌吉市商品房预售许可〔2026〕第0012号.
func NumberFor(place string, year, seq int) string {
	return fmt.Sprintf("%s商品房预售许可〔%d〕第%04d号", place, year, seq)
}

func reasonOK(s string) error {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > 500 {
		return &problem.Error{Kind: problem.Invalid, Code: "permit.reason", Message: "请填写理由（不超过500字）",
			Fields: map[string]string{"reason": "请填写理由"}}
	}
	return nil
}

// Change applies a suspension, reinstatement or revocation. A revoked
// permit is final; only a valid permit can be suspended; only a suspended
// one reinstated.
func (p *Permit) Change(kind, reason string, by int64, now time.Time) error {
	if err := reasonOK(reason); err != nil {
		return err
	}
	next := p.State
	switch {
	case kind == "suspended" && p.State == Valid:
		next = SuspendedState
	case kind == "reinstated" && p.State == SuspendedState:
		next = Valid
	case kind == "revoked" && p.State != Revoked:
		next = Revoked
	default:
		return problem.Newf(problem.Conflict, "permit.state", "预售许可当前为“%s”，不能执行该操作", p.State.Label())
	}
	p.State = next
	p.Events = append(p.Events, Event{Kind: kind, Reason: strings.TrimSpace(reason), By: by, At: now})
	return nil
}

// EventLabel names an event kind in Chinese.
func EventLabel(kind string) string {
	switch kind {
	case "issued":
		return "核发"
	case "suspended":
		return "暂停"
	case "reinstated":
		return "恢复"
	case "revoked":
		return "撤销"
	}
	return kind
}

// Package ledger is the unit ledger (楼盘表) shared by housing and
// registration (楼盘表同一、数据同源): a developer's projects with their land
// parcels (宗地), land-use right and permits, the physical buildings (自然幢),
// their floors and units (户) with forecast (预测) and measured (实测) areas,
// each unit with its 28-character 不动产单元号. It also reads and checks the
// 楼盘表 workbook developers submit (docs/domain.md §5.1–5.2).
package ledger

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/code"
	"handover/internal/measure"
	"handover/internal/problem"
)

// Project is a developer's real-estate development project in one
// jurisdiction.
type Project struct {
	ID              int64
	Name            string
	Developer       int64 // organisation id of the developer
	DeveloperName   string
	Jurisdiction    string
	Address         string // 坐落
	PlannedDelivery calendar.Date
	TotalInvestment decimal.Decimal // 工程建设总投资, 元
	Invested        decimal.Decimal // 已投入开发建设资金, 元
	Reform          bool            // takes part in 交房即交证
	Surveyor        int64           // the surveying company commissioned for the completion survey (0: none yet)
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func nameOK(s string, max int) bool {
	s = strings.TrimSpace(s)
	return s != "" && utf8.RuneCountInString(s) <= max
}

// Validate checks a project before it is created or changed.
func (p *Project) Validate() error {
	var f problem.Fields
	p.Name, p.Address = strings.TrimSpace(p.Name), strings.TrimSpace(p.Address)
	if !nameOK(p.Name, 100) {
		f.Add("name", "请填写项目名称（不超过100字）")
	}
	if !nameOK(p.Address, 200) {
		f.Add("address", "请填写项目坐落（不超过200字）")
	}
	if p.Jurisdiction == "" {
		f.Add("jurisdiction", "请选择项目所在辖区")
	}
	if p.TotalInvestment.IsNegative() || p.Invested.IsNegative() {
		f.Add("investment", "投资额不能为负数")
	}
	if p.Invested.GreaterThan(p.TotalInvestment) && p.TotalInvestment.IsPositive() {
		f.Add("invested", "已投入资金不能超过总投资")
	}
	return f.Err("project.invalid", "项目信息有误")
}

// InvestedShare is the invested share of the total investment (0 when the
// total is unknown).
func (p Project) InvestedShare() decimal.Decimal {
	if !p.TotalInvestment.IsPositive() {
		return decimal.Zero
	}
	return p.Invested.Div(p.TotalInvestment)
}

// Parcel is a land parcel (宗地) of a project, with its 国有建设用地使用权
// and the grant contract's land premium.
type Parcel struct {
	Code          string // 宗地代码, 19 characters
	ProjectID     int64
	Area          decimal.Decimal // 宗地面积, m²
	Use           string          // 土地用途, e.g. 城镇住宅用地
	RightNature   string          // 权利性质, e.g. 出让
	TermStart     calendar.Date   // 使用期限
	TermEnd       calendar.Date
	GrantContract string          // 土地出让合同编号
	PremiumDue    decimal.Decimal // 土地出让价款, 元
	PremiumPaid   decimal.Decimal // 已缴, 元
	GrantFloor    decimal.Decimal // 出让合同约定的计容建筑面积, m² (0: not recorded)
	LandCertNo    string          // 国有建设用地使用权 不动产权证书号 ("" until registered)
	LandCertOn    calendar.Date
	// The natural-resources bureau's confirmation of the land facts above
	// (the certificate number, the premium paid): who (0: not confirmed)
	// and when. A change of those facts voids it (LandFactsDiffer).
	LandConfirmedBy int64
	LandConfirmedAt time.Time
}

// basisLand is the law that a presale needs the land-use right with its
// premium paid in full.
const basisLand = "《城市房地产管理法》第四十五条第一款第（一）项；《城市商品房预售管理办法》第五条第（一）项"

// LandConfirmed reports whether the natural-resources bureau confirmed the
// parcel's land facts as they stand.
func (p Parcel) LandConfirmed() bool { return p.LandConfirmedBy != 0 }

// LandFactsDiffer reports whether q declares other land facts than p: the
// grant contract, the premium due or paid, the land certificate and its
// day. A confirmation of p's does not hold for q's.
func (p Parcel) LandFactsDiffer(q Parcel) bool {
	return p.GrantContract != q.GrantContract || !p.PremiumDue.Equal(q.PremiumDue) || !p.PremiumPaid.Equal(q.PremiumPaid) ||
		p.LandCertNo != q.LandCertNo || p.LandCertOn != q.LandCertOn
}

// LandSeen is what the land department checked before it confirms: the
// certificate number and the premium paid as its clerk saw them.
type LandSeen struct {
	LandCertNo  string
	PremiumPaid decimal.Decimal
}

// CheckSeen refuses a confirmation of other facts than the parcel now
// declares: the developer changed them after the clerk looked.
func (p Parcel) CheckSeen(s LandSeen) error {
	if strings.TrimSpace(s.LandCertNo) != p.LandCertNo || !s.PremiumPaid.Equal(p.PremiumPaid) {
		return problem.New(problem.Conflict, "parcel.changed", "宗地的使用权证书号或已缴价款已被开发企业修改，请刷新页面重新核对后再确认")
	}
	return nil
}

// CheckLandConfirm refuses to confirm land facts that do not let a project
// sell: no land certificate yet, or the premium not paid in full. The
// bureau confirms what its own records show; a developer's wrong
// declaration is corrected by the developer first.
func (p Parcel) CheckLandConfirm() error {
	var r problem.Refusal
	if p.LandCertNo == "" {
		r.Add(problem.Reason{Rule: "parcel.no_land_cert", Subject: p.Code, Message: "宗地尚无国有建设用地使用权证书号，无可确认",
			Basis: basisLand, Fixer: "开发企业（办理国有建设用地使用权首次登记后填报）"})
	}
	if !p.PremiumPaidInFull() {
		r.Add(problem.Reason{Rule: "parcel.premium_unpaid", Subject: p.Code,
			Message: "申报的已缴出让价款" + p.PremiumPaid.StringFixed(2) + "元少于应缴" + p.PremiumDue.StringFixed(2) + "元，不能确认缴清",
			Basis:   basisLand, Fixer: "开发企业（缴清后更新宗地信息）"})
	}
	return r.Err("parcel.not_confirmable", "宗地信息尚不能确认")
}

// Validate checks a parcel of a project in the given county (the county
// code its 宗地代码 must carry).
func (p *Parcel) Validate(county string) error {
	var f problem.Fields
	c, err := code.ParseParcelCode(p.Code)
	if err != nil {
		f.Add("code", problem.As(err).Message)
	} else {
		p.Code = c
		if county != "" && c[:6] != county {
			f.Add("code", "宗地代码的县级代码"+c[:6]+"与项目所在辖区"+county+"不符")
		}
		if c[12] != 'G' || (c[13] != 'B' && c[13] != 'S' && c[13] != 'X') {
			f.Add("code", "商品房项目的宗地应为国有建设用地使用权宗地（特征码GB、GS或GX）")
		}
	}
	if !p.Area.IsPositive() {
		f.Add("area", "请填写宗地面积")
	}
	if !nameOK(p.Use, 40) {
		f.Add("use", "请填写土地用途")
	}
	if !nameOK(p.RightNature, 20) {
		f.Add("right_nature", "请填写权利性质（如出让）")
	}
	if p.TermStart.IsZero() || p.TermEnd.IsZero() || !p.TermEnd.After(p.TermStart) {
		f.Add("term", "请填写使用期限，终止日应晚于起始日")
	}
	if !nameOK(p.GrantContract, 60) {
		f.Add("grant_contract", "请填写土地出让合同编号")
	}
	if !p.PremiumDue.IsPositive() {
		f.Add("premium_due", "请填写土地出让价款")
	}
	if p.PremiumPaid.IsNegative() {
		f.Add("premium_paid", "已缴价款不能为负数")
	}
	if p.LandCertNo != "" {
		if _, err := code.ParseCertNumber(p.LandCertNo); err != nil {
			f.Add("land_cert_no", "国有建设用地使用权证书号格式有误")
		} else if p.LandCertOn.IsZero() {
			f.Add("land_cert_on", "请填写登记日期")
		}
	}
	return f.Err("parcel.invalid", "宗地信息有误")
}

// PremiumPaidInFull reports whether the land premium is paid.
func (p Parcel) PremiumPaidInFull() bool { return !p.PremiumPaid.LessThan(p.PremiumDue) }

// PermitKind is the kind of a construction-stage permit.
type PermitKind string

const (
	Planning     PermitKind = "planning"     // 建设工程规划许可证
	Construction PermitKind = "construction" // 建筑工程施工许可证
)

// Label is the permit's Chinese name.
func (k PermitKind) Label() string {
	if k == Construction {
		return "建筑工程施工许可证"
	}
	return "建设工程规划许可证"
}

// Permit is a 建设工程规划许可证 or 建筑工程施工许可证 of a project, as the
// developer records it; housing staff of the jurisdiction confirm it.
type Permit struct {
	ID          int64
	ProjectID   int64
	Kind        PermitKind
	Number      string
	IssuedOn    calendar.Date
	Issuer      string // issuing department
	Scope       string // 建设规模 / 范围
	ConfirmedBy int64
	ConfirmedAt time.Time
}

// Confirmed reports whether housing staff confirmed the permit.
func (p Permit) Confirmed() bool { return p.ConfirmedBy != 0 }

// Validate checks a permit before it is recorded.
func (p *Permit) Validate(today calendar.Date) error {
	var f problem.Fields
	if p.Kind != Planning && p.Kind != Construction {
		f.Add("kind", "许可证种类无效")
	}
	p.Number = strings.TrimSpace(p.Number)
	if !nameOK(p.Number, 60) {
		f.Add("number", "请填写许可证编号")
	}
	if p.IssuedOn.IsZero() || p.IssuedOn.After(today) {
		f.Add("issued_on", "请填写发证日期（不晚于今天）")
	}
	if !nameOK(p.Issuer, 60) {
		f.Add("issuer", "请填写发证机关")
	}
	if !nameOK(p.Scope, 500) {
		f.Add("scope", "请填写许可范围")
	}
	return f.Err("permit.invalid", "许可证信息有误")
}

// Confirm records housing staff's confirmation of the permit.
func (p *Permit) Confirm(by int64, now time.Time) error {
	if p.Confirmed() {
		return problem.New(problem.Conflict, "permit.confirmed", "该许可证已确认")
	}
	p.ConfirmedBy, p.ConfirmedAt = by, now
	return nil
}

// ParseDateField reads an optional date form field.
func ParseDateField(s string) (calendar.Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return calendar.Date{}, nil
	}
	return calendar.ParseDate(s)
}

// ParseMoneyField reads an optional amount (empty is zero).
func ParseMoneyField(s, what string) (decimal.Decimal, error) {
	if strings.TrimSpace(s) == "" {
		return decimal.Zero, nil
	}
	return measure.Parse(s, what)
}

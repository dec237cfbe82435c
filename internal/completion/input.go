package completion

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/ledger"
	"handover/internal/measure"
	"handover/internal/problem"
)

// SurveyInput is a survey as the 多测合一 platform sends it (JSON) or a
// test enters it: every figure as text.
type SurveyInput struct {
	ReportNo      string            `json:"report_no" doc:"测绘报告编号"`
	BuildingTotal string            `json:"building_total" doc:"幢实测建筑面积"`
	LandArea      string            `json:"land_area" doc:"宗地实测面积"`
	FloorArea     string            `json:"floor_area" doc:"计容建筑面积"`
	Units         []SurveyInputUnit `json:"units"`
}

// SurveyInputUnit is one unit's measured areas.
type SurveyInputUnit struct {
	UnitNo string `json:"unit_no" doc:"不动产单元号"`
	Total  string `json:"total" doc:"实测建筑面积（㎡）"`
	Inner  string `json:"inner" doc:"实测套内面积"`
	Shared string `json:"shared" doc:"实测分摊面积"`
	Ratio  string `json:"ratio" doc:"分摊系数"`
	// The common part (业主共有部分) the unit is, if it is one.
	CommonPart string `json:"common_part,omitempty" doc:"业主共有部分名称（如物业服务用房）；可售的户留空"`
}

// Survey turns the input into a survey from source, with every format
// problem by row; a unit's problems name the unit.
func (in SurveyInput) Survey(source string) (Survey, []ledger.RowError) {
	s := Survey{ReportNo: in.ReportNo, Source: source}
	var errs []ledger.RowError
	num := func(sheet string, row int, col, v string) decimal.Decimal {
		d, err := measure.Parse(v, col)
		if err != nil {
			errs = append(errs, ledger.RowError{Sheet: sheet, Row: row, Column: col, Value: v, Reason: problem.As(err).Message})
		}
		return d
	}
	s.BuildingTotal = num(SheetSurvey, 2, "building_total", in.BuildingTotal)
	s.LandArea = num(SheetSurvey, 2, "land_area", in.LandArea)
	s.FloorArea = num(SheetSurvey, 2, "floor_area", in.FloorArea)
	for i, u := range in.Units {
		m := UnitMeasure{Row: i + 1, UnitNo: strings.TrimSpace(u.UnitNo), CommonPart: strings.TrimSpace(u.CommonPart)}
		// A unit's errors name the unit: its position in the request alone
		// does not tell the sending system which unit to correct.
		area := func(col, v string) decimal.Decimal {
			d, err := measure.Parse(v, col)
			if err != nil {
				errs = append(errs, ledger.RowError{Sheet: SheetSurveyUnits, Row: i + 1, Column: col, Value: v, Reason: m.Named(problem.As(err).Message)})
			}
			return d
		}
		m.Areas.Total = area("total", u.Total)
		m.Areas.Inner = area("inner", u.Inner)
		m.Areas.Shared = area("shared", u.Shared)
		ratio, err := measure.ParseRatio(u.Ratio, "分摊系数")
		if err != nil {
			errs = append(errs, ledger.RowError{Sheet: SheetSurveyUnits, Row: i + 1, Column: "ratio", Value: u.Ratio, Reason: m.Named(problem.As(err).Message)})
		}
		m.Areas.Ratio = ratio
		s.Units = append(s.Units, m)
	}
	return s, errs
}

// ParseItem reads an accounting item's figures from text (page or API):
// empty is zero; bad figures are field errors (accounting.invalid).
func ParseItem(due, paid string) (decimal.Decimal, decimal.Decimal, error) {
	var f problem.Fields
	parse := func(field, v, what string) decimal.Decimal {
		if strings.TrimSpace(v) == "" {
			return decimal.Zero
		}
		d, err := measure.Parse(v, what)
		if err != nil {
			f.Add(field, problem.As(err).Message)
		}
		return d
	}
	d, p := parse("due", due, "应缴金额"), parse("paid", paid, "已缴金额")
	return d, p, f.Err("accounting.invalid", "核算项目填写有误")
}

// FilingInput is a completion filing as recorded by staff (form) or pushed
// by the 工程建设项目审批管理系统 (JSON).
type FilingInput struct {
	Number    string         `json:"number" doc:"竣工验收备案编号"`
	FiledOn   string         `json:"filed_on" doc:"备案日期（20个工作日起算日）YYYY-MM-DD"`
	Buildings []int64        `json:"buildings" doc:"幢ID"`
	Promises  []PromiseInput `json:"promises,omitempty" doc:"告知承诺：备案后补交的材料"`
}

// PromiseInput is a material the developer promises after the filing.
type PromiseInput struct {
	Title string `json:"title" doc:"承诺补交的材料"`
	DueOn string `json:"due_on" doc:"承诺期限 YYYY-MM-DD"`
}

// Filing turns the input into a filing of projectID from source and its
// promises, with bad dates as field errors (filing.invalid); a promise with
// neither title nor date is skipped, and promise i's date error is under
// promise_i.
func (in FilingInput) Filing(projectID int64, source string) (Filing, []Commitment, error) {
	var f problem.Fields
	fl := Filing{ProjectID: projectID, Number: in.Number, Buildings: in.Buildings, Source: source}
	if strings.TrimSpace(in.FiledOn) != "" {
		d, err := calendar.ParseDate(strings.TrimSpace(in.FiledOn))
		if err != nil {
			f.Add("filed_on", "日期格式应为YYYY-MM-DD")
		}
		fl.FiledOn = d
	}
	var promised []Commitment
	for i, p := range in.Promises {
		if strings.TrimSpace(p.Title) == "" && strings.TrimSpace(p.DueOn) == "" {
			continue
		}
		d, err := calendar.ParseDate(strings.TrimSpace(p.DueOn))
		if err != nil {
			f.Add("promise_"+strconv.Itoa(i), "承诺期限格式应为YYYY-MM-DD")
		}
		promised = append(promised, Commitment{Title: p.Title, DueOn: d})
	}
	return fl, promised, f.Err("filing.invalid", "竣工验收备案信息有误")
}

package completion

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"handover/internal/ledger"
	"handover/internal/measure"
	"handover/internal/problem"
)

// SurveyState is where a survey result stands.
type SurveyState string

const (
	Submitted  SurveyState = "submitted"  // awaiting review
	Accepted   SurveyState = "accepted"   // the record used by acceptance and registration
	Returned   SurveyState = "returned"   // sent back with reasons; the surveyor submits a corrected one
	Superseded SurveyState = "superseded" // an accepted result replaced by a later accepted one
)

// Label is the state in Chinese.
func (s SurveyState) Label() string {
	switch s {
	case Submitted:
		return "待审核"
	case Accepted:
		return "已采用"
	case Returned:
		return "已退回"
	case Superseded:
		return "已被更正成果替代"
	}
	return string(s)
}

// UnitMeasure is one unit's measured areas in a survey result.
type UnitMeasure struct {
	Row    int // where it came from: the workbook row, or the position in an API request
	UnitID int64
	UnitNo string
	Room   string
	Areas  ledger.Areas
	Reason string // why the reviewer returned this unit, if they did
	// CommonPart names the 业主共有部分 the surveyor found the unit to be
	// (物业服务用房, 业主活动用房 …); "" for a unit that can be sold.
	CommonPart string
}

// Name names the unit a row is about, by its 室号 and 不动产单元号 as far as
// the row or the building's units tell them; "" when neither is known.
func (m UnitMeasure) Name() string {
	switch {
	case m.Room != "" && m.UnitNo != "":
		return "户" + m.Room + "（不动产单元号" + m.UnitNo + "）"
	case m.UnitNo != "":
		return "不动产单元号" + m.UnitNo
	case m.Room != "":
		return "户" + m.Room
	}
	return ""
}

// Named puts the unit's name before an error about its row: a row number
// alone (a workbook row, or a position in an API request) does not tell
// the surveyor which unit to correct.
func (m UnitMeasure) Named(reason string) string {
	if n := m.Name(); n != "" {
		return n + "：" + reason
	}
	return reason
}

// Survey is the completion survey of one building (多测合一 成果): the
// measured areas of every unit, the building's measured total, and the land
// measurements of its parcel.
type Survey struct {
	ID            int64
	ProjectID     int64
	BuildingID    int64
	Surveyor      int64 // the surveying company
	SurveyorName  string
	ReportNo      string          // 测绘报告编号
	BuildingTotal decimal.Decimal // 幢实测总建筑面积, ≥ the units' sum (unapportioned common parts)
	LandArea      decimal.Decimal // 宗地实测面积
	FloorArea     decimal.Decimal // 计容建筑面积 of the parcel
	Units         []UnitMeasure
	State         SurveyState
	Source        string // page, import, api
	SubmittedBy   int64
	SubmittedAt   time.Time
	DecidedBy     int64
	DecidedAt     time.Time
	Note          string // the reviewer's note
	FileSM3       string // of the uploaded workbook, if any
}

// The survey workbook: a sheet with the building's figures and one row per unit.
const (
	SheetSurvey      = "测绘成果"
	SheetSurveyUnits = "实测户"
)

// Columns of the survey workbook, in template order.
var (
	SurveyColumns     = []string{"测绘报告编号", "幢实测建筑面积", "宗地实测面积", "计容建筑面积"}
	SurveyUnitColumns = []string{"不动产单元号", "室号", "实测建筑面积", "实测套内面积", "实测分摊面积", "分摊系数", "业主共有部分"}
)

// ReadSurvey reads a survey workbook into a survey not yet checked against
// the building. Every format problem is reported, with its row.
func ReadSurvey(ctx context.Context, r io.Reader) (Survey, []byte, []ledger.RowError) {
	var s Survey
	f, raw, errs := ledger.OpenWorkbook(r)
	if f == nil {
		return s, raw, errs
	}
	defer f.Close()
	head, errs := ledger.ReadSheet(ctx, f, SheetSurvey, SurveyColumns, nil, errs)
	rows, errs := ledger.ReadSheet(ctx, f, SheetSurveyUnits, SurveyUnitColumns, map[string]bool{"室号": true, "业主共有部分": true}, errs)
	if len(head) != 1 && len(errs) == 0 {
		errs = append(errs, ledger.RowError{Sheet: SheetSurvey, Reason: "应只有一行数据（本幢的测绘成果）"})
	}
	num := func(sheet string, row int, v map[string]string, col string) decimal.Decimal {
		x, err := measure.Parse(ledger.CleanNumber(v[col]), col)
		if err != nil {
			errs = append(errs, ledger.RowError{Sheet: sheet, Row: row, Column: col, Value: v[col], Reason: problem.As(err).Message})
		}
		return x
	}
	if len(head) > 0 {
		h := head[0]
		s.ReportNo = h.Values["测绘报告编号"]
		s.BuildingTotal = num(SheetSurvey, h.Num, h.Values, "幢实测建筑面积")
		s.LandArea = num(SheetSurvey, h.Num, h.Values, "宗地实测面积")
		s.FloorArea = num(SheetSurvey, h.Num, h.Values, "计容建筑面积")
	}
	for _, r := range rows {
		m := UnitMeasure{Row: r.Num, UnitNo: strings.TrimSpace(r.Values["不动产单元号"]), Room: strings.TrimSpace(r.Values["室号"]),
			CommonPart: strings.TrimSpace(r.Values["业主共有部分"])}
		area := func(col string) decimal.Decimal {
			x, err := measure.Parse(ledger.CleanNumber(r.Values[col]), col)
			if err != nil {
				errs = append(errs, ledger.RowError{Sheet: SheetSurveyUnits, Row: r.Num, Column: col, Value: r.Values[col], Reason: m.Named(problem.As(err).Message)})
			}
			return x
		}
		m.Areas.Total = area("实测建筑面积")
		m.Areas.Inner = area("实测套内面积")
		m.Areas.Shared = area("实测分摊面积")
		ratio, err := measure.ParseRatio(ledger.CleanNumber(r.Values["分摊系数"]), "分摊系数")
		if err != nil {
			errs = append(errs, ledger.RowError{Sheet: SheetSurveyUnits, Row: r.Num, Column: "分摊系数", Value: r.Values["分摊系数"], Reason: m.Named(problem.As(err).Message)})
		}
		m.Areas.Ratio = ratio
		s.Units = append(s.Units, m)
	}
	return s, raw, errs
}

// Check compares the survey with the building's units: every unit of the
// building measured exactly once and nothing else, each unit's areas
// consistent (建筑 = 套内 + 分摊, 分摊 = 套内 × 系数), the building's total
// at least the units' sum, and the land figures present; a unit marked as
// a common part (业主共有部分) is not one sold (sold). It fills UnitID.
// All problems are returned, each about a unit naming it (UnitMeasure.Name);
// the survey may be stored only without any.
func (s *Survey) Check(units []ledger.Unit, sold map[int64]bool) []ledger.RowError {
	var errs []ledger.RowError
	row := func(m UnitMeasure, col, value, reason string) {
		errs = append(errs, ledger.RowError{Sheet: SheetSurveyUnits, Row: m.Row, Column: col, Value: value, Reason: m.Named(reason)})
	}
	head := func(col, reason string) {
		errs = append(errs, ledger.RowError{Sheet: SheetSurvey, Row: 2, Column: col, Reason: reason})
	}
	s.ReportNo = strings.TrimSpace(s.ReportNo)
	if s.ReportNo == "" || utf8.RuneCountInString(s.ReportNo) > 50 {
		head("测绘报告编号", "请填写测绘报告编号（不超过50字）")
	}
	if !s.LandArea.IsPositive() {
		head("宗地实测面积", "宗地实测面积应大于0")
	}
	if !s.FloorArea.IsPositive() {
		head("计容建筑面积", "计容建筑面积应大于0")
	}
	byNo := map[string]ledger.Unit{}
	for _, u := range units {
		byNo[u.UnitNo] = u
	}
	seen := map[string]int{}
	sum := decimal.Zero
	for i := range s.Units {
		m := &s.Units[i]
		m.UnitNo = strings.TrimSpace(m.UnitNo)
		u, ok := byNo[m.UnitNo]
		if ok && m.Room == "" {
			m.Room = u.Room // the building's name for the unit, for the record and the errors
		}
		switch {
		case m.UnitNo == "":
			row(*m, "不动产单元号", "", "缺少不动产单元号")
			continue
		case !ok:
			row(*m, "不动产单元号", m.UnitNo, "不是本幢的户")
			continue
		case seenAt(seen, m.UnitNo):
			row(*m, "不动产单元号", m.UnitNo, fmt.Sprintf("与第%d行重复", seen[m.UnitNo]))
			continue
		}
		seen[m.UnitNo] = m.Row
		m.UnitID = u.ID
		m.CommonPart = strings.TrimSpace(m.CommonPart)
		switch {
		case utf8.RuneCountInString(m.CommonPart) > 30:
			row(*m, "业主共有部分", m.CommonPart, "业主共有部分的名称不超过30字")
		case m.CommonPart != "" && sold[u.ID]:
			row(*m, "业主共有部分", m.CommonPart, "该户已网签出售，不能标为业主共有部分")
		}
		for _, msg := range m.Areas.Check() {
			row(*m, "实测建筑面积", m.Areas.Total.StringFixed(2), msg)
		}
		sum = sum.Add(m.Areas.Total)
	}
	for _, u := range units {
		if !seenAt(seen, u.UnitNo) {
			errs = append(errs, ledger.RowError{Sheet: SheetSurveyUnits, Value: u.UnitNo, Reason: "缺少户 " + u.Room + "（" + u.UnitNo + "）的实测面积：成果应覆盖本幢每一户"})
		}
	}
	if s.BuildingTotal.LessThan(sum) {
		head("幢实测建筑面积", fmt.Sprintf("幢实测建筑面积%s小于各户实测建筑面积之和%s", s.BuildingTotal.StringFixed(2), sum.StringFixed(2)))
	}
	return errs
}

// SubmitFacts are what a survey's submission looks at besides the survey,
// read with the project locked.
type SubmitFacts struct {
	ProjectID  int64
	BuildingID int64
	Surveyor   int64          // the surveying company the developer commissioned (0: none yet)
	Org        int64          // the submitter's organisation (0: platform staff)
	Pending    bool           // a result of the building awaits review
	Units      []ledger.Unit  // the building's units
	Sold       map[int64]bool // the units under a live contract: none of them is a common part
}

// Submit decides a survey result's submission: only the surveying
// company the developer commissioned submits, one result of a building
// awaits review at a time, and the result must pass Check. It returns the
// survey to store (submitted by user at now; Source "api" unless set),
// or a refusal, or every problem Check found — never more than one of them.
func Submit(s Survey, f SubmitFacts, user int64, now time.Time) (Survey, []ledger.RowError, error) {
	if f.Surveyor == 0 {
		return s, nil, problem.New(problem.Refused, "survey.no_surveyor", "开发企业尚未委托测绘单位，不能提交测绘成果")
	}
	if f.Org != 0 && f.Org != f.Surveyor {
		return s, nil, problem.New(problem.Forbidden, "access.denied", "本项目委托的不是贵单位，不能提交测绘成果")
	}
	if f.Pending {
		return s, nil, problem.New(problem.Conflict, "survey.pending", "该幢已有待审核的测绘成果，请待审核后再提交")
	}
	s.Units = slices.Clone(s.Units)
	if errs := s.Check(f.Units, f.Sold); len(errs) > 0 {
		return s, errs, nil
	}
	s.ProjectID, s.BuildingID, s.Surveyor, s.State, s.SubmittedBy, s.SubmittedAt = f.ProjectID, f.BuildingID, f.Surveyor, Submitted, user, now
	if s.Source == "" {
		s.Source = "api"
	}
	return s, nil, nil
}

func seenAt(seen map[string]int, no string) bool { _, ok := seen[no]; return ok }

// Decide records the review: accept, or return with a reason per unit
// and/or a note. Only a submitted survey can be decided.
func (s *Survey) Decide(accept bool, reasons map[string]string, note string, by int64, now time.Time) error {
	if s.State != Submitted {
		return problem.Newf(problem.Conflict, "survey.state", "测绘成果当前为“%s”，不能审核", s.State.Label())
	}
	note = strings.TrimSpace(note)
	if !accept {
		n := 0
		for i := range s.Units {
			if r := strings.TrimSpace(reasons[s.Units[i].UnitNo]); r != "" {
				s.Units[i].Reason = r
				n++
			}
		}
		if n == 0 && note == "" {
			return &problem.Error{Kind: problem.Invalid, Code: "survey.reasons", Message: "退回测绘成果须写明理由（整体意见或逐户意见）",
				Fields: map[string]string{"note": "请填写退回理由"}}
		}
		s.State = Returned
	} else {
		s.State = Accepted
	}
	s.Note, s.DecidedBy, s.DecidedAt = note, by, now
	return nil
}

// SurveyTemplate is the survey workbook to fill in for a building: the
// building's units listed, the measured columns empty.
func SurveyTemplate(b ledger.Building, units []ledger.Unit) ([]byte, error) {
	s := Survey{Units: make([]UnitMeasure, len(units))}
	for i, u := range units {
		s.Units[i] = UnitMeasure{UnitNo: u.UnitNo, Room: u.Room}
	}
	return SurveyWorkbook(s, false)
}

// SurveyWorkbook writes a survey as a workbook (filled: with its figures;
// else a template with empty figures).
func SurveyWorkbook(s Survey, filled bool) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", SheetSurvey)
	if _, err := f.NewSheet(SheetSurveyUnits); err != nil {
		return nil, err
	}
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DCE6F1"}, Pattern: 1}})
	put := func(sheet string, row int, values []any) {
		for i, v := range values {
			cell, _ := excelize.CoordinatesToCellName(i+1, row)
			f.SetCellValue(sheet, cell, v)
			if row == 1 {
				f.SetCellStyle(sheet, cell, cell, head)
			}
		}
	}
	area := func(d decimal.Decimal) any {
		if !filled {
			return ""
		}
		return d.StringFixed(2)
	}
	put(SheetSurvey, 1, anyOf(SurveyColumns))
	report := any(s.ReportNo)
	if !filled {
		report = ""
	}
	put(SheetSurvey, 2, []any{report, area(s.BuildingTotal), area(s.LandArea), area(s.FloorArea)})
	put(SheetSurveyUnits, 1, anyOf(SurveyUnitColumns))
	for i, m := range s.Units {
		ratio := any("")
		if filled {
			ratio = m.Areas.Ratio.String()
		}
		put(SheetSurveyUnits, i+2, []any{m.UnitNo, m.Room, area(m.Areas.Total), area(m.Areas.Inner), area(m.Areas.Shared), ratio, m.CommonPart})
	}
	f.SetColWidth(SheetSurvey, "A", "D", 18)
	f.SetColWidth(SheetSurveyUnits, "A", "A", 32)
	f.SetColWidth(SheetSurveyUnits, "B", "G", 14)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func anyOf(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// SurveyRefused is the refusal of a survey workbook with every bad row,
// each under its rule with its basis and the surveyor who fixes it.
func SurveyRefused(errs []ledger.RowError) error {
	e := &problem.Error{Kind: problem.Invalid, Code: "survey.invalid", Message: "测绘成果未通过校验，未保存", Fields: map[string]string{}}
	for _, x := range errs {
		e.Reasons = append(e.Reasons, problem.Reason{Rule: "survey.row", Subject: x.Value, Message: x.String(),
			Basis: "多测合一：竣工测绘成果逐户提交，面积与分摊系数须符合《房产测量规范》（GB/T 17986）的格式与精度",
			Fixer: "测绘单位（按错误清单修改成果表后重新提交）"})
	}
	return e
}

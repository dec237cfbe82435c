package completion

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"handover/internal/ledger"
	"handover/internal/measure"
	"handover/internal/problem"
)

// namedUnits is a building of three units for the naming tests.
func namedUnits() []ledger.Unit {
	return []ledger.Unit{
		{ID: 1, UnitNo: "652301004007GB00121F00030001", Room: "1单元101"},
		{ID: 2, UnitNo: "652301004007GB00121F00030002", Room: "1单元102"},
		{ID: 3, UnitNo: "652301004007GB00121F00030003", Room: "1单元201"},
	}
}

func reasons(errs []ledger.RowError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Reason)
	}
	return out
}

// Every error about a unit's row names the unit (室号 and 不动产单元号, as
// far as they are known), not only the row: an API request's rows are
// positions the sending system does not show anyone.
func TestSurveyCheckNamesTheUnit(t *testing.T) {
	units := namedUnits()
	good := ledger.Areas{Total: d("112.35"), Inner: d("92.40"), Shared: d("19.95"), Ratio: d("0.215909")}
	bad := good
	bad.Total = d("112.36")
	s := Survey{ReportNo: "CJCH-2026-031", BuildingTotal: d("1000"), LandArea: d("10000"), FloorArea: d("25000"), Units: []UnitMeasure{
		{Row: 1, UnitNo: units[0].UnitNo, Areas: bad},                 // as the API sends it: no 室号
		{Row: 2, UnitNo: "652301004007GB00121F00039999", Areas: good}, // not of this building
		{Row: 3, UnitNo: units[1].UnitNo, Areas: good},
		{Row: 4, UnitNo: units[1].UnitNo, Areas: good}, // the same unit again
		{Row: 5, Room: "1单元201", Areas: good},          // no 不动产单元号
	}}
	got := reasons(s.Check(units, nil))
	want := []string{
		"户1单元101（不动产单元号652301004007GB00121F00030001）：" + bad.Check()[0],
		"不动产单元号652301004007GB00121F00039999：不是本幢的户",
		"户1单元102（不动产单元号652301004007GB00121F00030002）：与第3行重复",
		"户1单元201：缺少不动产单元号",
		"缺少户 1单元201（652301004007GB00121F00030003）的实测面积：成果应覆盖本幢每一户",
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors:\n got %q\nwant %q", got, want)
	}
}

// A workbook's format errors name the unit of their row too.
func TestReadSurveyNamesTheUnit(t *testing.T) {
	units := namedUnits()
	a := ledger.Areas{Total: d("112.35"), Inner: d("92.40"), Shared: d("19.95"), Ratio: d("0.215909")}
	s := Survey{ReportNo: "CJCH-2026-031", BuildingTotal: d("400"), LandArea: d("10000"), FloorArea: d("25000")}
	for _, u := range units {
		s.Units = append(s.Units, UnitMeasure{UnitNo: u.UnitNo, Room: u.Room, Areas: a})
	}
	raw, err := SurveyWorkbook(s, true)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	f.SetCellValue(SheetSurveyUnits, "C3", "abc") // 1单元102's 实测建筑面积
	f.SetCellValue(SheetSurveyUnits, "F4", "x")   // 1单元201's 分摊系数
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	_, _, errs := ReadSurvey(context.Background(), &buf)
	_, areaErr := measure.Parse("abc", "实测建筑面积")
	_, ratioErr := measure.ParseRatio("x", "分摊系数")
	want := []string{
		"户1单元102（不动产单元号652301004007GB00121F00030002）：" + problem.As(areaErr).Message,
		"户1单元201（不动产单元号652301004007GB00121F00030003）：" + problem.As(ratioErr).Message,
	}
	if got := reasons(errs); !slices.Equal(got, want) {
		t.Errorf("errors:\n got %q\nwant %q", got, want)
	}
	if len(errs) == 2 && (errs[0].Row != 3 || errs[1].Row != 4) {
		t.Errorf("rows: got %d and %d, want 3 and 4", errs[0].Row, errs[1].Row)
	}
}

// Submit lets only the commissioned surveyor submit, one result at a time,
// and only a result that passes Check; the stored result is submitted.
func TestSubmitSurvey(t *testing.T) {
	units := namedUnits()
	good := ledger.Areas{Total: d("112.35"), Inner: d("92.40"), Shared: d("19.95"), Ratio: d("0.215909")}
	survey := func() Survey {
		s := Survey{ReportNo: " CJCH-2026-031 ", BuildingTotal: d("400"), LandArea: d("10000"), FloorArea: d("25000")}
		for i, u := range units {
			s.Units = append(s.Units, UnitMeasure{Row: i + 1, UnitNo: u.UnitNo, Areas: good})
		}
		return s
	}
	facts := SubmitFacts{ProjectID: 7, BuildingID: 3, Surveyor: 40, Org: 40, Units: units}
	tests := []struct {
		name     string
		change   func(s *Survey, f *SubmitFacts)
		wantCode string
		wantKind problem.Kind
		wantRows int // problems found by Check
	}{
		{"no surveyor commissioned", func(s *Survey, f *SubmitFacts) { f.Surveyor = 0 }, "survey.no_surveyor", problem.Refused, 0},
		{"another surveying company", func(s *Survey, f *SubmitFacts) { f.Org = 41 }, "access.denied", problem.Forbidden, 0},
		{"a result awaits review", func(s *Survey, f *SubmitFacts) { f.Pending = true }, "survey.pending", problem.Conflict, 0},
		{"a unit missing", func(s *Survey, f *SubmitFacts) { s.Units = s.Units[:2] }, "", 0, 1},
		{"platform staff", func(s *Survey, f *SubmitFacts) { f.Org = 0 }, "", 0, 0},
		{"the commissioned surveyor", nil, "", 0, 0},
	}
	for _, tt := range tests {
		s, f := survey(), facts
		if tt.change != nil {
			tt.change(&s, &f)
		}
		got, rows, err := Submit(s, f, 5, now)
		switch {
		case tt.wantCode != "":
			if problem.CodeOf(err) != tt.wantCode || problem.KindOf(err) != tt.wantKind || rows != nil {
				t.Errorf("%s: got %v, %d problems; want %s (%v)", tt.name, err, len(rows), tt.wantCode, tt.wantKind)
			}
		case tt.wantRows > 0:
			if err != nil || len(rows) != tt.wantRows {
				t.Errorf("%s: got %v, problems %q; want %d problems", tt.name, err, reasons(rows), tt.wantRows)
			}
		default:
			if err != nil || rows != nil || got.State != Submitted || got.Surveyor != 40 || got.ProjectID != 7 || got.BuildingID != 3 ||
				got.SubmittedBy != 5 || !got.SubmittedAt.Equal(now) || got.Source != "api" || got.ReportNo != "CJCH-2026-031" || got.Units[2].UnitID != 3 {
				t.Errorf("%s: got %+v, %v, %q; want it submitted by user 5 for surveyor 40, units matched", tt.name, got, err, reasons(rows))
			}
		}
	}
}

func TestSurveyRefused(t *testing.T) {
	err := SurveyRefused([]ledger.RowError{{Sheet: "成果", Row: 3, Column: "实测建筑面积", Value: "1单元101", Reason: "面积应为数字"}})
	e := problem.As(err)
	if e.Code != "survey.invalid" || e.Kind != problem.Invalid || len(e.Reasons) != 1 {
		t.Fatalf("SurveyRefused: got %+v, want survey.invalid with one reason", e)
	}
	if r := e.Reasons[0]; r.Rule != "survey.row" || r.Subject != "1单元101" || r.Basis == "" || r.Fixer == "" {
		t.Errorf("SurveyRefused reason: got %+v, want survey.row on 1单元101 with its basis and fixer", r)
	}
}

// The survey marks the common parts (业主共有部分): a name of at most 30
// characters, and never a unit already sold.
func TestSurveyMarksCommonParts(t *testing.T) {
	units := namedUnits()
	a := ledger.Areas{Total: d("112.35"), Inner: d("92.40"), Shared: d("19.95"), Ratio: d("0.215909")}
	tests := []struct {
		name   string
		common string
		sold   bool
		want   []string
	}{
		{"a common part", "物业服务用房", false, nil},
		{"a flat", "", true, nil},
		{"a sold flat marked common", "物业服务用房", true, []string{"户1单元101（不动产单元号652301004007GB00121F00030001）：该户已网签出售，不能标为业主共有部分"}},
		{"a name too long", strings.Repeat("用", 31), false, []string{"户1单元101（不动产单元号652301004007GB00121F00030001）：业主共有部分的名称不超过30字"}},
	}
	for _, tt := range tests {
		s := Survey{ReportNo: "CJCH-2026-031", BuildingTotal: d("1000"), LandArea: d("10000"), FloorArea: d("25000"), Units: []UnitMeasure{
			{Row: 1, UnitNo: units[0].UnitNo, Areas: a, CommonPart: tt.common},
			{Row: 2, UnitNo: units[1].UnitNo, Areas: a},
			{Row: 3, UnitNo: units[2].UnitNo, Areas: a},
		}}
		got := reasons(s.Check(units, map[int64]bool{units[0].ID: tt.sold}))
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
		if tt.want == nil && s.Units[0].CommonPart != tt.common {
			t.Errorf("%s: common part %q, want %q", tt.name, s.Units[0].CommonPart, tt.common)
		}
	}
}

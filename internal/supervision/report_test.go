package supervision

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"handover/internal/calendar"
)

// The report workbook is one to work with: counts are numbers, the share
// of same-day certificates a percentage, days dates (the alert's in China
// time, as the page shows it), each sheet's head frozen with an
// auto-filter over its table.
func TestReportWorkbook(t *testing.T) {
	d := NewDashboard("652301", calendar.MustDate("2026-01-01"), calendar.MustDate("2026-11-30"))
	d.HandedOver, d.SameDay = 8, 6
	r := Report{Title: "通报", D: d,
		Projects: []ReportProject{{Name: "天山·悦府", Jurisdiction: "昌吉市", County: "昌吉市", Stage: "已交房", HandedOver: 8, SameDay: 6}, {Name: "未交房", Stage: "在售"}},
		Units:    []ReportUnit{{Project: "天山·悦府", Room: "1号楼 1单元101", HandedOverOn: "2026-03-10", CertifiedOn: "2026-03-10"}},
		// 2026-03-09 17:30 UTC is 2026-03-10 01:30 in China.
		Alerts: []Alert{{Kind: RegistrationOverdue, OrgName: "昌吉市不动产登记中心", Message: "逾期", RaisedAt: time.Date(2026, 3, 9, 17, 30, 0, 0, time.UTC)}}}
	r.Counties = CompareCounties(r.Projects, map[string]int{"昌吉市": 1}, map[string][]Span{"昌吉市": {{Workdays: 3, Units: 5}, {Workdays: 9, Units: 1}}})
	raw, err := r.Workbook()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 7 || got[0] != "概况" || got[3] != "按县市区" {
		t.Fatalf("sheets: got %v, want seven, 概况 first and 按县市区 fourth", got)
	}
	tests := []struct {
		sheet, cell string
		want        string // the cell as shown
		numeric     bool   // stored as a number, not text
	}{
		{"概况", "B9", "75.0%", true},
		{"概况", "B7", "8", true},
		{"项目", "D4", "8", true},
		{"项目", "F4", "75.0%", true},
		{"项目", "F5", "", false},
		{"交房明细", "C4", "2026-03-10", true},
		{"按县市区", "B4", "昌吉市", false},
		{"按县市区", "G4", "75.0%", true},
		{"按县市区", "H4", "3", true},
		{"按县市区", "I4", "1", true},
		{"逾期事项", "D4", "2026-03-10", true},
	}
	for _, tt := range tests {
		got, err := f.GetCellValue(tt.sheet, tt.cell)
		if err != nil || got != tt.want {
			t.Errorf("%s!%s shows %q (%v), want %q", tt.sheet, tt.cell, got, err, tt.want)
		}
		typ, _ := f.GetCellType(tt.sheet, tt.cell)
		if isNumber := typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset && tt.want != ""; tt.numeric && !isNumber {
			t.Errorf("%s!%s is stored as %v, want a number", tt.sheet, tt.cell, typ)
		}
	}
	for _, sheet := range f.GetSheetList() {
		panes, err := f.GetPanes(sheet)
		if err != nil || !panes.Freeze || panes.YSplit != 3 {
			t.Errorf("%s: head not frozen: %+v %v", sheet, panes, err)
		}
	}
}

// Counties are ranked by their share of same-day certificates, then by
// units handed over, then by fewer overdue items, then by name; a park's
// projects count for its county (the caller names the county), and a
// county with overdue items but no project is listed.
func TestCompareCounties(t *testing.T) {
	projects := []ReportProject{
		{Name: "a", County: "昌吉市", HandedOver: 100, SameDay: 90},
		{Name: "b", County: "昌吉市", HandedOver: 0},
		{Name: "c", County: "阜康市", HandedOver: 50, SameDay: 45},
		{Name: "d", County: "呼图壁县", HandedOver: 200, SameDay: 180},
		{Name: "e", County: "玛纳斯县", HandedOver: 10, SameDay: 10},
	}
	got := CompareCounties(projects, map[string]int{"阜康市": 2, "木垒县": 1},
		map[string][]Span{"昌吉市": {{Workdays: 2, Units: 60}, {Workdays: 15, Units: 30}}, "木垒县": {{Workdays: 40, Units: 1}}})
	var order []string
	for _, c := range got {
		order = append(order, c.Name)
	}
	want := []string{"玛纳斯县", "呼图壁县", "昌吉市", "阜康市", "木垒县"}
	if !slices.Equal(order, want) {
		t.Errorf("rank: got %v, want %v", order, want)
	}
	if c := got[2]; c.Projects != 2 || c.Handed != 1 || c.HandedOver != 100 || c.SameDay != 90 || c.Share() != 0.9 {
		t.Errorf("昌吉市: got %+v, want 2 projects (1 handed), 100 handed over, 90 same day", c)
	}
	if m, ok := got[2].Median(); !ok || m != 2 {
		t.Errorf("昌吉市's median working days: got %d %v, want 2", m, ok)
	}
	if m, ok := got[1].Median(); ok {
		t.Errorf("呼图壁县 has no spans: got a median of %d", m)
	}
	if c := got[4]; c.Projects != 0 || c.Overdue != 1 || c.Share() != 0 {
		t.Errorf("木垒县: got %+v, want no project and one overdue item", c)
	}
}

package supervision

import (
	"bytes"
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
		Projects: []ReportProject{{Name: "天山·悦府", Jurisdiction: "昌吉市", Stage: "已交房", HandedOver: 8, SameDay: 6}, {Name: "未交房", Stage: "在售"}},
		Units:    []ReportUnit{{Project: "天山·悦府", Room: "1号楼 1单元101", HandedOverOn: "2026-03-10", CertifiedOn: "2026-03-10"}},
		// 2026-03-09 17:30 UTC is 2026-03-10 01:30 in China.
		Alerts: []Alert{{Kind: RegistrationOverdue, OrgName: "昌吉市不动产登记中心", Message: "逾期", RaisedAt: time.Date(2026, 3, 9, 17, 30, 0, 0, time.UTC)}}}
	raw, err := r.Workbook()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 6 || got[0] != "概况" {
		t.Fatalf("sheets: got %v, want six, 概况 first", got)
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

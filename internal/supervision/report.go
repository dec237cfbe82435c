package supervision

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// ReportProject is a project's line in a report (通报).
type ReportProject struct {
	Name, Jurisdiction, Stage string // the jurisdiction by name
	HandedOver, SameDay       int
}

// ReportUnit is a unit handed over in the period.
type ReportUnit struct {
	Project, Room, HandedOverOn, CertifiedOn string
}

// Report is the periodic report (通报) of a jurisdiction: the dashboard's
// figures and the lists behind them.
type Report struct {
	Title     string // e.g. 昌吉市“交房即交证”改革工作通报（2026-01-01至2026-11-29）
	D         Dashboard
	Projects  []ReportProject
	Units     []ReportUnit
	UnitsAll  int // units handed over in all (Units may be cut)
	Alerts    []Alert
	Generated string
}

// Workbook writes the report as a spreadsheet: the figures, the months,
// the projects, the units handed over and the overdue items, one sheet
// each.
func (r Report) Workbook() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DCE6F1"}, Pattern: 1}})
	d := r.D
	writeSheet(f, bold, "概况", r.Title, []any{"指标", "数值"}, summaryRows(r))
	writeSheet(f, bold, "按月", "按月趋势", []any{"月份", "竣工验收备案", "交房（户）", "当日发证（户）"}, monthRows(d))
	writeSheet(f, bold, "阶段", "各阶段户数与项目数", []any{"阶段", "数量"}, stageRows(d))
	writeSheet(f, bold, "项目", "项目情况", []any{"项目", "辖区", "阶段", "期内交房（户）", "当日发证（户）"}, projectRows(r.Projects))
	writeSheet(f, bold, "交房明细", r.unitsTitle(), []any{"项目", "户", "交房日", "发证日"}, unitRows(r.Units))
	writeSheet(f, bold, "逾期事项", "逾期事项", []any{"事项", "部门", "说明", "发出"}, alertRows(r.Alerts))
	b, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeSheet writes one sheet of the report: its title in A1, the head in
// row 3 set off in bold, the rows below. The first sheet (概况) takes the
// place of the new file's empty one.
func writeSheet(f *excelize.File, bold int, name, title string, head []any, rows [][]any) {
	if name == "概况" {
		f.SetSheetName("Sheet1", name)
	} else {
		f.NewSheet(name)
	}
	f.SetCellValue(name, "A1", title)
	put := func(row int, values []any) {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		f.SetSheetRow(name, cell, &values)
	}
	put(3, head)
	last, _ := excelize.CoordinatesToCellName(len(head), 3)
	f.SetCellStyle(name, "A3", last, bold)
	for i, row := range rows {
		put(i+4, row)
	}
	f.SetColWidth(name, "A", "A", 28)
}

// summaryRows are the report's figures (概况), the spans from filing to
// certificate shown as median and 90th percentile, or a dash when none.
func summaryRows(r Report) [][]any {
	d := r.D
	median, ok := d.Quantile(0.5)
	p90, _ := d.Quantile(0.9)
	spans := "—"
	if ok {
		spans = fmt.Sprintf("%d / %d", median, p90)
	}
	return [][]any{
		{"统计期间", d.From.String() + " 至 " + d.To.String()},
		{"项目数", d.Projects},
		{"户数", d.Units},
		{"期内交房户数", d.HandedOver},
		{"其中交房当日发证户数", d.SameDay},
		{"交房当日发证比例", fmt.Sprintf("%.1f%%", 100*d.SameDayShare())},
		{"竣工验收备案至发证工作日（中位数 / 90%分位）", spans},
		{"期内交房项目数", d.ProjectsHanded},
		{"实现交房即交证的项目数", d.ProjectsMeeting},
		{"逾期事项", d.OverdueTotal()},
		{"生成时间", r.Generated},
	}
}

// monthRows are the trend, a month a row.
func monthRows(d Dashboard) [][]any {
	var months [][]any
	for _, m := range d.Trend {
		months = append(months, []any{m.Month, m.Filings, m.HandedOver, m.SameDay})
	}
	return months
}

// stageRows count the units at each stage, then the projects.
func stageRows(d Dashboard) [][]any {
	var stages [][]any
	for _, s := range UnitStages {
		stages = append(stages, []any{s.Label(), d.UnitsByStage[s]})
	}
	for _, s := range ProjectStages {
		stages = append(stages, []any{"项目：" + s.Label(), d.ProjectsByStage[s]})
	}
	return stages
}

// projectRows are the projects, a project a row.
func projectRows(ps []ReportProject) [][]any {
	var projects [][]any
	for _, p := range ps {
		projects = append(projects, []any{p.Name, p.Jurisdiction, p.Stage, p.HandedOver, p.SameDay})
	}
	return projects
}

// unitsTitle is the title of the units' sheet, saying how many are listed
// when the list was cut.
func (r Report) unitsTitle() string {
	if r.UnitsAll > len(r.Units) {
		return fmt.Sprintf("期内交房明细（共%d户，列出前%d户）", r.UnitsAll, len(r.Units))
	}
	return "期内交房明细"
}

// unitRows are the units handed over in the period, a unit a row.
func unitRows(us []ReportUnit) [][]any {
	var units [][]any
	for _, u := range us {
		units = append(units, []any{u.Project, u.Room, u.HandedOverOn, u.CertifiedOn})
	}
	return units
}

// alertRows are the overdue items, an alert a row, dated the day raised.
func alertRows(as []Alert) [][]any {
	var alerts [][]any
	for _, a := range as {
		alerts = append(alerts, []any{a.Kind.Label(), a.OrgName, a.Message, a.RaisedAt.Format("2006-01-02")})
	}
	return alerts
}

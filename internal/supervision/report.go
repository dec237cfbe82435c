package supervision

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"handover/internal/calendar"
)

// ReportProject is a project's line in a report (通报).
type ReportProject struct {
	Name, Jurisdiction, Stage string // the jurisdiction by name
	County                    string // the county it is assessed in, by name (a park's county)
	HandedOver, SameDay       int
}

// CountyLine is a county's line in the report's comparison: assessment is
// per county, a park's projects counting for its county.
type CountyLine struct {
	Name                         string
	Projects, Handed             int // projects, and of them those with units handed over in the period
	HandedOver, SameDay, Overdue int
	Spans                        []Span // working days from filing to certificate of its units handed over
}

// Median is the county's median working days from the completion filing
// to the certificate, and false when no unit handed over has both.
func (c CountyLine) Median() (int, bool) { return Quantile(c.Spans, 0.5) }

// Share is the county's share of units handed over with their certificate
// on the day (0 when none was handed over).
func (c CountyLine) Share() float64 {
	if c.HandedOver == 0 {
		return 0
	}
	return float64(c.SameDay) / float64(c.HandedOver)
}

// CompareCounties sums the projects by county and ranks the counties: the
// highest share of same-day certificates first, then the most units
// handed over, then the fewest overdue items, then by name. overdue counts
// open overdue items by county name, spans the working days from filing to
// certificate by county name; a county with overdue items but no project
// is listed too.
func CompareCounties(projects []ReportProject, overdue map[string]int, spans map[string][]Span) []CountyLine {
	byName := map[string]*CountyLine{}
	line := func(name string) *CountyLine {
		if byName[name] == nil {
			byName[name] = &CountyLine{Name: name}
		}
		return byName[name]
	}
	for _, p := range projects {
		c := line(p.County)
		c.Projects++
		c.HandedOver += p.HandedOver
		c.SameDay += p.SameDay
		if p.HandedOver > 0 {
			c.Handed++
		}
	}
	for name, n := range overdue {
		line(name).Overdue += n
	}
	for name, s := range spans {
		if c := byName[name]; c != nil {
			c.Spans = s
		}
	}
	out := make([]CountyLine, 0, len(byName))
	for _, c := range byName {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b CountyLine) int {
		if a.Share() != b.Share() {
			return cmp.Compare(b.Share(), a.Share())
		}
		if a.HandedOver != b.HandedOver {
			return cmp.Compare(b.HandedOver, a.HandedOver)
		}
		if a.Overdue != b.Overdue {
			return cmp.Compare(a.Overdue, b.Overdue)
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
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
	Counties  []CountyLine // ranked (CompareCounties)
	Units     []ReportUnit
	UnitsAll  int // units handed over in all (Units may be cut)
	Alerts    []Alert
	Generated string
}

// Workbook writes the report as a spreadsheet: the figures, the months,
// the stages, the projects, the units handed over and the overdue items,
// one sheet each. Counts are numbers, the share a percentage, days dates
// (China time), each sheet's head frozen and filterable, its columns as
// wide as they read.
func (r Report) Workbook() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	w, err := newBook(f)
	if err != nil {
		return nil, err
	}
	d := r.D
	sheets := []struct {
		name, title string
		cols        []column
		rows        [][]any
	}{
		{"概况", r.Title, []column{{"指标", 44, text}, {"数值", 22, general}}, summaryRows(r)},
		{"按月", "按月趋势", []column{{"月份", 12, text}, {"竣工验收备案", 14, count}, {"交房（户）", 12, count}, {"当日发证（户）", 14, count}}, monthRows(d)},
		{"阶段", "各阶段户数与项目数", []column{{"阶段", 24, text}, {"数量", 12, count}}, stageRows(d)},
		{"按县市区", "各县市区对比（按交房当日发证比例排序）", []column{{"名次", 8, count}, {"县市区", 18, text}, {"项目", 10, count}, {"期内有交房的项目", 16, count},
			{"期内交房（户）", 14, count}, {"当日发证（户）", 14, count}, {"当日发证比例", 14, percent}, {"备案至发证工作日（中位数）", 16, count},
			{"逾期事项", 10, count}}, countyRows(r.Counties)},
		{"项目", "项目情况", []column{{"项目", 30, text}, {"辖区", 16, text}, {"阶段", 14, text}, {"期内交房（户）", 14, count}, {"当日发证（户）", 14, count}, {"当日发证比例", 14, percent}}, projectRows(r.Projects)},
		{"交房明细", r.unitsTitle(), []column{{"项目", 30, text}, {"户", 20, text}, {"交房日", 12, date}, {"发证日", 12, date}}, unitRows(r.Units)},
		{"逾期事项", "逾期事项", []column{{"事项", 22, text}, {"部门", 28, text}, {"说明", 60, text}, {"发出", 12, date}}, alertRows(r.Alerts)},
	}
	for _, sh := range sheets {
		if err := w.sheet(sh.name, sh.title, sh.cols, sh.rows); err != nil {
			return nil, err
		}
	}
	b, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// format is how a column's cells are shown.
type format int

const (
	text format = iota
	general
	count
	percent
	date
)

// column is a sheet's column: its head, width (characters) and format.
type column struct {
	head  string
	width float64
	format
}

// book writes the report's sheets with its styles.
type book struct {
	f      *excelize.File
	head   int
	styles map[format]int
	first  bool
}

func newBook(f *excelize.File) (*book, error) {
	b := &book{f: f, styles: map[format]int{}, first: true}
	var err error
	if b.head, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DCE6F1"}, Pattern: 1},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}}); err != nil {
		return nil, err
	}
	pct, day := "0.0%", "yyyy-mm-dd"
	for fm, st := range map[format]*excelize.Style{
		count:   {NumFmt: 3}, // #,##0
		percent: {CustomNumFmt: &pct},
		date:    {CustomNumFmt: &day},
	} {
		if b.styles[fm], err = f.NewStyle(st); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// sheet writes one sheet: its title in A1, the head in row 3, the rows
// below; the head frozen, an auto-filter over the table, the widths and
// formats of its columns. The first sheet takes the place of the new
// file's empty one.
func (b *book) sheet(name, title string, cols []column, rows [][]any) error {
	f := b.f
	if b.first {
		if err := f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
		b.first = false
	} else if _, err := f.NewSheet(name); err != nil {
		return err
	}
	if err := f.SetCellValue(name, "A1", title); err != nil {
		return err
	}
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = c.head
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(name, col, col, c.width); err != nil {
			return err
		}
	}
	if err := f.SetSheetRow(name, "A3", &head); err != nil {
		return err
	}
	lastCol, _ := excelize.ColumnNumberToName(len(cols))
	if err := f.SetCellStyle(name, "A3", lastCol+"3", b.head); err != nil {
		return err
	}
	var shares []string // cells holding a percentCell, styled as percentages
	for i, row := range rows {
		row = slices.Clone(row)
		for j, v := range row {
			if p, ok := v.(percentCell); ok {
				row[j] = float64(p)
				cell, _ := excelize.CoordinatesToCellName(j+1, i+4)
				shares = append(shares, cell)
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+4)
		if err := f.SetSheetRow(name, cell, &row); err != nil {
			return err
		}
	}
	for _, cell := range shares {
		if err := f.SetCellStyle(name, cell, cell, b.styles[percent]); err != nil {
			return err
		}
	}
	last := 3 + max(len(rows), 1)
	for i, c := range cols {
		if st, ok := b.styles[c.format]; ok && len(rows) > 0 {
			col, _ := excelize.ColumnNumberToName(i + 1)
			if err := f.SetCellStyle(name, fmt.Sprintf("%s4", col), fmt.Sprintf("%s%d", col, last), st); err != nil {
				return err
			}
		}
	}
	if err := f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return f.AutoFilter(name, fmt.Sprintf("A3:%s%d", lastCol, last), nil)
}

// summaryRows are the report's figures (概况): counts as numbers, the
// share of same-day certificates as a fraction shown as a percentage, the
// spans from filing to certificate as median and 90th percentile, or a
// dash when none.
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
		{"交房当日发证比例", percentCell(d.SameDayShare())},
		{"竣工验收备案至发证工作日（中位数 / 90%分位）", spans},
		{"期内交房项目数", d.ProjectsHanded},
		{"实现交房即交证的项目数", d.ProjectsMeeting},
		{"逾期事项", d.OverdueTotal()},
		{"生成时间", r.Generated},
	}
}

// percentCell is a share as a number the sheet shows as a percentage,
// rounded to the tenth of a percent the page shows.
type percentCell float64

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

// projectRows are the projects, a project a row, with its share of
// same-day certificates (empty when it handed none over).
func projectRows(ps []ReportProject) [][]any {
	var projects [][]any
	for _, p := range ps {
		var share any
		if p.HandedOver > 0 {
			share = float64(p.SameDay) / float64(p.HandedOver)
		}
		projects = append(projects, []any{p.Name, p.Jurisdiction, p.Stage, p.HandedOver, p.SameDay, share})
	}
	return projects
}

// countyRows are the counties in rank order.
func countyRows(cs []CountyLine) [][]any {
	var rows [][]any
	for i, c := range cs {
		var share any
		if c.HandedOver > 0 {
			share = c.Share()
		}
		var median any
		if m, ok := c.Median(); ok {
			median = m
		}
		rows = append(rows, []any{i + 1, c.Name, c.Projects, c.Handed, c.HandedOver, c.SameDay, share, median, c.Overdue})
	}
	return rows
}

// unitsTitle is the title of the units' sheet, saying how many are listed
// when the list was cut.
func (r Report) unitsTitle() string {
	if r.UnitsAll > len(r.Units) {
		return fmt.Sprintf("期内交房明细（共%d户，列出前%d户）", r.UnitsAll, len(r.Units))
	}
	return "期内交房明细"
}

// unitRows are the units handed over in the period, a unit a row, the
// days as dates.
func unitRows(us []ReportUnit) [][]any {
	var units [][]any
	for _, u := range us {
		units = append(units, []any{u.Project, u.Room, dateCell(u.HandedOverOn), dateCell(u.CertifiedOn)})
	}
	return units
}

// dateCell is a day ("2006-01-02") as a date cell, or empty when none.
func dateCell(day string) any {
	d, err := calendar.ParseDate(day)
	if err != nil || d.IsZero() {
		return nil
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
}

// alertRows are the overdue items, an alert a row, dated the day raised in
// China time, as the pages show it.
func alertRows(as []Alert) [][]any {
	var alerts [][]any
	for _, a := range as {
		alerts = append(alerts, []any{a.Kind.Label(), a.OrgName, a.Message, dateCell(calendar.DateOf(a.RaisedAt).String())})
	}
	return alerts
}

// MedianDays is Median for a page, which shows it only when there are
// spans.
func (c CountyLine) MedianDays() int { m, _ := c.Median(); return m }

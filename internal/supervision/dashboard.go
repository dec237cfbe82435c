package supervision

import (
	"slices"

	"handover/internal/calendar"
)

// UnitStage is the furthest a unit has come on the way to its owner's
// certificate; every unit is in exactly one.
type UnitStage string

const (
	Unsold      UnitStage = "unsold"      // 未售
	Sold        UnitStage = "sold"        // 已网签（含备案）
	Completed   UnitStage = "completed"   // 已售且所在幢已竣工验收备案
	Certified   UnitStage = "certified"   // 已发证（未经交房批量）
	HandedOver  UnitStage = "handed_over" // 已交房（交房即交证）
	AllUnits    UnitStage = ""            // every unit, for click-through
	SameDayUnit UnitStage = "same_day"    // handed over with the certificate on the day (a subset of HandedOver)
)

// UnitStages lists the stages in order.
var UnitStages = []UnitStage{Unsold, Sold, Completed, Certified, HandedOver}

// Valid reports whether s is a stage a dashboard number lists: one of
// UnitStages, SameDayUnit, or AllUnits.
func (s UnitStage) Valid() bool {
	return s == AllUnits || s == SameDayUnit || slices.Contains(UnitStages, s)
}

// Label names the stage.
func (s UnitStage) Label() string {
	switch s {
	case Unsold:
		return "未售出"
	case Sold:
		return "已售（网签或备案）"
	case Completed:
		return "已竣工备案待交房"
	case Certified:
		return "已发证（窗口办理）"
	case HandedOver:
		return "已交房"
	case SameDayUnit:
		return "交房当日发证"
	}
	return "全部"
}

// ProjectStage is where a project is.
type ProjectStage string

const (
	Building       ProjectStage = "building"    // 在建（未取得预售许可）
	OnSale         ProjectStage = "on_sale"     // 预售中
	Accepted       ProjectStage = "accepted"    // 已联合验收
	Filed          ProjectStage = "filed"       // 已竣工验收备案
	Handed         ProjectStage = "handed_over" // 已交房
	AllProjects    ProjectStage = ""
	HandedInPeriod ProjectStage = "handed_in_period" // with units handed over in the period
	Meeting        ProjectStage = "meeting"          // of which every unit had its certificate on the day: 实现交房即交证
)

// ProjectStages lists the stages in order.
var ProjectStages = []ProjectStage{Building, OnSale, Accepted, Filed, Handed}

// Valid reports whether s is a stage a dashboard number lists: one of
// ProjectStages, HandedInPeriod, Meeting, or AllProjects.
func (s ProjectStage) Valid() bool {
	return s == AllProjects || s == HandedInPeriod || s == Meeting || slices.Contains(ProjectStages, s)
}

// Label names the stage.
func (s ProjectStage) Label() string {
	switch s {
	case Building:
		return "在建"
	case OnSale:
		return "预售中"
	case Accepted:
		return "已联合验收"
	case Filed:
		return "已竣工验收备案"
	case Handed:
		return "已交房"
	case HandedInPeriod:
		return "期内交房"
	case Meeting:
		return "实现交房即交证"
	}
	return "全部"
}

// Span counts units that took a number of working days from the
// completion filing to their certificate.
type Span struct {
	Workdays int
	Units    int
}

// Month is one month of the trend.
type Month struct {
	Month      string // 2026-11
	Filings    int    // completion filings
	HandedOver int    // units handed over
	SameDay    int    // of which with the certificate on the day
}

// OverdueLine counts one organisation's standing overdue alerts of a kind.
type OverdueLine struct {
	OrgID   int64
	OrgName string
	Kind    AlertKind
	Count   int
}

// Dashboard is the assessment (督查考核) of a jurisdiction (or the whole
// prefecture) now, with the handovers and filings of a period.
type Dashboard struct {
	Jurisdiction string // "" for the prefecture
	From, To     calendar.Date

	Projects        int
	ProjectsByStage map[ProjectStage]int
	Units           int
	UnitsByStage    map[UnitStage]int

	HandedOver      int // in the period
	SameDay         int // of which with the certificate no later than the handover day
	ProjectsHanded  int // projects with units handed over in the period
	ProjectsMeeting int // of which every unit handed over had its certificate on the day

	Spans []Span // working days from filing to certificate, units handed over in the period
	// SpansIn are the same by the units' jurisdiction, for a comparison
	// of counties.
	SpansIn map[string][]Span
	Trend   []Month
	Overdue []OverdueLine
}

// SameDayShare is the reform's measure: the share of the units handed over
// that had their certificate no later than the handover day (0 when none).
func (d Dashboard) SameDayShare() float64 {
	if d.HandedOver == 0 {
		return 0
	}
	return float64(d.SameDay) / float64(d.HandedOver)
}

// Quantile returns the q-quantile (nearest rank) of the working days from
// filing to certificate, and false when there are none.
func (d Dashboard) Quantile(q float64) (int, bool) {
	return Quantile(d.Spans, q)
}

// Quantile is the nearest-rank q-quantile (0 < q ≤ 1) of counted values.
func Quantile(spans []Span, q float64) (int, bool) {
	s := slices.Clone(spans)
	slices.SortFunc(s, func(a, b Span) int { return a.Workdays - b.Workdays })
	total := 0
	for _, x := range s {
		total += x.Units
	}
	if total == 0 {
		return 0, false
	}
	rank := int(q*float64(total) + 0.999999999) // ceil, the nearest rank
	rank = max(rank, 1)
	seen := 0
	for _, x := range s {
		seen += x.Units
		if seen >= rank {
			return x.Workdays, true
		}
	}
	return s[len(s)-1].Workdays, true
}

// OverdueTotal counts the standing overdue alerts.
func (d Dashboard) OverdueTotal() int {
	n := 0
	for _, o := range d.Overdue {
		n += o.Count
	}
	return n
}

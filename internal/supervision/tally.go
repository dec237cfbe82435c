package supervision

import (
	"slices"
	"time"

	"handover/internal/calendar"
)

// How the dashboard's figures follow from the groups the store counts in
// SQL: the store reads counts, these functions add them up, so a page, the
// report and the benchmark's aggregate count by one definition.

// OverdueKinds are the alert kinds the dashboard counts as overdue items:
// the standing alerts of these kinds, by the organisation that must act.
var OverdueKinds = []AlertKind{AcceptanceOverdue, RegistrationOverdue, CommitmentOverdue, ClockRunningOut, DeliveryAtRisk}

// NewDashboard is the empty dashboard of a jurisdiction ("" for the
// prefecture) and period, with the trend's twelve months ending with to's.
func NewDashboard(jurisdiction string, from, to calendar.Date) Dashboard {
	d := Dashboard{Jurisdiction: jurisdiction, From: from, To: to, ProjectsByStage: map[ProjectStage]int{}, UnitsByStage: map[UnitStage]int{}}
	for i := 11; i >= 0; i-- {
		key := time.Date(to.Year(), to.Month()-time.Month(i), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
		d.Trend = append(d.Trend, Month{Month: key})
	}
	return d
}

// TrendFrom is the first day of the trend's first month (2025-12-01).
func (d Dashboard) TrendFrom() string { return d.Trend[0].Month + "-01" }

// HandoversFrom is the first day whose handovers the dashboard counts: the
// period's start or the trend's, whichever is earlier.
func (d Dashboard) HandoversFrom() string { return min(d.From.String(), d.TrendFrom()) }

// month is the trend's month of a day (2026-11-29: 2026-11), nil outside it.
func (d *Dashboard) month(day string) *Month {
	if len(day) < 7 {
		return nil
	}
	for i := range d.Trend {
		if d.Trend[i].Month == day[:7] {
			return &d.Trend[i]
		}
	}
	return nil
}

// CountUnits sets the units by stage (stage → count) and their total.
func (d *Dashboard) CountUnits(byStage map[string]int) {
	for stage, n := range byStage {
		d.UnitsByStage[UnitStage(stage)] = n
		d.Units += n
	}
}

// CountProjects sets the projects by stage (stage → count) and their total.
func (d *Dashboard) CountProjects(byStage map[string]int) {
	for stage, n := range byStage {
		d.ProjectsByStage[ProjectStage(stage)] = n
		d.Projects += n
	}
}

// CountFilings sets the trend's completion filings by month (2026-11 →
// count); months outside the trend are left out.
func (d *Dashboard) CountFilings(byMonth map[string]int) {
	for m, n := range byMonth {
		if x := d.month(m); x != nil {
			x.Filings = n
		}
	}
}

// HandoverGroup counts the units handed over of one project on one day
// with one certificate day and one completion filing day.
type HandoverGroup struct {
	Project      int64
	Jurisdiction string
	HandedOver   string // 2026-11-29
	Certified    string // "" without a certificate
	Filed        string // "" without a completion filing
	Units        int
}

// SameDay says whether the group's units had their certificate no later
// than the handover day: the reform's measure.
func (g HandoverGroup) SameDay() bool { return g.Certified != "" && g.Certified <= g.HandedOver }

// Meets says whether a project meets 交房即交证 in a period: it handed units
// over, and every one of them had its certificate on the day.
func Meets(handedOver, sameDay int) bool { return handedOver > 0 && sameDay == handedOver }

// Workdays counts the working days from one day to another in a
// jurisdiction's calendar.
type Workdays func(jurisdiction string, from, to calendar.Date) (int, error)

// CountHandovers adds the handover groups: each month of the trend, and for
// the period the units, the same-day ones, the projects that handed over
// and those that meet 交房即交证, and the working days from filing to
// certificate of the units with both (asked of workdays; a day that does
// not parse is left out of the spans).
func (d *Dashboard) CountHandovers(groups []HandoverGroup, workdays Workdays) error {
	type tally struct{ n, same int }
	projects := map[int64]*tally{}
	spans := map[int]int{}
	spansIn := map[string]map[int]int{}
	from, to := d.From.String(), d.To.String()
	for _, g := range groups {
		same := g.SameDay()
		if m := d.month(g.HandedOver); m != nil {
			m.HandedOver += g.Units
			if same {
				m.SameDay += g.Units
			}
		}
		if g.HandedOver < from || g.HandedOver > to {
			continue
		}
		t := projects[g.Project]
		if t == nil {
			t = &tally{}
			projects[g.Project] = t
		}
		t.n += g.Units
		d.HandedOver += g.Units
		if same {
			t.same += g.Units
			d.SameDay += g.Units
		}
		filed, err1 := calendar.ParseDate(g.Filed)
		cert, err2 := calendar.ParseDate(g.Certified)
		if g.Certified == "" || g.Filed == "" || err1 != nil || err2 != nil {
			continue
		}
		n, err := workdays(g.Jurisdiction, filed, cert)
		if err != nil {
			return err
		}
		spans[n] += g.Units
		if spansIn[g.Jurisdiction] == nil {
			spansIn[g.Jurisdiction] = map[int]int{}
		}
		spansIn[g.Jurisdiction][n] += g.Units
	}
	for _, t := range projects {
		d.ProjectsHanded++
		if Meets(t.n, t.same) {
			d.ProjectsMeeting++
		}
	}
	d.Spans = spanList(spans)
	d.SpansIn = map[string][]Span{}
	for j, m := range spansIn {
		d.SpansIn[j] = spanList(m)
	}
	return nil
}

// spanList is counted working days as spans, fewest days first.
func spanList(units map[int]int) []Span {
	out := make([]Span, 0, len(units))
	for wd, n := range units {
		out = append(out, Span{Workdays: wd, Units: n})
	}
	slices.SortFunc(out, func(a, b Span) int { return a.Workdays - b.Workdays })
	return out
}

// ProjectIn says whether a project at stage now, with handedOver units
// handed over in the period (sameDay of them with the certificate on the
// day), is behind the dashboard's number want: a stage now, or
// HandedInPeriod, or Meeting, or AllProjects.
func ProjectIn(want, stage ProjectStage, handedOver, sameDay int) bool {
	switch want {
	case AllProjects:
		return true
	case Meeting:
		return Meets(handedOver, sameDay)
	case HandedInPeriod:
		return handedOver > 0
	}
	return stage == want
}

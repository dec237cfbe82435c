package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"handover/internal/calendar"
	"handover/internal/supervision"
)

// unitStageFrom joins what a unit's stage depends on (units u): its
// handover (h), its live sale (x) and its building's completion filing
// (fb). Each is at most one row per unit (one done handover, one live
// contract, one filing per building), so the join keeps one row per unit.
const unitStageFrom = ` FROM units u JOIN buildings b ON b.id = u.building_id JOIN projects p ON p.id = b.project_id
	LEFT JOIN handover_units h ON h.unit_id = u.id AND h.state = 'done'
	LEFT JOIN contracts x ON x.unit_id = u.id AND x.state IN ('signed', 'filed')
	LEFT JOIN completion_filing_buildings fb ON fb.building_id = u.building_id`

// unitStageSQL is the stage of unit u over unitStageFrom: the furthest it
// has come. One expression for the counts and the lists, so that a number
// and the records behind it never disagree.
var unitStageSQL = `CASE
	WHEN h.unit_id IS NOT NULL THEN 'handed_over'
	WHEN EXISTS (SELECT 1 FROM certificates c WHERE c.unit_id = u.id AND ` + certifiedSQL("c") + `) THEN 'certified'
	WHEN x.id IS NOT NULL AND fb.building_id IS NOT NULL THEN 'completed'
	WHEN x.id IS NOT NULL THEN 'sold'
	ELSE 'unsold' END`

// projectStageSQL is the stage of project p.
const projectStageSQL = `CASE
	WHEN EXISTS (SELECT 1 FROM handover_events e WHERE e.project_id = p.id AND e.done > 0) THEN 'handed_over'
	WHEN EXISTS (SELECT 1 FROM completion_filings f WHERE f.project_id = p.id) THEN 'filed'
	WHEN EXISTS (SELECT 1 FROM acceptance_cases k WHERE k.project_id = p.id AND k.state = 'passed') THEN 'accepted'
	WHEN EXISTS (SELECT 1 FROM presale_permits pp WHERE pp.project_id = p.id) THEN 'on_sale'
	ELSE 'building' END`

// sameDaySQL says whether handover unit h had its certificate no later
// than the handover day.
const sameDaySQL = `(h.certified_on <> '' AND h.certified_on <= h.handed_over_on)`

// overdueKinds are the alert kinds the dashboard counts as overdue items.
var overdueKinds = []supervision.AlertKind{supervision.AcceptanceOverdue, supervision.RegistrationOverdue, supervision.CommitmentOverdue,
	supervision.ClockRunningOut, supervision.DeliveryAtRisk}

// DashboardQuery selects the dashboard's jurisdiction and period.
type DashboardQuery struct {
	Jurisdiction string // "" for the prefecture
	From, To     calendar.Date
}

// scope adds the jurisdiction condition on column col.
func (q DashboardQuery) scope(col string, args *[]any) string {
	if q.Jurisdiction == "" {
		return "TRUE"
	}
	*args = append(*args, q.Jurisdiction)
	return fmt.Sprintf("%s = $%d", col, len(*args))
}

// Dashboard computes the assessment figures: a fixed number of aggregate
// queries whatever the size, and the working days per distinct (filing
// day, certificate day) pair.
func (db *DB) Dashboard(ctx context.Context, cal *calendar.Calendar, q DashboardQuery) (supervision.Dashboard, error) {
	d := supervision.Dashboard{Jurisdiction: q.Jurisdiction, From: q.From, To: q.To,
		ProjectsByStage: map[supervision.ProjectStage]int{}, UnitsByStage: map[supervision.UnitStage]int{}}
	r := db.r()
	var args []any
	units, err := countBy(ctx, r, `SELECT `+unitStageSQL+` AS stage, COUNT(*)`+unitStageFrom+` WHERE `+q.scope("p.jurisdiction", &args)+
		` GROUP BY stage`, args...)
	if err != nil {
		return d, err
	}
	for stage, n := range units {
		d.UnitsByStage[supervision.UnitStage(stage)] = n
		d.Units += n
	}
	args = nil
	byProject, err := countBy(ctx, r, `SELECT stage, COUNT(*) FROM (SELECT `+projectStageSQL+` AS stage FROM projects p WHERE `+
		q.scope("p.jurisdiction", &args)+`) s GROUP BY stage`, args...)
	if err != nil {
		return d, err
	}
	for stage, n := range byProject {
		d.ProjectsByStage[supervision.ProjectStage(stage)] = n
		d.Projects += n
	}

	// The handovers of the period and of the trend's twelve months, in one
	// pass grouped by project, day handed over, filing day and certificate
	// day: the per-project counts, the months and the working days from
	// filing to certificate all follow from these groups.
	months := map[string]*supervision.Month{}
	for i := 11; i >= 0; i-- {
		key := time.Date(q.To.Year(), q.To.Month()-time.Month(i), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
		months[key] = &supervision.Month{Month: key}
		d.Trend = append(d.Trend, supervision.Month{Month: key})
	}
	from := min(q.From.String(), d.Trend[0].Month+"-01")
	args = []any{from, q.To.String()}
	rows, err := r.QueryContext(ctx, `SELECT e.project_id, p.jurisdiction, h.handed_over_on, h.certified_on, COALESCE(f.filed_on, ''), COUNT(*)
		FROM handover_units h JOIN handover_events e ON e.id = h.event_id JOIN projects p ON p.id = e.project_id
		JOIN units u ON u.id = h.unit_id LEFT JOIN completion_filing_buildings fb ON fb.building_id = u.building_id
		LEFT JOIN completion_filings f ON f.id = fb.filing_id
		WHERE h.state = 'done' AND h.handed_over_on BETWEEN $1 AND $2 AND `+q.scope("p.jurisdiction", &args)+`
		GROUP BY e.project_id, p.jurisdiction, h.handed_over_on, h.certified_on, f.filed_on`, args...)
	if err != nil {
		return d, err
	}
	type group struct {
		project      int64
		j            string
		handed, cert string
		filed        string
		n            int
	}
	var groups []group
	for rows.Next() {
		var g group
		if err := rows.Scan(&g.project, &g.j, &g.handed, &g.cert, &g.filed, &g.n); err != nil {
			rows.Close()
			return d, err
		}
		groups = append(groups, g)
	}
	rows.Close()
	type tally struct{ n, same int }
	projects := map[int64]*tally{}
	regions := map[string]string{}
	spans := map[int]int{}
	period := [2]string{q.From.String(), q.To.String()}
	for _, g := range groups {
		same := g.cert != "" && g.cert <= g.handed
		if m := months[g.handed[:7]]; m != nil {
			m.HandedOver += g.n
			if same {
				m.SameDay += g.n
			}
		}
		if g.handed < period[0] || g.handed > period[1] {
			continue
		}
		t := projects[g.project]
		if t == nil {
			t = &tally{}
			projects[g.project] = t
		}
		t.n += g.n
		d.HandedOver += g.n
		if same {
			t.same += g.n
			d.SameDay += g.n
		}
		if g.cert == "" || g.filed == "" {
			continue
		}
		region, ok := regions[g.j]
		if !ok {
			if err := r.QueryRowContext(ctx, `SELECT region FROM jurisdictions WHERE code = $1`, g.j).Scan(&region); err != nil {
				return d, err
			}
			regions[g.j] = region
		}
		filed, err1 := calendar.ParseDate(g.filed)
		cert, err2 := calendar.ParseDate(g.cert)
		if err1 != nil || err2 != nil {
			continue
		}
		n, _, err := cal.WorkdaysBetween(filed, cert, region)
		if err != nil {
			return d, err
		}
		spans[n] += g.n
	}
	for _, t := range projects {
		d.ProjectsHanded++
		if t.same == t.n {
			d.ProjectsMeeting++
		}
	}
	for wd, n := range spans {
		d.Spans = append(d.Spans, supervision.Span{Workdays: wd, Units: n})
	}
	args = []any{d.Trend[0].Month + "-01", q.To.String()}
	rows, err = r.QueryContext(ctx, `SELECT substr(f.filed_on, 1, 7), COUNT(*) FROM completion_filings f
		WHERE f.filed_on BETWEEN $1 AND $2 AND `+q.scope("f.jurisdiction", &args)+` GROUP BY substr(f.filed_on, 1, 7)`, args...)
	if err != nil {
		return d, err
	}
	for rows.Next() {
		var m string
		var n int
		if err := rows.Scan(&m, &n); err != nil {
			rows.Close()
			return d, err
		}
		if x := months[m]; x != nil {
			x.Filings = n
		}
	}
	rows.Close()
	for i := range d.Trend {
		d.Trend[i] = *months[d.Trend[i].Month]
	}

	// Overdue items by department: the standing alerts of the overdue kinds.
	args = nil
	var kinds []string
	for _, k := range overdueKinds {
		args = append(args, string(k))
		kinds = append(kinds, fmt.Sprintf("$%d", len(args)))
	}
	rows, err = r.QueryContext(ctx, `SELECT a.org_id, COALESCE(o.name, ''), a.kind, COUNT(*) FROM alerts a LEFT JOIN organisations o ON o.id = a.org_id
		WHERE a.state <> 'resolved' AND a.kind IN (`+strings.Join(kinds, ", ")+`) AND `+q.scope("a.jurisdiction", &args)+`
		GROUP BY a.org_id, o.name, a.kind ORDER BY COUNT(*) DESC, a.org_id`, args...)
	if err != nil {
		return d, err
	}
	defer rows.Close()
	for rows.Next() {
		var o supervision.OverdueLine
		if err := rows.Scan(&o.OrgID, &o.OrgName, &o.Kind, &o.Count); err != nil {
			return d, err
		}
		d.Overdue = append(d.Overdue, o)
	}
	return d, rows.Err()
}

// countBy runs a query of (key, count) rows.
func countBy(ctx context.Context, q querier, text string, args ...any) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

// DashboardUnit is one unit behind a dashboard number.
type DashboardUnit struct {
	UnitID, ProjectID int64
	Project           string
	Building          string // the building's name (3号楼)
	Room              string
	HandedOverOn      string
	CertifiedOn       string
}

// DrillQuery names the units behind a number: a stage now, or the units
// handed over in the period (optionally the same-day ones, or one month).
type DrillQuery struct {
	DashboardQuery
	Stage supervision.UnitStage // a stage; HandedOver or SameDayUnit with a period
	Month string                // 2026-11: handed over in that month
	Limit int
}

// DashboardUnits lists the units behind a number (at most Limit, default
// 500) and how many there are in all.
func (db *DB) DashboardUnits(ctx context.Context, q DrillQuery) ([]DashboardUnit, int, error) {
	var args []any
	where := []string{q.scope("p.jurisdiction", &args)}
	from := unitStageFrom
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	switch {
	case q.Month != "":
		where = append(where, `h.handed_over_on LIKE `+arg(q.Month+"-%"))
	case q.Stage == supervision.HandedOver || q.Stage == supervision.SameDayUnit:
		if !q.From.IsZero() {
			where = append(where, `h.handed_over_on BETWEEN `+arg(q.From.String())+` AND `+arg(q.To.String()))
		} else {
			where = append(where, `h.unit_id IS NOT NULL`)
		}
		if q.Stage == supervision.SameDayUnit {
			where = append(where, sameDaySQL)
		}
	case q.Stage != supervision.AllUnits:
		where = append(where, `(`+unitStageSQL+`) = `+arg(string(q.Stage)))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := db.r().QueryRowContext(ctx, `SELECT COUNT(*)`+from+` WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 500
	}
	rows, err := db.r().QueryContext(ctx, `SELECT u.id, p.id, p.name, b.name, u.room, COALESCE(h.handed_over_on, ''), COALESCE(h.certified_on, '')`+from+
		` WHERE `+cond+` ORDER BY p.id, b.number, u.number LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []DashboardUnit
	for rows.Next() {
		var x DashboardUnit
		if err := rows.Scan(&x.UnitID, &x.ProjectID, &x.Project, &x.Building, &x.Room, &x.HandedOverOn, &x.CertifiedOn); err != nil {
			return nil, 0, err
		}
		out = append(out, x)
	}
	return out, total, rows.Err()
}

// DashboardProject is one project behind a dashboard number.
type DashboardProject struct {
	ID           int64
	Name         string
	Jurisdiction string
	Stage        supervision.ProjectStage
	HandedOver   int
	SameDay      int
}

// DashboardProjects lists the projects behind a number: those at a stage
// now, or those with units handed over in the period (HandedInPeriod), or
// those of them that meet 交房即交证 (Meeting).
func (db *DB) DashboardProjects(ctx context.Context, q DashboardQuery, stage supervision.ProjectStage) ([]DashboardProject, error) {
	var args []any
	rows, err := db.r().QueryContext(ctx, `SELECT p.id, p.name, p.jurisdiction, `+projectStageSQL+` FROM projects p WHERE `+
		q.scope("p.jurisdiction", &args)+` ORDER BY p.id`, args...)
	if err != nil {
		return nil, err
	}
	var all []DashboardProject
	for rows.Next() {
		var x DashboardProject
		if err := rows.Scan(&x.ID, &x.Name, &x.Jurisdiction, &x.Stage); err != nil {
			rows.Close()
			return nil, err
		}
		all = append(all, x)
	}
	rows.Close()
	// The handovers of the period, per project, in one pass.
	args = []any{q.From.String(), q.To.String()}
	rows, err = db.r().QueryContext(ctx, `SELECT e.project_id, COUNT(*), SUM(CASE WHEN `+sameDaySQL+` THEN 1 ELSE 0 END)
		FROM handover_units h JOIN handover_events e ON e.id = h.event_id JOIN projects p ON p.id = e.project_id
		WHERE h.state = 'done' AND h.handed_over_on BETWEEN $1 AND $2 AND `+q.scope("p.jurisdiction", &args)+` GROUP BY e.project_id`, args...)
	if err != nil {
		return nil, err
	}
	type tally struct{ n, same int }
	counts := map[int64]tally{}
	for rows.Next() {
		var id int64
		var t tally
		if err := rows.Scan(&id, &t.n, &t.same); err != nil {
			rows.Close()
			return nil, err
		}
		counts[id] = t
	}
	rows.Close()
	var out []DashboardProject
	for _, x := range all {
		x.HandedOver, x.SameDay = counts[x.ID].n, counts[x.ID].same
		switch stage {
		case supervision.AllProjects:
		case supervision.Meeting:
			if x.HandedOver == 0 || x.SameDay != x.HandedOver {
				continue
			}
		case supervision.HandedInPeriod:
			if x.HandedOver == 0 {
				continue
			}
		default:
			if x.Stage != stage {
				continue
			}
		}
		out = append(out, x)
	}
	return out, nil
}

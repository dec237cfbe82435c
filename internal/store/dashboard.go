package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"handover/internal/calendar"
	"handover/internal/supervision"
)

// unitsFrom is the units (u) with their buildings (b) and projects (p).
const unitsFrom = `FROM units u JOIN buildings b ON b.id = u.building_id JOIN projects p ON p.id = b.project_id`

// unitStageFrom is unitsFrom with what the lists show beside each unit: its
// day of handover (h) and its live sale (x). Each is at most one row per
// unit, so the joins keep one row per unit, and a list whose conditions
// read neither counts over unitsFrom alone (DrillQuery.conditions).
//
// A unit's stage is not worked out here: it is units.stage, which the
// database keeps from the one definition, the view unit_stages (migration
// 0039), as the facts change. The counts and the lists both read that
// column, so that a number and the records behind it never disagree, and
// counting a million units is one scan of one table.
const unitStageFrom = unitsFrom + `
	LEFT JOIN handover_units h ON h.unit_id = u.id AND ` + handedOverSQL + `
	LEFT JOIN contracts x ON x.unit_id = u.id AND x.state IN ('signed', 'filed')`

// projectStageSQL is the stage of project p.
const projectStageSQL = `CASE
	WHEN EXISTS (SELECT 1 FROM handover_events e WHERE e.project_id = p.id AND (e.done > 0 OR e.blocked > 0)) THEN 'handed_over'
	WHEN EXISTS (SELECT 1 FROM completion_filings f WHERE f.project_id = p.id) THEN 'filed'
	WHEN EXISTS (SELECT 1 FROM acceptance_cases k WHERE k.project_id = p.id AND k.state = 'passed') THEN 'accepted'
	WHEN EXISTS (SELECT 1 FROM presale_permits pp WHERE pp.project_id = p.id) THEN 'on_sale'
	ELSE 'building' END`

// handedOverSQL says whether handover unit h had its keys handed over: at
// a handover event, with its certificate (done) or without it (blocked:
// the developer may not make the deed tax or any registration matter a
// condition of handover, docs/domain.md §5.12, so a blocked flat is a flat
// handed over that missed 交房即交证). The reform's measure counts every
// such flat; the dashboard, the 通报, the public project page, the events
// and the late-delivery record all ask this one expression, which the
// views unit_stages and handover_tally_facts repeat
// (TestUnitStagesDefinition) (also beside a range of days, where it lets
// the partial index handover_units_handed serve the range).
const handedOverSQL = `h.handed_over_on <> ''`

// sameDaySQL says whether handover unit h had its certificate no later
// than the handover day (a blocked flat has none: its certified_on is empty).
const sameDaySQL = `(h.certified_on <> '' AND h.certified_on <= h.handed_over_on)`

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
// queries whatever the size, added up by supervision, and the working days
// per distinct (filing day, certificate day, region).
func (db *DB) Dashboard(ctx context.Context, cal *calendar.Calendar, q DashboardQuery) (supervision.Dashboard, error) {
	d := supervision.NewDashboard(q.Jurisdiction, q.From, q.To)
	r := db.r()
	if err := countStages(ctx, r, q, &d); err != nil {
		return d, err
	}
	groups, err := handoverGroups(ctx, r, q, d.HandoversFrom())
	if err != nil {
		return d, err
	}
	if err := d.CountHandovers(groups, regionWorkdays(ctx, r, cal)); err != nil {
		return d, err
	}
	filings, err := filingMonths(ctx, r, q, d.TrendFrom())
	if err != nil {
		return d, err
	}
	d.CountFilings(filings)
	d.Overdue, err = overdueLines(ctx, r, q)
	return d, err
}

// countStages counts the units and the projects by their stage now.
func countStages(ctx context.Context, r querier, q DashboardQuery, d *supervision.Dashboard) error {
	var args []any
	where := "TRUE"
	if q.Jurisdiction != "" { // the prefecture's units are all units
		where = `u.building_id IN (SELECT b.id FROM buildings b JOIN projects p ON p.id = b.project_id WHERE ` + q.scope("p.jurisdiction", &args) + `)`
	}
	text := `SELECT u.stage, COUNT(*) FROM units u WHERE ` + where + ` GROUP BY u.stage`
	units, err := countBy(ctx, r, text, args...)
	if err != nil {
		return err
	}
	d.CountUnits(units)
	args = nil
	text = `SELECT stage, COUNT(*) FROM (SELECT ` + projectStageSQL + ` AS stage FROM projects p WHERE ` + q.scope("p.jurisdiction", &args) +
		`) s GROUP BY stage`
	projects, err := countBy(ctx, r, text, args...)
	d.CountProjects(projects)
	return err
}

// filingMonths counts the completion filings by month from a day to the
// period's end.
func filingMonths(ctx context.Context, r querier, q DashboardQuery, from string) (map[string]int, error) {
	args := []any{from, q.To.String()}
	text := `SELECT substr(f.filed_on, 1, 7), COUNT(*) FROM completion_filings f WHERE f.filed_on BETWEEN $1 AND $2 AND ` +
		q.scope("f.jurisdiction", &args) + ` GROUP BY substr(f.filed_on, 1, 7)`
	return countBy(ctx, r, text, args...)
}

// handoverGroups reads the units handed over from a day to the period's
// end, grouped by project, day handed over, certificate day and filing
// day: the per-project counts, the months and the working days from
// filing to certificate all follow from these groups. It reads the kept
// tallies (migration 0041), a few rows a building and day, not every flat
// handed over in the period; a building's filing day is joined to its
// tallies.
func handoverGroups(ctx context.Context, r querier, q DashboardQuery, from string) ([]supervision.HandoverGroup, error) {
	args := []any{from, q.To.String()}
	text := `SELECT t.project_id, p.jurisdiction, t.handed_over_on, t.certified_on, COALESCE(f.filed_on, ''), SUM(t.units)
		FROM handover_tallies t JOIN projects p ON p.id = t.project_id
		LEFT JOIN completion_filing_buildings fb ON fb.building_id = t.building_id
		LEFT JOIN completion_filings f ON f.id = fb.filing_id
		WHERE t.units > 0 AND t.handed_over_on BETWEEN $1 AND $2 AND ` + q.scope("p.jurisdiction", &args) + `
		GROUP BY t.project_id, p.jurisdiction, t.handed_over_on, t.certified_on, f.filed_on`
	return scanAll(ctx, r, func(rows *sql.Rows, g *supervision.HandoverGroup) error {
		return rows.Scan(&g.Project, &g.Jurisdiction, &g.HandedOver, &g.Certified, &g.Filed, &g.Units)
	}, text, args...)
}

// regionWorkdays counts working days in a jurisdiction's region (read
// once per jurisdiction), once per distinct (region, from, to).
func regionWorkdays(ctx context.Context, r querier, cal *calendar.Calendar) supervision.Workdays {
	type span struct {
		region   string
		from, to calendar.Date
	}
	regions := map[string]string{}
	counted := map[span]int{}
	return func(j string, from, to calendar.Date) (int, error) {
		region, ok := regions[j]
		if !ok {
			if err := r.QueryRowContext(ctx, `SELECT region FROM jurisdictions WHERE code = $1`, j).Scan(&region); err != nil {
				return 0, err
			}
			regions[j] = region
		}
		key := span{region, from, to}
		if n, ok := counted[key]; ok {
			return n, nil
		}
		n, _, err := cal.WorkdaysBetween(from, to, region)
		counted[key] = n
		return n, err
	}
}

// overdueLines counts the standing alerts of the overdue kinds by the
// organisation that must act, most first.
func overdueLines(ctx context.Context, r querier, q DashboardQuery) ([]supervision.OverdueLine, error) {
	var args []any
	var kinds []string
	for _, k := range supervision.OverdueKinds {
		args = append(args, string(k))
		kinds = append(kinds, fmt.Sprintf("$%d", len(args)))
	}
	text := `SELECT a.org_id, COALESCE(o.name, ''), a.kind, COUNT(*) FROM alerts a LEFT JOIN organisations o ON o.id = a.org_id
		WHERE a.state <> 'resolved' AND a.kind IN (` + strings.Join(kinds, ", ") + `) AND ` + q.scope("a.jurisdiction", &args) + `
		GROUP BY a.org_id, o.name, a.kind ORDER BY COUNT(*) DESC, a.org_id`
	return scanAll(ctx, r, func(rows *sql.Rows, o *supervision.OverdueLine) error {
		return rows.Scan(&o.OrgID, &o.OrgName, &o.Kind, &o.Count)
	}, text, args...)
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
	UnitNo            string // 不动产单元号
	DueOn             string // the day it is due to be handed over ("" once handed over, or when none is set)
	HandedOverOn      string
	CertifiedOn       string
}

// DrillQuery names the units behind a number: a stage now, or the units
// handed over in the period (optionally the same-day ones, or one month).
type DrillQuery struct {
	DashboardQuery
	Stage  supervision.UnitStage // a stage; HandedOver or SameDayUnit with a period
	Month  string                // 2026-11: handed over in that month
	Search string                // part of a flat (幢 and 户), of a unit number or of a project's name
	Limit  int                   // DashboardUnits: at most this many (default 500)
	Page   Page                  // DashboardUnitList: the page asked for
}

// unitDueSQL is the day unit u is due to be handed over, over
// unitStageFrom: its live contract's delivery date, else its project's
// planned delivery; NULL once it is handed over (or when neither is set).
const unitDueSQL = `CASE WHEN h.unit_id IS NULL THEN COALESCE(x.delivery_date, p.planned_delivery) END`

// dashboardUnitColumns are a DashboardUnit's, over unitStageFrom.
const dashboardUnitColumns = `u.id, p.id, p.name, b.name, u.room, u.unit_no, COALESCE(` + unitDueSQL + `, ''),
	COALESCE(h.handed_over_on, ''), COALESCE(h.certified_on, '')`

func scanDashboardUnit(r rowScanner) (DashboardUnit, error) {
	var x DashboardUnit
	err := r.Scan(&x.UnitID, &x.ProjectID, &x.Project, &x.Building, &x.Room, &x.UnitNo, &x.DueOn, &x.HandedOverOn, &x.CertifiedOn)
	return x, err
}

// conditions adds the units the query names to l: the list and the
// report's units select the same ones, as the dashboard counts them. When
// no condition reads the handover or the sale, the units are counted
// without joining them (at 100,000 units on PostgreSQL the joins took
// 0.35 s of the count).
func (q DrillQuery) conditions(l *listQuery) {
	if q.Jurisdiction != "" {
		l.and(`p.jurisdiction = ` + l.arg(q.Jurisdiction))
	}
	switch {
	case q.Month != "":
		l.and(`h.handed_over_on LIKE ` + l.arg(q.Month+"-%"))
	case q.Stage == supervision.HandedOver || q.Stage == supervision.SameDayUnit:
		if !q.From.IsZero() {
			l.and(`h.handed_over_on BETWEEN ` + l.arg(q.From.String()) + ` AND ` + l.arg(q.To.String()))
		} else {
			l.and(`h.unit_id IS NOT NULL`)
		}
		if q.Stage == supervision.SameDayUnit {
			l.and(sameDaySQL)
		}
	default:
		l.countFrom = unitsFrom
		if q.Stage != supervision.AllUnits {
			l.and(`u.stage = ` + l.arg(string(q.Stage)))
		}
	}
	l.like(q.Search, `b.name || ' ' || u.room`, `u.unit_no`, `p.name`)
}

// DashboardUnits lists the units behind a number for the report (at most
// Limit, default 500, in the order of the projects and their 楼盘表) and
// how many there are in all.
func (db *DB) DashboardUnits(ctx context.Context, q DrillQuery) ([]DashboardUnit, int, error) {
	l := db.newList()
	q.conditions(l)
	var total int
	if err := db.r().QueryRowContext(ctx, `SELECT COUNT(*) `+l.counted(unitStageFrom)+l.cond(), l.args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 500
	}
	text := `SELECT ` + dashboardUnitColumns + ` ` + unitStageFrom + l.cond() + ` ORDER BY p.id, b.number, u.number LIMIT ` + l.arg(limit)
	out, err := scanAll(ctx, db.r(), func(rows *sql.Rows, x *DashboardUnit) (err error) {
		*x, err = scanDashboardUnit(rows)
		return err
	}, text, l.args...)
	return out, total, err
}

// DashboardUnitList lists the units behind a number a page at a time: the
// soonest due to be handed over first (its contract's delivery date, else
// its project's planned one), then those handed over by the day, then by
// id.
func (db *DB) DashboardUnitList(ctx context.Context, q DrillQuery) (Listed[DashboardUnit], error) {
	l := db.newList()
	q.conditions(l)
	return list(ctx, db.r(), q.Page, dashboardUnitColumns, unitStageFrom,
		`(`+unitDueSQL+`) IS NULL, `+unitDueSQL+`, h.handed_over_on, u.id`, l, scanDashboardUnit)
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
		WHERE `+handedOverSQL+` AND h.handed_over_on BETWEEN $1 AND $2 AND `+q.scope("p.jurisdiction", &args)+` GROUP BY e.project_id`, args...)
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
		if supervision.ProjectIn(stage, x.Stage, x.HandedOver, x.SameDay) {
			out = append(out, x)
		}
	}
	return out, nil
}

// StageAstray is a unit whose kept stage is not the one its facts give.
type StageAstray struct {
	UnitID    int64
	UnitNo    string
	Kept, Now supervision.UnitStage
}

// StagesAstray returns the units (at most 20) whose kept stage,
// units.stage, is not the one the view unit_stages gives from their facts
// now. There are none while the triggers of migration 0039 see every write
// that changes a stage; the store's tests check it after each test.
func (db *DB) StagesAstray(ctx context.Context) ([]StageAstray, error) {
	return scanAll(ctx, db.r(), func(rows *sql.Rows, x *StageAstray) error {
		return rows.Scan(&x.UnitID, &x.UnitNo, &x.Kept, &x.Now)
	}, `SELECT u.id, u.unit_no, u.stage, s.stage FROM units u JOIN unit_stages s ON s.id = u.id WHERE u.stage <> s.stage ORDER BY u.id LIMIT 20`)
}

// TallyAstray is a handover tally whose kept count is not the one the
// handovers give.
type TallyAstray struct {
	ProjectID, BuildingID int64
	HandedOver, Certified string
	Kept, Now             int
}

// TalliesAstray returns the handover tallies (at most 20) whose kept
// count, handover_tallies.units, is not the one the view
// handover_tally_facts gives from the handovers now. There are none while
// the triggers of migration 0041 see every write that changes one; the
// store's tests check it after each test.
func (db *DB) TalliesAstray(ctx context.Context) ([]TallyAstray, error) {
	scan := func(rows *sql.Rows, x *TallyAstray) error {
		return rows.Scan(&x.ProjectID, &x.BuildingID, &x.HandedOver, &x.Certified, &x.Kept, &x.Now)
	}
	kept, err := scanAll(ctx, db.r(), scan, `SELECT t.project_id, t.building_id, t.handed_over_on, t.certified_on, t.units, COALESCE(f.units, 0)
		FROM handover_tallies t LEFT JOIN handover_tally_facts f ON f.project_id = t.project_id AND f.building_id = t.building_id
			AND f.handed_over_on = t.handed_over_on AND f.certified_on = t.certified_on
		WHERE t.units <> COALESCE(f.units, 0) LIMIT 20`)
	if err != nil {
		return nil, err
	}
	missing, err := scanAll(ctx, db.r(), scan, `SELECT f.project_id, f.building_id, f.handed_over_on, f.certified_on, 0, f.units
		FROM handover_tally_facts f WHERE NOT EXISTS (SELECT 1 FROM handover_tallies t WHERE t.project_id = f.project_id
			AND t.building_id = f.building_id AND t.handed_over_on = f.handed_over_on AND t.certified_on = f.certified_on) LIMIT 20`)
	return append(kept, missing...), err
}

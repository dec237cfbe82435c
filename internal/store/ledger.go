package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/shopspring/decimal"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/ledger"
	"handover/internal/measure"
	"handover/internal/problem"
	"handover/internal/registry"
)

// ---- projects

const projectColumns = `p.id, p.name, p.developer_org, o.name, p.jurisdiction, p.address, p.planned_delivery,
	p.total_investment, p.invested, p.reform, p.created_at, p.updated_at, COALESCE(p.surveyor_org, 0)`

const projectFrom = ` FROM projects p JOIN organisations o ON o.id = p.developer_org`

func scanProject(r interface{ Scan(...any) error }) (ledger.Project, error) {
	var p ledger.Project
	var cents projectCents
	err := r.Scan(projectDest(&p, &cents)...)
	cents.set(&p)
	return p, err
}

// projectCents are a project's amounts as stored, in cents.
type projectCents struct{ total, invested int64 }

func (c projectCents) set(p *ledger.Project) {
	p.TotalInvestment, p.Invested = measure.FromCents(c.total), measure.FromCents(c.invested)
}

// projectDest are the destinations of projectColumns.
func projectDest(p *ledger.Project, c *projectCents) []any {
	return []any{&p.ID, &p.Name, &p.Developer, &p.DeveloperName, &p.Jurisdiction, &p.Address, &p.PlannedDelivery,
		&c.total, &c.invested, &p.Reform, &p.CreatedAt, &p.UpdatedAt, &p.Surveyor}
}

// CreateProject creates a developer's project, when the request's
// principal may manage a project of its developer in its jurisdiction.
func (db *DB) CreateProject(ctx context.Context, actor audit.Actor, p ledger.Project) (ledger.Project, error) {
	if err := decide(ctx, access.ProjectManage, access.ProjectTarget(p)); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	err := db.transact(ctx, actor, func(tx *Tx) error {
		kind, err := orgKind(ctx, tx.q(), p.Developer, "")
		if err != nil {
			return err
		}
		if err := ledger.CheckDeveloper(kind); err != nil {
			return err
		}
		if _, err := db.jurisdictionTx(ctx, tx, p.Jurisdiction); err != nil {
			return err
		}
		p.CreatedAt, p.UpdatedAt = tx.now, tx.now
		id, err := tx.insertID(ctx, `INSERT INTO projects (name, developer_org, jurisdiction, address, planned_delivery,
			total_investment, invested, reform, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
			p.Name, p.Developer, p.Jurisdiction, p.Address, p.PlannedDelivery, measure.Cents(p.TotalInvestment),
			measure.Cents(p.Invested), p.Reform, tx.now)
		if isUniqueViolation(err) {
			return problem.New(problem.Conflict, "project.exists", "本企业已有同名项目")
		}
		if err != nil {
			return err
		}
		p.ID = id
		tx.Audit("project.create", "project", id, map[string]any{"after": projectSummary(p)})
		return nil
	})
	return p, err
}

func projectSummary(p ledger.Project) map[string]any {
	return map[string]any{"name": p.Name, "developer": p.Developer, "jurisdiction": p.Jurisdiction, "address": p.Address,
		"planned_delivery": p.PlannedDelivery, "total_investment": p.TotalInvestment.StringFixed(2),
		"invested": p.Invested.StringFixed(2), "reform": p.Reform}
}

// Project returns one project.
func (db *DB) Project(ctx context.Context, id int64) (ledger.Project, error) {
	p, err := scanProject(db.r().QueryRowContext(ctx, `SELECT `+projectColumns+projectFrom+` WHERE p.id = $1`, id))
	return p, notFound(err, "project.not_found", "项目不存在")
}

func lockProject(ctx context.Context, tx *Tx, id int64) (ledger.Project, error) {
	p, err := scanProject(tx.queryRow(ctx, `SELECT `+projectColumns+projectFrom+` WHERE p.id = $1`+forUpdateOf(tx.db, "p"), id))
	return p, notFound(err, "project.not_found", "项目不存在")
}

// forUpdateOf locks only the named table's rows of a join (PostgreSQL).
func forUpdateOf(db *DB, alias string) string {
	if db.engine == Postgres {
		return " FOR UPDATE OF " + alias
	}
	return ""
}

// UpdateProject applies change to a project under lock and records it,
// when the request's principal may manage the project.
func (db *DB) UpdateProject(ctx context.Context, actor audit.Actor, id int64, change func(*ledger.Project) error) (ledger.Project, error) {
	var p ledger.Project
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		if p, err = lockProject(ctx, tx, id); err != nil {
			return err
		}
		if err := decide(ctx, access.ProjectManage, access.ProjectTarget(p)); err != nil {
			return err
		}
		before := projectSummary(p)
		if err := change(&p); err != nil {
			return err
		}
		if err := p.Validate(); err != nil {
			return err
		}
		p.UpdatedAt = tx.now
		if _, err := tx.exec(ctx, `UPDATE projects SET name = $1, address = $2, planned_delivery = $3, total_investment = $4,
			invested = $5, reform = $6, updated_at = $7 WHERE id = $8`, p.Name, p.Address, p.PlannedDelivery,
			measure.Cents(p.TotalInvestment), measure.Cents(p.Invested), p.Reform, tx.now, id); err != nil {
			if isUniqueViolation(err) {
				return problem.New(problem.Conflict, "project.exists", "本企业已有同名项目")
			}
			return err
		}
		tx.Audit("project.update", "project", id, map[string]any{"before": before, "after": projectSummary(p)})
		return nil
	})
	return p, err
}

// ProjectQuery filters ListProjects.
type ProjectQuery struct {
	Jurisdiction string
	Developer    int64
	Permitted    bool // only projects with a presale permit in force (valid or suspended)
}

// projectScope is the SQL condition on projects p that an access filter
// allows ("" for all); ok is false when the filter allows none.
func projectScope(f access.Filter, arg func(any) string) (cond string, ok bool) {
	if f.All {
		return "", true
	}
	var or []string
	if f.Jurisdiction != "" {
		or = append(or, `p.jurisdiction = `+arg(f.Jurisdiction))
	}
	if f.Developer != 0 {
		or = append(or, `p.developer_org = `+arg(f.Developer))
	}
	if len(or) == 0 {
		return "", false
	}
	return "(" + strings.Join(or, " OR ") + ")", true
}

// ListProjects lists the projects the filter allows, newest first.
func (db *DB) ListProjects(ctx context.Context, f access.Filter, q ProjectQuery) ([]ledger.Project, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	scope, ok := projectScope(f, arg)
	if !ok {
		return nil, nil
	}
	if scope != "" {
		where = append(where, scope)
	}
	if q.Jurisdiction != "" {
		where = append(where, `p.jurisdiction = `+arg(q.Jurisdiction))
	}
	if q.Developer != 0 {
		where = append(where, `p.developer_org = `+arg(q.Developer))
	}
	if q.Permitted {
		where = append(where, `EXISTS (SELECT 1 FROM presale_permits pp WHERE pp.project_id = p.id AND `+permitStateSQL("pp.id")+` IN ('issued', 'reinstated', 'suspended'))`)
	}
	s := `SELECT ` + projectColumns + projectFrom
	if len(where) > 0 {
		s += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.r().QueryContext(ctx, s+` ORDER BY p.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.Project
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ProjectListQuery asks for one page of the projects a filter allows.
type ProjectListQuery struct {
	Jurisdiction string // "": every jurisdiction the filter allows
	// The work waiting on the housing bureau: projects with a planning or
	// construction permit not yet confirmed, or with a presale application
	// waiting for its decision.
	PermitsToConfirm bool
	PresaleSubmitted bool
	// The work waiting on the natural-resources bureau: parcels whose
	// declared land facts it has not confirmed.
	LandToConfirm bool
	Search        string // part of the project's name, address, developer's name or a presale permit's number
	Page          Page
}

// ListedProject is a project as the list shows it, with the work waiting
// on it.
type ListedProject struct {
	ledger.Project
	PermitsToConfirm int  // planning and construction permits not yet confirmed
	PresaleSubmitted bool // a presale application waits for the decision
}

// waitingPermitsSQL and waitingPresaleSQL select the work waiting on
// project p: the list's filters and its columns say the same.
const (
	waitingPermitsSQL = `(SELECT COUNT(*) FROM project_permits pp WHERE pp.project_id = p.id AND pp.confirmed_by IS NULL)`
	waitingPresaleSQL = `EXISTS (SELECT 1 FROM presale_applications pa WHERE pa.project_id = p.id AND pa.state = 'submitted')`
	waitingLandSQL    = `EXISTS (SELECT 1 FROM parcels pc WHERE pc.project_id = p.id AND pc.land_confirmed_by = 0)`
)

// ProjectList lists the projects the filter allows a page at a time, the
// planned delivery soonest first (projects without one last), then by id.
func (db *DB) ProjectList(ctx context.Context, f access.Filter, q ProjectListQuery) (Listed[ListedProject], error) {
	l := db.newList()
	scope, ok := projectScope(f, l.arg)
	if !ok {
		return Listed[ListedProject]{Page: q.Page.normal()}, nil
	}
	if scope != "" {
		l.and(scope)
	}
	if q.Jurisdiction != "" {
		l.and(`p.jurisdiction = ` + l.arg(q.Jurisdiction))
	}
	if q.PermitsToConfirm {
		l.and(waitingPermitsSQL + ` > 0`)
	}
	if q.PresaleSubmitted {
		l.and(waitingPresaleSQL)
	}
	if q.LandToConfirm {
		l.and(waitingLandSQL)
	}
	if m, ok := l.match(q.Search); ok {
		l.and(`(p.name` + m + ` OR p.address` + m + ` OR o.name` + m +
			` OR EXISTS (SELECT 1 FROM presale_permits sp WHERE sp.project_id = p.id AND sp.number` + m + `))`)
	} else {
		l.countFrom = `FROM projects p`
	}
	return list(ctx, db.r(), q.Page, projectColumns+`, `+waitingPermitsSQL+`, `+waitingPresaleSQL, strings.TrimPrefix(projectFrom, " "),
		`p.planned_delivery IS NULL, p.planned_delivery, p.id`, l, func(r rowScanner) (ListedProject, error) {
			var x ListedProject
			var cents projectCents
			err := r.Scan(append(projectDest(&x.Project, &cents), &x.PermitsToConfirm, &x.PresaleSubmitted)...)
			cents.set(&x.Project)
			return x, err
		})
}

// ---- parcels

// parcelColumns are what a developer declares of a parcel; parcelRead adds
// the natural-resources bureau's confirmation.
const parcelColumns = `code, project_id, area, land_use, right_nature, term_start, term_end, grant_contract,
	premium_due, premium_paid, land_cert_no, land_cert_on, grant_floor_area`

const parcelRead = parcelColumns + `, land_confirmed_by, land_confirmed_at`

func scanParcel(r interface{ Scan(...any) error }) (ledger.Parcel, error) {
	var p ledger.Parcel
	var area, due, paid, floor int64
	var confirmed sql.NullTime
	err := r.Scan(&p.Code, &p.ProjectID, &area, &p.Use, &p.RightNature, &p.TermStart, &p.TermEnd, &p.GrantContract,
		&due, &paid, &p.LandCertNo, &p.LandCertOn, &floor, &p.LandConfirmedBy, &confirmed)
	p.Area, p.PremiumDue, p.PremiumPaid, p.GrantFloor = measure.FromCents(area), measure.FromCents(due), measure.FromCents(paid), measure.FromCents(floor)
	p.LandConfirmedAt = confirmed.Time
	return p, err
}

// LandOrg is the natural-resources bureau's land department of a
// jurisdiction (the acceptance organisation of service "land"), which
// confirms its parcels' land facts; 0 when it has none.
func (db *DB) LandOrg(ctx context.Context, jurisdiction string) (int64, error) {
	return landOrg(ctx, db.r(), jurisdiction)
}

func landOrg(ctx context.Context, q querier, jurisdiction string) (int64, error) {
	orgs, err := departmentOrgs(ctx, q, jurisdiction)
	return orgs["land"].ID, err
}

// LandTarget is the access target of confirming a project's land facts:
// the project, held by its jurisdiction's land department.
func (db *DB) LandTarget(ctx context.Context, p ledger.Project) (access.Target, error) {
	t := access.ProjectTarget(p)
	var err error
	t.Org, err = landOrg(ctx, db.r(), p.Jurisdiction)
	return t, err
}

// ConfirmLand records the natural-resources bureau's confirmation of a
// parcel's land facts as declared and as its clerk saw them (seen) (its 国有建设用地使用权 certificate, the
// premium paid in full), when the request's principal works in the land
// department of the project's jurisdiction. Facts that do not let the
// project sell are refused (ledger.Parcel.CheckLandConfirm).
func (db *DB) ConfirmLand(ctx context.Context, actor audit.Actor, projectID int64, parcel string, seen ledger.LandSeen) (ledger.Parcel, error) {
	var p ledger.Parcel
	err := db.transact(ctx, actor, func(tx *Tx) error {
		proj, err := lockProject(ctx, tx, projectID)
		if err != nil {
			return err
		}
		t := access.ProjectTarget(proj)
		if t.Org, err = landOrg(ctx, tx.q(), proj.Jurisdiction); err != nil {
			return err
		}
		if err := decide(ctx, access.LandConfirm, t); err != nil {
			return err
		}
		p, err = scanParcel(tx.queryRow(ctx, `SELECT `+parcelRead+` FROM parcels WHERE code = $1 AND project_id = $2`, parcel, projectID))
		if err != nil {
			return notFound(err, "parcel.not_found", "该项目没有这个宗地")
		}
		if p.LandConfirmed() {
			return problem.New(problem.Conflict, "parcel.confirmed", "该宗地的土地信息已经确认")
		}
		if err := p.CheckSeen(seen); err != nil {
			return err
		}
		if err := p.CheckLandConfirm(); err != nil {
			return err
		}
		p.LandConfirmedBy, p.LandConfirmedAt = actor.UserID, tx.now
		if _, err := tx.exec(ctx, `UPDATE parcels SET land_confirmed_by = $1, land_confirmed_at = $2 WHERE code = $3`, actor.UserID, tx.now, parcel); err != nil {
			return err
		}
		tx.Audit("parcel.confirm", "parcel", parcel, map[string]any{"project": projectID, "after": parcelSummary(p)})
		return nil
	})
	return p, err
}

func parcelsOf(ctx context.Context, q querier, projectID int64) ([]ledger.Parcel, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+parcelRead+` FROM parcels WHERE project_id = $1 ORDER BY code`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.Parcel
	for rows.Next() {
		p, err := scanParcel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PutParcel records a parcel of a project, or updates it (the same code),
// when the request's principal may manage the project. A parcel that
// belongs to another project is refused.
func (db *DB) PutParcel(ctx context.Context, actor audit.Actor, projectID int64, p ledger.Parcel) (ledger.Parcel, error) {
	err := db.transact(ctx, actor, func(tx *Tx) error {
		proj, err := lockProject(ctx, tx, projectID)
		if err != nil {
			return err
		}
		if err := decide(ctx, access.ProjectManage, access.ProjectTarget(proj)); err != nil {
			return err
		}
		j, err := db.jurisdictionTx(ctx, tx, proj.Jurisdiction)
		if err != nil {
			return err
		}
		p.ProjectID = projectID
		if err := p.Validate(j.County); err != nil {
			return err
		}
		old, err := scanParcel(tx.queryRow(ctx, `SELECT `+parcelRead+` FROM parcels WHERE code = $1`, p.Code))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.exec(ctx, `INSERT INTO parcels (`+parcelColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
				p.Code, projectID, measure.Cents(p.Area), p.Use, p.RightNature, p.TermStart, p.TermEnd, p.GrantContract,
				measure.Cents(p.PremiumDue), measure.Cents(p.PremiumPaid), p.LandCertNo, p.LandCertOn, measure.Cents(p.GrantFloor))
			if err != nil {
				return err
			}
			tx.Audit("parcel.create", "parcel", p.Code, map[string]any{"project": projectID, "after": parcelSummary(p)})
			return nil
		case err != nil:
			return err
		}
		if err := ledger.CheckParcelProject(old, projectID); err != nil {
			return err
		}
		// The bureau confirmed the land facts as they were: new ones wait
		// for its confirmation again.
		p.LandConfirmedBy, p.LandConfirmedAt = old.LandConfirmedBy, old.LandConfirmedAt
		if old.LandFactsDiffer(p) {
			p.LandConfirmedBy, p.LandConfirmedAt = 0, time.Time{}
		}
		if _, err := tx.exec(ctx, `UPDATE parcels SET area = $1, land_use = $2, right_nature = $3, term_start = $4, term_end = $5,
			grant_contract = $6, premium_due = $7, premium_paid = $8, land_cert_no = $9, land_cert_on = $10, grant_floor_area = $11,
			land_confirmed_by = $12, land_confirmed_at = $13 WHERE code = $14`,
			measure.Cents(p.Area), p.Use, p.RightNature, p.TermStart, p.TermEnd, p.GrantContract, measure.Cents(p.PremiumDue),
			measure.Cents(p.PremiumPaid), p.LandCertNo, p.LandCertOn, measure.Cents(p.GrantFloor), p.LandConfirmedBy, nullTime(p.LandConfirmedAt), p.Code); err != nil {
			return err
		}
		tx.Audit("parcel.update", "parcel", p.Code, map[string]any{"before": parcelSummary(old), "after": parcelSummary(p),
			"confirmation_voided": old.LandConfirmed() && !p.LandConfirmed()})
		return nil
	})
	return p, err
}

func parcelSummary(p ledger.Parcel) map[string]any {
	return map[string]any{"area": p.Area.StringFixed(2), "use": p.Use, "right_nature": p.RightNature, "term": []calendar.Date{p.TermStart, p.TermEnd},
		"grant_contract": p.GrantContract, "premium_due": p.PremiumDue.StringFixed(2), "premium_paid": p.PremiumPaid.StringFixed(2),
		"land_cert_no": p.LandCertNo}
}

// ---- construction-stage permits

const permitColumns = `id, project_id, kind, number, issued_on, issuer, scope, confirmed_by, confirmed_at`

func scanPermit(r interface{ Scan(...any) error }) (ledger.Permit, error) {
	var p ledger.Permit
	var kind string
	var by sql.NullInt64
	var at sql.NullTime
	err := r.Scan(&p.ID, &p.ProjectID, &kind, &p.Number, &p.IssuedOn, &p.Issuer, &p.Scope, &by, &at)
	p.Kind, p.ConfirmedBy, p.ConfirmedAt = ledger.PermitKind(kind), by.Int64, at.Time
	return p, err
}

func permitsOf(ctx context.Context, q querier, projectID int64) ([]ledger.Permit, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+permitColumns+` FROM project_permits WHERE project_id = $1 ORDER BY kind, id`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.Permit
	for rows.Next() {
		p, err := scanPermit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// AddPermit records a planning or construction permit of a project, when
// the request's principal may manage the project.
func (db *DB) AddPermit(ctx context.Context, actor audit.Actor, p ledger.Permit) (ledger.Permit, error) {
	err := db.transact(ctx, actor, func(tx *Tx) error {
		proj, err := lockProject(ctx, tx, p.ProjectID)
		if err != nil {
			return err
		}
		if err := decide(ctx, access.ProjectManage, access.ProjectTarget(proj)); err != nil {
			return err
		}
		if err := p.Validate(calendar.DateOf(tx.now)); err != nil {
			return err
		}
		id, err := tx.insertID(ctx, `INSERT INTO project_permits (project_id, kind, number, issued_on, issuer, scope) VALUES ($1, $2, $3, $4, $5, $6)`,
			p.ProjectID, string(p.Kind), p.Number, p.IssuedOn, p.Issuer, p.Scope)
		if isUniqueViolation(err) {
			return problem.New(problem.Conflict, "permit.exists", "该许可证已登记")
		}
		if err != nil {
			return err
		}
		p.ID = id
		tx.Audit("permit.add", "project_permit", id, map[string]any{"project": p.ProjectID, "kind": p.Kind, "number": p.Number})
		return nil
	})
	return p, err
}

// PermitByID returns one construction-stage permit.
func (db *DB) PermitByID(ctx context.Context, id int64) (ledger.Permit, error) {
	p, err := scanPermit(db.r().QueryRowContext(ctx, `SELECT `+permitColumns+` FROM project_permits WHERE id = $1`, id))
	return p, notFound(err, "permit.not_found", "许可证不存在")
}

// ConfirmPermit records housing staff's confirmation of a permit, when the
// request's principal may confirm the permits of its project.
func (db *DB) ConfirmPermit(ctx context.Context, actor audit.Actor, id int64) (ledger.Permit, error) {
	return db.confirmPermit(ctx, actor, 0, id)
}

// ConfirmProjectPermit is ConfirmPermit asked on a project's page: access
// is decided on the project, and a permit of another project is refused
// as not found.
func (db *DB) ConfirmProjectPermit(ctx context.Context, actor audit.Actor, projectID, id int64) (ledger.Permit, error) {
	return db.confirmPermit(ctx, actor, projectID, id)
}

// confirmPermit confirms permit id of project projectID (0: of its own).
func (db *DB) confirmPermit(ctx context.Context, actor audit.Actor, projectID, id int64) (ledger.Permit, error) {
	var p ledger.Permit
	err := db.transact(ctx, actor, func(tx *Tx) error {
		if projectID != 0 {
			if err := tx.decideProject(ctx, projectID, access.PermitConfirm); err != nil {
				return err
			}
		}
		var err error
		p, err = scanPermit(tx.queryRow(ctx, `SELECT `+permitColumns+` FROM project_permits WHERE id = $1`+db.forUpdate(), id))
		if err != nil {
			return notFound(err, "permit.not_found", "许可证不存在")
		}
		if projectID == 0 {
			if err := tx.decideProject(ctx, p.ProjectID, access.PermitConfirm); err != nil {
				return err
			}
		} else if p.ProjectID != projectID {
			return problem.New(problem.NotFound, "permit.not_found", "许可证不属于本项目")
		}
		if err := p.Confirm(actor.UserID, tx.now); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE project_permits SET confirmed_by = $1, confirmed_at = $2 WHERE id = $3`, actor.UserID, tx.now, id); err != nil {
			return err
		}
		tx.Audit("permit.confirm", "project_permit", id, map[string]any{"kind": p.Kind, "number": p.Number})
		return nil
	})
	return p, err
}

// ---- buildings, floors, units

const buildingColumns = `id, project_id, parcel_code, number, name, structure, floors_above, floors_below, planned_use`

// buildingColumnsOfB are buildingColumns of buildings b.
const buildingColumnsOfB = `b.id, b.project_id, b.parcel_code, b.number, b.name, b.structure, b.floors_above, b.floors_below, b.planned_use`

func scanBuilding(r interface{ Scan(...any) error }) (ledger.Building, error) {
	var b ledger.Building
	err := r.Scan(buildingDest(&b)...)
	return b, err
}

// buildingDest are the destinations of buildingColumns.
func buildingDest(b *ledger.Building) []any {
	return []any{&b.ID, &b.ProjectID, &b.Parcel, &b.Number, &b.Name, &b.Structure, &b.FloorsAbove, &b.FloorsBelow, &b.PlannedUse}
}

func buildingsOf(ctx context.Context, q querier, projectID int64) ([]ledger.Building, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+buildingColumns+` FROM buildings WHERE project_id = $1 ORDER BY parcel_code, number`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.Building
	for rows.Next() {
		b, err := scanBuilding(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Building returns one building.
func (db *DB) Building(ctx context.Context, id int64) (ledger.Building, error) {
	b, err := scanBuilding(db.r().QueryRowContext(ctx, `SELECT `+buildingColumns+` FROM buildings WHERE id = $1`, id))
	return b, notFound(err, "building.not_found", "幢不存在")
}

func floorsOf(ctx context.Context, q querier, where string, arg any) (map[int64][]ledger.Floor, error) {
	rows, err := q.QueryContext(ctx, `SELECT building_id, actual, named FROM floors WHERE `+where+` ORDER BY building_id, actual`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]ledger.Floor{}
	for rows.Next() {
		var f ledger.Floor
		if err := rows.Scan(&f.BuildingID, &f.Actual, &f.Named); err != nil {
			return nil, err
		}
		out[f.BuildingID] = append(out[f.BuildingID], f)
	}
	return out, rows.Err()
}

const unitColumns = `u.id, u.building_id, u.number, u.unit_no, u.room, u.section, u.floor, u.purpose, u.common_part,
	u.f_total, u.f_inner, u.f_shared, u.f_ratio, u.m_total, u.m_inner, u.m_shared, u.m_ratio`

func scanUnitInto(u *ledger.Unit, dest []any) []any {
	return append(dest, &u.ID, &u.BuildingID, &u.Number, &u.UnitNo, &u.Room, &u.Section, &u.Floor, &u.Purpose, &u.CommonPart)
}

// unitScan scans unitColumns plus any extra destinations.
func unitScan(r interface{ Scan(...any) error }, extra ...any) (ledger.Unit, error) {
	var u ledger.Unit
	var ft, fi, fs, mt, mi, ms int64
	var fr, mr string
	dest := scanUnitInto(&u, nil)
	dest = append(dest, &ft, &fi, &fs, &fr, &mt, &mi, &ms, &mr)
	dest = append(dest, extra...)
	if err := r.Scan(dest...); err != nil {
		return u, err
	}
	u.Forecast = ledger.Areas{Total: measure.FromCents(ft), Inner: measure.FromCents(fi), Shared: measure.FromCents(fs), Ratio: decimalOr0(fr)}
	u.Measured = ledger.Areas{Total: measure.FromCents(mt), Inner: measure.FromCents(mi), Shared: measure.FromCents(ms), Ratio: decimalOr0(mr)}
	return u, nil
}

func decimalOr0(s string) decimal.Decimal {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero
	}
	return d
}

func unitsWhere(ctx context.Context, q querier, where string, args ...any) (map[int64][]ledger.Unit, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+unitColumns+` FROM units u WHERE `+where+` ORDER BY u.building_id, u.number`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]ledger.Unit{}
	for rows.Next() {
		u, err := unitScan(rows)
		if err != nil {
			return nil, err
		}
		out[u.BuildingID] = append(out[u.BuildingID], u)
	}
	return out, rows.Err()
}

// UnitRef is a unit with the building and project it belongs to.
type UnitRef struct {
	Unit     ledger.Unit
	Building ledger.Building
	Project  ledger.Project
}

// Unit returns one unit with its building and project.
func (db *DB) Unit(ctx context.Context, id int64) (UnitRef, error) {
	return unitRef(ctx, db.r(), `u.id = $1`, id)
}

// UnitByNo returns a unit by its 不动产单元号.
func (db *DB) UnitByNo(ctx context.Context, unitNo string) (UnitRef, error) {
	return unitRef(ctx, db.r(), `u.unit_no = $1`, strings.ToUpper(strings.TrimSpace(unitNo)))
}

// unitRef reads a unit with its building and project in one query.
func unitRef(ctx context.Context, q querier, where string, arg any) (UnitRef, error) {
	var ref UnitRef
	found := false
	// A read of its own (readAll): in a transaction on PostgreSQL it goes
	// with the statements queued before it (the unit's lock).
	err := readAll(ctx, q, firstRow(unitRefSQL+where, []any{arg}, &found, func(r rowScanner) (err error) {
		ref, err = scanUnitRef(r)
		return err
	}))
	if err == nil && !found {
		err = sql.ErrNoRows
	}
	return ref, notFound(err, "unit.not_found", "户不存在")
}

// unitRefSQL selects units with their buildings and projects, for
// scanUnitRef; a WHERE condition follows.
const unitRefSQL = `SELECT ` + unitColumns + `, ` + buildingColumnsOfB + `, ` + projectColumns + projectFrom + `
	JOIN buildings b ON b.project_id = p.id JOIN units u ON u.building_id = b.id WHERE `

// scanUnitRef reads a row of unitRefSQL.
func scanUnitRef(r rowScanner) (UnitRef, error) {
	var ref UnitRef
	var cents projectCents
	extra := append(buildingDest(&ref.Building), projectDest(&ref.Project, &cents)...)
	u, err := unitScan(r, extra...)
	if err != nil {
		return ref, err
	}
	ref.Unit = u
	cents.set(&ref.Project)
	return ref, nil
}

// BuildingSummary is a building with its unit counts, for project pages.
type BuildingSummary struct {
	Building ledger.Building
	Units    int
	Area     decimal.Decimal // forecast 建筑面积
	Permit   string          // number of the valid (or suspended) presale permit, if any
}

// ---- the 楼盘表

// permitStateSQL is the newest event kind of a permit: its state.
func permitStateSQL(permitID string) string {
	return `(SELECT e.kind FROM presale_permit_events e WHERE e.permit_id = ` + permitID + ` ORDER BY e.id DESC LIMIT 1)`
}

// touchBuildings records that what the 楼盘表 of these buildings shows has
// changed: every transaction that changes a unit's state, areas or
// coverage calls it, so that readers may cache by version. The versions
// are bumped just before commit (flushTouches): many units of a building
// sold at once bump it together, and each holds its counter for the
// least time.
func (tx *Tx) touchBuildings(ids ...int64) {
	tx.touchedBuildings = append(tx.touchedBuildings, ids...)
}

// touchUnitBuilding touches the building of a unit.
func (tx *Tx) touchUnitBuilding(unitID int64) {
	tx.touchedUnits = append(tx.touchedUnits, unitID)
}

// versionShards is how many counters a building's version is spread over
// on PostgreSQL (migration 0037): a transaction bumps its connection's.
// SQLite has one writer, and one counter.
const versionShards = 16

// bumpVersion is the statement that raises by one the version counter of
// the building whose id is column of the rest of a SELECT, from (bound
// from $1).
func (tx *Tx) bumpVersion(column, from string) string {
	shard := "0"
	if tx.db.engine == Postgres {
		shard = fmt.Sprintf("pg_backend_pid() %% %d", versionShards)
	}
	return `INSERT INTO building_versions (building_id, shard, n) SELECT ` + column + `, ` + shard + `, 1 ` + from + `
		ON CONFLICT (building_id, shard) DO UPDATE SET n = building_versions.n + 1`
}

// buildingVersion is the version of building b (its alias in the query):
// what buildings.version counted before migration 0037, plus its counters.
func buildingVersion(b string) string {
	return b + `.version + COALESCE((SELECT SUM(v.n) FROM building_versions v WHERE v.building_id = ` + b + `.id), 0)`
}

// flushTouches bumps the touched buildings' versions in id order, so that
// transactions touching several buildings rarely wait on each other in a
// cycle (and the store retries the one the database picks if they do). A
// building is bumped once however many of its units were touched: the
// buildings of several units are read with one query first.
func (tx *Tx) flushTouches(ctx context.Context) error {
	slices.Sort(tx.touchedUnits)
	units := slices.Compact(tx.touchedUnits)
	if len(units) == 1 && len(tx.touchedBuildings) == 0 {
		return tx.execPiped(ctx, tx.bumpVersion(`building_id`, `FROM units WHERE id = $1`), nil, units[0])
	}
	if len(units) > 0 {
		list, args := inList(1, units)
		ids, err := int64s(ctx, tx.q(), `SELECT DISTINCT building_id FROM units WHERE id IN (`+list+`)`, args...)
		if err != nil {
			return err
		}
		tx.touchedBuildings = append(tx.touchedBuildings, ids...)
	}
	slices.Sort(tx.touchedBuildings)
	for _, id := range slices.Compact(tx.touchedBuildings) {
		if err := tx.execPiped(ctx, tx.bumpVersion(`id`, `FROM buildings WHERE id = $1`), nil, id); err != nil {
			return err
		}
	}
	return nil
}

// unitScope selects the units whose status is loaded: one building's, one
// unit, or a project's units in an id range (the readiness view and the
// batch read a project in chunks).
type unitScope struct {
	building int64 // every unit of the building
	unit     int64 // only this unit (its building must be set too)
	project  int64 // every unit of the project with an id in [from, to]
	from, to int64
	today    calendar.Date // the day the state is for (a seal's term runs out); zero: terms not checked
}

// where is the SQL filter on units u, with its arguments from $1.
func (s unitScope) where() (string, []any) {
	switch {
	case s.unit != 0:
		return `u.id = $1`, []any{s.unit}
	case s.project != 0:
		return `u.building_id IN (SELECT b.id FROM buildings b WHERE b.project_id = $1) AND u.id BETWEEN $2 AND $3`, []any{s.project, s.from, s.to}
	}
	return `u.building_id = $1`, []any{s.building}
}

// unitStatuses is the one loader of ledger.Status: with one query per kind
// of fact it reads what decides the state of every unit in scope — the
// building's presale permit, the staff lock, the live contract, the
// register book (derived by registry.Standing), the handover and the
// certificate. The 楼盘表, the unit pages, the contract checks, the
// registration rules, the readiness view, the batch and /verify all read a
// unit's state through it.
func unitStatuses(ctx context.Context, q querier, s unitScope) (map[int64]ledger.Status, error) {
	out, _, err := loadStatuses(ctx, q, s, false)
	return out, err
}

// unitStatusesAndBooks is unitStatuses with the register books the states
// were derived from (kinds, links, particulars and each entry's first
// holder's name), for the rules that read the book itself.
func unitStatusesAndBooks(ctx context.Context, q querier, s unitScope) (map[int64]ledger.Status, map[int64][]registry.Entry, error) {
	return loadStatuses(ctx, q, s, true)
}

// loadStatuses runs the one loader; holders says whether the books it
// returns carry each entry's first holder's name, which no state depends
// on: reading it is a lookup per entry, a third of a 楼盘表's read.
//
// The permits, the locks, the live contracts and the books do not depend
// on one another's rows: they are read together (readAll), in one round
// trip within a transaction on PostgreSQL, with the caller's extra reads
// after them (a sale's parties). The handover and the
// certificate, read only when the contracts and books say they may
// exist, follow.
func loadStatuses(ctx context.Context, q querier, s unitScope, holders bool, extra ...pipedRead) (map[int64]ledger.Status, map[int64][]registry.Entry, error) {
	where, args := s.where()
	l := statusLoader{q: q, s: s, where: where, args: args, holders: holders, out: map[int64]ledger.Status{}}
	buildingOf, err := l.units(ctx)
	if err != nil {
		return nil, nil, err
	}
	for id := range buildingOf {
		l.out[id] = ledger.Status{}
	}
	permits := map[int64]string{}
	books := map[int64][]registry.Entry{}
	reads := l.permits(buildingOf, permits)
	reads = append(reads, l.sales()...)
	reads = append(reads, l.books(books))
	reads = append(reads, extra...)
	if err := readAll(ctx, q, reads...); err != nil {
		return nil, nil, err
	}
	for id, b := range buildingOf {
		st := l.out[id]
		st.Permit = permits[b]
		l.out[id] = st
	}
	l.standing(books)
	if err := l.handedOver(ctx); err != nil {
		return nil, nil, err
	}
	return l.out, books, l.certified(ctx)
}

// restrictionColumns are the columns of register entries e that whether a
// unit is mortgaged or sealed depends on, the nullable ones read as their
// zero. They are scanned by restrictionBook.dest. The id comes as it is,
// not wrapped: a query ordered by it then reads the entries in the order
// of an index on (unit_id, id) instead of sorting them (an expression over
// the id hides that order from SQLite's planner).
func restrictionColumns(e string) string {
	return e + `.id, COALESCE(` + e + `.kind, ''), COALESCE(` + e + `.reg_type, 0), COALESCE(` + e + `.ends_entry, 0),
		COALESCE(` + e + `.end_kind, ''), COALESCE(` + e + `.waiting, FALSE), COALESCE(` + e + `.term_end, '')`
}

// restrictionBook is a unit's register book read in restrictionColumns.
type restrictionBook struct {
	entries   []registry.Entry
	kind, end string // the entry being scanned's kind and end kind
}

// dest are the scan destinations of restrictionColumns into e.
func (b *restrictionBook) dest(e *registry.Entry) []any {
	return []any{&e.ID, &b.kind, &e.RegType, &e.Ends, &b.end, &e.Detail.Waiting, &e.Detail.TermEnd}
}

// add appends the entry just scanned.
func (b *restrictionBook) add(unit int64, e registry.Entry) {
	e.UnitID, e.Kind, e.EndKind = unit, registry.Kind(b.kind), registry.EndKind(b.end)
	b.entries = append(b.entries, e)
}

// standing is whether the unit is mortgaged and whether it is sealed on
// today, as registry.Standing derives them.
func (b *restrictionBook) standing(today calendar.Date) (mortgaged, sealed bool) {
	r := registry.Standing(b.entries, today)
	return r.Mortgaged, ledger.Status{Register: r}.Sealed()
}

// statusLoader reads the facts of unitStatuses, one query per kind of
// fact for every unit in scope (the SQL filter where, on units u).
type statusLoader struct {
	q       querier
	s       unitScope
	where   string
	args    []any
	holders bool // the books carry each entry's first holder's name
	out     map[int64]ledger.Status
}

// units lists the units in scope with their buildings (a single unit the
// caller has read is taken as given).
func (l *statusLoader) units(ctx context.Context) (map[int64]int64, error) {
	if l.s.unit != 0 {
		return map[int64]int64{l.s.unit: l.s.building}, nil
	}
	buildingOf := map[int64]int64{}
	rows, err := l.q.QueryContext(ctx, `SELECT u.id, u.building_id FROM units u WHERE `+l.where, l.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, b int64
		if err := rows.Scan(&id, &b); err != nil {
			return nil, err
		}
		buildingOf[id] = b
	}
	return buildingOf, rows.Err()
}

// permits are the reads of each building's presale permit, its newest in
// force or suspended, into permits by building: "valid", "suspended", or
// "" (none; a building without a row is left out).
func (l *statusLoader) permits(buildingOf map[int64]int64, permits map[int64]string) []pipedRead {
	var reads []pipedRead
	for _, b := range buildingOf {
		if _, ok := permits[b]; ok {
			continue
		}
		permits[b] = ""
		reads = append(reads, pipedRead{q: `SELECT ` + permitStateSQL("pb.permit_id") + ` AS st FROM presale_permit_buildings pb
			WHERE pb.building_id = $1 AND ` + permitStateSQL("pb.permit_id") + ` IN ('issued', 'reinstated', 'suspended')
			ORDER BY pb.permit_id DESC LIMIT 1`, args: []any{b}, row: func(r rowScanner) error {
			var permit string
			if err := r.Scan(&permit); err != nil {
				return err
			}
			switch permit {
			case "issued", "reinstated":
				permits[b] = "valid"
			case "suspended":
				permits[b] = "suspended"
			}
			return nil
		}})
	}
	return reads
}

// set is a read over the units in scope that merges what scan reads of
// each row into its unit's status.
func (l *statusLoader) set(query string, scan func(r rowScanner, st *ledger.Status) (int64, error)) pipedRead {
	return pipedRead{q: query, args: l.args, row: func(r rowScanner) error {
		var st ledger.Status
		id, err := scan(r, &st)
		if err != nil {
			return err
		}
		if cur, ok := l.out[id]; ok {
			mergeStatus(&cur, st)
			l.out[id] = cur
		}
		return nil
	}}
}

// sales are the reads of the staff lock (the newest lock row decides), the
// live contract and its deed tax paid.
func (l *statusLoader) sales() []pipedRead {
	return []pipedRead{
		l.set(`SELECT l.unit_id, l.locked FROM unit_locks l WHERE l.id IN (SELECT MAX(x.id) FROM unit_locks x
		JOIN units u ON u.id = x.unit_id WHERE `+l.where+` GROUP BY x.unit_id)`, func(r rowScanner, st *ledger.Status) (int64, error) {
			var id int64
			return id, r.Scan(&id, &st.Locked)
		}),
		l.set(`SELECT c.unit_id, c.id, c.state, EXISTS (SELECT 1 FROM deed_taxes t WHERE t.contract_id = c.id AND t.paid_at IS NOT NULL)
		FROM contracts c JOIN units u ON u.id = c.unit_id WHERE `+l.where+` AND c.state IN ('draft', 'sent', 'signed', 'filed')`,
			func(r rowScanner, st *ledger.Status) (int64, error) {
				var id int64
				return id, r.Scan(&id, &st.ContractID, &st.Contract, &st.DeedTaxPaid)
			}),
	}
}

// handedOver sets whether each unit was handed over. Only a unit under a
// filed contract can have been: a unit's sale checks skip the read.
func (l *statusLoader) handedOver(ctx context.Context) error {
	filed := false
	for _, st := range l.out {
		filed = filed || st.Contract == "filed"
	}
	if !filed && l.s.unit != 0 {
		return nil
	}
	return readAll(ctx, l.q, l.set(`SELECT h.unit_id FROM handover_units h JOIN units u ON u.id = h.unit_id WHERE `+l.where+` AND h.state = 'done'`,
		func(r rowScanner, st *ledger.Status) (int64, error) {
			var id int64
			st.HandedOver = true
			return id, r.Scan(&id)
		}))
}

// books is the read of the register book of every unit (kinds, links,
// particulars and the way an ownership is held; of the holders, when the
// loader is asked for them, only the first name, for the rules' messages)
// into books by unit, in no order (standing sorts them).
func (l *statusLoader) books(books map[int64][]registry.Entry) pipedRead {
	holder := `''`
	if l.holders {
		holder = `COALESCE((SELECT h.name FROM register_holders h WHERE h.entry_id = e.id ORDER BY h.seq LIMIT 1), '')`
	}
	// No ORDER BY: each book is put in the order of its entries' ids
	// afterwards, which spares the database a sort of the whole scope.
	return pipedRead{q: `SELECT e.id, e.unit_id, e.kind, e.reg_type, e.prenotice_kind, COALESCE(e.contract_id, 0),
		COALESCE(e.ends_entry, 0), e.end_kind, e.waiting, e.no_transfer, e.authority, e.service_id, e.term_end, e.ownership, ` + holder + `
		FROM register_entries e JOIN units u ON u.id = e.unit_id WHERE ` + l.where, args: l.args, row: func(r rowScanner) error {
		var e registry.Entry
		var kind, end, holder string
		if err := r.Scan(&e.ID, &e.UnitID, &kind, &e.RegType, &e.PreNoticeKind, &e.ContractID, &e.Ends, &end, &e.Detail.Waiting,
			&e.Detail.NoTransfer, &e.Detail.Authority, &e.ServiceID, &e.Detail.TermEnd, &e.Ownership, &holder); err != nil {
			return err
		}
		e.Kind, e.EndKind = registry.Kind(kind), registry.EndKind(end)
		if holder != "" {
			e.Holders = []registry.Holder{{Name: holder}}
		}
		books[e.UnitID] = append(books[e.UnitID], e)
		return nil
	}}
}

// standing puts each book in the order of its entries' ids and sets what
// it says now (registry.Standing).
func (l *statusLoader) standing(books map[int64][]registry.Entry) {
	for id, book := range books {
		slices.SortFunc(book, func(a, b registry.Entry) int { return cmp.Compare(a.ID, b.ID) })
		if st, ok := l.out[id]; ok {
			st.Register = registry.Standing(book, l.s.today)
			l.out[id] = st
		}
	}
}

// certified sets whether a live, signed 不动产权证书 of the current
// ownership exists (CertifiedSQL); only an owned unit can have one.
func (l *statusLoader) certified(ctx context.Context) error {
	owned := false
	for _, st := range l.out {
		owned = owned || st.Register.OwnershipID != 0
	}
	if !owned {
		return nil
	}
	rows, err := l.q.QueryContext(ctx, `SELECT c.unit_id, c.entry_id FROM certificates c JOIN units u ON u.id = c.unit_id
		WHERE `+l.where+` AND `+CertifiedSQL("c"), l.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, entry int64
		if err := rows.Scan(&id, &entry); err != nil {
			return err
		}
		if st, ok := l.out[id]; ok && st.Register.OwnershipID == entry {
			st.Certified = true
			l.out[id] = st
		}
	}
	return rows.Err()
}

// mergeStatus adds the facts one query found to a unit's status.
func mergeStatus(dst *ledger.Status, src ledger.Status) {
	dst.Locked = dst.Locked || src.Locked
	if src.Contract != "" {
		dst.Contract, dst.ContractID, dst.DeedTaxPaid = src.Contract, src.ContractID, src.DeedTaxPaid
	}
	dst.HandedOver = dst.HandedOver || src.HandedOver
}

// CertifiedSQL is the one definition of a certificate that counts as
// issued, over certificates alias c: a 不动产权证书 that is live (not
// cancelled) and signed. A certificate row is written when it is numbered
// and signed afterwards; until then it is not a certificate. The store and
// the dashboard bench's raw baseline both use it, and the view unit_stages
// (migration 0039) repeats it (TestUnitStagesDefinition).
func CertifiedSQL(c string) string {
	return c + `.kind = 'title' AND ` + c + `.state = 'live' AND ` + c + `.signature IS NOT NULL`
}

// BuildingTable returns the 楼盘表 of a building: every unit with its state.
func (db *DB) BuildingTable(ctx context.Context, buildingID int64) (ledger.Table, error) {
	b, err := db.Building(ctx, buildingID)
	if err != nil {
		return ledger.Table{}, err
	}
	floors, err := floorsOf(ctx, db.r(), `building_id = $1`, buildingID)
	if err != nil {
		return ledger.Table{}, err
	}
	units, err := unitsWhere(ctx, db.r(), `u.building_id = $1`, buildingID)
	if err != nil {
		return ledger.Table{}, err
	}
	statuses, err := unitStatuses(ctx, db.r(), unitScope{building: buildingID, today: calendar.DateOf(db.Now())})
	if err != nil {
		return ledger.Table{}, err
	}
	cells := make([]ledger.TableCell, 0, len(units[buildingID]))
	for _, u := range units[buildingID] {
		cells = append(cells, ledger.TableCell{Unit: u, Status: statuses[u.ID]})
	}
	return ledger.BuildTable(b, floors[buildingID], cells), nil
}

// BuildingHead is what a reader of a 楼盘表 needs before the table itself:
// the building, its project (for access) and the building's version.
type BuildingHead struct {
	Building ledger.Building
	Project  ledger.Project
	Version  int64
}

// BuildingHead reads a building with its project and version in one query.
func (db *DB) BuildingHead(ctx context.Context, buildingID int64) (BuildingHead, error) {
	var h BuildingHead
	var total, invested int64
	b, p := &h.Building, &h.Project
	err := db.r().QueryRowContext(ctx, `SELECT b.id, b.project_id, b.parcel_code, b.number, b.name, b.structure, b.floors_above,
		b.floors_below, b.planned_use, `+buildingVersion("b")+`, `+projectColumns+projectFrom+` JOIN buildings b ON b.project_id = p.id WHERE b.id = $1`, buildingID).
		Scan(&b.ID, &b.ProjectID, &b.Parcel, &b.Number, &b.Name, &b.Structure, &b.FloorsAbove, &b.FloorsBelow, &b.PlannedUse, &h.Version,
			&p.ID, &p.Name, &p.Developer, &p.DeveloperName, &p.Jurisdiction, &p.Address, &p.PlannedDelivery, &total, &invested, &p.Reform,
			&p.CreatedAt, &p.UpdatedAt, &p.Surveyor)
	p.TotalInvestment, p.Invested = measure.FromCents(total), measure.FromCents(invested)
	return h, notFound(err, "building.not_found", "幢不存在")
}

// UnitStatus returns one unit's status today.
func (db *DB) UnitStatus(ctx context.Context, unitID int64) (ledger.Status, error) {
	return unitStatus(ctx, db.r(), unitID, calendar.DateOf(db.Now()))
}

// unitStatus loads one unit's status on a day through the one loader.
func unitStatus(ctx context.Context, q querier, unitID int64, today calendar.Date) (ledger.Status, error) {
	var building int64
	if err := q.QueryRowContext(ctx, `SELECT building_id FROM units WHERE id = $1`, unitID).Scan(&building); err != nil {
		return ledger.Status{}, notFound(err, "unit.not_found", "户不存在")
	}
	return unitStatusOf(ctx, q, unitID, building, today)
}

// unitStatusOf is unitStatus for a unit whose building is known; the
// extra reads go with the loader's own (loadStatuses).
func unitStatusOf(ctx context.Context, q querier, unitID, building int64, today calendar.Date, extra ...pipedRead) (ledger.Status, error) {
	all, _, err := loadStatuses(ctx, q, unitScope{building: building, unit: unitID, today: today}, false, extra...)
	if err != nil {
		return ledger.Status{}, err
	}
	st, ok := all[unitID]
	if !ok {
		return st, problem.New(problem.NotFound, "unit.not_found", "户不存在")
	}
	return st, nil
}

// LockUnit locks or unlocks a unit (单元锁定) with a reason; the history stays.
// The rule is ledger.LockUnit, asked on the unit's lock as the
// transaction sees it (the unit locked).
func (db *DB) LockUnit(ctx context.Context, actor audit.Actor, unitID int64, locked bool, reason string) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		if err := tx.lockUnits(ctx, unitID); err != nil {
			return err
		}
		ref, err := unitRef(ctx, tx.q(), `u.id = $1`, unitID)
		if err != nil {
			return err
		}
		if err := decide(ctx, access.UnitLock, access.ProjectTarget(ref.Project)); err != nil {
			return err
		}
		var cur bool
		err = tx.queryRow(ctx, `SELECT locked FROM unit_locks WHERE unit_id = $1 ORDER BY id DESC LIMIT 1`, unitID).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if reason, err = ledger.LockUnit(cur, locked, reason); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO unit_locks (unit_id, locked, reason, by_user, at) VALUES ($1, $2, $3, $4, $5)`,
			unitID, locked, reason, actor.UserID, tx.now); err != nil {
			return err
		}
		tx.touchUnitBuilding(unitID)
		action := "unit.unlock"
		if locked {
			action = "unit.lock"
		}
		tx.Audit(action, "unit", unitID, map[string]string{"reason": reason})
		return nil
	})
}

// ---- import

// ImportResult reports an import.
type ImportResult struct {
	ID               int64
	OK               bool
	Rows             int
	NewBuildings     int
	ChangedBuildings int
	NewUnits         int
	ChangedUnits     int
	Unchanged        int
	Errors           []ledger.RowError
	HasAnnotated     bool
}

func (r ImportResult) summary() string {
	b, _ := json.Marshal(map[string]int{"rows": r.Rows, "new_buildings": r.NewBuildings, "changed_buildings": r.ChangedBuildings,
		"new_units": r.NewUnits, "changed_units": r.ChangedUnits, "unchanged": r.Unchanged, "errors": len(r.Errors)})
	return string(b)
}

// frozenUnits are the units of a project that an import may not change:
// those under a live contract.
func frozenUnits(ctx context.Context, tx *Tx, projectID int64) (map[int64]bool, error) {
	ids, err := int64s(ctx, tx.q(), `SELECT unit_id FROM contracts WHERE project_id = $1 AND state IN ('draft', 'sent', 'signed', 'filed')`, projectID)
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// ImportLedger imports a 楼盘表 workbook into a project, when the
// request's principal may manage the project: all rows in one
// transaction, or nothing. The plan is computed inside the transaction,
// against the database as it is then. A failed import is recorded (with
// the annotated workbook for download) but changes no ledger data.
func (db *DB) ImportLedger(ctx context.Context, actor audit.Actor, projectID int64, fileName string, wb ledger.Workbook, readErrs []ledger.RowError) (ImportResult, error) {
	digest := fmt.Sprintf("%x", sm3.Sum(wb.Raw))
	var res ImportResult
	errs := readErrs
	err := db.transact(ctx, actor, func(tx *Tx) error {
		if err := tx.decideProject(ctx, projectID, access.ProjectManage); err != nil {
			return err
		}
		if len(readErrs) > 0 {
			return errRollback
		}
		var err error
		res, errs, err = importPlan(ctx, tx, projectID, fileName, digest, wb)
		return err
	})
	if err == nil || !errors.Is(err, errRollback) {
		return res, err
	}
	return db.refuseImport(ctx, actor, projectID, fileName, digest, wb, errs)
}

// importPlan plans the workbook's import against the project's ledger as
// the transaction sees it and applies it; a plan with errors returns them
// with errRollback.
func importPlan(ctx context.Context, tx *Tx, projectID int64, fileName, digest string, wb ledger.Workbook) (ImportResult, []ledger.RowError, error) {
	ex, err := existingLedger(ctx, tx, projectID)
	if err != nil {
		return ImportResult{}, nil, err
	}
	plan, planErrs := ledger.PlanImport(ex, wb)
	if len(planErrs) > 0 {
		return ImportResult{}, planErrs, errRollback
	}
	res := ImportResult{OK: true, Rows: plan.Rows, NewBuildings: len(plan.NewBuildings), ChangedBuildings: len(plan.ChangedBuildings),
		NewUnits: len(plan.NewUnits), ChangedUnits: len(plan.ChangedUnits), Unchanged: plan.Unchanged}
	if err := applyPlan(ctx, tx, projectID, plan); err != nil {
		return res, nil, err
	}
	res.ID, err = tx.insertID(ctx, `INSERT INTO ledger_imports (project_id, file_name, file_sm3, ok, summary, by_user, at)
		VALUES ($1, $2, $3, TRUE, $4, $5, $6)`, projectID, fileName, digest, res.summary(), tx.actor.UserID, tx.now)
	if err != nil {
		return res, nil, err
	}
	tx.Audit("ledger.import", "project", projectID, map[string]any{"file": fileName, "sm3": digest, "result": json.RawMessage(res.summary())})
	return res, nil, nil
}

// refuseImport records a refused import with its errors and annotated
// workbook.
func (db *DB) refuseImport(ctx context.Context, actor audit.Actor, projectID int64, fileName, digest string, wb ledger.Workbook, errs []ledger.RowError) (ImportResult, error) {
	res := ImportResult{Errors: errs, Rows: len(wb.Buildings) + len(wb.Units)}
	var annotated []byte
	if len(wb.Raw) > 0 {
		if b, err := ledger.Annotate(wb.Raw, errs); err == nil {
			annotated = b
		}
	}
	res.HasAnnotated = annotated != nil
	errJSON, _ := json.Marshal(errs)
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		res.ID, err = tx.insertID(ctx, `INSERT INTO ledger_imports (project_id, file_name, file_sm3, ok, summary, errors, annotated, by_user, at)
			VALUES ($1, $2, $3, FALSE, $4, $5, $6, $7, $8)`, projectID, fileName, digest, res.summary(), string(errJSON), annotated, actor.UserID, tx.now)
		if err != nil {
			return err
		}
		tx.Audit("ledger.import_refused", "project", projectID, map[string]any{"file": fileName, "sm3": digest, "errors": len(errs)})
		return nil
	})
	return res, err
}

// errRollback ends a transaction without an error to report: the caller
// has the reason in hand.
var errRollback = errors.New("rollback")

func existingLedger(ctx context.Context, tx *Tx, projectID int64) (ledger.Existing, error) {
	var ex ledger.Existing
	var err error
	if ex.Project, err = lockProject(ctx, tx, projectID); err != nil {
		return ex, err
	}
	if ex.Parcels, err = parcelsOf(ctx, tx.q(), projectID); err != nil {
		return ex, err
	}
	if ex.Buildings, err = buildingsOf(ctx, tx.q(), projectID); err != nil {
		return ex, err
	}
	if ex.Floors, err = floorsOf(ctx, tx.q(), `building_id IN (SELECT id FROM buildings WHERE project_id = $1)`, projectID); err != nil {
		return ex, err
	}
	if ex.Units, err = unitsWhere(ctx, tx.q(), `u.building_id IN (SELECT id FROM buildings WHERE project_id = $1)`, projectID); err != nil {
		return ex, err
	}
	ex.Frozen, err = frozenUnits(ctx, tx, projectID)
	return ex, err
}

// applyPlan writes an import plan with multi-row INSERTs.
func applyPlan(ctx context.Context, tx *Tx, projectID int64, plan ledger.Plan) error {
	newIDs, err := applyBuildings(ctx, tx, projectID, plan)
	if err != nil {
		return err
	}
	if err := applyFloors(ctx, tx, projectID, plan.Floors); err != nil {
		return err
	}
	if err := applyUnits(ctx, tx, plan, newIDs); err != nil {
		return err
	}
	for _, id := range plan.TouchedBuildings() {
		tx.touchBuildings(id)
	}
	return nil
}

// applyBuildings writes the plan's new and changed buildings; it returns
// the new buildings' ids, in the plan's order.
func applyBuildings(ctx context.Context, tx *Tx, projectID int64, plan ledger.Plan) ([]int64, error) {
	newIDs := make([]int64, len(plan.NewBuildings))
	for i, b := range plan.NewBuildings {
		id, err := tx.insertID(ctx, `INSERT INTO buildings (project_id, parcel_code, number, name, structure, floors_above, floors_below, planned_use)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, projectID, b.Parcel, b.Number, b.Name, b.Structure, b.FloorsAbove, b.FloorsBelow, b.PlannedUse)
		if err != nil {
			return nil, err
		}
		newIDs[i] = id
	}
	for _, b := range plan.ChangedBuildings {
		if _, err := tx.exec(ctx, `UPDATE buildings SET name = $1, structure = $2, floors_above = $3, floors_below = $4, planned_use = $5 WHERE id = $6`,
			b.Name, b.Structure, b.FloorsAbove, b.FloorsBelow, b.PlannedUse, b.ID); err != nil {
			return nil, err
		}
	}
	return newIDs, nil
}

// applyFloors writes the plan's floors, each in the building its parcel
// and number name.
func applyFloors(ctx context.Context, tx *Tx, projectID int64, floors []ledger.FloorKey) error {
	ids := map[string]int64{}
	rows, err := tx.query(ctx, `SELECT id, parcel_code, number FROM buildings WHERE project_id = $1`, projectID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var parcel string
		var n int
		if err := rows.Scan(&id, &parcel, &n); err != nil {
			return err
		}
		ids[fmt.Sprintf("%s/%d", parcel, n)] = id
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var floorRows [][]any
	for _, f := range floors {
		floorRows = append(floorRows, []any{ids[fmt.Sprintf("%s/%d", f.Parcel, f.Building)], f.Actual, f.Named})
	}
	return tx.insertRows(ctx, `INSERT INTO floors (building_id, actual, named) VALUES `, floorRows)
}

// applyUnits writes the plan's new units (in one multi-row insert; a new
// unit of a new building takes its id) and its changed units.
func applyUnits(ctx context.Context, tx *Tx, plan ledger.Plan, newIDs []int64) error {
	var unitRows [][]any
	for i, u := range plan.NewUnits {
		bid := u.BuildingID
		if idx := plan.NewUnitBuilding[i]; idx >= 0 {
			bid = newIDs[idx]
		}
		unitRows = append(unitRows, []any{bid, u.Number, u.UnitNo, u.Room, u.Section, u.Floor, u.Purpose,
			measure.Cents(u.Forecast.Total), measure.Cents(u.Forecast.Inner), measure.Cents(u.Forecast.Shared), u.Forecast.Ratio.String()})
	}
	if err := tx.insertRows(ctx, `INSERT INTO units (building_id, number, unit_no, room, section, floor, purpose, f_total, f_inner, f_shared, f_ratio) VALUES `, unitRows); err != nil {
		if isUniqueViolation(err) {
			return problem.New(problem.Conflict, "unit.exists", "不动产单元号或室号与已有的户重复")
		}
		return err
	}
	for _, u := range plan.ChangedUnits {
		if _, err := tx.exec(ctx, `UPDATE units SET room = $1, section = $2, floor = $3, purpose = $4, f_total = $5, f_inner = $6,
			f_shared = $7, f_ratio = $8 WHERE id = $9`, u.Room, u.Section, u.Floor, u.Purpose, measure.Cents(u.Forecast.Total),
			measure.Cents(u.Forecast.Inner), measure.Cents(u.Forecast.Shared), u.Forecast.Ratio.String(), u.ID); err != nil {
			return err
		}
	}
	return nil
}

// insertRows inserts rows with one prepared statement executed per row.
// It was chosen when multi-row INSERTs bound their numbered parameters on
// SQLite by a search that grew with their square; insertValues now binds
// anonymous ones (valuesText), and has not been measured against it here.
// prefix is "INSERT INTO t (a, b) VALUES "; a suffix (ON CONFLICT …) may follow.
func (tx *Tx) insertRows(ctx context.Context, prefix string, rows [][]any, suffix ...string) error {
	if len(rows) == 0 {
		return nil
	}
	ctx = tx.ctx(ctx)
	if err := tx.settle(ctx, prefix); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(prefix + "(")
	for i := range rows[0] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", i+1)
	}
	b.WriteString(")")
	b.WriteString(strings.Join(suffix, " "))
	st, err := tx.tx.PrepareContext(ctx, b.String())
	if err != nil {
		return err
	}
	defer st.Close()
	for _, r := range rows {
		tx.stmts++
		tx.trips++
		if _, err := st.ExecContext(ctx, r...); err != nil {
			return err
		}
	}
	return nil
}

// LedgerImport is a recorded import attempt.
type LedgerImport struct {
	ID        int64
	ProjectID int64
	FileName  string
	FileSM3   string
	OK        bool
	Summary   map[string]int
	Errors    []ledger.RowError
	ByUser    int64
	At        time.Time
	Annotated bool
}

// LedgerImports lists a project's import attempts, newest first.
func (db *DB) LedgerImports(ctx context.Context, projectID int64) ([]LedgerImport, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT id, project_id, file_name, file_sm3, ok, summary, errors, by_user, at, annotated IS NOT NULL
		FROM ledger_imports WHERE project_id = $1 ORDER BY id DESC LIMIT 50`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LedgerImport
	for rows.Next() {
		var li LedgerImport
		var summary, errs string
		if err := rows.Scan(&li.ID, &li.ProjectID, &li.FileName, &li.FileSM3, &li.OK, &summary, &errs, &li.ByUser, &li.At, &li.Annotated); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(summary), &li.Summary)
		json.Unmarshal([]byte(errs), &li.Errors)
		out = append(out, li)
	}
	return out, rows.Err()
}

// AnnotatedWorkbook returns the annotated workbook of a refused import.
func (db *DB) AnnotatedWorkbook(ctx context.Context, importID int64) (projectID int64, name string, data []byte, err error) {
	err = db.r().QueryRowContext(ctx, `SELECT project_id, file_name, annotated FROM ledger_imports WHERE id = $1 AND annotated IS NOT NULL`, importID).
		Scan(&projectID, &name, &data)
	return projectID, name, data, notFound(err, "import.not_found", "没有该导入的标注文件")
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/credit"
	"handover/internal/ledger"
	"handover/internal/measure"
	"handover/internal/presale"
	"handover/internal/problem"
)

// ProjectDetail is everything a project page shows.
type ProjectDetail struct {
	Project      ledger.Project
	Parcels      []ledger.Parcel
	Permits      []ledger.Permit
	Buildings    []BuildingSummary
	Presale      []presale.Permit
	Applications []PresaleApplication
	Listed       bool
}

// ProjectDetail loads a project with its parcels, permits, buildings,
// presale permits and applications.
func (db *DB) ProjectDetail(ctx context.Context, id int64) (ProjectDetail, error) {
	var d ProjectDetail
	var err error
	if d.Project, err = db.Project(ctx, id); err != nil {
		return d, err
	}
	if d.Parcels, err = parcelsOf(ctx, db.r(), id); err != nil {
		return d, err
	}
	if d.Permits, err = permitsOf(ctx, db.r(), id); err != nil {
		return d, err
	}
	rows, err := db.r().QueryContext(ctx, `SELECT `+buildingColumns+`,
		(SELECT COUNT(*) FROM units u WHERE u.building_id = buildings.id),
		(SELECT COALESCE(SUM(u.f_total), 0) FROM units u WHERE u.building_id = buildings.id)
		FROM buildings WHERE project_id = $1 ORDER BY parcel_code, number`, id)
	if err != nil {
		return d, err
	}
	for rows.Next() {
		var s BuildingSummary
		var area int64
		if err := rows.Scan(&s.Building.ID, &s.Building.ProjectID, &s.Building.Parcel, &s.Building.Number, &s.Building.Name,
			&s.Building.Structure, &s.Building.FloorsAbove, &s.Building.FloorsBelow, &s.Building.PlannedUse, &s.Units, &area); err != nil {
			rows.Close()
			return d, err
		}
		s.Area = measure.FromCents(area)
		d.Buildings = append(d.Buildings, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, err
	}
	if d.Presale, err = db.presalePermits(ctx, db.r(), `p.project_id = $1`, id); err != nil {
		return d, err
	}
	for i, b := range d.Buildings {
		for _, p := range d.Presale {
			if p.State != presale.Revoked && slices.Contains(p.Buildings, b.Building.ID) {
				d.Buildings[i].Permit = p.Number
			}
		}
	}
	if d.Applications, err = db.presaleApplications(ctx, `a.project_id = $1`, id); err != nil {
		return d, err
	}
	d.Listed, err = isListed(ctx, db.r(), d.Project.Developer)
	return d, err
}

// ---- the restriction list

func isListed(ctx context.Context, q querier, developer int64) (bool, error) {
	var listed bool
	err := q.QueryRowContext(ctx, listedSQL("$1"), developer).Scan(&listed)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return listed, err
}

// listedSQL selects whether the developer given by the parameter is on
// the restriction list: its newest listing decides (no row: not listed).
func listedSQL(developer string) string {
	return `SELECT listed FROM credit_listings WHERE developer_org = ` + developer + ` ORDER BY id DESC LIMIT 1`
}

// ListDeveloper puts a developer on the restriction list or lifts it, for
// whoever may manage the list.
func (db *DB) ListDeveloper(ctx context.Context, actor audit.Actor, l credit.Listing) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		if err := decide(ctx, access.CreditManage, access.Target{}); err != nil {
			return err
		}
		if err := l.Validate(); err != nil {
			return err
		}
		return tx.listDeveloper(ctx, l)
	})
}

// listDeveloper records a listing decision in the transaction.
func (tx *Tx) listDeveloper(ctx context.Context, l credit.Listing) error {
	kind, err := orgKind(ctx, tx.q(), l.Developer, tx.db.forUpdate())
	if err != nil {
		return err
	}
	cur, err := isListed(ctx, tx.q(), l.Developer)
	if err != nil {
		return err
	}
	if err := credit.List(kind, cur, l); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO credit_listings (developer_org, listed, reason, basis, by_user, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		l.Developer, l.Listed, l.Reason, l.Basis, tx.actor.UserID, tx.now); err != nil {
		return err
	}
	action := "credit.lift"
	if l.Listed {
		action = "credit.list"
	}
	tx.Audit(action, "organisation", l.Developer, map[string]string{"reason": l.Reason, "basis": l.Basis})
	return nil
}

// Listings returns the restriction list's current entries (listed only),
// or every decision when history is true; newest first.
func (db *DB) Listings(ctx context.Context, history bool) ([]credit.Listing, error) {
	q := `SELECT c.id, c.developer_org, o.name, c.listed, c.reason, c.basis, c.by_user, COALESCE(u.name, ''), c.at
		FROM credit_listings c JOIN organisations o ON o.id = c.developer_org LEFT JOIN users u ON u.id = c.by_user`
	if !history {
		q += ` WHERE c.id = (SELECT MAX(id) FROM credit_listings x WHERE x.developer_org = c.developer_org) AND c.listed`
	}
	rows, err := db.r().QueryContext(ctx, q+` ORDER BY c.id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []credit.Listing
	for rows.Next() {
		var l credit.Listing
		if err := rows.Scan(&l.ID, &l.Developer, &l.Name, &l.Listed, &l.Reason, &l.Basis, &l.By, &l.ByName, &l.At); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// ---- presale permits

func (db *DB) presalePermits(ctx context.Context, q querier, where string, args ...any) ([]presale.Permit, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.number, p.project_id, p.jurisdiction, p.issued_on, p.units, p.area, p.extra_review,
		`+permitStateSQL("p.id")+` FROM presale_permits p WHERE `+where+` ORDER BY p.id`, args...)
	if err != nil {
		return nil, err
	}
	var out []presale.Permit
	for rows.Next() {
		var p presale.Permit
		var area int64
		var last string
		if err := rows.Scan(&p.ID, &p.Number, &p.ProjectID, &p.Jurisdiction, &p.IssuedOn, &p.Units, &area, &p.ExtraReview, &last); err != nil {
			rows.Close()
			return nil, err
		}
		p.Area, p.State = measure.FromCents(area), stateOfEvent(last)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Buildings, err = int64s(ctx, q, `SELECT building_id FROM presale_permit_buildings WHERE permit_id = $1 ORDER BY building_id`, out[i].ID); err != nil {
			return nil, err
		}
		if out[i].Events, err = permitEvents(ctx, q, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func stateOfEvent(kind string) presale.PermitState {
	switch kind {
	case "suspended":
		return presale.SuspendedState
	case "revoked":
		return presale.Revoked
	}
	return presale.Valid
}

func permitEvents(ctx context.Context, q querier, permitID int64) ([]presale.Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT e.kind, e.reason, e.by_user, COALESCE(u.name, ''), e.at FROM presale_permit_events e
		LEFT JOIN users u ON u.id = e.by_user WHERE e.permit_id = $1 ORDER BY e.id`, permitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []presale.Event
	for rows.Next() {
		var e presale.Event
		if err := rows.Scan(&e.Kind, &e.Reason, &e.By, &e.ByName, &e.At); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func int64s(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	return scanAll(ctx, q, func(r *sql.Rows, v *int64) error { return r.Scan(v) }, query, args...)
}

// scanAll runs query and scans every row into a T with scan. The rows are
// closed when it returns, so the caller may query again at once (SQLite
// has few connections).
func scanAll[T any](ctx context.Context, q querier, scan func(*sql.Rows, *T) error, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// PresalePermit returns one presale permit with its buildings and history.
func (db *DB) PresalePermit(ctx context.Context, id int64) (presale.Permit, error) {
	ps, err := db.presalePermits(ctx, db.r(), `p.id = $1`, id)
	if err != nil {
		return presale.Permit{}, err
	}
	if len(ps) == 0 {
		return presale.Permit{}, problem.New(problem.NotFound, "presale.not_found", "预售许可不存在")
	}
	return ps[0], nil
}

// PresalePermits lists permits the filter allows (by project jurisdiction
// or developer), newest first.
func (db *DB) PresalePermits(ctx context.Context, f access.Filter) ([]presale.Permit, error) {
	where, args := projectFilterSQL(f, "p.project_id")
	ps, err := db.presalePermits(ctx, db.r(), where, args...)
	slices.Reverse(ps)
	return ps, err
}

// projectFilterSQL restricts rows by their project's jurisdiction or
// developer, as an access filter allows.
func projectFilterSQL(f access.Filter, projectCol string) (string, []any) {
	if f.All {
		return "1 = 1", nil
	}
	var or []string
	var args []any
	if f.Jurisdiction != "" {
		args = append(args, f.Jurisdiction)
		or = append(or, fmt.Sprintf(`%s IN (SELECT id FROM projects WHERE jurisdiction = $%d)`, projectCol, len(args)))
	}
	if f.Developer != 0 {
		args = append(args, f.Developer)
		or = append(or, fmt.Sprintf(`%s IN (SELECT id FROM projects WHERE developer_org = $%d)`, projectCol, len(args)))
	}
	if len(or) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(or, " OR ") + ")", args
}

// presaleFacts gathers what the permit conditions need; q is the issuing
// transaction (which has locked the project) or the pool for a preview.
func (db *DB) presaleFacts(ctx context.Context, q querier, projectID int64, buildingIDs []int64) (presale.Facts, error) {
	var f presale.Facts
	var err error
	f.Project, err = scanProject(q.QueryRowContext(ctx, `SELECT `+projectColumns+projectFrom+` WHERE p.id = $1`, projectID))
	if err != nil {
		return f, notFound(err, "project.not_found", "项目不存在")
	}
	if f.Parcels, err = parcelsOf(ctx, q, projectID); err != nil {
		return f, err
	}
	if f.Permits, err = permitsOf(ctx, q, projectID); err != nil {
		return f, err
	}
	f.Units, f.Area, f.Covered = map[int64]int{}, map[int64]decimal.Decimal{}, map[int64]string{}
	for _, id := range slices.Compact(slices.Sorted(slices.Values(buildingIDs))) {
		b, err := scanBuilding(q.QueryRowContext(ctx, `SELECT `+buildingColumns+` FROM buildings WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return f, presale.UnknownBuilding(id)
		}
		if err != nil {
			return f, err
		}
		f.Buildings = append(f.Buildings, b)
		var n int
		var area int64
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(f_total), 0) FROM units WHERE building_id = $1`, id).Scan(&n, &area); err != nil {
			return f, err
		}
		f.Units[id], f.Area[id] = n, measure.FromCents(area)
		var num string
		err = q.QueryRowContext(ctx, `SELECT p.number FROM presale_permits p JOIN presale_permit_buildings pb ON pb.permit_id = p.id
			WHERE pb.building_id = $1 AND `+permitStateSQL("p.id")+` <> 'revoked' LIMIT 1`, id).Scan(&num)
		if err == nil {
			f.Covered[id] = num
		} else if !errors.Is(err, sql.ErrNoRows) {
			return f, err
		}
	}
	if f.Listed, err = isListed(ctx, q, f.Project.Developer); err != nil {
		return f, err
	}
	eff, err := setting(ctx, q, f.Project.Jurisdiction, credit.PresalePermit, string(credit.Refuse))
	f.Effect = credit.EffectFor(credit.PresalePermit, eff)
	return f, err
}

// CheckPresale evaluates the permit conditions without issuing anything:
// review is true when the developer is restricted and the jurisdiction
// asks for an extra review.
func (db *DB) CheckPresale(ctx context.Context, projectID int64, buildingIDs []int64) (review bool, err error) {
	f, err := db.presaleFacts(ctx, db.r(), projectID, buildingIDs)
	if err != nil {
		return false, err
	}
	return presale.Check(f)
}

// IssuePresale issues a presale permit for the named buildings of a
// project, when every condition holds; with a restricted developer under
// review, extraReview must hold the reviewing officer's opinion. An open
// application for the project is marked issued. The request's principal
// must be one who may decide the project's presale.
func (db *DB) IssuePresale(ctx context.Context, actor audit.Actor, projectID int64, buildingIDs []int64, extraReview string, applicationID int64) (presale.Permit, error) {
	var p presale.Permit
	err := db.transact(ctx, actor, func(tx *Tx) error {
		if err := lockToDecidePresale(ctx, tx, projectID); err != nil {
			return err
		}
		var err error
		p, err = db.issuePresale(ctx, tx, projectID, buildingIDs, extraReview, applicationID)
		return err
	})
	return p, err
}

// IssueOpenPresale issues the presale permit the project's open
// application asks for (IssuePresale); a project without one is refused
// (presale.no_application).
func (db *DB) IssueOpenPresale(ctx context.Context, actor audit.Actor, projectID int64, extraReview string) (presale.Permit, error) {
	var p presale.Permit
	err := db.transact(ctx, actor, func(tx *Tx) error {
		if err := lockToDecidePresale(ctx, tx, projectID); err != nil {
			return err
		}
		id, buildings, err := openApplication(ctx, tx, projectID)
		if err != nil {
			return err
		}
		p, err = db.issuePresale(ctx, tx, projectID, buildings, extraReview, id)
		return err
	})
	return p, err
}

// lockToDecidePresale locks the project and decides whether the request's
// principal may decide its presale.
func lockToDecidePresale(ctx context.Context, tx *Tx, projectID int64) error {
	proj, err := lockProject(ctx, tx, projectID)
	if err != nil {
		return err
	}
	return decide(ctx, access.PresaleDecide, access.ProjectTarget(proj))
}

// issuePresale issues a permit for the buildings of the project the
// transaction has locked, answering application applicationID (0: none).
func (db *DB) issuePresale(ctx context.Context, tx *Tx, projectID int64, buildingIDs []int64, extraReview string, applicationID int64) (presale.Permit, error) {
	f, err := db.presaleFacts(ctx, tx.q(), projectID, buildingIDs)
	if err != nil {
		return presale.Permit{}, err
	}
	p, err := presale.Issue(f, extraReview, tx.actor.UserID, tx.now)
	if err != nil {
		return p, err
	}
	return p, db.insertPermit(ctx, tx, &p, applicationID)
}

// openApplication reads, under lock, the project's application awaiting a
// decision, and the buildings it asks for.
func openApplication(ctx context.Context, tx *Tx, projectID int64) (int64, []int64, error) {
	var id int64
	var bs string
	err := tx.queryRow(ctx, `SELECT id, buildings FROM presale_applications WHERE project_id = $1 AND state = 'submitted'
		ORDER BY id LIMIT 1`+tx.db.forUpdate(), projectID).Scan(&id, &bs)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, problem.New(problem.Conflict, "presale.no_application", "没有待审批的申请")
	}
	if err != nil {
		return 0, nil, err
	}
	var buildings []int64
	if err := json.Unmarshal([]byte(bs), &buildings); err != nil {
		return 0, nil, err
	}
	return id, buildings, nil
}

// insertPermit numbers an issued permit from its county's series and
// writes it with its buildings and first event, marks the application it
// answers (0: none) issued, and audits it.
func (db *DB) insertPermit(ctx context.Context, tx *Tx, p *presale.Permit, applicationID int64) error {
	j, err := db.jurisdictionTx(ctx, tx, p.Jurisdiction)
	if err != nil {
		return err
	}
	// The number shows the place only: a park shares its county's series.
	seq, err := tx.nextSeq(ctx, fmt.Sprintf("presale/%s/%d", j.County, p.IssuedOn.Year()))
	if err != nil {
		return err
	}
	p.Number = presale.NumberFor(j.CertPlace, p.IssuedOn.Year(), int(seq))
	p.ID, err = tx.insertID(ctx, `INSERT INTO presale_permits (number, project_id, jurisdiction, issued_on, units, area, extra_review, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, p.Number, p.ProjectID, p.Jurisdiction, p.IssuedOn, p.Units, measure.Cents(p.Area), p.ExtraReview, tx.now)
	if err != nil {
		return err
	}
	for _, b := range p.Buildings {
		if _, err := tx.exec(ctx, `INSERT INTO presale_permit_buildings (permit_id, building_id) VALUES ($1, $2)`, p.ID, b); err != nil {
			return err
		}
	}
	tx.touchBuildings(p.Buildings...)
	for _, e := range p.Events {
		if _, err := tx.exec(ctx, `INSERT INTO presale_permit_events (permit_id, kind, reason, by_user, at) VALUES ($1, $2, $3, $4, $5)`,
			p.ID, e.Kind, e.Reason, e.By, e.At); err != nil {
			return err
		}
	}
	if applicationID != 0 {
		res, err := tx.exec(ctx, `UPDATE presale_applications SET state = 'issued', decided_by = $1, decided_at = $2, permit_id = $3
			WHERE id = $4 AND project_id = $5 AND state = 'submitted'`, tx.actor.UserID, tx.now, p.ID, applicationID, p.ProjectID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return presale.ApplicationDecided()
		}
	}
	tx.Audit("presale.issue", "presale_permit", p.ID, map[string]any{"number": p.Number, "project": p.ProjectID, "buildings": p.Buildings,
		"units": p.Units, "area": p.Area.StringFixed(2), "extra_review": p.ExtraReview != ""})
	return nil
}

// ChangePresale suspends, reinstates or revokes a permit with a reason,
// when the request's principal may decide its project's presale.
func (db *DB) ChangePresale(ctx context.Context, actor audit.Actor, permitID int64, kind, reason string) (presale.Permit, error) {
	return db.changePresale(ctx, actor, 0, permitID, kind, reason)
}

// ChangeProjectPresale is ChangePresale asked on a project's page: access
// is decided on the project, and a permit of another project is refused
// as not found.
func (db *DB) ChangeProjectPresale(ctx context.Context, actor audit.Actor, projectID, permitID int64, kind, reason string) (presale.Permit, error) {
	return db.changePresale(ctx, actor, projectID, permitID, kind, reason)
}

// changePresale changes permit permitID of project projectID (0: of its
// own).
func (db *DB) changePresale(ctx context.Context, actor audit.Actor, projectID, permitID int64, kind, reason string) (presale.Permit, error) {
	var p presale.Permit
	err := db.transact(ctx, actor, func(tx *Tx) error {
		if projectID != 0 {
			if err := tx.decideProject(ctx, projectID, access.PresaleDecide); err != nil {
				return err
			}
		}
		// Lock the permit row so that two officers cannot race on its state.
		var owner int64
		if err := tx.queryRow(ctx, `SELECT project_id FROM presale_permits WHERE id = $1`+db.forUpdate(), permitID).Scan(&owner); err != nil {
			return notFound(err, "presale.not_found", "预售许可不存在")
		}
		if projectID == 0 {
			if err := tx.decideProject(ctx, owner, access.PresaleDecide); err != nil {
				return err
			}
		} else if owner != projectID {
			return problem.New(problem.NotFound, "presale.not_found", "预售许可不属于本项目")
		}
		ps, err := db.presalePermits(ctx, tx.q(), `p.id = $1`, permitID)
		if err != nil {
			return err
		}
		p = ps[0]
		if err := p.Change(kind, reason, actor.UserID, tx.now); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO presale_permit_events (permit_id, kind, reason, by_user, at) VALUES ($1, $2, $3, $4, $5)`,
			permitID, kind, strings.TrimSpace(reason), actor.UserID, tx.now); err != nil {
			return err
		}
		tx.touchBuildings(p.Buildings...)
		tx.Audit("presale."+kind, "presale_permit", permitID, map[string]string{"number": p.Number, "reason": reason, "state": string(p.State)})
		return nil
	})
	return p, err
}

// PresaleApplication is a developer's application for a presale permit.
type PresaleApplication struct {
	ID          int64
	ProjectID   int64
	ProjectName string
	Buildings   []int64
	Note        string
	State       string
	SubmittedBy int64
	SubmittedAt time.Time
	DecidedBy   int64
	DecidedAt   time.Time
	Decision    string
	PermitID    int64
}

// StateLabel is the application's state in Chinese
// (presale.ApplicationStateLabel).
func (a PresaleApplication) StateLabel() string { return presale.ApplicationStateLabel(a.State) }

func (db *DB) presaleApplications(ctx context.Context, where string, args ...any) ([]PresaleApplication, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT a.id, a.project_id, p.name, a.buildings, a.note, a.state, a.submitted_by, a.submitted_at,
		COALESCE(a.decided_by, 0), a.decided_at, a.decision, COALESCE(a.permit_id, 0)
		FROM presale_applications a JOIN projects p ON p.id = a.project_id WHERE `+where+` ORDER BY a.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PresaleApplication
	for rows.Next() {
		var a PresaleApplication
		var bs string
		var decided sql.NullTime
		if err := rows.Scan(&a.ID, &a.ProjectID, &a.ProjectName, &bs, &a.Note, &a.State, &a.SubmittedBy, &a.SubmittedAt,
			&a.DecidedBy, &decided, &a.Decision, &a.PermitID); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(bs), &a.Buildings)
		a.DecidedAt = decided.Time
		out = append(out, a)
	}
	return out, rows.Err()
}

// PresaleApplication returns one application.
func (db *DB) PresaleApplication(ctx context.Context, id int64) (PresaleApplication, error) {
	as, err := db.presaleApplications(ctx, `a.id = $1`, id)
	if err != nil {
		return PresaleApplication{}, err
	}
	if len(as) == 0 {
		return PresaleApplication{}, problem.New(problem.NotFound, "presale.application_not_found", "预售许可申请不存在")
	}
	return as[0], nil
}

// PresaleQueue lists submitted applications the filter allows.
func (db *DB) PresaleQueue(ctx context.Context, f access.Filter) ([]PresaleApplication, error) {
	where, args := projectFilterSQL(f, "a.project_id")
	return db.presaleApplications(ctx, where+` AND a.state = 'submitted'`, args...)
}

// ApplyPresale records a developer's application for the named buildings
// when presale.ApplyPermit allows it, asked on the buildings' projects and
// the project's open applications as the transaction sees them (the
// project locked), when the request's principal may apply for the
// project.
func (db *DB) ApplyPresale(ctx context.Context, actor audit.Actor, projectID int64, buildingIDs []int64, note string) (PresaleApplication, error) {
	a := PresaleApplication{ProjectID: projectID, Buildings: buildingIDs, Note: strings.TrimSpace(note), State: "submitted"}
	err := db.transact(ctx, actor, func(tx *Tx) error {
		proj, err := lockProject(ctx, tx, projectID)
		if err != nil {
			return err
		}
		if err := decide(ctx, access.PresaleApply, access.ProjectTarget(proj)); err != nil {
			return err
		}
		owners, err := buildingProjects(ctx, tx.q(), buildingIDs)
		if err != nil {
			return err
		}
		var open int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM presale_applications WHERE project_id = $1 AND state = 'submitted'`, projectID).Scan(&open); err != nil {
			return err
		}
		if err := presale.ApplyPermit(projectID, buildingIDs, owners, open); err != nil {
			return err
		}
		bs, _ := json.Marshal(buildingIDs)
		a.SubmittedBy, a.SubmittedAt = actor.UserID, tx.now
		a.ID, err = tx.insertID(ctx, `INSERT INTO presale_applications (project_id, buildings, note, state, submitted_by, submitted_at)
			VALUES ($1, $2, $3, 'submitted', $4, $5)`, projectID, string(bs), a.Note, actor.UserID, tx.now)
		if err != nil {
			return err
		}
		tx.Audit("presale.apply", "presale_application", a.ID, map[string]any{"project": projectID, "buildings": buildingIDs})
		return nil
	})
	return a, err
}

// buildingProjects reads the project of each of the buildings that exist.
func buildingProjects(ctx context.Context, q querier, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	for _, id := range ids {
		var project int64
		err := q.QueryRowContext(ctx, `SELECT project_id FROM buildings WHERE id = $1`, id).Scan(&project)
		switch {
		case err == nil:
			out[id] = project
		case !errors.Is(err, sql.ErrNoRows):
			return nil, err
		}
	}
	return out, nil
}

// RefusePresale refuses an application with reasons, when the request's
// principal may decide its project's presale and presale.RefusePermit
// allows it on the application's state as the transaction sees it (the
// row locked); the update's condition guards against a decision that came
// first all the same.
func (db *DB) RefusePresale(ctx context.Context, actor audit.Actor, applicationID int64, reason string) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		var state string // "" when there is no such application
		var project int64
		err := tx.queryRow(ctx, `SELECT state, project_id FROM presale_applications WHERE id = $1`+db.forUpdate(), applicationID).Scan(&state, &project)
		switch {
		case err == nil:
			if err := tx.decideProject(ctx, project, access.PresaleDecide); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		return refuseApplication(ctx, tx, applicationID, state, reason)
	})
}

// RefuseOpenPresale refuses the project's open application with reasons
// (RefusePresale); a project without one is refused
// (presale.no_application).
func (db *DB) RefuseOpenPresale(ctx context.Context, actor audit.Actor, projectID int64, reason string) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		if err := lockToDecidePresale(ctx, tx, projectID); err != nil {
			return err
		}
		id, _, err := openApplication(ctx, tx, projectID)
		if err != nil {
			return err
		}
		return refuseApplication(ctx, tx, id, "submitted", reason)
	})
}

// refuseApplication refuses an application in state as the transaction
// has locked it.
func refuseApplication(ctx context.Context, tx *Tx, applicationID int64, state, reason string) error {
	reason, err := presale.RefusePermit(state, reason)
	if err != nil {
		return err
	}
	res, err := tx.exec(ctx, `UPDATE presale_applications SET state = 'refused', decided_by = $1, decided_at = $2, decision = $3
		WHERE id = $4 AND state = 'submitted'`, tx.actor.UserID, tx.now, reason, applicationID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return presale.ApplicationGone()
	}
	tx.Audit("presale.refuse", "presale_application", applicationID, map[string]string{"reason": reason})
	return nil
}

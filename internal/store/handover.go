package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/measure"
	"handover/internal/presale"
	"handover/internal/priority"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/tax"
)

// ---- deed tax

// deedTaxColumns reads an assessment with its unit's use, which is part of
// the rule (a unit under a live contract cannot be changed by an import, so
// the use read now is the one assessed). A scalar subquery rather than a
// join, so that FOR UPDATE locks the assessment alone, not the unit.
const deedTaxColumns = `id, contract_id, unit_id, base, area, home_count, rate, amount, assessed_at, paid_at, voucher, source,
	(SELECT purpose FROM units WHERE units.id = deed_taxes.unit_id)`

func scanDeedTax(r interface{ Scan(...any) error }) (tax.Assessment, error) {
	var a tax.Assessment
	var base, area, amount int64
	var rate string
	var paid sql.NullTime
	var purpose sql.NullString
	err := r.Scan(&a.ID, &a.ContractID, &a.UnitID, &base, &area, &a.Home, &rate, &amount, &a.AssessedAt, &paid, &a.Voucher, &a.Source, &purpose)
	a.Purpose = purpose.String
	a.Base, a.Area, a.Amount, a.Rate, a.PaidAt = measure.FromCents(base), measure.FromCents(area), measure.FromCents(amount), decimalOr0(rate), paid.Time
	return a, err
}

// AssessDeedTax assesses the deed tax of every filed contract of a project
// whose unit has measured areas: on the price after the area settlement,
// at the rate of the buyers' home count and the measured area. An unpaid
// assessment follows a changed price or area; a paid one is kept.
func (db *DB) AssessDeedTax(ctx context.Context, actor audit.Actor, projectID int64) (int, error) {
	rows, err := db.Reconciliation(ctx, projectID, 0)
	if err != nil {
		return 0, err
	}
	n := 0
	err = db.transact(ctx, actor, func(tx *Tx) error {
		n = 0
		p, err := lockProject(ctx, tx, projectID)
		if err != nil {
			return err
		}
		if err := decide(ctx, access.DeedTaxManage, access.ProjectTarget(p)); err != nil {
			return err
		}
		provincial, err := provincialRate(ctx, tx.q())
		if err != nil {
			return err
		}
		for _, x := range rows {
			if x.Contract.State != presale.Filed || x.Decision == "rescind" {
				continue
			}
			a := tax.Assess(x.Settlement.NewTotal, x.Unit.Measured.Total, x.Unit.Purpose, x.Contract.HomeCount, provincial)
			res, err := tx.exec(ctx, `INSERT INTO deed_taxes (contract_id, unit_id, base, area, home_count, rate, amount, assessed_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (contract_id) DO UPDATE SET base = excluded.base, area = excluded.area,
				home_count = excluded.home_count, rate = excluded.rate, amount = excluded.amount, assessed_at = excluded.assessed_at
				WHERE deed_taxes.paid_at IS NULL AND (deed_taxes.amount <> excluded.amount OR deed_taxes.area <> excluded.area
					OR deed_taxes.rate <> excluded.rate)`,
				x.Contract.ID, x.Unit.ID, measure.Cents(a.Base), measure.Cents(a.Area), string(a.Home), a.Rate.String(), measure.Cents(a.Amount), tx.now)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k > 0 {
				n++
			}
		}
		tx.Audit("tax.assess", "project", projectID, map[string]any{"assessed": n})
		return nil
	})
	return n, err
}

// provincialRate is the province's rate for what the reduced rates do
// not cover (tax.SettingProvincialRate, 3 % by default).
func provincialRate(ctx context.Context, q querier) (decimal.Decimal, error) {
	// The province's rate, one for every county: set on the prefecture
	// alone (a county's row, if an older version stored one, does not count).
	rs, err := setting(ctx, q, identity.PrefectureCode, tax.SettingProvincialRate, "")
	if err != nil {
		return decimal.Zero, err
	}
	return tax.ParseRate(rs)
}

// DeedTaxRule states the deed tax rule of a jurisdiction, with its
// provincial rate: the rule AssessDeedTax applies there.
func (db *DB) DeedTaxRule(ctx context.Context, jurisdiction string) (string, error) {
	r, err := provincialRate(ctx, db.r())
	if err != nil {
		return "", err
	}
	return tax.Rule(r), nil
}

// DeedTaxes lists a project's assessments.
func (db *DB) DeedTaxes(ctx context.Context, projectID int64) ([]tax.Assessment, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT `+deedTaxColumns+` FROM deed_taxes WHERE contract_id IN (SELECT id FROM contracts WHERE project_id = $1)
		ORDER BY unit_id`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tax.Assessment
	for rows.Next() {
		a, err := scanDeedTax(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// DeedTaxQuery asks for one page of the assessments of a project, or of
// every project a filter allows (Project 0).
type DeedTaxQuery struct {
	Project int64
	Filter  access.Filter // whose assessments (with Project 0)
	Unpaid  bool          // only those not yet paid
	Search  string        // part of a flat (幢 and 户) or of a project's name
	Page    Page
}

// ListedDeedTax is an assessment as a list shows it, with its flat and
// project.
type ListedDeedTax struct {
	tax.Assessment
	Room        string
	ProjectID   int64
	ProjectName string
}

// DeedTaxList lists assessments a page at a time: a project's in the
// order of its 楼盘表, or those of every project the filter allows by
// project and then so.
func (db *DB) DeedTaxList(ctx context.Context, q DeedTaxQuery) (Listed[ListedDeedTax], error) {
	l := db.newList()
	if q.Project != 0 {
		l.and(`x.project_id = ` + l.arg(q.Project))
	} else if !q.Filter.All {
		var or []string
		if q.Filter.Jurisdiction != "" {
			or = append(or, `x.jurisdiction = `+l.arg(q.Filter.Jurisdiction))
		}
		if q.Filter.Developer != 0 {
			or = append(or, `x.developer_org = `+l.arg(q.Filter.Developer))
		}
		if q.Filter.Buyer != "" {
			index, err := indexOf(db.ring(), q.Filter.Buyer)
			if err != nil {
				return Listed[ListedDeedTax]{}, err
			}
			or = append(or, `deed_taxes.contract_id IN (SELECT contract_id FROM contract_buyers WHERE id_index = `+l.arg(index)+`)`)
		}
		if len(or) == 0 {
			return Listed[ListedDeedTax]{Page: q.Page.normal()}, nil
		}
		l.and("(" + strings.Join(or, " OR ") + ")")
	}
	if q.Unpaid {
		l.and(`deed_taxes.paid_at IS NULL`)
	}
	l.like(q.Search, `x.room`, `x.project_name`)
	return list(ctx, db.r(), q.Page, deedTaxColumns+`, x.room, x.project_id, x.project_name`,
		`FROM deed_taxes JOIN (SELECT u.id AS unit, b.project_id, p.name AS project_name, p.jurisdiction, p.developer_org,
				b.number AS building_number, u.number AS unit_number, b.name || ' ' || u.room AS room
			FROM units u JOIN buildings b ON b.id = u.building_id JOIN projects p ON p.id = b.project_id) x ON x.unit = deed_taxes.unit_id`,
		`x.project_id, x.building_number, x.unit_number, deed_taxes.id`, l, func(r rowScanner) (ListedDeedTax, error) {
			var x ListedDeedTax
			a, err := scanDeedTax(extraColumns{r, []any{&x.Room, &x.ProjectID, &x.ProjectName}})
			x.Assessment = a
			return x, err
		})
}

// DeedTaxTally counts a project's assessments and those paid.
func (db *DB) DeedTaxTally(ctx context.Context, projectID int64) (assessed, paid int, err error) {
	err = db.r().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(paid_at) FROM deed_taxes WHERE contract_id IN (SELECT id FROM contracts WHERE project_id = $1)`,
		projectID).Scan(&assessed, &paid)
	return assessed, paid, err
}

// DeedTaxOf returns a contract's assessment.
func (db *DB) DeedTaxOf(ctx context.Context, contractID int64) (tax.Assessment, error) {
	a, err := scanDeedTax(db.r().QueryRowContext(ctx, `SELECT `+deedTaxColumns+` FROM deed_taxes WHERE contract_id = $1`, contractID))
	return a, notFound(err, "tax.not_found", "该合同尚未核定契税")
}

// PayDeedTax records the tax bureau's confirmation of payment (by its API,
// or by staff from the 完税凭证).
func (db *DB) PayDeedTax(ctx context.Context, actor audit.Actor, contractID int64, voucher, source string) (tax.Assessment, error) {
	var a tax.Assessment
	err := db.transact(ctx, actor, func(tx *Tx) error {
		c, err := tx.db.contractWhere(ctx, tx.q(), `c.id = $1`, contractID)
		if err != nil {
			return err
		}
		a, _, err = tx.payDeedTax(ctx, c, voucher, source)
		return err
	})
	return a, err
}

// payDeedTax records the payment of contract c's deed tax, as its tax
// bureau may (DeedTaxManage); changed is false for a repeat of the same
// payment, which changes nothing.
func (tx *Tx) payDeedTax(ctx context.Context, c presale.Contract, voucher, source string) (a tax.Assessment, changed bool, err error) {
	if err := decide(ctx, access.DeedTaxManage, ContractTarget(c)); err != nil {
		return a, false, err
	}
	if a, err = scanDeedTax(tx.queryRow(ctx, `SELECT `+deedTaxColumns+` FROM deed_taxes WHERE contract_id = $1`+tx.db.forUpdate(), c.ID)); err != nil {
		return a, false, notFound(err, "tax.not_found", "该合同尚未核定契税")
	}
	if changed, err = a.Pay(voucher, source, tx.now); err != nil || !changed {
		return a, false, err
	}
	// One voucher, one contract (tax.VoucherUsed). The condition on the
	// empty voucher repeats the partial index's, so that the lookup reads
	// deed_taxes_voucher. The index refuses the same voucher committed by
	// another transaction meanwhile (PostgreSQL): the transaction is run
	// again, and this check names that contract.
	var other string
	err = tx.queryRow(ctx, `SELECT x.number FROM deed_taxes d JOIN contracts x ON x.id = d.contract_id
		WHERE d.voucher = $1 AND d.voucher <> '' AND d.id <> $2`, a.Voucher, a.ID).Scan(&other)
	switch {
	case err == nil:
		return a, false, tax.VoucherUsed(a.Voucher, other)
	case !errors.Is(err, sql.ErrNoRows):
		return a, false, err
	}
	if _, err := tx.exec(ctx, `UPDATE deed_taxes SET paid_at = $1, voucher = $2, source = $3 WHERE id = $4`, tx.now, a.Voucher, a.Source, a.ID); err != nil {
		if isUniqueViolation(err) {
			return a, false, lostRace{err}
		}
		return a, false, err
	}
	// The open applications of this sale now rely on the payment, as
	// those taken after it do (linkMaterials): nobody asks the buyer for
	// the voucher.
	if _, err := tx.exec(ctx, `INSERT INTO application_materials (application_id, kind, ref, note)
		SELECT DISTINCT s.application_id, 'deed_tax', $1, '税务部门推送的完税信息' FROM services s JOIN applications p ON p.id = s.application_id
		WHERE s.contract_id = $2 AND p.state = 'open' ON CONFLICT DO NOTHING`, fmt.Sprintf("deed_tax:%d", a.ID), c.ID); err != nil {
		return a, false, err
	}
	tx.touchUnitBuilding(a.UnitID)
	tx.Audit("tax.paid", "contract", c.ID, map[string]any{"amount": a.Amount.StringFixed(2), "voucher": a.Voucher, "source": source})
	return a, true, nil
}

// ---- parcel restrictions

// RestrictParcel records a seal, a mortgage (of the land or of the works in
// progress) or a lock on a parcel; it blocks first registration.
func (db *DB) RestrictParcel(ctx context.Context, actor audit.Actor, parcel, kind, authority, docNo, note string) (int64, error) {
	var id int64
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var j string
		err := tx.queryRow(ctx, `SELECT p.jurisdiction FROM parcels x JOIN projects p ON p.id = x.project_id WHERE x.code = $1`, parcel).Scan(&j)
		if err != nil {
			return notFound(err, "parcel.not_found", "宗地不存在")
		}
		if err := decide(ctx, access.ParcelRestrict, access.Target{Jurisdiction: j}); err != nil {
			return err
		}
		if err := registry.CheckParcelRestriction(kind); err != nil {
			return err
		}
		id, err = tx.insertID(ctx, `INSERT INTO parcel_restrictions (parcel_code, kind, authority, doc_no, note, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, parcel, kind, authority, docNo, note, actor.UserID, tx.now)
		tx.Audit("parcel.restrict", "parcel", parcel, map[string]any{"kind": kind, "doc_no": docNo})
		return err
	})
	return id, err
}

// LiftParcelRestriction ends a restriction by a new row naming it.
func (db *DB) LiftParcelRestriction(ctx context.Context, actor audit.Actor, id int64, note string) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		var parcel string
		if err := tx.queryRow(ctx, `SELECT parcel_code FROM parcel_restrictions WHERE id = $1 AND kind <> 'lift'`, id).Scan(&parcel); err != nil {
			return notFound(err, "parcel.restriction", "宗地限制不存在")
		}
		_, err := tx.exec(ctx, `INSERT INTO parcel_restrictions (parcel_code, kind, note, lifts, recorded_by, recorded_at) VALUES ($1, 'lift', $2, $3, $4, $5)`,
			parcel, note, id, actor.UserID, tx.now)
		if isUniqueViolation(err) {
			return problem.New(problem.Conflict, "parcel.lifted", "该限制已解除")
		}
		tx.Audit("parcel.lift", "parcel", parcel, map[string]any{"restriction": id})
		return err
	})
}

// ---- handover events

func scanEvent(r interface{ Scan(...any) error }) (handover.Event, error) {
	var e handover.Event
	var started, finished sql.NullTime
	err := r.Scan(&e.ID, &e.ProjectID, &e.HeldOn, &e.Place, &e.Mode, &e.NoticeOn, &e.State, &e.Total, &e.Done, &e.Blocked, &e.CreatedBy,
		&e.CreatedAt, &started, &finished, &e.SameDay)
	e.StartedAt, e.FinishedAt = started.Time, finished.Time
	return e, err
}

// eventColumns read an event over handover_events; its same-day count
// uses the dashboard's one definition (sameDaySQL), so the event, the
// project's list and the dashboard agree.
const eventColumns = `id, project_id, held_on, place, mode, notice_on, state, total, done, blocked, created_by, created_at, started_at, finished_at,
	(SELECT COUNT(*) FROM handover_units h WHERE h.event_id = handover_events.id AND ` + sameDaySQL + `)`

func loadEvent(ctx context.Context, q querier, id int64, lock string) (handover.Event, error) {
	e, err := scanEvent(q.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM handover_events WHERE id = $1`+lock, id))
	if err != nil {
		return e, notFound(err, "handover.not_found", "交房安排不存在")
	}
	e.Buildings, err = int64s(ctx, q, `SELECT building_id FROM handover_event_buildings WHERE event_id = $1 ORDER BY building_id`, id)
	return e, err
}

// HandoverEvent returns one event.
func (db *DB) HandoverEvent(ctx context.Context, id int64) (handover.Event, error) {
	return loadEvent(ctx, db.r(), id, "")
}

// HandoverEvents lists a project's events.
func (db *DB) HandoverEvents(ctx context.Context, projectID int64) ([]handover.Event, error) {
	ids, err := int64s(ctx, db.r(), `SELECT id FROM handover_events WHERE project_id = $1 ORDER BY id DESC`, projectID)
	if err != nil {
		return nil, err
	}
	var out []handover.Event
	for _, id := range ids {
		e, err := db.HandoverEvent(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// ScheduleHandover schedules a handover of filed buildings: every building
// must be filed (completion filing, which needed the survey), and the
// written notice at least 10 days before. The sold units (filed contracts)
// are listed, pending. A building is handed over by one open event at a
// time (handover.CheckSchedule).
func (db *DB) ScheduleHandover(ctx context.Context, actor audit.Actor, e handover.Event) (handover.Event, error) {
	if err := e.Validate(); err != nil {
		return e, err
	}
	err := db.transact(ctx, actor, func(tx *Tx) error {
		p, err := lockProject(ctx, tx, e.ProjectID)
		if err != nil {
			return err
		}
		if err := decide(ctx, access.HandoverManage, access.ProjectTarget(p)); err != nil {
			return err
		}
		bs, err := tx.scheduledBuildings(ctx, e)
		if err != nil {
			return err
		}
		if err := handover.CheckSchedule(e.ProjectID, bs); err != nil {
			return err
		}
		return tx.insertHandover(ctx, &e)
	})
	return e, err
}

// scheduledBuildings reads what handover.CheckSchedule looks at for each
// building of the event.
func (tx *Tx) scheduledBuildings(ctx context.Context, e handover.Event) ([]handover.ScheduledBuilding, error) {
	var out []handover.ScheduledBuilding
	for _, b := range e.Buildings {
		var sb handover.ScheduledBuilding
		err := tx.queryRow(ctx, `SELECT project_id, name FROM buildings WHERE id = $1`, b).Scan(&sb.Project, &sb.Name)
		if errors.Is(err, sql.ErrNoRows) {
			out = append(out, sb) // no such building: handover.CheckSchedule refuses it
			continue
		}
		if err != nil {
			return nil, err
		}
		var filed int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM completion_filing_buildings WHERE building_id = $1`, b).Scan(&filed); err != nil {
			return nil, err
		}
		sb.Filed = filed > 0
		err = tx.queryRow(ctx, `SELECT e.id, e.held_on FROM handover_events e JOIN handover_event_buildings eb ON eb.event_id = e.id
			WHERE eb.building_id = $1 AND e.state IN ('planned', 'running', 'paused') ORDER BY e.id LIMIT 1`, b).Scan(&sb.OpenEvent, &sb.OpenOn)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		out = append(out, sb)
	}
	return out, nil
}

// insertHandover writes a planned event with its buildings and the units
// it hands over: every filed sale of them whose flat is not handed over.
func (tx *Tx) insertHandover(ctx context.Context, e *handover.Event) error {
	var err error
	e.State, e.CreatedBy, e.CreatedAt = "planned", tx.actor.UserID, tx.now
	if e.ID, err = tx.insertID(ctx, `INSERT INTO handover_events (project_id, held_on, place, mode, notice_on, state, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, 'planned', $6, $7)`, e.ProjectID, e.HeldOn.String(), e.Place, string(e.Mode), e.NoticeOn.String(), tx.actor.UserID, tx.now); err != nil {
		return err
	}
	for _, b := range e.Buildings {
		if _, err := tx.exec(ctx, `INSERT INTO handover_event_buildings (event_id, building_id) VALUES ($1, $2)`, e.ID, b); err != nil {
			return err
		}
	}
	res, err := tx.exec(ctx, `INSERT INTO handover_units (event_id, unit_id, contract_id, state, updated_at)
		SELECT $1, c.unit_id, c.id, 'pending', $2 FROM contracts c JOIN units u ON u.id = c.unit_id
		JOIN handover_event_buildings eb ON eb.building_id = u.building_id AND eb.event_id = $1
		WHERE c.state = 'filed' AND NOT EXISTS (SELECT 1 FROM handover_units h WHERE h.unit_id = c.unit_id AND `+handedOverSQL+`)`, e.ID, tx.now)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	e.Total = int(n)
	if _, err := tx.exec(ctx, `UPDATE handover_events SET total = $1 WHERE id = $2`, e.Total, e.ID); err != nil {
		return err
	}
	tx.Audit("handover.schedule", "handover_event", e.ID, map[string]any{"project": e.ProjectID, "held_on": e.HeldOn, "mode": e.Mode,
		"buildings": e.Buildings, "units": e.Total})
	return nil
}

// HandoverUnits lists an event's per-unit outcomes.
func (db *DB) HandoverUnits(ctx context.Context, eventID int64) ([]handover.UnitOutcome, error) {
	return db.handoverUnitsWhere(ctx, `h.event_id = $1`, eventID)
}

// outcomeColumns and outcomeFrom read a unit's outcome at a handover (h,
// with its unit u and building b).
const (
	outcomeColumns = `h.event_id, h.unit_id, h.contract_id, b.name || ' ' || u.room, h.state, h.reasons, h.application_id,
		h.handed_over_on, h.receiver, h.certified_on`
	outcomeFrom = `FROM handover_units h JOIN units u ON u.id = h.unit_id JOIN buildings b ON b.id = u.building_id`
)

func scanOutcome(r rowScanner) (handover.UnitOutcome, error) {
	var o handover.UnitOutcome
	var reasons, handed, certified string
	if err := r.Scan(&o.EventID, &o.UnitID, &o.ContractID, &o.Room, &o.State, &reasons, &o.ApplicationID, &handed, &o.Receiver, &certified); err != nil {
		return o, err
	}
	if reasons != "" {
		o.Reasons = strings.Split(reasons, "\n")
	}
	o.HandedOverOn, _ = calendar.ParseDate(handed)
	o.CertifiedOn, _ = calendar.ParseDate(certified)
	return o, nil
}

func (db *DB) handoverUnitsWhere(ctx context.Context, where string, args ...any) ([]handover.UnitOutcome, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT `+outcomeColumns+` `+outcomeFrom+` WHERE `+where+` ORDER BY h.event_id, b.number, u.number`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []handover.UnitOutcome
	for rows.Next() {
		o, err := scanOutcome(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// HandoverUnitQuery asks for one page of a handover's units.
type HandoverUnitQuery struct {
	Event  int64
	State  handover.UnitState // only the units in this state ("": all)
	Search string             // part of a flat's building and room (e.g. 3号楼 or 2-1501)
	Page   Page
}

// HandoverUnitList lists a handover's units a page at a time, in the
// order of the 楼盘表 (building, then unit).
func (db *DB) HandoverUnitList(ctx context.Context, q HandoverUnitQuery) (Listed[handover.UnitOutcome], error) {
	l := db.newList()
	l.and(`h.event_id = ` + l.arg(q.Event))
	if q.State != "" {
		l.and(`h.state = ` + l.arg(string(q.State)))
	}
	l.like(q.Search, `b.name || ' ' || u.room`)
	return list(ctx, db.r(), q.Page, outcomeColumns, outcomeFrom, `b.number, u.number, h.unit_id`, l, scanOutcome)
}

// HandoverTally is how a handover's units stand: by state, and how many
// had their certificate by the day they got their keys.
type HandoverTally struct {
	Pending, Done, Blocked, SameDay int
}

// HandoverTally counts a handover's units, in one pass.
func (db *DB) HandoverTally(ctx context.Context, eventID int64) (HandoverTally, error) {
	var t HandoverTally
	err := db.r().QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN h.state = 'pending' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN h.state = 'done' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN h.state = 'blocked' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+sameDaySQL+` THEN 1 ELSE 0 END), 0)
		FROM handover_units h WHERE h.event_id = $1`, eventID).Scan(&t.Pending, &t.Done, &t.Blocked, &t.SameDay)
	return t, err
}

// PauseHandover asks a running batch to stop at the end of its chunk.
func (db *DB) PauseHandover(ctx context.Context, actor audit.Actor, id int64) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		if err := tx.decideEvent(ctx, id); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE handover_events SET state = 'paused' WHERE id = $1 AND state = 'running'`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return problem.New(problem.Conflict, "handover.not_running", "批量办理未在运行")
		}
		tx.Audit("handover.pause", "handover_event", id, nil)
		return nil
	})
}

// SetReceiver records who received the keys of a unit handed over (done,
// or blocked: the keys are handed over without the certificate).
func (db *DB) SetReceiver(ctx context.Context, actor audit.Actor, eventID, unitID int64, receiver string) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		if err := tx.decideEvent(ctx, eventID); err != nil {
			return err
		}
		receiver, err := handover.CheckReceiver(receiver)
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE handover_units AS h SET receiver = $1, updated_at = $2 WHERE event_id = $3 AND unit_id = $4 AND `+handedOverSQL,
			receiver, tx.now, eventID, unitID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return problem.New(problem.Conflict, "handover.not_done", "该户尚未交房")
		}
		tx.Audit("handover.receiver", "unit", unitID, map[string]any{"event": eventID})
		return nil
	})
}

// decideEvent decides whether the request may manage the handover event
// (the project's developer): it locks the event's project and asks access.
func (tx *Tx) decideEvent(ctx context.Context, eventID int64) error {
	ev, err := loadEvent(ctx, tx.q(), eventID, "")
	if err != nil {
		return err
	}
	p, err := lockProject(ctx, tx, ev.ProjectID)
	if err != nil {
		return err
	}
	return decide(ctx, access.HandoverManage, access.ProjectTarget(p))
}

// JobHandover is the background job that runs a queued batch.
const JobHandover = "handover.run"

// HandoverJob is the payload of a queued batch: the event and who asked.
type HandoverJob struct {
	Event int64       `json:"event"`
	Actor audit.Actor `json:"actor"`
}

// QueueHandover queues the batch of an event for the background worker
// (one pending run per event): the page and the API return at once and
// show the progress, and a crash resumes where the batch stopped. The
// policy is checked now, so a batch that cannot run is refused at once.
func (db *DB) QueueHandover(ctx context.Context, actor audit.Actor, eventID int64) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		ev, err := loadEvent(ctx, tx.q(), eventID, db.forUpdate())
		if err != nil {
			return err
		}
		p, err := lockProject(ctx, tx, ev.ProjectID)
		if err != nil {
			return err
		}
		if err := decide(ctx, access.HandoverManage, access.ProjectTarget(p)); err != nil {
			return err
		}
		if err := ev.CheckRun(); err != nil {
			return err
		}
		if err := requireAutoReview(ctx, tx.q(), p.Jurisdiction); err != nil {
			return err
		}
		payload, _ := json.Marshal(HandoverJob{Event: eventID, Actor: actor})
		if err := tx.enqueueJob(ctx, JobHandover, string(payload), tx.now, fmt.Sprintf("handover:%d", eventID)); err != nil {
			return err
		}
		if ev.State != "running" {
			if _, err := tx.exec(ctx, `UPDATE handover_events SET state = 'running', started_at = COALESCE(started_at, $1) WHERE id = $2`, tx.now, eventID); err != nil {
				return err
			}
		}
		tx.Audit("handover.queue", "handover_event", eventID, map[string]any{"done": ev.Done, "blocked": ev.Blocked, "total": ev.Total})
		return nil
	})
}

// requireAutoReview refuses a batch where the jurisdiction has not allowed
// automatic review of the services a batch records.
func requireAutoReview(ctx context.Context, q querier, jurisdiction string) error {
	policy, err := registrationPolicy(ctx, q, jurisdiction)
	if err != nil {
		return err
	}
	return handover.CheckAutoReview(policy)
}

// BatchChunk is how many units a batch transaction carries; busyChunk how
// many while the server is serving people's requests (priority.Gate.Busy):
// a step of a few flats takes a few milliseconds of a core, after which
// the batch waits for the requests in progress (Yield) and the pages keep
// their speed.
const (
	BatchChunk = 100
	busyChunk  = 4
)

// RunHandover runs (or resumes) the batch of a handover event: for every
// unit not yet done, in chunks of BatchChunk units per transaction, it
// checks the unit's readiness; a ready unit gets one combined application
// (首次登记 when the developer's ownership is not yet registered + 转移登记
// + 抵押权登记 for a loan), reviewed automatically under the jurisdiction's
// policy and recorded; a blocked unit is marked with its reasons. The
// chunk's certificates are then signed outside the transaction and issued
// (on site, or to the entrusted developer) in a second one. Stopped
// (paused, cancelled, crashed) and run again, it does nothing twice: units
// done are skipped, units registered but not yet certified are certified.
//
// Beside a server that gives it a gate (GiveWayTo), the batch gives way
// to the requests: while they come it takes busyChunk units at a time,
// signs on one core, and waits between its transactions (priority.Pacer).
func (db *DB) RunHandover(ctx context.Context, actor audit.Actor, cal *calendar.Calendar, eventID int64, keys *certificate.Keyring, progress func(handover.Event)) (handover.Event, error) {
	var ev handover.Event
	err := db.transact(ctx, actor, func(tx *Tx) (err error) {
		ev, err = tx.startHandover(ctx, eventID, keys)
		return err
	})
	if err != nil {
		return ev, err
	}
	var cursor int64
	pace := db.foreground.Pacer()
	for {
		if err := pace.Yield(ctx); err != nil {
			return ev, err
		}
		n, stop, err := db.handoverChunk(ctx, actor, cal, eventID, &cursor, keys, pace)
		if err != nil {
			return ev, err
		}
		if ev, err = db.HandoverEvent(ctx, eventID); err != nil {
			return ev, err
		}
		if progress != nil {
			progress(ev)
		}
		if stop || n == 0 {
			break
		}
	}
	if ev.State != "running" {
		return ev, nil // paused
	}
	err = db.transact(ctx, actor, func(tx *Tx) error { return tx.finishHandover(ctx, &ev) })
	return ev, err
}

// startHandover marks the event running, once the event may run, the
// jurisdiction reviews the batch's matters automatically and its signing
// key is unlocked.
func (tx *Tx) startHandover(ctx context.Context, eventID int64, keys *certificate.Keyring) (handover.Event, error) {
	ev, err := loadEvent(ctx, tx.q(), eventID, tx.db.forUpdate())
	if err != nil {
		return ev, err
	}
	if err := ev.CheckRun(); err != nil {
		return ev, err
	}
	p, err := lockProject(ctx, tx, ev.ProjectID)
	if err != nil {
		return ev, err
	}
	if err := requireAutoReview(ctx, tx.q(), p.Jurisdiction); err != nil {
		return ev, err
	}
	if _, err := keys.Signer(p.Jurisdiction); err != nil {
		return ev, err
	}
	_, err = tx.exec(ctx, `UPDATE handover_events SET state = 'running', started_at = COALESCE(started_at, $1) WHERE id = $2`, tx.now, eventID)
	ev.State = "running"
	tx.Audit("handover.run", "handover_event", eventID, map[string]any{"done": ev.Done, "blocked": ev.Blocked, "total": ev.Total})
	return ev, err
}

// finishHandover closes a run: done when no unit is pending, else paused.
func (tx *Tx) finishHandover(ctx context.Context, ev *handover.Event) error {
	var pending int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM handover_units WHERE event_id = $1 AND state = 'pending'`, ev.ID).Scan(&pending); err != nil {
		return err
	}
	state := "done"
	if pending > 0 {
		state = "paused"
	}
	if _, err := tx.exec(ctx, `UPDATE handover_events SET state = $1, finished_at = $2 WHERE id = $3`, state, tx.now, ev.ID); err != nil {
		return err
	}
	ev.State, ev.FinishedAt = state, tx.now
	tx.Audit("handover.finish", "handover_event", ev.ID, map[string]any{"state": state, "done": ev.Done, "blocked": ev.Blocked})
	return nil
}

// chunkUnit is a unit of a batch chunk.
type chunkUnit struct {
	unit, contract, application int64
	state                       string
}

// batchChunk is what one chunk's first transaction leaves for signing and
// issuing: the event, the units looked at, the applications recorded and
// their certificates to sign with the jurisdiction's key.
type batchChunk struct {
	ev     handover.Event
	units  []chunkUnit
	apps   []int64
	list   []toSign
	signer *certificate.Signer
}

// unitIDs lists the chunk's units in the order it read them.
func (ch batchChunk) unitIDs() []int64 {
	ids := make([]int64, len(ch.units))
	for i, u := range ch.units {
		ids[i] = u.unit
	}
	return ids
}

// handoverChunk processes the next units after cursor; it reports how many
// it looked at and whether the batch was paused.
func (db *DB) handoverChunk(ctx context.Context, actor audit.Actor, cal *calendar.Calendar, eventID int64, cursor *int64, keys *certificate.Keyring, pace *priority.Pacer) (int, bool, error) {
	var ch batchChunk
	busy := db.foreground.Busy()
	limit := BatchChunk
	if busy {
		limit = busyChunk
	}
	err := db.transact(ctx, actor, func(tx *Tx) (err error) {
		ch, err = tx.recordChunk(ctx, cal, eventID, *cursor, limit, keys)
		return err
	})
	paused := ch.ev.State != "running"
	if err != nil || paused || len(ch.units) == 0 {
		return len(ch.units), paused, err
	}
	*cursor = ch.units[len(ch.units)-1].unit
	// Sign outside any transaction: signing is CPU work, on every core
	// unless the server is serving requests (now, or when the chunk
	// began), which keep the other cores.
	sign := signAll
	if busy || db.foreground.Busy() {
		sign = signOnOneCore
	}
	if err := sign(ch.signer, ch.list); err != nil {
		return 0, false, err
	}
	if err := pace.Yield(ctx); err != nil {
		return 0, false, err
	}
	err = db.transact(ctx, actor, func(tx *Tx) error {
		// The signatures and the handover day change the units' stage,
		// whose triggers lock each unit as its row is written; the chunk
		// locks them all first, in id order, as its first transaction did
		// and as every path that changes a unit does (lockUnits), so that
		// no two transactions take them in opposite orders.
		if err := tx.lockUnits(ctx, ch.unitIDs()...); err != nil {
			return err
		}
		if err := tx.storeSignatures(ctx, ch.signer.KeyID, ch.list); err != nil {
			return err
		}
		if err := tx.issueChunk(ctx, ch.ev, ch.apps); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE handover_events SET done = (SELECT COUNT(*) FROM handover_units WHERE event_id = $1 AND state = 'done'),
			blocked = (SELECT COUNT(*) FROM handover_units WHERE event_id = $1 AND state = 'blocked') WHERE id = $1`, eventID)
		return err
	})
	return len(ch.units), false, err
}

// recordChunk takes the next limit units after cursor of a running event: it
// locks them, reads their facts once, records each ready unit's
// application (or marks it blocked), and lists the certificates to sign.
func (tx *Tx) recordChunk(ctx context.Context, cal *calendar.Calendar, eventID, cursor int64, limit int, keys *certificate.Keyring) (batchChunk, error) {
	var ch batchChunk
	var err error
	tx.drawsMany = true // a chunk numbers hundreds of applications and certificates
	if ch.ev, err = loadEvent(ctx, tx.q(), eventID, tx.db.forUpdate()); err != nil || ch.ev.State != "running" {
		return ch, err
	}
	if ch.units, err = chunkUnits(ctx, tx, eventID, cursor, limit); err != nil || len(ch.units) == 0 {
		return ch, err
	}
	p, err := lockProject(ctx, tx, ch.ev.ProjectID)
	if err != nil {
		return ch, err
	}
	ids := ch.unitIDs()
	var contracts []int64 // of the flats still to be taken (planBatchUnit)
	for _, u := range ch.units {
		if u.application == 0 {
			contracts = append(contracts, u.contract)
		}
	}
	if err := tx.lockUnits(ctx, ids...); err != nil {
		return ch, err
	}
	if err := tx.keepUnits(ctx, ids); err != nil {
		return ch, err
	}
	if err := tx.keepContracts(ctx, contracts); err != nil {
		return ch, err
	}
	if ch.signer, err = keys.Signer(p.Jurisdiction); err != nil {
		return ch, err
	}
	facts, err := tx.db.readinessFacts(ctx, tx.q(), p, unitRange{ids[0], ids[len(ids)-1]}, calendar.DateOf(tx.now))
	if err != nil {
		return ch, err
	}
	certs := newCertificateFacts()
	var taken [][]any // unit, application
	for _, u := range ch.units {
		if u.application == 0 {
			if u.application, err = tx.handoverUnit(ctx, cal, facts, ch.ev, u); err != nil || u.application == 0 {
				if err != nil {
					return ch, err
				}
				continue // blocked
			}
			taken = append(taken, []any{u.unit, u.application})
		}
		cs, err := tx.certificatesToSign(ctx, certs, u.application)
		if err != nil {
			return ch, err
		}
		ch.list = append(ch.list, cs...)
		ch.apps = append(ch.apps, u.application)
	}
	return ch, tx.noteApplications(ctx, ch.ev.ID, taken)
}

// noteApplications notes on the event's units the applications that now
// carry them (rows of unit and application), bulkRows a statement: a run
// resumed after the commit finds them there.
func (tx *Tx) noteApplications(ctx context.Context, event int64, rows [][]any) error {
	return tx.updateFromValues(ctx, "unit, app", []string{"bigint", "bigint"}, rows,
		` UPDATE handover_units SET application_id = v.app, updated_at = %s FROM v WHERE handover_units.event_id = %s AND handover_units.unit_id = v.unit`,
		tx.now, event)
}

// chunkUnits lists the next limit units of the event not yet done after
// cursor, in id order.
func chunkUnits(ctx context.Context, tx *Tx, eventID, cursor int64, limit int) ([]chunkUnit, error) {
	// A flat handed over at another event (a row written before migration
	// 0027 dated blocked flats) is not taken again: one handover day each.
	rows, err := tx.query(ctx, `SELECT unit_id, contract_id, application_id, state FROM handover_units h WHERE event_id = $1 AND state <> 'done'
		AND unit_id > $2 AND NOT EXISTS (SELECT 1 FROM handover_units o WHERE o.unit_id = h.unit_id AND o.event_id <> h.event_id
		AND o.handed_over_on <> '') ORDER BY unit_id LIMIT $3`, eventID, cursor, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var units []chunkUnit
	for rows.Next() {
		var u chunkUnit
		if err := rows.Scan(&u.unit, &u.contract, &u.application, &u.state); err != nil {
			return nil, err
		}
		units = append(units, u)
	}
	return units, rows.Err()
}

// certificatesToSign lists the certificates of an application's recorded
// services, numbered and waiting for their signatures.
func (tx *Tx) certificatesToSign(ctx context.Context, facts *certificateFacts, id int64) ([]toSign, error) {
	a, err := tx.signable(ctx, id)
	if err != nil {
		return nil, err
	}
	var list []toSign
	for _, s := range a.Services {
		if s.State == registry.Recorded {
			cs, err := tx.certificatesOfService(ctx, facts, s, a.Jurisdiction)
			if err != nil {
				return nil, err
			}
			list = append(list, cs...)
		}
	}
	return list, nil
}

// handoverUnit takes one unit of a batch as planBatchUnit decides it: it
// marks a blocked unit with its reasons, or returns the application that
// carries it (0 when the unit is blocked), which the chunk notes on the
// units together (noteApplications).
func (tx *Tx) handoverUnit(ctx context.Context, cal *calendar.Calendar, facts *handover.Facts, ev handover.Event, u chunkUnit) (int64, error) {
	app, plan, err := tx.planBatchUnit(ctx, cal, facts, u)
	if err != nil {
		return 0, err
	}
	if len(plan.Blocked) > 0 {
		// The keys are handed over on the day all the same (docs/domain.md
		// §5.12): the flat counts as handed over, without its certificate.
		_, err := tx.exec(ctx, `UPDATE handover_units SET state = 'blocked', reasons = $1, handed_over_on = $2,
			receiver = `+tx.db.receiverSQL()+`,
			updated_at = $3 WHERE event_id = $4 AND unit_id = $5`,
			strings.Join(plan.Blocked, "\n"), ev.HeldOn.String(), tx.now, ev.ID, u.unit)
		return 0, err
	}
	return app, nil
}

// planBatchUnit decides one unit of a batch as handover.PlanUnit decides
// on the chunk's facts, and acts on it in the transaction: it takes over
// the application that recorded a transfer at the counter, or takes the
// combined application (every rule of every service first: a blocked unit
// leaves no application behind) and records it. It returns the
// application (0 when the unit is blocked) and the plan, whose Blocked
// says why the unit waits. The batch and its rehearsal both decide here.
func (tx *Tx) planBatchUnit(ctx context.Context, cal *calendar.Calendar, facts *handover.Facts, u chunkUnit) (int64, handover.UnitPlan, error) {
	c, err := tx.contract(ctx, u.contract)
	if err != nil {
		return 0, handover.UnitPlan{}, err
	}
	sale := handover.BatchSale{ContractID: c.ID, Loan: c.Payment.Loan()}
	for _, b := range c.Buyers {
		sale.Buyers = append(sale.Buyers, registry.Applicant{Name: b.Name, IDKind: registry.IDCardKind, IDNumber: b.IDNumber})
	}
	plan := handover.PlanUnit(facts, cal, u.unit, sale, tx.now)
	var app int64
	switch {
	case len(plan.Blocked) > 0:
	case plan.TakeOver != 0:
		err = tx.queryRow(ctx, `SELECT application_id FROM services WHERE id = $1`, plan.TakeOver).Scan(&app)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && app == 0) {
			app, err = 0, nil
			plan.NoApplication()
		}
	default:
		var blocks []problem.Reason
		app, blocks, err = tx.batchApplication(ctx, cal, plan.Application)
		plan.BlockBy(blocks)
	}
	return app, plan, err
}

// batchApplication takes a batch flat's combined application, whose rules
// handover.PlanUnit asked on the chunk's facts, refusing it when the same
// matter is open at the counter (the flat waits for it rather than being
// registered twice), and records it. It returns the application, or why
// the flat waits.
func (tx *Tx) batchApplication(ctx context.Context, cal *calendar.Calendar, in ApplicationInput) (int64, []problem.Reason, error) {
	a, err := tx.createApplication(ctx, cal, in, true)
	if e := problem.As(err); err != nil && e.Code == registry.RuleDuplicate {
		return 0, e.Reasons, nil
	}
	if err != nil {
		return 0, nil, err
	}
	if !a.Services[0].AutoReview {
		return 0, nil, problem.New(problem.Internal, "handover.auto_review_failed", "批量办理的申请未能自动审核")
	}
	// Checked when taken, in this transaction.
	if err := tx.recordApproved(ctx, &a); err != nil {
		return 0, nil, err
	}
	if tx.known.signable == nil {
		tx.known.signable = map[int64]registry.Application{}
	}
	tx.known.signable[a.ID] = signableOf(a)
	return a.ID, nil, nil
}

// signableOf is what certificatesToSign reads of an application: its
// jurisdiction, and its services' ids, kinds, units and states.
func signableOf(a registry.Application) registry.Application {
	out := registry.Application{ID: a.ID, Jurisdiction: a.Jurisdiction}
	for _, s := range a.Services {
		out.Services = append(out.Services, registry.Service{ID: s.ID, Kind: s.Kind, UnitID: s.UnitID, State: s.State})
	}
	return out
}

// signable is an application as certificatesToSign reads it (signableOf):
// as the batch recorded it in this transaction, or else read. A batch
// takes each flat's certificates right after recording its application.
func (tx *Tx) signable(ctx context.Context, id int64) (registry.Application, error) {
	kept, ok := tx.known.signable[id]
	if ok && !tx.db.checkKept {
		return kept, nil
	}
	a, err := loadApplication(ctx, tx.db.ring(), tx.q(), id, "")
	if err != nil {
		return a, err
	}
	if !ok {
		return a, nil
	}
	if read := signableOf(a); !reflect.DeepEqual(kept, read) {
		return a, fmt.Errorf("store: application %d as kept differs from the application read:\nkept %+v\nread %+v", id, kept, read)
	}
	return kept, nil
}

// ---- utilities

// UtilityRequest is a utility's account transfer request.
type UtilityRequest struct {
	ID          int64
	UnitID      int64
	Room        string // 幢 + 户
	Project     string
	OrgID       int64
	OrgName     string
	Service     string
	Holder      string
	State       string // requested, done, refused
	Reason      string
	RequestedAt sql.NullTime
	AnsweredAt  sql.NullTime
}

// StateLabel names the request's state.
func (u UtilityRequest) StateLabel() string { return handover.UtilityStateLabel(u.State) }

// utilityColumns and utilityFrom read UtilityRequest rows (r the request,
// with its provider, flat, building and project).
const (
	utilityColumns = `r.id, r.unit_id, b.name || ' ' || u.room, p.name, r.org_id, o.name, r.service, r.holder, r.state, r.reason,
		r.requested_at, r.answered_at`
	utilityFrom = `FROM utility_requests r JOIN organisations o ON o.id = r.org_id JOIN units u ON u.id = r.unit_id
		JOIN buildings b ON b.id = u.building_id JOIN projects p ON p.id = b.project_id`
)

func scanUtility(r rowScanner) (UtilityRequest, error) {
	var u UtilityRequest
	err := r.Scan(&u.ID, &u.UnitID, &u.Room, &u.Project, &u.OrgID, &u.OrgName, &u.Service, &u.Holder, &u.State, &u.Reason, &u.RequestedAt, &u.AnsweredAt)
	return u, err
}

// UtilityRequests lists requests of a unit (unit ≠ 0), of a provider
// (org ≠ 0), or of a project.
func (db *DB) UtilityRequests(ctx context.Context, unit, org, project int64) ([]UtilityRequest, error) {
	where, arg := `r.unit_id = $1`, unit
	switch {
	case org != 0:
		where, arg = `r.org_id = $1`, org
	case project != 0:
		where, arg = `b.project_id = $1`, project
	}
	rows, err := db.r().QueryContext(ctx, `SELECT `+utilityColumns+` `+utilityFrom+` WHERE `+where+` ORDER BY r.id DESC LIMIT 2000`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []UtilityRequest
	for rows.Next() {
		u, err := scanUtility(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UtilityQuery asks for one page of a provider's requests.
type UtilityQuery struct {
	Org     int64  // the provider
	Waiting bool   // only the requests waiting for its answer
	Search  string // part of a flat (幢 and 户), a project's name or the new holder's name
	Page    Page
}

// UtilityList lists a provider's requests a page at a time: those waiting
// first, the longest waiting on top, then the answered ones, newest first.
func (db *DB) UtilityList(ctx context.Context, q UtilityQuery) (Listed[UtilityRequest], error) {
	l := db.newList()
	l.and(`r.org_id = ` + l.arg(q.Org))
	if q.Waiting {
		l.and(`r.state = 'requested'`)
	}
	l.like(q.Search, `b.name || ' ' || u.room`, `p.name`, `r.holder`)
	return list(ctx, db.r(), q.Page, utilityColumns, utilityFrom,
		`CASE WHEN r.state = 'requested' THEN 0 ELSE 1 END, CASE WHEN r.state = 'requested' THEN r.id ELSE -r.id END`, l, scanUtility)
}

// UtilitiesWaiting counts a provider's requests waiting for its answer.
func (db *DB) UtilitiesWaiting(ctx context.Context, org int64) (int, error) {
	var n int
	err := db.r().QueryRowContext(ctx, `SELECT COUNT(*) FROM utility_requests WHERE org_id = $1 AND state = 'requested'`, org).Scan(&n)
	return n, err
}

// AnswerUtility records a provider's answer: done, or refused with reason.
func (db *DB) AnswerUtility(ctx context.Context, actor audit.Actor, id int64, done bool, reason string) (UtilityRequest, error) {
	var u UtilityRequest
	if err := checkUtilityAnswer(ctx, actor, done, reason); err != nil {
		return u, err
	}
	err := db.transact(ctx, actor, func(tx *Tx) (err error) {
		u, err = tx.answerUtility(ctx, actor, id, done, reason)
		return err
	})
	return u, err
}

// AnswerUtilities records the same answer to many of a provider's
// requests at once, all or none: a request that may not be answered so
// (another provider's, already answered otherwise, not found) refuses the
// whole answer, naming the flat, and nothing is written.
func (db *DB) AnswerUtilities(ctx context.Context, actor audit.Actor, ids []int64, done bool, reason string) ([]UtilityRequest, error) {
	if len(ids) == 0 {
		return nil, &problem.Error{Kind: problem.Invalid, Code: "utility.none_chosen", Message: "请勾选要答复的过户申请", Fields: map[string]string{"ids": "未勾选"}}
	}
	if len(ids) > MaxPageSize {
		return nil, &problem.Error{Kind: problem.Invalid, Code: "utility.too_many", Message: fmt.Sprintf("一次最多答复%d件", MaxPageSize), Fields: map[string]string{"ids": "过多"}}
	}
	if err := checkUtilityAnswer(ctx, actor, done, reason); err != nil {
		return nil, err
	}
	// In id order, each once: two clerks answering overlapping ticks lock
	// the rows in the same order and cannot deadlock.
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var out []UtilityRequest
	err := db.transact(ctx, actor, func(tx *Tx) error {
		for _, id := range ids {
			u, err := tx.answerUtility(ctx, actor, id, done, reason)
			if err != nil {
				return naming(err, u.Room)
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

// naming prefixes a refusal's message with the flat it is about, so that
// the refusal of one of many names which one; a refusal of access or of
// a record not found is left as it is (it must not name another's flat).
func naming(err error, room string) error {
	pe := problem.As(err)
	switch pe.Kind {
	case problem.Invalid, problem.Conflict, problem.Refused:
		if room == "" {
			return err
		}
		named := *pe
		named.Message = room + "：" + pe.Message
		return &named
	}
	return err
}

// checkUtilityAnswer decides access (a provider answers its own
// organisation's requests) and refuses a bad answer before any request is
// read.
func checkUtilityAnswer(ctx context.Context, actor audit.Actor, done bool, reason string) error {
	var own access.Target
	if p := identity.PrincipalFrom(ctx); p != nil {
		own.Org = p.Org.ID
	}
	if err := decide(ctx, access.UtilityAnswer, own); err != nil {
		return err
	}
	_, _, err := handover.AnswerUtility("requested", "", actor.OrgID, actor.OrgID, done, reason)
	return err
}

// answerUtility answers one request in the transaction, on the row it
// locks; a repeat of the same answer changes nothing.
func (tx *Tx) answerUtility(ctx context.Context, actor audit.Actor, id int64, done bool, reason string) (UtilityRequest, error) {
	var u UtilityRequest
	var prev string
	if err := tx.queryRow(ctx, `SELECT r.id, r.unit_id, b.name || ' ' || un.room, r.org_id, r.service, r.holder, r.state, r.reason
		FROM utility_requests r JOIN units un ON un.id = r.unit_id JOIN buildings b ON b.id = un.building_id WHERE r.id = $1`+tx.db.forUpdateOf("r"), id).
		Scan(&u.ID, &u.UnitID, &u.Room, &u.OrgID, &u.Service, &u.Holder, &u.State, &prev); err != nil {
		return u, notFound(err, "utility.not_found", "过户申请不存在")
	}
	a, again, err := handover.AnswerUtility(u.State, prev, u.OrgID, actor.OrgID, done, reason)
	if err != nil || again {
		u.Reason = prev
		return u, err
	}
	u.State, u.Reason = a.State, a.Reason
	if _, err := tx.exec(ctx, `UPDATE utility_requests SET state = $1, reason = $2, answered_at = $3 WHERE id = $4`, u.State, u.Reason, tx.now, id); err != nil {
		return u, err
	}
	tx.Audit("utility.answer", "utility_request", id, map[string]any{"state": u.State, "reason": u.Reason})
	return u, nil
}

// ---- mortgages of a bank

// MortgageRow is a mortgage registered for a bank.
type MortgageRow struct {
	Entry   registry.Entry
	Room    string
	Project string
	Status  registry.Status
	Proof   Certificate // its signed 不动产登记证明 (ID 0 while it is being issued)
}

// MortgagesOf lists the mortgages and pre-mortgages held by a bank (at
// most 10,000, by flat), each with its status and its signed proof, in a
// fixed number of queries whatever their count.
func (db *DB) MortgagesOf(ctx context.Context, uscc string) ([]MortgageRow, error) {
	index, err := indexOf(db.ring(), uscc)
	if err != nil {
		return nil, err
	}
	rows, err := db.r().QueryContext(ctx, `SELECT `+entryColumns+`, h.name, h.id_kind, COALESCE(x.end_kind, ''), COALESCE(x.id, 0),
		b.name, u.room, p.name
		FROM register_holders h JOIN register_entries e ON e.id = h.entry_id
		JOIN units u ON u.id = e.unit_id JOIN buildings b ON b.id = u.building_id JOIN projects p ON p.id = b.project_id
		LEFT JOIN register_entries x ON x.ends_entry = e.id
		WHERE h.id_index = $1 AND h.seq = 1 AND (e.kind = 'mortgage' OR (e.kind = 'prenotice' AND e.prenotice_kind = $2))
		ORDER BY e.unit_id, e.id LIMIT 10000`, index, registry.PreNoticeMortgage)
	if err != nil {
		return nil, err
	}
	var out []MortgageRow
	for rows.Next() {
		var m MortgageRow
		var holder registry.Holder
		var endKind, building, room string
		var endedBy int64
		m.Entry, err = scanEntry(db.ring(), rows, &holder.Name, &holder.IDKind, &endKind, &endedBy, &building, &room, &m.Project)
		if err != nil {
			rows.Close()
			return nil, err
		}
		holder.IDNumber = uscc
		m.Entry.Holders, m.Room, m.Status = []registry.Holder{holder}, building+" "+room, registry.Current
		if endedBy != 0 {
			m.Status = registry.EndedStatus(registry.EndKind(endKind))
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	for i, m := range out {
		ids[i] = m.Entry.ID
	}
	list, args := inList(1, ids)
	certs, err := db.certificatesWhere(ctx, db.r(), `entry_id IN (`+list+`)`, args...)
	if err != nil {
		return nil, err
	}
	byEntry := map[int64]Certificate{}
	for _, c := range certs {
		byEntry[c.EntryID] = c
	}
	for i := range out {
		out[i].Proof = byEntry[out[i].Entry.ID]
	}
	return out, nil
}

// ParcelJurisdiction returns the jurisdiction of a parcel (its project's).
func (db *DB) ParcelJurisdiction(ctx context.Context, parcel string) (string, error) {
	var j string
	err := db.r().QueryRowContext(ctx, `SELECT p.jurisdiction FROM parcels x JOIN projects p ON p.id = x.project_id WHERE x.code = $1`, parcel).Scan(&j)
	return j, notFound(err, "parcel.not_found", "宗地不存在")
}

// RestrictionParcel returns the parcel a restriction is on.
func (db *DB) RestrictionParcel(ctx context.Context, id int64) (string, error) {
	var parcel string
	err := db.r().QueryRowContext(ctx, `SELECT parcel_code FROM parcel_restrictions WHERE id = $1`, id).Scan(&parcel)
	return parcel, notFound(err, "parcel.restriction_not_found", "宗地限制不存在")
}

// BuyerUnits lists the units of a person's filed contracts.
func (db *DB) BuyerUnits(ctx context.Context, idNumber string) ([]int64, error) {
	index, err := indexOf(db.ring(), idNumber)
	if err != nil {
		return nil, err
	}
	return int64s(ctx, db.r(), `SELECT DISTINCT c.unit_id FROM contracts c JOIN contract_buyers b ON b.contract_id = c.id
		WHERE b.id_index = $1 AND c.state = 'filed' ORDER BY c.unit_id`, index)
}

// DeedTaxesOfBuyer lists the assessments of a person's contracts.
func (db *DB) DeedTaxesOfBuyer(ctx context.Context, idNumber string) ([]tax.Assessment, error) {
	index, err := indexOf(db.ring(), idNumber)
	if err != nil {
		return nil, err
	}
	rows, err := db.r().QueryContext(ctx, `SELECT `+deedTaxColumns+` FROM deed_taxes WHERE contract_id IN
		(SELECT contract_id FROM contract_buyers WHERE id_index = $1) ORDER BY id`, index)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tax.Assessment
	for rows.Next() {
		a, err := scanDeedTax(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// HandoverOfUnit returns the unit's latest handover outcome, if any.
func (db *DB) HandoverOfUnit(ctx context.Context, unit int64) (handover.UnitOutcome, bool, error) {
	units, err := db.handoverUnitsWhere(ctx, `h.unit_id = $1`, unit)
	if err != nil || len(units) == 0 {
		return handover.UnitOutcome{}, false, err
	}
	return units[len(units)-1], true, nil
}

// UnitRooms names a project's units: 幢 + 户.
func (db *DB) UnitRooms(ctx context.Context, projectID int64) (map[int64]string, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT u.id, b.name || ' ' || u.room FROM units u JOIN buildings b ON b.id = u.building_id
		WHERE b.project_id = $1`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var room string
		if err := rows.Scan(&id, &room); err != nil {
			return nil, err
		}
		out[id] = room
	}
	return out, rows.Err()
}

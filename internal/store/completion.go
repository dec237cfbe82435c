package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/credit"
	"handover/internal/exchange"
	"handover/internal/handover"
	"handover/internal/ledger"
	"handover/internal/measure"
	"handover/internal/presale"
	"handover/internal/supervision"
)

// ---- accounting (核实核算)

const itemColumns = `id, project_id, unit_id, kind, due, paid, evidence, note, cleared_by, cleared_at, updated_at`

func scanItem(r interface{ Scan(...any) error }) (completion.Item, error) {
	var it completion.Item
	var due, paid int64
	var cleared sql.NullTime
	err := r.Scan(&it.ID, &it.ProjectID, &it.UnitID, &it.Kind, &due, &paid, &it.Evidence, &it.Note, &it.ClearedBy, &cleared, &it.UpdatedAt)
	it.Due, it.Paid, it.ClearedAt = measure.FromCents(due), measure.FromCents(paid), cleared.Time
	return it, err
}

func itemsWhere(ctx context.Context, q querier, where string, args ...any) ([]completion.Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+itemColumns+` FROM accounting_items WHERE `+where+` ORDER BY unit_id, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []completion.Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// AccountingItems lists a project's items: unitItems false for the
// project-level fees, true for the units' maintenance fund.
func (db *DB) AccountingItems(ctx context.Context, projectID int64, unitItems bool) ([]completion.Item, error) {
	if unitItems {
		return itemsWhere(ctx, db.r(), `project_id = $1 AND unit_id <> 0`, projectID)
	}
	return itemsWhere(ctx, db.r(), `project_id = $1 AND unit_id = 0`, projectID)
}

// AccountingItem returns one item.
func (db *DB) AccountingItem(ctx context.Context, id int64) (completion.Item, error) {
	it, err := scanItem(db.r().QueryRowContext(ctx, `SELECT `+itemColumns+` FROM accounting_items WHERE id = $1`, id))
	return it, notFound(err, "accounting.not_found", "核算项目不存在")
}

// landCheck compares the newest accepted survey's land figures with the
// project's grant contracts (the parcels' areas and granted floor area).
func landCheck(ctx context.Context, q querier, projectID int64) (string, error) {
	var land, floor int64
	err := q.QueryRowContext(ctx, `SELECT land_area, floor_area FROM surveys WHERE project_id = $1 AND state = 'accepted' ORDER BY id DESC LIMIT 1`,
		projectID).Scan(&land, &floor)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	parcels, err := parcelsOf(ctx, q, projectID)
	if err != nil {
		return "", err
	}
	grantLand, grantFloor := decimal.Zero, decimal.Zero
	for _, p := range parcels {
		grantLand, grantFloor = grantLand.Add(p.Area), grantFloor.Add(p.GrantFloor)
	}
	return completion.LandCheck(grantLand, grantFloor, measure.FromCents(land), measure.FromCents(floor)), nil
}

// PrepareAccounting creates the project's accounting list: every fee (the
// land price from the parcels; a land top-up when the survey differs from
// the grant contract) and each measured unit's maintenance fund at the
// jurisdiction's rate. Items already there are kept; an uncleared
// maintenance item follows a corrected measured area.
func (db *DB) PrepareAccounting(ctx context.Context, actor audit.Actor, projectID int64) (int, error) {
	created := 0
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		created, err = tx.prepareAccounting(ctx, projectID)
		return err
	})
	return created, err
}

// prepareAccounting locks the project, reads its parcels, land figures,
// rate and measured units, asks completion.PlanAccounting and writes the
// plan; it returns how many items it created.
func (tx *Tx) prepareAccounting(ctx context.Context, projectID int64) (int, error) {
	p, err := lockProject(ctx, tx, projectID)
	if err != nil {
		return 0, err
	}
	if err := decide(ctx, access.AccountingManage, access.ProjectTarget(p)); err != nil {
		return 0, err
	}
	parcels, err := parcelsOf(ctx, tx.q(), projectID)
	if err != nil {
		return 0, err
	}
	topUp, err := landCheck(ctx, tx.q(), projectID)
	if err != nil {
		return 0, err
	}
	rate, err := setting(ctx, tx.q(), p.Jurisdiction, completion.SettingMaintenanceRate, "")
	if err != nil {
		return 0, err
	}
	byBuilding, err := unitsWhere(ctx, tx.q(), `u.building_id IN (SELECT id FROM buildings WHERE project_id = $1) AND u.m_total > 0`, projectID)
	if err != nil {
		return 0, err
	}
	var units []ledger.Unit
	for _, b := range slices.Sorted(maps.Keys(byBuilding)) {
		units = append(units, byBuilding[b]...)
	}
	plan, err := completion.PlanAccounting(parcels, topUp, units, rate)
	if err != nil {
		return 0, err
	}
	created, err := tx.insertProjectItems(ctx, projectID, plan.Project)
	if err != nil {
		return 0, err
	}
	n, err := tx.upsertUnitItems(ctx, projectID, plan.Units)
	if err != nil {
		return 0, err
	}
	created += n
	tx.Audit("accounting.prepare", "project", projectID, map[string]any{"created": created, "land_topup": topUp, "rate": plan.Rate.String()})
	return created, nil
}

// insertProjectItems writes the project's fees that are not there yet and
// returns how many it wrote.
func (tx *Tx) insertProjectItems(ctx context.Context, projectID int64, items []completion.Item) (int, error) {
	created := 0
	for _, it := range items {
		res, err := tx.exec(ctx, `INSERT INTO accounting_items (project_id, unit_id, kind, due, paid, evidence, note, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (project_id, unit_id, kind) DO NOTHING`,
			projectID, 0, string(it.Kind), measure.Cents(it.Due), measure.Cents(it.Paid), it.Evidence, it.Note, tx.now)
		if err != nil {
			return created, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			created++
		}
	}
	return created, nil
}

// upsertUnitItems writes the units' maintenance fund items: new ones, and
// a changed amount on one not yet cleared. It returns how many it created.
func (tx *Tx) upsertUnitItems(ctx context.Context, projectID int64, items []completion.Item) (int, error) {
	rows := make([][]any, len(items))
	for i, it := range items {
		rows[i] = []any{projectID, it.UnitID, string(it.Kind), measure.Cents(it.Due), it.Note, tx.now}
	}
	const count = `SELECT COUNT(*) FROM accounting_items WHERE project_id = $1 AND unit_id <> 0`
	before, err := countRows(ctx, tx, count, projectID)
	if err != nil {
		return 0, err
	}
	if err := tx.insertRows(ctx, `INSERT INTO accounting_items (project_id, unit_id, kind, due, note, updated_at) VALUES `, rows, ` ON CONFLICT (project_id, unit_id, kind) DO UPDATE
		SET due = excluded.due, note = excluded.note, updated_at = excluded.updated_at WHERE accounting_items.cleared_at IS NULL AND accounting_items.due <> excluded.due`); err != nil {
		return 0, err
	}
	after, err := countRows(ctx, tx, count, projectID)
	return after - before, err
}

func countRows(ctx context.Context, tx *Tx, q string, args ...any) (int, error) {
	var n int
	err := tx.queryRow(ctx, q, args...).Scan(&n)
	return n, err
}

// changeItem applies a change to an item under lock and audits it.
func (db *DB) changeItem(ctx context.Context, actor audit.Actor, id int64, action string, change func(tx *Tx, it *completion.Item) error) (completion.Item, error) {
	var it completion.Item
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		if it, err = scanItem(tx.queryRow(ctx, `SELECT `+itemColumns+` FROM accounting_items WHERE id = $1`+db.forUpdate(), id)); err != nil {
			return notFound(err, "accounting.not_found", "核算项目不存在")
		}
		if err := tx.decideProject(ctx, it.ProjectID, access.AccountingManage); err != nil {
			return err
		}
		before := map[string]any{"due": it.Due.StringFixed(2), "paid": it.Paid.StringFixed(2), "evidence": it.Evidence}
		if err := change(tx, &it); err != nil {
			return err
		}
		var cleared any
		if it.Cleared() {
			cleared = it.ClearedAt
		}
		if _, err := tx.exec(ctx, `UPDATE accounting_items SET due = $1, paid = $2, evidence = $3, note = $4, cleared_by = $5, cleared_at = $6,
			updated_at = $7 WHERE id = $8`, measure.Cents(it.Due), measure.Cents(it.Paid), it.Evidence, it.Note, it.ClearedBy, cleared, tx.now, id); err != nil {
			return err
		}
		if it.UnitID != 0 {
			tx.touchUnitBuilding(it.UnitID)
		}
		tx.Audit(action, "accounting_item", id, map[string]any{"kind": it.Kind, "unit": it.UnitID, "before": before,
			"after": map[string]any{"due": it.Due.StringFixed(2), "paid": it.Paid.StringFixed(2), "evidence": it.Evidence, "cleared": it.Cleared()}})
		return nil
	})
	return it, err
}

// RecordItem sets an item's amount due and paid, with the evidence.
func (db *DB) RecordItem(ctx context.Context, actor audit.Actor, id int64, due, paid decimal.Decimal, evidence, note string) (completion.Item, error) {
	return db.changeItem(ctx, actor, id, "accounting.record", func(tx *Tx, it *completion.Item) error {
		return it.Record(due, paid, evidence, note, tx.now)
	})
}

// ClearItem marks an item settled (paid in full, with evidence).
func (db *DB) ClearItem(ctx context.Context, actor audit.Actor, id int64) (completion.Item, error) {
	return db.changeItem(ctx, actor, id, "accounting.clear", func(tx *Tx, it *completion.Item) error {
		return it.Clear(actor.UserID, tx.now)
	})
}

// PayMaintenance records a unit's maintenance fund paid in full with its
// voucher and clears it (the fund's receipt is the evidence).
func (db *DB) PayMaintenance(ctx context.Context, actor audit.Actor, id int64, voucher string) (completion.Item, error) {
	return db.changeItem(ctx, actor, id, "accounting.maintenance", func(tx *Tx, it *completion.Item) error {
		return it.PayMaintenance(voucher, actor.UserID, tx.now)
	})
}

// ---- the completion filing (竣工验收备案)

// RecordFiling records the completion filing of named buildings when the
// readiness view says nothing blocks it (the survey accepted, the unified
// acceptance opinion issued, the blocking accounting items cleared, the
// land topped up if needed). The filing date starts the 20-working-day
// clock; the standard commitments and the promised materials are recorded
// with their due dates; the project's filing milestone (presale fund) and
// an outbound event are written in the same transaction.
func (db *DB) RecordFiling(ctx context.Context, actor audit.Actor, cal *calendar.Calendar, f completion.Filing, promised []completion.Commitment) (completion.Filing, error) {
	out := f
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		out, err = db.recordFiling(ctx, tx, cal, f, promised)
		return err
	})
	return out, err
}

// recordFiling locks the project, reads its facts, asks completion.File
// and writes the filing it returns.
func (db *DB) recordFiling(ctx context.Context, tx *Tx, cal *calendar.Calendar, in completion.Filing, promised []completion.Commitment) (completion.Filing, error) {
	p, err := lockProject(ctx, tx, in.ProjectID)
	if err != nil {
		return in, err
	}
	if err := decide(ctx, access.CompletionFile, access.ProjectTarget(p)); err != nil {
		return in, err
	}
	facts, err := db.readinessFacts(ctx, tx.q(), p, allUnits(), calendar.DateOf(tx.now))
	if err != nil {
		return in, err
	}
	f, commitments, err := completion.File(filingFacts(facts, cal, in.Buildings, tx.now), in, promised, cal)
	if err != nil {
		return f, err
	}
	f.Jurisdiction, f.RecordedBy, f.RecordedAt = p.Jurisdiction, tx.actor.UserID, tx.now
	if err := tx.insertFiling(ctx, &f, p.Developer, commitments); err != nil {
		return f, err
	}
	if err := tx.recordMilestone(ctx, f.ProjectID, presale.MilestoneFiled, f.FiledOn, "竣工验收备案 "+f.Number); err != nil {
		return f, err
	}
	if err := tx.emit(exchange.CompletionFiled, fmt.Sprintf("project:%d", f.ProjectID), f.Jurisdiction, map[string]any{"project": p.Name,
		"number": f.Number, "filed_on": f.FiledOn, "due_on": f.DueOn, "buildings": f.Buildings}); err != nil {
		return f, err
	}
	tx.Audit("completion.file", "project", f.ProjectID, map[string]any{"number": f.Number, "filed_on": f.FiledOn, "due_on": f.DueOn,
		"buildings": f.Buildings, "source": f.Source, "promised": len(promised)})
	return f, nil
}

// lockBuildingUnits locks every unit of the buildings (lockUnits) before
// a filing of them is written. Filing a building sets the stage of its
// sold units, and the trigger that does so locks them building by
// building; taking them all first, as one set in id order, keeps the
// order every other path takes.
func (tx *Tx) lockBuildingUnits(ctx context.Context, buildings []int64) error {
	if len(buildings) == 0 {
		return nil
	}
	list, args := inList(1, buildings)
	ids, err := int64s(ctx, tx.q(), `SELECT id FROM units WHERE building_id IN (`+list+`)`, args...)
	if err != nil {
		return err
	}
	return tx.lockUnits(ctx, ids...)
}

// insertFiling writes a filing, its buildings and its commitments (owed
// by the developer).
func (tx *Tx) insertFiling(ctx context.Context, f *completion.Filing, developer int64, commitments []completion.Commitment) error {
	if err := tx.lockBuildingUnits(ctx, f.Buildings); err != nil {
		return err
	}
	var err error
	f.ID, err = tx.insertID(ctx, `INSERT INTO completion_filings (project_id, jurisdiction, number, filed_on, due_on, source, recorded_by, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, f.ProjectID, f.Jurisdiction, f.Number, f.FiledOn.String(), f.DueOn.String(), f.Source, f.RecordedBy, f.RecordedAt)
	if isUniqueViolation(err) {
		return completion.NumberTaken()
	}
	if err != nil {
		return err
	}
	for _, b := range f.Buildings {
		if _, err := tx.exec(ctx, `INSERT INTO completion_filing_buildings (filing_id, building_id) VALUES ($1, $2)`, f.ID, b); err != nil {
			return err
		}
	}
	tx.touchBuildings(f.Buildings...)
	for _, c := range commitments {
		if _, err := tx.exec(ctx, `INSERT INTO commitments (project_id, filing_id, developer_org, kind, title, due_on) VALUES ($1, $2, $3, $4, $5, $6)`,
			f.ProjectID, f.ID, developer, string(c.Kind), c.Title, c.DueOn.String()); err != nil {
			return err
		}
	}
	return nil
}

// filingFacts is what completion.File looks at, from the project's
// readiness facts: the readiness view asked about each of the project's
// buildings being filed, every blocking condition named once.
func filingFacts(facts *handover.Facts, cal *calendar.Calendar, filing []int64, now time.Time) completion.FilingFacts {
	ff := completion.FilingFacts{Today: calendar.DateOf(now), Region: facts.Region}
	for _, b := range facts.Buildings {
		ff.Buildings = append(ff.Buildings, b.Building.ID)
	}
	var blocked []handover.Condition
	for _, b := range slices.Compact(slices.Sorted(slices.Values(filing))) {
		if !slices.Contains(ff.Buildings, b) {
			continue // completion.File refuses it
		}
		for _, c := range handover.Evaluate(facts, cal, handover.Filing, handover.Scope{Building: b}, now).Conditions {
			if !slices.Contains(blocked, c) {
				blocked = append(blocked, c)
			}
		}
	}
	for _, x := range facts.Filings {
		ff.Filed = append(ff.Filed, x.Buildings...)
	}
	ff.Readiness = handover.Report{Target: handover.Filing, Conditions: blocked}.Err()
	ff.Accepted = passedAcceptances(facts)
	return ff
}

// passedAcceptances lists the passed joint acceptance of each of the
// project's buildings, with the day its unified opinion was issued.
func passedAcceptances(facts *handover.Facts) []completion.PassedAcceptance {
	var out []completion.PassedAcceptance
	for _, b := range facts.Buildings {
		for _, c := range facts.Cases {
			if c.State == completion.Passed && !c.OpinionAt.IsZero() && slices.Contains(c.Buildings, b.Building.ID) {
				out = append(out, completion.PassedAcceptance{BuildingID: b.Building.ID, Building: b.Building.Name, OpinionNo: c.OpinionNo,
					On: calendar.DateOf(c.OpinionAt)})
			}
		}
	}
	return out
}

// clockDue is the due day of a filing's 20-working-day clock in the
// calendar as it stands.
func clockDue(cal *calendar.Calendar, filedOn calendar.Date, region string) (calendar.Date, error) {
	return completion.ClockDue(cal, filedOn, region)
}

func filingsOf(ctx context.Context, q querier, projectID int64) ([]completion.Filing, error) {
	rows, err := q.QueryContext(ctx, `SELECT f.id, f.project_id, f.jurisdiction, f.number, f.filed_on, f.due_on, f.source, f.recorded_by, f.recorded_at, fb.building_id
		FROM completion_filings f JOIN completion_filing_buildings fb ON fb.filing_id = f.id WHERE f.project_id = $1 ORDER BY f.id, fb.building_id`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []completion.Filing
	for rows.Next() {
		var f completion.Filing
		var b int64
		if err := rows.Scan(&f.ID, &f.ProjectID, &f.Jurisdiction, &f.Number, &f.FiledOn, &f.DueOn, &f.Source, &f.RecordedBy, &f.RecordedAt, &b); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].ID == f.ID {
			out[n-1].Buildings = append(out[n-1].Buildings, b)
			continue
		}
		f.Buildings = []int64{b}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Filings lists a project's completion filings.
func (db *DB) Filings(ctx context.Context, projectID int64) ([]completion.Filing, error) {
	return filingsOf(ctx, db.r(), projectID)
}

// ---- commitments (告知承诺制)

const commitmentColumns = `id, project_id, filing_id, developer_org, kind, title, due_on, fulfilled_at, fulfilled_by, evidence, breached_at`

func scanCommitment(r interface{ Scan(...any) error }) (completion.Commitment, error) {
	var c completion.Commitment
	var fulfilled, breached sql.NullTime
	err := r.Scan(&c.ID, &c.ProjectID, &c.FilingID, &c.Developer, &c.Kind, &c.Title, &c.DueOn, &fulfilled, &c.FulfilledBy, &c.Evidence, &breached)
	c.FulfilledAt, c.BreachedAt = fulfilled.Time, breached.Time
	return c, err
}

// Commitments lists a project's commitments (0: every project's).
func (db *DB) Commitments(ctx context.Context, projectID int64) ([]completion.Commitment, error) {
	text := `SELECT ` + commitmentColumns + ` FROM commitments`
	var args []any
	if projectID != 0 {
		text += ` WHERE project_id = $1`
		args = append(args, projectID)
	}
	rows, err := db.r().QueryContext(ctx, text+` ORDER BY due_on, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []completion.Commitment
	for rows.Next() {
		c, err := scanCommitment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Commitment returns one commitment.
func (db *DB) Commitment(ctx context.Context, id int64) (completion.Commitment, error) {
	c, err := scanCommitment(db.r().QueryRowContext(ctx, `SELECT `+commitmentColumns+` FROM commitments WHERE id = $1`, id))
	return c, notFound(err, "commitment.not_found", "承诺事项不存在")
}

// FulfilCommitment records a commitment kept, and resolves its alert.
func (db *DB) FulfilCommitment(ctx context.Context, actor audit.Actor, id int64, evidence string) (completion.Commitment, error) {
	var c completion.Commitment
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		if c, err = scanCommitment(tx.queryRow(ctx, `SELECT `+commitmentColumns+` FROM commitments WHERE id = $1`+db.forUpdate(), id)); err != nil {
			return notFound(err, "commitment.not_found", "承诺事项不存在")
		}
		if err := tx.decideProject(ctx, c.ProjectID, access.CommitmentFulfil); err != nil {
			return err
		}
		if err := c.Fulfil(evidence, actor.UserID, tx.now); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE commitments SET fulfilled_at = $1, fulfilled_by = $2, evidence = $3 WHERE id = $4`, tx.now, actor.UserID, c.Evidence, id); err != nil {
			return err
		}
		if err := tx.resolveSubject(ctx, fmt.Sprintf("commitment:%d", id), "承诺事项已履行"); err != nil {
			return err
		}
		tx.Audit("commitment.fulfil", "commitment", id, map[string]any{"kind": c.Kind, "evidence": c.Evidence, "late": !c.BreachedAt.IsZero()})
		return nil
	})
	return c, err
}

// CheckCommitments finds the commitments overdue on day today that were
// not yet found so: each raises an alert for the developer and writes a
// credit event against it, once. It returns how many it found.
func (db *DB) CheckCommitments(ctx context.Context, actor audit.Actor, today calendar.Date) (int, error) {
	n := 0
	err := db.transact(ctx, actor, func(tx *Tx) error {
		n = 0
		rows, err := tx.query(ctx, `SELECT c.id, c.project_id, c.developer_org, c.kind, c.title, c.due_on, p.name, p.jurisdiction
			FROM commitments c JOIN projects p ON p.id = c.project_id
			WHERE c.fulfilled_at IS NULL AND c.breached_at IS NULL AND c.due_on < $1 ORDER BY c.id`, today.String())
		if err != nil {
			return err
		}
		type due struct {
			id, project, developer int64
			kind, title, name, j   string
			on                     calendar.Date
		}
		var list []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.project, &d.developer, &d.kind, &d.title, &d.on, &d.name, &d.j); err != nil {
				rows.Close()
				return err
			}
			list = append(list, d)
		}
		rows.Close()
		for _, d := range list {
			subject := fmt.Sprintf("commitment:%d", d.id)
			msg := fmt.Sprintf("%s承诺的“%s”应于%s前履行，已逾期", d.name, d.title, d.on)
			if _, err := tx.exec(ctx, `UPDATE commitments SET breached_at = $1 WHERE id = $2`, tx.now, d.id); err != nil {
				return err
			}
			if err := tx.raiseAlert(ctx, supervision.CommitmentLate(supervision.CommitmentFacts{ID: d.id, ProjectID: d.project, Name: d.name,
				Jurisdiction: d.j, Developer: d.developer, Title: d.title, DueOn: d.on}, tx.now)); err != nil {
				return err
			}
			if err := tx.creditEvent(ctx, d.developer, d.j, credit.CommitmentBreach, subject, msg); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// ---- area reconciliation (期转现)

// DecideArea records the buyer's choice when the measured area is beyond
// ±3 % of the contract's: keep the flat (settled by 第十三条) or rescind.
// The rule is completion.DecideArea, asked on the contract (locked), its
// unit and the choice recorded; the unique index on the contract guards
// against a choice written first all the same.
func (db *DB) DecideArea(ctx context.Context, actor audit.Actor, contractID int64, choice string) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		c, err := lockContract(ctx, tx, contractID)
		if err != nil {
			return err
		}
		if err := decide(ctx, access.AreaDecide, ContractTarget(c)); err != nil {
			return err
		}
		ref, err := unitRef(ctx, tx.q(), `u.id = $1`, c.UnitID)
		if err != nil {
			return err
		}
		decided, err := areaDecision(ctx, tx.q(), contractID)
		if err != nil {
			return err
		}
		s, err := completion.DecideArea(completion.AreaFacts{Contract: c, Unit: ref.Unit, Decided: decided}, choice)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO area_decisions (contract_id, choice, by_user, at) VALUES ($1, $2, $3, $4)`, contractID, choice, actor.UserID, tx.now)
		if isUniqueViolation(err) {
			return completion.AreaDecided()
		}
		if err != nil {
			return err
		}
		tx.touchUnitBuilding(c.UnitID)
		tx.Audit("area.decide", "contract", contractID, map[string]any{"choice": choice, "ratio": s.GrossRatio.String()})
		return nil
	})
}

// AreaDecision returns the buyer's choice for a contract ("" when none).
func (db *DB) AreaDecision(ctx context.Context, contractID int64) (string, error) {
	return areaDecision(ctx, db.r(), contractID)
}

// areaDecision reads the buyer's choice for a contract ("" when none).
func areaDecision(ctx context.Context, q querier, contractID int64) (string, error) {
	var choice string
	err := q.QueryRowContext(ctx, `SELECT choice FROM area_decisions WHERE contract_id = $1`, contractID).Scan(&choice)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return choice, err
}

// AreaRow is one contract's area reconciliation.
type AreaRow struct {
	Contract   presale.Contract
	Unit       ledger.Unit
	Settlement completion.Settlement
	Decision   string // the buyer's choice beyond ±3 %, if made
}

// Reconciliation settles every live contract of a project (or one
// contract) whose unit has accepted measured areas (期转现).
func (db *DB) Reconciliation(ctx context.Context, projectID, contractID int64) ([]AreaRow, error) {
	q := ContractQuery{ProjectID: projectID, Limit: 5000}
	cs, err := db.ListContracts(ctx, access.Filter{All: true}, q)
	if err != nil {
		return nil, err
	}
	units, err := unitsWhere(ctx, db.r(), `u.building_id IN (SELECT id FROM buildings WHERE project_id = $1) AND u.m_total > 0`, projectID)
	if err != nil {
		return nil, err
	}
	byID := map[int64]ledger.Unit{}
	for _, us := range units {
		for _, u := range us {
			byID[u.ID] = u
		}
	}
	decisions := map[int64]string{}
	rows, err := db.r().QueryContext(ctx, `SELECT d.contract_id, d.choice FROM area_decisions d JOIN contracts c ON c.id = d.contract_id WHERE c.project_id = $1`, projectID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var choice string
		if err := rows.Scan(&id, &choice); err != nil {
			rows.Close()
			return nil, err
		}
		decisions[id] = choice
	}
	rows.Close()
	var out []AreaRow
	for _, c := range cs {
		u, ok := byID[c.UnitID]
		if !ok || !c.State.Live() || c.State == presale.Draft || (contractID != 0 && c.ID != contractID) {
			continue
		}
		out = append(out, AreaRow{Contract: c, Unit: u, Decision: decisions[c.ID],
			Settlement: completion.Reconcile(c.PriceBasis, c.UnitPrice, c.TotalPrice, u.Forecast, u.Measured)})
	}
	slices.SortFunc(out, func(a, b AreaRow) int { return strings.Compare(a.Unit.UnitNo, b.Unit.UnitNo) })
	return out, nil
}

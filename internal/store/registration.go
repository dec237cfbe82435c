package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/completion"
	"handover/internal/exchange"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/personal"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
)

// ServiceInput and ApplicationInput are registry's: what the counter, the
// API and the batch hand in.
type (
	ServiceInput     = registry.ServiceInput
	ApplicationInput = registry.ApplicationInput
)

// RegistrationPolicy reads a jurisdiction's registration policy (the
// service guide shows it).
func (db *DB) RegistrationPolicy(ctx context.Context, jurisdiction string) (registry.Policy, error) {
	return registrationPolicy(ctx, db.r(), jurisdiction)
}

// policy reads a jurisdiction's registration policy once per transaction.
func (tx *Tx) policy(ctx context.Context, jurisdiction string) (registry.Policy, error) {
	return readOnce(&tx.known.policies, jurisdiction, func() (registry.Policy, error) {
		return registrationPolicy(ctx, tx.q(), jurisdiction)
	})
}

// registrationPolicy reads a jurisdiction's policy from its settings.
func registrationPolicy(ctx context.Context, q querier, jurisdiction string) (registry.Policy, error) {
	values := map[string]string{}
	for _, k := range registry.PolicySettings {
		v, err := setting(ctx, q, jurisdiction, k, "")
		if err != nil {
			return registry.DefaultPolicy(), err
		}
		values[k] = v
	}
	// A stored value ParsePolicy refuses keeps its default: the settings
	// page refuses such values, and one written before it checked them
	// (say a time limit of 45 days) must not stop every registration of the
	// jurisdiction.
	p, _ := registry.ParsePolicy(values)
	return p, nil
}

// lockApplicationUnits makes the transaction the one writer of every unit
// the application's services record on, before any rule is read.
func (tx *Tx) lockApplicationUnits(ctx context.Context, a *registry.Application) error {
	var ids []int64
	for _, s := range a.Services {
		if s.State == registry.Withdrawn {
			continue
		}
		units, err := serviceUnits(ctx, tx, s)
		if err != nil {
			return err
		}
		ids = append(ids, units...)
	}
	return tx.lockUnits(ctx, ids...)
}

// openServiceStates are the states of a service still to be recorded: one
// unit has at most one such service of each kind (a unique index keeps it).
const openServiceStates = `('accepted', 'returned', 'reviewed', 'approved')`

// openServiceWhere is the condition of the unique index services_open
// (migration 0012) on services alias: the open services of the kinds one
// unit has one of. A statement that repeats it may be answered from the
// index.
func openServiceWhere(alias string) string {
	return fmt.Sprintf(`%[1]s.state IN %[2]s AND (%[1]s.kind IN ('first', 'transfer') OR (%[1]s.kind = 'mortgage' AND %[1]s.contract_id <> 0))`,
		alias, openServiceStates)
}

// refuseDuplicates refuses an application when a unit (or building) it
// names already has an open service of the same kind in another
// application (registry.ServiceKind.OneOpenPerUnit), with one query for
// all its services.
func (tx *Tx) refuseDuplicates(ctx context.Context, services []registry.Service) error {
	if err := tx.refuseOpenFirst(ctx, services); err != nil {
		return err
	}
	var units, buildings []any
	for _, s := range services {
		if !s.Kind.OneOpenPerUnit(s.ContractID) {
			continue
		}
		if s.UnitID != 0 {
			units = append(units, s.UnitID)
		} else {
			buildings = append(buildings, s.BuildingID)
		}
	}
	if len(units)+len(buildings) == 0 {
		return nil
	}
	var conds []string
	var args []any
	for _, in := range []struct {
		col  string
		vals []any
	}{{"s.unit_id", units}, {"s.building_id", buildings}} {
		if len(in.vals) > 0 {
			conds = append(conds, in.col+` IN (`+placeholders(len(args)+1, len(in.vals))+`)`)
			args = append(args, in.vals...)
		}
	}
	rows, err := tx.query(ctx, `SELECT s.kind, s.unit_id, s.building_id, s.contract_id, a.number FROM services s JOIN applications a ON a.id = s.application_id
		WHERE (`+strings.Join(conds, " OR ")+`) AND s.state IN `+openServiceStates, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var o registry.Service
		var kind, number string
		if err := rows.Scan(&kind, &o.UnitID, &o.BuildingID, &o.ContractID, &number); err != nil {
			return err
		}
		o.Kind = registry.ServiceKind(kind)
		for _, s := range services {
			if s.SameMatter(o) {
				return registry.Duplicate(s, number)
			}
		}
	}
	return rows.Err()
}

// refuseOpenFirst refuses a first registration while one of the same
// building is open: a building's first registration and a unit's of the
// same building are the same matter for that unit.
func (tx *Tx) refuseOpenFirst(ctx context.Context, services []registry.Service) error {
	for _, s := range services {
		if s.Kind != registry.First {
			continue
		}
		var number string
		building := s.BuildingID
		if s.UnitID != 0 {
			var err error
			if building, err = tx.unitBuilding(ctx, s.UnitID); err != nil {
				return err
			}
		}
		// Open first registrations of the whole building, or of this unit
		// (of any unit of the building, when the building is asked for).
		args := []any{building}
		if s.UnitID != 0 {
			args = append(args, s.UnitID)
		}
		err := tx.queryRow(ctx, openFirstSQL(s.UnitID != 0), args...).Scan(&number)
		if err == nil {
			return registry.Duplicate(s, number)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return nil
}

// openFirstSQL is the statement that finds an open first registration of
// building $1 as a whole, or of unit $2 when of a unit, or else of any
// unit of the building. For a unit, both are looked up in services_open,
// whose condition the statement repeats so that SQLite may use it: a
// unit's check (a batch makes one per flat) must read neither every unit
// of its building nor every open building registration of the prefecture.
func openFirstSQL(ofUnit bool) string {
	units := `x.unit_id IN (SELECT u.id FROM units u WHERE u.building_id = $1)`
	if ofUnit {
		units = `x.unit_id = $2`
	}
	return `SELECT a.number FROM services x JOIN applications a ON a.id = x.application_id
		WHERE x.kind = 'first' AND ` + openServiceWhere("x") + ` AND ((x.unit_id = 0 AND x.building_id = $1) OR ` + units + `) LIMIT 1`
}

// serviceUnits lists the units a service records on.
func serviceUnits(ctx context.Context, tx *Tx, s registry.Service) ([]int64, error) {
	if s.UnitID != 0 {
		return []int64{s.UnitID}, nil
	}
	return int64s(ctx, tx.q(), `SELECT id FROM units WHERE building_id = $1 ORDER BY number`, s.BuildingID)
}

// CreateApplication takes an application (受理): validates every service,
// numbers it (受理号), sets each service's due date from the policy's
// working days, links the materials already held, and — when the
// jurisdiction allows automatic review for the kind and every rule passes
// — records the review as automatic.
func (db *DB) CreateApplication(ctx context.Context, actor audit.Actor, cal *calendar.Calendar, in ApplicationInput) (registry.Application, error) {
	var a registry.Application
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		a, err = tx.createApplication(ctx, cal, in, false)
		return err
	})
	return a, err
}

// createApplication takes the application in the transaction. With
// batch, the caller (the handover batch) has asked every registration rule
// of the application in this transaction, on facts read after its units
// were locked (handover.PlanUnit on the chunk's facts), takes only an
// application nothing blocks, and records it next in this transaction: the
// rules are not asked again for the automatic review, and the services
// are written once, by the recording. Otherwise the rules are asked for
// the review here.
func (tx *Tx) createApplication(ctx context.Context, cal *calendar.Calendar, in ApplicationInput, batch bool) (registry.Application, error) {
	a, err := tx.takeApplication(ctx, in)
	if err != nil {
		return a, err
	}
	// One open application per unit and matter: the units are locked first,
	// so of two clerks taking the same matter at once the second is told.
	if err := tx.lockApplicationUnits(ctx, &a); err != nil {
		return a, err
	}
	if err := tx.refuseDuplicates(ctx, a.Services); err != nil {
		return a, err
	}
	return a, tx.acceptApplication(ctx, cal, &a, batch)
}

// CheckApplication names every fault of an application as the counter
// entered it — its applicants, each service's unit, kind and particulars —
// without taking it: the form shows them all at once with the faults it
// found itself. It writes nothing.
func (db *DB) CheckApplication(ctx context.Context, actor audit.Actor, in ApplicationInput) error {
	var faults error
	err := db.transact(ctx, actor, func(tx *Tx) error {
		_, faults = tx.takeApplication(ctx, in)
		return errDryRun
	})
	if !errors.Is(err, errDryRun) {
		return err
	}
	return faults
}

// takeApplication is the application as taken (registry.Take) with its
// services' units found and checked, every fault of the input named at
// once, and the services joined to their project and jurisdiction.
func (tx *Tx) takeApplication(ctx context.Context, in ApplicationInput) (registry.Application, error) {
	a, err := registry.Take(in, tx.actor.UserID, tx.now)
	if err != nil && len(a.Services) == 0 {
		return a, err
	}
	// Every fault of the input is named at once: the applicants' and the
	// kinds' (Take), then each service's unit and particulars.
	var bad faults
	if err != nil {
		if !bad.add("", err) {
			return a, err
		}
	}
	rec := appRecords{sales: map[int64]int64{}}
	for i := range a.Services {
		s := &a.Services[i]
		if !slices.Contains(registry.ServiceKinds, s.Kind) {
			continue
		}
		if err := tx.resolveUnit(ctx, s, in.Services[i]); err != nil {
			if !bad.add(registry.ServiceField(i, ""), err) {
				return a, err
			}
			continue
		}
		p, err := tx.validateService(ctx, &rec, s)
		if err != nil {
			if !bad.add(registry.ServiceField(i, ""), err) {
				return a, err
			}
			continue
		}
		if bad.n > 0 {
			continue
		}
		if err := a.Join(p.ID, p.Jurisdiction, in.Window); err != nil {
			return a, err
		}
	}
	return a, bad.err()
}

// acceptApplication writes a taken application and, when the policy allows
// it and no rule blocks, reviews it automatically.
func (tx *Tx) acceptApplication(ctx context.Context, cal *calendar.Calendar, a *registry.Application, batch bool) error {
	policy, err := tx.policy(ctx, a.Jurisdiction)
	if err != nil {
		return err
	}
	if err := tx.insertApplication(ctx, cal, a, policy, batch); err != nil {
		return err
	}
	// Automatic review: every service's kind allowed, every rule passing.
	auto := policy.AutoReviews(*a)
	var blocks []problem.Reason
	if auto && !batch {
		if blocks, err = tx.applicationBlocks(ctx, a); err != nil {
			return err
		}
	}
	if auto && len(blocks) == 0 {
		if err := tx.autoReview(ctx, a, batch); err != nil {
			return err
		}
	}
	tx.Audit("application.accept", "application", a.ID, map[string]any{"number": a.Number, "services": len(a.Services), "source": a.Source,
		"auto_review": auto && a.Services[0].AutoReview})
	return nil
}

// insertApplication numbers the application (受理号), schedules its
// services by the policy and writes it, each service with its 受理 step,
// and links the materials the platform already holds.
//
// With later (a batch), the services are queued (queueService) with ids
// reserved, to be written as recorded.
func (tx *Tx) insertApplication(ctx context.Context, cal *calendar.Calendar, a *registry.Application, policy registry.Policy, later bool) error {
	j, err := tx.db.jurisdictionTx(ctx, tx, a.Jurisdiction)
	if err != nil {
		return err
	}
	today := calendar.DateOf(tx.now)
	due, err := cal.AddWorkdays(today, policy.Days, j.Region)
	if err != nil {
		return err
	}
	policy.Schedule(a, due.Due, today)
	seq, err := tx.nextSeq(ctx, fmt.Sprintf("application/%s/%d", a.Jurisdiction, today.Year()))
	if err != nil {
		return err
	}
	a.Number = registry.ApplicationNumber(a.Jurisdiction, today.Year(), int(seq))
	// An application names people (applicants, and holders in its
	// services' particulars): it is written sealed, or not at all.
	ring, err := tx.db.keys()
	if err != nil {
		return err
	}
	names := sealApplicants(ring, a.Number, a.Applicants)
	if a.ID, err = tx.insertID(ctx, `INSERT INTO applications (number, jurisdiction, project_id, applicants, agent, source, state, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8)`, a.Number, a.Jurisdiction, a.ProjectID, names, a.Agent, a.Source, tx.actor.UserID, tx.now); err != nil {
		return err
	}
	var ids []int64
	if later {
		if ids, err = tx.serviceIDs(ctx, len(a.Services)); err != nil {
			return err
		}
	}
	for i := range a.Services {
		s := &a.Services[i]
		s.ApplicationID = a.ID
		plain, _ := json.Marshal(s.Details)
		details, err := sealValue(tx.db.ring(), field("services", "details", pair(a.ID, s.Seq)), string(plain))
		if err != nil {
			return err
		}
		if later {
			s.ID = ids[i]
			tx.queueService(s, details)
			continue
		}
		if s.ID, err = tx.insertID(ctx, `INSERT INTO services (application_id, seq, kind, unit_id, building_id, contract_id, entry_id, state, fee, due_on,
			details, accepted_by) VALUES ($1, $2, $3, $4, $5, $6, $7, 'accepted', $8, $9, $10, $11)`, a.ID, s.Seq, string(s.Kind), s.UnitID, s.BuildingID,
			s.ContractID, s.EntryID, s.Fee, s.DueOn.String(), details, tx.actor.UserID); isUniqueViolation(err) {
			return registry.Duplicate(*s, "")
		} else if err != nil {
			return err
		}
		tx.tookServiceID(s.ID)
	}
	tx.stepAll(a.Services, registry.StepAccept, tx.actor.UserID, tx.actor.Name, "")
	return tx.linkMaterials(ctx, *a)
}

// autoReview approves every service as the system (自动审核). With
// recordNext, the caller records every service next in this transaction
// (the handover batch), and that recording writes each service with its
// review: the services are not written twice.
func (tx *Tx) autoReview(ctx context.Context, a *registry.Application, recordNext bool) error {
	for i := range a.Services {
		s := &a.Services[i]
		if err := s.AutoApprove(); err != nil {
			return err
		}
		if recordNext {
			continue
		}
		if err := tx.saveService(ctx, s); err != nil {
			return err
		}
	}
	tx.stepAll(a.Services, registry.StepReview, 0, "系统自动审核", "自动审核：标准件，各项规则均已通过")
	return nil
}

// validateService checks the records a service names and returns their
// project: the building or unit exists, a transfer's or mortgage's sale is
// the unit's filed contract (found from the unit when not named), an
// entry to cancel, unseal or correct is on the unit's book; the
// particulars the kind needs are registry's to check.
func (tx *Tx) validateService(ctx context.Context, rec *appRecords, s *registry.Service) (ledger.Project, error) {
	var p ledger.Project
	unit := s.UnitID
	if s.Kind == registry.First && s.BuildingID != 0 && unit == 0 {
		b, err := scanBuilding(tx.queryRow(ctx, `SELECT `+buildingColumns+` FROM buildings WHERE id = $1`, s.BuildingID))
		if err != nil {
			return p, notFound(err, "building.not_found", "幢不存在")
		}
		return scanProject(tx.queryRow(ctx, `SELECT `+projectColumns+projectFrom+` WHERE p.id = $1`, b.ProjectID))
	}
	ref, err := tx.recordedUnit(ctx, unit)
	if err != nil {
		return p, err
	}
	if err := registry.CheckTerms(s.Kind, s.Details, calendar.DateOf(tx.now)); err != nil {
		return p, err
	}
	switch s.Kind {
	case registry.Transfer, registry.MortgageReg:
		filed, err := rec.sale(ctx, tx, unit)
		if err != nil {
			return p, err
		}
		if err := s.ResolveSale(filed); err != nil {
			return p, err
		}
	case registry.Cancel, registry.Unseal, registry.Correct:
		var entryUnit int64
		err := tx.queryRow(ctx, `SELECT unit_id FROM register_entries WHERE id = $1`, s.EntryID).Scan(&entryUnit)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return p, err
		}
		if err := s.CheckEntry(entryUnit); err != nil {
			return p, err
		}
	}
	saleLoan := s.Kind == registry.MortgageReg && s.ContractID != 0 && s.Details["bank"] == ""
	return ref.Project, s.CheckDetails(saleLoan)
}

// resolveUnit finds a counter's service's unit by its 不动产单元号 (the
// form's, picked from the 楼盘表 or scanned) when the service names no unit
// by id; a whole building's first registration takes the building of the
// unit named.
func (tx *Tx) resolveUnit(ctx context.Context, s *registry.Service, in registry.ServiceInput) error {
	if s.UnitID != 0 || s.BuildingID != 0 {
		return nil
	}
	no := strings.ToUpper(strings.TrimSpace(in.UnitNo))
	if no == "" {
		return &problem.Error{Kind: problem.Invalid, Code: "application.unit", Message: "请填写不动产单元号或从楼盘表选择房屋",
			Fields: map[string]string{"unit_no": "请填写不动产单元号或从楼盘表选择房屋"}}
	}
	ref, err := unitRef(ctx, tx.q(), `u.unit_no = $1`, no)
	if errors.Is(err, sql.ErrNoRows) || problem.KindOf(err) == problem.NotFound {
		return &problem.Error{Kind: problem.Invalid, Code: "application.unit_no", Message: "查无此不动产单元号",
			Fields: map[string]string{"unit_no": "查无此不动产单元号“" + no + "”"}}
	}
	if err != nil {
		return err
	}
	switch {
	case in.Whole && s.Kind != registry.First:
		return &problem.Error{Kind: problem.Invalid, Code: "application.whole", Message: "整幢办理仅适用于首次登记",
			Fields: map[string]string{"whole": "整幢办理仅适用于首次登记"}}
	case in.Whole:
		s.BuildingID = ref.Unit.BuildingID
	default:
		s.UnitID = ref.Unit.ID
	}
	return nil
}

// faults gathers the input faults of an application and of each of its
// services, so that the counter is told every one at once. A fault is an
// Invalid error; its fields are named under the service's prefix
// (services[0].unit_no), one without fields by the prefix alone.
type faults struct {
	first  *problem.Error
	fields map[string]string
	n      int
}

// add takes err as a fault and reports true, or reports false for an
// error that is not a fault of the input (a refusal, a denial, a failure),
// which the caller returns as it is.
func (f *faults) add(prefix string, err error) bool {
	e := problem.As(err)
	if e.Kind != problem.Invalid {
		return false
	}
	if f.fields == nil {
		f.fields = map[string]string{}
	}
	if f.first == nil {
		f.first = e
	}
	if len(e.Fields) == 0 {
		f.fields[strings.TrimSuffix(prefix, ".")] = e.Message
	}
	for k, v := range e.Fields {
		f.fields[prefix+k] = v
	}
	f.n += max(1, len(e.Fields))
	return true
}

// err is nil without faults, else one Invalid error naming them all under
// the first fault's code (and its message when it is the only one).
func (f *faults) err() error {
	if f.first == nil {
		return nil
	}
	msg := f.first.Message
	if f.n > 1 {
		msg = fmt.Sprintf("申请有%d处错误，未受理", f.n)
	}
	return &problem.Error{Kind: problem.Invalid, Code: f.first.Code, Message: msg, Fields: f.fields}
}

// appRecords are the sales an application's services name, read once for
// the application: a flat's transfer and mortgage name the same (the units
// are read once per transaction: recordedUnit).
type appRecords struct {
	sales map[int64]int64 // the filed contract of a unit
}

func (r *appRecords) sale(ctx context.Context, tx *Tx, unit int64) (int64, error) {
	if id, ok := r.sales[unit]; ok {
		return id, nil
	}
	id, err := tx.filedSale(ctx, unit)
	if err == nil {
		r.sales[unit] = id
	}
	return id, err
}

// filedSale is the unit's filed contract (0: none): the contract this
// transaction keeps of the unit (Tx.contract) when it is filed, for a
// unit has at most one live contract; else as read.
func (tx *Tx) filedSale(ctx context.Context, unit int64) (int64, error) {
	var kept int64
	for _, c := range tx.known.contracts {
		if c.UnitID == unit && c.State == presale.Filed {
			kept = c.ID
		}
	}
	if kept != 0 && !tx.db.checkKept {
		return kept, nil
	}
	var id int64
	err := tx.queryRow(ctx, `SELECT id FROM contracts WHERE unit_id = $1 AND state = 'filed'`, unit).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	if err == nil && kept != 0 && id != kept {
		return 0, fmt.Errorf("store: the filed contract kept of unit %d is %d, the one read %d", unit, kept, id)
	}
	return id, err
}

// linkMaterials records the materials an application relies on that the
// platform already holds: the filing's materials, the survey, the
// completion filing, the deed tax. Each sale and building is read once
// however many services name it, and the links are queued
// (insertLater): a batch chunk writes its flats' links together.
func (tx *Tx) linkMaterials(ctx context.Context, a registry.Application) error {
	var links [][]any
	link := func(kind, ref, note string) {
		links = append(links, []any{a.ID, kind, ref, note})
	}
	contracts, buildings, units := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	for _, s := range a.Services {
		if s.ContractID != 0 && !contracts[s.ContractID] {
			contracts[s.ContractID] = true
			if err := tx.saleMaterials(ctx, s.ContractID, link); err != nil {
				return err
			}
		}
		if s.Kind != registry.First && s.Kind != registry.Transfer && s.Kind != registry.MortgageReg {
			continue // the building's survey and filing are not what a seal, a cancellation or a correction rests on
		}
		building := s.BuildingID
		if building == 0 && s.UnitID != 0 && !units[s.UnitID] {
			units[s.UnitID] = true
			var err error
			if building, err = tx.unitBuilding(ctx, s.UnitID); err != nil {
				return err
			}
		}
		if building == 0 || buildings[building] {
			continue
		}
		buildings[building] = true
		if err := tx.buildingMaterials(ctx, building, link); err != nil {
			return err
		}
	}
	tx.insertLater("application_materials", "application_id, kind, ref, note", "ON CONFLICT DO NOTHING", links)
	return nil
}

// saleMaterials links what a filed sale brings: the filing's materials,
// the contract, the paid deed tax (a contract has at most one), read in
// one statement.
func (tx *Tx) saleMaterials(ctx context.Context, contract int64, link func(kind, ref, note string)) error {
	type material struct {
		kind string
		tax  int64 // the paid deed tax's row (0: a filing's material)
	}
	ms, err := scanAll(ctx, tx.q(), func(r *sql.Rows, m *material) error { return r.Scan(&m.kind, &m.tax) },
		`SELECT kind, 0 FROM filing_materials WHERE contract_id = $1
		UNION ALL SELECT '', id FROM deed_taxes WHERE contract_id = $1 AND paid_at IS NOT NULL ORDER BY 2, 1`, contract)
	if err != nil {
		return err
	}
	var tax int64
	for _, m := range ms {
		if m.tax != 0 {
			tax = m.tax
			continue
		}
		link("filing_"+m.kind, fmt.Sprintf("contract:%d", contract), "网签备案时已采集")
	}
	link("contract", fmt.Sprintf("contract:%d", contract), "已备案的商品房买卖合同")
	if tax != 0 {
		link("deed_tax", fmt.Sprintf("deed_tax:%d", tax), "税务部门推送的完税信息")
	}
	return nil
}

// buildingMaterial is a material a building brings: its accepted survey,
// its completion filing.
type buildingMaterial struct{ kind, ref, note string }

// buildingMaterials links a building's accepted survey and its completion
// filing, read once per transaction (nothing that records a registration
// accepts a survey or files a completion).
func (tx *Tx) buildingMaterials(ctx context.Context, building int64, link func(kind, ref, note string)) error {
	ms, err := readOnce(&tx.known.materials, building, func() ([]buildingMaterial, error) {
		var ms []buildingMaterial
		var survey, filing int64
		err := tx.queryRow(ctx, `SELECT id FROM surveys WHERE building_id = $1 AND state = 'accepted' ORDER BY id DESC LIMIT 1`, building).Scan(&survey)
		if err == nil {
			ms = append(ms, buildingMaterial{"survey", fmt.Sprintf("survey:%d", survey), "多测合一竣工测绘成果"})
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		err = tx.queryRow(ctx, `SELECT filing_id FROM completion_filing_buildings WHERE building_id = $1`, building).Scan(&filing)
		if err == nil {
			ms = append(ms, buildingMaterial{"completion_filing", fmt.Sprintf("completion_filing:%d", filing), "工程建设项目审批管理系统：竣工验收备案"})
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return ms, nil
	})
	for _, m := range ms {
		link(m.kind, m.ref, m.note)
	}
	return err
}

func stringsOf(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// step records a service's step, taken by the transaction's actor; the
// steps are written together at the transaction's end (flushSteps).
func (tx *Tx) step(service int64, step registry.Step, note string) {
	tx.stepAll([]registry.Service{{ID: service}}, step, tx.actor.UserID, tx.actor.Name, note)
}

// stepAll records the same step of several services, in their order,
// taken by user.
func (tx *Tx) stepAll(services []registry.Service, step registry.Step, user int64, name, note string) {
	for _, s := range services {
		tx.steps = append(tx.steps, []any{s.ID, string(step), user, name, tx.now, note})
	}
}

// flushSteps writes the steps the transaction took, in the order taken,
// bulkRows a statement, before its commit. No statement of a transaction
// reads service_steps (the history and the alerts read them afterwards),
// and a batch chunk takes some 800: written as they came, they took three
// statements a flat.
func (tx *Tx) flushSteps(ctx context.Context) error {
	if len(tx.steps) == 0 {
		return nil
	}
	err := tx.insertValues(ctx, "service_steps", "service_id, step, by_user, by_name, at, note", "", tx.steps)
	tx.steps = nil
	return err
}

// saveService writes what a step changed of a service: in its queued row
// while that waits (queueService), else by an UPDATE.
func (tx *Tx) saveService(ctx context.Context, s *registry.Service) error {
	if row, ok := tx.queuedServices[s.ID]; ok {
		copy(row[queuedServiceFixed:], savedService(s))
		return nil
	}
	_, err := tx.exec(ctx, `UPDATE services SET state = $1, auto_review = $2, return_reason = $3, accepted_by = $4, reviewed_by = $5,
		reviewed2_by = $6, entry_id = $7, recorded_at = $8, issued_at = $9 WHERE id = $10`, append(savedService(s), s.ID)...)
	return err
}

// savedService is what a step may change of a service, in the order of
// saveService's UPDATE and of queuedServiceColumns from
// queuedServiceFixed on.
func savedService(s *registry.Service) []any {
	var recorded, issued any
	if !s.RecordedAt.IsZero() {
		recorded = s.RecordedAt
	}
	if !s.IssuedAt.IsZero() {
		issued = s.IssuedAt
	}
	return []any{string(s.State), s.AutoReview, s.ReturnReason, s.AcceptedBy, s.ReviewedBy, s.Reviewed2By, s.EntryID, recorded, issued}
}

// queuedServiceColumns are the columns of a queued service: those fixed
// when it is taken, then from queuedServiceFixed on those savedService
// gives.
const (
	queuedServiceColumns = `id, application_id, seq, kind, unit_id, building_id, contract_id, fee, due_on, details,
		state, auto_review, return_reason, accepted_by, reviewed_by, reviewed2_by, entry_id, recorded_at, issued_at`
	queuedServiceFixed = 10
)

// serviceIDs reserves n ids for services this transaction will insert
// with them (queueService). On PostgreSQL they are drawn from the
// column's sequence, reserveAhead at a time: a transaction's unused ones
// are never given (the ids have gaps, as a rolled-back insert leaves).
// On SQLite the transaction holds the write lock: the ids follow the
// table's largest, read once a transaction, and every insert of a
// service in it moves past them (tookServiceID), so none is given twice.
// A member of a group commit is a transaction of its own: it writes what
// it queued before the next member runs.
func (tx *Tx) serviceIDs(ctx context.Context, n int) ([]int64, error) {
	k := &tx.known
	if tx.db.engine == Postgres {
		if len(k.serviceIDs) < n {
			more, err := scanAll(ctx, tx.q(), func(r *sql.Rows, id *int64) error { return r.Scan(id) },
				`SELECT nextval(pg_get_serial_sequence('services', 'id')) FROM generate_series(1, $1)`, max(n, reserveAhead))
			if err != nil {
				return nil, err
			}
			k.serviceIDs = append(k.serviceIDs, more...)
		}
		ids := k.serviceIDs[:n:n]
		k.serviceIDs = k.serviceIDs[n:]
		return ids, nil
	}
	if k.nextService == 0 {
		if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM services`).Scan(&k.nextService); err != nil {
			return nil, err
		}
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = k.nextService
		k.nextService++
	}
	return ids, nil
}

// reserveAhead is how many service ids a PostgreSQL transaction reserves
// at once, a statement for a dozen flats of a batch chunk (2.6 services a
// flat) rather than one a flat.
const reserveAhead = 32

// tookServiceID notes a service inserted with an id the table gave, after
// any this transaction reserved (SQLite): those it reserves next follow it.
func (tx *Tx) tookServiceID(id int64) {
	if k := &tx.known; k.nextService != 0 && id >= k.nextService {
		k.nextService = id + 1
	}
}

// queueService queues the insertion of a service taken with its id
// reserved (serviceIDs), details sealed. A batch records each flat's
// services in the transaction that takes them: queued, each is written
// once, as recorded, with the others of its statement, where an INSERT
// on taking it and an UPDATE on recording it took two statements. A
// statement naming services writes it first (settle), as for every
// queued row: in a batch, the next flat's duplicate check does.
//
// A row written as recorded never enters the unique index of open
// services (services_open), which refused a second open matter of a unit
// when the row was inserted as accepted. What keeps a batch's matter
// single is what kept it before the index was reached: the chunk locks
// its units (lockUnits) and refuses a matter open at the counter
// (refuseDuplicates), and the counter takes the same locks first.
func (tx *Tx) queueService(s *registry.Service, details string) {
	row := append([]any{s.ID, s.ApplicationID, s.Seq, string(s.Kind), s.UnitID, s.BuildingID, s.ContractID, s.Fee, s.DueOn.String(), details},
		savedService(s)...)
	// As the INSERT of a service taken at the counter writes it.
	row[queuedServiceFixed], row[queuedServiceFixed+3] = string(registry.Accepted), tx.actor.UserID
	if tx.queuedServices == nil {
		tx.queuedServices = map[int64][]any{}
	}
	tx.queuedServices[s.ID] = row
	tx.insertLater("services", queuedServiceColumns, "", [][]any{row})
}

const serviceColumns = `id, application_id, seq, kind, unit_id, building_id, contract_id, entry_id, state, fee, due_on, auto_review, details,
	return_reason, accepted_by, reviewed_by, reviewed2_by, recorded_at, issued_at`

// scanService reads serviceColumns, opening the particulars (they may
// name holders with their numbers) with ring.
func scanService(ring *personal.Keyring, r interface{ Scan(...any) error }) (registry.Service, error) {
	var s registry.Service
	var details string
	var recorded, issued sql.NullTime
	err := r.Scan(&s.ID, &s.ApplicationID, &s.Seq, &s.Kind, &s.UnitID, &s.BuildingID, &s.ContractID, &s.EntryID, &s.State, &s.Fee, &s.DueOn,
		&s.AutoReview, &details, &s.ReturnReason, &s.AcceptedBy, &s.ReviewedBy, &s.Reviewed2By, &recorded, &issued)
	if err == nil {
		details, err = openValue(ring, field("services", "details", pair(s.ApplicationID, s.Seq)), details)
	}
	json.Unmarshal([]byte(details), &s.Details)
	s.RecordedAt, s.IssuedAt = recorded.Time, issued.Time
	return s, err
}

func loadApplication(ctx context.Context, ring *personal.Keyring, q querier, id int64, lock string) (registry.Application, error) {
	var a registry.Application
	var names string
	err := q.QueryRowContext(ctx, `SELECT id, number, jurisdiction, project_id, applicants, agent, source, state, created_by, created_at
		FROM applications WHERE id = $1`+lock, id).Scan(&a.ID, &a.Number, &a.Jurisdiction, &a.ProjectID, &names, &a.Agent, &a.Source, &a.State,
		&a.CreatedBy, &a.CreatedAt)
	if err != nil {
		return a, notFound(err, "application.not_found", "登记申请不存在")
	}
	if a.Applicants, err = openApplicants(ring, a.Number, names); err != nil {
		return a, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+serviceColumns+` FROM services WHERE application_id = $1 ORDER BY seq`, id)
	if err != nil {
		return a, err
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanService(ring, rows)
		if err != nil {
			return a, err
		}
		a.Services = append(a.Services, s)
	}
	return a, rows.Err()
}

// Application returns one application with its services.
func (db *DB) Application(ctx context.Context, id int64) (registry.Application, error) {
	return loadApplication(ctx, db.ring(), db.r(), id, "")
}

// StepRecord is one step of a service's history.
type StepRecord struct {
	ServiceID int64
	Step      registry.Step
	ByUser    int64
	ByName    string
	At        time.Time
	Note      string
}

// ApplicationHistory lists every step of an application's services.
func (db *DB) ApplicationHistory(ctx context.Context, id int64) ([]StepRecord, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT t.service_id, t.step, t.by_user, t.by_name, t.at, t.note FROM service_steps t
		JOIN services s ON s.id = t.service_id WHERE s.application_id = $1 ORDER BY t.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StepRecord
	for rows.Next() {
		var r StepRecord
		if err := rows.Scan(&r.ServiceID, &r.Step, &r.ByUser, &r.ByName, &r.At, &r.Note); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ApplicationMaterials lists the materials an application relies on.
func (db *DB) ApplicationMaterials(ctx context.Context, id int64) ([][3]string, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT kind, ref, note FROM application_materials WHERE application_id = $1 ORDER BY kind`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][3]string
	for rows.Next() {
		var m [3]string
		if err := rows.Scan(&m[0], &m[1], &m[2]); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// QueueRow is a service in the clerks' queue.
type QueueRow struct {
	Application registry.Application
	Service     registry.Service
	Room        string
	Project     string
}

// QueueQuery asks for one page of the clerks' queue: the open services of
// a jurisdiction ("" for every one) at a step, oldest due first.
type QueueQuery struct {
	Jurisdiction string
	State        registry.ServiceState // "": every step
	// Search is part of a 受理号, of a flat (幢 and 户) or its 不动产单元号,
	// of a project's name, or of an applicant's name (the queue is the
	// registry's, whose staff may search by name; never by an applicant's
	// document number, which the queue does not show).
	Search string
	Page   Page
}

// queueFrom is the queue's rows: a service with its application, flat,
// building and project.
const queueFrom = `FROM services s JOIN applications a ON a.id = s.application_id
		LEFT JOIN units u ON u.id = s.unit_id LEFT JOIN buildings b ON b.id = COALESCE(NULLIF(s.building_id, 0), u.building_id)
		LEFT JOIN projects p ON p.id = a.project_id`

// queueWhere is the queue's conditions but the step.
func (db *DB) queueWhere(q QueueQuery) *listQuery {
	l := db.newList()
	l.and(`a.state = 'open'`)
	if q.Jurisdiction != "" {
		l.and(`a.jurisdiction = ` + l.arg(q.Jurisdiction))
	}
	if m, ok := l.match(q.Search); ok {
		var or []string
		for _, e := range []string{`a.number`, `COALESCE(b.name, '') || ' ' || COALESCE(u.room, '')`, `u.unit_no`, `p.name`} {
			or = append(or, e+m)
		}
		// An applicant by name only: not the stored JSON's keys, kinds or
		// document numbers. Older applications hold bare names.
		names := `EXISTS (SELECT 1 FROM json_each(a.applicants) j WHERE (CASE j.type WHEN 'object' THEN json_extract(j.value, '$.name') ELSE j.value END)` + m + `)`
		if db.engine == Postgres {
			names = `EXISTS (SELECT 1 FROM jsonb_array_elements(a.applicants::jsonb) j WHERE (CASE jsonb_typeof(j) WHEN 'object' THEN j->>'name' ELSE j #>> '{}' END)` + m + `)`
		}
		l.and("(" + strings.Join(append(or, names), " OR ") + ")")
	}
	return l
}

// QueueList lists the clerks' queue a page at a time, oldest due first.
func (db *DB) QueueList(ctx context.Context, q QueueQuery) (Listed[QueueRow], error) {
	l := db.queueWhere(q)
	if q.State != "" {
		l.and(`s.state = ` + l.arg(string(q.State)))
	}
	return list(ctx, db.r(), q.Page, `a.id, a.number, a.applicants, a.source, a.created_at, s.id, s.seq, s.kind, s.unit_id, s.building_id,
		s.state, s.due_on, s.auto_review, s.return_reason, COALESCE(u.room, ''), COALESCE(b.name, ''), COALESCE(p.name, '')`, queueFrom,
		`s.due_on, a.id, s.seq`, l, func(r rowScanner) (QueueRow, error) {
			var q QueueRow
			var names, room, building string
			err := r.Scan(&q.Application.ID, &q.Application.Number, &names, &q.Application.Source, &q.Application.CreatedAt, &q.Service.ID,
				&q.Service.Seq, &q.Service.Kind, &q.Service.UnitID, &q.Service.BuildingID, &q.Service.State, &q.Service.DueOn, &q.Service.AutoReview,
				&q.Service.ReturnReason, &room, &building, &q.Project)
			if err != nil {
				return q, err
			}
			q.Room = strings.TrimSpace(building + " " + room)
			q.Application.Applicants, err = openApplicants(db.ring(), q.Application.Number, names)
			return q, err
		})
}

// QueueTally counts the queue's services at each step under the query's
// jurisdiction and search (its step and page are not read): the tabs'
// badges.
func (db *DB) QueueTally(ctx context.Context, q QueueQuery) (map[registry.ServiceState]int, error) {
	l := db.queueWhere(q)
	rows, err := db.r().QueryContext(ctx, `SELECT s.state, COUNT(*) `+queueFrom+l.cond()+` GROUP BY s.state`, l.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[registry.ServiceState]int{}
	for rows.Next() {
		var st registry.ServiceState
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// Applications lists applications of a project or that concern a person
// (by 身份证号 among the buyers of its contracts), newest first.
func (db *DB) Applications(ctx context.Context, projectID int64, idNumber string) ([]registry.Application, error) {
	var ids []int64
	var err error
	switch {
	case idNumber != "":
		var index string
		if index, err = indexOf(db.ring(), idNumber); err != nil {
			return nil, err
		}
		ids, err = int64s(ctx, db.r(), `SELECT DISTINCT s.application_id FROM services s JOIN contract_buyers b ON b.contract_id = s.contract_id
			WHERE b.id_index = $1 ORDER BY s.application_id DESC`, index)
	default:
		ids, err = int64s(ctx, db.r(), `SELECT id FROM applications WHERE project_id = $1 ORDER BY id DESC LIMIT 500`, projectID)
	}
	if err != nil {
		return nil, err
	}
	var out []registry.Application
	for _, id := range ids {
		a, err := db.Application(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// ---- the rules

// regFacts gathers what the registration rules look at for the units a
// service records on (one unit, or every unit of a building), with one
// query per kind of fact for all of them; it also returns the building.
func regFacts(ctx context.Context, tx *Tx, s registry.Service) (map[int64]registry.UnitFacts, int64, error) {
	scope := unitScope{building: s.BuildingID, unit: s.UnitID, today: calendar.DateOf(tx.now)}
	var project int64
	var filed bool
	q, arg := `SELECT b.id, b.project_id, EXISTS (SELECT 1 FROM completion_filing_buildings fb WHERE fb.building_id = b.id) FROM buildings b WHERE b.id = $1`, s.BuildingID
	if s.UnitID != 0 {
		q, arg = `SELECT b.id, b.project_id, EXISTS (SELECT 1 FROM completion_filing_buildings fb WHERE fb.building_id = b.id)
			FROM units u JOIN buildings b ON b.id = u.building_id WHERE u.id = $1`, s.UnitID
	}
	if err := tx.queryRow(ctx, q, arg).Scan(&scope.building, &project, &filed); err != nil {
		return nil, 0, notFound(err, "unit.not_found", "户不存在")
	}
	// The lock and the register book through the one status loader.
	sts, books, err := unitStatusesAndBooks(ctx, tx.q(), scope)
	if err != nil {
		return nil, 0, err
	}
	parcel, err := parcelRestriction(ctx, tx.q(), project)
	if err != nil {
		return nil, 0, err
	}
	out := make(map[int64]registry.UnitFacts, len(sts))
	for unit, st := range sts {
		// The deed tax is the sale's the service carries out (the unit's
		// live, filed contract, as validateService checked).
		paid := s.ContractID != 0 && st.ContractID == s.ContractID && st.DeedTaxPaid
		out[unit] = registry.UnitFacts{Filed: filed, ParcelRestriction: parcel, Locked: st.Locked, Book: books[unit], ContractID: s.ContractID,
			DeedTaxPaid: paid, Today: scope.today}
	}
	return out, scope.building, nil
}

// serviceBlocks runs the rules of one service of an application as if the
// earlier services of the same application were recorded.
func serviceBlocks(ctx context.Context, tx *Tx, a *registry.Application, s registry.Service) ([]problem.Reason, error) {
	units, err := serviceUnits(ctx, tx, s)
	if err != nil {
		return nil, err
	}
	facts, building, err := regFacts(ctx, tx, s)
	if err != nil {
		return nil, err
	}
	return a.ServiceBlocks(s, building, units, facts), nil
}

func (tx *Tx) applicationBlocks(ctx context.Context, a *registry.Application) ([]problem.Reason, error) {
	var out []problem.Reason
	for _, s := range a.Services {
		if !s.State.Open() {
			continue // withdrawn, or recorded: its rules were met when it was
		}
		b, err := serviceBlocks(ctx, tx, a, s)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// ApplicationBlocks lists what would stop the application being recorded now.
func (db *DB) ApplicationBlocks(ctx context.Context, id int64) ([]problem.Reason, error) {
	var out []problem.Reason
	err := db.transact(ctx, audit.System(), func(tx *Tx) error {
		a, err := loadApplication(ctx, tx.db.ring(), tx.q(), id, "")
		if err != nil {
			return err
		}
		out, err = tx.applicationBlocks(ctx, &a)
		if err == nil {
			err = errRollback // a read that needs the transaction's view; nothing to keep
		}
		return err
	})
	if err == errRollback {
		err = nil
	}
	return out, err
}

func blocksErr(blocks []problem.Reason) error {
	var r problem.Refusal
	for _, b := range blocks {
		r.Add(problem.Reason{Rule: b.Rule, Message: b.Message, Basis: b.Basis, Fixer: b.Fixer})
	}
	return r.Err("registration.blocked", "登记条件不具备，不能登簿")
}

// ---- the steps

// StepOptions carry what some steps need.
type StepOptions struct {
	Reason      string // return, withdraw
	Delivery    string // issue: hand, developer, mail
	TrackingNo  string // issue by mail
	PaperSerial string // issue on paper: the blank's 印制序列号
}

// Step moves every service of an application that the step concerns: 审核,
// 复审, 退回补正, 重新受理, 撤回, 登簿 (all services in one transaction, the
// rules checked first), 缮证 (certificates numbered in a transaction, signed
// outside it, stored in another) and 发证.
func (db *DB) Step(ctx context.Context, actor audit.Actor, id int64, step registry.Step, opts StepOptions, keys *certificate.Keyring) (registry.Application, error) {
	if step == registry.StepCertify {
		return db.certifyApplication(ctx, actor, id, keys)
	}
	var a registry.Application
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		if a, err = loadApplication(ctx, tx.db.ring(), tx.q(), id, db.forUpdate()); err != nil {
			return err
		}
		if err := tx.decideApplication(ctx, a, access.StepAction(step)); err != nil {
			return err
		}
		if err := a.CheckOpen(); err != nil {
			return err
		}
		policy, err := tx.policy(ctx, a.Jurisdiction)
		if err != nil {
			return err
		}
		if step == registry.StepRecord {
			if len(a.Services) > 0 {
				tx.attempting("registration.record", a.Services[0].UnitID, a.ProjectID, a.Number)
			}
			return tx.recordApplication(ctx, &a)
		}
		moved, err := a.Move(step, tx.actor.UserID, policy, opts.Reason)
		if err != nil {
			return err
		}
		for _, i := range moved {
			if err := tx.saveStep(ctx, &a.Services[i], step, opts); err != nil {
				return err
			}
		}
		return tx.closeIfDone(ctx, &a, step)
	})
	return a, err
}

// saveStep writes a service a step moved, with its history: 发证 issues
// its certificates (the delivery and tracking number are the history's
// note); another step notes its reason.
func (tx *Tx) saveStep(ctx context.Context, s *registry.Service, step registry.Step, opts StepOptions) error {
	note := opts.Reason
	if step == registry.StepIssue {
		s.IssuedAt = tx.now
		if err := tx.issueCertificates(ctx, *s, opts); err != nil {
			return err
		}
		note = strings.TrimSpace(certificate.DeliveryLabel(opts.Delivery) + " " + opts.TrackingNo)
	}
	if err := tx.saveService(ctx, s); err != nil {
		return err
	}
	tx.step(s.ID, step, note)
	return nil
}

func (tx *Tx) closeIfDone(ctx context.Context, a *registry.Application, step registry.Step) error {
	if a.Settle() {
		if _, err := tx.exec(ctx, `UPDATE applications SET state = $1 WHERE id = $2`, a.State, a.ID); err != nil {
			return err
		}
	}
	tx.Audit("application."+string(step), "application", a.ID, map[string]any{"number": a.Number, "state": a.State})
	return nil
}

// recordApplication records (登簿) every approved service of the
// application in order, after every rule; any failure records nothing.
func (tx *Tx) recordApplication(ctx context.Context, a *registry.Application) error {
	if err := a.CheckRecordable(); err != nil {
		return err
	}
	if err := tx.lockApplicationUnits(ctx, a); err != nil {
		return err
	}
	blocks, err := tx.applicationBlocks(ctx, a)
	if err != nil {
		return err
	}
	if len(blocks) > 0 {
		return blocksErr(blocks)
	}
	return tx.recordApproved(ctx, a)
}

// recordApproved records the approved services of an application whose
// rules were checked in this transaction, after its last change.
func (tx *Tx) recordApproved(ctx context.Context, a *registry.Application) error {
	policy, err := tx.policy(ctx, a.Jurisdiction)
	if err != nil {
		return err
	}
	var recorded []registry.Service
	for i := range a.Services {
		s := &a.Services[i]
		if s.State != registry.Approved {
			continue
		}
		// The step first: a refused recorder writes nothing.
		if err := s.Apply(registry.StepRecord, tx.actor.UserID, policy, ""); err != nil {
			return err
		}
		numbered, err := tx.recordService(ctx, a, s)
		if err != nil {
			return err
		}
		if s.State == registry.Recorded && !numbered {
			s.State = registry.Issued // a correction of a right without a certificate: nothing to issue
		}
		s.RecordedAt = tx.now
		if s.State == registry.Issued {
			s.IssuedAt = tx.now
		}
		if err := tx.saveService(ctx, s); err != nil {
			return err
		}
		recorded = append(recorded, *s)
	}
	tx.stepAll(recorded, registry.StepRecord, tx.actor.UserID, tx.actor.Name, "")
	return tx.closeIfDone(ctx, a, registry.StepRecord)
}

// recordService writes a service's entries in the register book.
// It reports whether it numbered a certificate or proof to issue (a
// correction issues one only when the corrected right had one).
func (tx *Tx) recordService(ctx context.Context, a *registry.Application, s *registry.Service) (bool, error) {
	units, err := serviceUnits(ctx, tx, *s)
	if err != nil {
		return false, err
	}
	numbered := false
	var facts map[int64]registry.UnitFacts
	if s.Kind == registry.First && s.UnitID == 0 {
		if facts, _, err = regFacts(ctx, tx, *s); err != nil {
			return false, err
		}
	}
	for _, unit := range units {
		if facts != nil {
			f := facts[unit]
			f.Filed = true // checked for the building
			if len(registry.FirstBlocks(f)) > 0 {
				continue // sealed, locked or already registered: this unit waits
			}
		}
		book, err := tx.book(ctx, unit)
		if err != nil {
			return false, err
		}
		e, err := tx.recordOne(ctx, a, s, unit, book)
		if err != nil {
			return false, err
		}
		if e.ID != 0 && s.EntryID == 0 {
			s.EntryID = e.ID
		}
		numbered = numbered || (e.CertNo != "" && e.Kind != registry.PreNotice)
		tx.touchUnitBuilding(unit)
	}
	return numbered, nil
}

// recordOne records one service on one unit: it loads the facts the
// entries need, asks registry what the recording writes, writes it, and
// tells the partners.
func (tx *Tx) recordOne(ctx context.Context, a *registry.Application, s *registry.Service, unit int64, book []registry.Entry) (registry.Entry, error) {
	f, err := tx.recordingFacts(ctx, a, s, unit)
	if err != nil {
		return registry.Entry{}, err
	}
	r, err := registry.PlanRecording(*a, *s, unit, book, f)
	if err != nil || r.Skip {
		return registry.Entry{}, err
	}
	e, err := tx.record(ctx, r.Entry, a.Jurisdiction, r.CertKind)
	if err != nil {
		return e, err
	}
	// A pre-notice recorded here (a 更正 of one) gets its signed proof as a
	// filed one does.
	if e.Kind == registry.PreNotice && e.CertNo != "" {
		if err := tx.dueProofs(ctx, a.Jurisdiction, e.ID); err != nil {
			return e, err
		}
	}
	var ended []registry.CertCancel
	for _, c := range r.Converts {
		if _, err := tx.record(ctx, c, a.Jurisdiction, 0); err != nil {
			return e, err
		}
		// The pre-notice's proof ends with it (预告转本).
		ended = append(ended, registry.CertCancel{Entry: c.Ends, Reason: c.Note})
	}
	tx.cancelCertificates(append(ended, r.Cancels...)...)
	return e, tx.recorded(ctx, a, s, e)
}

// commonPart is a unit the accepted survey marked a common part (共有部分).
type commonPart struct {
	unit       int64
	room, name string
}

// commonParts reads the common part unit is ("" for a unit to sell) and
// those of its building, each with its unit, as the accepted survey marked
// them. A building's are read once per transaction: recording changes no
// unit.
func (tx *Tx) commonParts(ctx context.Context, unit int64) (string, []string, error) {
	ref, err := tx.recordedUnit(ctx, unit)
	if err != nil {
		return "", nil, err
	}
	building := ref.Unit.BuildingID
	parts, err := readOnce(&tx.known.commonParts, building, func() ([]commonPart, error) {
		rows, err := tx.query(ctx, `SELECT id, room, common_part FROM units WHERE building_id = $1 AND common_part <> '' ORDER BY number`, building)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var parts []commonPart
		for rows.Next() {
			var p commonPart
			if err := rows.Scan(&p.unit, &p.room, &p.name); err != nil {
				return nil, err
			}
			parts = append(parts, p)
		}
		return parts, rows.Err()
	})
	if err != nil {
		return "", nil, err
	}
	var mine string
	var all []string
	for _, p := range parts {
		if p.unit == unit {
			mine = p.name
		}
		all = append(all, p.name+"（"+p.room+"）")
	}
	return mine, all, nil
}

// recordingFacts loads what registry.PlanRecording needs for the service:
// the developer of a first registration; the sale of a transfer or a loan
// mortgage, its price after the area reconciliation; the mortgagee.
func (tx *Tx) recordingFacts(ctx context.Context, a *registry.Application, s *registry.Service, unit int64) (registry.RecordingFacts, error) {
	f := registry.RecordingFacts{Today: calendar.DateOf(tx.now)}
	var err error
	switch {
	case s.Kind == registry.First:
		if f.Developer, err = developerHolder(ctx, tx, a.ProjectID); err != nil {
			return f, err
		}
		f.Common, f.CommonParts, err = tx.commonParts(ctx, unit)
	case s.Kind == registry.MortgageReg && s.Details["bank"] != "":
		id, _ := strconv.ParseInt(s.Details["bank"], 10, 64)
		f.Bank, err = tx.mortgagee(ctx, id)
	case (s.Kind == registry.Transfer || s.Kind == registry.MortgageReg) && s.ContractID != 0:
		var bank int64
		f.Sale, bank, err = tx.saleOfContract(ctx, s.ContractID, unit)
		if err == nil && s.Kind == registry.MortgageReg && f.Sale.Loan {
			f.Bank, err = tx.mortgagee(ctx, bank)
		}
	}
	return f, err
}

// saleOfContract is what a recording takes from a filed sale, and the
// organisation that lends on it (0: none).
func (tx *Tx) saleOfContract(ctx context.Context, contract, unit int64) (registry.Sale, int64, error) {
	c, err := tx.contract(ctx, contract)
	if err != nil {
		return registry.Sale{}, 0, err
	}
	ref, err := tx.recordedUnit(ctx, unit)
	if err != nil {
		return registry.Sale{}, 0, err
	}
	sale := registry.Sale{ContractID: c.ID, Ownership: c.Ownership.Label(), Price: c.TotalPrice, Loan: c.Payment.Loan(),
		LoanAmount: c.LoanAmount, LoanYears: c.LoanYears}
	for _, b := range c.Buyers {
		sale.Buyers = append(sale.Buyers, registry.Holder{Name: b.Name, IDKind: "身份证", IDNumber: b.IDNumber, ShareNum: b.ShareNum, ShareDen: b.ShareDen})
	}
	if ref.Unit.HasMeasured() {
		sale.Price = completion.Reconcile(c.PriceBasis, c.UnitPrice, c.TotalPrice, ref.Unit.Forecast, ref.Unit.Measured).NewTotal
	}
	return sale, c.LoanBank, nil
}

// mortgagee is organisation id as the holder of a mortgage, as
// registry.Mortgagee admits one: a bank. An application's named bank and a
// filed loan's lender both go through it; id 0 or an unknown
// organisation is not a bank.
func (tx *Tx) mortgagee(ctx context.Context, id int64) (registry.Holder, error) {
	bank, err := tx.db.Org(ctx, id)
	if err != nil && problem.KindOf(err) != problem.NotFound {
		return registry.Holder{}, err
	}
	return registry.Mortgagee(bank.Name, bank.USCC, err == nil && bank.Kind == identity.Bank)
}

// recorded tells the partners what a recording changed: a seal, a transfer
// (and asks the utilities to move the accounts), a mortgage.
func (tx *Tx) recorded(ctx context.Context, a *registry.Application, s *registry.Service, e registry.Entry) error {
	agg := fmt.Sprintf("unit:%d", e.UnitID)
	switch s.Kind {
	case registry.SealReg:
		return tx.emit(exchange.UnitSealed, agg, a.Jurisdiction, map[string]any{"unit": e.UnitID, "authority": e.Detail.Authority, "doc_no": e.Detail.DocNo,
			"waiting": e.Detail.Waiting})
	case registry.Transfer:
		if err := tx.emit(exchange.TransferRegistered, agg, a.Jurisdiction, map[string]any{"unit": e.UnitID, "cert_no": e.CertNo, "application": a.Number,
			"holders": holderNames(e.Holders)}); err != nil {
			return err
		}
		return tx.requestUtilities(ctx, e, a.Jurisdiction)
	case registry.MortgageReg:
		return tx.emit(exchange.MortgageRegistered, agg, a.Jurisdiction, map[string]any{"unit": e.UnitID, "cert_no": e.CertNo, "bank": e.Holders0(),
			"amount": e.Amount.StringFixed(2), "term_end": e.Detail.TermEnd})
	}
	return nil
}

// developerHolder is the developer as a rights holder.
func developerHolder(ctx context.Context, tx *Tx, projectID int64) (registry.Holder, error) {
	return readOnce(&tx.known.developers, projectID, func() (registry.Holder, error) {
		h := registry.Holder{IDKind: "统一社会信用代码"}
		err := tx.queryRow(ctx, `SELECT o.name, COALESCE(o.uscc, '') FROM projects p JOIN organisations o ON o.id = p.developer_org WHERE p.id = $1`,
			projectID).Scan(&h.Name, &h.IDNumber)
		return h, err
	})
}

func holderNames(hs []registry.Holder) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Name)
	}
	return out
}

// utilityOrg is a utility of a jurisdiction and the service it provides.
type utilityOrg struct {
	id      int64
	service string
}

// requestUtilities asks every utility of the jurisdiction to transfer the
// unit's account to the holders of the new ownership entry (水电气联动过户):
// one request per provider per transfer.
func (tx *Tx) requestUtilities(ctx context.Context, e registry.Entry, jurisdiction string) error {
	unit, holders := e.UnitID, e.Holders
	orgs, err := readOnce(&tx.known.utilities, jurisdiction, func() ([]utilityOrg, error) {
		rows, err := tx.query(ctx, `SELECT id, service FROM organisations WHERE kind = 'utility' AND jurisdiction = $1 ORDER BY id`, jurisdiction)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var orgs []utilityOrg
		for rows.Next() {
			var o utilityOrg
			if err := rows.Scan(&o.id, &o.service); err != nil {
				return nil, err
			}
			orgs = append(orgs, o)
		}
		return orgs, rows.Err()
	})
	if err != nil {
		return err
	}
	names := strings.Join(holderNames(holders), "、")
	var ids []string
	for _, h := range holders {
		ids = append(ids, h.IDNumber)
	}
	requests, err := tx.insertUtilityRequests(ctx, e, names, orgs)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if err := tx.emitTo(o.id, exchange.UtilityRequested, fmt.Sprintf("unit:%d", unit), jurisdiction, map[string]any{"request": requests[o.id], "unit": unit,
			"service": o.service, "provider": o.id, "new_holders": holderNames(holders), "id_numbers": ids}); err != nil {
			return err
		}
	}
	return nil
}

// insertUtilityRequests writes one request per provider for the new
// ownership entry e in one statement and returns each one's id by provider.
func (tx *Tx) insertUtilityRequests(ctx context.Context, e registry.Entry, holder string, orgs []utilityOrg) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(orgs) == 0 {
		return out, nil
	}
	var b strings.Builder
	args := []any{e.UnitID, e.ID, holder, tx.now}
	b.WriteString(`INSERT INTO utility_requests (unit_id, org_id, entry_id, service, holder, state, requested_at) VALUES `)
	for i, o := range orgs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "($1, $%d, $2, $%d, $3, 'requested', $4)", len(args)+1, len(args)+2)
		args = append(args, o.id, o.service)
	}
	rows, err := tx.query(ctx, b.String()+` RETURNING id, org_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, org int64
		if err := rows.Scan(&id, &org); err != nil {
			return nil, err
		}
		out[org] = id
	}
	return out, rows.Err()
}

// ApplicationTarget is the access target of an application: the window's
// jurisdiction, the project's developer, and the buyers of the contracts
// its services carry out.
func (db *DB) ApplicationTarget(ctx context.Context, a registry.Application) (access.Target, error) {
	return applicationTarget(ctx, db.ring(), db.r(), a)
}

// decideApplication decides whether the request may do action on the
// application the transaction loaded.
func (tx *Tx) decideApplication(ctx context.Context, a registry.Application, action access.Action) error {
	t, err := applicationTarget(ctx, tx.db.ring(), tx.q(), a)
	if err != nil {
		return err
	}
	return decide(ctx, action, t)
}

func applicationTarget(ctx context.Context, ring *personal.Keyring, q querier, a registry.Application) (access.Target, error) {
	t := access.Target{Jurisdiction: a.Jurisdiction}
	if a.ProjectID != 0 {
		if err := q.QueryRowContext(ctx, `SELECT developer_org FROM projects WHERE id = $1`, a.ProjectID).Scan(&t.Developer); err != nil {
			return t, err
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT b.contract_id, b.seq, b.id_number FROM contract_buyers b JOIN services s ON s.contract_id = b.contract_id
		WHERE s.application_id = $1`, a.ID)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	for rows.Next() {
		var contract, seq int64
		var id string
		if err := rows.Scan(&contract, &seq, &id); err != nil {
			return t, err
		}
		if id, err = openValue(ring, field("contract_buyers", "id_number", pair(contract, seq)), id); err != nil {
			return t, err
		}
		if !slices.Contains(t.Buyers, id) {
			t.Buyers = append(t.Buyers, id)
		}
	}
	return t, rows.Err()
}

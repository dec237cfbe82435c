package store

import (
	"context"
	"math"
	"strings"
	"time"

	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/measure"
	"handover/internal/presale"
	"handover/internal/registry"
)

// Readiness evaluates what still blocks target for a project (or one of
// its buildings or units) now: the readiness view. One call reads the
// project's facts with a fixed number of queries, whatever its size.
func (db *DB) Readiness(ctx context.Context, cal *calendar.Calendar, projectID int64, target handover.Target, scope handover.Scope) (handover.Report, *handover.Facts, error) {
	p, err := db.Project(ctx, projectID)
	if err != nil {
		return handover.Report{}, nil, err
	}
	f, err := db.readinessFacts(ctx, db.r(), p, allUnits(), calendar.DateOf(db.Now()))
	if err != nil {
		return handover.Report{}, nil, err
	}
	return handover.Evaluate(f, cal, target, scope, db.Now()), f, nil
}

// ReadinessFacts loads a project's facts for the readiness view.
func (db *DB) ReadinessFacts(ctx context.Context, projectID int64) (*handover.Facts, error) {
	p, err := db.Project(ctx, projectID)
	if err != nil {
		return nil, err
	}
	return db.readinessFacts(ctx, db.r(), p, allUnits(), calendar.DateOf(db.Now()))
}

// unitRange bounds the units whose own facts are read (by id, inclusive):
// the handover batch evaluates a chunk of units at a time and needs the
// project's and buildings' facts but only its chunk's units.
type unitRange struct{ from, to int64 }

// allUnits reads the facts of every unit.
func allUnits() unitRange { return unitRange{0, math.MaxInt64} }

// readinessFacts reads everything the conditions look at for a project,
// with one query per kind of fact; the units' own facts only for the units
// in r (a building then lists only those).
func (db *DB) readinessFacts(ctx context.Context, q querier, p ledger.Project, r unitRange, today calendar.Date) (*handover.Facts, error) {
	f := &handover.Facts{Project: p, Departments: map[string]handover.Party{},
		Developer: handover.Party{Kind: identity.Developer, OrgID: p.Developer, Name: p.DeveloperName}}
	if err := readinessParties(ctx, q, p, f); err != nil {
		return nil, err
	}
	bs, err := setting(ctx, q, p.Jurisdiction, completion.SettingBlocking, "")
	if err != nil {
		return nil, err
	}
	if f.Blocking, err = completion.ParseBlocking(bs); err != nil {
		return nil, err
	}
	if f.LandTopUp, err = landCheck(ctx, q, p.ID); err != nil {
		return nil, err
	}
	if f.ParcelRestriction, err = parcelRestriction(ctx, q, p.ID); err != nil {
		return nil, err
	}
	if f.Cases, err = loadCases(ctx, q, `project_id = $1`, p.ID); err != nil {
		return nil, err
	}
	if f.Filings, err = filingsOf(ctx, q, p.ID); err != nil {
		return nil, err
	}
	if f.Items, err = itemsWhere(ctx, q, `project_id = $1 AND unit_id = 0`, p.ID); err != nil {
		return nil, err
	}
	maint, err := maintenanceFacts(ctx, q, p.ID, r)
	if err != nil {
		return nil, err
	}
	buildings, err := buildingsOf(ctx, q, p.ID)
	if err != nil {
		return nil, err
	}
	units, err := unitAreas(ctx, q, p.ID, r)
	if err != nil {
		return nil, err
	}
	surveys, err := surveyStates(ctx, q, p.ID)
	if err != nil {
		return nil, err
	}
	unitFacts, err := unitReadiness(ctx, q, p.ID, r, today)
	if err != nil {
		return nil, err
	}
	for _, b := range buildings {
		bf := handover.BuildingFacts{Building: b, Survey: surveys[b.ID].newest, Accepted: surveys[b.ID].accepted}
		for _, u := range units[b.ID] {
			uf := unitFacts[u.ID]
			uf.Unit, uf.Maintenance = u, maint[u.ID]
			bf.Units = append(bf.Units, uf)
		}
		f.Buildings = append(f.Buildings, bf)
	}
	return f, nil
}

// readinessParties reads the project's region and the parties the
// conditions name: the jurisdiction's housing, registry, tax and
// acceptance departments and the project's surveyor.
func readinessParties(ctx context.Context, q querier, p ledger.Project, f *handover.Facts) error {
	var region string
	if err := q.QueryRowContext(ctx, `SELECT region FROM jurisdictions WHERE code = $1`, p.Jurisdiction).Scan(&region); err != nil {
		return err
	}
	f.Region = region
	rows, err := q.QueryContext(ctx, `SELECT id, name, kind, service FROM organisations
		WHERE (jurisdiction = $1 AND kind IN ('housing', 'registry', 'tax', 'acceptance')) OR id = $2 ORDER BY id`, p.Jurisdiction, p.Surveyor)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name, kind, service string
		if err := rows.Scan(&id, &name, &kind, &service); err != nil {
			return err
		}
		party := handover.Party{Kind: identity.OrgKind(kind), OrgID: id, Name: name}
		switch {
		case id == p.Surveyor:
			f.Surveyor = party
		case kind == string(identity.Housing) && f.Housing.OrgID == 0:
			f.Housing = party
		case kind == string(identity.Registry) && f.Registry.OrgID == 0:
			f.Registry = party
		case kind == string(identity.Tax) && f.Tax.OrgID == 0:
			f.Tax = party
		case kind == string(identity.Acceptance):
			if _, ok := f.Departments[service]; !ok {
				f.Departments[service] = party
			}
		}
	}
	return rows.Err()
}

type surveyState struct {
	newest   completion.SurveyState
	accepted bool
}

func surveyStates(ctx context.Context, q querier, projectID int64) (map[int64]surveyState, error) {
	rows, err := q.QueryContext(ctx, `SELECT building_id, state FROM surveys WHERE project_id = $1 ORDER BY id`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]surveyState{}
	for rows.Next() {
		var b int64
		var st completion.SurveyState
		if err := rows.Scan(&b, &st); err != nil {
			return nil, err
		}
		s := out[b]
		s.newest = st
		s.accepted = s.accepted || st == completion.Accepted
		out[b] = s
	}
	return out, rows.Err()
}

// unitReadiness reads, for every unit of a project, its live contract with
// the buyers' names, the buyer's area decision and the deed tax, and from
// the one status loader its lock, its register book and its handover.
func unitReadiness(ctx context.Context, q querier, projectID int64, r unitRange, today calendar.Date) (map[int64]handover.UnitFacts, error) {
	out := map[int64]handover.UnitFacts{}
	rows, err := q.QueryContext(ctx, `SELECT c.unit_id, c.id, c.number, c.state, c.price_basis, c.unit_price, c.total_price, b.name,
		COALESCE(d.choice, '') FROM contracts c JOIN contract_buyers b ON b.contract_id = c.id LEFT JOIN area_decisions d ON d.contract_id = c.id
		WHERE c.project_id = $1 AND c.state IN ('draft', 'sent', 'signed', 'filed') AND c.unit_id BETWEEN $2 AND $3 ORDER BY c.unit_id, b.seq`, projectID, r.from, r.to)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var unit int64
		var c presale.Contract
		var price, total int64
		var buyer, choice string
		if err := rows.Scan(&unit, &c.ID, &c.Number, &c.State, &c.PriceBasis, &price, &total, &buyer, &choice); err != nil {
			rows.Close()
			return nil, err
		}
		uf := out[unit]
		if uf.Contract.ID == 0 {
			c.UnitPrice, c.TotalPrice, c.UnitID = measure.FromCents(price), measure.FromCents(total), unit
			uf.Contract, uf.AreaDecision = c, choice
		}
		uf.Contract.Buyers = append(uf.Contract.Buyers, presale.Buyer{Name: buyer})
		out[unit] = uf
	}
	rows.Close()
	// Only draft, sent, signed or filed contracts hold a unit; a draft or
	// sent one is not yet a sale.
	for id, uf := range out {
		if uf.Contract.State == presale.Draft || uf.Contract.State == presale.Sent {
			uf.Contract = presale.Contract{}
			out[id] = uf
		}
	}
	// The lock, the register book, the deed tax of the sale and the
	// handover come from the one status loader, as for the 楼盘表 and the
	// registration rules.
	statuses, books, err := unitStatusesAndBooks(ctx, q, unitScope{project: projectID, from: r.from, to: r.to, today: today})
	if err != nil {
		return nil, err
	}
	for unit, st := range statuses {
		uf := out[unit]
		uf.Locked, uf.Book, uf.HandedOver = st.Locked, books[unit], st.HandedOver
		uf.DeedTaxPaid = st.DeedTaxPaid && st.ContractID == uf.Contract.ID
		out[unit] = uf
	}
	return out, nil
}

// cleared marks an item the readiness facts know to be cleared: the view
// needs whether, not when (reading thousands of timestamps would cost more
// than everything else it reads).
var cleared = time.Unix(1, 0).UTC()

// maintenanceFacts reads the units' maintenance fund items: amounts and
// whether each is cleared.
func maintenanceFacts(ctx context.Context, q querier, projectID int64, r unitRange) (map[int64]completion.Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, unit_id, due, paid, cleared_at IS NOT NULL FROM accounting_items
		WHERE project_id = $1 AND unit_id <> 0 AND kind = 'maintenance' AND unit_id BETWEEN $2 AND $3`, projectID, r.from, r.to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]completion.Item{}
	for rows.Next() {
		it := completion.Item{ProjectID: projectID, Kind: completion.Maintenance}
		var due, paid int64
		var done bool
		if err := rows.Scan(&it.ID, &it.UnitID, &due, &paid, &done); err != nil {
			return nil, err
		}
		it.Due, it.Paid = measure.FromCents(due), measure.FromCents(paid)
		if done {
			it.ClearedAt = cleared
		}
		out[it.UnitID] = it
	}
	return out, rows.Err()
}

// unitAreas reads the project's units with what the conditions use: the
// room, the unit number and the forecast and measured areas.
func unitAreas(ctx context.Context, q querier, projectID int64, r unitRange) (map[int64][]ledger.Unit, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.building_id, u.number, u.unit_no, u.room, u.f_total, u.f_inner, u.m_total, u.m_inner
		FROM units u JOIN buildings b ON b.id = u.building_id WHERE b.project_id = $1 AND u.id BETWEEN $2 AND $3 ORDER BY u.building_id, u.number`, projectID, r.from, r.to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]ledger.Unit{}
	for rows.Next() {
		var u ledger.Unit
		var ft, fi, mt, mi int64
		if err := rows.Scan(&u.ID, &u.BuildingID, &u.Number, &u.UnitNo, &u.Room, &ft, &fi, &mt, &mi); err != nil {
			return nil, err
		}
		u.Forecast = ledger.Areas{Total: measure.FromCents(ft), Inner: measure.FromCents(fi), Shared: measure.FromCents(ft - fi)}
		u.Measured = ledger.Areas{Total: measure.FromCents(mt), Inner: measure.FromCents(mi), Shared: measure.FromCents(mt - mi)}
		out[u.BuildingID] = append(out[u.BuildingID], u)
	}
	return out, rows.Err()
}

// parcelRestriction names the live restrictions on a project's parcels
// ("" for none).
func parcelRestriction(ctx context.Context, q querier, projectID int64) (string, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.kind FROM parcel_restrictions r WHERE r.kind <> 'lift'
		AND r.parcel_code IN (SELECT code FROM parcels WHERE project_id = $1)
		AND NOT EXISTS (SELECT 1 FROM parcel_restrictions l WHERE l.lifts = r.id) ORDER BY r.id`, projectID)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var kind string
		if err := rows.Scan(&kind); err != nil {
			return "", err
		}
		names = append(names, registry.ParcelRestrictionLabel(kind))
	}
	return strings.Join(names, "、"), rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"slices"

	"handover/internal/identity"
	"handover/internal/presale"
	"handover/internal/registry"
)

// readOnce returns what load reads for k, reading it once per transaction
// and keeping it in *m. It is for facts that nothing in a transaction that
// reads them changes — a unit as recorded (and so its building), a
// project's developer, a jurisdiction's utilities, a building's survey,
// completion filing and common parts —
// which a batch would otherwise read again for every flat of a chunk. A
// failed read is not kept.
func readOnce[K comparable, V any](m *map[K]V, k K, load func() (V, error)) (V, error) {
	if v, ok := (*m)[k]; ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	if *m == nil {
		*m = map[K]V{}
	}
	(*m)[k] = v
	return v, nil
}

// unitBuilding is the building of a unit (a unit never moves), from the
// unit as recordedUnit reads it: the recording that follows reads it too.
func (tx *Tx) unitBuilding(ctx context.Context, unit int64) (int64, error) {
	ref, err := tx.recordedUnit(ctx, unit)
	return ref.Unit.BuildingID, err
}

// recordedUnit is a unit with its building and project as a registration
// records it, read once per transaction: recording and issuing change no
// unit, building or project (the ledger's and the survey's own
// transactions, which do, read them afresh with unitRef).
func (tx *Tx) recordedUnit(ctx context.Context, id int64) (UnitRef, error) {
	return readOnce(&tx.known.units, id, func() (UnitRef, error) {
		return unitRef(ctx, tx.q(), `u.id = $1`, id)
	})
}

// keepUnits reads, in two statements, what recording on each of the
// units (locked by this transaction) reads of it: the unit as recorded
// (recordedUnit) and its register book (book). A batch records a chunk's
// flats one by one; each would read its own.
func (tx *Tx) keepUnits(ctx context.Context, ids []int64) error {
	if err := tx.keepRefs(ctx, ids); err != nil {
		return err
	}
	return tx.keepBooks(ctx, ids)
}

// keepRefs reads the units not yet known as recordedUnit reads each.
func (tx *Tx) keepRefs(ctx context.Context, ids []int64) error {
	need := slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { _, ok := tx.known.units[id]; return ok })
	if len(need) == 0 {
		return nil
	}
	list, args := inList(1, need)
	refs, err := scanAll(ctx, tx.q(), func(r *sql.Rows, ref *UnitRef) (err error) { *ref, err = scanUnitRef(r); return err },
		unitRefSQL+`u.id IN (`+list+`)`, args...)
	if err != nil {
		return err
	}
	if tx.known.units == nil {
		tx.known.units = map[int64]UnitRef{}
	}
	for _, ref := range refs {
		if tx.db.checkKept {
			if one, err := unitRef(ctx, tx.q(), `u.id = $1`, ref.Unit.ID); err != nil || !reflect.DeepEqual(one, ref) {
				return fmt.Errorf("store: unit %d read with others differs from the unit read alone (%v):\nwith others %+v\nalone %+v", ref.Unit.ID, err, ref, one)
			}
		}
		tx.known.units[ref.Unit.ID] = ref
	}
	return nil
}

// keepBooks reads the register books of the locked units not yet kept,
// as book keeps each (a unit without entries keeps an empty book).
func (tx *Tx) keepBooks(ctx context.Context, ids []int64) error {
	need := slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { _, ok := tx.known.books[id]; return ok || !tx.known.locked[id] })
	if len(need) == 0 {
		return nil
	}
	list, args := inList(1, need)
	books, err := tx.db.books(ctx, tx.q(), `e.unit_id IN (`+list+`)`, args...)
	if err != nil {
		return err
	}
	if tx.known.books == nil {
		tx.known.books = map[int64][]registry.Entry{}
	}
	for _, id := range need {
		tx.known.books[id] = books[id]
	}
	return nil
}

// keepContracts reads, in one statement, the contracts not yet kept among
// ids, and keeps those Tx.contract keeps: the filed ones of units this
// transaction has locked. A batch chunk reads its flats' sales so.
func (tx *Tx) keepContracts(ctx context.Context, ids []int64) error {
	need := slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { _, ok := tx.known.contracts[id]; return ok || id == 0 })
	if len(need) == 0 {
		return nil
	}
	list, args := inList(1, need)
	cs, err := tx.db.contractsWhere(ctx, tx.q(), `c.id IN (`+list+`)`, args...)
	if err != nil {
		return err
	}
	for _, c := range cs {
		tx.keepContract(c)
	}
	return nil
}

// txKnown holds the facts a transaction has read once (readOnce).
type txKnown struct {
	jurisdictions map[string]identity.Jurisdiction // by code
	// registration policies by jurisdiction (a batch records thousands of
	// applications of one jurisdiction)
	policies    map[string]registry.Policy
	units       map[int64]UnitRef            // unit → it, its building and project, as recorded
	developers  map[int64]registry.Holder    // project → its developer as a rights holder
	utilities   map[string][]utilityOrg      // jurisdiction → its utilities
	materials   map[int64][]buildingMaterial // building → its accepted survey and completion filing
	commonParts map[int64][]commonPart       // building → its common parts
	// locked holds the units this transaction has locked (lockUnits);
	// books the register books of some of them, kept current (Tx.book).
	locked map[int64]bool
	books  map[int64][]registry.Entry
	// fresh holds the entries this transaction recorded that have no
	// certificate yet (certificateFor); signable the applications a batch
	// recorded here, as certificatesToSign reads them (signable).
	fresh    map[int64]bool
	signable map[int64]registry.Application
	// contracts holds contracts of locked units as read (Tx.contract);
	// the statements that change a contract forget it.
	contracts map[int64]presale.Contract
	// ahead holds, by series, the numbers drawn ahead and not yet handed
	// out (drawAhead), in order.
	ahead map[string][]int64
	// serviceIDs are ids reserved for services and not yet given
	// (PostgreSQL); nextService is the next id to give (SQLite), 0 until
	// read (serviceIDs).
	serviceIDs  []int64
	nextService int64
}

package store

import (
	"context"

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
}

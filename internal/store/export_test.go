package store

import (
	"context"
	"database/sql"
	"errors"

	"handover/internal/audit"
	"handover/internal/calendar"
)

// SQLForTest exposes the pool to this package's external tests, which play
// a database administrator tampering with rows.
func (db *DB) SQLForTest() *sql.DB { return db.sql }

// RestrictionsForTest is what public verification reads of a unit:
// whether it is mortgaged and whether it is sealed, today.
func (db *DB) RestrictionsForTest(ctx context.Context, unit int64) (mortgaged, sealed bool, err error) {
	return unitRestrictions(ctx, db.r(), unit, calendar.DateOf(db.Now()))
}

// DrawForTest draws a number of a series in a transaction of its own,
// which rolls back when abort is set.
func (db *DB) DrawForTest(ctx context.Context, series string, abort bool) (int64, error) {
	var v int64
	err := db.transact(ctx, audit.System(), func(tx *Tx) error {
		var err error
		if v, err = tx.nextSeq(ctx, series); err != nil {
			return err
		}
		if abort {
			return errAbort
		}
		return nil
	})
	return v, err
}

var errAbort = errors.New("aborted on purpose")

// IsAbort reports the error DrawForTest returns when told to abort.
func IsAbort(err error) bool { return errors.Is(err, errAbort) }

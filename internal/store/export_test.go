package store

import (
	"context"
	"database/sql"
	"errors"

	"handover/internal/audit"
)

// SQLForTest exposes the pool to this package's external tests, which play
// a database administrator tampering with rows.
func (db *DB) SQLForTest() *sql.DB { return db.sql }

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

// InsertValuesForTest writes rows with insertValues in a transaction of
// its own and returns how many statements it took.
func (db *DB) InsertValuesForTest(ctx context.Context, table, columns, suffix string, rows [][]any) (int, error) {
	var n int
	err := db.transact(ctx, audit.System(), func(tx *Tx) error {
		before := tx.stmts
		err := tx.insertValues(ctx, table, columns, suffix, rows)
		n = tx.stmts - before
		return err
	})
	return n, err
}

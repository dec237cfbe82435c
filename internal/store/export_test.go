package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/code"
	"handover/internal/registry"
)

// SQLForTest exposes the pool to this package's external tests, which play
// a database administrator tampering with rows.
func (db *DB) SQLForTest() *sql.DB { return db.sql }

// RestrictionsForTest is what public verification reads of a unit:
// whether it is mortgaged and whether it is sealed, today, read from the
// unit's book alone, apart from any certificate (verification reads them
// joined to the certificate, readVerifiable): the tests compare the two.
func (db *DB) RestrictionsForTest(ctx context.Context, unit int64) (mortgaged, sealed bool, err error) {
	rows, err := db.r().QueryContext(ctx, `SELECT `+restrictionColumns("e")+` FROM register_entries e WHERE e.unit_id = $1 ORDER BY e.id`, unit)
	if err != nil {
		return false, false, err
	}
	defer rows.Close()
	var book restrictionBook
	for rows.Next() {
		var e registry.Entry
		if err := rows.Scan(book.dest(&e)...); err != nil {
			return false, false, err
		}
		book.add(unit, e)
	}
	if err := rows.Err(); err != nil {
		return false, false, err
	}
	mortgaged, sealed = book.standing(calendar.DateOf(db.Now()))
	return mortgaged, sealed, nil
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

// QueueForTest queues rows (series, value) for number_pool in a
// transaction of its own (insertLater), counts the series' rows pooled by
// a statement of the same transaction, and commits.
func (db *DB) QueueForTest(ctx context.Context, series string, values ...int64) (seen int, err error) {
	err = db.transact(ctx, audit.System(), func(tx *Tx) error {
		var rows [][]any
		for _, v := range values {
			rows = append(rows, []any{series, v})
		}
		tx.insertLater("number_pool", "series, value", "", rows)
		return tx.queryRow(ctx, `SELECT COUNT(*) FROM number_pool WHERE series = $1`, series).Scan(&seen)
	})
	return seen, err
}

// CancelForTest queues the cancellations in a transaction of its own
// (cancelCertificates), counts the live certificates of their entries by a
// statement of the same transaction, and commits.
func (db *DB) CancelForTest(ctx context.Context, ended []registry.CertCancel) (live int, err error) {
	err = db.transact(ctx, audit.System(), func(tx *Tx) error {
		tx.cancelCertificates(ended...)
		ids := make([]int64, len(ended))
		for i, c := range ended {
			ids[i] = c.Entry
		}
		in, args := inList(1, ids)
		return tx.queryRow(ctx, `SELECT COUNT(*) FROM certificates WHERE state = 'live' AND entry_id IN (`+in+`)`, args...).Scan(&live)
	})
	return live, err
}

// IsUniqueViolation reports a unique-constraint failure on either engine.
func IsUniqueViolation(err error) bool { return isUniqueViolation(err) }

// OpenFirstPlanForTest is SQLite's plan of the statement that looks for
// an open first registration of a unit (openFirstSQL), its details joined.
func (db *DB) OpenFirstPlanForTest(ctx context.Context) (string, error) {
	return db.sqlitePlan(ctx, openFirstSQL(true), 1, 1)
}

// VerifiablePlanForTest is SQLite's plan of the public verification's
// statement (verifiableSQL), the certificate found by licence identifier.
func (db *DB) VerifiablePlanForTest(ctx context.Context) (string, error) {
	return db.sqlitePlan(ctx, verifiableSQL(byLicence), "x")
}

// sqlitePlan is SQLite's plan of query with args, its lines joined by "; ".
func (db *DB) sqlitePlan(ctx context.Context, query string, args ...any) (string, error) {
	rows, err := db.sql.QueryContext(ctx, `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; "), rows.Err()
}

// DrawManyForTest draws n numbers of a series in a transaction of its own
// that draws ahead, as a batch chunk does (drawAhead), and rolls back when
// abort is set.
func (db *DB) DrawManyForTest(ctx context.Context, series string, n int, abort bool) ([]int64, error) {
	var vs []int64
	err := db.transact(ctx, audit.System(), func(tx *Tx) error {
		tx.drawsMany = true
		vs = nil
		for range n {
			v, err := tx.nextSeq(ctx, series)
			if err != nil {
				return err
			}
			vs = append(vs, v)
		}
		if abort {
			return errAbort
		}
		return nil
	})
	return vs, err
}

// DrawHoldingForTest draws a number of a series in a transaction of its
// own, sends it on drawn, and commits only when release is closed.
func (db *DB) DrawHoldingForTest(ctx context.Context, series string, drawn chan<- int64, release <-chan struct{}) error {
	return db.transact(ctx, audit.System(), func(tx *Tx) error {
		v, err := tx.nextSeq(ctx, series)
		if err != nil {
			return err
		}
		drawn <- v
		<-release
		return nil
	})
}

// AuditListCappedForTest is AuditList counting only up to limit events,
// so that a test reaches the cap with a few.
func (db *DB) AuditListCappedForTest(ctx context.Context, f access.Filter, q AuditQuery, limit int) (Listed[audit.Event], error) {
	return db.auditList(ctx, f, q, limit)
}

// IsAbort reports the error DrawForTest returns when told to abort.
func IsAbort(err error) bool { return errors.Is(err, errAbort) }

// HoldWriterForTest occupies the SQLite writer with an empty transaction
// until release is called, so that a test can queue transactions that the
// writer must then take as one group. On PostgreSQL it holds nothing.
func (db *DB) HoldWriterForTest() (release func()) {
	if db.writer == nil {
		return func() {}
	}
	started, held := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.transact(context.Background(), audit.System(), func(*Tx) error {
			close(started)
			<-held
			return nil
		})
	}()
	<-started
	return func() {
		close(held)
		<-done
	}
}

// QueuedForTest reports how many transactions wait for the SQLite writer
// (0 on PostgreSQL).
func (db *DB) QueuedForTest() int {
	if db.writer == nil {
		return 0
	}
	return len(db.writer.in)
}

// PanicForTest runs a transaction that draws a number of series and then
// panics, as a bug in a transaction's code would.
func (db *DB) PanicForTest(ctx context.Context, series string) error {
	return db.transact(ctx, audit.System(), func(tx *Tx) error {
		if _, err := tx.nextSeq(ctx, series); err != nil {
			return err
		}
		panic("a transaction panics on purpose")
	})
}

// BreakForTest runs a transaction that draws a number of series, ends the
// engine's transaction under the store (as SQLite itself does on an I/O
// error or a full disk), and fails.
func (db *DB) BreakForTest(ctx context.Context, series string) error {
	return db.transact(ctx, audit.System(), func(tx *Tx) error {
		if _, err := tx.nextSeq(ctx, series); err != nil {
			return err
		}
		if _, err := tx.tx.ExecContext(ctx, `ROLLBACK`); err != nil {
			return err
		}
		return errAbort
	})
}

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

// TakeForTest takes the applications in one transaction of its own, each
// as the batch takes one (its services queued with reserved ids) where
// batch says so, else as the counter does, and commits.
func (db *DB) TakeForTest(ctx context.Context, actor audit.Actor, cal *calendar.Calendar, ins []ApplicationInput, batch []bool) ([]registry.Application, error) {
	var out []registry.Application
	err := db.transact(ctx, actor, func(tx *Tx) error {
		out = nil
		for i, in := range ins {
			a, err := tx.createApplication(ctx, cal, in, batch[i])
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// SaveTakenForTest takes an application as the batch does (its services
// queued) in a transaction of its own, lets a statement naming services
// run first when settle says so (writing them), then moves each service
// to approved by the system as a step does (saveService), and commits.
func (db *DB) SaveTakenForTest(ctx context.Context, actor audit.Actor, cal *calendar.Calendar, in ApplicationInput, settle bool) (registry.Application, error) {
	var a registry.Application
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		if a, err = tx.createApplication(ctx, cal, in, true); err != nil {
			return err
		}
		if settle {
			var n int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM services WHERE application_id = $1`, a.ID).Scan(&n); err != nil {
				return err
			}
			if n != len(a.Services) {
				return fmt.Errorf("a statement naming services saw %d of the %d queued", n, len(a.Services))
			}
		}
		for i := range a.Services {
			s := &a.Services[i]
			s.State, s.AutoReview = registry.Approved, true
			if err := tx.saveService(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	return a, err
}

// PipedReads is what PipedReadsForTest saw.
type PipedReads struct {
	Value   int64 // the series' value as the first read saw it
	Count   int64 // the series named so, as the second read counted them
	Rows    int   // rows the reads' functions were given
	Trips   int   // round trips the reads took (statements, on SQLite)
	Pending int   // statements still queued after the reads
}

// PipedReadsForTest runs, in one transaction that it rolls back, a write
// queued behind a series' row (its value set to 2, its check wanting
// want rows), then two reads of the series in one readAll: the second
// reads table second (a table that does not exist makes it fail), and
// panics in its row function when panicking is set.
func (db *DB) PipedReadsForTest(ctx context.Context, series string, want int64, second string, panicking bool) (PipedReads, error) {
	var out PipedReads
	err := db.transact(ctx, audit.System(), func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO sequences (name, value) VALUES ($1, 1)`, series); err != nil {
			return err
		}
		if err := tx.execPiped(ctx, `UPDATE sequences SET value = 2 WHERE name = $1`, func(n int64) error {
			if n != want {
				return fmt.Errorf("updated %d rows, want %d", n, want)
			}
			return nil
		}, series); err != nil {
			return err
		}
		trips := tx.trips
		err := readAll(ctx, tx.q(),
			pipedRead{q: `SELECT value FROM sequences WHERE name = $1`, args: []any{series}, row: func(r rowScanner) error {
				out.Rows++
				return r.Scan(&out.Value)
			}},
			pipedRead{q: `SELECT COUNT(*) FROM ` + second + ` WHERE name = $1`, args: []any{series}, row: func(r rowScanner) error {
				out.Rows++
				if panicking {
					panic("a row function failed")
				}
				return r.Scan(&out.Count)
			}})
		out.Trips, out.Pending = tx.trips-trips, len(tx.pipe)
		if err != nil {
			return err
		}
		return errAbort
	})
	if errors.Is(err, errAbort) {
		err = nil
	}
	return out, err
}

// RecordTwiceForTest records, in one transaction and past the rules, the
// first registration of unit twice, each with a 不动产权证书 number of
// jurisdiction: the second reaches the unique index that keeps one first
// registration a unit (on PostgreSQL queued, its failure seen at the
// commit's flush).
func (db *DB) RecordTwiceForTest(ctx context.Context, unit int64, jurisdiction string) error {
	return db.transact(ctx, audit.System(), func(tx *Tx) error {
		for range 2 {
			if _, err := tx.record(ctx, registry.Entry{UnitID: unit, Kind: registry.Ownership, RegType: registry.RegFirst,
				RightType: registry.RightOwnership}, jurisdiction, code.Title); err != nil {
				return err
			}
		}
		return nil
	})
}

package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// A transaction on PostgreSQL pipelines the statements whose results it
// does not read (writes, and a unit's row lock): execPiped queues a
// statement, and the queue goes to the server
// in one round trip (a pgx batch on the transaction's connection) just
// before the transaction's next statement that is not queued, or at the
// end of its flush, before the commit. A filing's last writes — its
// proofs due, materials, the contract's row, the register holders, the
// outbox with its deliveries, the building's version and the audit head —
// so cost the server one wait for the client instead of one each, which
// on two cores is as much of its time as the statements' own work.
//
// Order is kept: every statement of the transaction, queued or not, runs
// in the order the code issues it. What changes is when a queued
// statement's failure is seen: at the next statement or the flush, which
// fail with it (it sticks in Tx.unsettled, as a failure to write queued
// rows does), so the transaction cannot commit without it. Only a
// statement whose caller does nothing with its failure but return it may
// be queued, or one whose failure means something to the caller that a
// function can say from the error alone (execPipedFailing: a unique index
// reached is a conflict). On SQLite, which has no round trips, execPiped runs the
// statement at once.
//
// Reads that do not depend on one another's rows go the same way
// (readAll): the queued writes and the reads leave in one batch, and each
// read's rows are handed to its function in order. A read sent alone so
// still takes the writes queued before it along (a unit's lock with the
// unit).

// pipedStmt is a queued statement and the check its count of rows must
// pass (nil: any count).
type pipedStmt struct {
	q     string
	args  []any
	check func(rows int64) error
	fail  func(err error) error // what the statement's own failure means to the caller (nil: itself)
}

// execPiped runs q now (SQLite) or queues it for the next round trip
// (PostgreSQL), after writing the rows queued for the tables it names;
// check, if not nil, is given the statement's count of rows and its
// failure is the statement's.
func (tx *Tx) execPiped(ctx context.Context, q string, check func(rows int64) error, args ...any) error {
	return tx.execPipedFailing(ctx, q, check, nil, args...)
}

// execPipedFailing is execPiped with what the statement's failure on the
// server means to the caller (a unique index reached: a conflict to
// explain), which fail makes of it.
func (tx *Tx) execPipedFailing(ctx context.Context, q string, check func(rows int64) error, fail func(error) error, args ...any) error {
	if tx.conn == nil {
		res, err := tx.exec(ctx, q, args...)
		if err != nil && fail != nil {
			err = fail(err)
		}
		if err != nil || check == nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		return check(n)
	}
	if err := tx.settleQueued(ctx, q); err != nil {
		return err
	}
	tx.stmts++
	countStatement(ctx, true)
	tx.pipe = append(tx.pipe, pipedStmt{q, args, check, fail})
	return nil
}

// drain sends the queued statements in one round trip and reads their
// results in order, then runs their checks. The first failure sticks
// (Tx.unsettled): PostgreSQL has failed the transaction, and the
// statements after it with it. It is called only while the transaction is
// open (from its statements and its flush): on the connection itself, a
// pipeline after the commit would run outside any transaction.
func (tx *Tx) drain(ctx context.Context) error {
	return tx.roundTrip(ctx, nil)
}

// pipedRead is a query sent with others in one round trip (readAll) and
// what reads each of its rows.
type pipedRead struct {
	q    string
	args []any
	row  func(r rowScanner) error
}

// readAll runs the reads in order, calling each one's row for every row
// it returns. In a transaction on PostgreSQL the statements queued so far
// and the reads go to the server together, in one round trip: a loader
// whose queries do not depend on one another's rows (the one status
// loader's permit, lock, contract and register book of a unit) costs one
// wait for the server instead of one each. Elsewhere the reads run one
// after another.
func readAll(ctx context.Context, q querier, reads ...pipedRead) error {
	if t, ok := q.(txQuerier); ok && t.tx.conn != nil {
		return t.tx.readPiped(ctx, reads)
	}
	for _, r := range reads {
		if err := readRows(ctx, q, r); err != nil {
			return err
		}
	}
	return nil
}

// firstRow is a read whose first row scan reads (as QueryRow would): found
// says afterwards whether there was one.
func firstRow(q string, args []any, found *bool, scan func(r rowScanner) error) pipedRead {
	return pipedRead{q: q, args: args, row: func(r rowScanner) error {
		if *found {
			return nil
		}
		*found = true
		return scan(r)
	}}
}

// readRows runs one read on q.
func readRows(ctx context.Context, q rawQuerier, r pipedRead) error {
	rows, err := q.QueryContext(ctx, r.q, r.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := r.row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// readPiped writes the rows queued for the tables the reads name, then
// sends the queued statements and the reads in one round trip.
func (tx *Tx) readPiped(ctx context.Context, reads []pipedRead) error {
	for _, r := range reads {
		if err := tx.settleQueued(ctx, r.q); err != nil {
			return err
		}
		tx.stmts++
		countStatement(ctx, true)
	}
	return tx.roundTrip(ctx, reads)
}

// roundTrip sends the queued statements, then the reads, in one pgx
// batch, and reads the results in order: the statements' counts (their
// checks run after, as drain says) and each read's rows. Every failure
// sticks (Tx.unsettled), a read's as a queued statement's: a read that
// failed on the server has failed the transaction, and one whose row
// function failed must not let it commit either, whatever its caller does
// with the error.
func (tx *Tx) roundTrip(ctx context.Context, reads []pipedRead) error {
	if tx.unsettled != nil || (len(tx.pipe) == 0 && len(reads) == 0) {
		return tx.unsettled
	}
	pipe := tx.pipe
	tx.pipe = nil
	tx.trips++
	rows := make([]int64, 0, len(pipe))
	var readErr error
	var panicked any
	// Only the driver and the reads' row functions run inside Raw; a row
	// function that panics is recovered there, the batch closed, and the
	// panic raised again once the connection is released: a panic inside
	// would leave the connection waiting for this transaction to end.
	err := tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("pipelined statements need a pgx connection, not %T", dc)
		}
		b := &pgx.Batch{}
		for _, s := range pipe {
			b.Queue(s.q, s.args...)
		}
		for _, r := range reads {
			b.Queue(r.q, r.args...)
		}
		res := c.Conn().SendBatch(tx.ctx(ctx), b)
		for range pipe {
			tag, err := res.Exec()
			if err != nil {
				res.Close()
				return err
			}
			rows = append(rows, tag.RowsAffected())
		}
		for _, r := range reads {
			if readErr = readBatched(res, r, &panicked); readErr != nil {
				break
			}
		}
		return res.Close()
	})
	if panicked != nil {
		tx.unsettled = fmt.Errorf("a read's row function panicked: %v", panicked)
		panic(panicked)
	}
	// The statement that failed: the first without a count of rows, or
	// the first whose check refused its count. When every queued
	// statement ran, a failure of the round trip is a read's.
	failed, pipeErr := len(rows), err
	if len(rows) == len(pipe) {
		pipeErr = nil
	}
	for i, n := range rows {
		if pipeErr != nil {
			break
		}
		if pipe[i].check != nil {
			if pipeErr = pipe[i].check(n); pipeErr != nil {
				failed = i
			}
		}
	}
	if pipeErr != nil {
		failed = min(failed, len(pipe)-1)
		if failed == len(rows) && pipe[failed].fail != nil { // the server's failure, not a check's
			pipeErr = pipe[failed].fail(pipeErr)
		}
		which := fmt.Sprintf("pipelined statement %d of %d (%s)", failed+1, len(pipe), head(pipe[failed].q))
		if len(rows) == 0 && len(reads) > 0 {
			// pgx prepares the batch's new statements before it runs
			// any: a read that cannot be prepared fails them all.
			which += fmt.Sprintf(", or a read sent with it (%s)", head(reads[0].q))
		}
		tx.unsettled = fmt.Errorf("%s: %w", which, pipeErr)
		return tx.unsettled
	}
	if err := cmp.Or(readErr, err); err != nil {
		tx.unsettled = err
		return err
	}
	return nil
}

// readBatched reads the next result of a batch as read r's rows.
func readBatched(res pgx.BatchResults, r pipedRead, panicked *any) (err error) {
	rs, err := res.Query()
	if err != nil {
		return err
	}
	defer rs.Close()
	defer func() {
		if v := recover(); v != nil {
			*panicked, err = v, fmt.Errorf("read %s: panic: %v", head(r.q), v)
		}
	}()
	for rs.Next() {
		if err := r.row(rs); err != nil {
			return err
		}
	}
	return rs.Err()
}

// head is the start of statement q, to name it in an error.
func head(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > 60 {
		return q[:60] + "…"
	}
	return q
}

// beginPiped begins a transaction on a connection of its own, whose
// statements execPiped may pipeline (PostgreSQL); end returns the
// connection to the pool once the transaction has ended.
func (db *DB) beginPiped(ctx context.Context) (tx *sql.Tx, conn *sql.Conn, end func(), err error) {
	if db.engine != Postgres {
		tx, err = db.sql.BeginTx(ctx, nil)
		return tx, nil, func() {}, err
	}
	if conn, err = db.sql.Conn(ctx); err != nil {
		return nil, nil, nil, err
	}
	if tx, err = conn.BeginTx(ctx, nil); err != nil {
		conn.Close()
		return nil, nil, nil, err
	}
	return tx, conn, func() { conn.Close() }, nil
}

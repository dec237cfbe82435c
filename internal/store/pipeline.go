package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// A transaction on PostgreSQL pipelines the writes whose results it does
// not read: execPiped queues a statement, and the queue goes to the server
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
// be queued. On SQLite, which has no round trips, execPiped runs the
// statement at once.

// pipedStmt is a queued statement and the check its count of rows must
// pass (nil: any count).
type pipedStmt struct {
	q     string
	args  []any
	check func(rows int64) error
}

// execPiped runs q now (SQLite) or queues it for the next round trip
// (PostgreSQL), after writing the rows queued for the tables it names;
// check, if not nil, is given the statement's count of rows and its
// failure is the statement's.
func (tx *Tx) execPiped(ctx context.Context, q string, check func(rows int64) error, args ...any) error {
	if tx.conn == nil {
		res, err := tx.exec(ctx, q, args...)
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
	tx.pipe = append(tx.pipe, pipedStmt{q, args, check})
	return nil
}

// drain sends the queued statements in one round trip and reads their
// results in order, then runs their checks. The first failure sticks
// (Tx.unsettled): PostgreSQL has failed the transaction, and the
// statements after it with it. It is called only while the transaction is
// open (from its statements and its flush): on the connection itself, a
// pipeline after the commit would run outside any transaction.
func (tx *Tx) drain(ctx context.Context) error {
	if tx.unsettled != nil || len(tx.pipe) == 0 {
		return tx.unsettled
	}
	pipe := tx.pipe
	tx.pipe = nil
	tx.trips++
	// Only the driver runs inside Raw: a check that panicked there would
	// leave the connection waiting for this transaction to end.
	rows := make([]int64, 0, len(pipe))
	err := tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("pipelined statements need a pgx connection, not %T", dc)
		}
		b := &pgx.Batch{}
		for _, s := range pipe {
			b.Queue(s.q, s.args...)
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
		return res.Close()
	})
	// The statement that failed: the first without a count of rows, or
	// the first whose check refused its count.
	failed := len(rows)
	for i, n := range rows {
		if err != nil {
			break
		}
		if pipe[i].check != nil {
			if err = pipe[i].check(n); err != nil {
				failed = i
			}
		}
	}
	if err != nil {
		failed = min(failed, len(pipe)-1)
		tx.unsettled = fmt.Errorf("pipelined statement %d of %d (%s): %w", failed+1, len(pipe), head(pipe[failed].q), err)
	}
	return tx.unsettled
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

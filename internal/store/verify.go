package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"handover/internal/audit"
)

// snapshot runs fn in a read-only transaction that sees the database at one
// moment: a deferred transaction on SQLite (its first read fixes the
// snapshot, and in WAL mode writers carry on meanwhile), REPEATABLE READ on
// PostgreSQL. A verification reads many statements; without one snapshot a
// commit between two of them would look like a change to the trail.
func (db *DB) snapshot(ctx context.Context, fn func(q querier) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.engine == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.sql.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(countedQuerier{tx, db})
}

// TrailCheck is what a check of a database found at one moment: the
// audit trail walked against its lane heads, and the register book held
// against the trail. Every entry of the book is written with its
// register.* audit event in one transaction (store.record), so an entry
// without its event, or an event whose entry is gone, means the book was
// changed outside the platform or a copy of it is torn.
type TrailCheck struct {
	Audit           *audit.Verifier
	RegisterEntries int64
	// Unaudited lists the first entries (at most maxListed, by id) that
	// have no audit event; Unrecorded counts register events naming an
	// entry the book does not hold.
	Unaudited  []int64
	Unrecorded int64
}

// maxListed bounds the entries a verification names: the first ones are
// what an administrator looks at; the count of the rest is in the trail.
const maxListed = 10

// OK reports whether the trail is intact and the book agrees with it.
func (v TrailCheck) OK() bool {
	_, broken := v.Audit.First()
	return !broken && len(v.Unaudited) == 0 && v.Unrecorded == 0
}

// Head is the trail's digest in hex (audit.Verifier.Digest): equal heads
// mean equal trails.
func (v TrailCheck) Head() string { return audit.Hex(v.Audit.Digest()) }

// Problem describes what is wrong in Chinese, or "" when OK.
func (v TrailCheck) Problem() string {
	var ps []string
	if b, broken := v.Audit.First(); broken {
		ps = append(ps, fmt.Sprintf("审计链被篡改：%d 条链断裂，第一处：%s", v.Audit.Breaks(), b))
	}
	if len(v.Unaudited) > 0 {
		ps = append(ps, fmt.Sprintf("登记簿记载 %v 没有对应的审计事件", v.Unaudited))
	}
	if v.Unrecorded > 0 {
		ps = append(ps, fmt.Sprintf("%d 条登簿审计事件所记的登记簿记载已不存在", v.Unrecorded))
	}
	return strings.Join(ps, "；")
}

// CheckTrail checks the audit trail and the register book against it in one
// snapshot of the database; what it finds is in the TrailCheck (an error
// means the database could not be read).
func (db *DB) CheckTrail(ctx context.Context) (TrailCheck, error) {
	var v TrailCheck
	err := db.snapshot(ctx, func(q querier) error {
		var err error
		if v.Audit, err = verifyAudit(ctx, q); err != nil {
			return err
		}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM register_entries`).Scan(&v.RegisterEntries); err != nil {
			return fmt.Errorf("count register entries: %w", err)
		}
		if v.Unaudited, err = unauditedEntries(ctx, q); err != nil {
			return err
		}
		// The record id of a register event is the entry's id as text
		// (Tx.Audit); both engines cast such text back to the integer.
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events a
			WHERE a.record_type = 'register_entry' AND a.action LIKE 'register.%'
			AND NOT EXISTS (SELECT 1 FROM register_entries e WHERE e.id = CAST(a.record_id AS BIGINT))`).Scan(&v.Unrecorded)
		if err != nil {
			return fmt.Errorf("register events without their entry: %w", err)
		}
		return nil
	})
	return v, err
}

// unauditedEntries returns the first register entries without their
// register.* audit event.
func unauditedEntries(ctx context.Context, q querier) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT e.id FROM register_entries e
		WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.record_type = 'register_entry'
			AND a.record_id = CAST(e.id AS TEXT) AND a.action LIKE 'register.%')
		ORDER BY e.id LIMIT $1`, maxListed)
	if err != nil {
		return nil, fmt.Errorf("register entries without their audit event: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check and returns its
// answer: "ok", or the problems it lists (at most 100), one a line. It
// reads every page, so it is for a backup or a stopped server, not the
// request path. PostgreSQL has no such statement (pg_amcheck checks it
// from outside); there it is an error to ask.
func (db *DB) IntegrityCheck(ctx context.Context) (string, error) {
	if db.engine == Postgres {
		return "", fmt.Errorf("store.IntegrityCheck: SQLite only")
	}
	rows, err := db.sql.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", err
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "\n"), rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"handover/internal/audit"
)

// setting returns the newest value of a jurisdiction's setting, or def.
func setting(ctx context.Context, q querier, jurisdiction, key, def string) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE jurisdiction = $1 AND key = $2 ORDER BY id DESC LIMIT 1`,
		jurisdiction, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return def, nil
	}
	return v, err
}

// Setting returns the newest value of a jurisdiction's setting, or def.
func (db *DB) Setting(ctx context.Context, jurisdiction, key, def string) (string, error) {
	return setting(ctx, db.r(), jurisdiction, key, def)
}

// PutSetting records a new value of a jurisdiction's setting; earlier
// values stay on record.
func (db *DB) PutSetting(ctx context.Context, actor audit.Actor, jurisdiction, key, value string) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		old, err := setting(ctx, tx.q(), jurisdiction, key, "")
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO settings (jurisdiction, key, value, set_by, set_at) VALUES ($1, $2, $3, $4, $5)`,
			jurisdiction, key, value, actor.UserID, tx.now); err != nil {
			return err
		}
		tx.Audit("setting.put", "setting", jurisdiction+"/"+key, map[string]string{"before": old, "after": value})
		return nil
	})
}

// nextSeq advances a numbering series by one inside the transaction and
// returns the new value. The row lock (SQLite's write lock) serialises
// issuers; a rolled-back transaction rolls the number back, so numbers are
// never reused and have no gaps.
func (tx *Tx) nextSeq(ctx context.Context, name string) (int64, error) {
	if _, err := tx.exec(ctx, `INSERT INTO sequences (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING`, name); err != nil {
		return 0, err
	}
	var v int64
	if err := tx.queryRow(ctx, `UPDATE sequences SET value = value + 1 WHERE name = $1 RETURNING value`, name).Scan(&v); err != nil {
		return 0, fmt.Errorf("sequence %s: %w", name, err)
	}
	return v, nil
}

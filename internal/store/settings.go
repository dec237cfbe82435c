package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"handover/internal/access"
	"handover/internal/audit"
)

// setting returns the newest value of a jurisdiction's setting, or def.
func setting(ctx context.Context, q querier, jurisdiction, key, def string) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, settingSQL("$1", "$2"), jurisdiction, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return def, nil
	}
	return v, err
}

// settingSQL selects the newest value of a jurisdiction's setting, given
// the parameters of the jurisdiction and the key (no row: unset).
func settingSQL(jurisdiction, key string) string {
	return `SELECT value FROM settings WHERE jurisdiction = ` + jurisdiction + ` AND key = ` + key + ` ORDER BY id DESC LIMIT 1`
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

// PutSettings stores several settings of a jurisdiction in one
// transaction, each only when it changes, for whoever may manage the
// jurisdiction's settings.
func (db *DB) PutSettings(ctx context.Context, actor audit.Actor, jurisdiction string, values map[string]string) error {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return db.transact(ctx, actor, func(tx *Tx) error {
		if err := decide(ctx, access.SettingsManage, access.Target{Jurisdiction: jurisdiction}); err != nil {
			return err
		}
		for _, key := range keys {
			old, err := setting(ctx, tx.q(), jurisdiction, key, "")
			if err != nil {
				return err
			}
			if old == values[key] {
				continue
			}
			if _, err := tx.exec(ctx, `INSERT INTO settings (jurisdiction, key, value, set_by, set_at) VALUES ($1, $2, $3, $4, $5)`,
				jurisdiction, key, values[key], actor.UserID, tx.now); err != nil {
				return err
			}
			tx.Audit("setting.put", "setting", jurisdiction+"/"+key, map[string]string{"before": old, "after": values[key]})
		}
		return nil
	})
}

// numberBlock is how many numbers a series hands to its pool at a time.
const numberBlock = 32

// nextSeq draws the next number of a numbering series (contract numbers,
// permit numbers, 不动产权证书号 and 不动产登记证明号) inside the
// transaction. Numbers are never reused and, at rest, leave no gaps: a
// series' counter (sequences) hands out blocks of numbers to a pool
// (number_pool), and a transaction takes the smallest free number of the
// pool by deleting it. A rolled-back transaction puts its number back (its
// delete is undone) and the number is the next one drawn. Concurrent
// PostgreSQL transactions take different numbers without waiting on each
// other (SKIP LOCKED): only a refill of the pool touches the counter's row.
// Numbers may therefore be committed slightly out of order, and a number
// put back leaves a hole only until the series' next draw takes it: the
// numbers issued and the numbers pooled are always exactly 1…n.
func (tx *Tx) nextSeq(ctx context.Context, name string) (int64, error) {
	if v, ok, err := tx.drawPooled(ctx, name); err != nil || ok {
		return v, err
	}
	// The pool looked empty. Another transaction may be refilling it right
	// now (its pooled numbers are not visible until it commits): wait for
	// the counter's row, then look again before advancing the counter, so
	// that two refills racing do not leave a block pooled behind the
	// numbers drawn.
	if err := tx.holdSeq(ctx, name); err != nil {
		return 0, err
	}
	if v, ok, err := tx.drawPooled(ctx, name); err != nil || ok {
		return v, err
	}
	// The pool is empty (or every free number is taken by a transaction in
	// flight): advance the counter by a block, keep the first number and
	// pool the rest.
	var top int64
	if err := tx.queryRow(ctx, `UPDATE sequences SET value = value + $2 WHERE name = $1 RETURNING value`, name, numberBlock).Scan(&top); err != nil {
		return 0, fmt.Errorf("sequence %s: %w", name, err)
	}
	first := top - numberBlock + 1
	var b strings.Builder
	args := []any{name}
	b.WriteString(`INSERT INTO number_pool (series, value) VALUES `)
	for i := int64(1); i < numberBlock; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		args = append(args, first+i)
		fmt.Fprintf(&b, "($1, $%d)", len(args))
	}
	if _, err := tx.exec(ctx, b.String(), args...); err != nil {
		return 0, fmt.Errorf("sequence %s: %w", name, err)
	}
	return first, nil
}

// holdSeq takes a series' counter row until commit, creating the series if
// it is new: the lock nextSeq waits for before it refills the pool. A
// transaction that will draw numbers while it holds rows other writers
// wait for takes it first, so that it never waits for the counter while
// holding them (IssueProofs).
func (tx *Tx) holdSeq(ctx context.Context, name string) error {
	if _, err := tx.exec(ctx, `INSERT INTO sequences (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING`, name); err != nil {
		return fmt.Errorf("sequence %s: %w", name, err)
	}
	var cur int64
	if err := tx.queryRow(ctx, `SELECT value FROM sequences WHERE name = $1`+tx.db.forUpdate(), name).Scan(&cur); err != nil {
		return fmt.Errorf("sequence %s: %w", name, err)
	}
	return nil
}

// drawPooled takes the smallest pooled number no other transaction holds.
func (tx *Tx) drawPooled(ctx context.Context, name string) (int64, bool, error) {
	var v int64
	err := tx.queryRow(ctx, `DELETE FROM number_pool WHERE series = $1 AND value = (SELECT value FROM number_pool
		WHERE series = $1 ORDER BY value LIMIT 1`+tx.db.skipLocked()+`) RETURNING value`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("sequence %s: %w", name, err)
	}
	return v, true, nil
}

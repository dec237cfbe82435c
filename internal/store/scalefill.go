package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
)

// maxFillParams bounds the bind parameters of one multi-row INSERT. Both
// engines would take far more (SQLite 32,766; PostgreSQL 65,535); a
// thousand save PostgreSQL all but one round trip in thirty, and keep
// SQLite's parse of a statement short.
const maxFillParams = 1000

// InsertRows writes rows (each a value per column of cols) into table with
// multi-row INSERT statements, as many rows a statement as the parameter
// limit allows, and hands each row the statement returns (returning, e.g.
// "id, unit_id"; "" for none) to scan. It is for the synthetic data of
// benchmarks and scaled demos, inside DB.Synthetic (or a transaction of
// its own on db's database): a round trip per statement instead of per
// row. The order of the returned rows is the engine's, so returning should
// name what identifies a row.
func (db *DB) InsertRows(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any, returning string, scan func(*sql.Rows) error) error {
	if len(cols) == 0 {
		return fmt.Errorf("InsertRows %s: no columns", table)
	}
	per := max(1, maxFillParams/len(cols))
	for len(rows) > 0 {
		n := min(per, len(rows))
		if err := insertChunk(ctx, db.engine, tx, table, cols, rows[:n], returning, scan); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// insertChunk is one multi-row INSERT of InsertRows, its values written
// by valuesText.
func insertChunk(ctx context.Context, engine Engine, tx *sql.Tx, table string, cols []string, rows [][]any, returning string, scan func(*sql.Rows) error) error {
	args := make([]any, 0, len(rows)*len(cols))
	for i, row := range rows {
		if len(row) != len(cols) {
			return fmt.Errorf("InsertRows %s: row %d has %d values for %d columns", table, i, len(row), len(cols))
		}
		args = append(args, row...)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
	valuesText(&b, engine, len(rows), len(cols))
	if returning == "" {
		_, err := tx.ExecContext(ctx, b.String(), args...)
		return err
	}
	b.WriteString(" RETURNING " + returning)
	res, err := tx.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return err
	}
	defer res.Close()
	for res.Next() {
		if err := scan(res); err != nil {
			return err
		}
	}
	return res.Err()
}

// SyntheticDSN is dsn for the handles that build synthetic data (demo
// --scale, benchmark fixtures) through the platform's own paths: on
// PostgreSQL their commits do not wait for the WAL to reach the disk
// (synchronous_commit=off, this session only), so that a million units of
// single-row transactions are not a million fsyncs; a crash may lose the
// last commits, never consistency, and the load is rerun. A SQLite dsn is
// returned as is (its commits cost CPU here more than the sync).
func SyntheticDSN(dsn string) string {
	if !IsPostgresURL(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	return u.String()
}

// Analyze has PostgreSQL gather the statistics of every table, as after a
// bulk load (demo --scale writes a million flats in minutes): until
// autovacuum's next pass the planner would guess a handful of rows for
// tables of hundreds of thousands, and the dashboard's plans with them.
// SQLite plans without statistics, and keeps doing so: nothing to do.
func (db *DB) Analyze(ctx context.Context) error {
	if db.engine != Postgres {
		return nil
	}
	_, err := db.sql.ExecContext(ctx, `ANALYZE`)
	return err
}

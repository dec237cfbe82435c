package store

import (
	"context"
	"database/sql"
	"strconv"
	"time"
)

// Operations is what operators watch of the background work, read at once
// for a metrics scrape: each figure from an index or a small table, never
// from the register or the audit trail.
type Operations struct {
	Jobs       []JobQueue
	Deliveries []DeliveryCount
	Alerts     map[string]int // open alerts by kind
	Batches    []BatchProgress
	Pool       sql.DBStats
	Retries    Retries
}

// JobQueue is the unfinished jobs of one kind.
type JobQueue struct {
	Kind    string
	Waiting int           // unfinished, due or not
	Due     int           // due now and not leased
	Running int           // leased by a worker
	Oldest  time.Duration // how long the oldest of the Due jobs has waited (0: none)
}

// DeliveryCount is how many deliveries to one partner's endpoint are in
// one state: pending (failing when attempted before), or dead.
type DeliveryCount struct {
	Endpoint int64 // names are not unique: the id tells two endpoints apart
	Partner  string
	State    string // pending, failing or dead
	Count    int
}

// BatchProgress is a handover batch that runs or is paused.
type BatchProgress struct {
	Event                int64
	State                string
	Total, Done, Blocked int
}

// Operations reads the operators' figures as of now.
func (db *DB) Operations(ctx context.Context) (Operations, error) {
	now := db.Now()
	ops := Operations{Pool: db.sql.Stats(), Retries: db.Retries()}
	q := db.r()
	err := eachRow(ctx, q, `SELECT kind, COUNT(*), COALESCE(SUM(CASE WHEN run_at <= $1 AND (leased_until IS NULL OR leased_until <= $1) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN leased_until > $1 THEN 1 ELSE 0 END), 0) FROM jobs WHERE done_at IS NULL GROUP BY kind ORDER BY kind`, []any{now},
		func(rows *sql.Rows) error {
			var j JobQueue
			if err := rows.Scan(&j.Kind, &j.Waiting, &j.Due, &j.Running); err != nil {
				return err
			}
			ops.Jobs = append(ops.Jobs, j)
			return nil
		})
	if err != nil {
		return ops, err
	}
	for i, j := range ops.Jobs {
		if j.Due == 0 {
			continue
		}
		var oldest time.Time
		// ORDER BY, not MIN: SQLite's MIN answers a timestamp as text.
		if err := q.QueryRowContext(ctx, `SELECT run_at FROM jobs WHERE done_at IS NULL AND kind = $1 AND run_at <= $2
			AND (leased_until IS NULL OR leased_until <= $2) ORDER BY run_at LIMIT 1`,
			j.Kind, now).Scan(&oldest); err != nil && err != sql.ErrNoRows {
			return ops, err
		}
		if !oldest.IsZero() {
			ops.Jobs[i].Oldest = now.Sub(oldest)
		}
	}
	err = eachRow(ctx, q, `SELECT e.id, e.name, CASE WHEN d.state = 'pending' AND d.attempts > 0 THEN 'failing' ELSE d.state END, COUNT(*)
		FROM deliveries d JOIN partner_endpoints e ON e.id = d.endpoint_id WHERE d.state IN ('pending', 'dead')
		GROUP BY e.id, e.name, CASE WHEN d.state = 'pending' AND d.attempts > 0 THEN 'failing' ELSE d.state END ORDER BY 1, 3`, nil,
		func(rows *sql.Rows) error {
			var d DeliveryCount
			if err := rows.Scan(&d.Endpoint, &d.Partner, &d.State, &d.Count); err != nil {
				return err
			}
			ops.Deliveries = append(ops.Deliveries, d)
			return nil
		})
	if err != nil {
		return ops, err
	}
	if ops.Alerts, err = countBy(ctx, q, `SELECT kind, COUNT(*) FROM alerts WHERE resolved_at IS NULL GROUP BY kind`); err != nil {
		return ops, err
	}
	err = eachRow(ctx, q, `SELECT id, state, total, done, blocked FROM handover_events WHERE state IN ('running', 'paused') ORDER BY id`, nil,
		func(rows *sql.Rows) error {
			var b BatchProgress
			if err := rows.Scan(&b.Event, &b.State, &b.Total, &b.Done, &b.Blocked); err != nil {
				return err
			}
			ops.Batches = append(ops.Batches, b)
			return nil
		})
	return ops, err
}

// eachRow runs query and calls fn on each of its rows.
func eachRow(ctx context.Context, q querier, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Retention: finished jobs and acknowledged deliveries are bookkeeping,
// not record (the audit trail and the register book keep what happened,
// and are never purged). Without a limit the worker's periodic jobs alone
// leave some 33,000 rows a day.
// A pair of account and address that last failed more than
// LoginSourceRetention ago, and is not locked, starts afresh.
const (
	JobRetention         = 7 * 24 * time.Hour
	DeliveryRetention    = 30 * 24 * time.Hour
	LoginSourceRetention = 24 * time.Hour
	purgeBatch           = 5000
)

// Purged counts what PurgeFinished deleted.
type Purged struct {
	Jobs, Deliveries, Events, LoginSources int64
}

// Total is the number of rows deleted.
func (p Purged) Total() int64 { return p.Jobs + p.Deliveries + p.Events + p.LoginSources }

// PurgeFinished deletes jobs finished more than JobRetention ago,
// deliveries acknowledged more than DeliveryRetention ago, and outbox
// events of that age left with no delivery (none pending, failing or dead
// remains of them), and the login failure counts of pairs that last failed
// more than LoginSourceRetention ago and are not locked, in batches of
// purgeBatch rows, each its own transaction. It returns how many rows of
// each it deleted.
func (db *DB) PurgeFinished(ctx context.Context) (Purged, error) {
	now := db.Now()
	var p Purged
	steps := []struct {
		n     *int64
		query string
		arg   time.Time
	}{
		{&p.Jobs, `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE done_at IS NOT NULL AND done_at < $1 ORDER BY id LIMIT ` + strconv.Itoa(purgeBatch) + `)`,
			now.Add(-JobRetention)},
		{&p.Deliveries, `DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE state = 'delivered' AND delivered_at < $1 ORDER BY id LIMIT ` +
			strconv.Itoa(purgeBatch) + `)`, now.Add(-DeliveryRetention)},
		{&p.Events, `DELETE FROM outbox WHERE id IN (SELECT o.id FROM outbox o WHERE o.created_at < $1
			AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.outbox_id = o.id) ORDER BY o.id LIMIT ` + strconv.Itoa(purgeBatch) + `)`, now.Add(-DeliveryRetention)},
		// A row of one pair at a time: the table's key is the pair.
		{&p.LoginSources, `DELETE FROM login_sources WHERE (locked_until IS NULL OR locked_until < $1)
			AND (last_failed_at IS NULL OR last_failed_at < $1)`, now.Add(-LoginSourceRetention)},
	}
	for _, st := range steps {
		for {
			res, err := db.execWrite(ctx, st.query, st.arg.UTC())
			if err != nil {
				return p, err
			}
			n, _ := res.RowsAffected()
			*st.n += n
			if n < purgeBatch || ctx.Err() != nil {
				break
			}
		}
	}
	return p, ctx.Err()
}

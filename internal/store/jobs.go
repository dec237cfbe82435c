package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"handover/internal/audit"
)

// Job is one unit of background work.
type Job struct {
	ID       int64
	Kind     string
	Payload  string
	RunAt    time.Time
	Attempts int
	// Lease names this claim: the worker's name and the attempt. The
	// heartbeat, the completion and the retry act only while the job's
	// lease still bears it, so a worker that claims a job again after its
	// own lease ran out cannot have the first run go on as if it held it.
	Lease string
}

// enqueueJob adds a job inside a transaction; with a dedupe key, a job
// with the same key still pending makes this a no-op.
func (tx *Tx) enqueueJob(ctx context.Context, kind, payload string, runAt time.Time, dedupe string) error {
	q := `INSERT INTO jobs (kind, payload, run_at, dedupe_key) VALUES ($1, $2, $3, $4)`
	if dedupe != "" {
		q += ` ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND done_at IS NULL DO NOTHING`
	}
	_, err := tx.exec(ctx, q, kind, payload, runAt.UTC(), nullIfEmpty(dedupe))
	return err
}

// EnsureJob schedules a job of kind at runAt unless one with the same
// dedupe key is pending (periodic housekeeping).
func (db *DB) EnsureJob(ctx context.Context, kind string, runAt time.Time, dedupe string) error {
	_, err := db.execWrite(ctx, `INSERT INTO jobs (kind, payload, run_at, dedupe_key) VALUES ($1, '{}', $2, $3)
		ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND done_at IS NULL DO NOTHING`, kind, runAt.UTC(), dedupe)
	return err
}

// HurryJob brings the pending job of the dedupe key forward to at, unless a
// worker holds it. It reports whether a job will now run at or before at
// that no worker has started yet — so that it will see whatever was
// committed before this call. False means the job is running (or absent):
// ask again after it.
func (db *DB) HurryJob(ctx context.Context, dedupe string, at time.Time) (bool, error) {
	n, err := db.execWriteN(ctx, `UPDATE jobs SET run_at = $1 WHERE dedupe_key = $2 AND done_at IS NULL
		AND (leased_until IS NULL OR leased_until < $1) AND run_at > $1`, at.UTC(), dedupe)
	if err != nil || n == 1 {
		return n == 1, err
	}
	var due int
	err = db.r().QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE dedupe_key = $1 AND done_at IS NULL AND run_at <= $2
		AND (leased_until IS NULL OR leased_until < $2)`, dedupe, at.UTC()).Scan(&due)
	return due > 0, err
}

// DueJobs counts the jobs due now and not leased, by kind: a read, so that
// a worker polling an idle queue writes nothing.
func (db *DB) DueJobs(ctx context.Context) (map[string]int, error) {
	now := db.Now()
	return countBy(ctx, db.r(), `SELECT kind, COUNT(*) FROM jobs WHERE done_at IS NULL AND run_at <= $1
		AND (leased_until IS NULL OR leased_until < $1) GROUP BY kind`, now)
}

// ClaimJobs leases up to n due jobs of the given kinds to owner for lease,
// each claim named by owner and its attempt (Job.Lease); a job whose lease
// expired (its worker crashed, its heartbeat stopped) is claimed again.
func (db *DB) ClaimJobs(ctx context.Context, kinds []string, n int, lease time.Duration, owner string) ([]Job, error) {
	if len(kinds) == 0 || n <= 0 {
		return nil, nil
	}
	now := db.Now()
	args := []any{now, now.Add(lease), n, owner}
	var ph []string
	for _, k := range kinds {
		args = append(args, k)
		ph = append(ph, fmt.Sprintf("$%d", len(args)))
	}
	skip := ""
	if db.engine == Postgres {
		skip = " FOR UPDATE SKIP LOCKED"
	}
	var jobs []Job
	err := db.transact(ctx, audit.System(), func(tx *Tx) error {
		rows, err := tx.query(ctx, `UPDATE jobs SET leased_until = $2, lease_owner = CAST($4 AS TEXT) || '#' || CAST(attempts + 1 AS TEXT), attempts = attempts + 1
			WHERE id IN (SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $1
				AND (leased_until IS NULL OR leased_until < $1) AND kind IN (`+strings.Join(ph, ",")+`)
				ORDER BY run_at, id LIMIT $3`+skip+`)
			RETURNING id, kind, payload, run_at, attempts, lease_owner`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		jobs = jobs[:0]
		for rows.Next() {
			var j Job
			if err := rows.Scan(&j.ID, &j.Kind, &j.Payload, &j.RunAt, &j.Attempts, &j.Lease); err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		return rows.Err()
	})
	return jobs, err
}

// ExtendJob is a running job's heartbeat: it moves the lease to until
// while the claim named lease (Job.Lease) still holds it, and reports
// whether it does. A false answer
// means the lease expired and another worker may have the job: the
// holder must stop.
func (db *DB) ExtendJob(ctx context.Context, id int64, lease string, until time.Time) (bool, error) {
	n, err := db.execWriteN(ctx, `UPDATE jobs SET leased_until = $1 WHERE id = $2 AND lease_owner = $3 AND done_at IS NULL`,
		until.UTC(), id, lease)
	return n == 1, err
}

// CompleteJob marks a job done, if the claim named lease still holds it.
func (db *DB) CompleteJob(ctx context.Context, id int64, lease string) error {
	_, err := db.execWrite(ctx, `UPDATE jobs SET done_at = $1, leased_until = NULL, last_error = '' WHERE id = $2 AND lease_owner = $3`,
		db.Now(), id, lease)
	return err
}

// RetryJob records a failure and schedules the job again at runAt, if the
// claim named lease still holds it.
func (db *DB) RetryJob(ctx context.Context, id int64, lease string, runAt time.Time, errText string) error {
	_, err := db.execWrite(ctx, `UPDATE jobs SET run_at = $1, leased_until = NULL, last_error = $2 WHERE id = $3 AND lease_owner = $4`,
		runAt.UTC(), truncate(errText, 2000), id, lease)
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// PendingJobs counts jobs not done, by kind (for health pages).
func (db *DB) PendingJobs(ctx context.Context) (map[string]int, error) {
	return countBy(ctx, db.r(), `SELECT kind, COUNT(*) FROM jobs WHERE done_at IS NULL GROUP BY kind`)
}

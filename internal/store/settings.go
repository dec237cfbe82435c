package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/problem"
)

// setting returns the value of a jurisdiction's setting in force on the
// querier's day, or def: the newest value whose effective date has come.
func setting(ctx context.Context, q querier, jurisdiction, key, def string) (string, error) {
	return settingOn(ctx, q, q.day().String(), jurisdiction, key, def)
}

// settingOn returns the value of a jurisdiction's setting in force on day
// (YYYY-MM-DD), or def.
func settingOn(ctx context.Context, q querier, day, jurisdiction, key, def string) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, settingSQL("$1", "$2", "$3"), jurisdiction, key, day).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) || err == nil && v == "" {
		// An empty value is unset: a withdrawn first change leaves one
		// (CancelScheduledSetting), and no setting means "" otherwise.
		return def, nil
	}
	return v, err
}

// settingSQL selects the value of a jurisdiction's setting in force on a
// day, given the parameters of the jurisdiction, the key and the day (no
// row: unset). A change scheduled for a later day is not yet in force.
func settingSQL(jurisdiction, key, day string) string {
	return `SELECT value FROM settings WHERE jurisdiction = ` + jurisdiction + ` AND key = ` + key + ` AND effective_on <= ` + day +
		` ORDER BY effective_on DESC, id DESC LIMIT 1`
}

// Setting returns the value of a jurisdiction's setting in force today, or def.
func (db *DB) Setting(ctx context.Context, jurisdiction, key, def string) (string, error) {
	return setting(ctx, db.r(), jurisdiction, key, def)
}

// PutSetting records a new value of a jurisdiction's setting, in force at
// once; earlier values stay on record.
func (db *DB) PutSetting(ctx context.Context, actor audit.Actor, jurisdiction, key, value string) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		return tx.putSetting(ctx, jurisdiction, key, value, SettingChange{})
	})
}

// SettingChange is when a change of settings takes effect and why.
type SettingChange struct {
	EffectiveOn calendar.Date // the first day in force; zero: today
	Reason      string
}

// check validates a change on the store's day: an effective date not in
// the past (a past day's rules were applied as they stood), and a reason
// when required.
func (c SettingChange) check(today calendar.Date, needReason bool) error {
	var f problem.Fields
	if !c.EffectiveOn.IsZero() && c.EffectiveOn.Before(today) {
		f.Add("effective_on", "生效日期不能早于今天："+today.String()+"以前的办件已按当时的配置办理")
	}
	if needReason && strings.TrimSpace(c.Reason) == "" {
		f.Add("reason", "请填写修改理由（如依据的文件）")
	}
	return f.Err("setting.invalid", "配置修改有误")
}

// putSetting stores key's new value from the change's day, when it differs
// from the value in force that day, and audits it with the day and why.
func (tx *Tx) putSetting(ctx context.Context, jurisdiction, key, value string, c SettingChange) error {
	day := calendar.DateOf(tx.now).String()
	if !c.EffectiveOn.IsZero() {
		day = c.EffectiveOn.String()
	}
	old, err := settingOn(ctx, tx.q(), day, jurisdiction, key, "")
	if err != nil || old == value {
		return err
	}
	reason := strings.TrimSpace(c.Reason)
	if _, err := tx.exec(ctx, `INSERT INTO settings (jurisdiction, key, value, set_by, set_at, effective_on, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		jurisdiction, key, value, tx.actor.UserID, tx.now, day, reason); err != nil {
		return err
	}
	summary := map[string]string{"before": old, "after": value, "effective_on": day}
	if reason != "" {
		summary["reason"] = reason
	}
	tx.Audit("setting.put", "setting", jurisdiction+"/"+key, summary)
	return nil
}

// ScheduledSetting is a change of a setting not yet in force.
type ScheduledSetting struct {
	Key, Value, Reason string
	EffectiveOn        string
	SetBy              string
	SetAt              time.Time
}

// ScheduledSettings lists a jurisdiction's changes that take effect after
// today, soonest first: for each setting and day the change that will
// stand (the last made), unless it leaves the value as the day before
// would have it (a change withdrawn, CancelScheduledSetting).
func (db *DB) ScheduledSettings(ctx context.Context, jurisdiction string) ([]ScheduledSetting, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT s.key, s.value, s.reason, s.effective_on, COALESCE(u.name, ''), s.set_at FROM settings s
		LEFT JOIN users u ON u.id = s.set_by WHERE s.jurisdiction = $1 AND s.effective_on > $2
		AND s.id = (SELECT MAX(x.id) FROM settings x WHERE x.jurisdiction = s.jurisdiction AND x.key = s.key AND x.effective_on = s.effective_on)
		ORDER BY s.effective_on, s.id`, jurisdiction, calendar.DateOf(db.Now()).String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []ScheduledSetting
	for rows.Next() {
		var x ScheduledSetting
		if err := rows.Scan(&x.Key, &x.Value, &x.Reason, &x.EffectiveOn, &x.SetBy, &x.SetAt); err != nil {
			return nil, err
		}
		all = append(all, x)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []ScheduledSetting
	for _, x := range all {
		before, err := db.settingBefore(ctx, jurisdiction, x.Key, x.EffectiveOn)
		if err != nil {
			return nil, err
		}
		if before != x.Value {
			out = append(out, x)
		}
	}
	return out, nil
}

// settingBefore is the value of a setting in force the day before day.
func (db *DB) settingBefore(ctx context.Context, jurisdiction, key, day string) (string, error) {
	d, err := calendar.ParseDate(day)
	if err != nil {
		return "", err
	}
	return settingOn(ctx, db.r(), d.AddDays(-1).String(), jurisdiction, key, "")
}

// CancelScheduledSetting withdraws a change not yet in force: it records,
// for the same day, the value that would have stood without it, with the
// reason (the table is append-only, so the withdrawal is a change too, and
// audited).
func (db *DB) CancelScheduledSetting(ctx context.Context, actor audit.Actor, jurisdiction, key string, day calendar.Date, reason string) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		if err := decide(ctx, access.SettingsManage, access.Target{Jurisdiction: jurisdiction}); err != nil {
			return err
		}
		c := SettingChange{EffectiveOn: day, Reason: reason}
		if err := c.check(calendar.DateOf(tx.now), true); err != nil {
			return err
		}
		if !day.After(calendar.DateOf(tx.now)) {
			return problem.New(problem.Conflict, "setting.in_force", "该修改已生效，不能撤销；如需恢复，请以新的修改办理")
		}
		before, err := settingOn(ctx, tx.q(), day.AddDays(-1).String(), jurisdiction, key, "")
		if err != nil {
			return err
		}
		c.Reason = "撤销" + day.String() + "起生效的修改：" + strings.TrimSpace(reason)
		return tx.putSetting(ctx, jurisdiction, key, before, c)
	})
}

// PutSettings stores several settings of a jurisdiction in one
// transaction, each only when it differs from the value in force on the
// change's day, for whoever may manage the jurisdiction's settings. A
// change through the settings page says why and may be scheduled for a
// later day; the values in force until then do not move, and cases that
// began before keep what was fixed when they began (due dates, assessed
// amounts are stored with the case).
func (db *DB) PutSettings(ctx context.Context, actor audit.Actor, jurisdiction string, values map[string]string, c SettingChange) error {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return db.transact(ctx, actor, func(tx *Tx) error {
		if err := decide(ctx, access.SettingsManage, access.Target{Jurisdiction: jurisdiction}); err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil // nothing changes: no reason to give
		}
		if err := c.check(calendar.DateOf(tx.now), true); err != nil {
			return err
		}
		for _, key := range keys {
			if err := tx.putSetting(ctx, jurisdiction, key, values[key], c); err != nil {
				return err
			}
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

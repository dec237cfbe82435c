package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/guide"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/supervision"
	"handover/internal/tax"
)

// setting returns the value of a jurisdiction's setting in force on the
// querier's day, or def: the newest value whose effective date has come.
func setting(ctx context.Context, q querier, jurisdiction, key, def string) (string, error) {
	return settingOn(ctx, q, q.day().String(), jurisdiction, key, def)
}

// settingOn returns the value of a jurisdiction's setting in force on day
// (YYYY-MM-DD): the county's own, else the prefecture's (the prefecture
// sets the defaults of its counties), else def.
func settingOn(ctx context.Context, q querier, day, jurisdiction, key, def string) (string, error) {
	var v sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT `+settingSQL("$1", "$2", "$3"), jurisdiction, key, day).Scan(&v); err != nil {
		return "", err
	}
	if !v.Valid {
		return def, nil
	}
	return v.String, nil
}

// ownSettingOn is the value a jurisdiction itself set, in force on day,
// or "" when it set none.
func ownSettingOn(ctx context.Context, q querier, day, jurisdiction, key string) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, ownSettingSQL("$1", "$2", "$3"), jurisdiction, key, day).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// settingSQL is an expression for the value of a setting in force on a
// day, given the parameters of the jurisdiction, the key and the day: the
// jurisdiction's own, else the prefecture's, else NULL. An empty stored
// value is unset: a withdrawn first change leaves one
// (CancelScheduledSetting), and so does a county that returns to the
// prefecture's value.
func settingSQL(jurisdiction, key, day string) string {
	return `COALESCE(NULLIF((` + ownSettingSQL(jurisdiction, key, day) + `), ''), NULLIF((` +
		ownSettingSQL(`'`+identity.PrefectureCode+`'`, key, day) + `), ''))`
}

// ownSettingSQL selects the value a jurisdiction set that is in force on
// a day (no row: it set none). A change scheduled for a later day is not
// yet in force.
func ownSettingSQL(jurisdiction, key, day string) string {
	return settingRowSQL("value", jurisdiction, key, day)
}

// settingRowSQL selects columns of the row of a jurisdiction's setting in
// force on a day.
func settingRowSQL(columns, jurisdiction, key, day string) string {
	return `SELECT ` + columns + ` FROM settings WHERE jurisdiction = ` + jurisdiction + ` AND key = ` + key + ` AND effective_on <= ` + day +
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
		if err := checkSettings(jurisdiction, map[string]string{key: value}); err != nil {
			return err
		}
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

// putSetting stores key's new value from the change's day, when it
// changes what the jurisdiction itself holds that day, and audits it with
// the day and why. A county's value is its own even when it equals the
// prefecture's (a later change of the prefecture's does not reach it); an
// empty value unsets it, and the county follows the prefecture again.
func (tx *Tx) putSetting(ctx context.Context, jurisdiction, key, value string, c SettingChange) error {
	day := calendar.DateOf(tx.now).String()
	if !c.EffectiveOn.IsZero() {
		day = c.EffectiveOn.String()
	}
	return tx.storeSetting(ctx, jurisdiction, key, day, value, c.Reason)
}

// storeSetting records stored as the jurisdiction's own value of key from
// day, unless it already holds it that day, and audits the value in force
// before and after.
func (tx *Tx) storeSetting(ctx context.Context, jurisdiction, key, day, stored, reason string) error {
	own, err := ownSettingOn(ctx, tx.q(), day, jurisdiction, key)
	if err != nil || stored == own {
		return err
	}
	before, err := settingOn(ctx, tx.q(), day, jurisdiction, key, "")
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if _, err := tx.exec(ctx, `INSERT INTO settings (jurisdiction, key, value, set_by, set_at, effective_on, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		jurisdiction, key, stored, tx.actor.UserID, tx.now, day, reason); err != nil {
		return err
	}
	after, err := settingOn(ctx, tx.q(), day, jurisdiction, key, "")
	if err != nil {
		return err
	}
	summary := map[string]string{"before": before, "after": after, "effective_on": day}
	if stored == "" && jurisdiction != identity.PrefectureCode {
		summary["follows"] = identity.PrefectureCode
	}
	if reason != "" {
		summary["reason"] = reason
	}
	tx.Audit("setting.put", "setting", jurisdiction+"/"+key, summary)
	return nil
}

// RuleSettings are the values of the rules that a jurisdiction sets
// besides the restriction list's effects, the alert thresholds and the
// registration policy: each declared by the domain package whose rule
// reads it. PutSettings refuses a value its Check refuses.
func RuleSettings() []guide.Setting {
	out := slices.Concat(completion.Settings(), presale.Settings(), handover.Settings(), tax.Settings())
	return append(out, guide.Setting{Key: SettingMaxAttempts, Group: "数据交换", Label: "推送失败多少次后停止重试（转人工重放）", Unit: "次",
		Default: strconv.Itoa(DefaultMaxAttempts), Hint: "1–1000；按退避间隔，16次约为两天", Prefecture: true,
		Basis: "运行管理：对接单位长时间不可达时由管理员处理",
		Check: func(v string) error {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n < 1 || n > 1000 {
				return problem.Newf(problem.Invalid, SettingMaxAttempts, "重试次数应为1–1000的整数，实为“%s”", v)
			}
			return nil
		}})
}

// checkSettings refuses, field by field, values the rules cannot read (the
// rules' settings, the alert thresholds, the registration policy) and
// settings the jurisdiction may not set (one the prefecture alone sets).
func checkSettings(jurisdiction string, values map[string]string) error {
	var f problem.Fields
	for _, rs := range RuleSettings() {
		v, ok := values[rs.Key]
		if !ok {
			continue
		}
		if rs.Prefecture && jurisdiction != identity.PrefectureCode {
			f.Add(rs.Key, "该项由州统一配置，县市不单独设置")
			continue
		}
		if strings.TrimSpace(v) == "" {
			continue
		}
		if err := rs.Check(v); err != nil {
			f.Add(rs.Key, problem.As(err).Message)
		}
	}
	thresholds := map[string]string{}
	for _, t := range supervision.ThresholdSettings {
		if v, ok := values[t.Key]; ok {
			thresholds[t.Key] = v
		}
	}
	if _, err := supervision.ParseThresholds(thresholds); err != nil {
		for k, m := range problem.As(err).Fields {
			f.Add(k, m)
		}
	}
	policy := map[string]string{}
	for _, k := range registry.PolicySettings {
		if v, ok := values[k]; ok {
			policy[k] = v
		}
	}
	if _, err := registry.ParsePolicy(policy); err != nil {
		for k, m := range problem.As(err).Fields {
			f.Add(k, m)
		}
	}
	return f.Err("setting.invalid", "配置修改有误")
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

// settingBefore is the value a jurisdiction itself set in force the day
// before day.
func (db *DB) settingBefore(ctx context.Context, jurisdiction, key, day string) (string, error) {
	d, err := calendar.ParseDate(day)
	if err != nil {
		return "", err
	}
	return ownSettingOn(ctx, db.r(), d.AddDays(-1).String(), jurisdiction, key)
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
		before, err := ownSettingOn(ctx, tx.q(), day.AddDays(-1).String(), jurisdiction, key)
		if err != nil {
			return err
		}
		return tx.storeSetting(ctx, jurisdiction, key, day.String(), before, "撤销"+day.String()+"起生效的修改："+strings.TrimSpace(reason))
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
		if err := checkSettings(jurisdiction, values); err != nil {
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

// numberBlock is how many numbers a series hands to its pool at a time. A
// refill holds the series' concurrent drawers until it commits (nextSeq):
// with 32, eight concurrent filings on PostgreSQL spent an eighth of their
// time waiting for refills; with 256, a fortieth. Numbers pooled and not
// yet drawn cost nothing: they are the next ones drawn.
const numberBlock = 256

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
// numbers issued and the numbers pooled are always exactly 1…n. A
// transaction that draws many (a batch chunk) draws ahead (drawAhead).
//
// The extra reads run once, with the draw from the pool (readAll: in one
// round trip on PostgreSQL), or alone when the number was drawn ahead.
func (tx *Tx) nextSeq(ctx context.Context, name string, extra ...pipedRead) (int64, error) {
	if v, ok, err := tx.drawAhead(ctx, name); err != nil || ok {
		if err == nil && len(extra) > 0 {
			err = readAll(ctx, tx.q(), extra...)
		}
		return v, err
	}
	if v, ok, err := tx.drawPooled(ctx, name, extra...); err != nil || ok {
		return v, err
	}
	// The pool looked empty. Another transaction may be refilling it right
	// now (its pooled numbers are not visible until it commits): wait for
	// it, and look again.
	if err := tx.awaitRefill(ctx, name); err != nil {
		return 0, err
	}
	if v, ok, err := tx.drawPooled(ctx, name); err != nil || ok {
		return v, err
	}
	// Still empty: take the counter's row until commit, and look once more
	// before advancing it, so that two refills racing do not leave a block
	// pooled behind the numbers drawn.
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

// awaitRefill waits until no other transaction holds a series' counter
// row, that is until a refill of its pool in flight has committed, and
// holds nothing afterwards (PostgreSQL). The row is locked in a savepoint
// rolled back at once, which releases the lock: were it held until
// commit, as holdSeq holds it, each transaction that found the pool empty
// during a refill would wait in turn for the whole of the one before it,
// and a refill would line up every concurrent drawer behind it (P5 in
// docs/benchmarks.md). SQLite has one writer: its pool is never being
// refilled by another transaction.
func (tx *Tx) awaitRefill(ctx context.Context, name string) error {
	if tx.db.engine != Postgres {
		return nil
	}
	// What the transaction queued is sent first: written inside the
	// savepoint, it would be rolled back with it, and a queued row lock
	// (lockUnits) released.
	if err := tx.settle(ctx, ""); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `SAVEPOINT await_refill`); err != nil {
		return err
	}
	var cur int64
	err := tx.queryRow(ctx, `SELECT value FROM sequences WHERE name = $1 FOR UPDATE`, name).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		// A new series, perhaps being created by a transaction in flight:
		// holdSeq waits for that one, and holds the row.
		err = nil
	}
	if err != nil {
		return fmt.Errorf("sequence %s: %w", name, err)
	}
	_, err = tx.exec(ctx, `ROLLBACK TO SAVEPOINT await_refill`)
	if err == nil {
		_, err = tx.exec(ctx, `RELEASE SAVEPOINT await_refill`)
	}
	return err
}

// aheadBlock is how many numbers a transaction that draws many (a batch
// chunk, Tx.drawsMany) takes from a series' pool in one statement.
const aheadBlock = 32

// drawAhead draws for a transaction that draws many numbers (a batch
// chunk): the smallest free numbers of the pool, aheadBlock at a time,
// handed out in order; putBackAhead returns those not handed out before
// the commit. Alone, it issues the numbers one-by-one draws would have
// issued. Beside other drawers (PostgreSQL), it holds up to aheadBlock-1
// numbers of a series it has not used until its commit, so they draw the
// numbers after them meanwhile, as they do after the numbers it has used;
// the pool keeps its contract (issued plus pooled is exactly 1…n).
func (tx *Tx) drawAhead(ctx context.Context, name string) (int64, bool, error) {
	if !tx.drawsMany {
		return 0, false, nil
	}
	if ahead := tx.known.ahead[name]; len(ahead) > 0 {
		tx.known.ahead[name] = ahead[1:]
		return ahead[0], true, nil
	}
	drawn, err := int64s(ctx, tx.q(), `DELETE FROM number_pool WHERE series = $1 AND value IN (SELECT value FROM number_pool
		WHERE series = $1 ORDER BY value LIMIT $2`+tx.db.skipLocked()+`) RETURNING value`, name, aheadBlock)
	if err != nil {
		return 0, false, fmt.Errorf("sequence %s: %w", name, err)
	}
	if len(drawn) == 0 {
		return 0, false, nil // the pool is empty: nextSeq refills it
	}
	slices.Sort(drawn)
	if tx.known.ahead == nil {
		tx.known.ahead = map[string][]int64{}
	}
	tx.known.ahead[name] = drawn[1:]
	return drawn[0], true, nil
}

// putBackAhead returns to the pools the numbers drawAhead took and did not
// hand out, before the commit: they are the next ones drawn.
func (tx *Tx) putBackAhead(ctx context.Context) error {
	var rows [][]any
	for _, name := range slices.Sorted(maps.Keys(tx.known.ahead)) {
		for _, v := range tx.known.ahead[name] {
			rows = append(rows, []any{name, v})
		}
	}
	tx.known.ahead = nil
	if len(rows) == 0 {
		return nil
	}
	return tx.insertValues(ctx, "number_pool", "series, value", "", rows)
}

// drawPooled takes the smallest pooled number no other transaction holds.
func (tx *Tx) drawPooled(ctx context.Context, name string, extra ...pipedRead) (int64, bool, error) {
	var v int64
	found := false
	err := readAll(ctx, tx.q(), append([]pipedRead{firstRow(`DELETE FROM number_pool WHERE series = $1 AND value = (SELECT value FROM number_pool
		WHERE series = $1 ORDER BY value LIMIT 1`+tx.db.skipLocked()+`) RETURNING value`, []any{name}, &found, func(r rowScanner) error {
		return r.Scan(&v)
	})}, extra...)...)
	if err != nil {
		return 0, false, fmt.Errorf("sequence %s: %w", name, err)
	}
	return v, found, nil
}

// Source is where the value of a setting in force comes from.
type Source string

const (
	SourceOwn        Source = "own"        // the jurisdiction set it
	SourcePrefecture Source = "prefecture" // the county follows the prefecture's
	SourceDefault    Source = "default"    // nobody set it: the rule's default
)

// RuleInForce is a rule's value in force in a jurisdiction today.
type RuleInForce struct {
	guide.Setting
	Value  string // the value in force; the default when nobody set it
	Source Source
	Since  string // the day it took effect; "" for the default
}

// Shown is the value in force in the guide's words.
func (r RuleInForce) Shown() string { return r.Setting.Value(r.Value) }

// RulesInForce lists every rule setting (RuleSettings) of a jurisdiction
// as in force today, with where its value comes from and since when: what
// the service guide and the settings page show.
func (db *DB) RulesInForce(ctx context.Context, jurisdiction string) ([]RuleInForce, error) {
	day := calendar.DateOf(db.Now()).String()
	var out []RuleInForce
	for _, rs := range RuleSettings() {
		r := RuleInForce{Setting: rs, Value: rs.Default, Source: SourceDefault}
		for _, j := range []string{jurisdiction, identity.PrefectureCode} {
			var v, since string
			err := db.r().QueryRowContext(ctx, settingRowSQL("value, effective_on", "$1", "$2", "$3"), j, rs.Key, day).Scan(&v, &since)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, err
			}
			if v != "" {
				r.Value, r.Since, r.Source = v, since, SourceOwn
				if j != jurisdiction {
					r.Source = SourcePrefecture
				}
				break
			}
			if j == identity.PrefectureCode {
				break
			}
		}
		out = append(out, r)
	}
	return out, nil
}

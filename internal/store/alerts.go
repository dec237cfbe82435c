package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/supervision"
)

// ---- the inbox

const alertColumns = `a.id, a.kind, a.severity, a.state, a.jurisdiction, a.project_id, a.unit_id, a.org_id, COALESCE(o.name, ''), a.subject, a.message,
	a.link, a.assignee, COALESCE(u.name, ''), a.occurrences, a.raised_at, a.last_seen_at, a.resolved_at`

const alertFrom = ` FROM alerts a LEFT JOIN organisations o ON o.id = a.org_id LEFT JOIN users u ON u.id = a.assignee`

func scanAlert(r interface{ Scan(...any) error }) (supervision.Alert, error) {
	var a supervision.Alert
	var seen, resolved sql.NullTime
	err := r.Scan(&a.ID, &a.Kind, &a.Severity, &a.State, &a.Jurisdiction, &a.ProjectID, &a.UnitID, &a.OrgID, &a.OrgName, &a.Subject, &a.Message,
		&a.Link, &a.Assignee, &a.AssigneeName, &a.Occurrences, &a.RaisedAt, &seen, &resolved)
	a.LastSeenAt, a.ResolvedAt = seen.Time, resolved.Time
	if a.LastSeenAt.IsZero() {
		a.LastSeenAt = a.RaisedAt
	}
	return a, err
}

// AlertQuery filters Alerts.
type AlertQuery struct {
	Filter    access.Filter // what the viewer may see: the jurisdiction's, the organisation's
	State     string        // "open" (open or acknowledged), "resolved", or "" for all
	Kind      supervision.AlertKind
	ProjectID int64
	Assignee  int64
	Limit     int // default 500
}

// Alerts lists up to q.Limit alerts (500 by default) in alertOrder, for
// the report and the evaluation's tests; pages list them with AlertList.
func (db *DB) Alerts(ctx context.Context, q AlertQuery) ([]supervision.Alert, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	scope, ok := alertScope(q.Filter, arg)
	if !ok {
		return nil, nil
	}
	if scope != "" {
		where = append(where, scope)
	}
	switch q.State {
	case "open":
		where = append(where, `a.state <> 'resolved'`)
	case "resolved":
		where = append(where, `a.state = 'resolved'`)
	}
	if q.Kind != "" {
		where = append(where, `a.kind = `+arg(string(q.Kind)))
	}
	if q.ProjectID != 0 {
		where = append(where, `a.project_id = `+arg(q.ProjectID))
	}
	if q.Assignee != 0 {
		where = append(where, `a.assignee = `+arg(q.Assignee))
	}
	text := `SELECT ` + alertColumns + alertFrom
	if len(where) > 0 {
		text += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 500
	}
	rows, err := db.r().QueryContext(ctx, text+` ORDER BY `+alertOrder+` LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []supervision.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// alertScope is the condition of the alerts f allows (ok false: none):
// its jurisdiction's, those its organisation must act on, a developer's
// own.
func alertScope(f access.Filter, arg func(any) string) (cond string, ok bool) {
	if f.All {
		return "", true
	}
	var or []string
	if f.Jurisdiction != "" {
		or = append(or, `a.jurisdiction = `+arg(f.Jurisdiction))
	}
	if f.Org != 0 {
		or = append(or, `a.org_id = `+arg(f.Org))
	}
	if f.Developer != 0 {
		or = append(or, `a.org_id = `+arg(f.Developer))
	}
	if len(or) == 0 {
		return "", false
	}
	return "(" + strings.Join(or, " OR ") + ")", true
}

// AlertListQuery asks for one page of the alerts a filter allows.
type AlertListQuery struct {
	State        string // "open" (open or acknowledged), "resolved", or "" for all
	Kind         supervision.AlertKind
	Overdue      bool   // only the kinds the dashboard counts as overdue items (supervision.OverdueKinds)
	Jurisdiction string // only this jurisdiction's (within the filter's)
	OrgID        int64  // only those this organisation must act on
	ProjectID    int64
	Assignee     int64
	// Search is part of the project's name, of the flat's room label (幢
	// and 户) or 不动产单元号 where the alert is about a flat, or of the
	// alert's text.
	Search string
	Page   Page
}

// AlertListed is a page of alerts with the severities of the whole list.
type AlertListed struct {
	Listed[supervision.Alert]
	Severities map[supervision.Severity]int
}

// alertOrder is the order a supervisor works the inbox in: the most
// severe first — an alert's severity is how near or how far past its
// deadline the matter is (critical once past, or within a day of the
// 20-day clock) — and within a severity the newest first. Alerts carry no
// due date of their own.
const alertOrder = `CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, a.id DESC`

// AlertList lists the alerts a filter allows a page at a time, in
// alertOrder, with how many of the whole list are of each severity.
func (db *DB) AlertList(ctx context.Context, f access.Filter, q AlertListQuery) (AlertListed, error) {
	out := AlertListed{Listed: Listed[supervision.Alert]{Page: q.Page.normal()}, Severities: map[supervision.Severity]int{}}
	l := db.newList()
	scope, ok := alertScope(f, l.arg)
	if !ok {
		return out, nil
	}
	if scope != "" {
		l.and(scope)
	}
	switch q.State {
	case "open":
		l.and(`a.state <> 'resolved'`)
	case "resolved":
		l.and(`a.state = 'resolved'`)
	}
	if q.Kind != "" {
		l.and(`a.kind = ` + l.arg(string(q.Kind)))
	}
	if q.Overdue {
		marks := make([]string, len(supervision.OverdueKinds))
		for i, k := range supervision.OverdueKinds {
			marks[i] = l.arg(string(k))
		}
		l.and(`a.kind IN (` + strings.Join(marks, ", ") + `)`)
	}
	if q.Jurisdiction != "" {
		l.and(`a.jurisdiction = ` + l.arg(q.Jurisdiction))
	}
	if q.OrgID != 0 {
		l.and(`a.org_id = ` + l.arg(q.OrgID))
	}
	if q.ProjectID != 0 {
		l.and(`a.project_id = ` + l.arg(q.ProjectID))
	}
	if q.Assignee != 0 {
		l.and(`a.assignee = ` + l.arg(q.Assignee))
	}
	from := `FROM alerts a`
	if strings.TrimSpace(q.Search) != "" {
		from += ` LEFT JOIN projects p ON p.id = a.project_id LEFT JOIN units un ON un.id = a.unit_id LEFT JOIN buildings bd ON bd.id = un.building_id`
		l.like(q.Search, `p.name`, `bd.name || ' ' || un.room`, `un.unit_no`, `a.message`)
	}
	// The severities of the whole list, counted where the list is.
	rows, err := db.r().QueryContext(ctx, `SELECT a.severity, COUNT(*) `+from+l.cond()+` GROUP BY a.severity`, l.args...)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var s supervision.Severity
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			rows.Close()
			return out, err
		}
		out.Severities[s] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	l.countFrom = from
	page, err := list(ctx, db.r(), q.Page, alertColumns, from+` LEFT JOIN organisations o ON o.id = a.org_id LEFT JOIN users u ON u.id = a.assignee`,
		alertOrder, l, func(r rowScanner) (supervision.Alert, error) { return scanAlert(r) })
	out.Listed = page
	return out, err
}

// Alert returns one alert and its history.
func (db *DB) Alert(ctx context.Context, id int64) (supervision.Alert, []supervision.Action, error) {
	a, err := scanAlert(db.r().QueryRowContext(ctx, `SELECT `+alertColumns+alertFrom+` WHERE a.id = $1`, id))
	if err != nil {
		return a, nil, notFound(err, "alert.not_found", "预警不存在")
	}
	rows, err := db.r().QueryContext(ctx, `SELECT action, by_user, by_name, note, assignee, at FROM alert_actions WHERE alert_id = $1 ORDER BY id`, id)
	if err != nil {
		return a, nil, err
	}
	defer rows.Close()
	var out []supervision.Action
	for rows.Next() {
		var x supervision.Action
		if err := rows.Scan(&x.Action, &x.By, &x.ByName, &x.Note, &x.Assignee, &x.At); err != nil {
			return a, nil, err
		}
		out = append(out, x)
	}
	return a, out, rows.Err()
}

// AlertTarget is the access target of an alert: its jurisdiction and the
// organisation that must act (a developer's alerts are its own).
func AlertTarget(a supervision.Alert) access.Target {
	return access.Target{Jurisdiction: a.Jurisdiction, Org: a.OrgID, Developer: a.OrgID}
}

func (tx *Tx) alertAction(ctx context.Context, id int64, action, note string, assignee int64) error {
	_, err := tx.exec(ctx, `INSERT INTO alert_actions (alert_id, action, by_user, by_name, note, assignee, at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		id, action, tx.actor.UserID, tx.actor.Name, note, assignee, tx.now)
	return err
}

// changeAlert loads the alert locked, decides access on it, lets change
// check and alter it, and writes its state, assignee and the action.
func (db *DB) changeAlert(ctx context.Context, actor audit.Actor, id int64, action, note string, change func(a *supervision.Alert) error) (supervision.Alert, error) {
	var a supervision.Alert
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		if a, err = scanAlert(tx.queryRow(ctx, `SELECT `+alertColumns+alertFrom+` WHERE a.id = $1`+db.forUpdateOf("a"), id)); err != nil {
			return notFound(err, "alert.not_found", "预警不存在")
		}
		if err := decide(ctx, access.AlertHandle, AlertTarget(a)); err != nil {
			return err
		}
		if err := change(&a); err != nil {
			return err
		}
		var resolved any
		if a.State == supervision.Resolved {
			resolved = tx.now
			a.ResolvedAt = tx.now
		}
		if _, err := tx.exec(ctx, `UPDATE alerts SET state = $1, assignee = $2, resolved_at = $3 WHERE id = $4`, string(a.State), a.Assignee, resolved, id); err != nil {
			return err
		}
		if err := tx.alertAction(ctx, id, action, note, a.Assignee); err != nil {
			return err
		}
		tx.Audit("alert."+action, "alert", id, map[string]any{"kind": a.Kind, "subject": a.Subject, "note": note, "assignee": a.Assignee})
		return nil
	})
	return a, err
}

// AcknowledgeAlert records that the organisation has seen the alert (签收).
func (db *DB) AcknowledgeAlert(ctx context.Context, actor audit.Actor, id int64) (supervision.Alert, error) {
	return db.changeAlert(ctx, actor, id, "acknowledge", "", func(a *supervision.Alert) error {
		if err := a.Acknowledge(); err != nil {
			return err
		}
		a.State = supervision.Acknowledged
		return nil
	})
}

// AssignAlert gives the alert to a user of the organisation that must act
// (or, for the prefecture, of any organisation of the alert's jurisdiction).
// The rule is supervision's Alert.AssignTo, asked on the user as found.
func (db *DB) AssignAlert(ctx context.Context, actor audit.Actor, id, user int64, note string) (supervision.Alert, error) {
	u, err := db.User(ctx, user)
	if err != nil && problem.KindOf(err) != problem.NotFound {
		return supervision.Alert{}, err
	}
	found := err == nil
	return db.changeAlert(ctx, actor, id, "assign", strings.TrimSpace(note), func(a *supervision.Alert) error {
		return a.AssignTo(user, found, u.OrgID)
	})
}

// ResolveAlert resolves the alert with a note on what was done (解除).
func (db *DB) ResolveAlert(ctx context.Context, actor audit.Actor, id int64, note string) (supervision.Alert, error) {
	note = strings.TrimSpace(note)
	return db.changeAlert(ctx, actor, id, "resolve", note, func(a *supervision.Alert) error {
		if err := a.Resolve(note); err != nil {
			return err
		}
		a.State = supervision.Resolved
		return nil
	})
}

// AssignableUsers lists the active users of an organisation, for assigning.
func (db *DB) AssignableUsers(ctx context.Context, org int64) ([]identity.User, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT id, username, name FROM users WHERE org_id = $1 AND NOT disabled ORDER BY id`, org)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.User
	for rows.Next() {
		var u identity.User
		if err := rows.Scan(&u.ID, &u.Username, &u.Name); err != nil {
			return nil, err
		}
		u.OrgID = org
		out = append(out, u)
	}
	return out, rows.Err()
}

// ---- raising, reopening and resolving from findings

// AlertRun says what one evaluation did.
type AlertRun struct {
	Found, Raised, Reopened, Resolved, Open int
}

// applyFinding raises an alert for f, reopens its resolved alert when the
// finding is newer than the resolution, or refreshes an open one.
func (tx *Tx) applyFinding(ctx context.Context, f supervision.Finding, run *AlertRun) error {
	var id int64
	var state, severity, message string
	var resolved sql.NullTime
	err := tx.queryRow(ctx, `SELECT id, state, severity, message, resolved_at FROM alerts WHERE kind = $1 AND subject = $2`+tx.db.forUpdate(),
		string(f.Kind), f.Subject).Scan(&id, &state, &severity, &message, &resolved)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if id, err = tx.insertID(ctx, `INSERT INTO alerts (kind, severity, state, jurisdiction, project_id, unit_id, org_id, subject, message, link, raised_at, last_seen_at)
			VALUES ($1, $2, 'open', $3, $4, $5, $6, $7, $8, $9, $10, $10)`, string(f.Kind), string(f.Severity), f.Jurisdiction, f.ProjectID, f.UnitID, f.OrgID,
			f.Subject, f.Message, f.Link, tx.now); err != nil {
			return err
		}
		run.Raised++
		return tx.alertAction(ctx, id, "raise", f.Message, 0)
	case err != nil:
		return err
	case state == string(supervision.Resolved):
		if !f.Reopens(resolved.Time) {
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE alerts SET state = 'open', resolved_at = NULL, occurrences = occurrences + 1, severity = $1, message = $2,
			link = $3, last_seen_at = $4 WHERE id = $5`, string(f.Severity), f.Message, f.Link, tx.now, id); err != nil {
			return err
		}
		run.Reopened++
		return tx.alertAction(ctx, id, "reopen", f.Message, 0)
	case severity != string(f.Severity) || message != f.Message:
		_, err := tx.exec(ctx, `UPDATE alerts SET severity = $1, message = $2, link = $3, last_seen_at = $4 WHERE id = $5`,
			string(f.Severity), f.Message, f.Link, tx.now, id)
		return err
	}
	return nil
}

// resolveGone resolves the standing alerts of a condition kind whose
// subject the evaluation no longer found: the cause is gone.
func (tx *Tx) resolveGone(ctx context.Context, kind supervision.AlertKind, found map[string]bool, run *AlertRun) error {
	rows, err := tx.query(ctx, `SELECT id, subject FROM alerts WHERE kind = $1 AND state <> 'resolved'`, string(kind))
	if err != nil {
		return err
	}
	var gone []int64
	for rows.Next() {
		var id int64
		var subject string
		if err := rows.Scan(&id, &subject); err != nil {
			rows.Close()
			return err
		}
		if !found[subject] {
			gone = append(gone, id)
		}
	}
	rows.Close()
	for _, id := range gone {
		if err := tx.resolveAlertBySystem(ctx, id, "原因已消除"); err != nil {
			return err
		}
		run.Resolved++
	}
	return nil
}

func (tx *Tx) resolveAlertBySystem(ctx context.Context, id int64, note string) error {
	if _, err := tx.exec(ctx, `UPDATE alerts SET state = 'resolved', resolved_at = $1 WHERE id = $2`, tx.now, id); err != nil {
		return err
	}
	return tx.alertAction(ctx, id, "auto_resolve", note, 0)
}

// resolveSubject resolves the standing alerts about subject (the cause was
// removed in this transaction, e.g. a commitment kept).
func (tx *Tx) resolveSubject(ctx context.Context, subject, note string) error {
	ids, err := int64s(ctx, tx.q(), `SELECT id FROM alerts WHERE subject = $1 AND state <> 'resolved'`, subject)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := tx.resolveAlertBySystem(ctx, id, note); err != nil {
			return err
		}
	}
	return nil
}

// raiseAlert applies one finding on its own (a rule evaluated where its
// cause happens).
func (tx *Tx) raiseAlert(ctx context.Context, f supervision.Finding) error {
	if f.At.IsZero() {
		f.At = tx.now
	}
	return tx.applyFinding(ctx, f, &AlertRun{})
}

// ---- evaluation

// alertContext holds what every rule needs: today, the calendar, the
// regions and thresholds of the jurisdictions, their registry and housing
// organisations.
type alertContext struct {
	db         *DB
	cal        *calendar.Calendar
	now        time.Time
	today      calendar.Date
	regions    map[string]string
	thresholds map[string]supervision.Thresholds
	orgs       map[string]map[identity.OrgKind]int64
	due        []dueEvent // the handovers due their rehearsal (rehearsing), read once
	dueRead    bool
}

// rehearsing lists the handovers due their rehearsal (rehearsalsDue), read
// once per evaluation: three rules ask.
func (c *alertContext) rehearsing(ctx context.Context) ([]dueEvent, error) {
	if c.dueRead {
		return c.due, nil
	}
	due, err := c.db.rehearsalsDue(ctx, c.cal)
	if err != nil {
		return nil, err
	}
	c.due, c.dueRead = due, true
	return due, nil
}

// rehearsedIn is the SQL condition that a handover unit h belongs to a
// handover due its rehearsal and not yet past its day, with its arguments
// numbered from n ("FALSE" when there is none): its flats' blockers are
// the rehearsal's alerts' to name, party by party.
func (c *alertContext) rehearsedIn(ctx context.Context, n int) (string, []any, error) {
	due, err := c.rehearsing(ctx)
	if err != nil {
		return "", nil, err
	}
	var marks []string
	var args []any
	for _, e := range due {
		if e.daysLeft < 0 {
			continue
		}
		args = append(args, e.id)
		marks = append(marks, fmt.Sprintf("$%d", n+len(args)-1))
	}
	if len(marks) == 0 {
		return "FALSE", nil, nil
	}
	return "h.event_id IN (" + strings.Join(marks, ", ") + ")", args, nil
}

func (db *DB) newAlertContext(ctx context.Context, cal *calendar.Calendar) (*alertContext, error) {
	c := &alertContext{db: db, cal: cal, now: db.Now(), today: calendar.DateOf(db.Now()), regions: map[string]string{},
		thresholds: map[string]supervision.Thresholds{}, orgs: map[string]map[identity.OrgKind]int64{}}
	rows, err := db.r().QueryContext(ctx, `SELECT code, region FROM jurisdictions`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var code, region string
		if err := rows.Scan(&code, &region); err != nil {
			rows.Close()
			return nil, err
		}
		c.regions[code] = region
	}
	rows.Close()
	orows, err := db.r().QueryContext(ctx, `SELECT id, jurisdiction, kind FROM organisations WHERE kind IN ('registry', 'housing') ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for orows.Next() {
		var id int64
		var j string
		var kind identity.OrgKind
		if err := orows.Scan(&id, &j, &kind); err != nil {
			orows.Close()
			return nil, err
		}
		if c.orgs[j] == nil {
			c.orgs[j] = map[identity.OrgKind]int64{}
		}
		if c.orgs[j][kind] == 0 {
			c.orgs[j][kind] = id
		}
	}
	orows.Close()
	for code := range c.regions {
		values := map[string]string{}
		for _, s := range supervision.ThresholdSettings {
			v, err := setting(ctx, db.r(), code, s.Key, "")
			if err != nil {
				return nil, err
			}
			values[s.Key] = v
		}
		// A bad stored value (the page refuses them) falls back to the default.
		t, _ := supervision.ParseThresholds(values)
		c.thresholds[code] = t
	}
	return c, nil
}

func (c *alertContext) th(j string) supervision.Thresholds {
	if t, ok := c.thresholds[j]; ok {
		return t
	}
	return supervision.DefaultThresholds()
}

// workdays counts the working days from today to d in j (negative: past).
func (c *alertContext) workdays(j string, d calendar.Date) (int, error) {
	n, _, err := c.cal.WorkdaysBetween(c.today, d, c.regions[j])
	return n, err
}

// alertRule gathers one kind's findings.
type alertRule struct {
	kind supervision.AlertKind
	find func(ctx context.Context, c *alertContext) ([]supervision.Finding, error)
}

func alertRules() []alertRule {
	return []alertRule{
		{supervision.DeliveryAtRisk, findDeliveryRisks},
		{supervision.RehearsalBlocked, findRehearsalBlocks},
		{supervision.ClockRunningOut, findClocks},
		{supervision.CommitmentOverdue, findCommitments},
		{supervision.AcceptanceOverdue, findLateOpinions},
		{supervision.RegistrationOverdue, findLateServices},
		{supervision.RegistrationTooFast, findFastReviews},
		{supervision.WithdrawalNoNode, findWithdrawals},
		{supervision.RepeatedRefusal, findRefusals},
		{supervision.PartnerFailing, findFailingEndpoints},
	}
}

// EvaluateAlerts runs every alert rule over the whole platform: overdue
// commitments are marked first (with their credit events), then each rule's
// findings raise, refresh or reopen alerts, and the standing alerts of a
// condition no longer found are resolved — all in one transaction.
func (db *DB) EvaluateAlerts(ctx context.Context, cal *calendar.Calendar) (AlertRun, error) {
	var run AlertRun
	if _, err := db.CheckCommitments(ctx, audit.System(), calendar.DateOf(db.Now())); err != nil {
		return run, err
	}
	c, err := db.newAlertContext(ctx, cal)
	if err != nil {
		return run, err
	}
	found := map[supervision.AlertKind][]supervision.Finding{}
	for _, r := range alertRules() {
		fs, err := r.find(ctx, c)
		if err != nil {
			return run, fmt.Errorf("alert rule %s: %w", r.kind, err)
		}
		found[r.kind] = fs
		run.Found += len(fs)
	}
	err = db.transact(ctx, audit.System(), func(tx *Tx) error {
		run = AlertRun{Found: run.Found}
		for _, r := range alertRules() {
			subjects := map[string]bool{}
			for _, f := range found[r.kind] {
				subjects[f.Subject] = true
				if err := tx.applyFinding(ctx, f, &run); err != nil {
					return err
				}
			}
			if r.kind.Condition() {
				if err := tx.resolveGone(ctx, r.kind, subjects, &run); err != nil {
					return err
				}
			}
		}
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM alerts WHERE state <> 'resolved'`).Scan(&run.Open); err != nil {
			return err
		}
		if run.Raised+run.Reopened+run.Resolved > 0 {
			tx.Audit("alert.evaluate", "alerts", 0, map[string]int{"raised": run.Raised, "reopened": run.Reopened, "resolved": run.Resolved})
		}
		return nil
	})
	return run, err
}

// findDeliveryRisks: projects whose planned delivery is near (or past)
// while the readiness view lists blockers for sold units, unless their
// handover is due its rehearsal.
func findDeliveryRisks(ctx context.Context, c *alertContext) ([]supervision.Finding, error) {
	// Projects with a sold flat whose keys are not yet handed over: once
	// every flat's are, the delivery is done (a flat blocked at its
	// handover had its keys) and nothing is left to warn of.
	ids, err := int64s(ctx, c.db.r(), `SELECT p.id FROM projects p WHERE p.planned_delivery IS NOT NULL AND p.planned_delivery <> ''
		AND p.planned_delivery <= $1 AND EXISTS (SELECT 1 FROM contracts x WHERE x.project_id = p.id AND x.state IN ('signed', 'filed')
			AND NOT EXISTS (SELECT 1 FROM handover_units h WHERE h.unit_id = x.unit_id AND h.contract_id = x.id AND h.state IN ('done', 'blocked')))
		ORDER BY p.id`, c.today.AddDays(100).String())
	if err != nil {
		return nil, err
	}
	// The flats of a handover due its rehearsal are warned of by the
	// rehearsal's alerts, one to each party with the flats waiting on it:
	// this alert, to the developer alone, would say less, twice. A project
	// with every flat left to deliver in such a handover is left to them;
	// one with any other (a building not in the handover, a contract filed
	// since) is still warned of here.
	rehearsed, args, err := c.rehearsedIn(ctx, 2)
	if err != nil {
		return nil, err
	}
	var out []supervision.Finding
	for _, id := range ids {
		var others int
		if err := c.db.r().QueryRowContext(ctx, `SELECT COUNT(*) FROM contracts x WHERE x.project_id = $1 AND x.state IN ('signed', 'filed')
			AND NOT EXISTS (SELECT 1 FROM handover_units h WHERE h.unit_id = x.unit_id AND h.contract_id = x.id
				AND (h.state IN ('done', 'blocked') OR `+rehearsed+`))`, append([]any{id}, args...)...).Scan(&others); err != nil {
			return nil, err
		}
		if others == 0 {
			continue
		}
		p, err := c.db.Project(ctx, id)
		if err != nil {
			return nil, err
		}
		left, err := c.workdays(p.Jurisdiction, p.PlannedDelivery)
		if err != nil {
			return nil, err
		}
		t := c.th(p.Jurisdiction)
		if left > t.DeliveryDays {
			continue
		}
		facts, err := c.db.readinessFacts(ctx, c.db.r(), p, allUnits(), c.today)
		if err != nil {
			return nil, err
		}
		rep := handover.Evaluate(facts, c.cal, handover.Delivery, handover.Scope{}, c.now)
		f := supervision.DeliveryFacts{ProjectID: p.ID, Name: p.Name, Jurisdiction: p.Jurisdiction, Developer: p.Developer,
			PlannedOn: p.PlannedDelivery, DaysLeft: left, Blockers: len(rep.Conditions)}
		if len(rep.Conditions) > 0 {
			f.First = rep.Conditions[0].Message
		}
		if fd, ok := supervision.DeliveryRisk(f, t, c.now); ok {
			out = append(out, fd)
		}
	}
	return out, nil
}

// clockFacts reads the filings of the last year with the sold units of
// their buildings still lacking a title certificate, each clock's due day
// in the calendar as it stands, the working days left on it, and how many
// of those units a handover planned within it will take.
func clockFacts(ctx context.Context, c *alertContext) ([]supervision.ClockFacts, error) {
	facts, err := scanAll(ctx, c.db.r(), func(r *sql.Rows, f *supervision.ClockFacts) error {
		return r.Scan(&f.FilingID, &f.ProjectID, &f.Name, &f.Jurisdiction, &f.Developer, &f.FiledOn, &f.Uncertified)
	}, `SELECT f.id, f.project_id, p.name, f.jurisdiction, p.developer_org, f.filed_on,
		(SELECT COUNT(*) FROM contracts x JOIN units u ON u.id = x.unit_id JOIN completion_filing_buildings fb ON fb.building_id = u.building_id
			WHERE fb.filing_id = f.id AND x.state = 'filed'
			AND NOT EXISTS (SELECT 1 FROM certificates z WHERE z.unit_id = x.unit_id AND `+CertifiedSQL("z")+`))
		FROM completion_filings f JOIN projects p ON p.id = f.project_id WHERE f.filed_on >= $1 ORDER BY f.id`, c.today.AddDays(-430).String())
	if err != nil {
		return nil, err
	}
	for i := range facts {
		f := &facts[i]
		if f.Due, err = clockDue(c.cal, f.FiledOn, c.regions[f.Jurisdiction]); err != nil {
			return nil, err
		}
		if f.DaysLeft, err = c.workdays(f.Jurisdiction, f.Due); err != nil {
			return nil, err
		}
		f.Registry = c.orgs[f.Jurisdiction][identity.Registry]
		if f.Uncertified == 0 || f.DaysLeft < 0 {
			continue
		}
		// The same flats, in a handover due its rehearsal (its day to
		// come) and held on or before the due day.
		rehearsed, args, err := c.rehearsedIn(ctx, 3)
		if err != nil {
			return nil, err
		}
		if err := c.db.r().QueryRowContext(ctx, `SELECT COUNT(*) FROM contracts x JOIN units u ON u.id = x.unit_id
			JOIN completion_filing_buildings fb ON fb.building_id = u.building_id
			WHERE fb.filing_id = $1 AND x.state = 'filed'
			AND NOT EXISTS (SELECT 1 FROM certificates z WHERE z.unit_id = x.unit_id AND `+CertifiedSQL("z")+`)
			AND EXISTS (SELECT 1 FROM handover_units h JOIN handover_events e ON e.id = h.event_id
				WHERE h.unit_id = x.unit_id AND h.contract_id = x.id AND e.held_on <= $2 AND `+rehearsed+`)`,
			append([]any{f.FilingID, f.Due.String()}, args...)...).Scan(&f.Scheduled); err != nil {
			return nil, err
		}
	}
	return facts, nil
}

// findClocks: filings whose 20-working-day clock is short or over while
// sold units of the filed buildings lack their title certificate.
func findClocks(ctx context.Context, c *alertContext) ([]supervision.Finding, error) {
	facts, err := clockFacts(ctx, c)
	return keep(facts, func(f supervision.ClockFacts) (supervision.Finding, bool) {
		return supervision.ClockRisk(f, c.th(f.Jurisdiction), c.now)
	}), err
}

// keep applies a rule to each fact and keeps the findings it makes.
func keep[F any](facts []F, rule func(F) (supervision.Finding, bool)) []supervision.Finding {
	var out []supervision.Finding
	for _, f := range facts {
		if fd, ok := rule(f); ok {
			out = append(out, fd)
		}
	}
	return out
}

// findCommitments: commitments found overdue and not yet kept.
func findCommitments(ctx context.Context, c *alertContext) ([]supervision.Finding, error) {
	facts, err := scanAll(ctx, c.db.r(), func(r *sql.Rows, f *supervision.CommitmentFacts) error {
		return r.Scan(&f.ID, &f.ProjectID, &f.Name, &f.Jurisdiction, &f.Developer, &f.Title, &f.DueOn)
	}, `SELECT m.id, m.project_id, p.name, p.jurisdiction, m.developer_org, m.title, m.due_on
		FROM commitments m JOIN projects p ON p.id = m.project_id WHERE m.breached_at IS NOT NULL AND m.fulfilled_at IS NULL ORDER BY m.id`)
	return keep(facts, func(f supervision.CommitmentFacts) (supervision.Finding, bool) {
		return supervision.CommitmentLate(f, c.now), true
	}), err
}

// findLateOpinions: acceptance opinions awaited past their time limit.
func findLateOpinions(ctx context.Context, c *alertContext) ([]supervision.Finding, error) {
	facts, err := scanAll(ctx, c.db.r(), func(r *sql.Rows, f *supervision.TaskFacts) error {
		err := r.Scan(&f.TaskID, &f.CaseID, &f.ProjectID, &f.Name, &f.Jurisdiction, &f.Department, &f.OrgID, &f.DueOn)
		f.Department = identity.ServiceLabel(f.Department)
		return err
	}, `SELECT t.id, t.case_id, k.project_id, p.name, k.jurisdiction, t.department, t.org_id, t.due_on
		FROM acceptance_tasks t JOIN acceptance_cases k ON k.id = t.case_id JOIN projects p ON p.id = k.project_id
		WHERE t.result = '' AND k.state = 'inspecting' AND t.round = k.round AND t.due_on < $1 ORDER BY t.id`, c.today.String())
	if err != nil {
		return nil, err
	}
	var out []supervision.Finding
	for _, f := range facts {
		left, err := c.workdays(f.Jurisdiction, f.DueOn)
		if err != nil {
			return nil, err
		}
		f.DaysLate = -left
		if fd, ok := supervision.AcceptanceLate(f, c.now); ok {
			out = append(out, fd)
		}
	}
	return out, nil
}

// findLateServices: registration services not finished by their due date
// (a service returned for correction waits on the applicant: its clock
// stands still).
func findLateServices(ctx context.Context, c *alertContext) ([]supervision.Finding, error) {
	facts, err := scanAll(ctx, c.db.r(), func(r *sql.Rows, f *supervision.ServiceFacts) error {
		var kind, state string
		err := r.Scan(&f.ServiceID, &f.ApplicationID, &f.Number, &kind, &state, &f.Jurisdiction, &f.ProjectID, &f.DueOn)
		f.Kind, f.State = registry.ServiceKind(kind).Label(), registry.ServiceState(state).Label()
		return err
	}, `SELECT s.id, s.application_id, a.number, s.kind, s.state, a.jurisdiction, a.project_id, s.due_on
		FROM services s JOIN applications a ON a.id = s.application_id
		WHERE `+onTheClock+` AND s.due_on < $1 ORDER BY s.id`, c.today.String())
	if err != nil {
		return nil, err
	}
	var out []supervision.Finding
	for _, f := range facts {
		left, err := c.workdays(f.Jurisdiction, f.DueOn)
		if err != nil {
			return nil, err
		}
		f.DaysLate, f.Registry = -left, c.orgs[f.Jurisdiction][identity.Registry]
		if fd, ok := supervision.RegistrationLate(f, c.now); ok {
			out = append(out, fd)
		}
	}
	return out, nil
}

// fastReviewWindow is how far back reviews are examined: each is found
// once (its alert is unique), so the window only bounds the work.
const fastReviewWindow = 7 * 24 * time.Hour

// findFastReviews: reviews by a person done faster than the threshold
// after the acceptance (automatic reviews are the policy's, not a person's).
func findFastReviews(ctx context.Context, c *alertContext) ([]supervision.Finding, error) {
	type review struct {
		step int64
		f    supervision.StepFacts
	}
	list, err := scanAll(ctx, c.db.r(), func(rows *sql.Rows, r *review) error {
		var kind string
		err := rows.Scan(&r.step, &r.f.ServiceID, &r.f.ApplicationID, &r.f.Number, &kind, &r.f.Jurisdiction, &r.f.ProjectID, &r.f.Reviewer, &r.f.At)
		r.f.Kind = registry.ServiceKind(kind).Label()
		return err
	}, `SELECT r.id, r.service_id, s.application_id, a.number, s.kind, a.jurisdiction, a.project_id, r.by_name, r.at
		FROM service_steps r JOIN services s ON s.id = r.service_id JOIN applications a ON a.id = s.application_id
		WHERE r.step = 'review' AND r.by_user <> 0 AND r.at >= $1 ORDER BY r.id`, c.now.Add(-fastReviewWindow))
	if err != nil {
		return nil, err
	}
	var out []supervision.Finding
	for _, r := range list {
		var accepted time.Time
		err := c.db.r().QueryRowContext(ctx, `SELECT at FROM service_steps WHERE service_id = $1 AND step = 'accept' AND id < $2 ORDER BY id DESC LIMIT 1`,
			r.f.ServiceID, r.step).Scan(&accepted)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		r.f.Seconds, r.f.Registry = r.f.At.Sub(accepted).Seconds(), c.orgs[r.f.Jurisdiction][identity.Registry]
		if fd, ok := supervision.TooFast(r.f, c.th(r.f.Jurisdiction)); ok {
			out = append(out, fd)
		}
	}
	return out, nil
}

// refusalWindow bounds the refused attempts examined (the longest
// configurable window).
const refusalWindow = 720 * time.Hour

// withdrawalAttempts reads the attempts of the last month to withdraw
// presale funds by a node the project has not reached (refused by rule).
// The refusal records the node's code; the facts carry its name in the
// project's jurisdiction, since the alert and the credit record quote it.
func withdrawalAttempts(ctx context.Context, c *alertContext) ([]supervision.WithdrawalFacts, error) {
	facts, err := scanAll(ctx, c.db.r(), func(r *sql.Rows, f *supervision.WithdrawalFacts) error {
		var detail string
		err := r.Scan(&f.ID, &f.ProjectID, &f.Name, &f.Jurisdiction, &f.Developer, &detail, &f.At)
		f.Node, f.Amount, _ = strings.Cut(detail, "|")
		return err
	}, `SELECT r.id, r.project_id, p.name, p.jurisdiction, p.developer_org, r.detail, r.at
		FROM refusals r JOIN projects p ON p.id = r.project_id
		WHERE r.action = 'fund.withdraw' AND r.rules LIKE '%fund.milestone%' AND r.at >= $1 ORDER BY r.id`, c.now.Add(-refusalWindow))
	if err != nil {
		return nil, err
	}
	nodes := map[string][]presale.Node{}
	for i := range facts {
		j := facts[i].Jurisdiction
		ns, ok := nodes[j]
		if !ok {
			if ns, err = fundNodes(ctx, c.db.r(), j); problem.KindOf(err) == problem.Invalid {
				ns, err = nil, nil // a setting no longer valid: the code is named as unconfigured
			}
			if err != nil {
				return nil, err
			}
			nodes[j] = ns
		}
		facts[i].Node = presale.NodeName(ns, facts[i].Node)
	}
	return facts, nil
}

// findWithdrawals: attempts to withdraw presale funds by a node the project
// has not reached (refused by rule, and shown to the supervisors).
func findWithdrawals(ctx context.Context, c *alertContext) ([]supervision.Finding, error) {
	facts, err := withdrawalAttempts(ctx, c)
	return keep(facts, supervision.WithdrawalWithoutNode), err
}

// findRefusals: units refused at least the threshold times in the window.
// The attempts of the longest window any jurisdiction may set are read in
// one query; each unit's are counted by its jurisdiction's thresholds.
func findRefusals(ctx context.Context, c *alertContext) ([]supervision.Finding, error) {
	units, byUnit, jur, err := refusedAttempts(ctx, c)
	if err != nil {
		return nil, err
	}
	var out []supervision.Finding
	for _, unit := range units {
		t := c.th(jur[unit])
		f := supervision.TallyRefusals(unit, byUnit[unit], t, c.now)
		if _, ok := supervision.Refusals(f, t); !ok {
			continue // the unit is not read for a count under the threshold
		}
		ref, err := unitRef(ctx, c.db.r(), `u.id = $1`, unit)
		if err != nil {
			return nil, err
		}
		f.ProjectID, f.Jurisdiction = ref.Project.ID, ref.Project.Jurisdiction
		f.Room = fmt.Sprintf("%s %d幢%s", ref.Project.Name, ref.Building.Number, ref.Unit.Room)
		f.OrgID = c.orgs[f.Jurisdiction][identity.Housing]
		if fd, ok := supervision.Refusals(f, t); ok {
			out = append(out, fd)
		}
	}
	return out, nil
}

// refusedAttempts reads the refused attempts on units within refusalWindow:
// the units in order, each one's attempts oldest first, and its
// jurisdiction.
func refusedAttempts(ctx context.Context, c *alertContext) (units []int64, byUnit map[int64][]supervision.Attempt, jur map[int64]string, err error) {
	rows, err := c.db.r().QueryContext(ctx, `SELECT r.unit_id, r.action, r.at, r.jurisdiction, r.rules FROM refusals r
		WHERE r.unit_id <> 0 AND r.at >= $1 ORDER BY r.unit_id, r.id`, c.now.Add(-refusalWindow))
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	byUnit, jur = map[int64][]supervision.Attempt{}, map[int64]string{}
	for rows.Next() {
		var unit int64
		var a supervision.Attempt
		var j, rules string
		if err := rows.Scan(&unit, &a.Action, &a.At, &j, &rules); err != nil {
			return nil, nil, nil, err
		}
		if rules != "" {
			a.Rules = strings.Split(rules, ",")
		}
		if _, ok := byUnit[unit]; !ok {
			units = append(units, unit)
		}
		byUnit[unit], jur[unit] = append(byUnit[unit], a), j
	}
	return units, byUnit, jur, rows.Err()
}

// findFailingEndpoints: partner endpoints whose oldest pending delivery
// failed repeatedly, or with deliveries given up.
func findFailingEndpoints(ctx context.Context, c *alertContext) ([]supervision.Finding, error) {
	facts, err := scanAll(ctx, c.db.r(), func(r *sql.Rows, f *supervision.EndpointFacts) error {
		return r.Scan(&f.EndpointID, &f.Name, &f.Jurisdiction, &f.OrgID, &f.Attempts, &f.Dead, &f.LastError)
	}, `SELECT e.id, e.name, COALESCE(NULLIF(e.jurisdiction, ''), o.jurisdiction), e.org_id,
		COALESCE((SELECT MAX(d.attempts) FROM deliveries d WHERE d.endpoint_id = e.id AND d.state = 'pending'), 0),
		(SELECT COUNT(*) FROM deliveries d WHERE d.endpoint_id = e.id AND d.state = 'dead'),
		COALESCE((SELECT d.last_error FROM deliveries d WHERE d.endpoint_id = e.id AND d.state <> 'delivered' AND d.last_error <> '' ORDER BY d.id DESC LIMIT 1), '')
		FROM partner_endpoints e JOIN organisations o ON o.id = e.org_id WHERE e.active ORDER BY e.id`)
	return keep(facts, func(f supervision.EndpointFacts) (supervision.Finding, bool) {
		return supervision.EndpointFailing(f, c.th(f.Jurisdiction), c.now)
	}), err
}

// ---- refused attempts

// attempt names what a transaction attempts on a unit or project, so that
// a refusal by a domain rule is recorded (transact writes it after the
// rollback, in its own transaction).
type attempt struct {
	action  string
	unit    int64
	project int64
	detail  string
}

// attempting marks the transaction's attempt.
func (tx *Tx) attempting(action string, unit, project int64, detail string) {
	tx.attempt = attempt{action: action, unit: unit, project: project, detail: detail}
}

// noteRefusal records a refused attempt. Failing to record it does not
// change the answer to the attempt (the refusal); it is logged.
func (db *DB) noteRefusal(ctx context.Context, actor audit.Actor, a attempt, refusal *problem.Error) {
	var rules []string
	for _, r := range refusal.Reasons {
		rules = append(rules, r.Rule)
	}
	err := db.transactOnce(ctx, actor, func(tx *Tx) error {
		j := ""
		if a.unit != 0 {
			if err := tx.queryRow(ctx, `SELECT p.jurisdiction FROM units u JOIN buildings b ON b.id = u.building_id JOIN projects p ON p.id = b.project_id
				WHERE u.id = $1`, a.unit).Scan(&j); err != nil {
				return err
			}
		} else if a.project != 0 {
			if err := tx.queryRow(ctx, `SELECT jurisdiction FROM projects WHERE id = $1`, a.project).Scan(&j); err != nil {
				return err
			}
		}
		_, err := tx.exec(ctx, `INSERT INTO refusals (action, unit_id, project_id, jurisdiction, org_id, user_id, code, rules, detail, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, a.action, a.unit, a.project, j, actor.OrgID, actor.UserID, refusal.Code,
			strings.Join(rules, ","), a.detail, tx.now)
		return err
	}, nil)
	if err != nil {
		db.log.Warn("refusal not recorded", "action", a.action, "unit", a.unit, "err", err)
		return
	}
	db.changes.Add(1)
}

// Refusal is a refused attempt, for the unit page.
type Refusal struct {
	Action string
	Code   string
	Rules  string
	UserID int64
	At     time.Time
}

// Label names the attempted action (supervision.AttemptLabel).
func (r Refusal) Label() string { return supervision.AttemptLabel(r.Action) }

// RefusalsOf lists a unit's refused attempts, newest first.
func (db *DB) RefusalsOf(ctx context.Context, unit int64) ([]Refusal, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT action, code, rules, user_id, at FROM refusals WHERE unit_id = $1 ORDER BY id DESC LIMIT 100`, unit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Refusal
	for rows.Next() {
		var r Refusal
		if err := rows.Scan(&r.Action, &r.Code, &r.Rules, &r.UserID, &r.At); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RefusedWithdrawal is an attempt to withdraw a project's presale funds
// that a rule refused: nothing was withdrawn and no request was made, but
// the attempt is evidence the supervisors follow up.
type RefusedWithdrawal struct {
	Node   string // the node's code as claimed
	Amount string
	Rules  []string
	UserID int64
	At     time.Time
}

// RefusedWithdrawals lists a project's refused withdrawal attempts, newest
// first.
func (db *DB) RefusedWithdrawals(ctx context.Context, project int64) ([]RefusedWithdrawal, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT detail, rules, user_id, at FROM refusals WHERE project_id = $1 AND action = 'fund.withdraw'
		ORDER BY id DESC LIMIT 100`, project)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RefusedWithdrawal
	for rows.Next() {
		var w RefusedWithdrawal
		var detail, rules string
		if err := rows.Scan(&detail, &rules, &w.UserID, &w.At); err != nil {
			return nil, err
		}
		w.Node, w.Amount, _ = strings.Cut(detail, "|")
		if rules != "" {
			w.Rules = strings.Split(rules, ",")
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// Changes counts the committed changes since the process started: the
// worker evaluates the alerts again soon after it moves.
func (db *DB) Changes() int64 { return db.changes.Load() }

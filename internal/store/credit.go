package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/credit"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/supervision"
)

// creditEvent writes a platform credit record once per kind and subject,
// with the points the scoring rule gives its kind.
func (tx *Tx) creditEvent(ctx context.Context, developer int64, jurisdiction string, kind credit.EventKind, subject, description string) error {
	_, err := tx.addCreditEvent(ctx, developer, jurisdiction, kind, subject, description)
	return err
}

// addCreditEvent is creditEvent, reporting whether the record is new.
func (tx *Tx) addCreditEvent(ctx context.Context, developer int64, jurisdiction string, kind credit.EventKind, subject, description string) (bool, error) {
	n, err := tx.execN(ctx, `INSERT INTO credit_events (developer_org, jurisdiction, kind, subject, description, occurred_at, points, source)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'platform') ON CONFLICT (kind, subject) DO NOTHING`, developer, jurisdiction, string(kind), subject,
		description, tx.now, kind.Points())
	if err == nil && n > 0 {
		tx.Audit("credit.event", "developer", developer, map[string]any{"kind": kind, "subject": subject, "points": kind.Points()})
	}
	return n > 0, err
}

// execN runs a statement and returns the rows it affected.
func (tx *Tx) execN(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := tx.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

const creditEventColumns = `e.id, e.developer_org, e.jurisdiction, e.kind, e.subject, e.description, e.points, e.source, e.evidence,
	COALESCE(u.name, ''), e.occurred_at, COALESCE(a.id, 0), COALESCE(a.reason, ''), COALESCE(fu.name, ''), a.filed_at, COALESCE(a.decision, ''),
	COALESCE(a.note, ''), COALESCE(du.name, ''), a.decided_at`

const creditEventFrom = ` FROM credit_events e LEFT JOIN users u ON u.id = e.recorded_by LEFT JOIN credit_appeals a ON a.event_id = e.id
	LEFT JOIN users fu ON fu.id = a.filed_by LEFT JOIN users du ON du.id = a.decided_by`

func scanCreditEvent(r interface{ Scan(...any) error }) (credit.Event, error) {
	var e credit.Event
	var ap credit.Appeal
	var filed, decided sql.NullTime
	err := r.Scan(&e.ID, &e.Developer, &e.Jurisdiction, &e.Kind, &e.Subject, &e.Description, &e.Points, &e.Source, &e.Evidence, &e.RecordedBy,
		&e.OccurredAt, &ap.ID, &ap.Reason, &ap.FiledBy, &filed, &ap.Decision, &ap.Note, &ap.DecidedBy, &decided)
	if ap.ID != 0 {
		ap.EventID, ap.FiledAt, ap.DecidedAt = e.ID, filed.Time, decided.Time
		e.Appeal = &ap
	}
	return e, err
}

// CreditEvents lists a developer's credit records (0: every developer),
// newest first, each with its appeal.
func (db *DB) CreditEvents(ctx context.Context, developer int64) ([]credit.Event, error) {
	text := `SELECT ` + creditEventColumns + creditEventFrom
	var args []any
	if developer != 0 {
		text += ` WHERE e.developer_org = $1`
		args = append(args, developer)
	}
	rows, err := db.r().QueryContext(ctx, text+` ORDER BY e.id DESC LIMIT 1000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []credit.Event
	for rows.Next() {
		e, err := scanCreditEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CreditEvent returns one credit record with its appeal.
func (db *DB) CreditEvent(ctx context.Context, id int64) (credit.Event, error) {
	e, err := scanCreditEvent(db.r().QueryRowContext(ctx, `SELECT `+creditEventColumns+creditEventFrom+` WHERE e.id = $1`, id))
	return e, notFound(err, "credit.event_not_found", "信用记录不存在")
}

// CreditRecord is a developer's record: its events, the assessment now,
// and whether it is on the restriction list.
type CreditRecord struct {
	Developer  int64
	Name       string
	Events     []credit.Event
	Assessment credit.Assessment
	Listed     bool
}

// CreditRecordOf reads a developer's credit record and assesses it now.
func (db *DB) CreditRecordOf(ctx context.Context, developer int64) (CreditRecord, error) {
	r := CreditRecord{Developer: developer}
	var kind string
	if err := db.r().QueryRowContext(ctx, `SELECT name, kind FROM organisations WHERE id = $1`, developer).Scan(&r.Name, &kind); err != nil || kind != "developer" {
		return r, problem.New(problem.NotFound, "developer.not_found", "开发企业不存在")
	}
	var err error
	if r.Events, err = db.CreditEvents(ctx, developer); err != nil {
		return r, err
	}
	r.Assessment = credit.Assess(r.Events, db.Now())
	r.Listed, err = isListed(ctx, db.r(), developer)
	return r, err
}

// CreditLevels assesses every developer now, by organisation id.
func (db *DB) CreditLevels(ctx context.Context) (map[int64]credit.Assessment, error) {
	events, err := db.CreditEvents(ctx, 0)
	if err != nil {
		return nil, err
	}
	devs, err := int64s(ctx, db.r(), `SELECT id FROM organisations WHERE kind = 'developer' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	by := map[int64][]credit.Event{}
	for _, e := range events {
		by[e.Developer] = append(by[e.Developer], e)
	}
	out := map[int64]credit.Assessment{}
	for _, d := range devs {
		out[d] = credit.Assess(by[d], db.Now())
	}
	return out, nil
}

// RecordCreditEvent records a finding of staff against a developer, with
// its evidence and the points it deducts; the listing follows the rule.
func (db *DB) RecordCreditEvent(ctx context.Context, actor audit.Actor, developer int64, description, evidence string, points int) (credit.Event, error) {
	var id int64
	err := db.transact(ctx, actor, func(tx *Tx) error {
		if err := decide(ctx, access.CreditManage, access.CreditTarget(developer)); err != nil {
			return err
		}
		if err := credit.StaffEvent(description, evidence, points); err != nil {
			return err
		}
		var j, kind string // "" when there is no such organisation
		err := tx.queryRow(ctx, `SELECT jurisdiction, kind FROM organisations WHERE id = $1`, developer).Scan(&j, &kind)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := credit.CheckEventDeveloper(identity.OrgKind(kind)); err != nil {
			return err
		}
		if id, err = tx.insertID(ctx, `INSERT INTO credit_events (developer_org, jurisdiction, kind, subject, description, occurred_at, points, source, evidence, recorded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'staff', $8, $9)`, developer, j, string(credit.StaffFinding),
			"staff:"+rand.Text(), strings.TrimSpace(description), tx.now, points, strings.TrimSpace(evidence), tx.actor.UserID); err != nil {
			return err
		}
		tx.Audit("credit.record", "developer", developer, map[string]any{"event": id, "points": points, "evidence": evidence})
		_, _, err = tx.applyCreditRule(ctx, developer)
		return err
	})
	if err != nil {
		return credit.Event{}, err
	}
	return db.CreditEvent(ctx, id)
}

// AppealCreditEvent files the developer's appeal against one record.
func (db *DB) AppealCreditEvent(ctx context.Context, actor audit.Actor, eventID int64, reason string) (credit.Event, error) {
	err := db.transact(ctx, actor, func(tx *Tx) error {
		e, err := scanCreditEvent(tx.queryRow(ctx, `SELECT `+creditEventColumns+creditEventFrom+` WHERE e.id = $1`, eventID))
		if err != nil {
			return notFound(err, "credit.event_not_found", "信用记录不存在")
		}
		if err := decide(ctx, access.CreditAppeal, access.CreditTarget(e.Developer)); err != nil {
			return err
		}
		if err := credit.ValidateAppeal(reason); err != nil {
			return err
		}
		if err := e.Appealable(tx.now); err != nil {
			return err
		}
		id, err := tx.insertID(ctx, `INSERT INTO credit_appeals (event_id, reason, filed_by, filed_at) VALUES ($1, $2, $3, $4)`,
			eventID, strings.TrimSpace(reason), tx.actor.UserID, tx.now)
		if err != nil {
			return err
		}
		tx.Audit("credit.appeal", "credit_event", eventID, map[string]any{"appeal": id})
		return nil
	})
	if err != nil {
		return credit.Event{}, err
	}
	return db.CreditEvent(ctx, eventID)
}

// DecideAppeal decides an appeal: the record stands (upheld), or it no
// longer counts (granted); the listing follows the rule.
func (db *DB) DecideAppeal(ctx context.Context, actor audit.Actor, eventID int64, d credit.Decision, note string) (credit.Event, error) {
	err := db.transact(ctx, actor, func(tx *Tx) error {
		e, err := scanCreditEvent(tx.queryRow(ctx, `SELECT `+creditEventColumns+creditEventFrom+` WHERE e.id = $1`, eventID))
		if err != nil {
			return notFound(err, "credit.event_not_found", "信用记录不存在")
		}
		if err := decide(ctx, access.CreditManage, access.CreditTarget(e.Developer)); err != nil {
			return err
		}
		if err := e.DecideAppeal(d, note); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE credit_appeals SET decision = $1, note = $2, decided_by = $3, decided_at = $4 WHERE id = $5 AND decision = ''`,
			string(d), strings.TrimSpace(note), tx.actor.UserID, tx.now, e.Appeal.ID); err != nil {
			return err
		}
		tx.Audit("credit.decide", "credit_event", eventID, map[string]any{"appeal": e.Appeal.ID, "decision": d})
		_, _, err = tx.applyCreditRule(ctx, e.Developer)
		return err
	})
	if err != nil {
		return credit.Event{}, err
	}
	return db.CreditEvent(ctx, eventID)
}

// applyCreditRule asks the scoring rule about a developer's listing, on
// its record and standing as the transaction sees them, and records what
// the rule decides (credit.RuleListing). changed says whether it listed or
// lifted the developer, l which.
func (tx *Tx) applyCreditRule(ctx context.Context, developer int64) (l credit.Listing, changed bool, err error) {
	events, err := creditEventsOf(ctx, tx.q(), developer)
	if err != nil {
		return l, false, err
	}
	s, err := listingStanding(ctx, tx.q(), developer)
	if err != nil {
		return l, false, err
	}
	l, changed = credit.RuleListing(developer, credit.Assess(events, tx.now), s)
	if !changed {
		return l, false, nil
	}
	return l, true, tx.listDeveloper(ctx, l)
}

// creditEventsOf reads every credit record of a developer, each with its
// appeal.
func creditEventsOf(ctx context.Context, q querier, developer int64) ([]credit.Event, error) {
	return scanAll(ctx, q, func(r *sql.Rows, e *credit.Event) (err error) {
		*e, err = scanCreditEvent(r)
		return err
	}, `SELECT `+creditEventColumns+creditEventFrom+` WHERE e.developer_org = $1`, developer)
}

// listingStanding reads a developer's newest restriction-list entry (the
// zero Standing when it was never listed).
func listingStanding(ctx context.Context, q querier, developer int64) (credit.Standing, error) {
	var s credit.Standing
	err := q.QueryRowContext(ctx, `SELECT listed, basis, at FROM credit_listings WHERE developer_org = $1 ORDER BY id DESC LIMIT 1`, developer).
		Scan(&s.Listed, &s.Basis, &s.At)
	if errors.Is(err, sql.ErrNoRows) {
		return credit.Standing{}, nil
	}
	return s, err
}

// CreditRun says what one evaluation of the credit rules did.
type CreditRun struct {
	Events, Listed, Lifted int
}

// EvaluateCredit writes the platform's credit events found since the last
// run (a late delivery, a certificate later than the clock, a withdrawal
// attempted without its node, a cancelled contract — each once), then
// applies the scoring rule to every developer. The facts are read on the
// pool; the records and listings are written in one transaction.
func (db *DB) EvaluateCredit(ctx context.Context, cal *calendar.Calendar) (CreditRun, error) {
	events, err := db.creditFindings(ctx, cal)
	if err != nil {
		return CreditRun{}, err
	}
	var run CreditRun
	err = db.transact(ctx, audit.System(), func(tx *Tx) error {
		run = CreditRun{}
		var err error
		if run.Events, err = tx.addCreditEvents(ctx, events); err != nil {
			return err
		}
		return tx.applyCreditRules(ctx, &run)
	})
	return run, err
}

// creditFindings asks the credit rules which platform records the facts
// call for now; each is written once (by kind and subject).
func (db *DB) creditFindings(ctx context.Context, cal *calendar.Calendar) ([]credit.Event, error) {
	c, err := db.newAlertContext(ctx, cal)
	if err != nil {
		return nil, err
	}
	var out []credit.Event
	for _, find := range []func(context.Context, *alertContext) ([]credit.Event, error){
		lateDeliveries, lateCertificates, cancellations,
	} {
		events, err := find(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, events...)
	}
	return out, nil
}

// lateDeliveries: projects past their planned delivery day, with the filed
// contracts whose unit is not handed over.
func lateDeliveries(ctx context.Context, c *alertContext) ([]credit.Event, error) {
	facts, err := scanAll(ctx, c.db.r(), func(r *sql.Rows, f *credit.LateProject) error {
		return r.Scan(&f.ProjectID, &f.Name, &f.Developer, &f.Jurisdiction, &f.Planned, &f.Waiting)
	}, `SELECT p.id, p.name, p.developer_org, p.jurisdiction, p.planned_delivery,
		(SELECT COUNT(*) FROM contracts x WHERE x.project_id = p.id AND x.state = 'filed'
			AND NOT EXISTS (SELECT 1 FROM handover_units h WHERE h.unit_id = x.unit_id AND `+handedOverSQL+`))
		FROM projects p WHERE p.planned_delivery IS NOT NULL AND p.planned_delivery <> '' AND p.planned_delivery < $1 ORDER BY p.id`, c.today.String())
	return keepEvents(facts, credit.LateDeliveryEvent), err
}

// lateCertificates: completion filings whose clock has run out (the facts
// the clock alert reads).
func lateCertificates(ctx context.Context, c *alertContext) ([]credit.Event, error) {
	clocks, err := clockFacts(ctx, c)
	return keepEvents(clocks, func(f supervision.ClockFacts) (credit.Event, bool) {
		return credit.LateCertificateEvent(credit.LateClock{FilingID: f.FilingID, Name: f.Name, Developer: f.Developer,
			Jurisdiction: f.Jurisdiction, Due: f.Due, DaysLeft: f.DaysLeft, Uncertified: f.Uncertified})
	}), err
}

// cancellations: executed cancellations of filed contracts.
func cancellations(ctx context.Context, c *alertContext) ([]credit.Event, error) {
	facts, err := scanAll(ctx, c.db.r(), func(r *sql.Rows, k *credit.Cancellation) error {
		return r.Scan(&k.ID, &k.Contract, &k.Developer, &k.Jurisdiction, &k.Reason)
	}, `SELECT k.id, x.number, x.developer_org, x.jurisdiction, k.reason FROM contract_cancellations k
		JOIN contracts x ON x.id = k.contract_id WHERE k.state = 'executed' ORDER BY k.id`)
	return keepEvents(facts, func(k credit.Cancellation) (credit.Event, bool) { return credit.CancellationEvent(k), true }), err
}

// keepEvents asks rule about each fact and keeps the records it calls for.
func keepEvents[F any](facts []F, rule func(F) (credit.Event, bool)) []credit.Event {
	var out []credit.Event
	for _, f := range facts {
		if e, ok := rule(f); ok {
			out = append(out, e)
		}
	}
	return out
}

// addCreditEvents writes the platform's records, each once, and counts the
// new ones.
func (tx *Tx) addCreditEvents(ctx context.Context, events []credit.Event) (int, error) {
	n := 0
	for _, e := range events {
		added, err := tx.addCreditEvent(ctx, e.Developer, e.Jurisdiction, e.Kind, e.Subject, e.Description)
		if err != nil {
			return n, err
		}
		if added {
			n++
		}
	}
	return n, nil
}

// applyCreditRules applies the scoring rule to every developer and counts
// the listings and lifts it made.
func (tx *Tx) applyCreditRules(ctx context.Context, run *CreditRun) error {
	devs, err := int64s(ctx, tx.q(), `SELECT id FROM organisations WHERE kind = 'developer' ORDER BY id`)
	if err != nil {
		return err
	}
	for _, d := range devs {
		l, changed, err := tx.applyCreditRule(ctx, d)
		switch {
		case err != nil:
			return err
		case changed && l.Listed:
			run.Listed++
		case changed:
			run.Lifted++
		}
	}
	return nil
}

// ---- the lists of the credit page

// CreditListQuery asks for one page of the restriction list or of its
// decisions, narrowed to the developers whose name or 统一社会信用代码
// holds Search.
type CreditListQuery struct {
	Search string
	Page   Page
}

const listingColumns = `c.id, c.developer_org, o.name, c.listed, c.reason, c.basis, c.by_user, COALESCE(u.name, ''), c.at`

const listingFrom = `FROM credit_listings c JOIN organisations o ON o.id = c.developer_org LEFT JOIN users u ON u.id = c.by_user`

func scanListing(r rowScanner) (credit.Listing, error) {
	var l credit.Listing
	err := r.Scan(&l.ID, &l.Developer, &l.Name, &l.Listed, &l.Reason, &l.Basis, &l.By, &l.ByName, &l.At)
	return l, err
}

// Restrictions lists the developers on the restriction list now (each by
// its newest decision, which listed it) a page at a time, the latest
// listed first.
func (db *DB) Restrictions(ctx context.Context, q CreditListQuery) (Listed[credit.Listing], error) {
	l := db.newList()
	l.and(`c.listed AND c.id = (SELECT MAX(x.id) FROM credit_listings x WHERE x.developer_org = c.developer_org)`)
	l.like(q.Search, `o.name`, `o.uscc`)
	return list(ctx, db.r(), q.Page, listingColumns, listingFrom, `c.id DESC`, l, scanListing)
}

// ListingHistory lists every decision on the restriction list (listed or
// lifted, by staff or by the rule) a page at a time, newest first.
func (db *DB) ListingHistory(ctx context.Context, q CreditListQuery) (Listed[credit.Listing], error) {
	l := db.newList()
	l.like(q.Search, `o.name`, `o.uscc`)
	if q.Search == "" {
		l.countFrom = `FROM credit_listings c`
	}
	return list(ctx, db.r(), q.Page, listingColumns, listingFrom, `c.id DESC`, l, scanListing)
}

// CreditDeveloperQuery asks for one page of the developers as the credit
// manager sees them.
type CreditDeveloperQuery struct {
	Listed  bool   // only those on the restriction list now
	Appeals bool   // only those with an appeal waiting for a decision (the credit manager's work)
	Search  string // part of the name or of the 统一社会信用代码
	Page    Page
}

// CreditDeveloper is a developer with its standing: on the restriction
// list or not, its appeals waiting, and its score now.
type CreditDeveloper struct {
	identity.Org
	Listed     bool
	Appeals    int // appeals waiting for a decision
	Assessment credit.Assessment
}

// pendingAppealsSQL selects the appeals of developer o waiting for a
// decision; the filter, the column and the home page count the same.
const pendingAppealsSQL = `FROM credit_events ae JOIN credit_appeals aa ON aa.event_id = ae.id WHERE ae.developer_org = o.id AND aa.decision = ''`

// CreditDevelopers lists the developers a page at a time, by name, each
// assessed now on its whole record.
func (db *DB) CreditDevelopers(ctx context.Context, q CreditDeveloperQuery) (Listed[CreditDeveloper], error) {
	l := db.newList()
	l.and(`o.kind = 'developer'`)
	if q.Listed {
		l.and(`(` + listedSQL("o.id") + `)`)
	}
	if q.Appeals {
		l.and(`EXISTS (SELECT 1 ` + pendingAppealsSQL + `)`)
	}
	l.like(q.Search, `o.name`, `o.uscc`)
	out, err := list(ctx, db.r(), q.Page, `o.id, o.name, o.kind, o.service, o.jurisdiction, COALESCE(o.uscc, ''), o.created_at,
		COALESCE((`+listedSQL("o.id")+`), FALSE), (SELECT COUNT(*) `+pendingAppealsSQL+`)`, `FROM organisations o`, `o.name, o.id`, l,
		func(r rowScanner) (CreditDeveloper, error) {
			var x CreditDeveloper
			o, err := scanOrg(extraColumns{r, []any{&x.Listed, &x.Appeals}})
			x.Org = o
			return x, err
		})
	if err != nil || len(out.Rows) == 0 {
		return out, err
	}
	// The page's developers' records, in one query, for their scores.
	ids := make([]any, len(out.Rows))
	marks := make([]string, len(out.Rows))
	at := map[int64]int{}
	for i, x := range out.Rows {
		ids[i], marks[i], at[x.ID] = x.ID, fmt.Sprintf("$%d", i+1), i
	}
	events, err := scanAll(ctx, db.r(), func(r *sql.Rows, e *credit.Event) (err error) {
		*e, err = scanCreditEvent(r)
		return err
	}, `SELECT `+creditEventColumns+creditEventFrom+` WHERE e.developer_org IN (`+strings.Join(marks, ", ")+`)`, ids...)
	if err != nil {
		return out, err
	}
	by := map[int64][]credit.Event{}
	for _, e := range events {
		by[e.Developer] = append(by[e.Developer], e)
	}
	for i := range out.Rows {
		out.Rows[i].Assessment = credit.Assess(by[out.Rows[i].ID], db.Now())
	}
	return out, nil
}

// PendingAppeals counts the appeals waiting for the credit manager's
// decision, every developer's.
func (db *DB) PendingAppeals(ctx context.Context) (int, error) {
	var n int
	err := db.r().QueryRowContext(ctx, `SELECT COUNT(*) FROM credit_appeals WHERE decision = ''`).Scan(&n)
	return n, err
}

// CreditEventList lists a developer's credit records a page at a time,
// newest first, each with its appeal.
func (db *DB) CreditEventList(ctx context.Context, developer int64, p Page) (Listed[credit.Event], error) {
	l := db.newList()
	l.and(`e.developer_org = ` + l.arg(developer))
	l.countFrom = `FROM credit_events e`
	return list(ctx, db.r(), p, creditEventColumns, strings.TrimPrefix(creditEventFrom, " "), `e.id DESC`, l,
		func(r rowScanner) (credit.Event, error) { return scanCreditEvent(r) })
}

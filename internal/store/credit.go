package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/credit"
	"handover/internal/problem"
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
	if err := credit.StaffEvent(description, evidence, points); err != nil {
		return credit.Event{}, err
	}
	var id int64
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var j, kind string
		if err := tx.queryRow(ctx, `SELECT jurisdiction, kind FROM organisations WHERE id = $1`, developer).Scan(&j, &kind); err != nil || kind != "developer" {
			return &problem.Error{Kind: problem.Invalid, Code: "credit.event_invalid", Message: "信用记录填写有误", Fields: map[string]string{"developer": "开发企业不存在"}}
		}
		var err error
		if id, err = tx.insertID(ctx, `INSERT INTO credit_events (developer_org, jurisdiction, kind, subject, description, occurred_at, points, source, evidence, recorded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'staff', $8, $9)`, developer, j, string(credit.StaffFinding),
			"staff:"+rand.Text(), strings.TrimSpace(description), tx.now, points, strings.TrimSpace(evidence), tx.actor.UserID); err != nil {
			return err
		}
		tx.Audit("credit.record", "developer", developer, map[string]any{"event": id, "points": points, "evidence": evidence})
		return tx.applyCreditRule(ctx, developer)
	})
	if err != nil {
		return credit.Event{}, err
	}
	return db.CreditEvent(ctx, id)
}

// AppealCreditEvent files the developer's appeal against one record.
func (db *DB) AppealCreditEvent(ctx context.Context, actor audit.Actor, eventID int64, reason string) (credit.Event, error) {
	if err := credit.ValidateAppeal(reason); err != nil {
		return credit.Event{}, err
	}
	err := db.transact(ctx, actor, func(tx *Tx) error {
		e, err := scanCreditEvent(tx.queryRow(ctx, `SELECT `+creditEventColumns+creditEventFrom+` WHERE e.id = $1`, eventID))
		if err != nil {
			return notFound(err, "credit.event_not_found", "信用记录不存在")
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
		if e.Appeal == nil {
			return problem.New(problem.Conflict, "credit.no_appeal", "该信用记录没有申诉")
		}
		if err := e.Appeal.Decide(d, note); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE credit_appeals SET decision = $1, note = $2, decided_by = $3, decided_at = $4 WHERE id = $5 AND decision = ''`,
			string(d), strings.TrimSpace(note), tx.actor.UserID, tx.now, e.Appeal.ID); err != nil {
			return err
		}
		tx.Audit("credit.decide", "credit_event", eventID, map[string]any{"appeal": e.Appeal.ID, "decision": d})
		return tx.applyCreditRule(ctx, e.Developer)
	})
	if err != nil {
		return credit.Event{}, err
	}
	return db.CreditEvent(ctx, eventID)
}

// applyCreditRule lists a developer whose score fell to D and lifts a
// listing the rule made once the score is above D again; a listing decided
// by staff is left to staff.
func (tx *Tx) applyCreditRule(ctx context.Context, developer int64) (err error) {
	rows, err := tx.query(ctx, `SELECT `+creditEventColumns+creditEventFrom+` WHERE e.developer_org = $1`, developer)
	if err != nil {
		return err
	}
	var events []credit.Event
	for rows.Next() {
		e, err := scanCreditEvent(rows)
		if err != nil {
			rows.Close()
			return err
		}
		events = append(events, e)
	}
	rows.Close()
	a := credit.Assess(events, tx.now)
	var listed bool
	var basis string
	err = tx.queryRow(ctx, `SELECT listed, basis FROM credit_listings WHERE developer_org = $1 ORDER BY id DESC LIMIT 1`, developer).Scan(&listed, &basis)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	switch {
	case a.Level == credit.LevelD && !listed:
		return tx.listDeveloper(ctx, credit.Listing{Developer: developer, Listed: true, Basis: credit.AutomaticBasis,
			Reason: fmt.Sprintf("信用评分%d分，%s", a.Score, a.Level.Label())})
	case a.Level != credit.LevelD && listed && basis == credit.AutomaticBasis:
		return tx.listDeveloper(ctx, credit.Listing{Developer: developer, Listed: false, Basis: credit.AutomaticBasis,
			Reason: fmt.Sprintf("信用评分回升至%d分（%s）", a.Score, a.Level.Label())})
	}
	return nil
}

// CreditRun says what one evaluation of the credit rules did.
type CreditRun struct {
	Events, Listed, Lifted int
}

// EvaluateCredit writes the platform's credit events found since the last
// run (a late delivery, a certificate later than the clock, a withdrawal
// attempted without its node, a cancelled contract — each once), then
// applies the scoring rule to every developer.
func (db *DB) EvaluateCredit(ctx context.Context, cal *calendar.Calendar) (CreditRun, error) {
	var run CreditRun
	c, err := db.newAlertContext(ctx, cal)
	if err != nil {
		return run, err
	}
	clocks, err := clockFacts(ctx, c)
	if err != nil {
		return run, err
	}
	attempts, err := withdrawalAttempts(ctx, c)
	if err != nil {
		return run, err
	}
	type found struct {
		developer       int64
		j               string
		kind            credit.EventKind
		subject, detail string
	}
	var events []found
	rows, err := db.r().QueryContext(ctx, `SELECT p.id, p.name, p.developer_org, p.jurisdiction, p.planned_delivery,
		(SELECT COUNT(*) FROM contracts x WHERE x.project_id = p.id AND x.state = 'filed'
			AND NOT EXISTS (SELECT 1 FROM handover_units h WHERE h.unit_id = x.unit_id AND h.state = 'done'))
		FROM projects p WHERE p.planned_delivery IS NOT NULL AND p.planned_delivery <> '' AND p.planned_delivery < $1 ORDER BY p.id`, c.today.String())
	if err != nil {
		return run, err
	}
	for rows.Next() {
		var id, dev int64
		var name, j string
		var planned calendar.Date
		var waiting int
		if err := rows.Scan(&id, &name, &dev, &j, &planned, &waiting); err != nil {
			rows.Close()
			return run, err
		}
		if waiting > 0 {
			events = append(events, found{dev, j, credit.LateDelivery, fmt.Sprintf("project:%d:late_delivery", id),
				fmt.Sprintf("%s计划于%s交付，逾期后仍有%d户已售房屋未交付", name, planned, waiting)})
		}
	}
	rows.Close()
	for _, f := range clocks {
		if f.DaysLeft < 0 && f.Uncertified > 0 {
			var dev int64
			if err := db.r().QueryRowContext(ctx, `SELECT developer_org FROM projects WHERE id = $1`, f.ProjectID).Scan(&dev); err != nil {
				return run, err
			}
			events = append(events, found{dev, f.Jurisdiction, credit.LateCertificate, fmt.Sprintf("filing:%d:late_certificate", f.FilingID),
				fmt.Sprintf("%s竣工验收备案后20个工作日（%s届满）仍有%d户未取得不动产权证书", f.Name, f.Due, f.Uncertified)})
		}
	}
	for _, w := range attempts {
		events = append(events, found{w.Developer, w.Jurisdiction, credit.FundMisuse, fmt.Sprintf("refusal:%d", w.ID),
			fmt.Sprintf("%s以尚未达到的节点“%s”申请支取预售资金%s元", w.Name, w.Node, w.Amount)})
	}
	crows, err := db.r().QueryContext(ctx, `SELECT k.id, x.number, x.developer_org, x.jurisdiction, k.reason FROM contract_cancellations k
		JOIN contracts x ON x.id = k.contract_id WHERE k.state = 'executed' ORDER BY k.id`)
	if err != nil {
		return run, err
	}
	for crows.Next() {
		var id, dev int64
		var number, j, reason string
		if err := crows.Scan(&id, &number, &dev, &j, &reason); err != nil {
			crows.Close()
			return run, err
		}
		events = append(events, found{dev, j, credit.ContractCancelled, fmt.Sprintf("cancellation:%d", id),
			fmt.Sprintf("网签合同%s注销备案（%s）", number, reason)})
	}
	crows.Close()
	err = db.transact(ctx, audit.System(), func(tx *Tx) error {
		run = CreditRun{}
		for _, f := range events {
			added, err := tx.addCreditEvent(ctx, f.developer, f.j, f.kind, f.subject, f.detail)
			if err != nil {
				return err
			}
			if added {
				run.Events++
			}
		}
		devs, err := int64s(ctx, tx.q(), `SELECT id FROM organisations WHERE kind = 'developer' ORDER BY id`)
		if err != nil {
			return err
		}
		for _, d := range devs {
			before, err := isListed(ctx, tx.q(), d)
			if err != nil {
				return err
			}
			if err := tx.applyCreditRule(ctx, d); err != nil {
				return err
			}
			after, err := isListed(ctx, tx.q(), d)
			if err != nil {
				return err
			}
			switch {
			case after && !before:
				run.Listed++
			case before && !after:
				run.Lifted++
			}
		}
		return nil
	})
	return run, err
}

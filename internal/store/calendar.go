package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
)

// Calendar builds the working-day calendar: the built-in notices first,
// then the notices administrators loaded, oldest first, so that for each
// scope and year the newest wins.
func (db *DB) Calendar(ctx context.Context) (*calendar.Calendar, error) {
	return loadCalendar(ctx, db.r())
}

func loadCalendar(ctx context.Context, q querier) (*calendar.Calendar, error) {
	notices, err := calendar.Builtin()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, body FROM calendar_notices ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, err
		}
		n, err := calendar.ParseNotice(body)
		if err != nil {
			return nil, fmt.Errorf("stored calendar notice %d: %w", id, err)
		}
		notices = append(notices, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return calendar.New(notices), nil
}

// CheckNotice is the preview of a notice to load: refused to whoever may
// not manage the calendar, then checked as LoadNotice checks it.
func CheckNotice(ctx context.Context, n calendar.Notice) error {
	if err := decide(ctx, access.CalendarManage, access.Target{}); err != nil {
		return err
	}
	return n.Validate()
}

// LoadNotice stores a validated holiday notice; it applies to its scope and
// year from now on, replacing earlier ones (which stay on record). The
// due dates stored with their records (acceptance opinions', registration
// services') whose window touches the notice's year are recomputed in the
// same transaction (docs/domain.md §6: a deadline computed before a calendar
// change is recomputed after it), so that the lists filtering and sorting
// on them, and the days left counted to them, follow the calendar from the
// commit on. The 20-working-day clock is derived when read.
func (db *DB) LoadNotice(ctx context.Context, actor audit.Actor, n calendar.Notice) (int64, error) {
	var id int64
	err := db.transact(ctx, actor, func(tx *Tx) error {
		if err := CheckNotice(ctx, n); err != nil {
			return err
		}
		if db.engine == Postgres {
			// One notice at a time: each recomputes against every notice
			// before it, its own included.
			if _, err := tx.exec(ctx, `LOCK TABLE calendar_notices IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		before, err := loadCalendar(ctx, tx.q())
		if err != nil {
			return err
		}
		id, err = tx.insertID(ctx, `INSERT INTO calendar_notices (scope, year, title, body, loaded_by, loaded_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			n.Scope, n.Year, n.Title, n.Format(), actor.UserID, tx.now)
		if err != nil {
			return err
		}
		after, err := loadCalendar(ctx, tx.q())
		if err != nil {
			return err
		}
		moved, err := tx.recomputeDeadlines(ctx, before, after, n.Year)
		if err != nil {
			return err
		}
		tx.Audit("calendar.load", "calendar_notice", id, map[string]any{"scope": n.Scope, "year": n.Year, "title": n.Title, "rules": len(n.Rules),
			"deadlines_moved": moved})
		return nil
	})
	return id, err
}

// A deadline is a due date stored with its record, counted in working days
// from a start day in the calendar of the record's jurisdiction. Each kind
// reads its records whose span from the start day to the due day touches a
// year. It counts as many working days as the stored span held in the
// calendar it was computed with: the number was a jurisdiction's setting
// when the record was made (acceptance.days, registration.days), which may
// have changed since.
type deadline struct {
	kind string
	// query reads id, start, due and the jurisdiction's calendar region of
	// the records whose start is before the year ends ($2) and whose due
	// day is not before it begins ($1)
	query  string
	update string // $1 the new due date, $2 the id
	made   bool   // the start is the time the record was made (its day in China), not a date
}

var deadlines = []deadline{
	{kind: "acceptance_task", // acceptance.days when the round opened
		query: `SELECT t.id, t.started_on, t.due_on, j.region FROM acceptance_tasks t JOIN acceptance_cases k ON k.id = t.case_id
			JOIN jurisdictions j ON j.code = k.jurisdiction WHERE t.due_on >= $1 AND t.started_on <= $2 ORDER BY t.id`,
		update: `UPDATE acceptance_tasks SET due_on = $1 WHERE id = $2`},
	{kind: "registration_service", made: true, // registration.days when the application was accepted
		query: `SELECT s.id, a.created_at, s.due_on, j.region FROM services s JOIN applications a ON a.id = s.application_id
			JOIN jurisdictions j ON j.code = a.jurisdiction WHERE s.due_on >= $1 AND a.created_at < $2 ORDER BY s.id`,
		update: `UPDATE services SET due_on = $1 WHERE id = $2`},
}

// recomputeDeadlines moves every stored deadline whose span touches year
// from the calendar before a notice to the calendar after it, and counts
// the moves by kind. The 20-working-day clock is not among them: the
// filing is append-only and its readers derive the clock from the filing
// date (completion.Filing.Due). Nor are the commitments: they fall due on
// calendar dates (three months after the filing, or the day promised).
func (tx *Tx) recomputeDeadlines(ctx context.Context, before, after *calendar.Calendar, year int) (map[string]int, error) {
	first, last := calendar.NewDate(year, time.January, 1), calendar.NewDate(year, time.December, 31)
	moved := map[string]int{}
	for _, d := range deadlines {
		type row struct {
			id         int64
			start, due calendar.Date
			region     string
		}
		var end any = last.String()
		if d.made {
			end = last.AddDays(1).Start().UTC()
		}
		list, err := scanAll(ctx, tx.q(), func(rows *sql.Rows, r *row) error {
			if !d.made {
				return rows.Scan(&r.id, &r.start, &r.due, &r.region)
			}
			var at time.Time
			err := rows.Scan(&r.id, &at, &r.due, &r.region)
			r.start = calendar.DateOf(at)
			return err
		}, d.query, first.String(), end)
		if err != nil {
			return nil, err
		}
		for _, r := range list {
			n, _, err := before.WorkdaysBetween(r.start, r.due, r.region)
			if err != nil {
				return nil, fmt.Errorf("%s %d: %w", d.kind, r.id, err)
			}
			due, err := after.AddWorkdays(r.start, n, r.region)
			if err != nil {
				return nil, fmt.Errorf("%s %d: %w", d.kind, r.id, err)
			}
			if due.Due.Compare(r.due) == 0 {
				continue
			}
			if _, err := tx.exec(ctx, d.update, due.Due.String(), r.id); err != nil {
				return nil, err
			}
			moved[d.kind]++
		}
	}
	return moved, nil
}

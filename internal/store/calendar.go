package store

import (
	"context"
	"fmt"

	"handover/internal/audit"
	"handover/internal/calendar"
)

// Calendar builds the working-day calendar: the built-in notices first,
// then the notices administrators loaded, oldest first, so that for each
// scope and year the newest wins.
func (db *DB) Calendar(ctx context.Context) (*calendar.Calendar, error) {
	notices, err := calendar.Builtin()
	if err != nil {
		return nil, err
	}
	rows, err := db.r().QueryContext(ctx, `SELECT id, body FROM calendar_notices ORDER BY id`)
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

// LoadNotice stores a validated holiday notice; it applies to its scope and
// year from now on, replacing earlier ones (which stay on record).
func (db *DB) LoadNotice(ctx context.Context, actor audit.Actor, n calendar.Notice) (int64, error) {
	if err := n.Validate(); err != nil {
		return 0, err
	}
	var id int64
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		id, err = tx.insertID(ctx, `INSERT INTO calendar_notices (scope, year, title, body, loaded_by, loaded_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			n.Scope, n.Year, n.Title, n.Format(), actor.UserID, tx.now)
		if err != nil {
			return err
		}
		tx.Audit("calendar.load", "calendar_notice", id, map[string]any{"scope": n.Scope, "year": n.Year, "title": n.Title, "rules": len(n.Rules)})
		return nil
	})
	return id, err
}

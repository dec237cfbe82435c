package store

import (
	"context"
	"fmt"

	"handover/internal/calendar"
	"handover/internal/registry"
)

// onTheClock selects the services (s) whose time limit runs: not finished,
// and not returned for correction (a returned service waits on the
// applicant). The overdue alert and the home pages count the same ones.
const onTheClock = `s.state NOT IN ('issued', 'withdrawn', 'returned')`

// Waiting is the work waiting in a jurisdiction, for the home pages.
type Waiting struct {
	Services         map[registry.ServiceState]int // open registration services by state
	Overdue          int                           // open services past their due day (returned ones wait on the applicant)
	DeedTaxUnpaid    int                           // assessed deed taxes not yet paid
	PermitsToConfirm int                           // planning and construction permits not yet confirmed
}

// Waiting counts the work waiting in jurisdiction ("" for the whole
// prefecture) on the day today.
func (db *DB) Waiting(ctx context.Context, jurisdiction string, today calendar.Date) (Waiting, error) {
	w := Waiting{Services: map[registry.ServiceState]int{}}
	q := db.r()
	const mine = `(CAST($1 AS TEXT) = '' OR %s = $1)`
	byState, err := countBy(ctx, q, `SELECT s.state, COUNT(*) FROM services s JOIN applications a ON a.id = s.application_id
		WHERE a.state = 'open' AND `+fmt.Sprintf(mine, "a.jurisdiction")+` GROUP BY s.state`, jurisdiction)
	if err != nil {
		return w, err
	}
	for k, n := range byState {
		w.Services[registry.ServiceState(k)] = n
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM services s JOIN applications a ON a.id = s.application_id
		WHERE a.state = 'open' AND `+onTheClock+` AND s.due_on < $2 AND `+fmt.Sprintf(mine, "a.jurisdiction"),
		jurisdiction, today.String()).Scan(&w.Overdue); err != nil {
		return w, err
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM deed_taxes t JOIN units u ON u.id = t.unit_id JOIN buildings b ON b.id = u.building_id
		JOIN projects p ON p.id = b.project_id WHERE t.paid_at IS NULL AND `+fmt.Sprintf(mine, "p.jurisdiction"), jurisdiction).Scan(&w.DeedTaxUnpaid); err != nil {
		return w, err
	}
	err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM project_permits pp JOIN projects p ON p.id = pp.project_id
		WHERE pp.confirmed_by IS NULL AND `+fmt.Sprintf(mine, "p.jurisdiction"), jurisdiction).Scan(&w.PermitsToConfirm)
	return w, err
}

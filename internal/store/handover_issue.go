package store

import (
	"context"
	"fmt"

	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/exchange"
	"handover/internal/handover"
	"handover/internal/registry"
)

// issueChunk certifies (缮证) and issues (发证) what is left of a chunk's
// applications, their certificates signed, and hands the flats over to
// their buyers on the event's day. Each service moves as registry says;
// the chunk's applications are read, and each table written, with a
// statement or two for the whole chunk.
func (tx *Tx) issueChunk(ctx context.Context, ev handover.Event, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	// Locked: a second runner of the same event (another server) waits
	// here and then finds the services already moved on.
	apps, err := loadApplications(ctx, tx, ids)
	if err != nil {
		return err
	}
	if err := certificate.CheckDelivery(ev.Delivery(), ""); err != nil {
		return err
	}
	var w issueWrites
	for i := range apps {
		if err := w.issue(tx, &apps[i]); err != nil {
			return err
		}
	}
	if err := w.write(ctx, tx); err != nil {
		return err
	}
	if err := tx.deliverCertificates(ctx, ev.Delivery(), w.issued); err != nil {
		return err
	}
	return tx.handChunkOver(ctx, ev, ids)
}

// issueWrites is what issuing a chunk writes: the services moved (by the
// state they reach), their history, the applications settled (by state).
type issueWrites struct {
	moved  map[registry.ServiceState][]int64
	steps  [][]any
	issued []int64 // services whose certificates are delivered
	closed map[string][]int64
}

// issue moves an application's recorded services through 缮证 and 发证.
func (w *issueWrites) issue(tx *Tx, a *registry.Application) error {
	if w.moved == nil {
		w.moved, w.closed = map[registry.ServiceState][]int64{}, map[string][]int64{}
	}
	for i := range a.Services {
		s := &a.Services[i]
		moved := false
		for _, step := range []registry.Step{registry.StepCertify, registry.StepIssue} {
			if !(step == registry.StepCertify && s.State == registry.Recorded) && !(step == registry.StepIssue && s.State == registry.Certified) {
				continue
			}
			if err := s.Apply(step, tx.actor.UserID, registry.Policy{}, ""); err != nil {
				return err
			}
			if step == registry.StepIssue {
				s.IssuedAt = tx.now
				w.issued = append(w.issued, s.ID)
			}
			w.steps = append(w.steps, []any{s.ID, string(step), tx.actor.UserID, tx.actor.Name, tx.now, "交房批量办理"})
			moved = true
		}
		if moved {
			w.moved[s.State] = append(w.moved[s.State], s.ID)
		}
	}
	if a.Settle() {
		w.closed[a.State] = append(w.closed[a.State], a.ID)
	}
	tx.Audit("application."+string(registry.StepIssue), "application", a.ID, map[string]any{"number": a.Number, "state": a.State})
	return nil
}

// write saves the moved services (only their state, and the day of
// issue, changed since they were read), their steps and the settled
// applications.
func (w *issueWrites) write(ctx context.Context, tx *Tx) error {
	for state, ids := range w.moved {
		var issued any
		if state == registry.Issued {
			issued = tx.now
		}
		list, args := inList(3, ids)
		if _, err := tx.exec(ctx, `UPDATE services SET state = $1, issued_at = $2 WHERE id IN (`+list+`)`, append([]any{string(state), issued}, args...)...); err != nil {
			return err
		}
	}
	tx.steps = append(tx.steps, w.steps...)
	for state, ids := range w.closed {
		list, args := inList(2, ids)
		if _, err := tx.exec(ctx, `UPDATE applications SET state = $1 WHERE id IN (`+list+`)`, append([]any{state}, args...)...); err != nil {
			return err
		}
	}
	return nil
}

// deliverCertificates records how the certificates of the services issued
// were delivered (no paper: a batch issues electronic certificates) and
// tells the partners, a CertificateIssued event per certificate.
func (tx *Tx) deliverCertificates(ctx context.Context, delivery string, services []int64) error {
	if len(services) == 0 {
		return nil
	}
	list, args := inList(1, services)
	cs, err := tx.db.certificatesWhere(ctx, tx.q(), `service_id IN (`+list+`)`, args...)
	if err != nil {
		return err
	}
	list, args = inList(3, services)
	if _, err := tx.exec(ctx, `UPDATE certificates SET delivery = $1, tracking_no = '', delivered_at = $2, paper_serial = '', printed_at = NULL
		WHERE service_id IN (`+list+`)`, append([]any{delivery, tx.now}, args...)...); err != nil {
		return err
	}
	for _, c := range cs {
		if err := tx.emit(exchange.CertificateIssued, fmt.Sprintf("unit:%d", c.UnitID), c.Jurisdiction, map[string]any{"licence_id": c.LicenceID,
			"cert_no": c.Number, "unit": c.UnitID, "delivery": delivery}); err != nil {
			return err
		}
	}
	return nil
}

// receiverSQL is who received the keys of handover unit handover_units:
// the buyers of its contract, by name.
func (db *DB) receiverSQL() string {
	return `COALESCE((SELECT ` + db.groupConcat("b.name") + ` FROM contract_buyers b WHERE b.contract_id = handover_units.contract_id), '')`
}

// handChunkOver marks the flats of the chunk's applications handed over to
// their buyers on the event's day, certified today.
func (tx *Tx) handChunkOver(ctx context.Context, ev handover.Event, apps []int64) error {
	list, args := inList(5, apps)
	rows, err := tx.query(ctx, `UPDATE handover_units SET state = 'done', reasons = '', handed_over_on = $1,
		receiver = `+tx.db.receiverSQL()+`,
		certified_on = $2, updated_at = $3 WHERE event_id = $4 AND application_id IN (`+list+`) RETURNING unit_id`,
		append([]any{ev.HeldOn.String(), calendar.DateOf(tx.now).String(), tx.now, ev.ID}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var unit int64
		if err := rows.Scan(&unit); err != nil {
			return err
		}
		tx.touchUnitBuilding(unit)
	}
	return rows.Err()
}

// loadApplications reads applications with their services, in id order,
// locked until commit (PostgreSQL).
func loadApplications(ctx context.Context, tx *Tx, ids []int64) ([]registry.Application, error) {
	list, args := inList(1, ids)
	rows, err := tx.query(ctx, `SELECT id, number, jurisdiction, project_id, applicants, agent, source, state, created_by, created_at
		FROM applications WHERE id IN (`+list+`) ORDER BY id`+tx.db.forUpdate(), args...)
	if err != nil {
		return nil, err
	}
	var apps []registry.Application
	at := map[int64]int{}
	for rows.Next() {
		var a registry.Application
		var names string
		if err := rows.Scan(&a.ID, &a.Number, &a.Jurisdiction, &a.ProjectID, &names, &a.Agent, &a.Source, &a.State, &a.CreatedBy, &a.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		var err error
		if a.Applicants, err = openApplicants(tx.db.ring(), a.Number, names); err != nil {
			rows.Close()
			return nil, err
		}
		at[a.ID] = len(apps)
		apps = append(apps, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	srows, err := tx.query(ctx, `SELECT `+serviceColumns+` FROM services WHERE application_id IN (`+list+`) ORDER BY application_id, seq`, args...)
	if err != nil {
		return nil, err
	}
	defer srows.Close()
	for srows.Next() {
		s, err := scanService(tx.db.ring(), srows)
		if err != nil {
			return nil, err
		}
		a := &apps[at[s.ApplicationID]]
		a.Services = append(a.Services, s)
	}
	return apps, srows.Err()
}

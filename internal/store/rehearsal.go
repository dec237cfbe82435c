package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/supervision"
)

// Rehearsal is one dry run of a handover event's batch (交房预演): what the
// batch would do if it ran at RunAt.
type Rehearsal struct {
	ID       int64
	EventID  int64
	RunAt    time.Time
	RunBy    int64 // 0: the nightly run
	Total    int   // the flats the batch would take
	Ready    int   // of them, those it would register and certify
	Blocked  int   // of them, those it would hand over without a certificate
	Problems []string
	Units    []RehearsalUnit // the blocked flats, in unit order
}

// RehearsalUnit is a flat the rehearsal found blocked: why, and who must
// act on each reason.
type RehearsalUnit struct {
	UnitID  int64
	Room    string // 幢 + 户, as pages name it
	Reasons []string
	Owners  []handover.Party
}

// Owner is one party that must act before the handover, with the flats
// waiting on it.
type Owner struct {
	Party handover.Party
	Units []RehearsalUnit // the flats with at least one reason it owns
}

// Owners groups the blocked flats by who must act, the party with the most
// flats first: one line of work, and one alert, per owner. An organisation
// is one owner whatever its reasons add (the developer collecting a fund
// with one buyer or another), and the buyers are one owner, "买受人", for
// whom their developer is told.
func (r Rehearsal) Owners() []Owner {
	var out []Owner
	for _, u := range r.Units {
		for _, p := range u.Owners {
			p = ownerOf(p)
			i := slices.IndexFunc(out, func(o Owner) bool { return o.Party == p })
			if i < 0 {
				out, i = append(out, Owner{Party: p}), len(out)
			}
			if n := len(out[i].Units); n == 0 || out[i].Units[n-1].UnitID != u.UnitID {
				out[i].Units = append(out[i].Units, u)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Owner) int { return len(b.Units) - len(a.Units) })
	return out
}

// ownerOf is the owner a reason's party is grouped under: an organisation
// by its id and its own name (without what the reason adds after it, as in
// "某公司（代收）、买受人李霞"), the buyers as one party, anyone else by name.
func ownerOf(p handover.Party) handover.Party {
	switch {
	case p.Kind == identity.Individual:
		return handover.Party{Kind: identity.Individual, Name: "买受人"}
	case p.OrgID != 0:
		name := p.Name
		if i := strings.IndexAny(name, "（、"); i > 0 {
			name = name[:i]
		}
		return handover.Party{Kind: p.Kind, OrgID: p.OrgID, Name: name}
	}
	return p
}

// BlockedUnits is the set of flats the rehearsal found blocked.
func (r Rehearsal) BlockedUnits() map[int64]bool {
	m := map[int64]bool{}
	for _, u := range r.Units {
		m[u.UnitID] = true
	}
	return m
}

// RehearseHandover dry-runs the batch of a handover event, for whoever may
// manage the event (or the nightly run): every flat the batch would take
// goes through the batch's own decision (planBatchUnit: the delivery
// conditions, the register book, the combined application taken and
// recorded) in transactions of BatchChunk flats that are rolled back, so
// that nothing of it is written; what it found is recorded, append-only,
// with the event-wide reasons the batch could not run at all (automatic
// review not allowed, the signing key locked).
func (db *DB) RehearseHandover(ctx context.Context, actor audit.Actor, cal *calendar.Calendar, eventID int64, keys *certificate.Keyring) (Rehearsal, error) {
	r := Rehearsal{EventID: eventID, RunBy: actor.UserID}
	ev, err := loadEvent(ctx, db.r(), eventID, "")
	if err != nil {
		return r, err
	}
	p, err := db.Project(ctx, ev.ProjectID)
	if err != nil {
		return r, err
	}
	if err := decide(ctx, access.HandoverManage, access.ProjectTarget(p)); err != nil {
		return r, err
	}
	if ev.State == "done" && ev.Blocked == 0 {
		return r, problem.New(problem.Conflict, "handover.done", "该交房批量已全部办结，无需预演")
	}
	if ev.State == "running" {
		return r, problem.New(problem.Conflict, "handover.running", "批量办理正在进行，办完或暂停后再预演")
	}
	if err := requireAutoReview(ctx, db.r(), p.Jurisdiction); err != nil {
		r.Problems = append(r.Problems, problem.As(err).Message)
	}
	if _, err := keys.Signer(p.Jurisdiction); err != nil {
		r.Problems = append(r.Problems, problem.As(err).Message)
	}
	var cursor int64
	for {
		var units []RehearsalUnit
		var looked int
		var unreviewed bool
		err := db.transact(ctx, actor, func(tx *Tx) error {
			var err error
			if units, looked, cursor, unreviewed, err = tx.rehearseChunk(ctx, cal, ev, cursor); err != nil {
				return err
			}
			return errDryRun
		})
		if !errors.Is(err, errDryRun) {
			return r, err
		}
		r.Total += looked
		r.Blocked += len(units)
		r.Units = append(r.Units, units...)
		if unreviewed && !slices.Contains(r.Problems, notReviewed) {
			r.Problems = append(r.Problems, notReviewed)
		}
		if looked < BatchChunk {
			break
		}
	}
	r.Ready = r.Total - r.Blocked
	if err := db.transact(ctx, actor, func(tx *Tx) error { return tx.recordRehearsal(ctx, &r) }); err != nil {
		return r, err
	}
	return db.rehearsal(ctx, `id = $1`, r.ID) // with each flat's room
}

// notReviewed is the event-wide problem of flats whose combined
// application the jurisdiction does not let the system review: the batch
// cannot take them at all.
const notReviewed = "部分户的登记事项不在本辖区允许系统自动审核的范围内（如贷款户的抵押权登记），批量办理不能受理；请在本辖区配置中允许自动审核"

// rehearseChunk decides the next BatchChunk flats of the event after
// cursor as the batch would, in a transaction the caller rolls back. It
// returns the blocked ones, how many it looked at and the new cursor.
func (tx *Tx) rehearseChunk(ctx context.Context, cal *calendar.Calendar, ev handover.Event, cursor int64) (
	blocked []RehearsalUnit, looked int, next int64, unreviewed bool, err error) {
	p, err := lockProject(ctx, tx, ev.ProjectID)
	if err != nil {
		return nil, 0, cursor, false, err
	}
	units, err := chunkUnits(ctx, tx, ev.ID, cursor, BatchChunk)
	if err != nil || len(units) == 0 {
		return nil, 0, cursor, false, err
	}
	ids := make([]int64, len(units))
	for i, u := range units {
		ids[i] = u.unit
	}
	if err := tx.lockUnits(ctx, ids...); err != nil {
		return nil, 0, cursor, false, err
	}
	facts, err := tx.db.readinessFacts(ctx, tx.q(), p, unitRange{ids[0], ids[len(ids)-1]}, calendar.DateOf(tx.now))
	if err != nil {
		return nil, 0, cursor, false, err
	}
	for _, u := range units {
		if u.application != 0 {
			continue // recorded by an earlier run: the batch certifies it
		}
		_, plan, err := tx.planBatchUnit(ctx, cal, facts, u)
		if problem.CodeOf(err) == "handover.auto_review_failed" {
			// The flat itself is ready; the jurisdiction's policy stops it
			// (an event-wide problem), and the transaction is rolled back.
			unreviewed = true
			continue
		}
		if err != nil {
			return nil, 0, cursor, false, err
		}
		if len(plan.Blocked) > 0 {
			blocked = append(blocked, RehearsalUnit{UnitID: u.unit, Reasons: plan.Blocked, Owners: plan.Owners})
		}
	}
	return blocked, len(units), ids[len(ids)-1], unreviewed, nil
}

// recordRehearsal stores what a rehearsal found and audits it.
func (tx *Tx) recordRehearsal(ctx context.Context, r *Rehearsal) error {
	r.RunAt = tx.now
	id, err := tx.insertID(ctx, `INSERT INTO handover_rehearsals (event_id, run_at, run_by, total, problems)
		VALUES ($1, $2, $3, $4, $5)`, r.EventID, r.RunAt, r.RunBy, r.Total, strings.Join(r.Problems, "\n"))
	if err != nil {
		return err
	}
	r.ID = id
	for _, u := range r.Units {
		owners, _ := json.Marshal(u.Owners)
		if _, err := tx.exec(ctx, `INSERT INTO handover_rehearsal_units (rehearsal_id, unit_id, reasons, owners) VALUES ($1, $2, $3, $4)`,
			id, u.UnitID, strings.Join(u.Reasons, "\n"), string(owners)); err != nil {
			return err
		}
	}
	tx.Audit("handover.rehearse", "handover_event", r.EventID, map[string]any{"rehearsal": id, "total": r.Total, "ready": r.Ready, "blocked": r.Blocked})
	return nil
}

// LatestRehearsal is the event's newest rehearsal made no later than the
// instant before (zero: the newest of all), with its blocked flats; ok is
// false when there is none.
func (db *DB) LatestRehearsal(ctx context.Context, eventID int64, before time.Time) (Rehearsal, bool, error) {
	if before.IsZero() {
		before = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	r, err := db.rehearsal(ctx, `id = (SELECT MAX(id) FROM handover_rehearsals WHERE event_id = $1 AND run_at <= $2)`, eventID, before)
	if problem.KindOf(err) == problem.NotFound {
		return r, false, nil
	}
	return r, err == nil, err
}

// rehearsal reads the rehearsal where cond holds, with its blocked flats.
func (db *DB) rehearsal(ctx context.Context, cond string, args ...any) (Rehearsal, error) {
	var r Rehearsal
	var problems string
	err := db.r().QueryRowContext(ctx, `SELECT id, event_id, run_at, run_by, total, problems FROM handover_rehearsals WHERE `+cond, args...).
		Scan(&r.ID, &r.EventID, &r.RunAt, &r.RunBy, &r.Total, &problems)
	if err != nil {
		return r, notFound(err, "rehearsal.not_found", "没有预演记录")
	}
	if problems != "" {
		r.Problems = strings.Split(problems, "\n")
	}
	rows, err := db.r().QueryContext(ctx, `SELECT x.unit_id, b.name || ' ' || u.room, x.reasons, x.owners FROM handover_rehearsal_units x
		JOIN units u ON u.id = x.unit_id JOIN buildings b ON b.id = u.building_id WHERE x.rehearsal_id = $1 ORDER BY x.unit_id`, r.ID)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	for rows.Next() {
		var u RehearsalUnit
		var reasons, owners string
		if err := rows.Scan(&u.UnitID, &u.Room, &reasons, &owners); err != nil {
			return r, err
		}
		u.Reasons = strings.Split(reasons, "\n")
		if err := json.Unmarshal([]byte(owners), &u.Owners); err != nil {
			return r, fmt.Errorf("rehearsal %d unit %d: %w", r.ID, u.UnitID, err)
		}
		r.Units = append(r.Units, u)
	}
	r.Blocked = len(r.Units)
	r.Ready = r.Total - r.Blocked
	return r, rows.Err()
}

// RehearsalComparison sets the flats a handover's batch blocked beside the
// last rehearsal before the batch first ran: on the day, the blocked
// flats are those the rehearsal named unless something changed after it.
type RehearsalComparison struct {
	Rehearsed  bool      // a rehearsal preceded the batch
	Rehearsal  Rehearsal // the last one before it
	Blocked    int       // the flats the batch blocked on the day
	Foreseen   int       // of them, those the rehearsal named
	Unforeseen []handover.UnitOutcome
}

// RehearsalComparison compares the event's batch with its last rehearsal
// before the batch first started; nothing when the batch has not run.
func (db *DB) RehearsalComparison(ctx context.Context, eventID int64) (RehearsalComparison, error) {
	var c RehearsalComparison
	ev, err := loadEvent(ctx, db.r(), eventID, "")
	if err != nil || ev.StartedAt.IsZero() {
		return c, err
	}
	if c.Rehearsal, c.Rehearsed, err = db.LatestRehearsal(ctx, eventID, ev.StartedAt); err != nil || !c.Rehearsed {
		return c, err
	}
	units, err := db.HandoverUnits(ctx, eventID)
	if err != nil {
		return c, err
	}
	named := c.Rehearsal.BlockedUnits()
	for _, u := range units {
		// Blocked on the day: blocked still, or handed over and certified
		// only after the day by a later run of the batch (whose reasons
		// for the day are no longer kept).
		if u.State != handover.UnitBlocked && !(u.State == handover.HandedOver && !u.HandedOverOn.IsZero() && !u.SameDay()) {
			continue
		}
		c.Blocked++
		if named[u.UnitID] {
			c.Foreseen++
		} else {
			c.Unforeseen = append(c.Unforeseen, u)
		}
	}
	return c, nil
}

// dueEvent is a handover not yet run whose day is within its
// jurisdiction's rehearsal lead.
type dueEvent struct {
	id, project  int64
	name         string
	jurisdiction string
	developer    int64
	heldOn       calendar.Date
	daysLeft     int // working days to the day (negative: past)
	lead         int // the jurisdiction's rehearsal lead
}

// rehearsalsDue lists the handovers planned and not yet run whose day is
// at most their jurisdiction's rehearsal lead of working days away
// (handover.SettingRehearsalDays), or already past: until the batch runs,
// its flats are still to be warned of. A day too far off for the lead is
// not counted in working days at all, so that a handover scheduled into a
// year whose holidays are not yet published is simply not due.
func (db *DB) rehearsalsDue(ctx context.Context, cal *calendar.Calendar) ([]dueEvent, error) {
	today := calendar.DateOf(db.Now())
	rows, err := db.r().QueryContext(ctx, `SELECT e.id, e.project_id, p.name, p.jurisdiction, p.developer_org, e.held_on, j.region FROM handover_events e
		JOIN projects p ON p.id = e.project_id JOIN jurisdictions j ON j.code = p.jurisdiction
		WHERE e.state = 'planned' ORDER BY e.held_on, e.id`)
	if err != nil {
		return nil, err
	}
	type row struct {
		dueEvent
		held, region string
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.project, &r.name, &r.jurisdiction, &r.developer, &r.held, &r.region); err != nil {
			rows.Close()
			return nil, err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []dueEvent
	for _, r := range all {
		v, err := setting(ctx, db.r(), r.jurisdiction, handover.SettingRehearsalDays, "")
		if err != nil {
			return nil, err
		}
		lead, err := handover.ParseRehearsalDays(v)
		if err != nil {
			lead = handover.DefaultRehearsalDays // a bad stored value (the page refuses them) keeps the default
		}
		if r.heldOn, err = calendar.ParseDate(r.held); err != nil {
			return nil, err
		}
		// lead working days span at most lead·7/5 days, and a holiday week.
		if r.heldOn.After(today.AddDays(lead*7/5 + 15)) {
			continue
		}
		if r.daysLeft, _, err = cal.WorkdaysBetween(today, r.heldOn, r.region); err != nil {
			continue // the calendar cannot count to the day: not due
		}
		if r.daysLeft <= lead {
			r.lead = lead
			out = append(out, r.dueEvent)
		}
	}
	return out, nil
}

// RehearseDue is the nightly 交房预演: every handover due a rehearsal
// (rehearsalsDue) and not yet rehearsed today is rehearsed by the
// platform. It returns how many were; one that fails (its error is
// returned with the others') does not keep the others from their
// rehearsal. Run hourly, it rehearses each once a day, on the first run
// after midnight.
func (db *DB) RehearseDue(ctx context.Context, cal *calendar.Calendar, keys *certificate.Keyring) (int, error) {
	due, err := db.rehearsalsDue(ctx, cal)
	if err != nil {
		return 0, err
	}
	midnight := calendar.DateOf(db.Now()).Start()
	n := 0
	var errs []error
	for _, e := range due {
		last, ok, err := db.LatestRehearsal(ctx, e.id, time.Time{})
		if err != nil {
			return n, err
		}
		if ok && !last.RunAt.Before(midnight) {
			continue
		}
		if _, err := db.RehearseHandover(ctx, audit.System(), cal, e.id, keys); err != nil {
			errs = append(errs, fmt.Errorf("rehearsal of handover %d: %w", e.id, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// findRehearsalBlocks: for each handover due a rehearsal, one finding per
// party the last rehearsal found flats waiting on.
func findRehearsalBlocks(ctx context.Context, c *alertContext) ([]supervision.Finding, error) {
	due, err := c.rehearsing(ctx)
	if err != nil {
		return nil, err
	}
	var out []supervision.Finding
	for _, e := range due {
		r, ok, err := c.db.LatestRehearsal(ctx, e.id, time.Time{})
		if err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		for _, o := range r.Owners() {
			first := o.Units[0]
			reason := first.Reasons[0]
			for i, p := range first.Owners {
				if ownerOf(p) == o.Party {
					reason = first.Reasons[i]
					break
				}
			}
			// Who is told: the organisation; for the buyers (and a rule's
			// "开发企业" without its id), the developer; for the housing
			// bureau's work, the jurisdiction's bureau; for the registry's
			// own work and a party outside the platform (the court that
			// sealed the flat, a mortgagee), the jurisdiction's
			// registration centre, which records what they decide and can
			// reach them.
			org := o.Party.OrgID
			switch {
			case org != 0:
			case o.Party.Kind == identity.Individual, o.Party.Kind == identity.Developer:
				org = e.developer
			case o.Party.Kind == identity.Housing:
				org = c.orgs[e.jurisdiction][identity.Housing]
			default:
				org = c.orgs[e.jurisdiction][identity.Registry]
			}
			out = append(out, supervision.RehearsalBlock(supervision.RehearsalFacts{EventID: e.id, ProjectID: e.project, Project: e.name,
				Jurisdiction: e.jurisdiction, HeldOn: e.heldOn, DaysLeft: e.daysLeft, Owner: o.Party.Name, OwnerKind: string(o.Party.Kind),
				OwnerOrg: org, Units: len(o.Units), First: first.Room + "：" + reason}, e.lead, c.now))
		}
	}
	return out, nil
}

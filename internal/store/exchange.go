package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/exchange"
	"handover/internal/identity"
	"handover/internal/problem"
)

const endpointColumns = `e.id, e.org_id, o.name, e.name, e.url, e.secret, e.events, e.jurisdiction, e.active, e.created_at,
	e.previous_secret, e.previous_until`

func scanEndpoint(r interface{ Scan(...any) error }) (exchange.Endpoint, error) {
	var e exchange.Endpoint
	var events string
	var until sql.NullTime
	err := r.Scan(&e.ID, &e.OrgID, &e.OrgName, &e.Name, &e.URL, &e.Secret, &events, &e.Jurisdiction, &e.Active, &e.CreatedAt,
		&e.PreviousSecret, &until)
	if events != "" {
		e.Events = strings.Split(events, ",")
	}
	e.PreviousUntil = until.Time
	return e, err
}

// Endpoints lists partner endpoints, optionally of one organisation.
func (db *DB) Endpoints(ctx context.Context, orgID int64) ([]exchange.Endpoint, error) {
	q := `SELECT ` + endpointColumns + ` FROM partner_endpoints e JOIN organisations o ON o.id = e.org_id`
	var args []any
	if orgID != 0 {
		q += ` WHERE e.org_id = $1`
		args = append(args, orgID)
	}
	rows, err := db.r().QueryContext(ctx, q+` ORDER BY e.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []exchange.Endpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Endpoint returns one endpoint.
func (db *DB) Endpoint(ctx context.Context, id int64) (exchange.Endpoint, error) {
	e, err := scanEndpoint(db.r().QueryRowContext(ctx, `SELECT `+endpointColumns+` FROM partner_endpoints e JOIN organisations o ON o.id = e.org_id WHERE e.id = $1`, id))
	return e, notFound(err, "endpoint.not_found", "接收地址不存在")
}

// PutEndpoint creates an endpoint (ID 0) or updates one.
func (db *DB) PutEndpoint(ctx context.Context, actor audit.Actor, e exchange.Endpoint) (exchange.Endpoint, error) {
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		if e.OrgName, err = tx.decidePartner(ctx, e.OrgID); err != nil {
			return err
		}
		if err := e.Validate(); err != nil {
			return err
		}
		events := strings.Join(e.Events, ",")
		if e.ID == 0 {
			e.CreatedAt = tx.now
			id, err := tx.insertID(ctx, `INSERT INTO partner_endpoints (org_id, name, url, secret, events, jurisdiction, active, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, e.OrgID, e.Name, e.URL, e.Secret, events, e.Jurisdiction, e.Active, tx.now)
			if err != nil {
				return err
			}
			e.ID = id
			if err := tx.subscribe(ctx, e); err != nil {
				return err
			}
			tx.Audit("endpoint.create", "partner_endpoint", id, map[string]any{"org": e.OrgID, "url": e.URL, "events": e.Events})
			return nil
		}
		res, err := tx.exec(ctx, `UPDATE partner_endpoints SET name = $1, url = $2, secret = $3, events = $4, jurisdiction = $5, active = $6 WHERE id = $7`,
			e.Name, e.URL, e.Secret, events, e.Jurisdiction, e.Active, e.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return problem.New(problem.NotFound, "endpoint.not_found", "接收地址不存在")
		}
		if err := tx.subscribe(ctx, e); err != nil {
			return err
		}
		tx.Audit("endpoint.update", "partner_endpoint", e.ID, map[string]any{"url": e.URL, "events": e.Events, "active": e.Active})
		return nil
	})
	return e, err
}

// RotateEndpointSecret makes secret the endpoint's current secret and
// keeps the one it replaces signing deliveries for days (1–30; 0: 7)
// more: the rule is exchange.Endpoint.Rotate. Access is decided as for
// editing the endpoint (decidePartner). The audit event records the
// window, never a secret.
func (db *DB) RotateEndpointSecret(ctx context.Context, actor audit.Actor, id int64, secret string, days int) (exchange.Endpoint, error) {
	return db.changeSecrets(ctx, actor, id, func(tx *Tx, e *exchange.Endpoint) error {
		if err := e.Rotate(secret, days, tx.now); err != nil {
			return err
		}
		tx.Audit("endpoint.rotate", "partner_endpoint", id, map[string]any{"days": days, "previous_until": chinaMinute(e.PreviousUntil)})
		return nil
	})
}

// EndEndpointChangeover ends an endpoint's changeover now: the previous
// secret is dropped and deliveries are signed with the current one only
// (exchange.Endpoint.EndChangeover). Access as for editing the endpoint.
func (db *DB) EndEndpointChangeover(ctx context.Context, actor audit.Actor, id int64) (exchange.Endpoint, error) {
	return db.changeSecrets(ctx, actor, id, func(tx *Tx, e *exchange.Endpoint) error {
		until := e.PreviousUntil
		if err := e.EndChangeover(tx.now); err != nil {
			return err
		}
		tx.Audit("endpoint.rotate_end", "partner_endpoint", id, map[string]any{"planned_until": chinaMinute(until)})
		return nil
	})
}

// chinaMinute is t as the pages show it, for an audit summary.
func chinaMinute(t time.Time) string { return t.In(calendar.China).Format("2006-01-02 15:04") }

// changeSecrets loads endpoint id locked, decides access on its
// organisation, lets change rule on its secrets and saves them.
func (db *DB) changeSecrets(ctx context.Context, actor audit.Actor, id int64, change func(*Tx, *exchange.Endpoint) error) (exchange.Endpoint, error) {
	var e exchange.Endpoint
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		e, err = scanEndpoint(tx.queryRow(ctx, `SELECT `+endpointColumns+` FROM partner_endpoints e JOIN organisations o ON o.id = e.org_id
			WHERE e.id = $1`+db.forUpdateOf("e"), id))
		if err != nil {
			return notFound(err, "endpoint.not_found", "接收地址不存在")
		}
		if _, err := tx.decidePartner(ctx, e.OrgID); err != nil {
			return err
		}
		if err := change(tx, &e); err != nil {
			return err
		}
		until := sql.NullTime{Time: e.PreviousUntil.UTC(), Valid: !e.PreviousUntil.IsZero()} // NULL: no changeover left
		_, err = tx.exec(ctx, `UPDATE partner_endpoints SET secret = $1, previous_secret = $2, previous_until = $3 WHERE id = $4`,
			e.Secret, e.PreviousSecret, until, id)
		return err
	})
	return e, err
}

// decidePartner decides PartnerManage on the jurisdiction of organisation
// org, an endpoint's receiver, and returns its name; an organisation that
// does not exist is the form's bad choice.
func (tx *Tx) decidePartner(ctx context.Context, org int64) (string, error) {
	var name, j string
	err := tx.queryRow(ctx, `SELECT name, jurisdiction FROM organisations WHERE id = $1`, org).Scan(&name, &j)
	if errors.Is(err, sql.ErrNoRows) {
		return "", &problem.Error{Kind: problem.Invalid, Code: "endpoint.invalid", Message: "接收地址配置有误", Fields: map[string]string{"org": "机构不存在"}}
	}
	if err != nil {
		return "", err
	}
	return name, decide(ctx, access.PartnerManage, access.Target{Jurisdiction: j})
}

// subscribe replaces the endpoint's rows in endpoint_events, the index by
// event type that the outbox's fan-out joins (the events column keeps the
// list as the administrator entered it).
func (tx *Tx) subscribe(ctx context.Context, e exchange.Endpoint) error {
	if _, err := tx.exec(ctx, `DELETE FROM endpoint_events WHERE endpoint_id = $1`, e.ID); err != nil {
		return err
	}
	for _, typ := range e.Events {
		if _, err := tx.exec(ctx, `INSERT INTO endpoint_events (endpoint_id, event_type) VALUES ($1, $2) ON CONFLICT DO NOTHING`, e.ID, typ); err != nil {
			return err
		}
	}
	return nil
}

// Delivery is one event's delivery to one endpoint, with its event.
type Delivery struct {
	ID          int64
	Lease       string // the claim's name (owner#attempt), while claimed
	Event       exchange.Event
	Endpoint    exchange.Endpoint
	State       string
	Attempts    int
	NextAt      time.Time
	LastStatus  int
	LastError   string
	DeliveredAt time.Time
}

// ClaimDeliveries leases up to n due deliveries to owner. A delivery is due
// only when no earlier event of the same aggregate is still undelivered to
// the same endpoint, so that partners receive a unit's events in order.
func (db *DB) ClaimDeliveries(ctx context.Context, n int, lease time.Duration, owner string) ([]Delivery, error) {
	var out []Delivery
	skip := ""
	if db.engine == Postgres {
		skip = " FOR UPDATE SKIP LOCKED"
	}
	err := db.transact(ctx, audit.System(), func(tx *Tx) error {
		out = out[:0]
		now := tx.now
		ids, err := int64s(ctx, tx.q(), `SELECT d.id FROM deliveries d WHERE d.state = 'pending' AND d.next_at <= $1
			AND (d.leased_until IS NULL OR d.leased_until < $1)
			AND NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.endpoint_id = d.endpoint_id AND p.aggregate = d.aggregate
				AND p.outbox_id < d.outbox_id AND p.state <> 'delivered')
			ORDER BY d.outbox_id LIMIT $2`+skip, now, n)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.exec(ctx, `UPDATE deliveries SET leased_until = $1, lease_owner = CAST($3 AS TEXT) || '#' || CAST(attempts + 1 AS TEXT),
				attempts = attempts + 1 WHERE id = $2`, now.Add(lease), id, owner); err != nil {
				return err
			}
			d, err := tx.db.deliveryByID(ctx, tx.q(), id)
			if err != nil {
				return err
			}
			d.Lease = fmt.Sprintf("%s#%d", owner, d.Attempts)
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

func (db *DB) deliveryByID(ctx context.Context, q querier, id int64) (Delivery, error) {
	var d Delivery
	var next sql.NullTime
	var delivered sql.NullTime
	var payload string
	var until sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT d.id, d.state, d.attempts, d.next_at, d.last_status, d.last_error, d.delivered_at,
		x.id, x.type, x.aggregate, x.jurisdiction, x.payload, x.created_at, `+endpointColumns+`
		FROM deliveries d JOIN outbox x ON x.id = d.outbox_id JOIN partner_endpoints e ON e.id = d.endpoint_id
		JOIN organisations o ON o.id = e.org_id WHERE d.id = $1`, id).
		Scan(&d.ID, &d.State, &d.Attempts, &next, &d.LastStatus, &d.LastError, &delivered,
			&d.Event.ID, &d.Event.Type, &d.Event.Aggregate, &d.Event.Jurisdiction, &payload, &d.Event.CreatedAt,
			&d.Endpoint.ID, &d.Endpoint.OrgID, &d.Endpoint.OrgName, &d.Endpoint.Name, &d.Endpoint.URL, &d.Endpoint.Secret,
			new(string), &d.Endpoint.Jurisdiction, &d.Endpoint.Active, &d.Endpoint.CreatedAt, &d.Endpoint.PreviousSecret, &until)
	if err != nil {
		return d, notFound(err, "delivery.not_found", "投递记录不存在")
	}
	if payload, err = openValue(db.ring(), field("outbox", "payload", d.Event.Aggregate), payload); err != nil {
		return d, err
	}
	d.NextAt, d.DeliveredAt, d.Event.Payload, d.Endpoint.PreviousUntil = next.Time, delivered.Time, []byte(payload), until.Time
	return d, nil
}

// RenewDelivery extends the claim named lease (Delivery.Lease) to until,
// just before the delivery is sent, and reports whether it still held it;
// false means another claim took it over (the lease ran out) and sends it
// instead.
func (db *DB) RenewDelivery(ctx context.Context, id int64, lease string, until time.Time) (bool, error) {
	n, err := db.execWriteN(ctx, `UPDATE deliveries SET leased_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'pending'`,
		until.UTC(), id, lease)
	return n == 1, err
}

// DeliveryDone records an acknowledged delivery; it is never sent again.
func (db *DB) DeliveryDone(ctx context.Context, id int64, status int) error {
	_, err := db.execWrite(ctx, `UPDATE deliveries SET state = 'delivered', delivered_at = $1, last_status = $2, last_error = '',
		leased_until = NULL WHERE id = $3 AND state = 'pending'`, db.Now(), status, id)
	return err
}

// DeliveryFailed records a failed attempt and when to try again; after
// maxAttempts (0: never) the delivery is dead (an administrator may replay it).
func (db *DB) DeliveryFailed(ctx context.Context, id int64, lease string, status int, errText string, next time.Time, maxAttempts int) error {
	if maxAttempts <= 0 {
		maxAttempts = 1 << 30
	}
	_, err := db.execWrite(ctx, `UPDATE deliveries SET last_status = $1, last_error = $2, next_at = $3, leased_until = NULL,
		state = CASE WHEN attempts >= $4 THEN 'dead' ELSE 'pending' END WHERE id = $5 AND state = 'pending' AND lease_owner = $6`,
		status, truncate(errText, 500), next.UTC(), maxAttempts, id, lease)
	return err
}

// DeliveryQuery filters Deliveries.
type DeliveryQuery struct {
	EndpointID int64
	State      string
	Limit      int
}

// Deliveries lists deliveries, newest first.
func (db *DB) Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if q.EndpointID != 0 {
		where = append(where, `endpoint_id = `+arg(q.EndpointID))
	}
	if q.State != "" {
		where = append(where, `state = `+arg(q.State))
	}
	s := `SELECT id FROM deliveries`
	if len(where) > 0 {
		s += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	ids, err := int64s(ctx, db.r(), s+` ORDER BY id DESC LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(ids))
	for _, id := range ids {
		d, err := db.deliveryByID(ctx, db.r(), id)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// DeliveryListQuery asks for one page of the deliveries to the endpoints
// a filter allows.
type DeliveryListQuery struct {
	EndpointID int64
	State      string // pending | delivered | dead ("": every state)
	// Failed keeps what waits on an administrator: deliveries given up
	// (dead, what 重新投递 acts on) and those whose last attempt failed
	// and that wait for their next try.
	Failed bool
	// Search is part of the event's type (its code or its name), of the
	// record it is about (unit:2092), or of the receiving endpoint's or
	// organisation's name.
	Search string
	Page   Page
}

// DeliveryList lists deliveries a page at a time, newest first, with
// their number; f is PartnerManage's filter: the deliveries to the
// endpoints of organisations in its jurisdiction.
func (db *DB) DeliveryList(ctx context.Context, f access.Filter, q DeliveryListQuery) (Listed[Delivery], error) {
	l := db.newList()
	if !f.All {
		if f.Jurisdiction == "" {
			return Listed[Delivery]{Page: q.Page.normal()}, nil
		}
		l.and(`o.jurisdiction = ` + l.arg(f.Jurisdiction))
	}
	if q.EndpointID != 0 {
		l.and(`d.endpoint_id = ` + l.arg(q.EndpointID))
	}
	if q.State != "" {
		l.and(`d.state = ` + l.arg(q.State))
	}
	if q.Failed {
		l.and(`(d.state = 'dead' OR (d.state = 'pending' AND d.last_error <> ''))`)
	}
	if text := strings.TrimSpace(q.Search); text != "" {
		l.like(text, `x.type`, `d.aggregate`, `e.name`, `o.name`)
		// An event type is found by its name too (备案 finds the filings).
		var marks []string
		for _, t := range exchange.EventTypes() {
			if strings.Contains(t.Name, text) {
				marks = append(marks, l.arg(t.Code))
			}
		}
		if len(marks) > 0 {
			last := len(l.where) - 1
			l.where[last] = `(` + l.where[last] + ` OR x.type IN (` + strings.Join(marks, ", ") + `))`
		}
	}
	if q.Search == "" {
		// The count needs no event: deliveries are counted over their
		// own table (and the few endpoints), not joined to the outbox.
		l.countFrom = `FROM deliveries d JOIN partner_endpoints e ON e.id = d.endpoint_id JOIN organisations o ON o.id = e.org_id`
	}
	return list(ctx, db.r(), q.Page, `d.id, d.state, d.attempts, d.next_at, d.last_status, d.last_error, d.delivered_at,
		x.id, x.type, x.aggregate, x.jurisdiction, x.created_at, e.id, e.org_id, o.name, e.name, e.jurisdiction`,
		`FROM deliveries d JOIN outbox x ON x.id = d.outbox_id JOIN partner_endpoints e ON e.id = d.endpoint_id JOIN organisations o ON o.id = e.org_id`,
		`d.id DESC`, l, func(r rowScanner) (Delivery, error) {
			var d Delivery
			var delivered sql.NullTime
			err := r.Scan(&d.ID, &d.State, &d.Attempts, &d.NextAt, &d.LastStatus, &d.LastError, &delivered,
				&d.Event.ID, &d.Event.Type, &d.Event.Aggregate, &d.Event.Jurisdiction, &d.Event.CreatedAt,
				&d.Endpoint.ID, &d.Endpoint.OrgID, &d.Endpoint.OrgName, &d.Endpoint.Name, &d.Endpoint.Jurisdiction)
			d.DeliveredAt = delivered.Time
			return d, err
		})
}

// Outbox lists the newest events.
func (db *DB) Outbox(ctx context.Context, limit int) ([]exchange.Event, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT id, type, aggregate, jurisdiction, payload, created_at FROM outbox ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []exchange.Event
	for rows.Next() {
		var e exchange.Event
		var p string
		if err := rows.Scan(&e.ID, &e.Type, &e.Aggregate, &e.Jurisdiction, &p, &e.CreatedAt); err != nil {
			return nil, err
		}
		p, err := openValue(db.ring(), field("outbox", "payload", e.Aggregate), p)
		if err != nil {
			return nil, err
		}
		e.Payload = []byte(p)
		out = append(out, e)
	}
	return out, rows.Err()
}

// ---- the outbox

// outboxEvent is an event queued by a transaction, written when it commits.
type outboxEvent struct {
	typ, aggregate, jurisdiction string
	body                         []byte
	org                          int64 // addressed to one organisation (0: every subscriber)
}

// emit queues an outbound event of the transaction. The events are written
// just before commit (flushOutbox), so that a transaction's events cost two
// statements however many it emits (one, pipelined, on PostgreSQL); a
// rolled-back transaction emits none.
func (tx *Tx) emit(typ, aggregate, jurisdiction string, payload any) error {
	return tx.emitTo(0, typ, aggregate, jurisdiction, payload)
}

// emitTo queues an event for one organisation's endpoints only (org 0:
// every subscriber).
func (tx *Tx) emitTo(org int64, typ, aggregate, jurisdiction string, payload any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	tx.outbox = append(tx.outbox, outboxEvent{typ: typ, aggregate: aggregate, jurisdiction: jurisdiction, body: body, org: org})
	return nil
}

// flushOutbox writes the queued events in one multi-row INSERT (their ids
// follow the order they were emitted in, which the courier keeps per unit)
// and, in one more statement, a pending delivery per active endpoint
// subscribed to each event's type in its jurisdiction. On PostgreSQL the
// two are one statement, pipelined (execPiped): its failure is the
// transaction's, seen by the flush.
func (tx *Tx) flushOutbox(ctx context.Context) error {
	// In statements of at most auditRows events, for the reason the audit
	// trail is written so (a batch emits thousands of events a chunk).
	for events := tx.outbox; len(events) > 0; {
		n := min(len(events), auditRows)
		if err := tx.flushOutboxRows(ctx, events[:n]); err != nil {
			return err
		}
		events = events[n:]
	}
	return nil
}

func (tx *Tx) flushOutboxRows(ctx context.Context, events []outboxEvent) error {
	var b strings.Builder
	b.WriteString(`INSERT INTO outbox (type, aggregate, jurisdiction, payload, created_at, target_org) VALUES `)
	args := make([]any, 0, 6*len(events)+1)
	for i, e := range events {
		if i > 0 {
			b.WriteString(", ")
		}
		body, err := sealValue(tx.db.ring(), field("outbox", "payload", e.aggregate), string(e.body))
		if err != nil {
			return err
		}
		n := len(args)
		fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6)
		args = append(args, e.typ, e.aggregate, e.jurisdiction, body, tx.now, e.org)
	}
	if tx.db.engine == Postgres {
		// One statement, which the transaction pipelines: the deliveries
		// are made from the rows the insert returns.
		args = append(args, tx.now)
		return tx.execPiped(ctx, `WITH o AS (`+b.String()+` RETURNING id, type, aggregate, jurisdiction, target_org)
		`+deliveriesFrom(`o`, fmt.Sprintf("$%d", len(args)), ``), nil, args...)
	}
	b.WriteString(` RETURNING id`)
	rows, err := tx.query(ctx, b.String(), args...)
	if err != nil {
		return err
	}
	var ids []any
	var marks []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
		marks = append(marks, fmt.Sprintf("$%d", len(ids)+1))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = tx.exec(ctx, deliveriesFrom(`outbox o`, `$1`, `WHERE o.id IN (`+strings.Join(marks, ", ")+`)`), append([]any{tx.now}, ids...)...)
	return err
}

// deliveriesFrom is the INSERT of a pending delivery, due at nextAt, of
// each outbox event the rows from (aliased o) name to each active endpoint
// subscribed to its type in its jurisdiction (and its target organisation).
func deliveriesFrom(from, nextAt, where string) string {
	return `INSERT INTO deliveries (outbox_id, endpoint_id, aggregate, state, next_at)
		SELECT o.id, e.id, o.aggregate, 'pending', ` + nextAt + ` FROM ` + from + `
		JOIN endpoint_events s ON s.event_type = o.type
		JOIN partner_endpoints e ON e.id = s.endpoint_id AND e.active AND (e.jurisdiction = '' OR e.jurisdiction = o.jurisdiction)
			AND (o.target_org = 0 OR e.org_id = o.target_org)
		` + where
}

// SettingMaxAttempts is the prefecture's setting of how many failed
// attempts make a delivery dead (an administrator may replay it).
const SettingMaxAttempts = "exchange.max_attempts"

// DefaultMaxAttempts is the number of attempts before a delivery is dead:
// with the courier's backoff, about two days of trying.
const DefaultMaxAttempts = 16

// MaxAttempts reads the prefecture's setting (the default when unset or
// out of 1…1000).
func (db *DB) MaxAttempts(ctx context.Context) (int, error) {
	v, err := db.Setting(ctx, identity.PrefectureCode, SettingMaxAttempts, "")
	if err != nil {
		return 0, err
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 1 && n <= 1000 {
		return n, nil
	}
	return DefaultMaxAttempts, nil
}

// EndpointHealth is a partner endpoint's delivery health: how much was
// delivered, what waits (the backlog) and since when (the lag), what keeps
// failing and what was given up.
type EndpointHealth struct {
	Endpoint      exchange.Endpoint
	Delivered     int
	Backlog       int // pending
	Failing       int // pending after a failed attempt
	Dead          int
	OldestPending time.Time // zero when nothing waits
	LastDelivered time.Time
	LastError     string
}

// Lag is how long the oldest waiting event has waited at now.
func (h EndpointHealth) Lag(now time.Time) time.Duration {
	if h.OldestPending.IsZero() {
		return 0
	}
	return now.Sub(h.OldestPending)
}

// Healthy reports whether nothing keeps failing and nothing was given up.
func (h EndpointHealth) Healthy() bool { return h.Failing == 0 && h.Dead == 0 }

// PartnerHealth reports the health of every endpoint (in one query per
// measure, whatever the number of deliveries).
func (db *DB) PartnerHealth(ctx context.Context) ([]EndpointHealth, error) {
	es, err := db.Endpoints(ctx, 0)
	if err != nil {
		return nil, err
	}
	by := map[int64]*EndpointHealth{}
	out := make([]EndpointHealth, len(es))
	for i, e := range es {
		out[i].Endpoint = e
		by[e.ID] = &out[i]
	}
	rows, err := db.r().QueryContext(ctx, `SELECT d.endpoint_id,
		SUM(CASE WHEN d.state = 'delivered' THEN 1 ELSE 0 END), SUM(CASE WHEN d.state = 'pending' THEN 1 ELSE 0 END),
		SUM(CASE WHEN d.state = 'pending' AND d.attempts > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN d.state = 'dead' THEN 1 ELSE 0 END)
		FROM deliveries d GROUP BY d.endpoint_id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var h EndpointHealth
		if err := rows.Scan(&id, &h.Delivered, &h.Backlog, &h.Failing, &h.Dead); err != nil {
			rows.Close()
			return nil, err
		}
		if x := by[id]; x != nil {
			x.Delivered, x.Backlog, x.Failing, x.Dead = h.Delivered, h.Backlog, h.Failing, h.Dead
		}
	}
	rows.Close()
	for i := range out {
		h := &out[i]
		var oldest, last sql.NullTime
		if err := db.r().QueryRowContext(ctx, `SELECT x.created_at FROM deliveries d JOIN outbox x ON x.id = d.outbox_id
			WHERE d.endpoint_id = $1 AND d.state = 'pending' ORDER BY d.outbox_id LIMIT 1`, h.Endpoint.ID).Scan(&oldest); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		if err := db.r().QueryRowContext(ctx, `SELECT delivered_at FROM deliveries WHERE endpoint_id = $1 AND state = 'delivered'
			ORDER BY delivered_at DESC LIMIT 1`, h.Endpoint.ID).Scan(&last); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		if err := db.r().QueryRowContext(ctx, `SELECT last_error FROM deliveries WHERE endpoint_id = $1 AND state <> 'delivered' AND last_error <> ''
			ORDER BY id DESC LIMIT 1`, h.Endpoint.ID).Scan(&h.LastError); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		h.OldestPending, h.LastDelivered = oldest.Time, last.Time
	}
	return out, nil
}

// ReplayDeliveries gives an endpoint's dead deliveries another round of
// attempts, in their order, and returns how many. The rule is
// exchange.Replay, asked on the endpoint's dead deliveries; asked again on
// the rows the update took, it guards against a replay that came first.
func (db *DB) ReplayDeliveries(ctx context.Context, actor audit.Actor, endpointID int64) (int, error) {
	var n int64
	err := db.transact(ctx, actor, func(tx *Tx) error {
		e, err := scanEndpoint(tx.queryRow(ctx, `SELECT `+endpointColumns+` FROM partner_endpoints e JOIN organisations o ON o.id = e.org_id
			WHERE e.id = $1`, endpointID))
		if err != nil {
			return notFound(err, "endpoint.not_found", "部门接收地址不存在")
		}
		if _, err := tx.decidePartner(ctx, e.OrgID); err != nil {
			return err
		}
		var dead int64
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM deliveries WHERE endpoint_id = $1 AND state = $2`, endpointID, exchange.Dead).Scan(&dead); err != nil {
			return err
		}
		if err := exchange.Replay(dead); err != nil {
			return err
		}
		if n, err = tx.execN(ctx, `UPDATE deliveries SET state = $1, attempts = 0, next_at = $2, leased_until = NULL, last_error = ''
			WHERE endpoint_id = $3 AND state = $4`, exchange.Pending, tx.now, endpointID, exchange.Dead); err != nil {
			return err
		}
		if err := exchange.Replay(n); err != nil {
			return err
		}
		tx.Audit("delivery.replay", "partner_endpoint", endpointID, map[string]int64{"deliveries": n})
		return nil
	})
	return int(n), err
}

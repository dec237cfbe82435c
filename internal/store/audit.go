package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
)

// ensureAuditHeads creates the head row of every lane at its genesis hash.
func (db *DB) ensureAuditHeads(ctx context.Context) error {
	for l := 0; l < audit.Lanes; l++ {
		if _, err := db.sql.ExecContext(ctx,
			`INSERT INTO audit_heads (lane, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (lane) DO NOTHING`,
			l, audit.Genesis(l)); err != nil {
			return fmt.Errorf("audit heads: %w", err)
		}
	}
	return nil
}

// flushAudit appends the transaction's queued events to one lane's chain.
// It runs last, just before commit, so the lane head is locked for as short
// a time as possible.
//
// The head is usually the one this process last wrote (heads): the events
// are chained from it and the head moved on in one statement that matches
// it exactly (seq and hash), which also takes the head's lock. The head
// is then what the events were chained from, and stays so until the
// commit, as if it had been read locked. When it is not (another process
// or transaction wrote the lane since, this process's write was rolled
// back, or someone changed the head), the statement changes nothing and
// the head is read, locked, as before.
func (tx *Tx) flushAudit(ctx context.Context) error {
	if len(tx.events) == 0 {
		return nil
	}
	lane := audit.LaneOf(tx.events[0].RecordType, tx.events[0].RecordID)
	if h, ok := tx.db.heads.get(lane); ok {
		seq, last := tx.chainEvents(lane, h.seq, h.hash)
		// The head's move goes with the statements pipelined before it;
		// whether it moved decides the next statement.
		moved := false
		if err := tx.execPiped(ctx, `UPDATE audit_heads SET seq = $1, hash = $2 WHERE lane = $3 AND seq = $4 AND hash = $5`,
			func(n int64) error { moved = n == 1; return nil }, seq, last, lane, h.seq, h.hash); err != nil {
			return err
		}
		if err := tx.drain(ctx); err != nil {
			return err
		}
		if moved {
			tx.db.heads.put(lane, seq, last)
			return tx.insertAuditEvents(ctx)
		}
	}
	var seq int64
	var prev []byte
	if err := tx.queryRow(ctx, `SELECT seq, hash FROM audit_heads WHERE lane = $1`+tx.db.forUpdate(), lane).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("lock audit lane %d: %w", lane, err)
	}
	seq, last := tx.chainEvents(lane, seq, prev)
	if err := tx.insertAuditEvents(ctx); err != nil {
		return err
	}
	if err := tx.execPiped(ctx, `UPDATE audit_heads SET seq = $1, hash = $2 WHERE lane = $3`, nil, seq, last, lane); err != nil {
		return err
	}
	tx.db.heads.put(lane, seq, last)
	return nil
}

// chainEvents numbers and hashes the queued events after a lane's head
// (seq, prev) and returns the new head.
func (tx *Tx) chainEvents(lane int, seq int64, prev []byte) (int64, []byte) {
	for i := range tx.events {
		e := &tx.events[i]
		seq++
		e.Lane, e.Seq, e.PrevHash = lane, seq, prev
		e.Hash = audit.Compute(prev, e)
		prev = e.Hash
	}
	return seq, prev
}

// auditHeads remembers the head of each lane this process last wrote. It
// is a guess that saves the read of the head, never trusted: flushAudit
// moves the head only where it still is what was remembered. A guess
// written by a transaction that then rolled back costs the next one that
// read.
type auditHeads struct {
	mu sync.Mutex
	m  map[int]auditHead
}

type auditHead struct {
	seq  int64
	hash []byte
}

func (h *auditHeads) get(lane int) (auditHead, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.m[lane]
	return v, ok
}

func (h *auditHeads) put(lane int, seq int64, hash []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[int]auditHead{}
	}
	h.m[lane] = auditHead{seq, hash}
}

// insertAuditEvents writes the queued events in one multi-row INSERT.
func (tx *Tx) insertAuditEvents(ctx context.Context) error {
	// In statements of at most auditRows rows: every full statement has the
	// same text (prepared once), and a batch that audits a whole chunk
	// never sends one statement of thousands of values.
	for events := tx.events; len(events) > 0; {
		n := min(len(events), auditRows)
		if err := tx.insertAuditRows(ctx, events[:n]); err != nil {
			return err
		}
		events = events[n:]
	}
	return nil
}

// auditRows is how many audit events one INSERT writes.
const auditRows = 32

func (tx *Tx) insertAuditRows(ctx context.Context, events []audit.Event) error {
	const cols = 14
	var b strings.Builder
	b.WriteString(`INSERT INTO audit_events (lane, seq, at, actor_user, actor_name, actor_org, actor_org_name, addr,
		action, record_type, record_id, summary, prev_hash, hash) VALUES `)
	valuesText(&b, tx.db.engine, len(events), cols)
	args := make([]any, 0, cols*len(events))
	for _, e := range events {
		args = append(args, e.Lane, e.Seq, e.At, e.Actor.UserID, e.Actor.Name, e.Actor.OrgID, e.Actor.OrgName,
			e.Actor.Addr, e.Action, e.RecordType, e.RecordID, e.Summary, e.PrevHash, e.Hash)
	}
	return tx.execPiped(ctx, b.String(), nil, args...)
}

// RecordAudit writes audit events that are not part of a state change: an
// access denial, a login failure, a view of personal data.
func (db *DB) RecordAudit(ctx context.Context, actor audit.Actor, action, recordType string, recordID any, summary any) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		tx.Audit(action, recordType, recordID, summary)
		return nil
	})
}

// AuditQuery filters the audit trail for browsing.
type AuditQuery struct {
	Action     string   // prefix, e.g. "user." or "access.denied"
	Actions    []string // any of these exactly (what the page's search by Chinese name found)
	RecordType string
	RecordID   string
	ActorUser  int64
	From, To   time.Time // [From, To)
	BeforeID   int64     // only events with a smaller id (the API's cursor, and the way on past AuditCountCap)
	Limit      int       // ListAudit: how many events
	Page       Page      // AuditList: which page
}

const auditColumns = `id, lane, seq, at, actor_user, actor_name, actor_org, actor_org_name, addr,
	action, record_type, record_id, summary, prev_hash, hash`

func scanAudit(rows interface{ Scan(...any) error }) (audit.Event, error) {
	var e audit.Event
	err := rows.Scan(&e.ID, &e.Lane, &e.Seq, &e.At, &e.Actor.UserID, &e.Actor.Name, &e.Actor.OrgID, &e.Actor.OrgName,
		&e.Actor.Addr, &e.Action, &e.RecordType, &e.RecordID, &e.Summary, &e.PrevHash, &e.Hash)
	e.At = e.At.UTC()
	return e, err
}

// auditWhere adds the conditions of the filter and the query to l. The
// filter restricts staff of a county to events by actors of organisations
// in their jurisdiction.
func auditWhere(l *listQuery, f access.Filter, q AuditQuery) {
	if !f.All {
		l.and(`actor_org IN (SELECT id FROM organisations WHERE jurisdiction = ` + l.arg(f.Jurisdiction) + `)`)
	}
	if q.Action != "" {
		if strings.HasSuffix(q.Action, ".") {
			l.and(`action LIKE ` + l.arg(likePrefix(q.Action)) + ` ESCAPE '\'`)
		} else {
			l.and(`action = ` + l.arg(q.Action))
		}
	}
	if len(q.Actions) > 0 {
		marks := make([]string, len(q.Actions))
		for i, a := range q.Actions {
			marks[i] = l.arg(a)
		}
		l.and(`action IN (` + strings.Join(marks, ", ") + `)`)
	}
	if q.RecordType != "" {
		l.and(`record_type = ` + l.arg(q.RecordType))
	}
	if q.RecordID != "" {
		l.and(`record_id = ` + l.arg(q.RecordID))
	}
	if q.ActorUser != 0 {
		l.and(`actor_user = ` + l.arg(q.ActorUser))
	}
	if !q.From.IsZero() {
		l.and(`at >= ` + l.arg(q.From.UTC()))
	}
	if !q.To.IsZero() {
		l.and(`at < ` + l.arg(q.To.UTC()))
	}
	if q.BeforeID > 0 {
		l.and(`id < ` + l.arg(q.BeforeID))
	}
}

// ListAudit returns up to q.Limit events newest first (100 by default, at
// most 500), without counting them: the home page's figure of today's
// refusals, and the API's callers that page by the before cursor.
func (db *DB) ListAudit(ctx context.Context, f access.Filter, q AuditQuery) ([]audit.Event, error) {
	l := db.newList()
	auditWhere(l, f, q)
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := db.r().QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_events`+l.cond()+` ORDER BY id DESC LIMIT `+l.arg(limit), l.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AuditCountCap is as far as the audit list counts: the trail holds
// millions of events (every action writes one), and counting a county's
// share of them, or every login, takes longer than a page may (230 ms at
// a million events on SQLite, growing with the trail), while counting up
// to 10,000 takes a few milliseconds whatever the size. Past it the list
// says 超过 10,000 条 and goes on by the before cursor.
const AuditCountCap = 10_000

// AuditList lists the events a filter and query allow a page at a time,
// newest first, counted up to AuditCountCap (More says there are more).
func (db *DB) AuditList(ctx context.Context, f access.Filter, q AuditQuery) (Listed[audit.Event], error) {
	return db.auditList(ctx, f, q, AuditCountCap)
}

func (db *DB) auditList(ctx context.Context, f access.Filter, q AuditQuery, limit int) (Listed[audit.Event], error) {
	l := db.newList()
	auditWhere(l, f, q)
	return listCapped(ctx, db.r(), q.Page, limit, auditColumns, `FROM audit_events`, `id DESC`, l,
		func(r rowScanner) (audit.Event, error) { return scanAudit(r) })
}

// RecordRef is a record an audit event is about: its kind and id as the
// event holds them.
type RecordRef struct{ Kind, ID string }

// recordNames are the queries that name records of a kind, given a list of
// ids: the name people know a record by (a user's or project's name, a
// flat's project, building and room, a contract's number).
var recordNames = map[string]string{
	"user":         `SELECT CAST(id AS TEXT), name FROM users WHERE id IN (%s)`,
	"organisation": `SELECT CAST(id AS TEXT), name FROM organisations WHERE id IN (%s)`,
	"developer":    `SELECT CAST(id AS TEXT), name FROM organisations WHERE id IN (%s)`,
	"project":      `SELECT CAST(id AS TEXT), name FROM projects WHERE id IN (%s)`,
	"building": `SELECT CAST(b.id AS TEXT), p.name || ' ' || b.name FROM buildings b JOIN projects p ON p.id = b.project_id
		WHERE b.id IN (%s)`,
	"unit": `SELECT CAST(u.id AS TEXT), p.name || ' ' || b.name || ' ' || u.room FROM units u
		JOIN buildings b ON b.id = u.building_id JOIN projects p ON p.id = b.project_id WHERE u.id IN (%s)`,
	"contract":       `SELECT CAST(id AS TEXT), number FROM contracts WHERE id IN (%s)`,
	"application":    `SELECT CAST(id AS TEXT), number FROM applications WHERE id IN (%s)`,
	"presale_permit": `SELECT CAST(id AS TEXT), number FROM presale_permits WHERE id IN (%s)`,
}

// RecordNames names the records refs are about where a name is one query
// per kind away (see recordNames); the rest, and a record since gone, have
// none. The audit page shows the names beside the kinds and ids.
func (db *DB) RecordNames(ctx context.Context, refs []RecordRef) (map[RecordRef]string, error) {
	ids := map[string][]int64{}
	for _, r := range refs {
		if _, ok := recordNames[r.Kind]; !ok {
			continue
		}
		if id, err := strconv.ParseInt(r.ID, 10, 64); err == nil && !slices.Contains(ids[r.Kind], id) {
			ids[r.Kind] = append(ids[r.Kind], id)
		}
	}
	out := map[RecordRef]string{}
	for kind, list := range ids {
		marks, args := inList(1, list)
		if err := db.namesInto(ctx, out, kind, fmt.Sprintf(recordNames[kind], marks), args...); err != nil {
			return nil, err
		}
	}
	var codes []any
	for _, r := range refs {
		if r.Kind == "jurisdiction" && !slices.Contains(codes, any(r.ID)) {
			codes = append(codes, r.ID)
		}
	}
	if len(codes) > 0 {
		err := db.namesInto(ctx, out, "jurisdiction", `SELECT code, name FROM jurisdictions WHERE code IN (`+placeholders(1, len(codes))+`)`, codes...)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (db *DB) namesInto(ctx context.Context, out map[RecordRef]string, kind, query string, args ...any) error {
	rows, err := db.r().QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		out[RecordRef{kind, id}] = name
	}
	return rows.Err()
}

// likePrefix turns s into a LIKE pattern matching strings that start with
// s, for use with ESCAPE '\' (the same on both engines).
func likePrefix(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s) + "%"
}

// VerifyAudit walks every lane of the trail in order and checks the chain
// against the lane heads, all in one snapshot of the database: a writer
// that commits meanwhile is not mistaken for a changed head. It reads in
// pages so memory stays flat.
func (db *DB) VerifyAudit(ctx context.Context) (*audit.Verifier, error) {
	var v *audit.Verifier
	err := db.snapshot(ctx, func(q querier) error {
		var err error
		v, err = verifyAudit(ctx, q)
		return err
	})
	return v, err
}

func verifyAudit(ctx context.Context, q querier) (*audit.Verifier, error) {
	v := audit.NewVerifier()
	for lane := 0; lane < audit.Lanes; lane++ {
		var after int64
		for {
			rows, err := q.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_events
				WHERE lane = $1 AND seq > $2 ORDER BY seq LIMIT 5000`, lane, after)
			if err != nil {
				return nil, err
			}
			n := 0
			for rows.Next() {
				e, err := scanAudit(rows)
				if err != nil {
					rows.Close()
					return nil, err
				}
				v.Add(&e)
				after = e.Seq
				n++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
			if n < 5000 {
				break
			}
		}
		var seq int64
		var hash []byte
		if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_heads WHERE lane = $1`, lane).Scan(&seq, &hash); err != nil {
			return nil, fmt.Errorf("audit head %d: %w", lane, err)
		}
		v.Head(lane, seq, hash)
	}
	return v, nil
}

// RecordDenial audits a refused request (403): who tried what, and why.
func (db *DB) RecordDenial(ctx context.Context, actor audit.Actor, method, path, reason string) error {
	return db.RecordAudit(ctx, actor, "access.denied", "request", method+" "+path, map[string]string{"reason": reason})
}

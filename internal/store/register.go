package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"handover/internal/calendar"
	"handover/internal/code"
	"handover/internal/measure"
	"handover/internal/personal"
	"handover/internal/problem"
	"handover/internal/registry"
)

// ---- the register book

// record appends an entry (and its holders) to the register book; with a
// certificate kind it numbers the entry's 不动产权证书 or 不动产登记证明 in the
// series of the jurisdiction's registration authority.
func (tx *Tx) record(ctx context.Context, e registry.Entry, jurisdiction string, kind code.CertKind) (registry.Entry, error) {
	e.RecordedBy, e.RecordedAt = tx.actor.UserID, tx.now
	// On PostgreSQL a numbered entry's id is drawn from the table's
	// sequence with its number, in one round trip, and the entry itself
	// queued (execPiped) rather than inserted for its id: two waits for
	// the server fewer per filing with a loan. A batch draws its numbers
	// ahead and inserts as before.
	var id int64
	drawn := false
	var withNumber []pipedRead
	if kind != 0 && tx.conn != nil && !tx.drawsMany {
		withNumber = append(withNumber, firstRow(`SELECT nextval(pg_get_serial_sequence('register_entries', 'id'))`, nil, &drawn,
			func(r rowScanner) error { return r.Scan(&id) }))
	}
	if kind != 0 {
		no, err := tx.nextCertNo(ctx, jurisdiction, kind, withNumber...)
		if err != nil {
			return e, err
		}
		e.CertNo = no
	}
	var ends, contract any
	if e.Ends != 0 {
		ends = e.Ends
	}
	if e.ContractID != 0 {
		contract = e.ContractID
	}
	d := e.Detail
	ring := tx.db.ring()
	obligorID, err := sealValue(ring, field("register_entries", "obligor_id", e.UnitID), e.Obligor.IDNumber)
	if err != nil {
		return e, err
	}
	// The rules refuse every unique index's case first (an entry ended
	// twice, a second first registration, transfer or loan mortgage);
	// reaching an index means the book changed under a writer that held no
	// lock.
	conflict := func(err error) error {
		if isUniqueViolation(err) {
			return problem.New(problem.Conflict, "register.conflict", "该户的登记簿已被同时办理的其他业务改变，请刷新后重新核对")
		}
		return err
	}
	columns := `unit_id, kind, reg_type, right_type, prenotice_kind, ownership,
		obligor_name, obligor_id, amount, cert_no, contract_id, ends_entry, end_kind, note, recorded_by, recorded_at,
		term_start, term_end, mortgage_rank, no_transfer, authority, doc_no, seal_kind, waiting, service_id`
	values := `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25`
	args := []any{e.UnitID, string(e.Kind), e.RegType, e.RightType, e.PreNoticeKind, e.Ownership, e.Obligor.Name, obligorID,
		measure.Cents(e.Amount), e.CertNo, contract, ends, string(e.EndKind), e.Note, e.RecordedBy, e.RecordedAt,
		d.TermStart, d.TermEnd, d.Rank, d.NoTransfer, d.Authority, d.DocNo, d.SealKind, d.Waiting, e.ServiceID}
	if drawn {
		err = tx.execPipedFailing(ctx, `INSERT INTO register_entries (id, `+columns+`) VALUES ($26, `+values+`)`, nil, conflict, append(args, id)...)
	} else {
		id, err = tx.insertID(ctx, `INSERT INTO register_entries (`+columns+`) VALUES (`+values+`)`, args...)
		err = conflict(err)
	}
	if err != nil {
		return e, err
	}
	e.ID = id
	holders := make([][]any, 0, len(e.Holders))
	for i, h := range e.Holders {
		number, err := sealValue(ring, field("register_holders", "id_number", pair(id, i+1)), h.IDNumber)
		if err != nil {
			return e, err
		}
		index, _ := indexOf(ring, h.IDNumber)
		holders = append(holders, []any{id, i + 1, h.Name, h.IDKind, number, index, h.ShareNum, h.ShareDen})
	}
	tx.insertLater("register_holders", "entry_id, seq, name, id_kind, id_number, id_index, share_num, share_den", "", holders)
	if book, ok := tx.known.books[e.UnitID]; ok {
		tx.known.books[e.UnitID] = append(book, asStored(e))
	}
	if tx.known.fresh == nil {
		tx.known.fresh = map[int64]bool{}
	}
	tx.known.fresh[id] = true
	tx.Audit("register."+string(e.Kind), "register_entry", id, map[string]any{"unit": e.UnitID, "reg_type": e.RegType,
		"cert_no": e.CertNo, "ends": e.Ends, "end_kind": e.EndKind})
	return e, nil
}

// nextCertNo numbers a certificate or proof: per place, per year, per
// series; never reused, no gaps. The number shows the place (登记机构所在地)
// only, so a park's branch draws from its county's series: two series with
// one place would repeat numbers.
func (tx *Tx) nextCertNo(ctx context.Context, jurisdiction string, kind code.CertKind, extra ...pipedRead) (string, error) {
	j, err := tx.db.jurisdictionTx(ctx, tx, jurisdiction)
	if err != nil {
		return "", err
	}
	year := calendar.DateOf(tx.now).Year()
	series := "title"
	if kind == code.Proof {
		series = "proof"
	}
	seq, err := tx.nextSeq(ctx, fmt.Sprintf("cert/%s/%d/%s", j.County, year, series), extra...)
	if err != nil {
		return "", err
	}
	no := code.CertNumber{Province: j.Province, Year: year, Place: j.CertPlace, Kind: kind, Seq: int(seq)}
	if err := no.Validate(); err != nil {
		return "", err
	}
	return no.String(), nil
}

// entryColumns are a register entry's columns (without its holders) over
// register_entries e, in scanEntry's order.
const entryColumns = `e.id, e.unit_id, e.kind, e.reg_type, e.right_type, e.prenotice_kind, e.ownership, e.obligor_name, e.obligor_id,
	e.amount, e.cert_no, COALESCE(e.contract_id, 0), COALESCE(e.ends_entry, 0), e.end_kind, e.note, e.recorded_by, e.recorded_at,
	e.term_start, e.term_end, e.mortgage_rank, e.no_transfer, e.authority, e.doc_no, e.seal_kind, e.waiting, e.service_id`

// scanEntry reads entryColumns, then any further destinations given,
// opening the obligor's number with ring.
func scanEntry(ring *personal.Keyring, r rowScanner, more ...any) (registry.Entry, error) {
	var e registry.Entry
	var kind, end string
	var amount int64
	err := r.Scan(append([]any{&e.ID, &e.UnitID, &kind, &e.RegType, &e.RightType, &e.PreNoticeKind, &e.Ownership, &e.Obligor.Name,
		&e.Obligor.IDNumber, &amount, &e.CertNo, &e.ContractID, &e.Ends, &end, &e.Note, &e.RecordedBy, &e.RecordedAt,
		&e.Detail.TermStart, &e.Detail.TermEnd, &e.Detail.Rank, &e.Detail.NoTransfer, &e.Detail.Authority, &e.Detail.DocNo,
		&e.Detail.SealKind, &e.Detail.Waiting, &e.ServiceID}, more...)...)
	e.Kind, e.EndKind, e.Amount = registry.Kind(kind), registry.EndKind(end), measure.FromCents(amount)
	if err == nil {
		e.Obligor.IDNumber, err = openValue(ring, field("register_entries", "obligor_id", e.UnitID), e.Obligor.IDNumber)
	}
	return e, err
}

// asStored is entry e as scanEntry and unitBook read it back once
// written: the columns register_entries and register_holders keep, the
// amount in whole cents, no other field.
func asStored(e registry.Entry) registry.Entry {
	out := registry.Entry{ID: e.ID, UnitID: e.UnitID, Kind: e.Kind, RegType: e.RegType, RightType: e.RightType,
		PreNoticeKind: e.PreNoticeKind, Ownership: e.Ownership, Amount: measure.FromCents(measure.Cents(e.Amount)),
		CertNo: e.CertNo, ContractID: e.ContractID, Ends: e.Ends, EndKind: e.EndKind, Note: e.Note, Detail: e.Detail,
		ServiceID: e.ServiceID, RecordedBy: e.RecordedBy, RecordedAt: e.RecordedAt}
	out.Obligor.Name, out.Obligor.IDNumber = e.Obligor.Name, e.Obligor.IDNumber
	if len(e.Holders) > 0 {
		out.Holders = slices.Clone(e.Holders)
	}
	return out
}

// book returns a unit's register book as this transaction sees it, oldest
// entry first. The book of a unit the transaction has locked (lockUnits)
// is read once and then kept: only this transaction can change it, and
// record appends each entry it writes there as unitBook would read it
// back (asStored). A batch records three services on each flat, and each
// reads the book. Any other unit's book is read afresh. The caller owns
// the slice it gets.
func (tx *Tx) book(ctx context.Context, unit int64) ([]registry.Entry, error) {
	if !tx.known.locked[unit] {
		return tx.db.unitBook(ctx, tx.q(), unit)
	}
	book, err := readOnce(&tx.known.books, unit, func() ([]registry.Entry, error) {
		return tx.db.unitBook(ctx, tx.q(), unit)
	})
	if err != nil {
		return nil, err
	}
	if tx.db.checkKept {
		if err := tx.checkBook(ctx, unit, book); err != nil {
			return nil, err
		}
	}
	out := make([]registry.Entry, len(book))
	for i, e := range book {
		e.Holders = slices.Clone(e.Holders)
		out[i] = e
	}
	return out, nil
}

// checkBook compares the book a transaction kept of a unit with the book
// read afresh (Options.CheckKept).
func (tx *Tx) checkBook(ctx context.Context, unit int64, kept []registry.Entry) error {
	read, err := tx.db.unitBook(ctx, tx.q(), unit)
	if err != nil {
		return err
	}
	same := slices.EqualFunc(kept, read, func(a, b registry.Entry) bool {
		if !a.RecordedAt.Equal(b.RecordedAt) {
			return false
		}
		a.RecordedAt, b.RecordedAt = time.Time{}, time.Time{}
		return reflect.DeepEqual(a, b)
	})
	if !same {
		return fmt.Errorf("store: the register book kept of unit %d differs from the book read:\nkept %+v\nread %+v", unit, kept, read)
	}
	return nil
}

// unitBook reads a unit's register book with its holders, in the order
// recorded, in one statement: an entry's row comes once for each of its
// holders, in their order (once, with seq 0, for an entry without one).
func (db *DB) unitBook(ctx context.Context, q querier, unitID int64) ([]registry.Entry, error) {
	books, err := db.books(ctx, q, `e.unit_id = $1`, unitID)
	return books[unitID], err
}

// books reads the register books of the units whose entries where
// selects (over register_entries e), by unit, as unitBook reads each.
func (db *DB) books(ctx context.Context, q querier, where string, args ...any) (map[int64][]registry.Entry, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+entryColumns+`, COALESCE(h.seq, 0), COALESCE(h.name, ''), COALESCE(h.id_kind, ''),
		COALESCE(h.id_number, ''), COALESCE(h.share_num, 0), COALESCE(h.share_den, 0)
		FROM register_entries e LEFT JOIN register_holders h ON h.entry_id = e.id WHERE `+where+` ORDER BY e.id, h.seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	books := map[int64][]registry.Entry{}
	for rows.Next() {
		var seq int64
		var h registry.Holder
		e, err := scanEntry(db.ring(), rows, &seq, &h.Name, &h.IDKind, &h.IDNumber, &h.ShareNum, &h.ShareDen)
		if err != nil {
			return nil, err
		}
		book := books[e.UnitID]
		if n := len(book); n == 0 || book[n-1].ID != e.ID {
			book = append(book, e)
		}
		if seq != 0 {
			if h.IDNumber, err = openHolder(db.ring(), e.ID, seq, h.IDNumber); err != nil {
				return nil, err
			}
			last := &book[len(book)-1]
			last.Holders = append(last.Holders, h)
		}
		books[e.UnitID] = book
	}
	return books, rows.Err()
}

// holderColumns are a register entry's holder's columns over
// register_holders, in scanHolders' order.
const holderColumns = `entry_id, seq, name, id_kind, id_number, share_num, share_den`

// scanHolders reads holderColumns rows, in their order, handing each
// holder to add with its entry's id; it opens their numbers with ring and
// closes rows.
func scanHolders(ring *personal.Keyring, rows *sql.Rows, add func(entry int64, h registry.Holder)) error {
	defer rows.Close()
	for rows.Next() {
		var id, seq int64
		var h registry.Holder
		if err := rows.Scan(&id, &seq, &h.Name, &h.IDKind, &h.IDNumber, &h.ShareNum, &h.ShareDen); err != nil {
			return err
		}
		var err error
		if h.IDNumber, err = openHolder(ring, id, seq, h.IDNumber); err != nil {
			return err
		}
		add(id, h)
	}
	return rows.Err()
}

// openHolder opens the sealed number of an entry's holder seq.
func openHolder(ring *personal.Keyring, entry, seq int64, sealed string) (string, error) {
	return openValue(ring, field("register_holders", "id_number", pair(entry, seq)), sealed)
}

// UnitBook returns the register book of a unit, oldest entry first.
func (db *DB) UnitBook(ctx context.Context, unitID int64) ([]registry.Entry, error) {
	return db.unitBook(ctx, db.r(), unitID)
}

// lockUnits makes this transaction the one writer of each unit's book and
// contract until it commits: every transaction that changes a unit's
// register entries or its contract calls it before it reads the facts its
// rules check, so two clerks recording the same unit at once are served
// one after the other and the second sees the first's entries. Units are
// locked in id order (no deadlock between two transactions that lock
// several). On SQLite BEGIN IMMEDIATE already holds the only write lock.
// On PostgreSQL the lock is queued (execPiped): it is taken when the
// transaction's next statement goes to the server, before that statement
// runs, so every read after it sees the unit as its one writer does.
func (tx *Tx) lockUnits(ctx context.Context, ids ...int64) error {
	if tx.known.locked == nil {
		tx.known.locked = map[int64]bool{}
	}
	for _, id := range ids {
		tx.known.locked[id] = true
	}
	if tx.db.engine != Postgres || len(ids) == 0 {
		return nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	// Fixed-size groups of placeholders (the last padded by repeating an
	// id) keep the number of distinct statement texts at two.
	const group = 64
	for i := 0; i < len(ids); i += group {
		n := group
		if len(ids) == 1 {
			n = 1
		}
		args := make([]any, n)
		marks := make([]string, n)
		for j := range args {
			args[j] = ids[min(i+j, len(ids)-1)]
			marks[j] = fmt.Sprintf("$%d", j+1)
		}
		// Queued: the lock goes to the server with the transaction's next
		// statement, in the same round trip when that is a read sent with
		// readAll (a sale's unit, read next). Its failure (a deadlock
		// PostgreSQL broke) fails that statement, and the transaction.
		if err := tx.execPiped(ctx, `SELECT id FROM units WHERE id IN (`+strings.Join(marks, ", ")+`) ORDER BY id FOR UPDATE`, nil, args...); err != nil {
			return err
		}
	}
	return nil
}

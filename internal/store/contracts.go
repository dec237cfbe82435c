package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/code"
	"handover/internal/credit"
	"handover/internal/exchange"
	"handover/internal/identity"
	"handover/internal/measure"
	"handover/internal/personal"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
)

const contractColumns = `c.id, c.number, c.unit_id, c.project_id, c.developer_org, c.jurisdiction, c.state, c.ownership, c.price_basis,
	c.unit_price, c.price_area, c.total_price, c.payment, COALESCE(c.loan_bank, 0), c.loan_amount, c.loan_years, c.loan_no,
	c.home_count, c.marital, c.escrow_bank, c.escrow_acct, c.delivery_date, c.delivery_conditions, c.area_clause,
	c.registration_days, c.late_delivery_rate, c.late_certificate_rate, c.created_at, c.sent_at, c.signed_at, c.filed_at,
	c.ended_at, c.end_reason, c.digest, c.prenotice_no`

func scanContract(r interface{ Scan(...any) error }) (presale.Contract, error) {
	var c presale.Contract
	var state, own, basis, pay, home, conds, ldr, lcr string
	var unitPrice, area, total, loan int64
	var sent, signed, filed, ended sql.NullTime
	err := r.Scan(&c.ID, &c.Number, &c.UnitID, &c.ProjectID, &c.Developer, &c.Jurisdiction, &state, &own, &basis,
		&unitPrice, &area, &total, &pay, &c.LoanBank, &loan, &c.LoanYears, &c.LoanNo,
		&home, &c.Marital, &c.EscrowBank, &c.EscrowAcct, &c.DeliveryDate, &conds, &c.AreaClause,
		&c.RegistrationDays, &ldr, &lcr, &c.CreatedAt, &sent, &signed, &filed, &ended, &c.EndReason, &c.Digest, &c.PreNoticeNo)
	if err != nil {
		return c, err
	}
	c.State, c.Ownership, c.PriceBasis, c.Payment, c.HomeCount = presale.ContractState(state), presale.Ownership(own),
		presale.PriceBasis(basis), presale.Payment(pay), presale.HomeCount(home)
	c.UnitPrice, c.PriceArea, c.TotalPrice, c.LoanAmount = measure.FromCents(unitPrice), measure.FromCents(area), measure.FromCents(total), measure.FromCents(loan)
	c.LateDeliveryRate, c.LateCertificateRate = decimalOr0(ldr), decimalOr0(lcr)
	c.SentAt, c.SignedAt, c.FiledAt, c.EndedAt = sent.Time, signed.Time, filed.Time, ended.Time
	json.Unmarshal([]byte(conds), &c.DeliveryConditions)
	return c, nil
}

func loadBuyers(ctx context.Context, ring *personal.Keyring, q querier, cs []*presale.Contract) error {
	byID := map[int64]*presale.Contract{}
	for _, c := range cs {
		byID[c.ID] = c
		c.Buyers = nil
	}
	// Fixed-size groups of placeholders (the last padded by repeating an
	// id) keep the number of distinct statement texts at two.
	const group = 64
	for i := 0; i < len(cs); i += group {
		n := group
		if len(cs) == 1 {
			n = 1
		}
		ids := make([]any, n)
		for j := range ids {
			ids[j] = cs[min(i+j, len(cs)-1)].ID
		}
		if err := readAll(ctx, q, buyersRead(ring, byID, ids)); err != nil {
			return err
		}
	}
	return nil
}

// buyersRead is the read of the buyers of the contracts with ids, in
// order, into their contracts in byID (the ids a fixed-size group, the
// last padded by repeating an id, or one id alone: loadBuyers).
func buyersRead(ring *personal.Keyring, byID map[int64]*presale.Contract, ids []any) pipedRead {
	marks := make([]string, len(ids))
	for j := range ids {
		marks[j] = fmt.Sprintf("$%d", j+1)
	}
	return pipedRead{q: `SELECT contract_id, seq, name, id_number, phone, share_num, share_den, confirmed_at
		FROM contract_buyers WHERE contract_id IN (` + strings.Join(marks, ", ") + `) ORDER BY contract_id, seq`, args: ids,
		row: func(r rowScanner) error {
			var id, seq int64
			var b presale.Buyer
			var confirmed sql.NullTime
			if err := r.Scan(&id, &seq, &b.Name, &b.IDNumber, &b.Phone, &b.ShareNum, &b.ShareDen, &confirmed); err != nil {
				return err
			}
			if err := openBuyer(ring, id, seq, &b, confirmed); err != nil {
				return err
			}
			byID[id].Buyers = append(byID[id].Buyers, b)
			return nil
		}}
}

// openBuyer opens the sealed number and phone of a contract's buyer seq,
// as read, and sets when the buyer confirmed.
func openBuyer(ring *personal.Keyring, contract, seq int64, b *presale.Buyer, confirmed sql.NullTime) error {
	var err error
	if b.IDNumber, err = openValue(ring, field("contract_buyers", "id_number", pair(contract, seq)), b.IDNumber); err != nil {
		return err
	}
	if b.Phone, err = openValue(ring, field("contract_buyers", "phone", pair(contract, seq)), b.Phone); err != nil {
		return err
	}
	b.Confirmed = confirmed.Time
	return nil
}

// ContractTarget is the access target of a contract.
func ContractTarget(c presale.Contract) access.Target {
	return access.Target{Jurisdiction: c.Jurisdiction, Developer: c.Developer, Buyers: c.BuyerIDs(), Org: c.LoanBank}
}

// Contract returns one contract with its buyers.
func (db *DB) Contract(ctx context.Context, id int64) (presale.Contract, error) {
	return db.contractWhere(ctx, db.r(), `c.id = $1`, id)
}

// contractWhere reads the contract where (a condition on contracts c that
// one contract at most meets) selects, with its buyers, in one statement.
func (db *DB) contractWhere(ctx context.Context, q querier, where string, arg any) (presale.Contract, error) {
	cs, err := db.contractsWhere(ctx, q, where, arg)
	switch {
	case err != nil:
		return presale.Contract{}, err
	case len(cs) == 0:
		return presale.Contract{}, problem.New(problem.NotFound, "contract.not_found", "合同不存在")
	case len(cs) > 1:
		return cs[0], fmt.Errorf("contract where %s: more than one contract (%d, %d)", where, cs[0].ID, cs[1].ID)
	}
	return cs[0], nil
}

// contractsWhere reads the contracts where selects, in id order, each with
// its buyers, in one statement: a contract's row comes once for each
// buyer, in their order.
func (db *DB) contractsWhere(ctx context.Context, q querier, where string, args ...any) ([]presale.Contract, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+contractColumns+`, COALESCE(b.seq, 0), COALESCE(b.name, ''), COALESCE(b.id_number, ''),
		COALESCE(b.phone, ''), COALESCE(b.share_num, 0), COALESCE(b.share_den, 0), b.confirmed_at
		FROM contracts c LEFT JOIN contract_buyers b ON b.contract_id = c.id WHERE `+where+` ORDER BY c.id, b.seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []presale.Contract
	for rows.Next() {
		var seq int64
		var b presale.Buyer
		var confirmed sql.NullTime
		row, err := scanContract(extraColumns{rows, []any{&seq, &b.Name, &b.IDNumber, &b.Phone, &b.ShareNum, &b.ShareDen, &confirmed}})
		if err != nil {
			return nil, err
		}
		if len(cs) == 0 || cs[len(cs)-1].ID != row.ID {
			cs = append(cs, row)
		}
		if seq == 0 {
			continue
		}
		c := &cs[len(cs)-1]
		if err := openBuyer(db.ring(), c.ID, seq, &b, confirmed); err != nil {
			return nil, err
		}
		c.Buyers = append(c.Buyers, b)
	}
	return cs, rows.Err()
}

// lockContract reads a contract with its buyers and holds the contract's
// row until the transaction ends (PostgreSQL; SQLite has one writer). It
// takes two statements, unlike contractWhere: under READ COMMITTED a
// statement that waited for the lock returns the contract's newest row but
// joined rows as they were when it began, so buyers read in the same
// statement could miss the confirmation the lock waited for.
func lockContract(ctx context.Context, tx *Tx, id int64) (presale.Contract, error) {
	// The contract and its buyers, read together (one round trip on
	// PostgreSQL): the buyers of a contract that does not exist are none.
	var c presale.Contract
	found := false
	err := readAll(ctx, tx.q(), firstRow(`SELECT `+contractColumns+` FROM contracts c WHERE c.id = $1`+tx.db.forUpdate(), []any{id}, &found,
		func(r rowScanner) (err error) {
			c, err = scanContract(r)
			return err
		}), buyersRead(tx.db.ring(), map[int64]*presale.Contract{id: &c}, []any{id}))
	if err == nil && !found {
		err = sql.ErrNoRows
	}
	if err != nil {
		return c, notFound(err, "contract.not_found", "合同不存在")
	}
	return c, nil
}

// ContractQuery filters ListContracts.
type ContractQuery struct {
	ProjectID  int64
	BuildingID int64
	UnitID     int64
	State      presale.ContractState
	Unfiled    bool // signed, not yet filed
	Limit      int
}

// contractScope is the SQL condition on contracts c that an access filter
// allows ("" for all); ok is false when the filter allows none.
func (db *DB) contractScope(f access.Filter, arg func(any) string) (cond string, ok bool, err error) {
	if f.All {
		return "", true, nil
	}
	var or []string
	if f.Jurisdiction != "" {
		or = append(or, `c.jurisdiction = `+arg(f.Jurisdiction))
	}
	if f.Developer != 0 {
		or = append(or, `c.developer_org = `+arg(f.Developer))
	}
	if f.Org != 0 {
		or = append(or, `c.loan_bank = `+arg(f.Org))
	}
	if f.Buyer != "" {
		index, err := indexOf(db.ring(), f.Buyer)
		if err != nil {
			return "", false, err
		}
		or = append(or, `c.id IN (SELECT contract_id FROM contract_buyers WHERE id_index = `+arg(index)+`)`)
	}
	if len(or) == 0 {
		return "", false, nil
	}
	return "(" + strings.Join(or, " OR ") + ")", true, nil
}

// ListContracts lists contracts the filter allows, newest first.
func (db *DB) ListContracts(ctx context.Context, f access.Filter, q ContractQuery) ([]presale.Contract, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	scope, ok, err := db.contractScope(f, arg)
	if !ok || err != nil {
		return nil, err
	}
	if scope != "" {
		where = append(where, scope)
	}
	if q.ProjectID != 0 {
		where = append(where, `c.project_id = `+arg(q.ProjectID))
	}
	if q.BuildingID != 0 {
		where = append(where, `c.unit_id IN (SELECT id FROM units WHERE building_id = `+arg(q.BuildingID)+`)`)
	}
	if q.UnitID != 0 {
		where = append(where, `c.unit_id = `+arg(q.UnitID))
	}
	if q.State != "" {
		where = append(where, `c.state = `+arg(string(q.State)))
	}
	if q.Unfiled {
		where = append(where, `c.state = 'signed'`)
	}
	s := `SELECT ` + contractColumns + ` FROM contracts c`
	if len(where) > 0 {
		s += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := q.Limit
	if limit <= 0 || limit > 5000 {
		limit = 500
	}
	rows, err := db.sql.QueryContext(ctx, s+` ORDER BY c.id DESC LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, err
	}
	var out []presale.Contract
	for rows.Next() {
		c, err := scanContract(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ptrs := make([]*presale.Contract, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, loadBuyers(ctx, db.ring(), db.r(), ptrs)
}

// ContractListQuery asks for one page of the contracts a filter allows.
type ContractListQuery struct {
	State    presale.ContractState // "": every state
	Project  int64
	Building int64
	// OverdueOn, when set, keeps only the signed contracts past their
	// filing day on that day.
	OverdueOn calendar.Date
	Search    string // part of a contract number, or of a flat (幢 and 户), or a project's name
	Page      Page
}

// ListedContract is a contract as a list shows it: with its flat and
// project.
type ListedContract struct {
	presale.Contract
	Room    string // 幢 + 户
	Project string
}

// ContractList lists the contracts a filter allows a page at a time,
// newest first, with their flats and buyers read for that page only.
func (db *DB) ContractList(ctx context.Context, f access.Filter, q ContractListQuery) (Listed[ListedContract], error) {
	l := db.newList()
	scope, ok, err := db.contractScope(f, l.arg)
	if !ok || err != nil {
		return Listed[ListedContract]{Page: q.Page.normal()}, err
	}
	if scope != "" {
		l.and(scope)
	}
	if q.Project != 0 {
		l.and(`c.project_id = ` + l.arg(q.Project))
	}
	if q.Building != 0 {
		l.and(`u.building_id = ` + l.arg(q.Building))
	}
	if q.State != "" {
		l.and(`c.state = ` + l.arg(string(q.State)))
	}
	if !q.OverdueOn.IsZero() {
		l.and(`c.state = 'signed' AND c.signed_at < ` + l.arg(presale.OverdueIfSignedBefore(q.OverdueOn).UTC()))
	}
	l.like(q.Search, `c.number`, `b.name || ' ' || u.room`, `p.name`)
	if q.Search == "" && q.Building == 0 {
		l.countFrom = `FROM contracts c`
	}
	out, err := list(ctx, db.r(), q.Page, contractColumns+`, b.name || ' ' || u.room, p.name`,
		`FROM contracts c JOIN units u ON u.id = c.unit_id JOIN buildings b ON b.id = u.building_id JOIN projects p ON p.id = c.project_id`,
		`c.id DESC`, l, func(r rowScanner) (ListedContract, error) {
			var x ListedContract
			c, err := scanContract(extraColumns{r, []any{&x.Room, &x.Project}})
			x.Contract = c
			return x, err
		})
	if err != nil {
		return out, err
	}
	ptrs := make([]*presale.Contract, len(out.Rows))
	for i := range out.Rows {
		ptrs[i] = &out.Rows[i].Contract
	}
	return out, loadBuyers(ctx, db.ring(), db.r(), ptrs)
}

// extraColumns scans a row of a scanner's columns followed by more: the
// scanner's Scan gets its own destinations and these after them.
type extraColumns struct {
	r    rowScanner
	more []any
}

func (e extraColumns) Scan(dest ...any) error { return e.r.Scan(append(dest, e.more...)...) }

// ContractInput is presale's: what a developer's agent enters for a
// contract, from the page's form or the API.
type ContractInput = presale.ContractInput

// saleContext is what the contract rules look at, with the records they
// were drawn from, loaded inside the deciding transaction.
type saleContext struct {
	presale.SaleFacts
	Ref       UnitRef
	Developer registry.Holder // the developer as a party (name, USCC)
	Bank      registry.Holder // the lending bank, for a loan
}

// contract returns a contract with its buyers as this transaction sees
// it. A filed contract of a unit the transaction has locked (lockUnits)
// is read once and then kept until the transaction changes it (every
// statement that does calls forgetContract): a filed contract changes only
// with its unit locked (its cancellation), while a draft or sent one may
// be withdrawn or confirmed without that lock. A batch reads each flat's
// contract to plan it, then to record its transfer and its mortgage. Any
// other contract is read afresh. The caller owns what it gets.
func (tx *Tx) contract(ctx context.Context, id int64) (presale.Contract, error) {
	kept, ok := tx.known.contracts[id]
	if ok && !tx.db.checkKept {
		return cloneContract(kept), nil
	}
	c, err := tx.db.contractWhere(ctx, tx.q(), `c.id = $1`, id)
	if err != nil {
		return c, err
	}
	switch {
	case ok && !reflect.DeepEqual(kept, c):
		return c, fmt.Errorf("store: contract %d as kept differs from the contract read:\nkept %+v\nread %+v", id, kept, c)
	case ok:
		return cloneContract(kept), nil
	}
	tx.keepContract(c)
	return c, nil
}

// keepContract keeps c when Tx.contract may keep it: filed, and of a unit
// this transaction has locked.
func (tx *Tx) keepContract(c presale.Contract) {
	if c.State != presale.Filed || !tx.known.locked[c.UnitID] {
		return
	}
	if tx.known.contracts == nil {
		tx.known.contracts = map[int64]presale.Contract{}
	}
	tx.known.contracts[c.ID] = cloneContract(c)
}

// forgetContract drops the contract this transaction kept, before a
// statement changes it.
func (tx *Tx) forgetContract(id int64) { delete(tx.known.contracts, id) }

// cloneContract is c with buyers and delivery conditions of its own.
func cloneContract(c presale.Contract) presale.Contract {
	c.Buyers, c.DeliveryConditions = slices.Clone(c.Buyers), slices.Clone(c.DeliveryConditions)
	return c
}

// saleFacts gathers what the contract rules look at, inside a transaction;
// the extra reads (what the step reads next) go with the unit's state.
func saleFacts(ctx context.Context, tx *Tx, c presale.Contract, extra ...pipedRead) (saleContext, error) {
	var f saleContext
	// The unit's one writer from here to the commit: a seal or a
	// registration recorded at the same moment waits, or is waited for.
	if err := tx.lockUnits(ctx, c.UnitID); err != nil {
		return f, err
	}
	ref, err := unitRef(ctx, tx.q(), `u.id = $1`, c.UnitID)
	if err != nil {
		return f, err
	}
	f.Ref, f.Unit = ref, ref.Unit
	// The developer and the bank (which may be absent), whether the
	// developer is listed, and what a listing does to contract filing here,
	// in one statement, read with the unit's state.
	parties := pipedRead{q: `SELECT id, name, COALESCE(uscc, ''), kind, COALESCE((` + listedSQL("$1") + `), FALSE),
		COALESCE((` + settingSQL("$3", "$4", "$6") + `), $5) FROM organisations WHERE id IN ($1, $2)`,
		args: []any{c.Developer, c.LoanBank, c.Jurisdiction, credit.ContractFiling, string(credit.Refuse), calendar.DateOf(tx.now).String()},
		row: func(r rowScanner) error {
			var id int64
			var h registry.Holder
			var kind, eff string
			if err := r.Scan(&id, &h.Name, &h.IDNumber, &kind, &f.Listed, &eff); err != nil {
				return err
			}
			f.Effect = string(credit.EffectFor(credit.ContractFiling, eff))
			h.IDKind = "统一社会信用代码"
			if id == c.Developer {
				f.Developer = h
			}
			if id == c.LoanBank && c.LoanBank != 0 {
				f.Bank, f.BankExists = h, kind == string(identity.Bank)
			}
			return nil
		}}
	if f.Status, err = unitStatusOf(ctx, tx.q(), c.UnitID, ref.Unit.BuildingID, calendar.DateOf(tx.now), append(extra, parties)...); err != nil {
		return f, err
	}
	// The unit's live contract, from the one status loader (a unique index
	// keeps it at most one).
	f.OtherLive = f.Status.ContractID != 0 && f.Status.ContractID != c.ID
	return f, nil
}

// DraftContract creates a contract for a unit of the developer's project,
// checked by every rule; the unit is held from now on (one live contract).
func (db *DB) DraftContract(ctx context.Context, actor audit.Actor, developer int64, in ContractInput) (presale.Contract, error) {
	var c presale.Contract
	err := db.transact(ctx, actor, func(tx *Tx) error {
		tx.attempting("contract.draft", in.UnitID, 0, "")
		var err error
		c, err = draftContract(ctx, tx, developer, in)
		return err
	})
	return c, err
}

// draftContract reads the unit, its project's escrow account and the sale
// facts, asks presale.DraftContract and records the draft it returns.
func draftContract(ctx context.Context, tx *Tx, developer int64, in ContractInput) (presale.Contract, error) {
	ref, err := unitRef(ctx, tx.q(), `u.id = $1`, in.UnitID)
	if err != nil {
		return presale.Contract{}, err
	}
	if err := decide(ctx, access.ContractDraft, access.ProjectTarget(ref.Project)); err != nil {
		return presale.Contract{}, err
	}
	if ref.Project.Developer != developer {
		return presale.Contract{}, problem.New(problem.Forbidden, "access.denied", "该户不属于本企业的项目")
	}
	c := presale.Contract{UnitID: in.UnitID, ProjectID: ref.Project.ID, Developer: developer, Jurisdiction: ref.Project.Jurisdiction,
		Buyers: in.Buyers, Ownership: in.Ownership, PriceBasis: in.PriceBasis, UnitPrice: in.UnitPrice,
		Payment: in.Payment, LoanBank: in.LoanBank, LoanAmount: in.LoanAmount, LoanYears: in.LoanYears, LoanNo: in.LoanNo,
		HomeCount: in.HomeCount, Marital: in.Marital, DeliveryDate: in.DeliveryDate, DeliveryConditions: in.DeliveryConditions,
		RegistrationDays: in.RegistrationDays, LateDeliveryRate: in.LateDeliveryRate, LateCertificateRate: in.LateCertificateRate}
	acct, err := fundAccount(ctx, tx.q(), ref.Project.ID)
	if err == nil {
		c.EscrowBank, c.EscrowAcct = acct.BankName, acct.Number
	} else if problem.KindOf(err) != problem.NotFound {
		return c, err
	}
	f, err := saleFacts(ctx, tx, c)
	if err != nil {
		return c, err
	}
	if c, err = presale.DraftContract(c, f.SaleFacts, tx.now); err != nil {
		return c, err
	}
	return c, tx.insertContract(ctx, &c, ref.Unit.UnitNo)
}

// insertContract numbers a draft from its jurisdiction's series and writes
// it with its buyers; the unit's other live contract, if a racing drafter
// recorded one first, refuses it (presale.UnitTaken).
func (tx *Tx) insertContract(ctx context.Context, c *presale.Contract, unitNo string) error {
	seq, err := tx.nextSeq(ctx, fmt.Sprintf("contract/%s/%d", c.Jurisdiction, calendar.DateOf(c.CreatedAt).Year()))
	if err != nil {
		return err
	}
	c.Number = presale.ContractNumber(c.Jurisdiction, calendar.DateOf(c.CreatedAt).Year(), int(seq))
	conds, _ := json.Marshal(c.DeliveryConditions)
	var bank any
	if c.LoanBank != 0 {
		bank = c.LoanBank
	}
	c.ID, err = tx.insertID(ctx, `INSERT INTO contracts (number, unit_id, project_id, developer_org, jurisdiction, state, ownership,
		price_basis, unit_price, price_area, total_price, payment, loan_bank, loan_amount, loan_years, loan_no, home_count, marital,
		escrow_bank, escrow_acct, delivery_date, delivery_conditions, area_clause, registration_days, late_delivery_rate,
		late_certificate_rate, created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, $10, $11, $12, $13, $14,
		$15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)`,
		c.Number, c.UnitID, c.ProjectID, c.Developer, c.Jurisdiction, string(c.Ownership), string(c.PriceBasis),
		measure.Cents(c.UnitPrice), measure.Cents(c.PriceArea), measure.Cents(c.TotalPrice), string(c.Payment), bank,
		measure.Cents(c.LoanAmount), c.LoanYears, c.LoanNo, string(c.HomeCount), c.Marital, c.EscrowBank, c.EscrowAcct,
		c.DeliveryDate, string(conds), c.AreaClause, c.RegistrationDays, c.LateDeliveryRate.String(), c.LateCertificateRate.String(),
		tx.actor.UserID, c.CreatedAt)
	if isUniqueViolation(err) {
		return presale.UnitTaken(unitNo)
	}
	if err != nil {
		return err
	}
	ring := tx.db.ring()
	for i, b := range c.Buyers {
		key := pair(c.ID, i+1)
		number, err := sealValue(ring, field("contract_buyers", "id_number", key), b.IDNumber)
		if err != nil {
			return err
		}
		phone, err := sealValue(ring, field("contract_buyers", "phone", key), b.Phone)
		if err != nil {
			return err
		}
		index, _ := indexOf(ring, b.IDNumber) // the number sealed, the keys are unlocked
		if _, err := tx.exec(ctx, `INSERT INTO contract_buyers (contract_id, seq, name, id_number, id_index, phone, share_num, share_den)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.ID, i+1, b.Name, number, index, phone, b.ShareNum, b.ShareDen); err != nil {
			return err
		}
	}
	tx.touchUnitBuilding(c.UnitID)
	tx.Audit("contract.draft", "contract", c.ID, map[string]any{"number": c.Number, "unit": unitNo, "buyers": len(c.Buyers),
		"total_price": c.TotalPrice.StringFixed(2), "payment": c.Payment})
	return nil
}

// changeContract loads a contract under lock, decides act on it, applies
// step (which checks and moves the state), writes the contract's state
// fields, and audits.
func (db *DB) changeContract(ctx context.Context, actor audit.Actor, id int64, act access.Action, action string, step func(tx *Tx, c *presale.Contract) error) (presale.Contract, error) {
	var c presale.Contract
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		if c, err = lockContract(ctx, tx, id); err != nil {
			return err
		}
		if err := decide(ctx, act, ContractTarget(c)); err != nil {
			return err
		}
		tx.attempting(action, c.UnitID, c.ProjectID, c.Number)
		before := c.State
		if err := step(tx, &c); err != nil {
			return err
		}
		tx.forgetContract(id)
		if err := tx.execPiped(ctx, `UPDATE contracts SET state = $1, sent_at = $2, signed_at = $3, filed_at = $4, ended_at = $5,
			end_reason = $6, digest = $7, prenotice_no = $8 WHERE id = $9`, nil, string(c.State), nullTime(c.SentAt), nullTime(c.SignedAt),
			nullTime(c.FiledAt), nullTime(c.EndedAt), c.EndReason, c.Digest, c.PreNoticeNo, id); err != nil {
			return err
		}
		tx.touchUnitBuilding(c.UnitID)
		tx.Audit(action, "contract", id, map[string]any{"number": c.Number, "before": before, "after": c.State})
		return nil
	})
	return c, err
}

// recheck runs every sale rule against the contract as it stands and
// returns the facts it looked at; the extra reads go with them (saleFacts).
func recheck(ctx context.Context, tx *Tx, c *presale.Contract, extra ...pipedRead) (saleContext, error) {
	f, err := saleFacts(ctx, tx, *c, extra...)
	if err != nil {
		return f, err
	}
	return f, c.Check(f.SaleFacts)
}

// SendContract sends a draft to the buyers for confirmation.
func (db *DB) SendContract(ctx context.Context, actor audit.Actor, id int64) (presale.Contract, error) {
	return db.changeContract(ctx, actor, id, access.ContractDraft, "contract.send", func(tx *Tx, c *presale.Contract) error {
		if _, err := recheck(ctx, tx, c); err != nil {
			return err
		}
		return c.Transition(presale.Sent, tx.now)
	})
}

// errDryRun rolls back a transaction that only looked (SaleBlocks).
var errDryRun = errors.New("dry run")

// SaleBlocks names the rules that would refuse signing a contract now —
// the developer put on the restriction list, a seal, another live
// contract — so that the buyer's page explains why the contract cannot be
// signed instead of asking for a confirmation the signing would refuse.
// It reads the unit's facts as the signing does, in a transaction it rolls
// back; a contract that may be signed has none.
func (db *DB) SaleBlocks(ctx context.Context, id int64) ([]problem.Reason, error) {
	var reasons []problem.Reason
	err := db.transact(ctx, audit.System(), func(tx *Tx) error {
		c, err := lockContract(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := recheck(ctx, tx, &c); err != nil {
			if pe := problem.As(err); pe.Kind == problem.Refused {
				reasons = pe.Reasons
			} else {
				return err
			}
		}
		return errDryRun
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return reasons, err
}

// WithdrawContract takes back a draft or sent contract, freeing the unit.
func (db *DB) WithdrawContract(ctx context.Context, actor audit.Actor, id int64, reason string) (presale.Contract, error) {
	return db.changeContract(ctx, actor, id, access.ContractDraft, "contract.withdraw", func(tx *Tx, c *presale.Contract) error {
		c.EndReason = strings.TrimSpace(reason)
		return c.Transition(presale.Withdrawn, tx.now)
	})
}

// ConfirmContract records a buyer's online confirmation; when every buyer
// has confirmed, the contract is signed — after every rule is checked again.
func (db *DB) ConfirmContract(ctx context.Context, actor audit.Actor, id int64, idNumber string) (presale.Contract, error) {
	return db.changeContract(ctx, actor, id, access.ContractConfirm, "contract.confirm", func(tx *Tx, c *presale.Contract) error {
		all, err := c.Confirm(idNumber, tx.now)
		if err != nil {
			return err
		}
		// The buyer by place (seq), as Confirm matched them: the row, not
		// its blind index, so that the row is found however it is sealed.
		seq := slices.IndexFunc(c.Buyers, func(b presale.Buyer) bool { return b.IDNumber == idNumber }) + 1
		tx.forgetContract(c.ID)
		if _, err := tx.exec(ctx, `UPDATE contract_buyers SET confirmed_at = $1 WHERE contract_id = $2 AND seq = $3`, tx.now, c.ID, seq); err != nil {
			return err
		}
		if !all {
			return nil
		}
		if _, err := recheck(ctx, tx, c); err != nil {
			return err
		}
		return c.Transition(presale.Signed, tx.now)
	})
}

// FileContract files a signed contract (备案) and, in the same transaction,
// registers the pre-notice (预告登记, kind 1) and — for a loan — the
// pre-mortgage (kind 3, the bank as holder) in the register book with their
// 不动产证明号, records the buyers' materials once, fixes the SM3 digest of
// the contract, and writes the outbound events. Any failure leaves nothing.
func (db *DB) FileContract(ctx context.Context, actor audit.Actor, id int64) (presale.Contract, error) {
	return db.changeContract(ctx, actor, id, access.ContractDraft, "contract.file", func(tx *Tx, c *presale.Contract) error {
		// The jurisdiction the proofs are numbered in, read with the facts.
		f, err := recheck(ctx, tx, c, tx.jurisdictionReads(c.Jurisdiction)...)
		if err != nil {
			return err
		}
		if err := c.Transition(presale.Filed, tx.now); err != nil {
			return err
		}
		c.Digest = c.ComputeDigest(f.Ref.Unit)
		pre, err := tx.registerPreNotice(ctx, c, f)
		if err != nil {
			return err
		}
		proofs := []int64{pre}
		materials := map[string]any{
			"identity":  contractParties(c),
			"household": map[string]any{"home_count": c.HomeCount, "home_count_label": c.HomeCount.Label(), "marital": c.Marital},
		}
		if c.Payment.Loan() {
			pm, err := tx.registerPreMortgage(ctx, c, f)
			if err != nil {
				return err
			}
			proofs = append(proofs, pm)
			materials["loan_contract"] = map[string]any{"bank": f.Bank.Name, "bank_id": c.LoanBank, "number": c.LoanNo,
				"amount": c.LoanAmount.StringFixed(2), "years": c.LoanYears, "payment": c.Payment}
		}
		if err := tx.dueProofs(ctx, c.Jurisdiction, proofs...); err != nil {
			return err
		}
		return tx.insertMaterials(ctx, c.ID, materials)
	})
}

// registerPreNotice records the buyers' pre-notice (预告登记, kind 1) of a
// contract being filed, against the developer, with the events of the
// filing and of the pre-notice; it returns the entry.
func (tx *Tx) registerPreNotice(ctx context.Context, c *presale.Contract, f saleContext) (int64, error) {
	var holders []registry.Holder
	for _, b := range c.Buyers {
		holders = append(holders, registry.Holder{Name: b.Name, IDKind: "身份证", IDNumber: b.IDNumber, ShareNum: b.ShareNum, ShareDen: b.ShareDen})
	}
	pre, err := tx.record(ctx, registry.Entry{UnitID: c.UnitID, Kind: registry.PreNotice, RegType: registry.RegPreNotice,
		RightType: registry.RightPreNotice, PreNoticeKind: registry.PreNoticeSale, Holders: holders, Obligor: f.Developer,
		Ownership: c.Ownership.Label(), Amount: c.TotalPrice, ContractID: c.ID}, c.Jurisdiction, code.Proof)
	if err != nil {
		return 0, err
	}
	c.PreNoticeNo = pre.CertNo
	ref := f.Ref
	payload := map[string]any{"contract": c.Number, "unit_no": ref.Unit.UnitNo, "room": ref.Unit.Room, "project": ref.Project.Name,
		"buyers": contractParties(c), "ownership": c.Ownership, "total_price": c.TotalPrice.StringFixed(2), "payment": c.Payment,
		"home_count": c.HomeCount, "area": c.PriceArea.StringFixed(2), "digest": c.Digest, "filed_at": tx.now}
	agg := fmt.Sprintf("unit:%d", c.UnitID)
	if err := tx.emit(exchange.ContractFiled, agg, c.Jurisdiction, payload); err != nil {
		return 0, err
	}
	return pre.ID, tx.emit(exchange.PreNoticeRegistered, agg, c.Jurisdiction, map[string]any{"cert_no": pre.CertNo,
		"unit_no": ref.Unit.UnitNo, "kind": registry.PreNoticeSale, "holders": contractParties(c), "obligor": f.Developer.Name,
		"amount": c.TotalPrice.StringFixed(2), "contract": c.Number})
}

// registerPreMortgage records the lending bank's pre-mortgage (kind 3)
// of a contract being filed with a loan, and its event; it returns the
// entry.
func (tx *Tx) registerPreMortgage(ctx context.Context, c *presale.Contract, f saleContext) (int64, error) {
	pm, err := tx.record(ctx, registry.Entry{UnitID: c.UnitID, Kind: registry.PreNotice, RegType: registry.RegPreNotice,
		RightType: registry.RightPreNotice, PreNoticeKind: registry.PreNoticeMortgage,
		Holders: []registry.Holder{f.Bank},
		Obligor: registry.Holder{Name: c.BuyerNames(), IDKind: "身份证", IDNumber: c.Buyers[0].IDNumber},
		Amount:  c.LoanAmount, ContractID: c.ID}, c.Jurisdiction, code.Proof)
	if err != nil {
		return 0, err
	}
	return pm.ID, tx.emit(exchange.PreMortgageRecorded, fmt.Sprintf("unit:%d", c.UnitID), c.Jurisdiction, map[string]any{"cert_no": pm.CertNo,
		"unit_no": f.Ref.Unit.UnitNo, "bank": f.Bank.Name, "amount": c.LoanAmount.StringFixed(2), "years": c.LoanYears,
		"loan_contract": c.LoanNo, "mortgagors": contractParties(c)})
}

// insertMaterials records a filed contract's materials (identity,
// household, loan contract) in one statement, each with its SM3, pipelined
// (execPiped).
func (tx *Tx) insertMaterials(ctx context.Context, contractID int64, materials map[string]any) error {
	var rows []string
	var args []any
	for _, kind := range []string{"identity", "household", "loan_contract"} {
		m, ok := materials[kind]
		if !ok {
			continue
		}
		b, _ := json.Marshal(m)
		content, err := sealValue(tx.db.ring(), field("filing_materials", "content", pair(contractID, kind)), string(b))
		if err != nil {
			return err
		}
		n := len(args)
		rows = append(rows, fmt.Sprintf("($%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5))
		args = append(args, contractID, kind, content, fmt.Sprintf("%x", sm3.Sum(b)), tx.now)
	}
	return tx.execPiped(ctx, `INSERT INTO filing_materials (contract_id, kind, content, sm3, recorded_at) VALUES `+strings.Join(rows, ", "), nil, args...)
}

func contractParties(c *presale.Contract) []map[string]any {
	var out []map[string]any
	for _, b := range c.Buyers {
		m := map[string]any{"name": b.Name, "id_number": b.IDNumber}
		if b.ShareDen != 0 {
			m["share"] = fmt.Sprintf("%d/%d", b.ShareNum, b.ShareDen)
		}
		out = append(out, m)
	}
	return out
}

// Materials returns the filing materials of a contract by kind.
func (db *DB) Materials(ctx context.Context, contractID int64) (map[string]json.RawMessage, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT kind, content FROM filing_materials WHERE contract_id = $1 ORDER BY id`, contractID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]json.RawMessage{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		if v, err = openValue(db.ring(), field("filing_materials", "content", pair(contractID, k)), v); err != nil {
			return nil, err
		}
		out[k] = json.RawMessage(v)
	}
	return out, rows.Err()
}

// ---- cancellation (注销备案)

// Cancellation is an open or executed request to cancel a signed or
// filed contract; the rules are presale's.
type Cancellation = presale.Cancellation

func (db *DB) openCancellation(ctx context.Context, q querier, contractID int64) (Cancellation, error) {
	var x Cancellation
	var buyers string
	var executed sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT id, contract_id, reason, court_doc, requested_by, requested_at, developer_ok, buyers_ok, state, executed_at
		FROM contract_cancellations WHERE contract_id = $1 ORDER BY id DESC LIMIT 1`, contractID).
		Scan(&x.ID, &x.ContractID, &x.Reason, &x.CourtDoc, &x.RequestedBy, &x.RequestedAt, &x.DeveloperOK, &buyers, &x.State, &executed)
	x.ExecutedAt = executed.Time
	if err != nil {
		return x, notFound(err, "cancellation.not_found", "没有注销申请")
	}
	if buyers, err = openValue(db.ring(), field("contract_cancellations", "buyers_ok", contractID), buyers); err != nil {
		return x, err
	}
	json.Unmarshal([]byte(buyers), &x.BuyersOK)
	return x, nil
}

// CancellationOf returns the latest cancellation request of a contract.
func (db *DB) CancellationOf(ctx context.Context, contractID int64) (Cancellation, error) {
	return db.openCancellation(ctx, db.r(), contractID)
}

// CancelParty is who agrees to a cancellation: the developer, a buyer (by
// 身份证号), or housing staff with a court document.
type CancelParty = presale.CancelParty

// AgreeCancellation records one party's agreement to cancel a signed or
// filed contract, opening the request with the reason if none is open.
// When both parties agree, or a court document is given, the cancellation
// is executed in the same transaction: the contract ends, and the live
// pre-notice and pre-mortgage entries are ended by new 注销 entries.
func (db *DB) AgreeCancellation(ctx context.Context, actor audit.Actor, contractID int64, party CancelParty, reason string) (Cancellation, error) {
	return db.agreeCancellationAs(ctx, actor, contractID, func(presale.Contract) (CancelParty, error) { return party, nil }, reason)
}

// AgreeCancellationOf records the request's principal's agreement to
// cancel a contract: the capacity it agrees in (presale.CancelPartyOf, a
// housing bureau with the court's document courtDoc) is read on the
// contract locked, after access is decided on it.
func (db *DB) AgreeCancellationOf(ctx context.Context, actor audit.Actor, contractID int64, courtDoc, reason string) (Cancellation, error) {
	return db.agreeCancellationAs(ctx, actor, contractID, func(c presale.Contract) (CancelParty, error) {
		p := identity.PrincipalFrom(ctx)
		if p == nil {
			return CancelParty{}, problem.New(problem.Forbidden, "access.denied", "无权注销该合同")
		}
		return presale.CancelPartyOf(p, c, courtDoc)
	}, reason)
}

func (db *DB) agreeCancellationAs(ctx context.Context, actor audit.Actor, contractID int64, partyOf func(presale.Contract) (CancelParty, error), reason string) (Cancellation, error) {
	var x Cancellation
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		x, err = db.agreeCancellation(ctx, tx, contractID, partyOf, reason)
		return err
	})
	return x, err
}

// agreeCancellation locks the contract, decides access on it, reads its
// newest request, asks presale.Cancel with the party partyOf names,
// records the agreement and executes a ready cancellation.
func (db *DB) agreeCancellation(ctx context.Context, tx *Tx, contractID int64, partyOf func(presale.Contract) (CancelParty, error), reason string) (Cancellation, error) {
	c, err := lockContract(ctx, tx, contractID)
	if err != nil {
		return Cancellation{}, err
	}
	if err := decide(ctx, access.ContractCancel, ContractTarget(c)); err != nil {
		return Cancellation{}, err
	}
	party, err := partyOf(c)
	if err != nil {
		return Cancellation{}, err
	}
	var latest *Cancellation
	x, err := db.openCancellation(ctx, tx.q(), contractID)
	switch {
	case err == nil:
		latest = &x
	case problem.KindOf(err) != problem.NotFound:
		return x, err
	}
	plan, err := presale.Cancel(c, latest, party, reason, tx.actor.UserID, tx.now)
	if err != nil {
		return x, err
	}
	x = plan.Cancellation
	if plan.Opened {
		if x.ID, err = tx.insertID(ctx, `INSERT INTO contract_cancellations (contract_id, reason, requested_by, requested_at, state)
			VALUES ($1, $2, $3, $4, 'open')`, contractID, x.Reason, x.RequestedBy, x.RequestedAt); err != nil {
			return x, err
		}
	}
	list, _ := json.Marshal(x.BuyersOK)
	buyers, err := sealValue(tx.db.ring(), field("contract_cancellations", "buyers_ok", contractID), string(list))
	if err != nil {
		return x, err
	}
	if _, err := tx.exec(ctx, `UPDATE contract_cancellations SET court_doc = $1, developer_ok = $2, buyers_ok = $3 WHERE id = $4`,
		x.CourtDoc, x.DeveloperOK, buyers, x.ID); err != nil {
		return x, err
	}
	tx.Audit("contract.cancel_agree", "contract", contractID, map[string]any{"developer": party.Developer, "buyer": party.Buyer != "",
		"court_doc": x.CourtDoc, "reason": x.Reason})
	if !plan.Execute {
		return x, nil
	}
	return x, db.executeCancellation(ctx, tx, &plan.Contract, &x)
}

// executeCancellation writes a cancellation presale.Cancel executed: the
// request and the contract ended, and new 注销 entries ending the
// contract's live pre-notice and pre-mortgage, with their events.
func (db *DB) executeCancellation(ctx context.Context, tx *Tx, c *presale.Contract, x *Cancellation) error {
	// The unit first, before the contract's row: every path that changes
	// a unit takes its lock before its other rows (lockUnits), and the
	// contract's update sets the unit's stage, which locks it.
	if err := tx.lockUnits(ctx, c.UnitID); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE contract_cancellations SET state = 'executed', executed_at = $1 WHERE id = $2`, tx.now, x.ID); err != nil {
		return err
	}
	tx.forgetContract(c.ID)
	if _, err := tx.exec(ctx, `UPDATE contracts SET state = $1, ended_at = $2, end_reason = $3 WHERE id = $4`,
		string(c.State), tx.now, c.EndReason, c.ID); err != nil {
		return err
	}
	book, err := tx.book(ctx, c.UnitID)
	if err != nil {
		return err
	}
	agg := fmt.Sprintf("unit:%d", c.UnitID)
	for _, e := range registry.Live(book, registry.PreNotice) {
		if e.ContractID != c.ID {
			continue
		}
		if _, err := tx.record(ctx, registry.Entry{UnitID: c.UnitID, Kind: registry.Cancellation, RegType: registry.RegCancel,
			Ends: e.ID, EndKind: registry.Cancelled, ContractID: c.ID, Note: "合同注销备案：" + c.EndReason}, "", 0); err != nil {
			return err
		}
		tx.cancelCertificates(registry.CertCancel{Entry: e.ID, Reason: "预告登记已注销：合同注销备案"})
		typ := exchange.PreNoticeCancelled
		if e.PreNoticeKind == registry.PreNoticeMortgage {
			typ = exchange.PreMortgageCancelled
		}
		if err := tx.emit(typ, agg, c.Jurisdiction, map[string]any{"cert_no": e.CertNo, "reason": c.EndReason}); err != nil {
			return err
		}
	}
	if err := tx.emit(exchange.ContractCancelled, agg, c.Jurisdiction, map[string]any{"contract": c.Number, "reason": c.EndReason}); err != nil {
		return err
	}
	tx.touchUnitBuilding(c.UnitID)
	tx.Audit("contract.cancel", "contract", c.ID, map[string]any{"number": c.Number, "reason": c.EndReason})
	return nil
}

// ContractCounts counts the contracts the filter allows by state, and the
// signed ones whose filing is overdue at now.
func (db *DB) ContractCounts(ctx context.Context, f access.Filter, buyer string, now time.Time) (map[presale.ContractState]int, int, error) {
	if buyer != "" {
		f = access.Filter{Buyer: buyer}
	}
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	scope, ok, err := db.contractScope(f, arg)
	if !ok || err != nil {
		return map[presale.ContractState]int{}, 0, err
	}
	where := ""
	if scope != "" {
		where = ` WHERE ` + scope
	}
	due := presale.OverdueIfSignedBefore(calendar.DateOf(now))
	rows, err := db.r().QueryContext(ctx, `SELECT c.state, COUNT(*), SUM(CASE WHEN c.state = 'signed' AND c.signed_at < `+arg(due.UTC())+` THEN 1 ELSE 0 END)
		FROM contracts c`+where+` GROUP BY c.state`, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := map[presale.ContractState]int{}
	overdue := 0
	for rows.Next() {
		var st string
		var n, o int
		if err := rows.Scan(&st, &n, &o); err != nil {
			return nil, 0, err
		}
		out[presale.ContractState(st)] = n
		overdue += o
	}
	return out, overdue, rows.Err()
}

// AwaitingConfirmation counts contracts sent to this buyer that the buyer
// has not confirmed yet.
func (db *DB) AwaitingConfirmation(ctx context.Context, idNumber string) (int, error) {
	var n int
	index, err := indexOf(db.ring(), idNumber)
	if err != nil {
		return 0, err
	}
	err = db.r().QueryRowContext(ctx, `SELECT COUNT(*) FROM contracts c JOIN contract_buyers b ON b.contract_id = c.id
		WHERE c.state = 'sent' AND b.id_index = $1 AND b.confirmed_at IS NULL`, index).Scan(&n)
	return n, err
}

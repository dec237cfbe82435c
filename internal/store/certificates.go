package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/code"
	"handover/internal/exchange"
	"handover/internal/ledger"
	"handover/internal/personal"
	"handover/internal/problem"
	"handover/internal/registerlog"
	"handover/internal/registry"
)

// ---- signing keys

// PutKey stores an authority's new signing key; it replaces the active one.
func (db *DB) PutKey(ctx context.Context, actor audit.Actor, k certificate.Key) (certificate.Key, error) {
	err := db.transact(ctx, actor, func(tx *Tx) error {
		if _, err := db.jurisdictionTx(ctx, tx, k.Jurisdiction); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE signing_keys SET active = FALSE WHERE jurisdiction = $1`, k.Jurisdiction); err != nil {
			return err
		}
		var err error
		k.Active, k.CreatedAt = true, tx.now
		if k.ID, err = tx.insertID(ctx, `INSERT INTO signing_keys (jurisdiction, subject, certificate, private_key, active, created_at)
			VALUES ($1, $2, $3, $4, TRUE, $5)`, k.Jurisdiction, k.Subject, k.CertPEM, k.KeyPEM, tx.now); err != nil {
			return err
		}
		tx.Audit("key.create", "signing_key", k.ID, map[string]any{"jurisdiction": k.Jurisdiction, "subject": k.Subject})
		return nil
	})
	return k, err
}

// Keys lists the signing keys (the encrypted private parts included: only
// a passphrase unlocks them).
func (db *DB) Keys(ctx context.Context) ([]certificate.Key, error) {
	return db.keysOf(ctx, db.r())
}

func (db *DB) keysOf(ctx context.Context, q querier) ([]certificate.Key, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, jurisdiction, subject, certificate, private_key, active, created_at FROM signing_keys ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []certificate.Key
	for rows.Next() {
		var k certificate.Key
		if err := rows.Scan(&k.ID, &k.Jurisdiction, &k.Subject, &k.CertPEM, &k.KeyPEM, &k.Active, &k.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// UnlockKeys unlocks every active signing key with the passphrase
// (certificate.UnlockKeyring).
func (db *DB) UnlockKeys(ctx context.Context, passphrase []byte) (*certificate.Keyring, error) {
	keys, err := db.Keys(ctx)
	if err != nil {
		return nil, err
	}
	return certificate.UnlockKeyring(keys, passphrase)
}

// ---- certificates

// Certificate is a stored certificate.
type Certificate struct {
	ID           int64
	Kind         certificate.Kind
	Number       string
	LicenceID    string
	EntryID      int64
	UnitID       int64
	ServiceID    int64
	Jurisdiction string
	Holder       string // the holders' names
	Payload      []byte
	Signature    []byte
	KeyID        int64
	IssuedAt     time.Time
	SignedAt     time.Time
	State        string // live, cancelled
	CancelledAt  time.Time
	CancelReason string
	PaperSerial  string
	Delivery     string
	TrackingNo   string
	DeliveredAt  time.Time
}

// StateLabel names the certificate's state (certificate.StateLabel).
func (c Certificate) StateLabel() string { return certificate.StateLabel(c.State) }

const certificateColumns = `id, kind, cert_no, licence_id, entry_id, unit_id, service_id, jurisdiction, holder, payload, signature, key_id,
	issued_at, signed_at, state, cancelled_at, cancel_reason, paper_serial, delivery, tracking_no, delivered_at`

// scanCertificate reads certificateColumns, opening the payload with ring.
func scanCertificate(ring *personal.Keyring, r interface{ Scan(...any) error }) (Certificate, error) {
	var c Certificate
	var payload string
	var signed, cancelled, delivered sql.NullTime
	err := r.Scan(&c.ID, &c.Kind, &c.Number, &c.LicenceID, &c.EntryID, &c.UnitID, &c.ServiceID, &c.Jurisdiction, &c.Holder, &payload, &c.Signature,
		&c.KeyID, &c.IssuedAt, &signed, &c.State, &cancelled, &c.CancelReason, &c.PaperSerial, &c.Delivery, &c.TrackingNo, &delivered)
	if err == nil {
		payload, err = openValue(ring, field("certificates", "payload", c.Number), payload)
	}
	c.Payload, c.SignedAt, c.CancelledAt, c.DeliveredAt = []byte(payload), signed.Time, cancelled.Time, delivered.Time
	return c, err
}

func (db *DB) certificatesWhere(ctx context.Context, q querier, where string, args ...any) ([]Certificate, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+certificateColumns+` FROM certificates WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Certificate
	for rows.Next() {
		c, err := scanCertificate(db.ring(), rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CertificateByID returns one certificate.
func (db *DB) CertificateByID(ctx context.Context, id int64) (Certificate, error) {
	c, err := scanCertificate(db.ring(), db.r().QueryRowContext(ctx, `SELECT `+certificateColumns+` FROM certificates WHERE id = $1`, id))
	return c, notFound(err, "certificate.not_found", "证照不存在")
}

// CertificatesOfUnit lists a unit's certificates.
func (db *DB) CertificatesOfUnit(ctx context.Context, unit int64) ([]Certificate, error) {
	return db.certificatesWhere(ctx, db.r(), `unit_id = $1`, unit)
}

// CertificatesOfHolder lists the certificates whose register entry names a
// holder with this ID number (a buyer's own), or held by an organisation.
func (db *DB) CertificatesOfHolder(ctx context.Context, idNumber string) ([]Certificate, error) {
	index, err := indexOf(db.ring(), idNumber)
	if err != nil {
		return nil, err
	}
	return db.certificatesWhere(ctx, db.r(), `entry_id IN (SELECT entry_id FROM register_holders WHERE id_index = $1)`, index)
}

// CertificatesOfService lists what a service certified.
func (db *DB) CertificatesOfService(ctx context.Context, service int64) ([]Certificate, error) {
	return db.certificatesWhere(ctx, db.r(), `service_id = $1`, service)
}

// certificateFacts are what numbering and composing certificates read
// that many of them share, read once for all the certificates made
// together (an application's, or a batch chunk's): the registration
// authority of a jurisdiction, a project's parcels (a unit with its
// building and project is read once per transaction: recordedUnit).
type certificateFacts struct {
	authorities map[string]authority
	parcels     map[int64][]ledger.Parcel
}

// authority is a jurisdiction's registration authority as a certificate
// names it.
type authority struct{ name, uscc string }

func newCertificateFacts() *certificateFacts {
	return &certificateFacts{authorities: map[string]authority{}, parcels: map[int64][]ledger.Parcel{}}
}

// licenceSeries names the numbering series of an authority's electronic
// licence identifiers (电子证照标识).
func licenceSeries(a authority) string { return "licence/" + a.uscc }

func (f *certificateFacts) authority(ctx context.Context, tx *Tx, jurisdiction string) (authority, error) {
	if a, ok := f.authorities[jurisdiction]; ok {
		return a, nil
	}
	var a authority
	if err := tx.queryRow(ctx, `SELECT name, COALESCE(uscc, '') FROM organisations WHERE kind = 'registry' AND jurisdiction = $1 ORDER BY id LIMIT 1`,
		jurisdiction).Scan(&a.name, &a.uscc); err != nil {
		return a, problem.Newf(problem.Refused, "certificate.authority", "辖区%s没有登记机构", jurisdiction)
	}
	f.authorities[jurisdiction] = a
	return a, nil
}

func (f *certificateFacts) parcelsOf(ctx context.Context, tx *Tx, project int64) ([]ledger.Parcel, error) {
	if ps, ok := f.parcels[project]; ok {
		return ps, nil
	}
	ps, err := parcelsOf(ctx, tx.q(), project)
	if err == nil {
		f.parcels[project] = ps
	}
	return ps, err
}

// buildPayload is the certificate of an entry: its holders, the unit and
// its location, the right, the land's term, the authority.
func (tx *Tx) buildPayload(ctx context.Context, facts *certificateFacts, e registry.Entry, kind certificate.Kind, licence string) (certificate.Payload, error) {
	ref, err := tx.recordedUnit(ctx, e.UnitID)
	if err != nil {
		return certificate.Payload{}, err
	}
	parcels, err := facts.parcelsOf(ctx, tx, ref.Project.ID)
	if err != nil {
		return certificate.Payload{}, err
	}
	sub := certificate.Subject{Unit: ref.Unit, Building: ref.Building, Project: ref.Project, IssuedOn: calendar.DateOf(tx.now)}
	if len(parcels) > 0 {
		sub.Parcel = &parcels[0]
	}
	a, err := facts.authority(ctx, tx, ref.Project.Jurisdiction)
	if err != nil {
		return certificate.Payload{}, err
	}
	sub.Authority, sub.AuthorityID = a.name, a.uscc
	return certificate.Compose(e, kind, licence, sub), nil
}

// insertCertificate begins the one statement that writes a certificate.
const insertCertificate = `INSERT INTO certificates `

// certificateFor makes (once) the certificate of an entry: the licence
// identifier drawn from the issuer's series, the payload fixed. It is not
// signed yet: signing is CPU work done outside the transaction.
//
// An entry this transaction recorded has none before this makes it: no
// other transaction sees the entry until this one commits, and this is
// the one statement that writes certificates. Such an entry's
// certificate is made without looking for one (a batch makes 1.6 per
// flat).
func (tx *Tx) certificateFor(ctx context.Context, facts *certificateFacts, e registry.Entry, serviceID int64, jurisdiction string) (Certificate, error) {
	fresh := tx.known.fresh[e.ID]
	if !fresh || tx.db.checkKept {
		existing, err := tx.db.certificatesWhere(ctx, tx.q(), `entry_id = $1`, e.ID)
		switch {
		case err != nil:
			return Certificate{}, err
		case len(existing) > 0 && fresh:
			return Certificate{}, fmt.Errorf("store: entry %d, recorded in this transaction, has certificate %d already", e.ID, existing[0].ID)
		case len(existing) > 0:
			return existing[0], nil
		}
	}
	kind := certificate.Title
	typeCode := code.LicenceTypeTitle
	if e.Kind != registry.Ownership {
		kind, typeCode = certificate.Proof, code.LicenceTypeProof
	}
	issuer, err := facts.authority(ctx, tx, jurisdiction)
	if err != nil {
		return Certificate{}, err
	}
	serial, err := tx.nextSeq(ctx, licenceSeries(issuer))
	if err != nil {
		return Certificate{}, err
	}
	lid, err := code.NewLicenceID(typeCode, issuer.uscc, serial)
	if err != nil {
		return Certificate{}, err
	}
	p, err := tx.buildPayload(ctx, facts, e, kind, lid.String())
	if err != nil {
		return Certificate{}, err
	}
	c := Certificate{Kind: kind, Number: e.CertNo, LicenceID: lid.String(), EntryID: e.ID, UnitID: e.UnitID, ServiceID: serviceID,
		Jurisdiction: jurisdiction, Holder: strings.Join(holderNames(e.Holders), "、"), Payload: p.Canonical(), IssuedAt: tx.now, State: "live"}
	sealed, err := sealValue(tx.db.ring(), field("certificates", "payload", c.Number), string(c.Payload))
	if err != nil {
		return Certificate{}, err
	}
	if slices.ContainsFunc(tx.cancels, func(x registry.CertCancel) bool { return x.Entry == e.ID }) {
		if err := tx.settle(ctx, ""); err != nil {
			return Certificate{}, err
		}
	}
	c.ID, err = tx.insertID(ctx, insertCertificate+`(kind, cert_no, licence_id, entry_id, unit_id, service_id, jurisdiction, holder, payload, issued_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, string(c.Kind), c.Number, c.LicenceID, c.EntryID, c.UnitID, serviceID, jurisdiction,
		c.Holder, sealed, tx.now)
	delete(tx.known.fresh, e.ID)
	return c, err
}

// toSign is a certificate waiting for its signature.
type toSign struct {
	id      int64
	entry   int64 // the register entry it proves (proofs; 0 otherwise)
	payload []byte
	sig     []byte
}

// signAll signs outside any transaction, on every core the process may
// use (GOMAXPROCS): each signature is independent CPU work.
func signAll(s *certificate.Signer, list []toSign) error {
	workers := min(runtime.GOMAXPROCS(0), len(list))
	if workers <= 1 {
		return signSome(s, list, 0, 1)
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { errs[w] = signSome(s, list, w, workers) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// signOnOneCore signs on the caller's goroutine alone.
func signOnOneCore(s *certificate.Signer, list []toSign) error { return signSome(s, list, 0, 1) }

// signSome signs every step-th certificate of list from first.
func signSome(s *certificate.Signer, list []toSign, first, step int) error {
	for i := first; i < len(list); i += step {
		sig, err := s.Sign(list[i].payload)
		if err != nil {
			return err
		}
		list[i].sig = sig
	}
	return nil
}

// storeSignatures writes signatures in the transaction, bulkRows
// certificates a statement; a certificate signed already keeps its
// signature, and one listed twice keeps the first.
func (tx *Tx) storeSignatures(ctx context.Context, keyID int64, list []toSign) error {
	seen := make(map[int64]bool, len(list))
	var rows [][]any
	for _, c := range list {
		if !seen[c.id] {
			seen[c.id] = true
			rows = append(rows, []any{c.id, c.sig})
		}
	}
	return tx.updateFromValues(ctx, "id, sig", []string{"bigint", "bytea"}, rows,
		` UPDATE certificates SET signature = v.sig, key_id = %s, signed_at = %s FROM v WHERE certificates.id = v.id AND certificates.signature IS NULL`,
		keyID, tx.now)
}

// certifyApplication is 缮证: the recorded services' certificates are made
// in one transaction, signed outside it, and stored in a second one that
// also moves the services on. Interrupted, it resumes: certificates made
// but unsigned are signed the next time.
func (db *DB) certifyApplication(ctx context.Context, actor audit.Actor, id int64, kr *certificate.Keyring) (registry.Application, error) {
	var a registry.Application
	var list []toSign
	var signer *certificate.Signer
	err := db.transact(ctx, actor, func(tx *Tx) (err error) {
		a, list, signer, err = tx.certificatesToCertify(ctx, id, kr)
		return err
	})
	if err != nil {
		return a, err
	}
	if err := signAll(signer, list); err != nil {
		return a, err
	}
	err = db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		if a, err = loadApplication(ctx, tx.db.ring(), tx.q(), id, db.forUpdate()); err != nil {
			return err
		}
		if err := tx.storeSignatures(ctx, signer.KeyID, list); err != nil {
			return err
		}
		return tx.certifyRecorded(ctx, &a, signer.KeyID)
	})
	return a, err
}

// certificatesToCertify numbers the certificates of an application's
// recorded services (缮证) and returns them to sign with the jurisdiction's
// key; it refuses an application with nothing recorded.
func (tx *Tx) certificatesToCertify(ctx context.Context, id int64, kr *certificate.Keyring) (registry.Application, []toSign, *certificate.Signer, error) {
	a, err := loadApplication(ctx, tx.db.ring(), tx.q(), id, tx.db.forUpdate())
	if err != nil {
		return a, nil, nil, err
	}
	if err := tx.decideApplication(ctx, a, access.StepAction(registry.StepCertify)); err != nil {
		return a, nil, nil, err
	}
	if err := a.CheckCertifiable(); err != nil {
		return a, nil, nil, err
	}
	signer, err := kr.Signer(a.Jurisdiction)
	if err != nil {
		return a, nil, nil, err
	}
	var list []toSign
	facts := newCertificateFacts()
	for _, s := range a.Services {
		if s.State != registry.Recorded {
			continue
		}
		cs, err := tx.certificatesOfService(ctx, facts, s, a.Jurisdiction)
		if err != nil {
			return a, nil, nil, err
		}
		list = append(list, cs...)
	}
	return a, list, signer, nil
}

// certifyRecorded moves every recorded service to certified, its
// certificates signed with key.
func (tx *Tx) certifyRecorded(ctx context.Context, a *registry.Application, key int64) error {
	for i := range a.Services {
		s := &a.Services[i]
		if s.State != registry.Recorded {
			continue
		}
		if err := s.Apply(registry.StepCertify, tx.actor.UserID, registry.Policy{}, ""); err != nil {
			return err
		}
		if err := tx.saveService(ctx, s); err != nil {
			return err
		}
		tx.step(s.ID, registry.StepCertify, fmt.Sprintf("SM2签名，密钥%d", key))
	}
	return tx.closeIfDone(ctx, a, registry.StepCertify)
}

// certificatesOfService makes the certificates a recorded service issues
// and returns the unsigned ones.
func (tx *Tx) certificatesOfService(ctx context.Context, facts *certificateFacts, s registry.Service, jurisdiction string) ([]toSign, error) {
	if !s.Kind.Certifies() {
		return nil, nil
	}
	entries, err := serviceEntries(ctx, tx, s)
	if err != nil {
		return nil, err
	}
	var out []toSign
	for _, e := range entries {
		c, err := tx.certificateFor(ctx, facts, e, s.ID, jurisdiction)
		if err != nil {
			return nil, err
		}
		if len(c.Signature) == 0 {
			out = append(out, toSign{id: c.ID, payload: c.Payload})
		}
	}
	return out, nil
}

// serviceEntries are the entries a service recorded that a certificate or
// proof states (ownership, mortgage, objection), with their holders, in
// the order they were recorded: a unit's service reads its unit's book
// once; a building's reads each entry's unit's.
func serviceEntries(ctx context.Context, tx *Tx, s registry.Service) ([]registry.Entry, error) {
	certified := func(e registry.Entry) bool {
		return e.ServiceID == s.ID && (e.Kind == registry.Ownership || e.Kind == registry.Mortgage || e.Kind == registry.Objection)
	}
	if s.UnitID != 0 {
		book, err := tx.book(ctx, s.UnitID)
		return slices.DeleteFunc(book, func(e registry.Entry) bool { return !certified(e) }), err
	}
	// service_id <> 0 is the index's own condition (migration 0042), said
	// so that both engines use it.
	ids, err := int64s(ctx, tx.q(), `SELECT id FROM register_entries WHERE service_id = $1 AND service_id <> 0
		AND kind IN ('ownership', 'mortgage', 'objection') ORDER BY id`, s.ID)
	if err != nil {
		return nil, err
	}
	var out []registry.Entry
	for _, id := range ids {
		e, err := tx.db.entryByID(ctx, tx.q(), id)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// entryByID reads one entry with its holders.
func (db *DB) entryByID(ctx context.Context, q querier, id int64) (registry.Entry, error) {
	var unit int64
	if err := q.QueryRowContext(ctx, `SELECT unit_id FROM register_entries WHERE id = $1`, id).Scan(&unit); err != nil {
		return registry.Entry{}, notFound(err, "register.not_found", "登记不存在")
	}
	book, err := db.unitBook(ctx, q, unit)
	if err != nil {
		return registry.Entry{}, err
	}
	for _, e := range book {
		if e.ID == id {
			return e, nil
		}
	}
	return registry.Entry{}, problem.New(problem.NotFound, "register.not_found", "登记不存在")
}

// issueCertificates records how a service's certificates were delivered,
// and the paper blanks they are printed on, if any (printOnPaper).
func (tx *Tx) issueCertificates(ctx context.Context, s registry.Service, opts StepOptions) error {
	if err := certificate.CheckDelivery(opts.Delivery, opts.TrackingNo); err != nil {
		return err
	}
	cs, err := tx.db.certificatesWhere(ctx, tx.q(), `service_id = $1`, s.ID)
	if err != nil {
		return err
	}
	serials, err := tx.printOnPaper(ctx, s, opts)
	if err != nil {
		return err
	}
	for _, c := range cs {
		serial := serials[c.ID]
		var printed any
		if serial != "" {
			printed = tx.now
		}
		if _, err := tx.exec(ctx, `UPDATE certificates SET delivery = $1, tracking_no = $2, delivered_at = $3, paper_serial = $4, printed_at = $5 WHERE id = $6`,
			opts.Delivery, strings.TrimSpace(opts.TrackingNo), tx.now, serial, printed, c.ID); err != nil {
			return err
		}
		if err := tx.emit(exchange.CertificateIssued, fmt.Sprintf("unit:%d", c.UnitID), c.Jurisdiction, map[string]any{"licence_id": c.LicenceID,
			"cert_no": c.Number, "unit": c.UnitID, "delivery": opts.Delivery}); err != nil {
			return err
		}
	}
	return nil
}

// cancelCertificates marks the live certificates of entries whose rights
// have ended cancelled (注销), each with its reason (the first given for
// an entry named twice). The cancellations are queued and made together
// (cancelQueued): a batch chunk ends some 160 rights.
func (tx *Tx) cancelCertificates(ended ...registry.CertCancel) {
	tx.cancels = append(tx.cancels, ended...)
}

// cancelsDue reports whether statement q must see the queued
// cancellations made first: every statement that names certificates or
// proofs_due does, but the insert of a new certificate (certificateFor),
// which reads no other row; certificateFor makes them first when its own
// entry is among them.
func cancelsDue(q string) bool {
	return q == "" || strings.Contains(q, "proofs_due") ||
		(strings.Contains(q, "certificates") && !strings.HasPrefix(q, insertCertificate))
}

// cancelQueued makes the cancellations queued (cancelCertificates), bulkRows
// entries a statement. A proof still due is taken off the queue first: on
// PostgreSQL that waits for a server making it to commit, so the proof it
// made is cancelled here rather than left live.
func (tx *Tx) cancelQueued(ctx context.Context) error {
	ended := tx.cancels
	tx.cancels = nil
	for len(ended) > 0 {
		n := min(bulkRows, len(ended))
		if err := tx.cancelNow(ctx, ended[:n]); err != nil {
			return err
		}
		ended = ended[n:]
	}
	return nil
}

// cancelNow cancels the live certificates of ended in one statement, after
// taking their proofs off the queue.
func (tx *Tx) cancelNow(ctx context.Context, ended []registry.CertCancel) error {
	ids := make([]int64, len(ended))
	for i, c := range ended {
		ids[i] = c.Entry
	}
	in, args := inList(1, ids)
	if _, err := tx.exec(ctx, `DELETE FROM proofs_due WHERE entry_id IN (`+in+`)`, args...); err != nil {
		return err
	}
	// The reason of each entry, by a CASE of as many arms as entries:
	// $1 the time, then each entry and its reason; the IN list after them.
	var reason strings.Builder
	args = []any{tx.now}
	for _, c := range ended {
		args = append(args, c.Entry, c.Reason)
		fmt.Fprintf(&reason, " WHEN $%d THEN $%d", len(args)-1, len(args))
	}
	in, ins := inList(len(args)+1, ids)
	_, err := tx.exec(ctx, `UPDATE certificates SET state = 'cancelled', cancelled_at = $1, cancel_reason = CASE entry_id`+reason.String()+
		` END WHERE entry_id IN (`+in+`) AND state = 'live'`, append(args, ins...)...)
	return err
}

// ---- public verification

// Verification is certificate's answer to the public (certificate.Verify)
// as this package returns it.
type Verification struct {
	certificate.Verification
	// NamesLocked: the certificate's lookups by number were given too many
	// names that are not a holder's in the last day, so the name given
	// was not compared (certificate.NamesLocked).
	NamesLocked bool
	// NumbersLocked: the certificate's lookups by licence identifier were
	// given too many numbers that are not its own in the last day, so the
	// number given was not compared (certificate.NumbersLocked).
	NumbersLocked bool
	// InLog: the certificate's register entry is leaf LogIndex of the
	// register log under a signed checkpoint (已入登记簿日志 #N).
	InLog    bool
	LogIndex uint64
}

// logIndexColumn reads, with a certificate (c), its register entry's
// index in the register log when a signed checkpoint covers it (-1 when
// none does yet): one indexed lookup in the verification's own query.
const logIndexColumn = `COALESCE((SELECT l.idx FROM log_leaves l WHERE l.kind = 'register_entry' AND l.record_id = c.entry_id
	AND l.idx < (SELECT COALESCE(MAX(size), 0) FROM log_checkpoints)), -1)`

// setLogIndex records the log index read with logIndexColumn.
func (v *Verification) setLogIndex(idx int64) {
	v.InLog, v.LogIndex = idx >= 0, uint64(max(idx, 0))
}

// Verify checks a certificate by its licence identifier and answers in
// full, for the pages of those who may read the certificate (the public
// asks through VerifyLicence): the signature is verified every time
// against the authority's key (its certificate parsed once per key), and
// whether the unit is mortgaged or sealed is read as the register book
// stands now, derived as every reader of a unit's state derives it
// (registry.Standing).
func (db *DB) Verify(ctx context.Context, licence string) (Verification, error) {
	now := db.Now()
	c, err := db.readVerifiable(ctx, db.r(), byLicence, licence, calendar.DateOf(now))
	if err != nil {
		return Verification{}, notFound(err, "certificate.not_found", "查无此证照：请核对电子证照标识")
	}
	authority, err := db.authority(ctx, c.keyID)
	if err != nil {
		return Verification{}, err
	}
	cv, err := certificate.Verify(c.s, authority, c.mortgaged, c.sealed, now)
	v := Verification{Verification: cv}
	v.setLogIndex(c.logIdx)
	return v, err
}

// LicenceLookup is a public verification by licence identifier, the QR
// code's address, with the second factor that lets it answer in full.
type LicenceLookup struct {
	Licence string
	Token   string // the QR code's token (certificate.Token); "" for none
	Number  string // the certificate's number, typed by the person checking; "" for none
	Via     string // page or api, for the audit trail
}

// factor names the second factor a lookup was given, for the audit
// trail: the token when there is one (a QR code), else the number.
func (l LicenceLookup) factor() string {
	switch {
	case strings.TrimSpace(l.Token) != "":
		return "token"
	case strings.TrimSpace(l.Number) != "":
		return "number"
	}
	return ""
}

// VerifyLicence checks a certificate by its licence identifier for the
// public, and answers as certificate.VerifyLicence decides: in full only
// with the QR code's token or the certificate's number, otherwise — no
// factor, or a wrong one — its status only, the same answer either way.
//
// The identifier alone is not audited (it is the hot path, and shows
// nothing personal). A lookup given a factor is audited as actor's view
// of the register — found or not, which factor and whether it matched
// (never the factor itself) — except the right token, which only the
// certificate's QR code carries: so someone trying numbers or tokens
// against guessed identifiers shows in the trail. After
// certificate.NumberChecksPerDay wrong numbers within a day a
// certificate's numbers are not compared (audited as locked); its token
// still is.
func (db *DB) VerifyLicence(ctx context.Context, actor audit.Actor, l LicenceLookup) (Verification, error) {
	now, q := db.Now(), db.r()
	factor := l.factor()
	c, err := db.readVerifiable(ctx, q, byLicence, l.Licence, calendar.DateOf(now))
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Verification{}, err
	}
	id, s := c.id, c.s
	var v Verification
	result := "wrong"
	if found {
		held := false
		switch factor {
		case "token":
			held = certificate.TokenMatches(s, l.Token)
		case "number":
			wrong, err := wrongNumbers(ctx, q, l.Licence, now)
			if err != nil {
				return v, err
			}
			if v.NumbersLocked = certificate.NumbersLocked(wrong); v.NumbersLocked {
				result = "locked"
			} else {
				held = certificate.NumberMatches(s, l.Number)
			}
		}
		if held {
			result = "match"
		}
		authority, err := db.authority(ctx, c.keyID)
		if err != nil {
			return v, err
		}
		// Without the factor the answer is the status alone: whether
		// the flat is mortgaged or sealed is not shown.
		mortgaged, sealed := held && c.mortgaged, held && c.sealed
		if v.Verification, err = certificate.VerifyLicence(s, authority, mortgaged, sealed, held, now); err != nil {
			return v, err
		}
		v.setLogIndex(c.logIdx)
	}
	if factor != "" && !(factor == "token" && result == "match") {
		if err := db.RecordAudit(ctx, actor, "certificate.lookup", "licence_id", l.Licence,
			map[string]any{"via": l.Via, "found": found, "certificate": id, factor: result}); err != nil {
			return Verification{}, err
		}
	}
	if !found {
		return v, problem.New(problem.NotFound, "certificate.not_found", "查无此证照：请核对电子证照标识")
	}
	return v, nil
}

// wrongNumbers counts the numbers that were not its own given in the
// lookups of a certificate by licence identifier in the day before now.
func wrongNumbers(ctx context.Context, q querier, licence string, now time.Time) (int, error) {
	return wrongFactors(ctx, q, "licence_id", licence, `%"number":"wrong"%`, now)
}

// wrongFactors counts the lookups of one record (by its audit index) in the
// day before now whose second factor did not match (summary like wrong):
// every lookup with a second factor is in the audit trail.
func wrongFactors(ctx context.Context, q querier, recordType, recordID, wrong string, now time.Time) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE record_type = $1 AND record_id = $2
		AND action = 'certificate.lookup' AND at > $3 AND summary LIKE $4`, recordType, recordID, now.Add(-24*time.Hour), wrong).Scan(&n)
	return n, err
}

// NumberLookup is a public verification by certificate number.
type NumberLookup struct {
	Number string // 不动产权证书号 or 不动产证明号 as typed, read leniently (code.ParseCertNumber)
	Name   string // the full name of one of its holders, the second factor; "" for none
	Via    string // page or api, for the audit trail
}

// VerifyNumber checks a certificate by its number, as Verify does by its
// licence identifier, and answers as certificate.VerifyNumber decides: in
// full only to the full name of one of its holders, otherwise only that it
// exists and its state. Every lookup of a well-formed number is audited as
// actor's view of the register — found or not, with or without a name,
// and whether the name was a holder's (never the name itself) — so that
// someone trying numbers or names shows in the trail. A number that does
// not parse is refused before any lookup.
func (db *DB) VerifyNumber(ctx context.Context, actor audit.Actor, l NumberLookup) (Verification, error) {
	n, err := code.ParseCertNumber(l.Number)
	if err != nil {
		return Verification{}, err
	}
	number, now, q := n.String(), db.Now(), db.r()
	var v Verification
	c, err := db.readVerifiable(ctx, q, byNumber, number, calendar.DateOf(now))
	found, id := err == nil, c.id
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return v, err
	default:
		authority, err := db.authority(ctx, c.keyID)
		if err != nil {
			return v, err
		}
		given := l.Name
		if strings.TrimSpace(given) != "" {
			wrong, err := wrongNames(ctx, q, number, now)
			if err != nil {
				return v, err
			}
			if v.NamesLocked = certificate.NamesLocked(wrong); v.NamesLocked {
				given = ""
			}
		}
		cv, err := certificate.VerifyNumber(c.s, authority, c.mortgaged, c.sealed, given, now)
		if err != nil {
			return v, err
		}
		v.Verification = cv
		v.setLogIndex(c.logIdx)
	}
	name := "none"
	switch {
	case strings.TrimSpace(l.Name) == "":
	case v.NamesLocked:
		name = "locked"
	case found && !v.Limited:
		name = "holder"
	default:
		name = "not_a_holder"
	}
	if err := db.RecordAudit(ctx, actor, "certificate.lookup", "certificate_number", number,
		map[string]any{"via": l.Via, "found": found, "certificate": id, "name": name}); err != nil {
		return Verification{}, err
	}
	if !found {
		return v, problem.New(problem.NotFound, "certificate.not_found", "查无此证照：请核对证书号")
	}
	return v, nil
}

// wrongNames counts the names that were not a holder's given in the
// lookups of certificate number in the day before now.
func wrongNames(ctx context.Context, q querier, number string, now time.Time) (int, error) {
	return wrongFactors(ctx, q, "certificate_number", number, `%"name":"not_a_holder"%`, now)
}

// authority is the parsed certificate of signing key keyID, read and
// parsed on the key's first use only (a stored key's certificate never
// changes); nil when there is no such key (an unsigned certificate) or its
// certificate does not parse: a signature then does not hold.
func (db *DB) authority(ctx context.Context, keyID int64) (*smx509.Certificate, error) {
	if c, ok := db.authorities.Cached(keyID); ok {
		return c, nil
	}
	pem, err := db.AuthorityCertificate(ctx, keyID)
	if problem.KindOf(err) == problem.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return db.authorities.Certificate(keyID, pem), nil
}

// SignerName is the organisation named by the certificate of signing key
// keyID — the registration authority whose seal a certificate signed
// with it carries — or "" when there is no such key (an unsigned
// certificate) or its certificate does not parse.
func (db *DB) SignerName(ctx context.Context, keyID int64) (string, error) {
	c, err := db.authority(ctx, keyID)
	if err != nil || c == nil {
		return "", err
	}
	if org := c.Subject.Organization; len(org) > 0 && org[0] != "" {
		return org[0], nil
	}
	return c.Subject.CommonName, nil
}

// verifiable is a certificate as verification reads it: what it checks
// (the stored content and signature), the certificate's id, unit,
// signing key (0 when unsigned) and log index (-1 when not yet in a
// checkpoint), and whether its unit is mortgaged or sealed today.
type verifiable struct {
	id, unit, keyID, logIdx int64
	s                       certificate.Stored
	mortgaged, sealed       bool
}

// Certificates are found for verification by licence identifier (the QR
// code's address) or by number.
const (
	byLicence = "licence_id"
	byNumber  = "cert_no"
)

// readVerifiable reads the certificate whose column by (byLicence or
// byNumber) is key, with its unit's register book, in one statement: the
// public verification's hot path is one indexed lookup of the certificate
// and a range of the covering index register_entries_standing, not a
// query for each. The certificate comes first, in a row of its own (its
// payload, a kilobyte, is not repeated beside each entry), then the
// entries in order, merged from the index without a sort (the
// certificate's row is entry 0, before every entry). No such
// certificate: sql.ErrNoRows.
func (db *DB) readVerifiable(ctx context.Context, q querier, by, key string, today calendar.Date) (verifiable, error) {
	var v verifiable
	if by != byLicence && by != byNumber {
		return v, fmt.Errorf("readVerifiable: certificates are not found by %q", by)
	}
	rows, err := q.QueryContext(ctx, verifiableSQL(by), key)
	if err != nil {
		return v, err
	}
	defer rows.Close()
	var (
		payload string
		book    restrictionBook
		e       registry.Entry
		row     verifiable
		rowText string
	)
	dest := append([]any{&row.id, &row.s.Kind, &row.s.Number, &row.s.LicenceID, &rowText, &row.s.Signature, &row.s.State, &row.s.CancelReason,
		&row.unit, &row.keyID, &row.logIdx}, book.dest(&e)...)
	found := false
	for rows.Next() {
		e = registry.Entry{}
		if err := rows.Scan(dest...); err != nil {
			return v, err
		}
		if !found { // the certificate's row
			found, v, payload = true, row, rowText
			continue
		}
		book.add(v.unit, e)
	}
	if err := rows.Err(); err != nil {
		return v, err
	}
	if !found {
		return v, sql.ErrNoRows
	}
	if payload, err = openValue(db.ring(), field("certificates", "payload", v.s.Number), payload); err != nil {
		return v, err
	}
	v.s.Payload = []byte(payload)
	v.mortgaged, v.sealed = book.standing(today)
	return v, nil
}

// verifiableSQL is readVerifiable's statement, the certificate found by
// its column by ($1).
func verifiableSQL(by string) string {
	return `SELECT c.id, c.kind, c.cert_no, c.licence_id, c.payload, c.signature, c.state, c.cancel_reason,
			c.unit_id, c.key_id, ` + logIndexColumn + `, 0 AS entry, '', 0, 0, '', FALSE, ''
		FROM certificates c WHERE c.` + by + ` = $1
		UNION ALL
		SELECT 0, '', '', '', '', NULL, '', '', 0, 0, 0, ` + restrictionColumns("e") + `
		FROM register_entries e WHERE e.unit_id = (SELECT unit_id FROM certificates WHERE ` + by + ` = $1)
		ORDER BY entry`
}

// AuthorityCertificate returns the PEM certificate a certificate was signed with.
func (db *DB) AuthorityCertificate(ctx context.Context, keyID int64) (string, error) {
	var pem string
	err := db.r().QueryRowContext(ctx, `SELECT certificate FROM signing_keys WHERE id = $1`, keyID).Scan(&pem)
	return pem, notFound(err, "key.not_found", "签名密钥不存在")
}

// CertificateTarget is the access target of a certificate: the issuing
// jurisdiction, the project's developer, the persons it names as holders
// (by ID number) and the bank it names as mortgagee (as its organisation).
// A 不动产登记证明 (of a mortgage or a pre-notice) also lets the flat's
// owners in: they are its 义务人 (the mortgagors), parties to the
// registration it proves, and the buyer's page lists it among the flat's.
func (db *DB) CertificateTarget(ctx context.Context, c Certificate) (access.Target, error) {
	t := access.Target{Jurisdiction: c.Jurisdiction}
	if err := db.r().QueryRowContext(ctx, `SELECT p.developer_org FROM units u JOIN buildings b ON b.id = u.building_id JOIN projects p ON p.id = b.project_id
		WHERE u.id = $1`, c.UnitID).Scan(&t.Developer); err != nil {
		return t, err
	}
	rows, err := db.r().QueryContext(ctx, `SELECT entry_id, seq, name, id_kind, id_number, share_num, share_den FROM register_holders WHERE entry_id = $1`, c.EntryID)
	if err != nil {
		return t, err
	}
	var holders []registry.Holder
	if err := scanHolders(db.ring(), rows, func(_ int64, h registry.Holder) { holders = append(holders, h) }); err != nil {
		return t, err
	}
	for _, h := range holders {
		var org int64
		if h.IDKind == "统一社会信用代码" {
			if err := db.r().QueryRowContext(ctx, `SELECT id FROM organisations WHERE uscc = $1`, h.IDNumber).Scan(&org); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return t, err
			}
		}
		if org != 0 {
			t.Org = org
		} else if h.IDKind == "身份证" {
			t.Buyers = append(t.Buyers, h.IDNumber)
		}
	}
	if c.Kind != certificate.Proof {
		return t, nil
	}
	book, err := db.unitBook(ctx, db.r(), c.UnitID)
	if err != nil {
		return t, err
	}
	for _, e := range registry.Live(book, registry.Ownership) {
		for _, h := range e.Holders {
			if h.IDKind == "身份证" && !slices.Contains(t.Buyers, h.IDNumber) {
				t.Buyers = append(t.Buyers, h.IDNumber)
			}
		}
	}
	return t, nil
}

// CertificateFile exports a signed certificate with its authority's
// certificate and, once the register log took its entry in under a
// checkpoint, the entry's inclusion proof, for `handover verify`.
func (db *DB) CertificateFile(ctx context.Context, c Certificate) ([]byte, error) {
	if err := certificate.CheckSigned(c.Signature); err != nil {
		return nil, err
	}
	pem, err := db.AuthorityCertificate(ctx, c.KeyID)
	if err != nil {
		return nil, err
	}
	f := certificate.File{Format: certificate.FileFormat, Payload: c.Payload, Signature: c.Signature, Authority: pem}
	if f.Log, err = db.entryLogProof(ctx, c.EntryID); err != nil {
		return nil, err
	}
	return json.MarshalIndent(f, "", "  ")
}

// entryLogProof is a register entry's place in the log under the newest
// checkpoint (nil while the log or a checkpoint has not yet reached it).
func (db *DB) entryLogProof(ctx context.Context, entry int64) (*certificate.LogProof, error) {
	idx, _, ok, err := db.LeafOf(ctx, registerlog.RegisterEntry, entry)
	if err != nil || !ok {
		return nil, err
	}
	cp, ok, err := db.LatestCheckpoint(ctx)
	if err != nil || !ok || cp.Size <= idx {
		return nil, err
	}
	p, err := db.InclusionProof(ctx, idx, cp.Size)
	if err != nil {
		return nil, err
	}
	contents, err := db.logContents(ctx, db.r(), registerlog.RegisterEntry, entry, entry)
	if err != nil {
		return nil, err
	}
	leaf, err := registerlog.Leaf(registerlog.RegisterEntry, entry, contents[entry])
	if err != nil {
		return nil, err
	}
	pem, err := db.AuthorityCertificate(ctx, cp.KeyID)
	if err != nil {
		return nil, err
	}
	return &certificate.LogProof{Index: idx, Size: cp.Size, Leaf: leaf, Hashes: p.Hashes, Checkpoint: cp.Note, Authority: pem}, nil
}

// CreateAuthorityKey makes a new signing key for the registration
// authority of a jurisdiction (its registry organisation names the
// certificate; the prefecture's is its registration centre, whose key
// signs the register log's checkpoints), encrypted with passphrase, and
// makes it the active one.
func (db *DB) CreateAuthorityKey(ctx context.Context, actor audit.Actor, jurisdiction string, passphrase []byte) (certificate.Key, error) {
	var name, uscc string
	err := db.r().QueryRowContext(ctx, `SELECT name, COALESCE(uscc, '') FROM organisations WHERE kind IN ('registry', 'centre') AND jurisdiction = $1
		ORDER BY CASE kind WHEN 'registry' THEN 0 ELSE 1 END, id LIMIT 1`, jurisdiction).Scan(&name, &uscc)
	if err != nil {
		return certificate.Key{}, notFound(err, "key.authority", "该辖区没有不动产登记机构，不能生成签名密钥")
	}
	k, err := certificate.NewKey(name, uscc, passphrase, db.Now())
	if err != nil {
		return k, err
	}
	k.Jurisdiction = jurisdiction
	return db.PutKey(ctx, actor, k)
}

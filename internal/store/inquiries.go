package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/code"
	"handover/internal/identity"
	"handover/internal/inquiry"
	"handover/internal/personal"
	"handover/internal/problem"
)

// Inquiry is one register query answered (不动产登记资料查询): the request as
// made, and the 查询结果证明 as signed.
type Inquiry struct {
	ID           int64
	Number       string
	Jurisdiction string
	UnitID       int64
	Request      inquiry.Request
	Result       inquiry.Result // the signed payload, read back
	Payload      []byte
	Signature    []byte
	KeyID        int64
	QueriedBy    int64
	QueriedAt    time.Time
}

// Token is the second factor of the result's QR code (certificate.Token):
// with it the public verification shows the result in full.
func (q Inquiry) Token() string { return certificate.Token(q.Number, q.Signature) }

// VerifyURL is the proof's public verification address, with its token.
func (q Inquiry) VerifyURL(base string) string { return inquiry.VerifyURL(base, q.Number, q.Token()) }

// InquiryUnit finds the unit a query names, among the units of the
// jurisdiction given ("": every one, for the prefecture's staff): by
// 不动产单元号, by the number of any certificate or proof issued on it, or by
// its 坐落 as certificates print it (spaces ignored). A location that names
// several units is refused: the requester names it by unit number instead.
// A unit of another jurisdiction is not found, so a clerk learns nothing of
// registers they may not query.
func (db *DB) InquiryUnit(ctx context.Context, jurisdiction string, by inquiry.By, key string) (UnitRef, error) {
	key = strings.TrimSpace(key)
	q := db.r()
	var ref UnitRef
	var err error
	switch by {
	case inquiry.ByUnitNo:
		ref, err = db.UnitByNo(ctx, key)
	case inquiry.ByCertNo:
		ref, err = unitRef(ctx, q, `u.id = (SELECT c.unit_id FROM certificates c WHERE c.cert_no = $1)`, key)
	case inquiry.ByLocation:
		var ids []int64
		ids, err = int64s(ctx, q, `SELECT u.id FROM units u JOIN buildings b ON b.id = u.building_id JOIN projects p ON p.id = b.project_id
			WHERE ($2 = '' OR p.jurisdiction = $2) AND REPLACE(p.address || b.name || u.room, ' ', '') = $1 LIMIT 2`,
			strings.ReplaceAll(key, " ", ""), jurisdiction)
		if err != nil {
			return UnitRef{}, err
		}
		switch len(ids) {
		case 0:
			return UnitRef{}, problem.New(problem.NotFound, "unit.not_found", "本辖区没有坐落为“"+key+"”的户，请核对坐落或按不动产单元号查询")
		case 1:
			ref, err = db.Unit(ctx, ids[0])
		default:
			return UnitRef{}, problem.New(problem.Conflict, "inquiry.location_ambiguous", "坐落“"+key+"”对应多户，请按不动产单元号或证书号查询")
		}
	default:
		return UnitRef{}, problem.New(problem.Invalid, "inquiry.invalid", "请按坐落、不动产权证书号或不动产单元号查询")
	}
	if err == nil && jurisdiction != "" && ref.Project.Jurisdiction != jurisdiction {
		return UnitRef{}, problem.New(problem.NotFound, "unit.not_found", "本辖区没有这一户，请核对所填的"+by.Label())
	}
	return ref, err
}

// Inquire answers a query of one unit (found by InquiryUnit), for whoever
// may answer queries of its jurisdiction, and issues its 查询结果证明, signed with the
// jurisdiction's key: the answer is what the requester's standing may be
// told of the unit's register book today (inquiry.Answer, Limit), a holder
// querying as holder must be one, and the query is recorded with who
// asked, why, on what proof, how and through which channel, and audited.
// Without the jurisdiction's key unlocked no query is answered: an
// unsigned result is not a proof.
func (db *DB) Inquire(ctx context.Context, actor audit.Actor, q inquiry.Request, unitID int64, keys *certificate.Keyring) (Inquiry, error) {
	return db.inquire(ctx, actor, q, unitID, keys, func(j string, _ inquiry.Result) error {
		return decide(ctx, access.RegisterInquire, access.Target{Jurisdiction: j})
	})
}

// InquireOwn answers a rights holder's query of their own unit, made
// online while signed in (不动产登记资料查询暂行办法 第十四条): the
// requester is the signed-in person, by the name and ID number of their
// account, the unit is named by its number, and it must be theirs in the
// register today (access.RegisterInquireOwn); anyone else is refused
// before anything of the unit is told. The proof is the same signed
// 查询结果证明 a clerk issues, its channel 网上查询.
func (db *DB) InquireOwn(ctx context.Context, actor audit.Actor, unitID int64, purpose string, keys *certificate.Keyring) (Inquiry, error) {
	p, request := identity.RequestPrincipal(ctx)
	if !request {
		return Inquiry{}, problem.New(problem.Forbidden, "inquiry.own_unknown", "网上查询本人的登记结果须由本人以实名账户登录办理")
	}
	if p == nil || p.User.IDNumber == "" {
		// Nobody signed in, or an account without an ID number: nobody
		// whose own unit this could be.
		return Inquiry{}, decide(ctx, access.RegisterInquireOwn, access.Target{})
	}
	ref, err := db.Unit(ctx, unitID)
	if problem.KindOf(err) == problem.NotFound {
		// A unit that does not exist is refused as one of someone else's:
		// the answer tells nothing of which units there are.
		return Inquiry{}, decide(ctx, access.RegisterInquireOwn, access.Target{})
	}
	if err != nil {
		return Inquiry{}, err
	}
	q := inquiry.Request{Requester: inquiry.Holder, Name: p.User.Name, IDNumber: p.User.IDNumber, Purpose: purpose,
		By: inquiry.ByUnitNo, Key: ref.Unit.UnitNo, Channel: inquiry.Online}
	return db.inquire(ctx, actor, q, unitID, keys, func(_ string, whole inquiry.Result) error {
		var holders []string
		for _, h := range whole.Holders {
			holders = append(holders, h.IDNumber)
		}
		return decide(ctx, access.RegisterInquireOwn, access.Target{Buyers: holders})
	})
}

// inquire answers a query once allow, given the unit's jurisdiction and
// the whole answer (before it is limited to the requester's standing),
// lets the caller ask it.
func (db *DB) inquire(ctx context.Context, actor audit.Actor, q inquiry.Request, unitID int64, keys *certificate.Keyring,
	allow func(jurisdiction string, whole inquiry.Result) error) (Inquiry, error) {
	q = q.Normalise()
	if err := q.Check(); err != nil {
		return Inquiry{}, err
	}
	var out Inquiry
	err := db.transact(ctx, actor, func(tx *Tx) error {
		ref, err := unitRef(ctx, tx.q(), `u.id = $1`, unitID)
		if err != nil {
			return err
		}
		j := ref.Project.Jurisdiction
		book, err := tx.db.unitBook(ctx, tx.q(), unitID)
		if err != nil {
			return err
		}
		whole, disclosed := inquiry.Answer(book, inquiry.UnitFacts{UnitNo: ref.Unit.UnitNo,
			Location: ref.Project.Address + " " + ref.Building.Name + ref.Unit.Room, Use: ref.Unit.Purpose,
			Area: ref.Unit.Area().StringFixed(2)}, calendar.DateOf(tx.now))
		if err := allow(j, whole); err != nil {
			return err
		}
		signer, err := keys.Signer(j)
		if err != nil {
			return err
		}
		facts := newCertificateFacts()
		issuer, err := facts.authority(ctx, tx, j)
		if err != nil {
			return err
		}
		if err := q.Allowed(whole); err != nil {
			return err
		}
		scope := q.Requester.Scope()
		r := inquiry.Limit(whole, scope)
		if !scope.Holders {
			disclosed = 0
		}
		year := calendar.DateOf(tx.now).Year()
		serial, err := tx.nextSeq(ctx, fmt.Sprintf("inquiry/%s/%d", j, year))
		if err != nil {
			return err
		}
		r.Number = fmt.Sprintf("CX%s%d%06d", j, year, serial)
		r.Requester, r.Name, r.IDNumber, r.Org, r.Purpose = q.Requester.Label(), q.Name, code.MaskIDCard(q.IDNumber), q.Org, q.Purpose
		r.Basis, r.BasisNo, r.By, r.Key, r.Channel = q.Basis.Label(), q.BasisNo, q.By.Label(), q.Key, q.Channel.Label()
		r.Authority, r.AuthorityID, r.QueriedAt = issuer.name, issuer.uscc, tx.now.In(calendar.China).Format("2006-01-02 15:04")
		payload := r.Canonical()
		sig, err := signer.Sign(payload)
		if err != nil {
			return err
		}
		ring := tx.db.ring()
		number, err := sealValue(ring, field("inquiries", "id_number", r.Number), q.IDNumber)
		if err != nil {
			return err
		}
		index, _ := indexOf(ring, q.IDNumber)
		sealed, err := sealValue(ring, field("inquiries", "payload", r.Number), string(payload))
		if err != nil {
			return err
		}
		id, err := tx.insertID(ctx, `INSERT INTO inquiries (number, jurisdiction, unit_id, requester, name, id_number, id_index, org, purpose, basis, basis_no,
			by_kind, lookup_key, channel, disclosed_entry, payload, signature, key_id, queried_by, queried_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
			r.Number, j, unitID, string(q.Requester), q.Name, number, index, q.Org, q.Purpose, string(q.Basis), q.BasisNo,
			string(q.By), q.Key, string(q.Channel), disclosed, sealed, sig, signer.KeyID, actor.UserID, tx.now)
		if err != nil {
			return err
		}
		tx.Audit("register.inquire", "inquiry", id, map[string]any{"number": r.Number, "unit_no": ref.Unit.UnitNo, "requester": string(q.Requester),
			"query_purpose": q.Purpose, "basis": q.Basis.Label(), "basis_no": q.BasisNo, "by": string(q.By), "channel": string(q.Channel)})
		out = Inquiry{ID: id, Number: r.Number, Jurisdiction: j, UnitID: unitID, Request: q, Result: r, Payload: payload, Signature: sig,
			KeyID: signer.KeyID, QueriedBy: actor.UserID, QueriedAt: tx.now}
		return nil
	})
	return out, err
}

const inquiryColumns = `id, number, jurisdiction, unit_id, requester, name, id_number, org, purpose, basis, basis_no, by_kind, lookup_key, channel,
	payload, signature, key_id, queried_by, queried_at`

// scanInquiry reads inquiryColumns, opening the requester's number and the
// answer with ring.
func scanInquiry(ring *personal.Keyring, row interface{ Scan(...any) error }) (Inquiry, error) {
	var q Inquiry
	var requester, basis, by, channel, payload string
	err := row.Scan(&q.ID, &q.Number, &q.Jurisdiction, &q.UnitID, &requester, &q.Request.Name, &q.Request.IDNumber, &q.Request.Org,
		&q.Request.Purpose, &basis, &q.Request.BasisNo, &by, &q.Request.Key, &channel, &payload, &q.Signature, &q.KeyID, &q.QueriedBy, &q.QueriedAt)
	if err != nil {
		return q, err
	}
	q.Request.Requester, q.Request.Basis, q.Request.By, q.Request.Channel = inquiry.Requester(requester), inquiry.Basis(basis), inquiry.By(by), inquiry.Channel(channel)
	if q.Request.IDNumber, err = openValue(ring, field("inquiries", "id_number", q.Number), q.Request.IDNumber); err != nil {
		return q, err
	}
	if payload, err = openValue(ring, field("inquiries", "payload", q.Number), payload); err != nil {
		return q, err
	}
	q.Payload = []byte(payload)
	err = json.Unmarshal(q.Payload, &q.Result)
	return q, err
}

// InquiryByID returns one answered query.
func (db *DB) InquiryByID(ctx context.Context, id int64) (Inquiry, error) {
	q, err := scanInquiry(db.ring(), db.r().QueryRowContext(ctx, `SELECT `+inquiryColumns+` FROM inquiries WHERE id = $1`, id))
	return q, notFound(err, "inquiry.not_found", "查询记录不存在")
}

// InquiryByNumber returns one answered query by its number.
func (db *DB) InquiryByNumber(ctx context.Context, number string) (Inquiry, error) {
	q, err := scanInquiry(db.ring(), db.r().QueryRowContext(ctx, `SELECT `+inquiryColumns+` FROM inquiries WHERE number = $1`,
		strings.ToUpper(strings.TrimSpace(number))))
	return q, notFound(err, "inquiry.not_found", "查询记录不存在")
}

// Inquiries lists the newest answered queries of a jurisdiction ("": of
// every one), at most limit.
func (db *DB) Inquiries(ctx context.Context, jurisdiction string, limit int) ([]Inquiry, error) {
	return db.inquiries(ctx, `($1 = '' OR jurisdiction = $1)`, jurisdiction, limit)
}

// InquiriesBy lists the queries a user made (a holder's own, online),
// newest first, at most limit.
func (db *DB) InquiriesBy(ctx context.Context, user int64, limit int) ([]Inquiry, error) {
	return db.inquiries(ctx, `queried_by = $1`, user, limit)
}

// inquiries lists the queries where cond holds of $1, newest first.
func (db *DB) inquiries(ctx context.Context, cond string, arg any, limit int) ([]Inquiry, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT `+inquiryColumns+` FROM inquiries WHERE `+cond+` ORDER BY id DESC LIMIT $2`, arg, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Inquiry
	for rows.Next() {
		q, err := scanInquiry(db.ring(), rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// InquiryCheck is the public verification of a 查询结果证明.
type InquiryCheck struct {
	Inquiry        Inquiry
	SignatureValid bool
	Full           bool // the token matched: the result may be shown
}

// VerifyInquiry checks a 查询结果证明 by its number: the signature over the
// stored payload by the authority's key, read fresh. With the token of its
// QR code (Inquiry.Token) the answer may show the result; without, only
// that the number is a genuine proof of that date and authority.
func (db *DB) VerifyInquiry(ctx context.Context, number, token string) (InquiryCheck, error) {
	q, err := db.InquiryByNumber(ctx, number)
	if err != nil {
		return InquiryCheck{}, err
	}
	auth, err := db.authority(ctx, q.KeyID)
	if err != nil {
		return InquiryCheck{}, err
	}
	c := InquiryCheck{Inquiry: q, SignatureValid: auth != nil && certificate.VerifySignature(auth, q.Payload, q.Signature)}
	c.Full = c.SignatureValid && certificate.TokenMatches(certificate.Stored{LicenceID: q.Number, Signature: q.Signature}, token)
	// Whoever holds the paper may check it, but a state organ's whole ID
	// numbers are for the organ: the public answer masks them.
	c.Inquiry.Result = inquiry.Limit(q.Result, inquiry.Scope{Holders: true, Rights: true})
	return c, nil
}

// InquiryFile is the signed 查询结果证明 as a file with the authority's
// certificate, for `handover verify FILE` offline.
func (db *DB) InquiryFile(ctx context.Context, q Inquiry) ([]byte, error) {
	pem, err := db.AuthorityCertificate(ctx, q.KeyID)
	if err != nil {
		return nil, err
	}
	return inquiry.Export(q.Payload, q.Signature, pem), nil
}

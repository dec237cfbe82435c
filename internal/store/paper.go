package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/certificate"
	"handover/internal/problem"
	"handover/internal/registry"
)

// ---- the paper stock (证书纸库存)
//
// Each registration authority (the registry organisation of a
// jurisdiction) keeps the blanks it received as ranges (paper_ranges);
// a blank printed on or spoiled is a row of paper_blanks keyed by its
// serial, so that a serial is used once whatever races. Both are
// append-only. The rules are certificate.CheckReceive and CheckBlank.

// registryAuthority is the name of the jurisdiction's registration
// authority; a jurisdiction without one keeps no paper.
func registryAuthority(ctx context.Context, q querier, jurisdiction string) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, `SELECT name FROM organisations WHERE kind = 'registry' AND jurisdiction = $1 ORDER BY id LIMIT 1`,
		jurisdiction).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", problem.Newf(problem.NotFound, "paper.authority", "辖区%s没有不动产登记机构，不管理证书纸", jurisdiction)
	}
	return name, err
}

// decidePaper decides PaperManage on the stock of jurisdiction's
// registration authority, read with q (a jurisdiction without one is
// paper.authority, not found).
func decidePaper(ctx context.Context, q querier, jurisdiction string) error {
	if _, err := registryAuthority(ctx, q, jurisdiction); err != nil {
		return err
	}
	return decide(ctx, access.PaperManage, access.Target{Jurisdiction: jurisdiction})
}

// PaperAuthorities maps each jurisdiction with a registration authority
// to the authority's name.
func (db *DB) PaperAuthorities(ctx context.Context) (map[string]string, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT jurisdiction, name FROM organisations WHERE kind = 'registry' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var j, name string
		if err := rows.Scan(&j, &name); err != nil {
			return nil, err
		}
		if _, ok := out[j]; !ok {
			out[j] = name
		}
	}
	return out, rows.Err()
}

const paperRangeColumns = `r.id, r.jurisdiction, r.prefix, r.first_no, r.last_no, r.digits, r.note, r.received_by, COALESCE(u.name, ''), r.received_at`

func scanPaperRange(row interface{ Scan(...any) error }, extra ...any) (certificate.Range, error) {
	var r certificate.Range
	err := row.Scan(append([]any{&r.ID, &r.Jurisdiction, &r.Prefix, &r.First, &r.Last, &r.Digits, &r.Note, &r.ReceivedBy, &r.ByName, &r.ReceivedAt}, extra...)...)
	return r, err
}

// paperRangesOf lists the ranges received under a prefix, by any authority.
func paperRangesOf(ctx context.Context, q querier, prefix string) ([]certificate.Range, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+paperRangeColumns+` FROM paper_ranges r LEFT JOIN users u ON u.id = r.received_by
		WHERE r.prefix = $1 ORDER BY r.first_no`, prefix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []certificate.Range
	for rows.Next() {
		r, err := scanPaperRange(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReceivePaper records a range of blanks the registration authority of
// jurisdiction received. Receipts of one prefix queue on its row, so that
// two overlapping ranges cannot both be received.
func (db *DB) ReceivePaper(ctx context.Context, actor audit.Actor, jurisdiction string, r certificate.Range) (certificate.Range, error) {
	r.Jurisdiction, r.Note = jurisdiction, strings.TrimSpace(r.Note)
	err := db.transact(ctx, actor, func(tx *Tx) error {
		if err := decidePaper(ctx, tx.q(), jurisdiction); err != nil {
			return err
		}
		if err := certificate.CheckReceipt(r); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO paper_prefixes (prefix) VALUES ($1) ON CONFLICT (prefix) DO NOTHING`, r.Prefix); err != nil {
			return err
		}
		var locked string
		if err := tx.queryRow(ctx, `SELECT prefix FROM paper_prefixes WHERE prefix = $1`+db.forUpdate(), r.Prefix).Scan(&locked); err != nil {
			return err
		}
		existing, err := paperRangesOf(ctx, tx.q(), r.Prefix)
		if err != nil {
			return err
		}
		if err := certificate.CheckReceive(r, existing); err != nil {
			return err
		}
		r.ReceivedBy, r.ByName, r.ReceivedAt = tx.actor.UserID, tx.actor.Name, tx.now
		if r.ID, err = tx.insertID(ctx, `INSERT INTO paper_ranges (jurisdiction, prefix, first_no, last_no, digits, note, received_by, received_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, jurisdiction, r.Prefix, r.First, r.Last, r.Digits, r.Note, tx.actor.UserID, tx.now); err != nil {
			return err
		}
		tx.Audit("paper.receive", "paper_range", r.ID, map[string]any{"jurisdiction": jurisdiction, "range": r.String(), "count": r.Size(), "note": r.Note})
		return nil
	})
	return r, err
}

// CheckPaperRange checks a range before it is received, without changing
// anything, for the page's confirmation: the same rules as ReceivePaper.
func (db *DB) CheckPaperRange(ctx context.Context, jurisdiction string, r certificate.Range) error {
	r.Jurisdiction = jurisdiction
	if err := decidePaper(ctx, db.r(), jurisdiction); err != nil {
		return err
	}
	if err := certificate.CheckReceipt(r); err != nil {
		return err
	}
	existing, err := paperRangesOf(ctx, db.r(), r.Prefix)
	if err != nil {
		return err
	}
	return certificate.CheckReceive(r, existing)
}

// PaperStock is the authority's stock: every range received with its
// blanks used and spoiled.
func (db *DB) PaperStock(ctx context.Context, jurisdiction string) (certificate.Stock, error) {
	st := certificate.Stock{Jurisdiction: jurisdiction}
	var err error
	if st.Authority, err = registryAuthority(ctx, db.r(), jurisdiction); err != nil {
		return st, err
	}
	rows, err := db.r().QueryContext(ctx, `SELECT `+paperRangeColumns+`,
		(SELECT COUNT(*) FROM paper_blanks b WHERE b.range_id = r.id AND b.state = 'used'),
		(SELECT COUNT(*) FROM paper_blanks b WHERE b.range_id = r.id AND b.state = 'spoiled')
		FROM paper_ranges r LEFT JOIN users u ON u.id = r.received_by WHERE r.jurisdiction = $1 ORDER BY r.id`, jurisdiction)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var rs certificate.RangeStock
		if rs.Range, err = scanPaperRange(rows, &rs.Used, &rs.Spoiled); err != nil {
			return st, err
		}
		st.Ranges = append(st.Ranges, rs)
	}
	return st, rows.Err()
}

// NextFreeSerials lists up to n blanks of the authority's stock neither
// used nor spoiled, in the order received: what the printer takes next.
func (db *DB) NextFreeSerials(ctx context.Context, jurisdiction string, n int) ([]string, error) {
	st, err := db.PaperStock(ctx, jurisdiction)
	if err != nil || n <= 0 {
		return nil, err
	}
	return st.NextFree(n, func(rangeID int64) ([]int64, error) {
		rows, err := db.r().QueryContext(ctx, `SELECT number FROM paper_blanks WHERE range_id = $1 ORDER BY number`, rangeID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, rows.Err()
	})
}

const paperBlankColumns = `b.serial, b.jurisdiction, b.range_id, b.number, b.state, b.certificate_id, COALESCE(c.cert_no, ''), b.reason,
	b.by_user, COALESCE(u.name, ''), b.at`

const paperBlankFrom = ` FROM paper_blanks b LEFT JOIN certificates c ON c.id = b.certificate_id AND b.certificate_id <> 0
	LEFT JOIN users u ON u.id = b.by_user`

func scanPaperBlank(row interface{ Scan(...any) error }) (certificate.Blank, error) {
	var b certificate.Blank
	var state string
	err := row.Scan(&b.Serial, &b.Jurisdiction, &b.RangeID, &b.Number, &state, &b.CertificateID, &b.CertNo, &b.Reason, &b.By, &b.ByName, &b.At)
	b.State = certificate.BlankState(state)
	return b, err
}

// paperBlank reads a blank's record; nil when it has none.
func paperBlank(ctx context.Context, q querier, serial string) (*certificate.Blank, error) {
	b, err := scanPaperBlank(q.QueryRowContext(ctx, `SELECT `+paperBlankColumns+paperBlankFrom+` WHERE b.serial = $1`, serial))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// PaperBlanks lists the authority's blanks used or spoiled (state empty:
// both), newest first, at most limit.
func (db *DB) PaperBlanks(ctx context.Context, jurisdiction string, state certificate.BlankState, limit int) ([]certificate.Blank, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	q := `SELECT ` + paperBlankColumns + paperBlankFrom + ` WHERE b.jurisdiction = $1 AND b.range_id <> 0`
	args := []any{jurisdiction}
	if state != "" {
		q += ` AND b.state = $2`
		args = append(args, string(state))
	}
	q += ` ORDER BY b.at DESC, b.serial DESC LIMIT $` + strconv.Itoa(len(args)+1)
	args = append(args, limit)
	rows, err := db.r().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []certificate.Blank
	for rows.Next() {
		b, err := scanPaperBlank(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// checkBlank reads the facts of one blank and checks it for the authority
// of jurisdiction: its range, or the reasons it may not be used. mine, when
// not zero, is the certificate the blank may already be recorded for (an
// earlier service of the same issue).
func checkBlank(ctx context.Context, q querier, jurisdiction string, s certificate.Serial, mine int64) (certificate.Range, *certificate.Blank, []problem.Reason, error) {
	stock, err := paperRangesOf(ctx, q, s.Prefix)
	if err != nil {
		return certificate.Range{}, nil, nil, err
	}
	prior, err := paperBlank(ctx, q, s.String())
	if err != nil {
		return certificate.Range{}, nil, nil, err
	}
	if prior != nil && mine != 0 && prior.State == certificate.Used && prior.CertificateID == mine {
		r, reasons := certificate.CheckBlank(s, jurisdiction, stock, nil)
		return r, prior, reasons, nil
	}
	r, reasons := certificate.CheckBlank(s, jurisdiction, stock, prior)
	return r, prior, reasons, nil
}

// CheckPaperBlank checks a serial against the authority's stock without
// changing anything, for the page's confirmation before spoiling: the
// blank's range, or the refusal.
func (db *DB) CheckPaperBlank(ctx context.Context, jurisdiction, serial string) (certificate.Serial, certificate.Range, error) {
	if err := decidePaper(ctx, db.r(), jurisdiction); err != nil {
		return certificate.Serial{}, certificate.Range{}, err
	}
	s, err := certificate.ParseBlankSerial(serial)
	if err != nil {
		return s, certificate.Range{}, err
	}
	r, _, reasons, err := checkBlank(ctx, db.r(), jurisdiction, s, 0)
	if err != nil {
		return s, r, err
	}
	return s, r, certificate.RefuseBlanks(reasons)
}

// SpoilBlank records a spoiled blank (作废) with its reason: it is never
// printed on, and the gap it leaves in the series is explained.
func (db *DB) SpoilBlank(ctx context.Context, actor audit.Actor, jurisdiction, serial, reason string) (certificate.Blank, error) {
	var b certificate.Blank
	err := db.transact(ctx, actor, func(tx *Tx) error {
		if err := decidePaper(ctx, tx.q(), jurisdiction); err != nil {
			return err
		}
		s, reason, err := certificate.CheckSpoil(serial, reason)
		if err != nil {
			return err
		}
		b = certificate.Blank{Serial: s.String(), Jurisdiction: jurisdiction, Number: s.Number, State: certificate.Spoiled, Reason: reason}
		r, _, reasons, err := checkBlank(ctx, tx.q(), jurisdiction, s, 0)
		if err != nil {
			return err
		}
		if err := certificate.RefuseBlanks(reasons); err != nil {
			return err
		}
		b.RangeID, b.By, b.ByName, b.At = r.ID, tx.actor.UserID, tx.actor.Name, tx.now
		_, err = tx.exec(ctx, `INSERT INTO paper_blanks (serial, jurisdiction, state, certificate_id, reason, by_user, at, range_id, number)
			VALUES ($1, $2, 'spoiled', 0, $3, $4, $5, $6, $7)`, b.Serial, jurisdiction, reason, tx.actor.UserID, tx.now, r.ID, s.Number)
		if isUniqueViolation(err) {
			return certificate.UsedInRace(b.Serial)
		}
		if err != nil {
			return err
		}
		tx.Audit("paper.spoil", "paper_blank", b.Serial, map[string]any{"jurisdiction": jurisdiction, "reason": reason})
		return nil
	})
	return b, err
}

// paperOfApplication lists the certificates of the application a service
// belongs to, in the order of its services and their certificates: the
// order of the serials an issue gives.
func (tx *Tx) paperOfApplication(ctx context.Context, service int64) ([]Certificate, error) {
	rows, err := tx.query(ctx, `SELECT c.id, c.jurisdiction, c.cert_no, c.service_id FROM certificates c JOIN services s ON s.id = c.service_id
		WHERE s.application_id = (SELECT application_id FROM services WHERE id = $1) ORDER BY s.seq, c.id`, service)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Certificate
	for rows.Next() {
		var c Certificate
		if err := rows.Scan(&c.ID, &c.Jurisdiction, &c.Number, &c.ServiceID); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// printOnPaper records the blanks the certificates of service s are
// printed on and returns each one's serial. opts.PaperSerial holds one
// position per certificate of the whole application (certificate.
// SplitSerials); every serial is checked each time, so that the clerk
// learns of every bad blank at once, and the service's own are recorded.
func (tx *Tx) printOnPaper(ctx context.Context, s registry.Service, opts StepOptions) (map[int64]string, error) {
	list := certificate.SplitSerials(opts.PaperSerial)
	if list == nil {
		return nil, nil
	}
	all, err := tx.paperOfApplication(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	serials, err := certificate.CheckPrint(list, opts.Delivery, len(all))
	if err != nil {
		return nil, err
	}
	ranges := make([]certificate.Range, len(all))
	recorded := make([]bool, len(all))
	var reasons []problem.Reason
	for i, v := range serials {
		if v.Prefix == "" {
			continue
		}
		r, prior, rs, err := checkBlank(ctx, tx.q(), all[i].Jurisdiction, v, all[i].ID)
		if err != nil {
			return nil, err
		}
		ranges[i], recorded[i] = r, prior != nil
		reasons = append(reasons, rs...)
	}
	if err := certificate.RefuseBlanks(reasons); err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for i, c := range all {
		v := serials[i]
		if c.ServiceID != s.ID || v.Prefix == "" {
			continue
		}
		out[c.ID] = v.String()
		if recorded[i] {
			continue
		}
		_, err := tx.exec(ctx, `INSERT INTO paper_blanks (serial, jurisdiction, state, certificate_id, reason, by_user, at, range_id, number)
			VALUES ($1, $2, 'used', $3, '', $4, $5, $6, $7)`, v.String(), c.Jurisdiction, c.ID, tx.actor.UserID, tx.now, ranges[i].ID, v.Number)
		if isUniqueViolation(err) {
			return nil, certificate.UsedInRace(v.String())
		}
		if err != nil {
			return nil, err
		}
		tx.Audit("paper.print", "paper_blank", v.String(), map[string]any{"certificate": c.Number, "jurisdiction": c.Jurisdiction})
	}
	return out, nil
}

package store

import (
	"context"
	"fmt"
	"strings"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/code"
	"handover/internal/ledger"
	"handover/internal/measure"
	"handover/internal/problem"
	"handover/internal/tax"
)

// UnpaidDeedTaxes lists the assessed, unpaid deed taxes the filter allows,
// for the payments workbook: by project and flat, at most ledger.MaxRows
// (the most a workbook may carry back; more tells there were more),
// buyers' names masked.
func (db *DB) UnpaidDeedTaxes(ctx context.Context, f access.Filter) (out []tax.Unpaid, more bool, err error) {
	l := db.newList()
	l.and(`t.paid_at IS NULL`)
	if !f.All {
		if f.Jurisdiction == "" {
			return nil, false, nil
		}
		l.and(`p.jurisdiction = ` + l.arg(f.Jurisdiction))
	}
	rows, err := db.r().QueryContext(ctx, `SELECT c.number, p.name, b.name || ' ' || u.room, t.amount,
		COALESCE((SELECT `+db.groupConcat("cb.name")+` FROM contract_buyers cb WHERE cb.contract_id = c.id), '')
		FROM deed_taxes t JOIN contracts c ON c.id = t.contract_id JOIN units u ON u.id = t.unit_id
		JOIN buildings b ON b.id = u.building_id JOIN projects p ON p.id = b.project_id`+l.cond()+
		fmt.Sprintf(` ORDER BY p.id, b.number, u.number LIMIT %d`, ledger.MaxRows+1), l.args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var u tax.Unpaid
		var amount int64
		if err := rows.Scan(&u.Contract, &u.Project, &u.Room, &amount, &u.Buyers); err != nil {
			return nil, false, err
		}
		var names []string
		for _, n := range strings.Split(u.Buyers, "、") {
			names = append(names, code.MaskName(n))
		}
		u.Buyers, u.Amount = strings.Join(names, "、"), measure.FromCents(amount)
		out = append(out, u)
	}
	if len(out) > ledger.MaxRows {
		out, more = out[:ledger.MaxRows], true
	}
	return out, more, rows.Err()
}

// PayDeedTaxes records the payments of a workbook (tax.ReadPayments) in
// one transaction, each as PayDeedTax records one: all of them, or —
// when any row names a contract that is not found, not the officer's, not
// assessed, or paid with another voucher — none, with every such row
// named (tax.PaymentsRefused). It returns how many were recorded anew; a
// row repeating a payment already recorded changes nothing.
func (db *DB) PayDeedTaxes(ctx context.Context, actor audit.Actor, payments []tax.Payment, source string) (int, error) {
	if len(payments) == 0 {
		return 0, problem.New(problem.Invalid, "tax.payments_empty", "工作簿中没有填写完税凭证号的行")
	}
	var recorded int
	err := db.transact(ctx, actor, func(tx *Tx) error {
		recorded = 0 // a retried transaction counts afresh
		var bad []ledger.RowError
		for _, p := range payments {
			c, err := tx.db.contractWhere(ctx, tx.q(), `c.number = $1`, p.Contract)
			if err == nil {
				var changed bool
				_, changed, err = tx.payDeedTax(ctx, c, p.Voucher, source)
				if changed {
					recorded++
				}
			}
			switch problem.KindOf(err) {
			case problem.Internal:
				if err != nil {
					return err
				}
			case problem.Forbidden:
				// Said as not found: a contract outside the officer's
				// jurisdiction is not theirs to learn of.
				bad = append(bad, ledger.RowError{Sheet: tax.SheetPayments, Row: p.Row, Column: "合同编号", Value: p.Contract, Reason: "合同不存在或不属于本辖区"})
			default:
				column, value := "合同编号", p.Contract
				if code := problem.CodeOf(err); code == "tax.paid" || code == "tax.voucher" || code == "tax.voucher_used" {
					column, value = "完税凭证号", p.Voucher
				}
				reason := problem.As(err).Message
				if problem.CodeOf(err) == "contract.not_found" {
					reason = "合同不存在或不属于本辖区"
				}
				bad = append(bad, ledger.RowError{Sheet: tax.SheetPayments, Row: p.Row, Column: column, Value: value, Reason: reason})
			}
		}
		if len(bad) > 0 {
			recorded = 0
			return tax.PaymentsRefused(bad)
		}
		tx.Audit("tax.paid_workbook", "deed_taxes", "", map[string]any{"rows": len(payments), "recorded": recorded, "source": source})
		return nil
	})
	return recorded, err
}

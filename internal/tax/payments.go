package tax

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"handover/internal/ledger"
	"handover/internal/problem"
)

// The workbook of payments a tax bureau confirms at once: the platform's
// list of unpaid assessments, its 完税凭证号 column filled in from the
// bureau's own system. Only 合同编号 and 完税凭证号 are read; the other
// columns help the officer find the row.
const SheetPayments = "完税信息"

// PaymentColumns are the workbook's columns; PaymentRead those read back.
var (
	PaymentColumns = []string{"合同编号", "项目", "户", "买受人", "税额（元）", "完税凭证号"}
	paymentRead    = []string{"合同编号", "完税凭证号"}
)

// MaxVoucher bounds a 完税凭证号's length, as the page's form does.
const MaxVoucher = 60

// Payment is one row of a payments workbook: the contract whose deed tax
// was paid, by its number, and the voucher.
type Payment struct {
	Row      int // the workbook's row, from 1 (its head is row 1)
	Contract string
	Voucher  string
}

// Unpaid is an assessment as the payments workbook lists it.
type Unpaid struct {
	Contract, Project, Room, Buyers string
	Amount                          decimal.Decimal
}

// PaymentsTemplate is the workbook to fill in: the unpaid assessments,
// each with its contract number, flat, buyers (masked by the caller) and
// amount, the voucher column empty.
func PaymentsTemplate(rows []Unpaid) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetPayments); err != nil {
		return nil, err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DCE6F1"}, Pattern: 1}})
	if err != nil {
		return nil, err
	}
	money, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return nil, err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // @: a voucher is text, not a number
	if err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(SheetPayments)
	if err != nil {
		return nil, err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	for i, w := range []float64{26, 24, 20, 16, 14, 24} {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, err
		}
	}
	cells := make([]any, len(PaymentColumns))
	for i, c := range PaymentColumns {
		cells[i] = excelize.Cell{StyleID: head, Value: c}
	}
	if err := sw.SetRow("A1", cells, excelize.RowOpts{}); err != nil {
		return nil, err
	}
	for i, r := range rows {
		amount, _ := r.Amount.Float64()
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{r.Contract, r.Project, r.Room, r.Buyers, excelize.Cell{StyleID: money, Value: amount},
			excelize.Cell{StyleID: text, Value: ""}}); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ReadPayments reads a payments workbook: the rows with a voucher, each
// naming its contract once, every voucher for one contract only. A row
// without a voucher is not yet paid and is skipped. Every problem is
// reported with its row; the payments are to be recorded only without any.
func ReadPayments(ctx context.Context, r io.Reader) ([]Payment, []ledger.RowError) {
	f, _, errs := ledger.OpenWorkbook(r)
	if f == nil {
		return nil, errs
	}
	defer f.Close()
	rows, errs := ledger.ReadSheet(ctx, f, SheetPayments, paymentRead, nil, errs)
	var out []Payment
	for _, row := range rows {
		out = append(out, Payment{Row: row.Num, Contract: row.Values["合同编号"], Voucher: row.Values["完税凭证号"]})
	}
	out, bad := CheckPayments(out)
	return out, append(errs, bad...)
}

// CheckPayments checks the rows of a payments workbook as read: a row with
// a voucher names a contract, the voucher is plain text within MaxVoucher
// characters, no contract is named twice and no voucher serves two
// contracts. It returns the rows with a voucher, the others being unpaid.
func CheckPayments(rows []Payment) ([]Payment, []ledger.RowError) {
	var out []Payment
	var errs []ledger.RowError
	contracts, vouchers := map[string]int{}, map[string]int{}
	bad := func(p Payment, column, value, reason string) {
		errs = append(errs, ledger.RowError{Sheet: SheetPayments, Row: p.Row, Column: column, Value: value, Reason: reason})
	}
	for _, p := range rows {
		p.Contract, p.Voucher = strings.ToUpper(strings.TrimSpace(p.Contract)), NormalVoucher(p.Voucher)
		if p.Voucher == "" {
			continue
		}
		ok := true
		switch {
		case p.Contract == "":
			bad(p, "合同编号", "", "填写了完税凭证号，但没有合同编号")
			ok = false
		case contracts[p.Contract] != 0:
			bad(p, "合同编号", p.Contract, fmt.Sprintf("与第%d行是同一合同", contracts[p.Contract]))
			ok = false
		}
		if err := CheckVoucher(p.Voucher); err != nil {
			shown := p.Voucher
			if problem.CheckText("完税凭证号", p.Voucher) != nil {
				shown = "" // its bad bytes are not repeated back
			}
			bad(p, "完税凭证号", shown, problem.As(err).Message)
			ok = false
		} else if at := vouchers[p.Voucher]; at != 0 {
			bad(p, "完税凭证号", p.Voucher, fmt.Sprintf("与第%d行的完税凭证号相同：一张凭证只能对应一份合同", at))
			ok = false
		}
		if p.Contract != "" && contracts[p.Contract] == 0 {
			contracts[p.Contract] = p.Row
		}
		if vouchers[p.Voucher] == 0 {
			vouchers[p.Voucher] = p.Row
		}
		if ok {
			out = append(out, p)
		}
	}
	return out, errs
}

// PaymentsRefused is the refusal of a payments workbook with every bad
// row, each under its rule with its basis and who fixes it; nothing of the
// workbook is recorded.
func PaymentsRefused(errs []ledger.RowError) error {
	ledger.SortErrors(errs)
	e := &problem.Error{Kind: problem.Invalid, Code: "tax.payments", Message: fmt.Sprintf("完税信息有%d处错误，未登记任何一户", len(errs))}
	for _, x := range errs {
		e.Reasons = append(e.Reasons, problem.Reason{Rule: "tax.payment.row", Subject: x.Value, Message: x.String(),
			Basis: voucherBasis,
			Fixer: "税务部门（按错误清单修改工作簿后重新上传）"})
	}
	return e
}

package completion

import (
	"fmt"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"handover/internal/ledger"
)

// AreaLine is one row of a project's area reconciliation table.
type AreaLine struct {
	Contract   string
	UnitNo     string
	Room       string
	Buyers     string
	Forecast   ledger.Areas
	Measured   ledger.Areas
	Total      decimal.Decimal // the contract price
	Settlement Settlement
	Decision   string // keep, rescind, or ""
}

// DecisionLabel names a buyer's choice.
func DecisionLabel(choice string) string {
	switch choice {
	case "keep":
		return "继续履行"
	case "rescind":
		return "解除合同"
	}
	return ""
}

// ReconciliationWorkbook writes the project's area reconciliation as a
// spreadsheet for the developer's finance staff and the housing bureau:
// every contract with its ratios and settlement, and the totals.
func ReconciliationWorkbook(project string, lines []AreaLine) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "面积差异核对"
	f.SetSheetName("Sheet1", sheet)
	head := []any{"合同编号", "不动产单元号", "室号", "买受人", "计价方式", "预测建筑面积", "实测建筑面积", "建筑面积误差比",
		"预测套内面积", "实测套内面积", "套内面积误差比", "是否超出±3%", "买受人补缴", "出卖人承担", "返还", "双倍返还", "结算净额",
		"结算后总价", "跨140㎡", "买受人选择"}
	f.SetCellValue(sheet, "A1", project+" 商品房面积差异核对表（GF-2014-0171 第十三条）")
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DCE6F1"}, Pattern: 1}})
	warn, _ := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Color: []string{"FCE4D6"}, Pattern: 1}})
	put := func(row int, values []any) {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		f.SetSheetRow(sheet, cell, &values)
	}
	put(3, head)
	last, _ := excelize.CoordinatesToCellName(len(head), 3)
	f.SetCellStyle(sheet, "A3", last, bold)
	pct := func(d decimal.Decimal) string { return d.Shift(2).StringFixed(2) + "%" }
	num := func(d decimal.Decimal) float64 { v, _ := d.Float64(); return v }
	var sums Totals
	for i, l := range lines {
		s := l.Settlement
		yes := func(b bool) string {
			if b {
				return "是"
			}
			return ""
		}
		row := i + 4
		put(row, []any{l.Contract, l.UnitNo, l.Room, l.Buyers, s.Basis.Label(), num(l.Forecast.Total), num(l.Measured.Total), pct(s.GrossRatio),
			num(l.Forecast.Inner), num(l.Measured.Inner), pct(s.InnerRatio), yes(s.MayRescind), num(s.BuyerPays), num(s.DeveloperBears),
			num(s.Refund), num(s.DoubleRefund), num(s.Net), num(s.NewTotal), yes(s.Crosses140), DecisionLabel(l.Decision)})
		sums.Add(s)
		if s.MayRescind || s.Crosses140 {
			a, _ := excelize.CoordinatesToCellName(1, row)
			b, _ := excelize.CoordinatesToCellName(len(head), row)
			f.SetCellStyle(sheet, a, b, warn)
		}
	}
	total := len(lines) + 4
	put(total, []any{fmt.Sprintf("合计（%d份合同）", len(lines)), "", "", "", "", "", "", "", "", "", "", "",
		num(sums.BuyerPays), num(sums.DeveloperBears), num(sums.Refund), num(sums.DoubleRefund), num(sums.Net)})
	a, _ := excelize.CoordinatesToCellName(1, total)
	b, _ := excelize.CoordinatesToCellName(len(head), total)
	f.SetCellStyle(sheet, a, b, bold)
	f.SetColWidth(sheet, "A", "B", 30)
	f.SetColWidth(sheet, "C", "T", 13)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

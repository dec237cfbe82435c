package ledger

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
	"pgregory.net/rapid"
)

const parcel = "652301004007GB00121"

// book writes a workbook from rows of cells per sheet (the first row is the header).
func book(t testing.TB, sheets map[string][][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	first := true
	for name, rows := range sheets {
		if first {
			f.SetSheetName("Sheet1", name)
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(name, cell, &r); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func header(cols []string) []any {
	out := make([]any, len(cols))
	for i, c := range cols {
		out[i] = c
	}
	return out
}

func goodSheets() map[string][][]any {
	return map[string][][]any{
		SheetBuildings: {header(BuildingColumns), {parcel, 3, "3号楼", "钢筋混凝土结构", 18, 1, "住宅"}},
		SheetUnits: {header(UnitColumns),
			{parcel, 3, "1单元", 1, "1", 1, "1单元101", "住宅", "112.35", "92.40", "19.95", "0.215909"},
			{"", 3, "1单元", 1, "1", 2, "1单元102", "住宅", "89.56", "75.12", "14.44", "0.192226"},
			{parcel, 3, "1单元", 4, "5", 3, "1单元501", "住宅", 89.56, 75.12, 14.44, 0.192226}, // numbers as numbers
		},
	}
}

func existing() Existing {
	return Existing{Project: Project{ID: 1}, Parcels: []Parcel{{Code: parcel, ProjectID: 1}},
		Floors: map[int64][]Floor{}, Units: map[int64][]Unit{}, Frozen: map[int64]bool{}}
}

func plan(t *testing.T, ex Existing, sheets map[string][][]any) (Plan, []RowError) {
	t.Helper()
	wb, errs := ReadWorkbook(context.Background(), bytes.NewReader(book(t, sheets)))
	if len(errs) > 0 {
		return Plan{}, errs
	}
	return PlanImport(ex, wb)
}

func TestPlanImportGood(t *testing.T) {
	p, errs := plan(t, existing(), goodSheets())
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	if len(p.NewBuildings) != 1 || len(p.NewUnits) != 3 || len(p.Floors) != 2 {
		t.Fatalf("plan: %d buildings, %d units, %d floors; want 1, 3, 2", len(p.NewBuildings), len(p.NewUnits), len(p.Floors))
	}
	if got, want := p.NewUnits[0].UnitNo, parcel+"F00030001"; got != want {
		t.Errorf("unit number = %s, want %s", got, want)
	}
	if p.Floors[1].Named != "5" || p.Floors[1].Actual != 4 {
		t.Errorf("floor = %+v, want actual 4 named 5", p.Floors[1])
	}
}

// Every kind of bad row is reported — all of them, with row and column —
// and the plan is empty.
func TestPlanImportBadRows(t *testing.T) {
	sheets := map[string][][]any{
		SheetBuildings: {header(BuildingColumns),
			{parcel, 3, "3号楼", "钢筋混凝土结构", 18, 1, "住宅"},
			{parcel, 3, "3号楼乙", "框架", 10, 0, "住宅"},               // row 3: duplicate 自然幢号
			{"652301004007GB00999", 4, "4号楼", "框架", 10, 0, "住宅"}, // row 4: parcel of another project
			{"65230100400GB00121", 5, "5号楼", "框架", 10, 0, "住宅"},  // row 5: bad parcel code
			{parcel, 6, "", "框架", 0, 0, "住宅"},                    // row 6: no name, 0 floors
		},
		SheetUnits: {header(UnitColumns),
			{parcel, 3, "1单元", 1, "1", 1, "1单元101", "住宅", "112.35", "92.40", "19.95", "0.215909"},
			{parcel, 3, "1单元", 1, "1", 1, "1单元102", "住宅", "112.35", "92.40", "19.95", "0.215909"},    // 3: duplicate 户号
			{parcel, 3, "1单元", 1, "1", 3, "1单元101", "住宅", "112.35", "92.40", "19.95", "0.215909"},    // 4: duplicate 室号
			{parcel, 3, "1单元", 19, "19", 4, "1单元1901", "住宅", "112.35", "92.40", "19.95", "0.215909"}, // 5: floor 19 of 18
			{parcel, 3, "1单元", 2, "2", 5, "1单元201", "住宅", "112.36", "92.40", "19.95", "0.215909"},    // 6: 建筑 ≠ 套内 + 分摊
			{parcel, 3, "1单元", 2, "3", 6, "1单元202", "住宅", "112.35", "92.40", "19.95", "0.215909"},    // 7: named floor differs
			{parcel, 9, "1单元", 2, "2", 7, "1单元203", "住宅", "112.35", "92.40", "19.95", "0.215909"},    // 8: no such building
			{parcel, 3, "1单元", 2, "2", 8, "1单元204", "别墅", "abc", "92.401", "-1", "x"},                // 9: use, numbers
			{parcel, 3, "1单元", 2, "2", 9, "1单元205", "住宅", "112.35", "92.40", "19.95", "0.300000"},    // 10: ratio inconsistent
			{parcel, 3, "1单元", 0, "0", 10, "1单元0", "住宅", "112.35", "92.40", "19.95", "0.215909"},     // 11: floor 0
			{parcel, 3, "1单元", -1, "-1", 11, "1单元-101", "车库", "30.00", "30.00", "0", "0"},            // ok: underground
		},
	}
	p, errs := plan(t, existing(), sheets)
	if !p.Empty() {
		t.Errorf("plan is not empty despite errors")
	}
	want := []struct {
		sheet string
		row   int
		col   string
	}{
		{SheetBuildings, 3, "自然幢号"}, {SheetBuildings, 4, "宗地代码"}, {SheetBuildings, 5, "宗地代码"},
		{SheetBuildings, 6, "幢名称"}, {SheetBuildings, 6, "地上层数"},
		{SheetUnits, 3, "户号"}, {SheetUnits, 4, "室号"}, {SheetUnits, 5, "实际层"}, {SheetUnits, 6, "预测建筑面积"},
		{SheetUnits, 7, "名义层"}, {SheetUnits, 8, "自然幢号"}, {SheetUnits, 9, "用途"}, {SheetUnits, 9, "预测建筑面积"},
		{SheetUnits, 9, "预测套内面积"}, {SheetUnits, 9, "预测分摊面积"}, {SheetUnits, 9, "分摊系数"}, {SheetUnits, 10, "预测建筑面积"},
		{SheetUnits, 11, "实际层"},
	}
	found := map[string]bool{}
	for _, e := range errs {
		found[fmt.Sprintf("%s/%d/%s", e.Sheet, e.Row, e.Column)] = true
		if e.Reason == "" {
			t.Errorf("error without a reason: %+v", e)
		}
	}
	for _, w := range want {
		if !found[fmt.Sprintf("%s/%d/%s", w.sheet, w.row, w.col)] {
			t.Errorf("missing error at %s row %d column %s; got %v", w.sheet, w.row, w.col, errs)
		}
	}
	for _, e := range errs {
		if e.Sheet == SheetUnits && e.Row == 12 {
			t.Errorf("the valid underground row was reported: %+v", e)
		}
	}
}

func TestReadWorkbookStructure(t *testing.T) {
	tests := []struct {
		name   string
		raw    []byte
		reason string
	}{
		{"not xlsx", []byte("hello"), "不是有效的 .xlsx"},
		{"no units sheet", book(t, map[string][][]any{SheetBuildings: {header(BuildingColumns)}}), "缺少工作表“户”"},
		{"missing column", book(t, map[string][][]any{SheetBuildings: {header(BuildingColumns[1:])}, SheetUnits: {header(UnitColumns)}}), "缺少列“宗地代码”"},
	}
	for _, tt := range tests {
		_, errs := ReadWorkbook(context.Background(), bytes.NewReader(tt.raw))
		var all []string
		for _, e := range errs {
			all = append(all, e.String())
		}
		if !strings.Contains(strings.Join(all, "\n"), tt.reason) {
			t.Errorf("%s: errors %q, want one mentioning %q", tt.name, all, tt.reason)
		}
	}
}

func TestReimportIsIdempotent(t *testing.T) {
	p, errs := plan(t, existing(), goodSheets())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	// The database after the first import.
	ex := existing()
	b := p.NewBuildings[0]
	b.ID = 10
	ex.Buildings = []Building{b}
	for _, f := range p.Floors {
		ex.Floors[10] = append(ex.Floors[10], Floor{BuildingID: 10, Actual: f.Actual, Named: f.Named})
	}
	for i, u := range p.NewUnits {
		u.ID, u.BuildingID = int64(100+i), 10
		ex.Units[10] = append(ex.Units[10], u)
	}
	again, errs := plan(t, ex, goodSheets())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if !again.Empty() || again.Unchanged != 4 {
		t.Errorf("re-import plan: %+v, want nothing to write and 4 unchanged rows", again)
	}
	// A changed area updates the unit, unless it is under contract.
	sheets := goodSheets()
	sheets[SheetUnits][1] = []any{parcel, 3, "1单元", 1, "1", 1, "1单元101", "住宅", "112.45", "92.50", "19.95", "0.215676"}
	changed, errs := plan(t, ex, sheets)
	if len(errs) > 0 || len(changed.ChangedUnits) != 1 || changed.ChangedUnits[0].ID != 100 {
		t.Fatalf("changed plan = %+v, %v", changed, errs)
	}
	ex.Frozen[100] = true
	if _, errs := plan(t, ex, sheets); len(errs) != 1 || !strings.Contains(errs[0].Reason, "已网签") {
		t.Errorf("changing a unit under contract: %v, want one refusal", errs)
	}
}

func TestAnnotate(t *testing.T) {
	raw := book(t, map[string][][]any{SheetBuildings: {header(BuildingColumns), {parcel, "x", "3号楼", "框架", 18, 1, "住宅"}}, SheetUnits: {header(UnitColumns)}})
	wb, errs := ReadWorkbook(context.Background(), bytes.NewReader(raw))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	_, errs = PlanImport(existing(), wb)
	out, err := Annotate(raw, errs)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(SheetBuildings)
	if rows[0][len(rows[0])-1] != "错误说明" || !strings.Contains(rows[1][len(rows[1])-1], "自然幢号") {
		t.Errorf("annotated rows = %q", rows)
	}
}

func TestTemplateImportsItsExample(t *testing.T) {
	raw, err := Template(parcel)
	if err != nil {
		t.Fatal(err)
	}
	wb, errs := ReadWorkbook(context.Background(), bytes.NewReader(raw))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	p, errs := PlanImport(existing(), wb)
	if len(errs) > 0 || len(p.NewUnits) != 1 {
		t.Errorf("the template's example row does not import: %v", errs)
	}
}

func TestAreasCheck(t *testing.T) {
	d := decimal.RequireFromString
	tests := []struct {
		a    Areas
		errs int
	}{
		{Areas{d("112.35"), d("92.40"), d("19.95"), d("0.215909")}, 0},
		{Areas{d("112.35"), d("92.40"), d("19.96"), d("0.215909")}, 1}, // sum off by a cent
		{Areas{d("112.35"), d("92.40"), d("19.95"), d("0.2")}, 1},      // ratio off
		{Areas{d("30.00"), d("30.00"), d("0"), d("0")}, 0},
		{Areas{d("0"), d("0"), d("0"), d("0")}, 1},
	}
	for _, tt := range tests {
		if got := tt.a.Check(); len(got) != tt.errs {
			t.Errorf("Check(%+v) = %q, want %d errors", tt.a, got, tt.errs)
		}
	}
}

// Property: areas built as 分摊 = round(套内 × 系数) and 建筑 = 套内 + 分摊 always
// pass the check; changing the total by any non-zero amount never does.
func TestAreasProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		inner := decimal.New(rapid.Int64Range(1000, 50000).Draw(t, "inner"), -2)
		ratio := decimal.New(rapid.Int64Range(0, 400000).Draw(t, "ratio"), -6)
		shared := inner.Mul(ratio).Round(2)
		a := Areas{Total: inner.Add(shared), Inner: inner, Shared: shared, Ratio: ratio}
		if errs := a.Check(); len(errs) != 0 {
			t.Fatalf("consistent areas refused: %v", errs)
		}
		delta := decimal.New(rapid.Int64Range(1, 1000).Draw(t, "delta"), -2)
		a.Total = a.Total.Add(delta)
		if errs := a.Check(); len(errs) == 0 {
			t.Fatalf("inconsistent total %s accepted", a.Total)
		}
	})
}

func TestStatusState(t *testing.T) {
	tests := []struct {
		s    Status
		want State
	}{
		{Status{}, Unpermitted},
		{Status{Permit: "valid"}, Available},
		{Status{Permit: "suspended"}, Suspended},
		{Status{Permit: "valid", Contract: "signed"}, Signed},
		{Status{Permit: "valid", Contract: "filed"}, Filed},
		{Status{Permit: "valid", Contract: "filed", Locked: true}, Restricted},
		{Status{Permit: "valid", Register: Register{Sealed: true}}, Restricted},
		{Status{Permit: "valid", Contract: "filed", Register: Register{PreNotice: true, WaitingSeal: true}}, Restricted},
		{Status{Permit: "valid", Register: Register{Objection: true, Registered: true}}, Restricted},
		{Status{Permit: "valid", Contract: "filed", Register: Register{PreNotice: true}}, PreNoticed},
		{Status{Permit: "valid", Contract: "filed", Register: Register{PreNotice: true, PreMortgage: true}}, PreNoticed},
		{Status{Permit: "valid", Contract: "filed", Register: Register{Registered: true}}, Registered},
		{Status{Permit: "valid", Contract: "filed", Register: Register{Registered: true, Mortgaged: true}}, Mortgaged},
		{Status{Permit: "valid", Register: Register{DeveloperOwns: true}}, Available},
		{Status{Register: Register{Registered: true}}, Registered},
	}
	for _, tt := range tests {
		if got := tt.s.State(); got != tt.want {
			t.Errorf("%+v.State() = %s, want %s", tt.s, got, tt.want)
		}
	}
}

// A unit's marks name every register fact its one state hides: a sealed,
// mortgaged, co-owned flat shows 限制 with 共, 押 and 封.
func TestStatusMarks(t *testing.T) {
	tests := []struct {
		s    Status
		want []Mark
	}{
		{Status{Permit: "valid"}, nil},
		{Status{Register: Register{Registered: true, CoOwned: true}}, []Mark{CoOwnedMark}},
		{Status{Register: Register{CoOwned: true}}, nil}, // no current ownership: nothing held in common
		{Status{Contract: "filed", Register: Register{PreNotice: true, PreMortgage: true}}, []Mark{PreNoticeMark, PreMortgageMark}},
		{Status{Register: Register{Registered: true, CoOwned: true, Mortgaged: true, Sealed: true}}, []Mark{CoOwnedMark, MortgageMark, SealMark}},
		{Status{Register: Register{Registered: true, WaitingSeal: true, Objection: true}}, []Mark{SealMark, ObjectionMark}},
		{Status{Locked: true}, []Mark{LockMark}},
	}
	for _, tt := range tests {
		if got := tt.s.Marks(); !slices.Equal(got, tt.want) {
			t.Errorf("%+v.Marks() = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestBuildTable(t *testing.T) {
	b := Building{ID: 1, FloorsAbove: 3}
	cells := []TableCell{
		{Unit: Unit{Number: 2, Floor: 1}}, {Unit: Unit{Number: 1, Floor: 1}},
		{Unit: Unit{Number: 3, Floor: 3}, Status: Status{Permit: "valid"}},
	}
	tab := BuildTable(b, []Floor{{Actual: 1, Named: "1"}, {Actual: 2, Named: "2"}, {Actual: 3, Named: "5"}}, cells)
	if len(tab.Rows) != 3 || tab.Rows[0].Floor.Named != "5" || tab.Rows[2].Cells[0].Unit.Number != 1 {
		t.Errorf("rows = %+v; want floors top down, units by 户号", tab.Rows)
	}
	if tab.Counts[Unpermitted] != 2 || tab.Counts[Available] != 1 || tab.Total != 3 || tab.Columns != 2 {
		t.Errorf("counts = %v total %d columns %d", tab.Counts, tab.Total, tab.Columns)
	}
}

// FuzzReadWorkbook: whatever the upload, the parser, the plan and the
// annotation of a refused import answer without panicking, and an annotated
// workbook opens.
func FuzzReadWorkbook(f *testing.F) {
	styled := book(f, badSheets())
	f.Add(book(f, goodSheets()))
	f.Add([]byte("PK\x03\x04 not really"))
	f.Add(styled)
	f.Add(withoutPart(f, styled, "xl/styles.xml", nil)) // no styles part: annotating it crashed the import
	f.Add(withoutPart(f, styled, "xl/sharedStrings.xml", nil))
	f.Add(handMadeXLSX(f, []string{SheetBuildings, SheetUnits}, textSheets(badSheets())))
	f.Fuzz(func(t *testing.T, raw []byte) {
		wb, errs := ReadWorkbook(context.Background(), bytes.NewReader(raw))
		if len(errs) == 0 {
			_, errs = PlanImport(existing(), wb) // must not panic on any content
		}
		if len(errs) == 0 || len(wb.Raw) == 0 {
			return
		}
		out, err := Annotate(wb.Raw, errs)
		if err != nil {
			return
		}
		a, err := excelize.OpenReader(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("the annotated workbook does not open: %v", err)
		}
		a.Close()
	})
}

// FuzzPlanImport feeds arbitrary cell text through the row checks.
func FuzzPlanImport(f *testing.F) {
	f.Add("3", "1单元", "1", "1", "1", "1单元101", "住宅", "112.35", "92.40", "19.95", "0.215909")
	f.Add("x", "", "-0", "", "9999999999", "", "", "1e400", ".", "-0.00", "NaN")
	f.Fuzz(func(t *testing.T, b, sec, floor, name, num, room, use, total, inner, shared, ratio string) {
		wb := Workbook{
			Buildings: []Row{{Num: 2, Values: map[string]string{"宗地代码": parcel, "自然幢号": "3", "幢名称": "3号楼", "结构": "框架", "地上层数": "18", "地下层数": "1", "规划用途": "住宅"}}},
			Units: []Row{{Num: 2, Values: map[string]string{"宗地代码": parcel, "自然幢号": b, "单元": sec, "实际层": floor, "名义层": name, "户号": num,
				"室号": room, "用途": use, "预测建筑面积": total, "预测套内面积": inner, "预测分摊面积": shared, "分摊系数": ratio}}},
		}
		p, errs := PlanImport(existing(), wb)
		if len(errs) > 0 {
			if !p.Empty() {
				t.Fatalf("plan not empty despite errors")
			}
			return
		}
		for _, u := range p.NewUnits {
			if len(u.UnitNo) != 28 || len(u.Forecast.Check()) > 0 {
				t.Fatalf("accepted a bad unit %+v", u)
			}
		}
	})
}

package ledger

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"handover/internal/problem"
)

// The 楼盘表 workbook: one sheet of buildings, one of units, Chinese headers.
const (
	SheetBuildings = "幢"
	SheetUnits     = "户"
	sheetHelp      = "说明"
)

// Column headers, in template order.
var (
	BuildingColumns = []string{"宗地代码", "自然幢号", "幢名称", "结构", "地上层数", "地下层数", "规划用途"}
	UnitColumns     = []string{"宗地代码", "自然幢号", "单元", "实际层", "名义层", "户号", "室号", "用途",
		"预测建筑面积", "预测套内面积", "预测分摊面积", "分摊系数"}
	// optional columns may be absent or blank
	optionalColumns = map[string]bool{"单元": true}
)

// MaxRows bounds a workbook's rows per sheet.
const MaxRows = 20000

// Bounds on what an uploaded workbook may expand to. A .xlsx is a zip of
// XML: a few hundred kilobytes can declare gigabytes. The parts' declared
// sizes are checked before anything is decompressed (Go's zip reader then
// refuses a part that inflates beyond its declared size), and a sheet is
// read row by row, never past MaxRows, MaxColumns or MaxUnzipped of cell
// text (one shared string of a few kilobytes, referred to by every cell,
// would otherwise expand to gigabytes as it is read), so that a workbook
// costs at most about MaxUnzipped of work and memory whatever it holds.
const (
	MaxUnzipped = 64 << 20 // all parts together, decompressed; also a sheet's cell text
	MaxColumns  = 256      // cells in one row up to its last, blank ones included (a stray note far right must not refuse a workbook)
)

// Row is one data row of a sheet: its 1-based row number in the workbook
// and its cells by header.
type Row struct {
	Num    int
	Values map[string]string
}

// Workbook is a 楼盘表 workbook as read: raw text, not yet checked.
type Workbook struct {
	Buildings []Row
	Units     []Row
	Raw       []byte // the file as uploaded, for annotation
}

// RowError is one problem of an import: where it is and why.
type RowError struct {
	Sheet  string `json:"sheet"`
	Row    int    `json:"row"` // 0: the whole sheet or file
	Column string `json:"column,omitempty"`
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason"`
}

func (e RowError) String() string {
	switch {
	case e.Row == 0:
		return fmt.Sprintf("工作表“%s”：%s", e.Sheet, e.Reason)
	case e.Column == "":
		return fmt.Sprintf("工作表“%s”第%d行：%s", e.Sheet, e.Row, e.Reason)
	}
	return fmt.Sprintf("工作表“%s”第%d行“%s”列：%s", e.Sheet, e.Row, e.Column, e.Reason)
}

// SortErrors orders errors by sheet (buildings first), row and column.
func SortErrors(errs []RowError) {
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i], errs[j]
		if a.Sheet != b.Sheet {
			return a.Sheet == SheetBuildings
		}
		return a.Row < b.Row
	})
}

// ReadWorkbook reads an .xlsx 楼盘表. A file that is not a workbook, or
// lacks a sheet or a required column, yields file-level RowErrors.
func ReadWorkbook(ctx context.Context, r io.Reader) (Workbook, []RowError) {
	f, raw, errs := OpenWorkbook(r)
	wb := Workbook{Raw: raw}
	if f == nil {
		return wb, errs
	}
	defer f.Close()
	wb.Buildings, errs = ReadSheet(ctx, f, SheetBuildings, BuildingColumns, optionalColumns, errs)
	wb.Units, errs = ReadSheet(ctx, f, SheetUnits, UnitColumns, unitOptional, errs)
	return wb, errs
}

// unitOptional: a unit row may leave its 宗地代码 to the building's.
var unitOptional = map[string]bool{"单元": true, "宗地代码": true}

// OpenWorkbook reads an uploaded .xlsx (at most 32 MiB, decompressing to
// at most MaxUnzipped). It returns the raw bytes (for annotation) and,
// when the file is not a workbook or expands too far, no file and a
// file-level error. The caller closes the file.
func OpenWorkbook(r io.Reader) (*excelize.File, []byte, []RowError) {
	raw, err := io.ReadAll(io.LimitReader(r, 32<<20))
	if err != nil {
		return nil, nil, []RowError{{Sheet: "文件", Reason: "无法读取上传的文件"}}
	}
	if e := checkUnzipped(raw); e != nil {
		return nil, raw, []RowError{*e}
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw), excelize.Options{UnzipSizeLimit: MaxUnzipped, UnzipXMLSizeLimit: MaxUnzipped})
	if err != nil {
		return nil, raw, []RowError{{Sheet: "文件", Reason: "不是有效的 .xlsx 工作簿，请使用下载的模板"}}
	}
	return f, raw, nil
}

// checkUnzipped refuses a workbook whose parts declare more than
// MaxUnzipped decompressed, reading only the zip's directory.
func checkUnzipped(raw []byte) *RowError {
	z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return &RowError{Sheet: "文件", Reason: "不是有效的 .xlsx 工作簿，请使用下载的模板"}
	}
	var total uint64
	for _, f := range z.File {
		total += f.UncompressedSize64
		if total > MaxUnzipped {
			return &RowError{Sheet: "文件", Reason: fmt.Sprintf("工作簿解压后超过%d MiB，不予读取：请只保留模板中的工作表和数据后重新上传", MaxUnzipped>>20)}
		}
	}
	return nil
}

// ReadSheet reads the data rows of a sheet by its Chinese headers (row 1):
// every required column must be present; blank rows are skipped; at most
// MaxRows rows. Problems are appended to errs.
func ReadSheet(ctx context.Context, f *excelize.File, sheet string, columns []string, optional map[string]bool, errs []RowError) ([]Row, []RowError) {
	idx, err := f.GetSheetIndex(sheet)
	if err != nil || idx < 0 {
		return nil, append(errs, RowError{Sheet: sheet, Reason: "缺少工作表“" + sheet + "”"})
	}
	rows, errs, ok := sheetRows(ctx, f, sheet, errs)
	if !ok {
		return nil, errs
	}
	if len(rows) == 0 {
		return nil, append(errs, RowError{Sheet: sheet, Reason: "工作表为空，第1行应为列名"})
	}
	pos := map[string]int{}
	for i, h := range rows[0] {
		h = strings.TrimSpace(h)
		if h != "" {
			if _, dup := pos[h]; dup {
				errs = append(errs, RowError{Sheet: sheet, Row: 1, Column: h, Reason: "列名重复"})
			}
			pos[h] = i
		}
	}
	for _, c := range columns {
		if _, ok := pos[c]; !ok && !optional[c] {
			errs = append(errs, RowError{Sheet: sheet, Row: 1, Column: c, Reason: "缺少列“" + c + "”"})
		}
	}
	var out []Row
	for i, cells := range rows[1:] {
		r := Row{Num: i + 2, Values: map[string]string{}}
		blank := true
		for _, c := range columns {
			if p, ok := pos[c]; ok && p < len(cells) {
				v := strings.TrimSpace(cells[p])
				r.Values[c] = v
				if v != "" {
					blank = false
				}
			}
		}
		if !blank {
			out = append(out, r)
		}
	}
	return out, errs
}

// sheetRows reads a sheet's rows, the header included, one at a time:
// more than MaxRows data rows, or a row of more than MaxColumns cells,
// stops the reading with an error instead of reading on, and so does the
// end of ctx (the uploader went away: nobody waits for the answer).
func sheetRows(ctx context.Context, f *excelize.File, sheet string, errs []RowError) ([][]string, []RowError, bool) {
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, append(errs, RowError{Sheet: sheet, Reason: "无法读取工作表"}), false
	}
	defer it.Close()
	var rows [][]string
	blank := 0 // empty rows since the last with cells: kept only if cells follow
	text := 0  // bytes of cell text read
	for it.Next() {
		num := len(rows) + blank + 1
		if num%256 == 0 && ctx.Err() != nil {
			return nil, append(errs, RowError{Sheet: sheet, Reason: "上传已中断，未读取"}), false
		}
		cells, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, append(errs, RowError{Sheet: sheet, Row: num, Reason: "无法读取此行"}), false
		}
		if len(cells) == 0 {
			blank++
			continue
		}
		if num-1 > MaxRows {
			return nil, append(errs, RowError{Sheet: sheet, Reason: fmt.Sprintf("行数超过%d，请分批导入", MaxRows)}), false
		}
		if len(cells) > MaxColumns {
			return nil, append(errs, RowError{Sheet: sheet, Row: num, Reason: fmt.Sprintf("此行超过%d列，请使用下载的模板", MaxColumns)}), false
		}
		for _, c := range cells {
			text += len(c)
		}
		if text > MaxUnzipped {
			return nil, append(errs, RowError{Sheet: sheet, Row: num, Reason: fmt.Sprintf("工作表内容超过%d MiB，不予读取：请只保留模板中的数据后重新上传", MaxUnzipped>>20)}), false
		}
		rows = append(rows, make([][]string, blank)...)
		rows, blank = append(rows, cells), 0
	}
	if err := it.Error(); err != nil {
		return nil, append(errs, RowError{Sheet: sheet, Reason: "无法读取工作表"}), false
	}
	return rows, errs, true
}

// CleanNumber removes the binary-float noise a spreadsheet may store
// (89.560000000000002 → 89.56) while keeping decimals a person typed.
func CleanNumber(s string) string {
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil || d.Exponent() >= -6 {
		return strings.TrimSpace(s)
	}
	return d.Round(6).String()
}

// Template returns the empty 楼盘表 workbook to download: a help sheet and
// the two data sheets with Chinese headers and an example row each.
func Template(parcel string) ([]byte, error) {
	if parcel == "" {
		parcel = "652301001002GB00123"
	}
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", sheetHelp)
	help := []string{
		"楼盘表导入说明",
		"1. “幢”表每行一个自然幢；“户”表每行一户。第1行为列名，请勿修改；示例行可删除或改写。",
		"2. 宗地代码为19位（不动产单元号前19位），须为本项目已登记的宗地；项目只有一宗地时，“户”表的宗地代码可留空。",
		"3. 实际层：地上从1起，地下为-1、-2……；名义层为对外显示的楼层（可跳过4、13、14层）。同一幢同一实际层的名义层须一致。",
		"4. 面积以平方米计，保留两位小数：预测建筑面积 = 预测套内面积 + 预测分摊面积；分摊面积 = 套内面积 × 分摊系数（允许0.01的舍入差）。",
		"5. 户号为幢内流水号（1–9999），与宗地代码、自然幢号一起生成28位不动产单元号；室号如“3单元1502”。",
		"6. 用途可填：" + strings.Join(Purposes, "、") + "。",
		"7. 导入为“全部成功或全部不导入”：任何一行有误，系统列出所有错误行并提供标注后的工作簿下载，数据库不作任何改动。",
		"8. 同一文件重复导入不会产生重复数据；已网签的户，其面积等信息不能通过导入修改。",
	}
	for i, line := range help {
		f.SetCellValue(sheetHelp, fmt.Sprintf("A%d", i+1), line)
	}
	f.SetColWidth(sheetHelp, "A", "A", 110)
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DCE6F1"}, Pattern: 1}})
	write := func(sheet string, cols []string, example []any) error {
		if _, err := f.NewSheet(sheet); err != nil {
			return err
		}
		for i, c := range cols {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			f.SetCellValue(sheet, cell, c)
			f.SetCellStyle(sheet, cell, cell, head)
			ex, _ := excelize.CoordinatesToCellName(i+1, 2)
			f.SetCellValue(sheet, ex, example[i])
		}
		last, _ := excelize.ColumnNumberToName(len(cols))
		return f.SetColWidth(sheet, "A", last, 14)
	}
	if err := write(SheetBuildings, BuildingColumns, []any{parcel, 3, "3号楼", "钢筋混凝土结构", 18, 1, "住宅"}); err != nil {
		return nil, err
	}
	if err := write(SheetUnits, UnitColumns, []any{parcel, 3, "1单元", 15, "15", 1501, "1单元1501", "住宅", "112.35", "92.40", "19.95", "0.215909"}); err != nil {
		return nil, err
	}
	f.SetColWidth(SheetBuildings, "A", "A", 24)
	f.SetColWidth(SheetUnits, "A", "A", 24)
	dv := excelize.NewDataValidation(true)
	dv.Sqref = "H2:H20001"
	dv.SetDropList(Purposes)
	f.AddDataValidation(SheetUnits, dv)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Annotate returns the uploaded workbook with every bad cell filled red and
// an “错误说明” column at the end of each bad row, so that the developer can
// fix the file and import it again. A workbook whose styles cannot be
// extended (one without a styles part, xl/styles.xml, which a valid .xlsx
// may omit) gets its notes without colours. The file is the uploader's:
// whatever it holds, Annotate returns an error rather than panic, and the
// import is refused with its rows' errors all the same.
func Annotate(raw []byte, errs []RowError) (out []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, problem.Wrap(fmt.Errorf("excelize panicked: %v", v), "ledger.annotate")
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		return nil, problem.Wrap(err, "ledger.annotate")
	}
	defer f.Close()
	red, colourCells := newStyle(f, &excelize.Style{Fill: excelize.Fill{Type: "pattern", Color: []string{"F8CBAD"}, Pattern: 1}})
	bold, colourHeader := newStyle(f, &excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}})
	notes := map[string]map[int][]string{}
	for _, e := range errs {
		if e.Row < 1 {
			continue
		}
		if notes[e.Sheet] == nil {
			notes[e.Sheet] = map[int][]string{}
		}
		msg := e.Reason
		if e.Column != "" {
			msg = e.Column + "：" + e.Reason
		}
		notes[e.Sheet][e.Row] = append(notes[e.Sheet][e.Row], msg)
	}
	for sheet, rows := range notes {
		all, err := f.GetRows(sheet)
		if err != nil || len(all) == 0 {
			continue
		}
		header := map[string]int{}
		for i, h := range all[0] {
			header[strings.TrimSpace(h)] = i + 1
		}
		noteCol := len(all[0]) + 1
		if c, ok := header["错误说明"]; ok {
			noteCol = c
		}
		hc, _ := excelize.CoordinatesToCellName(noteCol, 1)
		f.SetCellValue(sheet, hc, "错误说明")
		if colourHeader {
			f.SetCellStyle(sheet, hc, hc, bold)
		}
		name, _ := excelize.ColumnNumberToName(noteCol)
		f.SetColWidth(sheet, name, name, 60)
		for row, msgs := range rows {
			cell, _ := excelize.CoordinatesToCellName(noteCol, row)
			f.SetCellValue(sheet, cell, strings.Join(msgs, "；"))
		}
		for _, e := range errs {
			if !colourCells || e.Sheet != sheet || e.Row < 2 || e.Column == "" {
				continue
			}
			if c, ok := header[e.Column]; ok {
				cell, _ := excelize.CoordinatesToCellName(c, e.Row)
				f.SetCellStyle(sheet, cell, cell, red)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// newStyle adds a cell style to f and reports whether it could. excelize
// dereferences the parts of the style sheet it extends without checking
// them, so a workbook without a styles part (or with one lacking its fonts,
// fills or borders) panics there; such a workbook is annotated without
// colours.
func newStyle(f *excelize.File, s *excelize.Style) (id int, ok bool) {
	defer func() {
		if recover() != nil {
			id, ok = 0, false
		}
	}()
	id, err := f.NewStyle(s)
	return id, err == nil
}

// NewWorkbook writes a 楼盘表 workbook from buildings and units, as a
// developer's system would produce it (the demo and the benchmark use it).
func NewWorkbook(buildings []Building, floors map[int64][]Floor, units map[int64][]Unit) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", SheetBuildings)
	if _, err := f.NewSheet(SheetUnits); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(SheetBuildings)
	if err != nil {
		return nil, err
	}
	sw.SetRow("A1", anyRow(BuildingColumns))
	for i, b := range buildings {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		sw.SetRow(cell, []any{b.Parcel, b.Number, b.Name, b.Structure, b.FloorsAbove, b.FloorsBelow, b.PlannedUse})
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	uw, err := f.NewStreamWriter(SheetUnits)
	if err != nil {
		return nil, err
	}
	uw.SetRow("A1", anyRow(UnitColumns))
	row := 2
	for _, b := range buildings {
		named := map[int]string{}
		for _, fl := range floors[b.ID] {
			named[fl.Actual] = fl.Named
		}
		for _, u := range units[b.ID] {
			cell, _ := excelize.CoordinatesToCellName(1, row)
			uw.SetRow(cell, []any{b.Parcel, b.Number, u.Section, u.Floor, named[u.Floor], u.Number, u.Room, u.Purpose,
				u.Forecast.Total.StringFixed(2), u.Forecast.Inner.StringFixed(2), u.Forecast.Shared.StringFixed(2), u.Forecast.Ratio.String()})
			row++
		}
	}
	if err := uw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func anyRow(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

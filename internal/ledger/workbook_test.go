package ledger

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// withoutPart rewrites an .xlsx without one of its parts; with replace,
// the part is written with that content instead.
func withoutPart(t testing.TB, raw []byte, name string, replace []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		data := replace
		if f.Name != name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			if data, err = io.ReadAll(rc); err != nil {
				t.Fatal(err)
			}
			rc.Close()
		} else if replace == nil {
			continue
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// handMadeXLSX is the smallest package a spreadsheet program accepts as a
// workbook: content types, the package and workbook relationships, the
// workbook and its sheets, with inline strings. It has no styles part, no
// shared strings and no theme.
func handMadeXLSX(t testing.TB, sheets []string, rows map[string][][]string) []byte {
	t.Helper()
	const (
		ns  = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
		rel = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`
	)
	var types, wbSheets, wbRels strings.Builder
	parts := map[string]string{}
	for i, name := range sheets {
		n := i + 1
		fmt.Fprintf(&types, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, n)
		fmt.Fprintf(&wbSheets, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, name, n, n)
		fmt.Fprintf(&wbRels, `<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>`, n, rel, n)
		var data strings.Builder
		for r, cells := range rows[name] {
			fmt.Fprintf(&data, `<row r="%d">`, r+1)
			for c, v := range cells {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				fmt.Fprintf(&data, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, cell, v)
			}
			data.WriteString(`</row>`)
		}
		parts[fmt.Sprintf("xl/worksheets/sheet%d.xml", n)] = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet ` + ns + `><sheetData>` + data.String() + `</sheetData></worksheet>`
	}
	parts["[Content_Types].xml"] = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` + types.String() + `</Types>`
	parts["_rels/.rels"] = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="` + rel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	parts["xl/workbook.xml"] = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook ` + ns + ` xmlns:r="` + rel + `"><sheets>` + wbSheets.String() + `</sheets></workbook>`
	parts["xl/_rels/workbook.xml.rels"] = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + wbRels.String() + `</Relationships>`
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"} {
		w, _ := zw.Create(name)
		io.WriteString(w, parts[name])
	}
	for i := range sheets {
		name := fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)
		w, _ := zw.Create(name)
		io.WriteString(w, parts[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func textRow(cells ...any) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = fmt.Sprint(c)
	}
	return out
}

// badSheets has one bad building row (自然幢号 “x”) and one bad unit row
// (户号 “y”, 用途 “仓库”).
func badSheets() map[string][][]any {
	return map[string][][]any{
		SheetBuildings: {header(BuildingColumns), {parcel, "x", "3号楼", "框架", 18, 1, "住宅"}, {parcel, 3, "3号楼", "框架", 18, 1, "住宅"}},
		SheetUnits: {header(UnitColumns),
			{parcel, 3, "1单元", 1, "1", "y", "1单元101", "仓库", "112.35", "92.40", "19.95", "0.215909"}},
	}
}

func textSheets(sheets map[string][][]any) map[string][][]string {
	out := map[string][][]string{}
	for name, rows := range sheets {
		for _, r := range rows {
			out[name] = append(out[name], textRow(r...))
		}
	}
	return out
}

// A workbook without a styles part is valid .xlsx; its import is refused
// with every bad row, and its annotated copy carries the notes (without
// colours) instead of crashing the import.
func TestAnnotateWithoutStyles(t *testing.T) {
	styled := book(t, badSheets())
	tests := []struct {
		name string
		raw  []byte
	}{
		{"excelize workbook with the styles part removed", withoutPart(t, styled, "xl/styles.xml", nil)},
		{"styles part without fonts, fills and borders", withoutPart(t, styled, "xl/styles.xml",
			[]byte(`<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="1"><xf/></cellXfs></styleSheet>`))},
		{"hand-made minimal workbook", handMadeXLSX(t, []string{SheetBuildings, SheetUnits}, textSheets(badSheets()))},
		{"workbook with styles", styled},
	}
	want := []string{"幢/2/自然幢号", "户/2/户号", "户/2/用途"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wb, errs := ReadWorkbook(context.Background(), bytes.NewReader(tt.raw))
			if len(errs) > 0 {
				t.Fatalf("read errors: %v", errs)
			}
			if len(wb.Buildings) != 2 || len(wb.Units) != 1 {
				t.Fatalf("got %d building rows and %d unit rows, want 2 and 1", len(wb.Buildings), len(wb.Units))
			}
			_, errs = PlanImport(existing(), wb)
			var got []string
			for _, e := range errs {
				got = append(got, fmt.Sprintf("%s/%d/%s", e.Sheet, e.Row, e.Column))
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("errors at %q, want %q", got, want)
			}
			out, err := Annotate(tt.raw, errs)
			if err != nil {
				t.Fatalf("annotate: %v", err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("the annotated workbook does not open: %v", err)
			}
			defer f.Close()
			for sheet, row := range map[string]int{SheetBuildings: 2, SheetUnits: 2} {
				rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
				if err != nil {
					t.Fatal(err)
				}
				head, cells := rows[0], rows[row-1]
				if head[len(head)-1] != "错误说明" || len(cells) != len(head) || cells[len(cells)-1] == "" {
					t.Errorf("sheet %s: header %q, row %d %q; want an 错误说明 column with a note", sheet, head, row, cells)
				}
			}
		})
	}
}

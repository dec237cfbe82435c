package ledger

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// zeros is an endless reader of one byte value, to compress into a bomb
// without holding it.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '0'
	}
	return len(p), nil
}

// template is the 楼盘表 template workbook, the start of every bomb.
func template(t testing.TB) []byte {
	t.Helper()
	tpl, err := Template("652301009002GB00001")
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// withPart is the template workbook with one more part of n bytes.
func withPart(t *testing.T, name string, n int64) []byte {
	t.Helper()
	tpl := template(t)
	in, err := zip.NewReader(bytes.NewReader(tpl), int64(len(tpl)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := zip.NewWriter(&out)
	for _, f := range in.File {
		if err := w.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	part, err := w.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(part, zeros{}, n); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// withUnits is the template workbook with rows data rows in its 户 sheet,
// each of cols cells.
func withUnits(t testing.TB, rows, cols int) []byte {
	t.Helper()
	tpl := template(t)
	f, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sw, err := f.NewStreamWriter(SheetUnits)
	if err != nil {
		t.Fatal(err)
	}
	head := make([]any, max(cols, len(UnitColumns)))
	for i := range head {
		head[i] = fmt.Sprintf("列%d", i)
	}
	for i, c := range UnitColumns {
		head[i] = c
	}
	if err := sw.SetRow("A1", head); err != nil {
		t.Fatal(err)
	}
	row := make([]any, cols)
	for i := range row {
		row[i] = "1"
	}
	for r := 2; r <= rows+1; r++ {
		if err := sw.SetRow(fmt.Sprintf("A%d", r), row); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// sharedStringBomb is a workbook whose 户 sheet holds 4,000 rows of 60
// cells that all refer to one shared string of 8 KiB: a few hundred
// kilobytes that read as 1.9 GB of text.
func sharedStringBomb(t *testing.T) []byte {
	t.Helper()
	tpl := template(t)
	f, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	long := strings.Repeat("户", 8<<10/3)
	for r := 2; r <= 4001; r++ {
		for c := 1; c <= 60; c++ {
			cell, _ := excelize.CoordinatesToCellName(c, r)
			if err := f.SetCellStr(SheetUnits, cell, long); err != nil {
				t.Fatal(err)
			}
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// A workbook that expands too far is refused quickly and without the
// memory its expansion would take, whatever part expands: a hidden part
// declaring gigabytes, a sheet of too many rows, a row of too many cells.
func TestWorkbookBombsRefused(t *testing.T) {
	tests := []struct {
		name string
		raw  func(*testing.T) []byte
		want string
	}{
		{"a 1 GiB part", func(t *testing.T) []byte { return withPart(t, "xl/media/image1.bin", 1<<30) }, "解压后超过64 MiB"},
		{"a sheet just over the limit", func(t *testing.T) []byte { return withPart(t, "xl/worksheets/sheet9.xml", MaxUnzipped+1) }, "解压后超过64 MiB"},
		{"too many rows", func(t *testing.T) []byte { return withUnits(t, MaxRows+5, 3) }, "行数超过20000"},
		{"too many cells in a row", func(t *testing.T) []byte { return withUnits(t, 3, MaxColumns+1) }, "超过256列"},
		{"one long shared string in every cell", sharedStringBomb, "工作表内容超过64 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.raw(t)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, errs := ReadWorkbook(context.Background(), bytes.NewReader(raw))
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			var got []string
			for _, e := range errs {
				got = append(got, e.String())
			}
			if !strings.Contains(strings.Join(got, "；"), tt.want) {
				t.Errorf("errors of a %d KB upload: got %q, want one saying %q", len(raw)>>10, got, tt.want)
			}
			// The work a bomb costs is bounded by what the reader
			// allocates before it refuses (a reader that went on would
			// allocate without end); its time, which depends on the
			// machine's load, is BenchmarkWorkbookBombsRefused's.
			t.Logf("%d KB upload refused in %v, %d MiB allocated", len(raw)>>10, took, (after.TotalAlloc-before.TotalAlloc)>>20)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
				t.Errorf("refusing a %d KB upload allocated %d MiB, want at most 256 MiB", len(raw)>>10, alloc>>20)
			}
		})
	}
}

// BenchmarkWorkbookBombsRefused times the refusal of each bomb of
// TestWorkbookBombsRefused that is quick to build.
func BenchmarkWorkbookBombsRefused(b *testing.B) {
	for _, bomb := range []struct {
		name string
		raw  []byte
	}{
		{"too many rows", withUnits(b, MaxRows+5, 3)},
		{"too many cells in a row", withUnits(b, 3, MaxColumns+1)},
	} {
		b.Run(bomb.name, func(b *testing.B) {
			for b.Loop() {
				if _, errs := ReadWorkbook(context.Background(), bytes.NewReader(bomb.raw)); len(errs) == 0 {
					b.Fatal("a bomb was read")
				}
			}
		})
	}
}

// An upload whose sender went away is not read to its end: the reading of
// a sheet stops at the next check of the request's context, with an error
// that imports nothing.
func TestReadingStopsWhenTheUploaderLeaves(t *testing.T) {
	f, err := excelize.OpenReader(bytes.NewReader(template(t)))
	if err != nil {
		t.Fatal(err)
	}
	for r := 2; r <= 2001; r++ {
		f.SetSheetRow(SheetUnits, fmt.Sprintf("A%d", r), &[]any{"1#", r, "101", "住宅"})
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, errs := ReadWorkbook(ctx, bytes.NewReader(buf.Bytes()))
	var stopped bool
	for _, e := range errs {
		stopped = stopped || strings.Contains(e.Reason, "上传已中断")
	}
	if !stopped {
		t.Errorf("reading 2,000 rows after the uploader left: errors %v, want the reading stopped", errs)
	}
	if _, errs := ReadWorkbook(context.Background(), bytes.NewReader(buf.Bytes())); len(errs) == 0 {
		t.Log("the same workbook read in full") // its rows may still be refused on their merits
	} else {
		for _, e := range errs {
			if strings.Contains(e.Reason, "上传已中断") {
				t.Errorf("reading with a live context: %v, want no interruption", e)
			}
		}
	}
}

package tax

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// The template lists the unpaid; filled in and read back, the rows with a
// voucher are the payments, each with its row, and the rest are skipped.
func TestPaymentsWorkbookRoundTrip(t *testing.T) {
	raw, err := PaymentsTemplate([]Unpaid{
		{Contract: "652301YS2026000001", Project: "天山·悦府", Room: "1号楼 101", Buyers: "张*", Amount: decimal.RequireFromString("12345.60")},
		{Contract: "652301YS2026000002", Project: "天山·悦府", Room: "1号楼 102", Buyers: "李*", Amount: decimal.RequireFromString("9000")},
		{Contract: "652301YS2026000003", Project: "天山·悦府", Room: "1号楼 103", Buyers: "王*", Amount: decimal.RequireFromString("9000")},
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if head, _ := f.GetRows(SheetPayments); len(head) != 4 || !slices.Equal(head[0], PaymentColumns) {
		t.Fatalf("template: got %v, want the head and three rows", head)
	}
	f.SetCellValue(SheetPayments, "F2", " 电子完税001 ")
	f.SetCellValue(SheetPayments, "F4", "电子完税003")
	buf, _ := f.WriteToBuffer()
	got, errs := ReadPayments(context.Background(), buf)
	want := []Payment{{Row: 2, Contract: "652301YS2026000001", Voucher: "电子完税001"}, {Row: 4, Contract: "652301YS2026000003", Voucher: "电子完税003"}}
	if len(errs) != 0 || !slices.Equal(got, want) {
		t.Errorf("read back: got %v %v, want %v", got, errs, want)
	}
	if _, errs := ReadPayments(context.Background(), strings.NewReader("not a workbook")); len(errs) != 1 || errs[0].Row != 0 {
		t.Errorf("not a workbook: got %v, want one file-level error", errs)
	}
}

func TestCheckPayments(t *testing.T) {
	long := strings.Repeat("号", MaxVoucher+1)
	tests := []struct {
		name    string
		rows    []Payment
		wantOK  int
		wantBad []string // "row column"
	}{
		{"good rows, one unpaid", []Payment{{2, "a1", "v1"}, {3, "a2", ""}, {4, " a3 ", "v3"}}, 2, nil},
		{"a voucher without its contract", []Payment{{2, "", "v1"}}, 0, []string{"2 合同编号"}},
		{"one contract twice", []Payment{{2, "A1", "v1"}, {3, "a1", "v2"}}, 1, []string{"3 合同编号"}},
		{"one voucher for two contracts", []Payment{{2, "a1", "v1"}, {3, "a2", "v1"}}, 1, []string{"3 完税凭证号"}},
		{"a voucher too long", []Payment{{2, "a1", long}}, 0, []string{"2 完税凭证号"}},
		{"a control character", []Payment{{2, "a1", "v\x01"}}, 0, []string{"2 完税凭证号"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, errs := CheckPayments(tt.rows)
			var bad []string
			for _, e := range errs {
				bad = append(bad, strings.Join([]string{itoa(e.Row), e.Column}, " "))
			}
			if len(ok) != tt.wantOK || !slices.Equal(bad, tt.wantBad) {
				t.Errorf("got %d rows and errors %v, want %d and %v", len(ok), bad, tt.wantOK, tt.wantBad)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// Whatever the rows, the payments kept each have a contract and a voucher,
// no contract and no voucher twice, and every row with a voucher is kept
// or named in an error.
func FuzzCheckPayments(f *testing.F) {
	f.Add("a1", "v1", "a1", "v2", "", "v3")
	f.Add("", "x", "b", "", "b", "x")
	f.Fuzz(func(t *testing.T, c1, v1, c2, v2, c3, v3 string) {
		rows := []Payment{{2, c1, v1}, {3, c2, v2}, {4, c3, v3}}
		ok, errs := CheckPayments(rows)
		contracts, vouchers := map[string]bool{}, map[string]bool{}
		for _, p := range ok {
			if p.Contract == "" || p.Voucher == "" || contracts[p.Contract] || vouchers[p.Voucher] {
				t.Fatalf("CheckPayments(%+v): kept %+v", rows, ok)
			}
			contracts[p.Contract], vouchers[p.Voucher] = true, true
		}
		named := map[int]bool{}
		for _, e := range errs {
			named[e.Row] = true
		}
		kept := map[int]bool{}
		for _, p := range ok {
			kept[p.Row] = true
		}
		for _, r := range rows {
			if strings.TrimSpace(r.Voucher) != "" && kept[r.Row] == named[r.Row] {
				t.Fatalf("CheckPayments(%+v): row %d kept %v, named %v; want exactly one", rows, r.Row, kept[r.Row], named[r.Row])
			}
		}
	})
}

// A voucher typed two ways is one voucher: full-width letters and digits
// (a Chinese input method's) and lower case are kept as half-width upper
// case; Chinese characters stay as they are.
func TestNormalVoucher(t *testing.T) {
	tests := []struct{ in, want string }{
		{" 电子完税凭证 3652301 ", "电子完税凭证 3652301"},
		{"ｓｗ１２３ab", "SW123AB"},
		{"SW123AB", "SW123AB"},
		{"完税００１", "完税001"},
	}
	for _, tt := range tests {
		if got := NormalVoucher(tt.in); got != tt.want {
			t.Errorf("NormalVoucher(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	a := Assessment{}
	if _, err := a.Pay("ｓｗ１２３", "api", time.Now()); err != nil || a.Voucher != "SW123" {
		t.Fatalf("paid with ｓｗ１２３: voucher %q (%v), want SW123", a.Voucher, err)
	}
	if changed, err := a.Pay("sw123", "api", time.Now()); err != nil || changed {
		t.Errorf("the same voucher typed again another way: changed %v (%v), want the same payment", changed, err)
	}
	// A payment recorded as typed, before vouchers were kept normal.
	old := Assessment{Voucher: "sw123", PaidAt: time.Now()}
	if changed, err := old.Pay("sw123", "api", time.Now()); err != nil || changed {
		t.Errorf("a payment kept as typed, sent again: changed %v (%v), want the same payment", changed, err)
	}
}

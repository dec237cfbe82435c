package web_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/xuri/excelize/v2"

	"handover/internal/tax"
)

// The tax officer confirms payments at volume: the unpaid list comes as a
// workbook, filled in it goes back; a workbook with a bad row is refused
// with every bad row listed and nothing paid, and one put right pays every
// row it fills. A developer may neither download nor upload it.
func TestDeedTaxWorkbook(t *testing.T) {
	env, _ := startRegistration(t)
	officer := env.Client(t, "shuiwu")
	resp, err := officer.Get(env.HTTP.URL + "/deed-tax/unpaid.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the unpaid list (%d): %v", resp.StatusCode, err)
	}
	rows, _ := f.GetRows(tax.SheetPayments)
	unpaid := count(t, env, `SELECT COUNT(*) FROM deed_taxes WHERE paid_at IS NULL`)
	if len(rows)-1 != unpaid || unpaid < 1 {
		t.Fatalf("the unpaid list has %d rows, want the %d unpaid", len(rows)-1, unpaid)
	}
	clients := map[string]*http.Client{"shuiwu": officer, "kaifa": env.Client(t, "kaifa")}
	upload := func(user string, f *excelize.File) (int, string) {
		t.Helper()
		buf, err := f.WriteToBuffer()
		if err != nil {
			t.Fatal(err)
		}
		body, ct := multipartBody(t, "workbook", "完税.xlsx", buf.Bytes())
		resp, err := clients[user].Post(env.HTTP.URL+"/deed-tax/payments", ct, body)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		page, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(page)
	}
	// Every row filled, the last with the first's voucher.
	for i := 2; i <= len(rows); i++ {
		f.SetCellValue(tax.SheetPayments, fmt.Sprintf("F%d", i), fmt.Sprintf("电子完税%03d", i))
	}
	if len(rows) > 2 {
		f.SetCellValue(tax.SheetPayments, fmt.Sprintf("F%d", len(rows)), "电子完税002")
	} else {
		f.SetCellValue(tax.SheetPayments, "A3", rows[1][0])
		f.SetCellValue(tax.SheetPayments, "F3", "电子完税003")
	}
	status, page := upload("shuiwu", f)
	checkPage(t, "a workbook with a bad row", page,
		in(`.alert.err`, hasText("未登记任何一户")),
		inAny(`.alert.err .reasons li`, hasText("第3行")))
	if status != http.StatusUnprocessableEntity || count(t, env, `SELECT COUNT(*) FROM deed_taxes WHERE paid_at IS NULL`) != unpaid {
		t.Errorf("a workbook with a bad row: status %d, want 422 and nothing paid", status)
	}
	if status, _ := upload("kaifa", f); status != http.StatusForbidden {
		t.Errorf("a developer's upload: status %d, want 403", status)
	}
	if resp, _ := clients["kaifa"].Get(env.HTTP.URL + "/deed-tax/unpaid.xlsx"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a developer's download: status %d, want 403", resp.StatusCode)
	}

	// Put right: each row its own voucher.
	f, _ = excelize.OpenReader(bytes.NewReader(raw))
	for i := 2; i <= len(rows); i++ {
		f.SetCellValue(tax.SheetPayments, fmt.Sprintf("F%d", i), fmt.Sprintf("电子完税%03d", i))
	}
	if status, _ := upload("shuiwu", f); status != http.StatusSeeOther {
		t.Fatalf("the workbook put right: status %d, want 303", status)
	}
	if n := count(t, env, `SELECT COUNT(*) FROM deed_taxes WHERE paid_at IS NULL`); n != 0 {
		t.Errorf("after the workbook %d are unpaid, want none", n)
	}
	_, list := get(t, officer, env.HTTP.URL+"/deed-tax")
	checkPage(t, "the list after", list, in(`.alert.ok`, hasText(fmt.Sprintf("已登记完税 %d 户", unpaid))))
}

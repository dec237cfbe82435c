package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"handover/internal/audit"
	"handover/internal/demo"
	"handover/internal/ledger"
	"handover/internal/web/htmlcheck"
	"handover/internal/web/webtest"
)

// startLedger runs the platform with the demo foundation and its projects.
func startLedger(t *testing.T) (*webtest.Env, *demo.LedgerResult) { return startLedgerB(t) }

func startLedgerB(t testing.TB) (*webtest.Env, *demo.LedgerResult) {
	t.Helper()
	env := webtest.Start(t)
	lr, err := demo.LoadLedger(context.Background(), env.DB, env.Demo, func(time.Time) {})
	if err != nil {
		t.Fatal(err)
	}
	return env, lr
}

// The 楼盘表 page of the 40-storey demo building shows the counts the
// database holds, one cell per unit, and a unit's details on click.
func TestBrowserBuildingTable(t *testing.T) {
	env, lr := startLedger(t)
	ctx := context.Background()
	d, err := env.DB.ProjectDetail(ctx, lr.Projects[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var big int64
	for _, b := range d.Buildings {
		if b.Building.FloorsAbove == 40 {
			big = b.Building.ID
		}
	}
	// Lock three units so that the counts are not all one state.
	rows, err := env.Raw.Query(`SELECT id FROM units WHERE building_id = $1 ORDER BY id LIMIT 3`, big)
	if err != nil {
		t.Fatal(err)
	}
	var locked []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		locked = append(locked, id)
	}
	rows.Close()
	housing := env.Demo.Users["zhujian"]
	for _, id := range locked {
		if err := env.DB.LockUnit(ctx, audit.Actor{UserID: housing.ID, Name: housing.Name}, id, true, "测试"); err != nil {
			t.Fatal(err)
		}
	}
	var total, restricted int
	env.Raw.QueryRow(`SELECT COUNT(*) FROM units WHERE building_id = $1`, big).Scan(&total)
	env.Raw.QueryRow(`SELECT COUNT(DISTINCT l.unit_id) FROM unit_locks l JOIN units u ON u.id = l.unit_id WHERE u.building_id = $1 AND l.locked`, big).Scan(&restricted)

	bctx := webtest.Browser(t)
	if err := webtest.Login(bctx, env.HTTP.URL, "zhujian", demo.Password); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(fmt.Sprintf("%s/buildings/%d", env.HTTP.URL, big)), chromedp.WaitVisible(chromedp.CSS("table.grid"))); err != nil {
		t.Fatal(err)
	}
	webtest.Screenshot(t, bctx, "building-40")
	shown := func(css string) int {
		n, err := strconv.Atoi(strings.TrimSpace(webtest.Text(t, bctx, css)))
		if err != nil {
			t.Fatalf("%s: %v", css, err)
		}
		return n
	}
	if got := shown("#total"); got != total || total != 320 {
		t.Errorf("total shown %d, database %d, want 320", got, total)
	}
	if got := shown(`[data-state="restricted"]`); got != restricted || restricted != 3 {
		t.Errorf("restricted shown %d, database %d", got, restricted)
	}
	if got := shown(`[data-state="available"]`); got != total-restricted {
		t.Errorf("available shown %d, want %d", got, total-restricted)
	}
	cells, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("table.grid a.cell").length`))
	if err != nil || cells != total {
		t.Errorf("cells on the page = %d, %v; want %d", cells, err, total)
	}
	floors, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("table.grid tr").length`))
	if err != nil || floors != 40 {
		t.Errorf("floor rows = %d, %v; want 40", floors, err)
	}
	// A click shows the unit's details in the side panel.
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS("a.cell.s-restricted")), chromedp.WaitVisible(chromedp.CSS("#unit-panel h2"))); err != nil {
		t.Fatal(err)
	}
	if panel := webtest.Text(t, bctx, "#unit-panel"); !strings.Contains(panel, "限制") || !strings.Contains(panel, "652301004007GB00121F0007") {
		t.Errorf("unit panel = %q", panel)
	}
	webtest.Screenshot(t, bctx, "building-40-panel")
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func multipartBody(t *testing.T, field, name string, data []byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, err := w.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	return &b, w.FormDataContentType()
}

// Through the page: a bad workbook is refused with every error shown and
// an annotated workbook to download; the template imports.
func TestImportPage(t *testing.T) {
	env, lr := startLedger(t)
	c := env.Client(t, "kaifa")
	pid := lr.Projects[0].ID
	url := fmt.Sprintf("%s/projects/%d", env.HTTP.URL, pid)
	upload := func(data []byte) string {
		body, ct := multipartBody(t, "workbook", "楼盘表.xlsx", data)
		resp, err := c.Post(url+"/import", ct, body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload status %d", resp.StatusCode)
		}
		_, page := get(t, c, url)
		return page
	}
	applyForm := fmt.Sprintf(`form[action="/projects/%d/presale/apply"]`, pid)
	// Every building of the demo project is permitted: nothing to apply for.
	_, page := get(t, c, url)
	checkPage(t, "a fully permitted project's page", page,
		in("#presale #nothing-to-sell", hasText("本项目各幢均已在预售许可范围内")), none(applyForm))
	// The refusal: the flash says so, the last import lists the reason.
	reason := func(s string) htmlcheck.Checker {
		return in("#last-import.err #import-errors", inAny("tbody tr td:nth-child(5)", hasText(s)))
	}
	page = upload([]byte("not a workbook"))
	checkPage(t, "bad file", page, in("#flash", hasText("楼盘表未导入")), reason("不是有效的 .xlsx"))
	// The template's example names 3号楼's 15th floor “15”; the demo's 3号楼
	// skips 4, 13 and 14 and calls it “18”: refused, with the reason.
	tmpl, err := ledger.Template("652301004007GB00121")
	if err != nil {
		t.Fatal(err)
	}
	page = upload(tmpl)
	checkPage(t, "conflicting floor name", page, in("#flash", hasText("楼盘表未导入")), reason("名义层已为“18”"),
		in("#last-import a.btn", hasExactText("下载标注错误的工作簿")))
	// A new building imports; importing it again changes nothing.
	b := ledger.Building{ID: 1, Parcel: "652301004007GB00121", Number: 9, Name: "9号楼", Structure: "框架", FloorsAbove: 2, PlannedUse: "住宅"}
	fl := map[int64][]ledger.Floor{1: {{Actual: 1, Named: "1"}, {Actual: 2, Named: "2"}}}
	us := map[int64][]ledger.Unit{1: {}}
	for i := 1; i <= 4; i++ {
		us[1] = append(us[1], ledger.Unit{Number: i, Floor: (i + 1) / 2, Room: fmt.Sprintf("9-%d", i), Purpose: "商业",
			Forecast: ledger.Areas{Total: dec("50.00"), Inner: dec("40.00"), Shared: dec("10.00"), Ratio: dec("0.25")}})
	}
	raw, err := ledger.NewWorkbook([]ledger.Building{b}, fl, us)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		page = upload(raw)
		checkPage(t, fmt.Sprintf("import %d", i+1), page, in("#flash", hasText("楼盘表已导入")), in("#last-import.ok"), none("#import-errors"))
	}
	// The new building is not permitted: the check and the application show.
	checkPage(t, "after importing 9号楼", page, in("#presale "+applyForm), none("#nothing-to-sell"), lacksText("本项目各幢均已在预售许可范围内"))
	var n int
	env.Raw.QueryRow(`SELECT COUNT(*) FROM buildings WHERE project_id = $1`, pid).Scan(&n)
	if n != 9 {
		t.Errorf("buildings after importing 9号楼 twice = %d, want 9", n)
	}
	// Another developer may not import into this project.
	body, ct := multipartBody(t, "workbook", "x.xlsx", tmpl)
	resp, err := env.Client(t, "kaifa2").Post(url+"/import", ct, body)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("other developer import: %d, want 403", resp.StatusCode)
	}
}

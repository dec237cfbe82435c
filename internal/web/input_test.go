package web_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"handover/internal/ledger"
	"handover/internal/problem"
	"handover/internal/web/webtest"
)

// stylelessWorkbook is a 楼盘表 for the demo's first project with one bad
// building row and two bad unit rows, written without a styles part
// (xl/styles.xml): a valid .xlsx that excelize cannot add styles to.
func stylelessWorkbook(t *testing.T) []byte {
	t.Helper()
	const parcel = "652301004007GB00121"
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", ledger.SheetBuildings)
	if _, err := f.NewSheet(ledger.SheetUnits); err != nil {
		t.Fatal(err)
	}
	sheets := map[string][][]any{
		ledger.SheetBuildings: {
			{parcel, 9, "9号楼", "框架", "x", 0, "住宅"}, // 地上层数
			{parcel, 10, "10号楼", "框架", 2, 0, "住宅"},
		},
		ledger.SheetUnits: {
			{parcel, 10, "", 1, "1", "y", "10-101", "住宅", "50.00", "40.00", "10.00", "0.25"}, // 户号
			{parcel, 10, "", 2, "2", 2, "10-201", "仓库", "50.00", "40.00", "10.00", "0.25"},   // 用途
			{parcel, 10, "", 1, "1", 3, "10-102", "住宅", "50.00", "40.00", "10.00", "0.25"},
		},
	}
	for sheet, cols := range map[string][]string{ledger.SheetBuildings: ledger.BuildingColumns, ledger.SheetUnits: ledger.UnitColumns} {
		head := make([]any, len(cols))
		for i, c := range cols {
			head[i] = c
		}
		for i, row := range append([][]any{head}, sheets[sheet]...) {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(sheet, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	var styled bytes.Buffer
	if err := f.Write(&styled); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(styled.Bytes()), int64(styled.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, part := range zr.File {
		if part.Name == "xl/styles.xml" {
			continue
		}
		rc, err := part.Open()
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(part.Name)
		io.Copy(w, rc)
		rc.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// count returns a count from the test's own connection.
func count(t *testing.T, env *webtest.Env, query string, args ...any) int {
	t.Helper()
	var n int
	if err := env.Raw.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A workbook without a styles part is refused like any other bad workbook,
// on the page and over the API: every bad row listed, the annotated copy
// offered (without colours), nothing written — not a crash while
// annotating.
func TestImportWorkbookWithoutStyles(t *testing.T) {
	env, lr := startLedger(t)
	pid := lr.Projects[0].ID
	raw := stylelessWorkbook(t)
	want := []string{"幢/2/地上层数", "户/2/户号", "户/3/用途"}
	ledgerRows := func() [3]int {
		return [3]int{count(t, env, `SELECT COUNT(*) FROM buildings WHERE project_id = $1`, pid),
			count(t, env, `SELECT COUNT(*) FROM units u JOIN buildings b ON b.id = u.building_id WHERE b.project_id = $1`, pid),
			count(t, env, `SELECT COUNT(*) FROM ledger_imports WHERE project_id = $1 AND ok`, pid)}
	}
	before := ledgerRows()
	c := env.Client(t, "kaifa")
	projectURL := fmt.Sprintf("%s/projects/%d", env.HTTP.URL, pid)

	t.Run("page", func(t *testing.T) {
		body, ct := multipartBody(t, "workbook", "无样式.xlsx", raw)
		resp, err := c.Post(projectURL+"/import", ct, body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		// A refused import is recorded and shown on the project page.
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: got status %d, want 303 to the refusal on the project page", resp.StatusCode)
		}
		_, page := get(t, c, projectURL)
		checkPage(t, "the project page", page, in("#flash", hasText("楼盘表未导入")),
			in("#last-import.err a.btn", hasExactText("下载标注错误的工作簿")))
		// Each error in its row: 工作表, 行, 列 and the reason.
		for _, tt := range []struct{ sheet, row, column, reason string }{
			{"幢", "2", "地上层数", "地上层数应为1–200的整数"},
			{"户", "2", "户号", "户号应为1–9999的整数"},
			{"户", "3", "用途", "用途应为"},
		} {
			checkPage(t, "the project page's import errors", page, inAny("#last-import #import-errors tbody tr",
				in("td:nth-child(1)", hasExactText(tt.sheet)), in("td:nth-child(2)", hasExactText(tt.row)),
				in("td:nth-child(3)", hasExactText(tt.column)), in("td:nth-child(5)", hasText(tt.reason))))
		}
		var id int64
		if err := env.Raw.QueryRow(`SELECT MAX(id) FROM ledger_imports WHERE project_id = $1`, pid).Scan(&id); err != nil {
			t.Fatal(err)
		}
		resp, err = c.Get(fmt.Sprintf("%s/imports/%d/annotated.xlsx", env.HTTP.URL, id))
		if err != nil {
			t.Fatal(err)
		}
		annotated, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("annotated workbook: got status %d, want 200", resp.StatusCode)
		}
		f, err := excelize.OpenReader(bytes.NewReader(annotated))
		if err != nil {
			t.Fatalf("the annotated workbook does not open: %v", err)
		}
		defer f.Close()
		rows, _ := f.GetRows(ledger.SheetUnits)
		if len(rows) < 3 || rows[0][len(rows[0])-1] != "错误说明" || !strings.Contains(rows[1][len(rows[1])-1], "户号") {
			t.Errorf("annotated 户 sheet = %q, want an 错误说明 column naming 户号 on row 2", rows)
		}
	})

	t.Run("api", func(t *testing.T) {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/projects/%d/ledger", env.HTTP.URL, pid), bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var res struct {
			OK        bool              `json:"ok"`
			Code      string            `json:"code"`
			Errors    []ledger.RowError `json:"errors"`
			Annotated string            `json:"annotated_workbook"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
			t.Fatalf("status %d: %v", resp.StatusCode, err)
		}
		var got []string
		for _, e := range res.Errors {
			got = append(got, fmt.Sprintf("%s/%d/%s", e.Sheet, e.Row, e.Column))
		}
		if resp.StatusCode != 422 || res.OK || res.Code != "ledger.import_refused" || res.Annotated == "" {
			t.Errorf("got %d ok=%v code %q annotated %q, want 422 ok=false code ledger.import_refused with an annotated workbook",
				resp.StatusCode, res.OK, res.Code, res.Annotated)
		}
		if !slices.Equal(got, want) {
			t.Errorf("errors at %q, want %q", got, want)
		}
	})

	if after := ledgerRows(); after != before {
		t.Errorf("buildings, units, accepted imports: got %v after the refused imports, want %v", after, before)
	}
}

// invalidText reads the error code and field of a 400 answer: the JSON
// error of the API or the code shown on the error page.
func invalidText(t *testing.T, resp *http.Response) (code, field string) {
	t.Helper()
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		var e struct {
			Error struct {
				Code   string            `json:"code"`
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		json.Unmarshal(b, &e)
		for f := range e.Error.Fields {
			field = f
		}
		return e.Error.Code, field
	}
	code = pageText(t, string(b), ".alert.err #error-code")
	// The error page's message names the field by its label (“名称或姓名”一栏)
	// where it has one.
	msg := pageText(t, string(b), ".alert.err > p:first-child")
	if m := regexp.MustCompile(`^字段“([^”]*)”|^“([^”]*)”一栏`).FindStringSubmatch(msg); m != nil {
		field = m[1] + m[2]
	}
	return code, field
}

// A NUL byte or bytes that are not UTF-8 in any text the platform accepts
// (a page form, a multipart form's values and file names, a JSON string or
// key, a query, a plain-text body, the workbook's file name) are refused
// with 400 request.invalid_text naming the field, before any handler runs:
// PostgreSQL cannot store them and answered 500. The same requests with
// clean text succeed, so each would otherwise have written.
func TestInvalidTextRefused(t *testing.T) {
	env, lr := startLedger(t)
	pid := lr.Projects[0].ID
	base := env.HTTP.URL
	dev, admin := env.Client(t, "kaifa"), env.Client(t, "admin")
	workbook := func(name string) []byte {
		b := ledger.Building{ID: 1, Parcel: "652301004007GB00121", Number: 9, Name: name, Structure: "框架", FloorsAbove: 1, PlannedUse: "住宅"}
		raw, err := ledger.NewWorkbook([]ledger.Building{b}, map[int64][]ledger.Floor{1: {{Actual: 1, Named: "1"}}},
			map[int64][]ledger.Unit{1: {{Number: 1, Floor: 1, Room: "9-1", Purpose: "住宅",
				Forecast: ledger.Areas{Total: dec("50.00"), Inner: dec("40.00"), Shared: dec("10.00"), Ratio: dec("0.25")}}}})
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	upload := func(fileName string, fields map[string]string) func() (*http.Request, error) {
		return func() (*http.Request, error) {
			var b bytes.Buffer
			w := multipart.NewWriter(&b)
			for k, v := range fields {
				w.WriteField(k, v)
			}
			fw, _ := w.CreateFormFile("workbook", fileName)
			fw.Write(workbook("9号楼"))
			w.Close()
			req, err := http.NewRequest("POST", fmt.Sprintf("%s/projects/%d/import", base, pid), &b)
			if req != nil {
				req.Header.Set("Content-Type", w.FormDataContentType())
			}
			return req, err
		}
	}
	form := func(path string, v url.Values) func() (*http.Request, error) {
		return func() (*http.Request, error) {
			req, err := http.NewRequest("POST", base+path, strings.NewReader(v.Encode()))
			if req != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			return req, err
		}
	}
	send := func(method, path, contentType string, body []byte, header ...string) func() (*http.Request, error) {
		return func() (*http.Request, error) {
			req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
			if req != nil && contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			for i := 0; req != nil && i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			return req, err
		}
	}
	projectForm := func(name string) url.Values {
		return url.Values{"name": {name}, "jurisdiction": {"652301"}, "address": {"昌吉市某路1号"}, "planned_delivery": {"2027-06-30"},
			"total_investment": {"100000000"}, "invested": {"30000000"}}
	}
	projectJSON := func(name string) []byte {
		return []byte(`{"name":"` + name + `","jurisdiction":"652301","address":"昌吉市某路2号"}`)
	}
	notice := func(title string) []byte {
		return []byte("范围 650000 新疆维吾尔自治区\n年度 2027\n标题 " + title + "\n来源 自治区人民政府办公厅通知\n休 2027-03-10 至 2027-03-12 肉孜节\n")
	}
	projects := `SELECT COUNT(*) FROM projects`
	imports := fmt.Sprintf(`SELECT COUNT(*) FROM ledger_imports WHERE project_id = %d`, pid)
	const xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	tests := []struct {
		name   string
		client *http.Client
		bad    func() (*http.Request, error)
		field  string
		good   func() (*http.Request, error) // the same request with clean text
		want   int                           // its status
		table  string                        // the count the bad request must leave alone
	}{
		{"page form", dev, form("/projects", projectForm("新项目\x00")), "名称或姓名", form("/projects", projectForm("新项目甲")), 303, projects},
		{"page form, not UTF-8", dev, form("/projects", projectForm("新项目\xff")), "名称或姓名", nil, 0, projects},
		{"multipart file name, not UTF-8", dev, upload("楼盘\xff表.xlsx", nil), "workbook", upload("楼盘表.xlsx", nil), 303, imports},
		{"multipart text field", dev, upload("楼盘表.xlsx", map[string]string{"note": "备注\x00"}), "备注", nil, 0, imports},
		{"JSON string", dev, send("POST", "/api/v1/projects", "application/json", projectJSON(`新项目\u0000乙`)), "name",
			send("POST", "/api/v1/projects", "application/json", projectJSON("新项目乙")), 201, projects},
		{"JSON without a content type", dev, send("POST", "/api/v1/projects", "", projectJSON(`新项目\u0000丙`)), "name", nil, 0, projects},
		{"JSON not UTF-8", dev, send("POST", "/api/v1/projects", "application/json", projectJSON("新项目\xff")), "请求体", nil, 0, projects},
		{"JSON nested string", dev, send("POST", "/api/v1/projects", "application/json", []byte(`{"name":"x","extra":[{"deep":"a\u0000"}]}`)), "extra[0].deep", nil, 0, projects},
		{"JSON key", dev, send("POST", "/api/v1/projects", "application/json", []byte(`{"na\u0000me":"x"}`)), "na␀me", nil, 0, projects},
		{"query", dev, send("GET", "/api/v1/projects?jurisdiction=%00", "", nil), "jurisdiction", nil, 0, projects},
		{"page path", dev, send("GET", "/verify/%00", "", nil), "路径", nil, 0, projects},
		{"plain-text body", admin, send("POST", "/api/v1/calendar/notices", "text/plain; charset=utf-8", notice("肉孜节\x00放假安排")), "请求体",
			send("POST", "/api/v1/calendar/notices", "text/plain; charset=utf-8", notice("肉孜节放假安排")), 201, `SELECT COUNT(*) FROM calendar_notices`},
		{"workbook file name header", dev, send("POST", fmt.Sprintf("/api/v1/projects/%d/ledger", pid), xlsx, workbook("9号楼"), "X-File-Name", "楼盘\xff.xlsx"), "X-File-Name",
			send("POST", fmt.Sprintf("/api/v1/projects/%d/ledger", pid), xlsx, workbook("9号楼"), "X-File-Name", "楼盘.xlsx"), 200, imports},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := count(t, env, tt.table)
			req, err := tt.bad()
			if err != nil {
				t.Fatal(err)
			}
			resp, err := tt.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			code, field := invalidText(t, resp)
			if resp.StatusCode != 400 || code != problem.CodeInvalidText || field != tt.field {
				t.Errorf("got %d %q naming %q, want 400 %s naming %q", resp.StatusCode, code, field, problem.CodeInvalidText, tt.field)
			}
			if after := count(t, env, tt.table); after != before {
				t.Errorf("%s: got %d after the refusal, want %d", tt.table, after, before)
			}
			if tt.good == nil {
				return
			}
			if req, err = tt.good(); err != nil {
				t.Fatal(err)
			}
			resp, err = tt.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("the same request with clean text: got %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

// Every route that takes input, of the pages (routes.go) and of the API
// (its route table), answers a NUL byte in a field with 400
// request.invalid_text — none with 500 — and nothing is written: the audit
// trail, which every change extends, does not grow.
func TestEveryRouteRefusesNUL(t *testing.T) {
	env, _ := startLedger(t)
	c := env.Client(t, "admin")
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`\{[^}]*\}`)
	type route struct{ method, pattern, body string }
	var routes []route
	for _, m := range regexp.MustCompile(`mux\.Handle\("(POST) ([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		routes = append(routes, route{m[1], m[2], "form"})
	}
	pages := len(routes)
	for _, rt := range env.Server.API().Routes() {
		if rt.Method != "GET" {
			routes = append(routes, route{rt.Method, rt.Pattern, rt.Body})
		}
	}
	if pages < 30 || len(routes)-pages < 50 {
		t.Fatalf("found %d page and %d API routes that take input; the route tables moved?", pages, len(routes)-pages)
	}
	trail := count(t, env, `SELECT COUNT(*) FROM audit_events`)
	for _, rt := range routes {
		path := param.ReplaceAllString(rt.pattern, "1")
		var body io.Reader
		contentType := ""
		switch rt.body {
		case "form":
			body, contentType = strings.NewReader("step=x&note=a%00b"), "application/x-www-form-urlencoded"
		case "text":
			body, contentType = strings.NewReader("a\x00b"), "text/plain"
		case "", "xlsx":
			path += "?note=a%00b" // nothing else in the request is text
		default:
			body, contentType = strings.NewReader(`{"note":"a\u0000b"}`), "application/json"
		}
		req, _ := http.NewRequest(rt.method, env.HTTP.URL+path, body)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		want := "note"
		switch rt.body {
		case "text":
			want = "请求体"
		case "form":
			want = "备注" // a page names the field by its label
		}
		if code, field := invalidText(t, resp); resp.StatusCode != 400 || code != problem.CodeInvalidText || field != want {
			t.Errorf("%s %s: got %d %q naming %q, want 400 %s naming %q", rt.method, rt.pattern, resp.StatusCode, code, field, problem.CodeInvalidText, want)
		}
	}
	if got := count(t, env, `SELECT COUNT(*) FROM audit_events`); got != trail {
		t.Errorf("audit events: got %d after the refused requests, want %d", got, trail)
	}
}

package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"handover/internal/api"
	"handover/internal/web/webtest"
)

// startDemo runs the platform over the whole demo prefecture.
func startDemo(t testing.TB) *webtest.Env { return webtest.StartDemo(t) }

// pathValues are the queries that find a real record for each path
// parameter of a GET route, by the route's pattern.
func pathValues(pattern string) map[string]string {
	first := map[string]string{
		"/api/v1/organisations/{id}":                `SELECT MIN(id) FROM organisations`,
		"/api/v1/users/{id}":                        `SELECT MIN(id) FROM users`,
		"/api/v1/projects/{id}":                     `SELECT MIN(id) FROM projects`,
		"/api/v1/projects/{id}/presale-check":       `SELECT MIN(id) FROM projects`,
		"/api/v1/projects/{id}/surveys":             `SELECT MIN(project_id) FROM surveys`,
		"/api/v1/projects/{id}/reconciliation":      `SELECT MIN(project_id) FROM surveys`,
		"/api/v1/projects/{id}/acceptance":          `SELECT MIN(project_id) FROM acceptance_cases`,
		"/api/v1/projects/{id}/accounting":          `SELECT MIN(project_id) FROM accounting_items`,
		"/api/v1/projects/{id}/commitments":         `SELECT MIN(project_id) FROM commitments`,
		"/api/v1/projects/{id}/readiness":           `SELECT MIN(project_id) FROM completion_filings`,
		"/api/v1/projects/{id}/fund":                `SELECT MIN(project_id) FROM fund_accounts`,
		"/api/v1/projects/{id}/deed-tax":            `SELECT MIN(c.project_id) FROM deed_taxes d JOIN contracts c ON c.id = d.contract_id`,
		"/api/v1/projects/{id}/handover-events":     `SELECT MIN(project_id) FROM handover_events`,
		"/api/v1/buildings/{id}/table":              `SELECT MIN(id) FROM buildings`,
		"/api/v1/public/buildings/{id}/table":       `SELECT MIN(building_id) FROM presale_permit_buildings`,
		"/api/v1/units/{id}":                        `SELECT MIN(id) FROM units`,
		"/api/v1/units/{id}/register":               `SELECT MIN(unit_id) FROM register_entries`,
		"/api/v1/units/{id}/certificates":           `SELECT MIN(unit_id) FROM certificates`,
		"/api/v1/surveys/{id}":                      `SELECT MIN(id) FROM surveys`,
		"/api/v1/contracts/{id}":                    `SELECT MIN(id) FROM contracts`,
		"/api/v1/contracts/{id}/reconciliation":     `SELECT MIN(c.id) FROM contracts c JOIN survey_units s ON s.unit_id = c.unit_id WHERE c.state = 'filed'`,
		"/api/v1/acceptance/{id}":                   `SELECT MIN(id) FROM acceptance_cases`,
		"/api/v1/applications/{id}":                 `SELECT MIN(id) FROM applications`,
		"/api/v1/certificates/{id}":                 `SELECT MIN(id) FROM certificates`,
		"/api/v1/certificates/{id}/file":            `SELECT MIN(id) FROM certificates`,
		"/api/v1/verify/{licence}":                  `SELECT MIN(licence_id) FROM certificates`,
		"/api/v1/handover-events/{id}":              `SELECT MIN(id) FROM handover_events`,
		"/api/v1/handover-events/{id}/rehearsal":    `SELECT MIN(id) FROM handover_events`,
		"/api/v1/inquiries/{id}":                    `SELECT MIN(id) FROM inquiries`,
		"/api/v1/inquiries/{id}/file":               `SELECT MIN(id) FROM inquiries`,
		"/api/v1/inquiry-proofs/{number}":           `SELECT MIN(number) FROM inquiries`,
		"/api/v1/alerts/{id}":                       `SELECT MIN(id) FROM alerts`,
		"/api/v1/developers/{id}/credit":            `SELECT MIN(developer_org) FROM credit_events`,
		"/api/v1/paper-stock/{jurisdiction}":        `SELECT '652301'`,
		"/api/v1/paper-stock/{jurisdiction}/blanks": `SELECT '652301'`,
	}
	q, ok := first[pattern]
	if !ok {
		return nil
	}
	return map[string]string{"": q}
}

// queries fill the required query parameters of GET routes.
func query(pattern string) string {
	switch pattern {
	case "/api/v1/codes/validate":
		return "?type=idcard&value=652301199003071231"
	case "/api/v1/calendar/deadline":
		return "?start=2026-09-28&workdays=10&region=650000"
	case "/api/v1/guide":
		return "?jurisdiction=652301"
	case "/api/v1/dashboard":
		return "?from=2025-01-01"
	case "/api/v1/log/proofs/inclusion":
		return "?index=0&size=2"
	case "/api/v1/log/proofs/consistency":
		return "?from=1&size=2"
	case "/api/v1/log/leaves":
		return "?kind=register_entry&record=1"
	}
	return ""
}

// TestOpenAPIResponsesMatchTheDocument calls every GET route of the API
// over the whole demo prefecture, as every demo user, and checks each
// successful answer against the schema the document serves for it: a
// handler whose answer drifts from its documented type fails here.
func TestOpenAPIResponsesMatchTheDocument(t *testing.T) {
	env := sharedDemo(t)
	doc := fetchDocument(t, env.HTTP.URL)
	users := []string{"admin", "jianguan", "zhujian", "shouli", "dengbu", "yanshou", "cehui", "kaifa", "yinhang", "shuiwu", "gongshui", "zhangwei"}
	clients := map[string]*http.Client{}
	for _, u := range users {
		clients[u] = env.Client(t, u)
	}
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	checked := 0
	for _, rt := range env.Server.API().Routes() {
		if rt.Method != "GET" {
			continue
		}
		path := rt.Pattern
		if param.MatchString(path) {
			qs := pathValues(rt.Pattern)
			if qs == nil {
				t.Errorf("GET %s: no record to call it with; add one to pathValues", rt.Pattern)
				continue
			}
			var v string
			if err := env.Raw.QueryRow(qs[""]).Scan(&v); err != nil {
				t.Fatalf("GET %s: %s: %v", rt.Pattern, qs[""], err)
			}
			path = param.ReplaceAllString(path, v)
		}
		path += query(rt.Pattern)
		schema := doc.responseSchema(rt.Method, rt.Pattern, 200)
		ok := false
		for _, u := range users {
			resp, err := clients[u].Get(env.HTTP.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				if resp.StatusCode >= 500 {
					t.Errorf("GET %s as %s: %d %s", path, u, resp.StatusCode, b)
				}
				continue
			}
			ok = true
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				break // a file download
			}
			if schema == nil {
				t.Errorf("GET %s: answered JSON, documents no schema", rt.Pattern)
				break
			}
			if errs := validate(schema, doc.Components.Schemas, decodeJSON(t, b), "$"); len(errs) > 0 {
				t.Errorf("GET %s as %s drifts from its documented schema:\n  %s", path, u, strings.Join(errs, "\n  "))
			}
		}
		if !ok {
			t.Errorf("GET %s: no demo user got a 200", path)
			continue
		}
		checked++
	}
	t.Logf("%d GET routes answered and checked against the document", checked)
}

// writeCall is one write of TestOpenAPIWriteAnswersMatchTheDocument: a
// valid request from the demo data, made as user, whose 2xx answer must
// fit the document. path and body may use the values earlier calls saved.
type writeCall struct {
	user, method, path, body string
	status                   int
	save                     string // saves the answer's id under this name
}

// TestOpenAPIWriteAnswersMatchTheDocument makes valid writes of each route
// group over the demo prefecture and checks their answers against the
// document: a new contract sent and withdrawn, a withdrawal requested and
// refused, a partner endpoint with its secret rotated and the changeover
// ended; the accounting prepared, an item recorded
// and a commitment fulfilled; a seal application accepted and withdrawn,
// deed tax assessed, a parcel restriction registered and lifted; an
// organisation, a project and an alert acknowledged. The records written
// are new ones, or ones no other test reads.
func TestOpenAPIWriteAnswersMatchTheDocument(t *testing.T) {
	env := sharedDemo(t)
	doc := fetchDocument(t, env.HTTP.URL)
	routes := env.Server.API().Routes()
	id := func(q string) string {
		t.Helper()
		var v string
		if err := env.Raw.QueryRow(q).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v
	}
	// The newest unsold flat with a valid presale permit.
	unsold := id(`SELECT MAX(u.id) FROM units u JOIN presale_permit_buildings pb ON pb.building_id = u.building_id
		JOIN buildings b ON b.id = u.building_id JOIN projects p ON p.id = b.project_id
		WHERE u.purpose = '住宅' AND u.id NOT IN (SELECT unit_id FROM contracts) AND p.developer_org = (SELECT org_id FROM users WHERE username = 'kaifa')`)
	fundProject := id(`SELECT MAX(f.project_id) FROM fund_accounts f JOIN projects p ON p.id = f.project_id
		WHERE p.developer_org = (SELECT org_id FROM users WHERE username = 'kaifa')`)
	item := id(`SELECT MAX(id) FROM accounting_items WHERE cleared_at IS NULL`)
	accountingProject := id(`SELECT project_id FROM accounting_items WHERE id = ` + item)
	commitment := id(`SELECT MAX(id) FROM commitments WHERE fulfilled_at IS NULL`)
	registered := id(`SELECT MAX(unit_id) FROM register_entries WHERE kind = 'ownership' AND reg_type <> 0`)
	taxProject := id(`SELECT MAX(c.project_id) FROM contracts c WHERE c.state = 'filed'`)
	parcel := id(`SELECT MAX(code) FROM parcels`)
	alert := id(`SELECT MAX(id) FROM alerts WHERE state = 'open'`)
	taxOrg := id(`SELECT MIN(id) FROM organisations WHERE kind = 'tax'`)
	calls := []writeCall{
		// contracts, funds and partners
		{user: "kaifa", method: "POST", path: "/api/v1/contracts", status: 201, save: "contract",
			body: `{"unit_id":` + unsold + `,"ownership":"sole","price_basis":"gross","unit_price":"6800","payment":"lump",
				"buyers":[{"name":"赵敏","id_number":"652301199105123426","phone":"13899001122"}],"home_count":"first","marital":"未婚",
				"delivery_date":"2027-06-30","registration_days":90,"late_delivery_rate":"1","late_certificate_rate":"1"}`},
		{user: "kaifa", method: "POST", path: "/api/v1/contracts/{contract}/send", status: 200},
		{user: "kaifa", method: "POST", path: "/api/v1/contracts/{contract}/withdraw", body: `{"reason":"买受人放弃购买"}`, status: 200},
		{user: "kaifa", method: "POST", path: "/api/v1/projects/" + fundProject + "/fund/withdrawals", status: 201, save: "withdrawal",
			body: `{"node":"free","amount":"1.00","evidence":"超出监管额度部分"}`},
		{user: "zhujian", method: "POST", path: "/api/v1/fund/withdrawals/{withdrawal}/decision", body: `{"approve":false,"decision":"证明材料不足"}`, status: 200},
		{user: "admin", method: "POST", path: "/api/v1/partners/endpoints", status: 201, save: "endpoint",
			body: `{"org_id":` + taxOrg + `,"name":"税务征管系统（测试）","url":"http://127.0.0.1:9/hook","secret":"0123456789abcdef0123","events":["contract.filed"]}`},
		{user: "admin", method: "POST", path: "/api/v1/partners/endpoints/{endpoint}/rotate", body: `{"days":7}`, status: 200},
		{user: "admin", method: "POST", path: "/api/v1/partners/endpoints/{endpoint}/rotate/end", status: 200},
		// completion
		{user: "zhujian", method: "POST", path: "/api/v1/projects/" + accountingProject + "/accounting", status: 200},
		{user: "zhujian", method: "PUT", path: "/api/v1/accounting-items/" + item, body: `{"note":"补充协议 BC-2026-01"}`, status: 200},
		{user: "kaifa", method: "POST", path: "/api/v1/commitments/" + commitment + "/fulfilment", body: `{"evidence":"城建档案馆接收证明 DA-2026-01"}`, status: 200},
		// registration
		{user: "shouli", method: "POST", path: "/api/v1/applications", status: 201, save: "application",
			body: `{"applicants":["伊犁州中级人民法院"],"services":[{"kind":"seal","unit_id":` + registered + `,
				"details":{"authority":"伊犁州中级人民法院","doc_no":"（2026）新40执保1号","seal_kind":"查封","term_start":"2026-03-10","term_end":"2029-03-09"}}]}`},
		{user: "shouli", method: "POST", path: "/api/v1/applications/{application}/steps", body: `{"step":"withdraw","reason":"法院撤回协助执行通知"}`, status: 200},
		{user: "shuiwu", method: "POST", path: "/api/v1/projects/" + taxProject + "/deed-tax", status: 200},
		{user: "dengbu", method: "POST", path: "/api/v1/parcel-restrictions", status: 201, save: "restriction",
			body: `{"parcel":"` + parcel + `","kind":"seal","authority":"伊犁州中级人民法院","doc_no":"（2026）新40执保2号"}`},
		{user: "dengbu", method: "POST", path: "/api/v1/parcel-restrictions/{restriction}/lifting", body: `{"note":"解除查封"}`, status: 204},
		// foundation, ledger, alerts
		{user: "admin", method: "POST", path: "/api/v1/organisations", status: 201,
			body: `{"name":"伊宁市自来水公司（测试）","kind":"utility","service":"water","jurisdiction":"652301","uscc":"91654002MA7TEKT01W"}`},
		{user: "kaifa", method: "POST", path: "/api/v1/projects", status: 201,
			body: `{"name":"测试家园","jurisdiction":"652301","address":"伊宁市测试路1号","planned_delivery":"2028-06-30","total_investment":"1000000","invested":"0"}`},
		{user: "jianguan", method: "POST", path: "/api/v1/alerts/" + alert + "/acknowledge", status: 200},
	}
	saved, checked := map[string]string{}, 0
	placeholder := regexp.MustCompile(`\{[a-z]+\}`)
	clients := map[string]*http.Client{}
	for _, c := range calls {
		path := placeholder.ReplaceAllStringFunc(c.path, func(p string) string { return saved[strings.Trim(p, "{}")] })
		cl, ok := clients[c.user]
		if !ok {
			cl = env.Client(t, c.user)
			clients[c.user] = cl
		}
		req, _ := http.NewRequest(c.method, env.HTTP.URL+path, strings.NewReader(c.body))
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s as %s = %d %s, want %d", c.method, path, c.user, resp.StatusCode, b, c.status)
			continue
		}
		var rt *api.Route
		for i := range routes {
			if routes[i].Method == c.method && matches(routes[i].Pattern, path) {
				rt = &routes[i]
			}
		}
		if rt == nil {
			t.Errorf("%s %s: no route", c.method, path)
			continue
		}
		schema := doc.responseSchema(rt.Method, rt.Pattern, c.status)
		if len(bytes.TrimSpace(b)) == 0 {
			if schema != nil {
				t.Errorf("%s %s: answered no body, documents one", c.method, rt.Pattern)
			}
			continue
		}
		if schema == nil {
			t.Errorf("%s %s: answered %s, documents no body", c.method, rt.Pattern, b)
			continue
		}
		v := decodeJSON(t, b)
		if errs := validate(schema, doc.Components.Schemas, v, "$"); len(errs) > 0 {
			t.Errorf("%s %s as %s drifts from its documented schema:\n  %s", c.method, path, c.user, strings.Join(errs, "\n  "))
		}
		checked++
		if c.save != "" {
			saved[c.save] = fmt.Sprint(v.(map[string]any)["id"])
		}
	}
	t.Logf("%d write answers checked against the document", checked)
}

// The public verification by certificate number answers in the documented
// shape too: limited by the number alone or with a name that is not a
// holder's, in full with a holder's full name.
func TestOpenAPIVerifyByNumberMatchesTheDocument(t *testing.T) {
	env := sharedDemo(t)
	doc := fetchDocument(t, env.HTTP.URL)
	schema := doc.responseSchema("GET", "/api/v1/verify/{licence}", 200)
	var number string
	var id int64
	if err := env.Raw.QueryRow(`SELECT id, cert_no FROM certificates WHERE kind = 'title' ORDER BY id LIMIT 1`).Scan(&id, &number); err != nil {
		t.Fatal(err)
	}
	c, err := env.DB.CertificateByID(context.Background(), id) // the payload is sealed at rest
	if err != nil {
		t.Fatal(err)
	}
	payload := string(c.Payload)
	var p struct {
		Holders []struct{ Name string } `json:"holders"`
	}
	if err := json.Unmarshal([]byte(payload), &p); err != nil || len(p.Holders) == 0 {
		t.Fatalf("payload %s: %v", payload, err)
	}
	anon := env.Client(t, "")
	for _, tc := range []struct {
		name    string
		limited bool
	}{{"", true}, {"不是权利人", true}, {p.Holders[0].Name, false}} {
		u := env.HTTP.URL + "/api/v1/verify/" + url.PathEscape(number)
		if tc.name != "" {
			u += "?name=" + url.QueryEscape(tc.name)
		}
		resp, err := anon.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d %s", u, resp.StatusCode, b)
			continue
		}
		v := decodeJSON(t, b)
		if errs := validate(schema, doc.Components.Schemas, v, "$"); len(errs) > 0 {
			t.Errorf("GET %s drifts from its documented schema:\n  %s", u, strings.Join(errs, "\n  "))
		}
		if got := v.(map[string]any)["limited"]; got != tc.limited {
			t.Errorf("GET %s: limited %v, want %v", u, got, tc.limited)
		}
	}
}

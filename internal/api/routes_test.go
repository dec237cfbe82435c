package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// routeCase is one call of a route group's table.
type routeCase struct {
	name, method, path, body string
	user                     string // "" for anonymous
	wantStatus               int
	wantCode                 string // the error's stable code
	wantField                string // a field the error names
	wantReasons              bool   // a refusal lists its reasons
	check                    func(t *testing.T, body map[string]any)
}

// TestAPIRouteGroups runs each route group's table over the whole demo
// prefecture: a success (checked against the documented schema), a
// validation error with its code and field, an unauthenticated or
// forbidden call, a missing record and a refusal with its reasons.
func TestAPIRouteGroups(t *testing.T) {
	env := sharedDemo(t)
	doc := fetchDocument(t, env.HTTP.URL)
	routes := env.Server.API().Routes()
	id := func(q string) string {
		var v string
		if err := env.Raw.QueryRow(q).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v
	}
	project := id(`SELECT MIN(project_id) FROM completion_filings`)
	contract := id(`SELECT MIN(id) FROM contracts WHERE state = 'filed'`)
	unit := id(`SELECT MIN(id) FROM units WHERE id NOT IN (SELECT unit_id FROM contracts)`)
	application := id(`SELECT MIN(id) FROM applications`)
	alert := id(`SELECT MIN(id) FROM alerts`)
	building := id(`SELECT MIN(id) FROM buildings WHERE project_id = ` + project)
	projectName := id(`SELECT name FROM projects WHERE id = ` + project)
	listedName := id(`SELECT o.name FROM credit_listings c JOIN organisations o ON o.id = c.developer_org
		WHERE c.listed AND c.id = (SELECT MAX(x.id) FROM credit_listings x WHERE x.developer_org = c.developer_org) ORDER BY c.id LIMIT 1`)
	has := func(key string) func(*testing.T, map[string]any) {
		return func(t *testing.T, b map[string]any) {
			if _, ok := b[key]; !ok {
				t.Errorf("answer lacks %s: %v", key, b)
			}
		}
	}
	groups := map[string][]routeCase{
		"foundation": {
			{name: "me", method: "GET", path: "/api/v1/me", user: "admin", wantStatus: 200, check: has("organisation")},
			{name: "bad date", method: "GET", path: "/api/v1/calendar/deadline?start=2026-13-01&workdays=5", wantStatus: 400, wantCode: "request.query", wantField: "start"},
			{name: "anonymous", method: "GET", path: "/api/v1/me", wantStatus: 401},
			{name: "other jurisdiction", method: "POST", path: "/api/v1/organisations", body: `{"name":"x","kind":"tax","jurisdiction":"652302"}`, user: "cj-admin", wantStatus: 403, wantCode: "access.denied"},
			{name: "no such user", method: "GET", path: "/api/v1/users/999999", user: "admin", wantStatus: 404, wantCode: "user.not_found"},
			{name: "year not loaded", method: "GET", path: "/api/v1/calendar/deadline?start=2028-01-03&workdays=5", wantStatus: 422, wantCode: "calendar.year_not_loaded"},
			{name: "audit: second page of three", method: "GET", path: "/api/v1/audit/events?per_page=3&page=2", user: "admin", wantStatus: 200, check: func(t *testing.T, b map[string]any) {
				var total, third int
				env.Raw.QueryRow(`SELECT COUNT(*) FROM audit_events`).Scan(&total)
				env.Raw.QueryRow(`SELECT id FROM audit_events ORDER BY id DESC LIMIT 1 OFFSET 3`).Scan(&third)
				total = min(total, 10000)
				es, _ := b["events"].([]any)
				if len(es) != 3 || b["total"] != float64(total) || b["page"] != float64(2) || b["pages"] != float64((total+2)/3) {
					t.Fatalf("got %d events, total %v, page %v of %v; want 3, %d, 2 of %d", len(es), b["total"], b["page"], b["pages"], total, (total+2)/3)
				}
				if id := es[0].(map[string]any)["id"]; id != float64(third) {
					t.Errorf("page 2 starts at event %v, want the 4th newest %d", id, third)
				}
			}},
			{name: "audit: the before cursor of old callers", method: "GET", path: "/api/v1/audit/events?before=50&limit=7", user: "admin", wantStatus: 200, check: func(t *testing.T, b map[string]any) {
				var total int
				env.Raw.QueryRow(`SELECT COUNT(*) FROM audit_events WHERE id < 50`).Scan(&total)
				rows, _ := env.Raw.Query(`SELECT id FROM audit_events WHERE id < 50 ORDER BY id DESC LIMIT 7`)
				var want []float64
				for rows.Next() {
					var id float64
					rows.Scan(&id)
					want = append(want, id)
				}
				rows.Close()
				es, _ := b["events"].([]any)
				if len(es) != 7 || b["total"] != float64(total) || b["pages"] != float64((total+6)/7) {
					t.Fatalf("before 50, limit 7: %d events, total %v, %v pages; want 7, %d, %d", len(es), b["total"], b["pages"], total, (total+6)/7)
				}
				for i, e := range es {
					if id := e.(map[string]any)["id"]; id != want[i] {
						t.Errorf("event %d is #%v, want #%v", i, id, want[i])
					}
				}
			}},
			{name: "audit: a bad date", method: "GET", path: "/api/v1/audit/events?from=2026-02-30", user: "admin", wantStatus: 400, wantCode: "request.query", wantField: "from"},
			{name: "deliveries: paged", method: "GET", path: "/api/v1/partners/deliveries?per_page=1&failed=1", user: "admin", wantStatus: 200, check: func(t *testing.T, b map[string]any) {
				var total int
				env.Raw.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE state = 'dead' OR (state = 'pending' AND last_error <> '')`).Scan(&total)
				if ds, _ := b["deliveries"].([]any); len(ds) != min(total, 1) || b["total"] != float64(total) || b["pages"] != float64(max(total, 1)) {
					t.Errorf("got %d deliveries, total %v, %v pages; want %d, %d, %d", len(ds), b["total"], b["pages"], min(total, 1), total, max(total, 1))
				}
			}},
		},
		"guide": {
			{name: "matters", method: "GET", path: "/api/v1/guide?jurisdiction=652301", wantStatus: 200, check: has("matters")},
			{name: "unknown jurisdiction", method: "GET", path: "/api/v1/guide?jurisdiction=999999", wantStatus: 400, wantCode: "request.query", wantField: "jurisdiction"},
			{name: "no such matter", method: "GET", path: "/api/v1/guide?jurisdiction=652301&matter=nothing", wantStatus: 404, wantCode: "guide.not_found"},
		},
		"ledger": {
			{name: "project", method: "GET", path: "/api/v1/projects/" + project, user: "zhujian", wantStatus: 200, check: has("buildings")},
			{name: "projects, a page of one", method: "GET", path: "/api/v1/projects?per_page=1&page=2", user: "zhujian", wantStatus: 200, check: func(t *testing.T, b map[string]any) {
				var total int
				env.Raw.QueryRow(`SELECT COUNT(*) FROM projects WHERE jurisdiction = '652301'`).Scan(&total)
				if ps, _ := b["projects"].([]any); total < 2 || len(ps) != 1 || b["total"] != float64(total) || b["page"] != float64(2) || b["pages"] != float64(total) {
					t.Errorf("got %d projects, total %v, page %v of %v; want 1, %d, 2 of %d", len(ps), b["total"], b["page"], b["pages"], total, total)
				}
			}},
			{name: "projects searched", method: "GET", path: "/api/v1/projects?q=" + url.QueryEscape(projectName), user: "zhujian", wantStatus: 200, check: func(t *testing.T, b map[string]any) {
				ps, _ := b["projects"].([]any)
				if len(ps) != 1 || b["total"] != float64(1) || ps[0].(map[string]any)["name"] != projectName {
					t.Errorf("search %q: got %v (total %v), want the one project", projectName, ps, b["total"])
				}
			}},
			{name: "projects with a presale application waiting", method: "GET", path: "/api/v1/projects?show=presale", user: "zhujian", wantStatus: 200, check: func(t *testing.T, b map[string]any) {
				var want int
				env.Raw.QueryRow(`SELECT COUNT(DISTINCT a.project_id) FROM presale_applications a JOIN projects p ON p.id = a.project_id
					WHERE a.state = 'submitted' AND p.jurisdiction = '652301'`).Scan(&want)
				if b["total"] != float64(want) {
					t.Errorf("got %v projects with a presale application waiting, want %d", b["total"], want)
				}
			}},
			{name: "projects: an unknown filter", method: "GET", path: "/api/v1/projects?show=all", user: "zhujian", wantStatus: 400, wantCode: "request.query", wantField: "show"},
			{name: "bad permit date", method: "POST", path: "/api/v1/projects/" + project + "/permits", body: `{"kind":"planning","number":"x","issued_on":"soon"}`, user: "kaifa", wantStatus: 400, wantCode: "permit.invalid", wantField: "issued_on"},
			{name: "another developer's project", method: "PATCH", path: "/api/v1/projects/" + project, body: `{"name":"改名"}`, user: "kaifa2", wantStatus: 403, wantCode: "access.denied"},
			{name: "no such unit", method: "GET", path: "/api/v1/units/99999999", user: "zhujian", wantStatus: 404},
			{name: "another project's building", method: "POST", path: "/api/v1/projects/" + project + "/presale-applications", body: `{"buildings":[99999999]}`, user: "kaifa", wantStatus: 400, wantCode: "presale.buildings", wantField: "buildings"},
			{name: "apply for presale", method: "POST", path: "/api/v1/projects/" + project + "/presale-applications", body: `{"buildings":[` + building + `]}`, user: "kaifa", wantStatus: 201, check: has("state")},
		},
		"contracts": {
			{name: "contract", method: "GET", path: "/api/v1/contracts/" + contract, user: "zhujian", wantStatus: 200, check: has("buyers")},
			{name: "unknown field", method: "POST", path: "/api/v1/contracts", body: `{"unit_id":1,"extra":1}`, user: "kaifa", wantStatus: 400, wantCode: "request.body"},
			{name: "another developer's contract", method: "GET", path: "/api/v1/contracts/" + contract, user: "kaifa2", wantStatus: 403, wantCode: "access.denied"},
			{name: "no such contract", method: "GET", path: "/api/v1/contracts/99999999", user: "zhujian", wantStatus: 404},
			{name: "second page of two", method: "GET", path: "/api/v1/contracts?per_page=2&page=2", user: "zhujian", wantStatus: 200, check: func(t *testing.T, b map[string]any) {
				var total int
				env.Raw.QueryRow(`SELECT COUNT(*) FROM contracts WHERE jurisdiction = '652301'`).Scan(&total)
				if cs, _ := b["contracts"].([]any); len(cs) != 2 || b["total"] != float64(total) || b["page"] != float64(2) || b["pages"] != float64((total+1)/2) {
					t.Errorf("got %d contracts, total %v, page %v of %v; want 2, %d, 2 of %d", len(cs), b["total"], b["page"], b["pages"], total, (total+1)/2)
				}
			}},
			{name: "a page too big", method: "GET", path: "/api/v1/contracts?per_page=500", user: "zhujian", wantStatus: 400, wantCode: "request.query", wantField: "page"},
			{name: "refused draft", method: "POST", path: "/api/v1/contracts", user: "kaifa", wantStatus: 422, wantCode: "contract.refused", wantReasons: true,
				body: `{"unit_id":` + unit + `,"ownership":"shares","price_basis":"gross","unit_price":"6800","payment":"lump","buyers":[{"name":"张伟","id_number":"652301199003071231","share":"1/3"}]}`},
		},
		"completion": {
			{name: "readiness", method: "GET", path: "/api/v1/projects/" + project + "/readiness", user: "zhujian", wantStatus: 200, check: has("conditions")},
			{name: "bad survey id", method: "GET", path: "/api/v1/surveys/abc", user: "zhujian", wantStatus: 400, wantCode: "request.path"},
			{name: "buyer reads accounting", method: "GET", path: "/api/v1/projects/" + project + "/accounting", user: "zhangwei", wantStatus: 403, wantCode: "access.denied"},
			{name: "no such survey", method: "GET", path: "/api/v1/surveys/99999999", user: "zhujian", wantStatus: 404},
			{name: "filed twice", method: "POST", path: "/api/v1/projects/" + project + "/completion-filing", user: "zhujian", wantStatus: 409, wantCode: "filing.exists",
				body: `{"number":"BA-TEST-1","filed_on":"2026-09-28","buildings":[` + building + `]}`},
		},
		"registration": {
			{name: "application", method: "GET", path: "/api/v1/applications/" + application, user: "shouli", wantStatus: 200, check: has("services")},
			{name: "bad step", method: "POST", path: "/api/v1/applications/" + application + "/steps", body: `{"step":"fly"}`, user: "dengbu", wantStatus: 409, wantCode: "application.closed"},
			{name: "developer's queue", method: "GET", path: "/api/v1/registration-queue", user: "kaifa", wantStatus: 403, wantCode: "access.denied"},
			{name: "anonymous mortgages", method: "GET", path: "/api/v1/mortgages", wantStatus: 401},
			{name: "no such certificate", method: "GET", path: "/api/v1/certificates/99999999", user: "dengbu", wantStatus: 404},
		},
		"supervision": {
			{name: "alerts", method: "GET", path: "/api/v1/alerts", user: "jianguan", wantStatus: 200, check: has("alerts")},
			{name: "the restriction list, a page of one", method: "GET", path: "/api/v1/credit/restrictions?per_page=1", wantStatus: 200, check: func(t *testing.T, b map[string]any) {
				var total int
				env.Raw.QueryRow(`SELECT COUNT(*) FROM credit_listings c WHERE c.listed AND c.id = (SELECT MAX(x.id) FROM credit_listings x WHERE x.developer_org = c.developer_org)`).Scan(&total)
				if rs, _ := b["restrictions"].([]any); total == 0 || len(rs) != 1 || b["total"] != float64(total) || b["page"] != float64(1) || b["pages"] != float64(total) {
					t.Errorf("got %d listed, total %v, page %v of %v; want 1 of %d", len(rs), b["total"], b["page"], b["pages"], total)
				}
			}},
			{name: "the restriction list searched", method: "GET", path: "/api/v1/credit/restrictions?q=" + url.QueryEscape(listedName), wantStatus: 200, check: func(t *testing.T, b map[string]any) {
				rs, _ := b["restrictions"].([]any)
				if len(rs) != 1 || rs[0].(map[string]any)["developer_name"] != listedName {
					t.Errorf("search %q: got %v, want the one listed developer", listedName, rs)
				}
			}},
			{name: "the restriction list, a page too big", method: "GET", path: "/api/v1/credit/restrictions?per_page=201", wantStatus: 400, wantCode: "request.query", wantField: "page"},
			{name: "alerts: second page of two", method: "GET", path: "/api/v1/alerts?state=all&per_page=2&page=2", user: "jianguan", wantStatus: 200, check: func(t *testing.T, b map[string]any) {
				var total, critical int
				env.Raw.QueryRow(`SELECT COUNT(*), SUM(CASE WHEN severity = 'critical' THEN 1 ELSE 0 END) FROM alerts`).Scan(&total, &critical)
				as, _ := b["alerts"].([]any)
				sev, _ := b["severities"].(map[string]any)
				if len(as) != min(2, max(total-2, 0)) || b["total"] != float64(total) || b["page"] != float64(min(2, (total+1)/2)) || sev["critical"] != float64(critical) {
					t.Errorf("got %d alerts, total %v, page %v, %v critical; want %d, %d, 2, %d", len(as), b["total"], b["page"], sev["critical"], min(2, total-2), total, critical)
				}
			}},
			{name: "alerts: a search", method: "GET", path: "/api/v1/alerts?state=all&q=%E6%B2%A1%E6%9C%89%E8%BF%99%E6%9D%A1", user: "jianguan", wantStatus: 200, check: func(t *testing.T, b map[string]any) {
				if as, _ := b["alerts"].([]any); len(as) != 0 || b["total"] != float64(0) {
					t.Errorf("a search for nothing: %d alerts, total %v", len(as), b["total"])
				}
			}},
			{name: "bad project", method: "GET", path: "/api/v1/alerts?project=x", user: "jianguan", wantStatus: 400, wantCode: "query.project"},
			{name: "buyer resolves", method: "POST", path: "/api/v1/alerts/" + alert + "/resolve", body: `{"note":"已处理"}`, user: "zhangwei", wantStatus: 403, wantCode: "access.denied"},
			{name: "no such alert", method: "GET", path: "/api/v1/alerts/99999999", user: "jianguan", wantStatus: 404},
		},
		"paper": {
			{name: "stock", method: "GET", path: "/api/v1/paper-stock/652301", user: "dengbu", wantStatus: 200, check: has("ranges")},
			{name: "bad state", method: "GET", path: "/api/v1/paper-stock/652301/blanks?state=lost", user: "dengbu", wantStatus: 400, wantCode: "request.query", wantField: "state"},
			{name: "developer", method: "GET", path: "/api/v1/paper-stock/652301", user: "kaifa", wantStatus: 403, wantCode: "access.denied"},
			{name: "no such jurisdiction", method: "GET", path: "/api/v1/paper-stock/999999", user: "dengbu", wantStatus: 404},
			{name: "overlapping range", method: "POST", path: "/api/v1/paper-stock/652301/ranges", body: `{"prefix":"X","first":"1","last":"0"}`, user: "dengbu", wantStatus: 400},
		},
	}
	clients := map[string]*http.Client{}
	for _, name := range []string{"foundation", "guide", "ledger", "contracts", "completion", "registration", "supervision", "paper"} {
		t.Run(name, func(t *testing.T) {
			for _, tc := range groups[name] {
				t.Run(tc.name, func(t *testing.T) {
					c, ok := clients[tc.user]
					if !ok {
						c = env.Client(t, tc.user)
						clients[tc.user] = c
					}
					req, _ := http.NewRequest(tc.method, env.HTTP.URL+tc.path, strings.NewReader(tc.body))
					if tc.body != "" {
						req.Header.Set("Content-Type", "application/json")
					}
					resp, err := c.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != tc.wantStatus {
						t.Fatalf("%s %s = %d %s, want %d", tc.method, tc.path, resp.StatusCode, b, tc.wantStatus)
					}
					var body map[string]any
					if len(b) > 0 {
						json.Unmarshal(b, &body)
					}
					if tc.wantStatus >= 400 {
						var e struct {
							Error struct {
								Code    string            `json:"code"`
								Fields  map[string]string `json:"fields"`
								Reasons []map[string]any  `json:"reasons"`
							} `json:"error"`
						}
						json.Unmarshal(b, &e)
						if e.Error.Code == "" || tc.wantCode != "" && e.Error.Code != tc.wantCode {
							t.Errorf("code = %q, want %q (%s)", e.Error.Code, tc.wantCode, b)
						}
						if _, ok := e.Error.Fields[tc.wantField]; tc.wantField != "" && !ok {
							t.Errorf("fields %v lack %s", e.Error.Fields, tc.wantField)
						}
						if tc.wantReasons && len(e.Error.Reasons) == 0 {
							t.Errorf("refusal without reasons: %s", b)
						}
						if errs := validate(map[string]any{"$ref": "#/components/schemas/Error"}, doc.Components.Schemas, decodeJSON(t, b), "$"); len(errs) > 0 {
							t.Errorf("error answer drifts from the Error schema: %v", errs)
						}
						return
					}
					for _, rt := range routes {
						if rt.Method == tc.method && rt.Response != nil && matches(rt.Pattern, strings.SplitN(tc.path, "?", 2)[0]) {
							if errs := validate(doc.responseSchema(rt.Method, rt.Pattern, tc.wantStatus), doc.Components.Schemas, decodeJSON(t, b), "$"); len(errs) > 0 {
								t.Errorf("answer drifts from the documented schema: %v", errs)
							}
						}
					}
					if tc.check != nil {
						tc.check(t, body)
					}
				})
			}
		})
	}
}

// matches reports whether path is an instance of the route pattern.
func matches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if !strings.HasPrefix(ps[i], "{") && ps[i] != xs[i] {
			return false
		}
	}
	return true
}

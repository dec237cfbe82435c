package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"handover/internal/audit"
	"handover/internal/exchange"
	"handover/internal/web/webtest"
)

// getOK is the body of a page that must answer 200.
func getOK(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	status, body := get(t, c, u)
	if status != 200 {
		t.Fatalf("GET %s: got status %d, want 200", u, status)
	}
	return body
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func postForm(t *testing.T, c *http.Client, u string, v url.Values) (int, string, string) {
	t.Helper()
	resp, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func TestOpenAPIDocument(t *testing.T) {
	env := webtest.Start(t)
	status, body := get(t, env.Client(t, ""), env.HTTP.URL+"/api/openapi.json")
	if status != 200 {
		t.Fatalf("GET /api/openapi.json = %d", status)
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	documented := 0
	for _, ops := range doc.Paths {
		documented += len(ops)
	}
	routes := env.Server.API().Routes()
	if documented != len(routes) {
		t.Errorf("document lists %d operations, the server has %d routes", documented, len(routes))
	}
	anon := env.Client(t, "")
	for _, rt := range routes {
		if _, ok := doc.Paths[rt.Pattern][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("route %s %s is not documented", rt.Method, rt.Pattern)
		}
		// Every documented operation reaches a handler: the API's own
		// not-found answer (api.not_found) means the route is not served.
		path := regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(rt.Pattern, "1")
		req, _ := http.NewRequest(rt.Method, env.HTTP.URL+path, nil)
		resp, err := anon.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "api.not_found") || resp.StatusCode == http.StatusMethodNotAllowed {
			t.Errorf("%s %s is documented but not served: %d %s", rt.Method, path, resp.StatusCode, b)
		}
	}
	for _, ref := range regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(body, -1) {
		if _, ok := doc.Components.Schemas[ref[1]]; !ok {
			t.Errorf("$ref to missing schema %s", ref[1])
		}
	}
}

func TestUnknownAPIRouteIsJSON404(t *testing.T) {
	env := webtest.Start(t)
	status, body := get(t, env.Client(t, ""), env.HTTP.URL+"/api/v1/nothing")
	if status != 404 || !strings.Contains(body, `"code":"api.not_found"`) {
		t.Errorf("GET /api/v1/nothing = %d %s, want a JSON 404", status, body)
	}
}

func TestAPIErrors(t *testing.T) {
	env := webtest.Start(t)
	admin := env.Client(t, "admin")
	tests := []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"GET", "/api/v1/calendar/deadline?start=2026-13-01&workdays=5", "", 400, "request.query"},
		{"GET", "/api/v1/calendar/deadline?start=2028-01-03&workdays=5", "", 422, "calendar.year_not_loaded"},
		{"GET", "/api/v1/codes/validate?type=phone&value=1", "", 400, "code.type"},
		{"POST", "/api/v1/organisations", `{"name":""}`, 403, "access.denied"}, // no jurisdiction: only prefecture-wide could
		{"POST", "/api/v1/organisations", `{"name":"x","kind":"tax","jurisdiction":"652301","extra":1}`, 400, "request.body"},
		{"POST", "/api/v1/organisations", `{"name":"","kind":"tax","jurisdiction":"652301"}`, 400, "org.invalid"},
		{"GET", "/api/v1/users/999999", "", 404, "user.not_found"},
		{"GET", "/api/v1/users/abc", "", 400, "request.path"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, env.HTTP.URL+tt.path, strings.NewReader(tt.body))
		if tt.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		c := admin
		if tt.code == "access.denied" {
			c = env.Client(t, "cj-admin")
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		json.Unmarshal(b, &e)
		if resp.StatusCode != tt.status || e.Error.Code != tt.code {
			t.Errorf("%s %s = %d %s, want %d %s", tt.method, tt.path, resp.StatusCode, e.Error.Code, tt.status, tt.code)
		}
	}
}

func TestBearerToken(t *testing.T) {
	env := webtest.Start(t)
	admin := env.Client(t, "admin")
	// The administrator creates a token for the tax bureau's system user.
	u := env.Demo.Users["shuiwu"]
	resp, err := admin.Post(env.HTTP.URL+"/api/v1/users/"+itoa(u.ID)+"/tokens", "application/json", strings.NewReader(`{"name":"征管系统"}`))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 201 || !strings.HasPrefix(tok.Token, "hov_") {
		t.Fatalf("create token = %d %+v", resp.StatusCode, tok)
	}
	call := func(token string) int {
		req, _ := http.NewRequest("GET", env.HTTP.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := call(tok.Token); got != 200 {
		t.Errorf("GET /api/v1/me with token = %d, want 200", got)
	}
	if got := call("hov_wrong"); got != 401 {
		t.Errorf("GET /api/v1/me with a wrong token = %d, want 401", got)
	}
	req, _ := http.NewRequest("DELETE", env.HTTP.URL+"/api/v1/tokens/"+itoa(tok.ID), nil)
	resp, err = admin.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Errorf("DELETE token = %d, want 204", resp.StatusCode)
	}
	if got := call(tok.Token); got != 401 {
		t.Errorf("GET /api/v1/me with a revoked token = %d, want 401", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestAdminPages(t *testing.T) {
	env := webtest.Start(t)
	admin := env.Client(t, "cj-admin")
	base := env.HTTP.URL
	// A bad 统一社会信用代码 is refused with the reason on the form, nothing created.
	status, _, body := postForm(t, admin, base+"/admin/orgs", url.Values{"name": {"昌吉某银行"}, "kind": {"bank"},
		"jurisdiction": {"652301"}, "uscc": {"9144030071526726XH"}})
	if status != 422 {
		t.Errorf("bad USCC: got status %d, want 422", status)
	}
	checkPage(t, "bad USCC", body, in(".form .field-error", hasText("校验码错误")), in("input[name=uscc]", hasAttr("value", "9144030071526726XH")))
	status, loc, _ := postForm(t, admin, base+"/admin/orgs", url.Values{"name": {"昌吉某银行"}, "kind": {"bank"},
		"jurisdiction": {"652301"}, "uscc": {"914403001922038216"}})
	if status != 303 || loc != "/admin/orgs" {
		t.Errorf("good org: status %d → %q, want 303 → /admin/orgs", status, loc)
	}
	// A county administrator cannot create an organisation in another county.
	status, _, _ = postForm(t, admin, base+"/admin/orgs", url.Values{"name": {"阜康某银行"}, "kind": {"bank"},
		"jurisdiction": {"652302"}, "uscc": {"9144030071526726XG"}})
	if status != 403 {
		t.Errorf("org in another county: status %d, want 403", status)
	}
	// A buyer created by an administrator is shown with a masked ID number.
	pref := env.Client(t, "admin")
	status, loc, body = postForm(t, pref, base+"/admin/users", url.Values{"org_id": {itoa(env.Demo.Orgs["individual"].ID)},
		"username": {"wangfang"}, "name": {"王芳"}, "id_number": {"440524188001010014"}, "roles": {"buyer"}, "password": {"passw0rd-1"}})
	if status != 303 {
		t.Fatalf("create buyer: status %d: %s", status, body)
	}
	status, body = get(t, pref, base+loc)
	if status != 200 || strings.Contains(body, "440524188001010014") {
		t.Errorf("buyer page: status %d, want 200 without the full ID number anywhere", status)
	}
	checkPage(t, "buyer page", body, in("#user-id-number", hasExactText("4405**********0014")))
	// The buyer logs in with the ID number as well as the username.
	if status, loc, _ := postForm(t, env.Client(t, ""), base+"/login", url.Values{"username": {"440524188001010014"}, "password": {"passw0rd-1"}}); status != 303 || loc != "/" {
		t.Errorf("buyer login by ID number: %d → %q, want 303 → /", status, loc)
	}
	// Token: shown once on creation, listed by prefix afterwards.
	status, _, body = postForm(t, pref, base+loc+"/tokens", url.Values{"name": {"测试"}})
	tok := pageText(t, body, ".alert.ok code.token")
	if status != 200 || !regexp.MustCompile(`^hov_[a-z2-7]+$`).MatchString(tok) {
		t.Fatalf("create token: status %d, token %q", status, tok)
	}
	_, body = get(t, pref, base+loc)
	if strings.Contains(body, tok) {
		t.Errorf("the token is shown again after creation")
	}
}

func TestLogsAndMetrics(t *testing.T) {
	env := webtest.Start(t)
	c := env.Client(t, "admin")
	get(t, c, env.HTTP.URL+"/api/v1/codes/validate?type=idcard&value=652301199003071231")
	get(t, c, env.HTTP.URL+"/api/v1/me")
	get(t, c, env.HTTP.URL+"/admin/users")
	postForm(t, env.Client(t, ""), env.HTTP.URL+"/login", url.Values{"username": {"652301199003071231"}, "password": {"wrong-pass1"}})
	logs := env.Logs.String()
	if strings.Contains(logs, "652301199003071231") || strings.Contains(logs, "Demo2026") || strings.Contains(logs, "wrong-pass1") {
		t.Errorf("logs contain an ID number or a password:\n%s", logs)
	}
	if !strings.Contains(logs, `"route":"GET /api/v1/me"`) {
		t.Errorf("logs do not name the route pattern:\n%.500s", logs)
	}
	_, metrics := get(t, c, env.HTTP.URL+"/metrics")
	for _, want := range []string{`handover_http_requests_total{method="GET",route="GET /api/v1/me",status="200"} 1`,
		`handover_http_request_duration_seconds_count{method="GET",route="GET /admin/users"} 1`,
		"handover_operations_scrape_error 0", "handover_db_connections_open ", `handover_db_retries_total{cause="deadlock"} 0`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if status, body := get(t, c, env.HTTP.URL+"/healthz"); status != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", status, body)
	}
	if status, body := get(t, c, env.HTTP.URL+"/readyz"); status != 200 || !strings.Contains(body, `"ready"`) {
		t.Errorf("/readyz = %d %q", status, body)
	}
}

// Every request answers with its id and logs it with the user the request
// was authenticated as (by session or token); an id the client sent is
// replaced.
func TestRequestIDAndUserInLogs(t *testing.T) {
	env := webtest.Start(t)
	c := env.Client(t, "admin")
	tests := []struct {
		sent     string // X-Request-Id sent; "" none
		keptSent bool
	}{
		{"", false},
		{"client-4f2a9c01", false}, // the test client is no listed proxy (TestRequestIDFromProxies)
		{"bad id with spaces", false},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", env.HTTP.URL+"/api/v1/me", nil)
		if tt.sent != "" {
			req.Header.Set("X-Request-Id", tt.sent)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		id := resp.Header.Get("X-Request-Id")
		if tt.keptSent && id != tt.sent || !tt.keptSent && (id == "" || id == tt.sent) {
			t.Errorf("X-Request-Id answered to %q: got %q", tt.sent, id)
			continue
		}
		var line map[string]any
		for _, l := range strings.Split(env.Logs.String(), "\n") {
			if strings.Contains(l, `"request_id":"`+id+`"`) && strings.Contains(l, `"msg":"http"`) {
				json.Unmarshal([]byte(l), &line)
			}
		}
		if line == nil {
			t.Errorf("no access log line with request_id %q", id)
			continue
		}
		if got, want := line["user"], float64(env.Demo.Users["admin"].ID); got != want {
			t.Errorf("access log of request %s: got user %v, want %v (admin)", id, got, want)
		}
	}
}

func TestPageAccess(t *testing.T) {
	env := webtest.Start(t)
	base := env.HTTP.URL
	// Anonymous visitors are sent to the login page, with the way back.
	resp, err := env.Client(t, "").Get(base + "/admin/users")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/login?next=%2Fadmin%2Fusers" {
		t.Errorf("anonymous /admin/users = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A clerk may not administer users: 403 page, audited.
	status, body := get(t, env.Client(t, "shouli"), base+"/admin/users")
	if status != 403 {
		t.Errorf("clerk /admin/users = %d, want the 403 page", status)
	}
	checkPage(t, "clerk /admin/users", body, in(".alert.err #error-code", hasExactText("access.denied")))
	// Public pages need no login.
	for _, p := range []string{"/tools", "/tools?type=idcard&value=11010519491231002X", "/docs/api", "/login"} {
		if status, _ := get(t, env.Client(t, ""), base+p); status != 200 {
			t.Errorf("anonymous %s = %d, want 200", p, status)
		}
	}
	// A post-login redirect never leaves the site.
	_, loc, _ := postForm(t, env.Client(t, ""), base+"/login", url.Values{"username": {"shouli"}, "password": {"Demo2026!"}, "next": {"//evil.example/"}})
	if loc != "/" {
		t.Errorf("login next=//evil.example/ redirected to %q, want /", loc)
	}
}

// Each role's home page shows the work that waits for that role.
func TestHomeShowsEachRolesWork(t *testing.T) {
	env := webtest.Start(t)
	tests := []struct{ user, want string }{
		{"shouli", "退回补正"},
		{"shenhe", "待审核"},
		{"dengbu", "待登簿"},
		{"zhujian", "待审批的预售许可申请"},
		{"zhujian", "待确认的规划、施工许可证"},
		{"shuiwu", "已核定未缴纳的契税"},
		{"gongshui", "待办理的过户"},
		{"yanshou", "待出具的验收意见"},
		{"cehui", "被退回的测绘成果"},
		{"kaifa", "起草中与待买受人确认"},
		{"zhangwei", "待我确认的合同"},
		{"admin", "有地址被锁定的账户"},
		{"jianguan", "今日越权访问"},
	}
	for _, tt := range tests {
		status, body := get(t, env.Client(t, tt.user), env.HTTP.URL+"/")
		if status != 200 {
			t.Errorf("%s's home page: got status %d, want 200", tt.user, status)
		}
		checkPage(t, tt.user+"'s home page", body, inAny(".cards a.card.stat .stat-title", hasText(tt.want)))
	}
	// A registration reviewer is not shown the recorder's queue, as a card
	// or anywhere else on the page.
	_, body := get(t, env.Client(t, "shenhe"), env.HTTP.URL+"/")
	checkPage(t, "the reviewer's home page", body, notIn(".cards .stat-title", hasText("待登簿")), lacksText("待登簿"))
}

// The operations figures on /metrics carry a delivery by its endpoint's id
// and partner, and its state; a scrape with deliveries answers 200.
func TestMetricsShowDeliveries(t *testing.T) {
	env := webtest.Start(t)
	ctx := context.Background()
	ep, err := env.DB.PutEndpoint(ctx, audit.System(), exchange.Endpoint{OrgID: env.Demo.Orgs["652301/tax"].ID, Name: "税务征管系统",
		URL: "https://tax.example/hook", Secret: "0123456789abcdef-secret", Events: []string{exchange.ContractFiled}, Jurisdiction: "652301", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := env.Raw.QueryRow(`INSERT INTO outbox (type, aggregate, jurisdiction, payload, created_at) VALUES ('contract.filed', 'unit:1', '652301', '{}', $1) RETURNING id`,
		env.Clock.Now().UTC()).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Raw.Exec(`INSERT INTO deliveries (outbox_id, endpoint_id, aggregate, state, next_at) VALUES ($1, $2, 'unit:1', 'pending', $3)`,
		id, ep.ID, env.Clock.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	status, metrics := get(t, env.Client(t, ""), env.HTTP.URL+"/metrics")
	want := fmt.Sprintf(`handover_deliveries{endpoint="%d",partner="税务征管系统",state="pending"} 1`, ep.ID)
	if status != 200 || !strings.Contains(metrics, want) {
		t.Errorf("/metrics: %d, lacks %s:\n%.1500s", status, want, metrics)
	}
}

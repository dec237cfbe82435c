package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/exchange"
	"handover/internal/identity"
	"handover/internal/store"
	"handover/internal/tax"
	"handover/internal/web/htmlcheck"
	"handover/internal/web/snippets"
	"handover/internal/web/webtest"
)

// idNumber matches a 身份证号 anywhere in a page.
var idNumber = regexp.MustCompile(`\d{17}[\dXx]`)

// The public pages — disclosure, each project and building, the service
// guide, the restriction list, verification — never show an ID number or a
// buyer's full name, whoever asks.
func TestPublicPagesHoldNoPersonalData(t *testing.T) {
	env, paid := startRegistration(t)
	ctx := context.Background()
	ref, _ := env.DB.Unit(ctx, paid.UnitID)
	tab, _ := env.DB.BuildingTable(ctx, ref.Building.ID)
	// A buyer with a name that appears nowhere else.
	const name, id = "欧阳明轩", "652301198807150010"
	sell(t, env, saleInput(tab.Rows[1].Cells[0].Unit.ID, name, id), true)
	paths := []string{"/public", "/public?jurisdiction=652301", "/public/guide", "/public/guide/transfer?jurisdiction=652301", "/credit", "/verify",
		"/public/projects/" + itoa(ref.Project.ID)}
	d, _ := env.DB.ProjectDetail(ctx, ref.Project.ID)
	for _, b := range d.Buildings {
		paths = append(paths, "/public/buildings/"+itoa(b.Building.ID))
	}
	for _, who := range []string{"", "zhangwei", "kaifa2"} {
		c := &http.Client{}
		if who != "" {
			c = env.Client(t, who)
		}
		for _, p := range paths {
			resp, err := c.Get(env.HTTP.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s GET %s: %d", who, p, resp.StatusCode)
				continue
			}
			page := string(b)
			if m := idNumber.FindString(page); m != "" {
				t.Errorf("%s GET %s shows an ID number %s", who, p, m)
			}
			if strings.Contains(page, name) {
				t.Errorf("%s GET %s shows the buyer's full name", who, p)
			}
		}
	}
}

// The service guide follows the jurisdiction's configuration: the time
// limit, automatic review and the second review come from the settings
// the registration steps use; the acceptance days, the restriction list's
// effect and the blocking accounting items from the housing bureau's.
func TestGuideFollowsConfiguration(t *testing.T) {
	env := webtest.Start(t)
	ctx := context.Background()
	admin := actorOfUser(env, "cj-admin")
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(env.HTTP.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b)
	}
	before := get("/public/guide/transfer?jurisdiction=652301")
	if !checkPage(t, "default guide", before, in("#guide #days", hasText("受理后 30 个工作日")), lacksText("复审")) {
		t.FailNow()
	}
	for k, v := range map[string]string{"registration.days": "5", "registration.auto_review": "transfer", "registration.second_review": "1"} {
		if err := env.DB.PutSetting(ctx, admin, "652301", k, v); err != nil {
			t.Fatal(err)
		}
	}
	checkPage(t, "configured guide", get("/public/guide/transfer?jurisdiction=652301"), in("#guide #days", hasText("受理后 5 个工作日")),
		inAny("#guide #steps li", hasText("自动审核")), inAny("#guide #steps li strong", hasText("复审")), in("#guide #flow", hasText("复审")))
	checkPage(t, "another county's guide", get("/public/guide/transfer?jurisdiction=652302"), in("#guide #days", hasText("受理后 30 个工作日")))
	// The housing bureau's matters follow their settings too.
	for k, v := range map[string]string{"acceptance.days": "7", "credit.effect.presale_permit": "review", "accounting.blocking": "land_premium"} {
		if err := env.DB.PutSetting(ctx, admin, "652301", k, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		urlPath string
		want    htmlcheck.Checker
	}{
		{"/public/guide?jurisdiction=652301", inAny("#matters li a", hasText("竣工联合验收"))},
		{"/public/guide/presale_permit?jurisdiction=652301", allOf(
			inAny("#guide #notes div", hasText("对预售许可申请：须经住建部门加强审查后办理")), lacksText("对预售许可申请：不予办理"))},
		{"/public/guide/presale_permit?jurisdiction=652302", inAny("#guide #notes div", hasText("对预售许可申请：不予办理"))},
		{"/public/guide/contract_filing?jurisdiction=652301", in(`#guide #conditions tbody tr[data-rule="contract.unit_taken"]`)},
		{"/public/guide/joint_acceptance?jurisdiction=652301", in("#guide #days", hasText("7个工作日内出具意见"))},
		{"/public/guide/joint_acceptance?jurisdiction=652302", in("#guide #days", hasText("5个工作日内出具意见"))},
		{"/public/guide/completion_filing?jurisdiction=652301", allOf(
			inAny("#guide #conditions tbody td:nth-child(1)", hasText("土地价款已核算")), lacksText("城市基础设施配套费已核算"))},
		{"/public/guide/completion_filing?jurisdiction=652302", inAny("#guide #conditions tbody td:nth-child(1)", hasText("城市基础设施配套费已核算"))},
	} {
		checkPage(t, tt.urlPath, get(tt.urlPath), tt.want)
	}
	// The guide's index lists every rule's value in force: the county's
	// own, the prefecture's default where the county set none, and since
	// when.
	if err := env.DB.PutSettings(ctx, actorOfUser(env, "admin"), identity.PrefectureCode, map[string]string{completion.SettingMaintenanceRate: "150"},
		store.SettingChange{Reason: "州住建局文件"}); err != nil {
		t.Fatal(err)
	}
	today := calendar.DateOf(env.Clock.Now()).String()
	row := func(key, col string) string { return `#settings-in-force tbody tr[data-key="` + key + `"] .` + col }
	checkPage(t, "the rules in force in one county", get("/public/guide?jurisdiction=652301"),
		in(row(completion.SettingDays, "value"), hasText("7 工作日")), in(row(completion.SettingDays, "source"), hasText("本辖区设定")),
		in(row(completion.SettingMaintenanceRate, "value"), hasText("150 元/平方米")),
		in(row(completion.SettingMaintenanceRate, "source"), hasText("沿用全州默认")), in(row(completion.SettingMaintenanceRate, "since"), hasText(today)),
		in(row(tax.SettingProvincialRate, "value"), hasText("3%")), in(row(tax.SettingProvincialRate, "source"), hasText("系统默认")))
	checkPage(t, "the rules in force in another", get("/public/guide?jurisdiction=652302"),
		in(row(completion.SettingDays, "value"), hasText("5 工作日")), in(row(completion.SettingDays, "source"), hasText("系统默认")),
		in(row(completion.SettingMaintenanceRate, "value"), hasText("150 元/平方米")))
	if resp, _ := http.Get(env.HTTP.URL + "/public/guide/nonsense"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown matter: %d", resp.StatusCode)
	}
}

// The guide is also JSON for the government service portal: every matter
// with its conditions under the rule codes refusals carry.
func TestGuideAPI(t *testing.T) {
	env := webtest.Start(t)
	anon := env.Client(t, "")
	var out struct {
		Jurisdiction string `json:"jurisdiction"`
		Matters      []struct {
			Key        string `json:"key"`
			Conditions []struct {
				Rule string `json:"rule"`
				Text string `json:"text"`
			} `json:"conditions"`
			Limit string `json:"limit"`
		} `json:"matters"`
		Settings []struct {
			Key, Value, Shown, Source string
		} `json:"settings"`
	}
	if code, e := call(t, anon, "GET", env.HTTP.URL+"/api/v1/guide?jurisdiction=652301", "", &out); code != 200 {
		t.Fatalf("guide: %d %+v", code, e)
	}
	var keys []string
	for _, m := range out.Matters {
		keys = append(keys, m.Key)
	}
	want := []string{"presale_permit", "contract_filing", "joint_acceptance", "completion_filing", "first", "transfer", "mortgage", "cancel", "seal", "unseal", "correct", "objection"}
	if !slices.Equal(keys, want) {
		t.Errorf("matters %v, want %v", keys, want)
	}
	if len(out.Matters) > 0 && (len(out.Matters[0].Conditions) == 0 || out.Matters[0].Conditions[0].Rule != "presale.land_right") {
		t.Errorf("presale permit conditions: %+v", out.Matters[0].Conditions)
	}
	// The rules in force come with the guide: every one, the deed-tax rate
	// among them.
	var rate []string
	for _, st := range out.Settings {
		if st.Key == tax.SettingProvincialRate {
			rate = append(rate, st.Value, st.Shown, st.Source)
		}
	}
	if len(out.Settings) != len(store.RuleSettings()) || !slices.Equal(rate, []string{"0.03", "3%", "default"}) {
		t.Errorf("the settings in force: %d, the deed-tax rate %q; want %d and [0.03 3%% default]", len(out.Settings), rate, len(store.RuleSettings()))
	}
	tests := []struct {
		query string
		code  int
		err   string
	}{
		{"jurisdiction=652301&matter=transfer", 200, ""},
		{"jurisdiction=652301&matter=nonsense", 404, "guide.not_found"},
		{"jurisdiction=999999", 400, "request.query"},
		{"", 400, "request.query"},
	}
	for _, tt := range tests {
		code, e := call(t, anon, "GET", env.HTTP.URL+"/api/v1/guide?"+tt.query, "", nil)
		if code != tt.code || e.Error.Code != tt.err {
			t.Errorf("guide?%s: got %d %q, want %d %q", tt.query, code, e.Error.Code, tt.code, tt.err)
		}
	}
}

// The tax bureau's and a utility's systems may send the same message twice:
// the repeat answers as the first did and changes nothing; a different
// message about the same record is refused.
func TestInboundRepeatsAreIdempotent(t *testing.T) {
	env, paid := startRegistration(t)
	handOver(t, env, paid.UnitID)
	ctx := context.Background()
	audits := func(action string) int {
		t.Helper()
		es, err := env.DB.ListAudit(ctx, accessAll(), store.AuditQuery{Action: action, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	taxes := env.Client(t, "shuiwu")
	url := fmt.Sprintf("%s/api/v1/contracts/%d/deed-tax/payment", env.HTTP.URL, paid.ID)
	before := audits("tax.paid")
	if code, e := call(t, taxes, "POST", url, `{"voucher":"电子完税凭证001"}`, nil); code != 200 {
		t.Errorf("the same payment again: %d %+v", code, e)
	}
	if code, e := call(t, taxes, "POST", url, `{"voucher":"另一凭证"}`, nil); code != 409 || e.Error.Code != "tax.paid" {
		t.Errorf("another voucher: %d %+v", code, e)
	}
	if after := audits("tax.paid"); after != before {
		t.Errorf("tax.paid events %d → %d: the repeat changed something", before, after)
	}
	reqs, err := env.DB.UtilityRequests(ctx, paid.UnitID, 0, 0)
	if err != nil || len(reqs) == 0 {
		t.Fatalf("utility requests: %v %d", err, len(reqs))
	}
	water := env.Client(t, "gongshui")
	var u store.UtilityRequest
	for _, r := range reqs {
		if r.OrgID == env.Demo.Orgs["652301/water"].ID {
			u = r
		}
	}
	answer := fmt.Sprintf("%s/api/v1/utility-requests/%d/answer", env.HTTP.URL, u.ID)
	for i := 0; i < 2; i++ {
		if code, e := call(t, water, "POST", answer, `{"done":true}`, nil); code != 200 {
			t.Errorf("answer %d: %d %+v", i+1, code, e)
		}
	}
	if code, e := call(t, water, "POST", answer, `{"done":false,"reason":"表具故障"}`, nil); code != 409 || e.Error.Code != "utility.answered" {
		t.Errorf("a different answer: %d %+v", code, e)
	}
	if n := audits("utility.answer"); n != 1 {
		t.Errorf("utility.answer events: %d, want 1", n)
	}
}

// The event catalogue is published for partners' developers: every type
// with its fields and JSON Schema, as a page and as JSON.
func TestEventCatalogue(t *testing.T) {
	env := webtest.Start(t)
	resp, err := http.Get(env.HTTP.URL + "/docs/events.json")
	if err != nil {
		t.Fatal(err)
	}
	var cat struct {
		Events []struct {
			Type   string         `json:"type"`
			Schema map[string]any `json:"schema"`
		} `json:"events"`
	}
	err = json.NewDecoder(resp.Body).Decode(&cat)
	resp.Body.Close()
	if err != nil || len(cat.Events) != len(exchange.EventTypes()) {
		t.Fatalf("catalogue: %v, %d types", err, len(cat.Events))
	}
	for _, e := range cat.Events {
		if e.Schema["type"] != "object" || len(e.Schema["properties"].(map[string]any)) == 0 {
			t.Errorf("%s: schema %v", e.Type, e.Schema)
		}
	}
	resp, _ = http.Get(env.HTTP.URL + "/docs/events")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var sections []htmlcheck.Checker
	for _, et := range exchange.EventTypes() {
		sections = append(sections, in(`section.card[id="`+et.Code+`"]`))
	}
	// The envelope as the courier sends it, and a worked signature the
	// platform's own signing gives, so that a partner can test its check.
	sections = append(sections,
		in(`section#delivery`, htmlcheck.HasText(`"created_at", "data"}`), htmlcheck.LacksText(`"payload"`), htmlcheck.HasText("https://")),
		in(`section#verify`, htmlcheck.HasText(exchange.Sign([]byte("k"), "1", []byte("x"))), htmlcheck.HasText("300 秒"),
			htmlcheck.HasText("hmac-sm3=<新密钥的签名>,hmac-sm3=<旧密钥的签名>")),
		htmlcheck.Count(`section#verify details pre`, 3),
		// The checks shown are the ones the snippets package compiles and
		// runs, each splitting the header on commas.
		in(`pre#snippet-go`, htmlcheck.HasExactText(snippets.Go()), htmlcheck.HasText(`strings.Split(header, ",")`)),
		in(`pre#snippet-java`, htmlcheck.HasExactText(snippets.Java()), htmlcheck.HasText(`header.split(",", -1)`)),
		in(`pre#snippet-python`, htmlcheck.HasExactText(snippets.Python()), htmlcheck.HasText(`header.split(",")`)),
		in(`section#rotation`, htmlcheck.HasText("过渡期"), htmlcheck.HasText("新、旧两个签名"), htmlcheck.HasText("删除旧密钥")))
	checkPage(t, "the event catalogue page", string(b), sections...)
}

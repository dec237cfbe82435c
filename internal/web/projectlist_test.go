package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/ledger"
	"handover/internal/web/htmlcheck"
)

// The project list as the housing bureau's clerk and a developer see it:
// 50 projects a page with the total, the planned delivery soonest first;
// the search finds a project by name; the bureau's tab of permits to
// confirm holds exactly the projects with one, and its home card counts
// what that list shows; a developer sees its own projects and no tab.
func TestProjectListPage(t *testing.T) {
	env, lr := startLedger(t)
	ctx := context.Background()
	dev := actorOfUser(env, "kaifa")
	for i := range 56 {
		day := calendar.MustDate("2026-07-01").AddDays(i * 7 % 300)
		if i%9 == 0 {
			day = calendar.Date{}
		}
		p, err := env.DB.CreateProject(ctx, dev, ledger.Project{Name: fmt.Sprintf("批量项目%02d", i), Developer: env.Demo.Orgs["dev1"].ID, Jurisdiction: "652301",
			Address: fmt.Sprintf("昌吉市北京南路%d号", i), PlannedDelivery: day, TotalInvestment: decimal.NewFromInt(1), Invested: decimal.NewFromInt(1), Reform: true})
		if err != nil {
			t.Fatal(err)
		}
		for k, kind := range []ledger.PermitKind{ledger.Planning, ledger.Construction} {
			if i%5 == 0 && k <= i%2 { // one permit or two waiting for the bureau
				if _, err := env.DB.AddPermit(ctx, dev, ledger.Permit{ProjectID: p.ID, Kind: kind, Number: fmt.Sprintf("JS%d-%d", i, k),
					IssuedOn: calendar.MustDate("2025-06-01"), Issuer: "昌吉市", Scope: "全部"}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	total := count(t, env, `SELECT COUNT(*) FROM projects WHERE jurisdiction = '652301'`)
	waiting := count(t, env, `SELECT COUNT(DISTINCT project_id) FROM project_permits pp JOIN projects p ON p.id = pp.project_id WHERE p.jurisdiction = '652301' AND pp.confirmed_by IS NULL`)
	if total <= 50 || waiting == 0 {
		t.Fatalf("fixture: %d projects, %d with permits to confirm; want more than a page and some waiting", total, waiting)
	}
	clerk := env.Client(t, "zhujian")
	open := func(user, path string) string {
		t.Helper()
		c := clerk
		if user != "zhujian" {
			c = env.Client(t, user)
		}
		return getOK(t, c, env.HTTP.URL+path)
	}
	dueDays := func(body string) []string {
		doc, err := htmlcheck.Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range htmlcheck.FindAll(doc, "#projects tbody tr[data-project] td.due") {
			out = append(out, htmlcheck.Text(n))
		}
		return out
	}

	first := open("zhujian", "/projects")
	checkPage(t, "page 1", first,
		in(".pager .pager-total b", hasExactText(strconv.Itoa(total))),
		countOf("#projects tbody tr[data-project]", 50),
		in(`.pager a[rel=next]`, hasAttr("href", "/projects?page=2")),
		in(`nav.tabs a[href="/projects?show=permits"]`, hasExactText("待确认许可证")),
		in(`nav.tabs a[href="/projects?show=presale"]`, hasExactText("待审批预售申请")))
	// The planned delivery soonest first, projects without one after.
	due := dueDays(first)
	for i := 1; i < len(due); i++ {
		if a, b := due[i-1], due[i]; a == "—" && b != "—" || a != "—" && b != "—" && a > b {
			t.Errorf("page 1, rows %d and %d: planned delivery %s before %s", i, i+1, a, b)
		}
	}
	checkPage(t, "page 2", open("zhujian", "/projects?page=2"),
		countOf("#projects tbody tr[data-project]", total-50),
		in(".pager .pager-at", hasExactText("第 2 / 2 页")),
		in(`.pager a[rel=prev]`, hasAttr("href", "/projects?page=1")))

	name := lr.Projects[0].Name
	checkPage(t, "search", open("zhujian", "/projects?q="+url.QueryEscape(name)),
		in(".pager .pager-total b", hasExactText("1")),
		countOf("#projects tbody tr[data-project]", 1),
		in("#projects tbody tr[data-project] td:first-child a", hasExactText(name)),
		in(`form[role=search] input[name=q]`, hasAttr("value", name)))
	checkPage(t, "search with %", open("zhujian", "/projects?q=%25"),
		in(".pager .pager-total b", hasExactText("0")), in("#projects tbody td.muted", hasText("没有与“%”相符的项目")))

	permits := open("zhujian", "/projects?show=permits")
	checkPage(t, "permits to confirm", permits,
		in(".pager .pager-total b", hasExactText(strconv.Itoa(waiting))),
		countOf("#projects tbody tr[data-project]", waiting),
		inAll("#projects tbody tr[data-project] td.waiting", in(".badge.permits")),
		in(`nav.tabs a[aria-current=page]`, hasExactText("待确认许可证")),
		in(`form[role=search] input[name=show]`, hasAttr("value", "permits")))
	// The home card counts the permits the list shows, and leads there.
	doc, _ := htmlcheck.Parse(permits)
	shown := 0
	for _, n := range htmlcheck.FindAll(doc, "#projects .badge.permits") {
		k, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(htmlcheck.Text(n), "许可证待确认 "), " 份"))
		if err != nil {
			t.Fatalf("badge %q: %v", htmlcheck.Text(n), err)
		}
		shown += k
	}
	checkPage(t, "home card", open("zhujian", "/"), in(`a.card[href="/projects?show=permits"] .stat-num`, hasExactText(strconv.Itoa(shown)+"份")))

	mine := count(t, env, `SELECT COUNT(*) FROM projects WHERE developer_org = `+strconv.FormatInt(env.Demo.Orgs["dev2"].ID, 10))
	checkPage(t, "another developer", open("kaifa2", "/projects"),
		in(".pager .pager-total b", hasExactText(strconv.Itoa(mine))),
		none("nav.tabs"),
		none(`#projects tbody tr[data-project] td:first-child a[href="/projects/`+strconv.FormatInt(lr.Projects[0].ID, 10)+`"]`))
}

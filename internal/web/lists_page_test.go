package web_test

import (
	"net/url"
	"testing"

	"handover/internal/calendar"
	"handover/internal/store/storetest"
	"handover/internal/web/htmlcheck"
	"handover/internal/web/webtest"
)

// linkOf is the href of the first element of page matching selector.
func linkOf(t *testing.T, page, selector string) string {
	t.Helper()
	doc, err := htmlcheck.Parse(page)
	if err != nil {
		t.Fatal(err)
	}
	n := htmlcheck.Find(doc, selector)
	if n == nil {
		t.Fatalf("no %s on the page", selector)
	}
	for _, a := range n.Attr {
		if a.Key == "href" {
			return a.Val
		}
	}
	t.Fatalf("%s has no href", selector)
	return ""
}

// The audit log pages with its total (第 N 页) and keeps its filters on
// every page; the home card of today's refusals opens today's refusals.
func TestAuditListPage(t *testing.T) {
	env := webtest.Start(t)
	base := env.HTTP.URL
	admin := env.Client(t, "admin")
	anon := env.Client(t, "")
	for range 55 {
		postForm(t, anon, base+"/login", url.Values{"username": {"nobody"}, "password": {"x"}})
	}
	_, page := get(t, admin, base+"/audit?action="+url.QueryEscape("登录失败"))
	checkPage(t, "the failed logins", page,
		in(".pager .pager-total", hasText("共 55 条"), hasText("第 1–50 条")),
		in(".pager .pager-at", hasText("第 1 / 2 页")),
		countOf("#audit-events tr[data-event]", 50),
		inAll("#audit-events td.action", hasExactText("登录失败")))
	next := linkOf(t, page, ".pager a[rel=next]")
	_, page = get(t, admin, base+next)
	checkPage(t, "their second page", page,
		in(".pager .pager-total", hasText("第 51–55 条")),
		countOf("#audit-events tr[data-event]", 5),
		in("#audit-filter input[name=action]", hasAttr("value", "登录失败")),
		inAll("#audit-events td.action", hasExactText("登录失败")),
		none("#audit-earlier"))

	// Two refused requests today; the card counts them and opens them.
	sup := env.Client(t, "zhujian")
	get(t, sup, base+"/admin/users")
	get(t, sup, base+"/admin/partners")
	_, home := get(t, admin, base+"/")
	href := "/audit?action=access.denied&from=" + calendar.DateOf(storetest.DefaultTime).String()
	checkPage(t, "the refusals card", home,
		inAny(".cards a.card", in(".stat-title", hasExactText("今日越权访问")), hasAttr("href", href), in(".stat-num", hasText("2"))))
	_, list := get(t, admin, base+href)
	checkPage(t, "today's refusals", list,
		in(".pager .pager-total", hasText("共 2 条")),
		countOf("#audit-events tr[data-event]", 2))
}

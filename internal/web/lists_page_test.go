package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"handover/internal/calendar"
	"handover/internal/exchange"
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

// The alert inbox pages on the server: 共 N 条 and 50 a page, the severity
// counts of the whole list, a search that finds the one alert, tabs that
// keep the kind and search; the home card and the dashboard's overdue
// figure open the list they count.
func TestAlertListPage(t *testing.T) {
	env := webtest.Start(t)
	ctx := context.Background()
	housing := env.Demo.Orgs["652301/housing"].ID
	for i := range 60 {
		kind, severity, state := "commitment_overdue", "warning", "open"
		if i%4 == 0 {
			kind, severity = "registration_too_fast", "notice"
		}
		if i%10 == 0 {
			severity = "critical"
		}
		if i%6 == 5 {
			state = "resolved"
		}
		if _, err := env.Raw.ExecContext(ctx, `INSERT INTO alerts (kind, severity, state, jurisdiction, org_id, subject, message, raised_at)
			VALUES ($1, $2, $3, '652301', $4, $5, $6, $7)`, kind, severity, state, housing, fmt.Sprintf("test:%d", i),
			fmt.Sprintf("第%03d号事项待核查", i), storetest.DefaultTime); err != nil {
			t.Fatal(err)
		}
	}
	// 60 alerts, 10 resolved: 50 open, of which 6 critical and 12 notices;
	// 35 open commitments (the overdue kind).
	c := env.Client(t, "zhujian")
	base := env.HTTP.URL
	_, page := get(t, c, base+"/alerts")
	checkPage(t, "the first page", page,
		in(".pager .pager-total", hasText("共 50 条")),
		countOf("#alerts tr[data-alert]", 50),
		in("#alert-counts", hasText("严重 6"), hasText("预警 32"), hasText("提示 12")),
		in("#alerts tr[data-alert] .badge", hasExactText("严重")),
		in("#alert-tabs a[aria-current=page]", hasExactText("待处理")))
	_, page = get(t, c, base+"/alerts?state=all&page=2")
	checkPage(t, "the second page of all", page,
		in(".pager .pager-total", hasText("共 60 条"), hasText("第 51–60 条")),
		countOf("#alerts tr[data-alert]", 10),
		in(".pager a[rel=prev]", hasAttr("href", "/alerts?page=1&state=all")))
	_, page = get(t, c, base+"/alerts?state=all&kind=registration_too_fast&q="+url.QueryEscape("第016号"))
	checkPage(t, "a search", page,
		countOf("#alerts tr[data-alert]", 1),
		in("#alerts tr[data-alert]", hasText("第016号事项待核查")),
		in("#alert-counts", hasText("严重 0"), hasText("提示 1")),
		in("#alert-filters input[name=q]", hasAttr("value", "第016号")),
		inAny("#alert-tabs a", hasExactText("待处理"), hasAttr("href", "/alerts?kind=registration_too_fast&q=%E7%AC%AC016%E5%8F%B7&state=open")))
	_, page = get(t, c, base+"/alerts?q="+url.QueryEscape("没有这一条"))
	checkPage(t, "a search finding nothing", page, none("#alerts tr[data-alert]"), in("#alerts td.muted", hasText("没有与“没有这一条”相符的预警")))

	// The home card counts the open alerts and opens that list.
	_, home := get(t, c, base+"/")
	checkPage(t, "the home card", home,
		inAny(".cards a.card", in(".stat-title", hasExactText("未解除的预警")), hasAttr("href", "/alerts?state=open"), in(".stat-num", hasText("50"))))

	// The dashboard's overdue figure opens the alerts it counts.
	sup := env.Client(t, "jianguan")
	_, dash := get(t, sup, base+"/dashboard?jurisdiction=652301")
	figure := pageText(t, dash, "#fig-overdue")
	href := linkOf(t, dash, "#figures a.card.warn")
	if !strings.Contains(href, "overdue=1") || !strings.Contains(href, "jurisdiction=652301") {
		t.Errorf("the overdue figure links to %s, want the overdue alerts of 652301", href)
	}
	_, list := get(t, sup, base+href)
	if got := pageText(t, list, ".pager .pager-total"); !strings.Contains(got, "共 "+figure+" 条") {
		t.Errorf("the dashboard counts %s overdue items, its list says %q", figure, got)
	}
	if n, _ := strconv.Atoi(figure); n != 35 {
		t.Errorf("overdue figure %s, want the 35 open commitments", figure)
	}
	checkPage(t, "the dashboard's per-organisation line", dash,
		inAny("#overdue-table tr", in("td a", hasExactText("35"), hasAttr("href", fmt.Sprintf("/alerts?jurisdiction=652301&kind=commitment_overdue&org=%d&overdue=1&state=open", housing)))))
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

// The delivery list of the partners page: paged with its total, narrowed
// to the failed and dead, searched; 重新投递 returns to the same place.
func TestDeliveryListPage(t *testing.T) {
	env := webtest.Start(t)
	ctx := context.Background()
	admin := actorOfUser(env, "admin")
	ep, err := env.DB.PutEndpoint(ctx, admin, exchange.Endpoint{OrgID: env.Demo.Orgs["652301/tax"].ID, Name: "税收征管系统", URL: "http://127.0.0.1:1/x",
		Secret: "0123456789abcdef-secret", Events: []string{exchange.ContractFiled}, Jurisdiction: "652301", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 70 {
		state, lastError, typ := "delivered", "", exchange.ContractFiled
		switch {
		case i%10 == 3:
			state, lastError = "dead", "dial tcp: connection refused"
		case i%10 == 7:
			state, lastError = "pending", "HTTP 500"
		}
		if i == 42 {
			typ = exchange.UnitSealed
		}
		var outbox int64
		if err := env.Raw.QueryRowContext(ctx, `INSERT INTO outbox (type, aggregate, jurisdiction, payload, created_at) VALUES ($1, $2, '652301', '{}', $3) RETURNING id`,
			typ, fmt.Sprintf("unit:%d", 9000+i), storetest.DefaultTime).Scan(&outbox); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Raw.ExecContext(ctx, `INSERT INTO deliveries (outbox_id, endpoint_id, aggregate, state, attempts, next_at, last_error) VALUES ($1, $2, $3, $4, 1, $5, $6)`,
			outbox, ep.ID, fmt.Sprintf("unit:%d", 9000+i), state, storetest.DefaultTime, lastError); err != nil {
			t.Fatal(err)
		}
	}
	c := env.Client(t, "admin")
	base := env.HTTP.URL
	_, page := get(t, c, base+"/admin/partners")
	checkPage(t, "the deliveries", page,
		in("#deliveries .pager-total", hasText("共 70 条")),
		countOf("#delivery-list tr[data-delivery]", 50))
	_, page = get(t, c, base+"/admin/partners?show=failed")
	checkPage(t, "the failed and dead", page,
		in("#deliveries .pager-total", hasText("共 14 条")),
		countOf("#delivery-list tr[data-delivery]", 14),
		inAll("#delivery-list td.state", lacksText("已送达")),
		in("#deliveries-failed", hasAttr("aria-current", "page")))
	_, page = get(t, c, base+"/admin/partners?q="+url.QueryEscape("查封"))
	checkPage(t, "a search by the event's name", page,
		countOf("#delivery-list tr[data-delivery]", 1),
		in("#delivery-list td.event", hasExactText("查封登记")),
		in("#delivery-filters input[name=q]", hasAttr("value", "查封")))

	// 重新投递 from the second page of the failed ones comes back to it.
	status, loc, _ := postForm(t, c, fmt.Sprintf("%s/admin/partners/%d/replay", base, ep.ID), url.Values{"show": {"failed"}, "q": {"unit"}, "page": {"2"}})
	if want := "/admin/partners?page=2&q=unit&show=failed#health"; status != 303 || loc != want {
		t.Errorf("replay: %d to %s, want 303 to %s", status, loc, want)
	}
	_, page = get(t, c, base+"/admin/partners?show=failed")
	checkPage(t, "after the replay", page, in("#deliveries .pager-total", hasText("共 7 条")))
}

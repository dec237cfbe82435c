package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"handover/internal/audit"
	"handover/internal/credit"
	"handover/internal/demo"
	"handover/internal/identity"
	"handover/internal/web/htmlcheck"
	"handover/internal/web/webtest"
)

// The credit page with more developers, listings and decisions than a
// page holds: each of its three lists pages apart, the pagers keeping the
// others' pages; the search narrows them alike; the credit manager's tab of
// appeals waiting holds what the home card counts; a refused decision
// shows the developers' list where the form was sent from, as typed, and a
// decision returns there. The public sees the restriction list alone. A
// developer's records page too, and an appeal returns to its page.
func TestCreditListPage(t *testing.T) {
	env := webtest.Start(t)
	ctx := context.Background()
	hous, dev := actorOfUser(env, "zhujian"), actorOfUser(env, "kaifa")
	for i := range 55 {
		o, err := env.DB.CreateOrg(ctx, audit.System(), identity.Org{Name: fmt.Sprintf("批量开发企业%02d", i), Kind: identity.Developer, Jurisdiction: "652301",
			USCC: demo.USCC("91", "652301", fmt.Sprintf("MD%06d", 100+i))})
		if err != nil {
			t.Fatal(err)
		}
		if err := env.DB.ListDeveloper(ctx, hous, credit.Listing{Developer: o.ID, Listed: true, Reason: "拒不履行生效判决"}); err != nil {
			t.Fatal(err)
		}
	}
	// dev1 (kaifa's) gets 51 records, two of them appealed and waiting.
	dev1 := env.Demo.Orgs["dev1"].ID
	var events []credit.Event
	for i := range 51 {
		e, err := env.DB.RecordCreditEvent(ctx, hous, dev1, fmt.Sprintf("第%d次检查发现问题", i+1), "检查记录", 1)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	for _, e := range events[:2] {
		if _, err := env.DB.AppealCreditEvent(ctx, dev, e.ID, "已整改完毕，请复核"); err != nil {
			t.Fatal(err)
		}
	}
	developers := count(t, env, `SELECT COUNT(*) FROM organisations WHERE kind = 'developer'`)
	listed := count(t, env, `SELECT COUNT(*) FROM credit_listings c WHERE c.listed AND c.id = (SELECT MAX(x.id) FROM credit_listings x WHERE x.developer_org = c.developer_org)`)
	decisions := count(t, env, `SELECT COUNT(*) FROM credit_listings`)
	pending := count(t, env, `SELECT COUNT(*) FROM credit_appeals WHERE decision = ''`)
	if developers <= 50 || listed <= 50 || decisions <= 50 || pending < 2 {
		t.Fatalf("fixture: %d developers, %d listed, %d decisions, %d appeals waiting", developers, listed, decisions, pending)
	}
	manager := env.Client(t, "zhujian")
	open := func(c *http.Client, path string) string { t.Helper(); return getOK(t, c, env.HTTP.URL+path) }

	checkPage(t, "the manager's first pages", open(manager, "/credit"),
		in("#listed-now .pager .pager-total b", hasExactText(strconv.Itoa(listed))),
		countOf("#restrictions tbody tr[data-developer]", 50),
		in("#listed-now .pager a[rel=next]", hasAttr("href", "/credit?lpage=2")),
		in("#developers .pager .pager-total b", hasExactText(strconv.Itoa(developers))),
		countOf("#levels tbody tr[data-developer]", 50),
		in("#developers .pager a[rel=next]", hasAttr("href", "/credit?page=2")),
		countOf("#listing-form select[name=developer] option", 50),
		in("#decisions .pager .pager-total b", hasExactText(strconv.Itoa(decisions))),
		countOf("#history tbody tr[data-developer]", 50),
		in(`#developers nav.tabs a[href="/credit?show=appeals"]`, hasExactText("有待复核申诉的")))
	checkPage(t, "each list at its own page", open(manager, "/credit?lpage=2&page=2"),
		countOf("#restrictions tbody tr[data-developer]", listed-50),
		in("#listed-now .pager .pager-at", hasExactText("第 2 / 2 页")),
		countOf("#levels tbody tr[data-developer]", developers-50),
		in("#developers .pager .pager-at", hasExactText("第 2 / 2 页")),
		in("#decisions .pager .pager-at", hasExactText("第 1 / 2 页")),
		in("#decisions .pager a[rel=next]", hasAttr("href", "/credit?hpage=2&lpage=2&page=2")),
		in(`#listing-form input[name=page]`, hasAttr("value", "2")))

	appeals := open(manager, "/credit?show=appeals")
	checkPage(t, "appeals waiting", appeals,
		countOf("#levels tbody tr[data-developer]", 1),
		in("#levels tbody tr[data-developer]", hasAttr("data-developer", strconv.FormatInt(dev1, 10))),
		in("#levels tbody tr[data-developer] .badge.appeals", hasExactText(fmt.Sprintf("申诉待复核 %d 件", pending))),
		in(`#developers nav.tabs a[aria-current=page]`, hasExactText("有待复核申诉的")))
	checkPage(t, "the home card", open(manager, "/"), in(`a.card[href="/credit?show=appeals"] .stat-num`, hasExactText(strconv.Itoa(pending)+"件")))

	checkPage(t, "search", open(manager, "/credit?q=%E6%89%B9%E9%87%8F%E5%BC%80%E5%8F%91%E4%BC%81%E4%B8%9A07"), // 批量开发企业07
		countOf("#levels tbody tr[data-developer]", 1), in("#levels tbody tr td:first-child", hasExactText("批量开发企业07")),
		countOf("#restrictions tbody tr[data-developer]", 1), countOf("#history tbody tr[data-developer]", 1),
		in("form[role=search] input[name=q]", hasAttr("value", "批量开发企业07")))

	// A decision without a reason is refused: the developers' page 2, the
	// search and the choice are kept; one with a reason returns there.
	doc, _ := htmlcheck.Parse(open(manager, "/credit?q=%E6%89%B9%E9%87%8F&page=2")) // 批量
	chosen := htmlcheck.Find(doc, "#levels tbody tr[data-developer]")
	if chosen == nil {
		t.Fatal("no developer on page 2 of the search")
	}
	var id string
	for _, a := range chosen.Attr {
		if a.Key == "data-developer" {
			id = a.Val
		}
	}
	status, _, body := postForm(t, manager, env.HTTP.URL+"/credit", vals("developer", id, "listed", "0", "reason", " ", "basis", "复查", "q", "批量", "page", "2"))
	if status != 422 {
		t.Fatalf("a decision without a reason: %d, want 422", status)
	}
	checkPage(t, "refused", body,
		in("#change .field-error", hasText("请填写理由")),
		in("#developers .pager .pager-at", hasExactText("第 2 / 2 页")),
		in("form[role=search] input[name=q]", hasAttr("value", "批量")),
		in(`#listing-form option[value="`+id+`"]`, hasAttr("selected", "")),
		in(`#listing-form input[name=basis]`, hasAttr("value", "复查")),
		in(`#listing-form select[name=listed] option[value="0"]`, hasAttr("selected", "")),
		in(`#developers .pager a[rel=prev]`, hasAttr("href", "/credit?page=1&q=%E6%89%B9%E9%87%8F")))
	status, loc, _ := postForm(t, manager, env.HTTP.URL+"/credit", vals("developer", id, "listed", "0", "reason", "已履行判决", "q", "批量", "page", "2"))
	if want := "/credit?page=2&q=%E6%89%B9%E9%87%8F"; status != 303 || loc != want {
		t.Errorf("a decision: %d to %q, want 303 to %q", status, loc, want)
	}

	checkPage(t, "the public", open(env.Client(t, ""), "/credit"),
		countOf("#restrictions tbody tr[data-developer]", 50), none("#levels"), none("#history"), none("#listing-form"))

	// A developer's 51 records: 50, then 1; its appeal returns to its page.
	record := fmt.Sprintf("/credit/developers/%d", dev1)
	kaifa := env.Client(t, "kaifa")
	checkPage(t, "records, page 1", open(kaifa, record),
		countOf("#credit-events tbody tr[data-id]", 50), in(".pager .pager-total b", hasExactText(strconv.Itoa(len(events)))),
		in("#credit-events tbody tr:first-child", hasAttr("data-id", strconv.FormatInt(events[50].ID, 10))))
	checkPage(t, "records, page 2", open(kaifa, record+"?page=2"),
		countOf("#credit-events tbody tr[data-id]", 1),
		in("#credit-events tbody tr[data-id]", hasAttr("data-id", strconv.FormatInt(events[0].ID, 10))),
		none("#credit-events .appeal-form")) // appealed already: no form
	checkPage(t, "records, page 2, as the manager", open(manager, record+"?page=2"),
		in("#credit-events .decide-form input[name=page]", hasAttr("value", "2")))
	status, _, body = postForm(t, kaifa, env.HTTP.URL+fmt.Sprintf("%s/events/%d/appeal", record, events[2].ID), vals("reason", "不", "page", "2"))
	if status != 422 {
		t.Errorf("a short appeal: %d, want 422", status)
	}
	checkPage(t, "a refused appeal", body, in(".pager .pager-at", hasExactText("第 2 / 2 页")), countOf("#credit-events tbody tr[data-id]", 1))
	status, loc, _ = postForm(t, kaifa, env.HTTP.URL+fmt.Sprintf("%s/events/%d/appeal", record, events[2].ID), vals("reason", "已整改完毕，请复核", "page", "2"))
	if status != 303 || loc != record+"?page=2" {
		t.Errorf("an appeal from page 2: %d to %q, want 303 to %s?page=2", status, loc, record)
	}
}

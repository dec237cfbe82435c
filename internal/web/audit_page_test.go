package web_test

import (
	"net/url"
	"testing"

	"handover/internal/web/webtest"
)

// The audit log reads in Chinese: the action by its name, the record as a
// noun with its name, the summary as a short list; searching 登录 finds
// the logins; only administrators may open the summary as recorded.
func TestAuditPageInChinese(t *testing.T) {
	env := webtest.Start(t)
	base := env.HTTP.URL
	admin := env.Client(t, "admin")
	supervisor := env.Client(t, "jianguan")
	// A login with an unknown name is audited with the reason in a code.
	postForm(t, env.Client(t, ""), base+"/login", url.Values{"username": {"nobody"}, "password": {"x"}})

	login := allOf(in("td.action", hasExactText("登录")), in("td.record", hasText("用户 州系统管理员（#")))
	status, page := get(t, admin, base+"/audit")
	if status != 200 {
		t.Fatalf("GET /audit = %d", status)
	}
	checkPage(t, "the audit log", page,
		inAny("#audit-events tbody tr", login),
		inAny("#audit-events tbody tr", in("td.action", hasExactText("登录失败")),
			in("td.summary dl.details", hasText("理由"), hasText("用户名不存在"))),
		inAny("#audit-events tbody tr", in("td.summary details.raw pre", hasText(`"unknown user"`))),
		notIn("#audit-events td.action", hasText("auth.")),
		notIn("#audit-events td.record", hasText("user/")))

	status, page = get(t, admin, base+"/audit?action="+url.QueryEscape("登录"))
	if status != 200 {
		t.Fatalf("GET /audit?action=登录 = %d", status)
	}
	checkPage(t, "the search for 登录", page,
		in("#audit-filter input[name=action]", hasAttr("value", "登录")),
		in("#audit-matched", hasText("登录失败")),
		inAny("#audit-events tbody tr", login),
		inAll("#audit-events td.action", hasText("登录")),
		notIn("#audit-events td.action", hasText("新建用户")))

	// A code still works, and is shown by its name.
	_, page = get(t, admin, base+"/audit?action=auth.login")
	checkPage(t, "the search for auth.login", page,
		in("#audit-filter input[name=action]", hasAttr("value", "登录")),
		inAll("#audit-events td.action", hasExactText("登录")),
		inAny("#audit-events tbody tr", login))

	_, page = get(t, admin, base+"/audit?action="+url.QueryEscape("没有这种操作"))
	checkPage(t, "a search naming no action", page,
		in("#audit-nomatch", hasText("没有名称含“没有这种操作”的操作")),
		none("#audit-events tr[data-event]"))

	// The prefecture's supervisor reads the log, without the raw summaries.
	_, page = get(t, supervisor, base+"/audit?action="+url.QueryEscape("登录"))
	checkPage(t, "the supervisor's audit log", page,
		inAny("#audit-events tbody tr", login),
		none("details.raw"))
}

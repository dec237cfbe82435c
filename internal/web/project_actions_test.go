package web_test

import (
	"fmt"
	"testing"
)

// The project page's actions: its facts, a parcel, a permit and its
// confirmation, a 楼盘表 import, and presale's application, refusal, issue
// and change. The store decides each on the project: whoever lacks the
// right is refused first, however wrong the form is besides.
func TestProjectActions(t *testing.T) {
	m := newMatrix(t)
	project := fmt.Sprintf("/projects/%d", m.fixture["project"])
	var otherPermit, otherPresale int64
	if err := m.env.Raw.QueryRow(`SELECT MIN(id) FROM project_permits WHERE project_id <> $1`, m.fixture["project"]).Scan(&otherPermit); err != nil {
		t.Fatal(err)
	}
	if err := m.env.Raw.QueryRow(`SELECT MIN(id) FROM presale_permits WHERE project_id <> $1`, m.fixture["project"]).Scan(&otherPresale); err != nil {
		t.Fatal(err)
	}
	runActions(t, m.env, []action{
		{name: "facts: another county's developer", user: "other-developer", path: project, form: vals("planned_delivery", "明年"), wantStatus: 403, check: denied},
		{name: "facts: a date that is not one", user: "kaifa", path: project, form: vals("name", "天山·悦府", "planned_delivery", "明年"),
			wantStatus: 422, check: allOf(refused("项目信息有误"), reason("日期格式应为YYYY-MM-DD"))},
		{name: "parcel: another county's developer", user: "other-developer", path: project + "/parcels", wantStatus: 403, check: denied},
		{name: "parcel: nothing filled in", user: "kaifa", path: project + "/parcels", wantStatus: 422, check: in(".alert.err")},
		{name: "permit: another county's developer", user: "other-developer", path: project + "/permits", form: vals("issued_on", "昨天"), wantStatus: 403, check: denied},
		{name: "permit: a date that is not one", user: "kaifa", path: project + "/permits", form: vals("kind", "planning", "issued_on", "昨天"),
			wantStatus: 422, check: allOf(refused("许可证信息有误"), reason("日期格式应为YYYY-MM-DD"))},
		{name: "confirm: the developer may not", user: "kaifa", path: project + "/permits/confirm", form: vals("permit", fmt.Sprint(m.fixture["permit"])), wantStatus: 403, check: denied},
		{name: "confirm: no permit chosen", user: "zhujian", path: project + "/permits/confirm", wantStatus: 422, check: refused("请选择许可证")},
		{name: "confirm: another project's permit", user: "zhujian", path: project + "/permits/confirm", form: vals("permit", fmt.Sprint(otherPermit)), wantStatus: 404, check: notFound},
		{name: "confirm", user: "zhujian", path: project + "/permits/confirm", form: vals("permit", fmt.Sprint(m.fixture["permit"])), wantStatus: 303, wantLocation: project + "#permits"},
		{name: "import: another county's developer, no file", user: "other-developer", path: project + "/import", wantStatus: 403, check: denied},
		{name: "import: no file", user: "kaifa", path: project + "/import", wantStatus: 422, check: refused("请选择要导入的 .xlsx 文件")},
		{name: "apply: another county's developer", user: "other-developer", path: project + "/presale/apply", wantStatus: 403, check: denied},
		{name: "apply: an application open already", user: "kaifa", path: project + "/presale/apply", form: vals("buildings", fmt.Sprint(m.fixture["building"])),
			wantStatus: 422, check: refused("本项目已有待审批的预售许可申请")},
		{name: "issue: the developer may not", user: "kaifa", path: project + "/presale/issue", wantStatus: 403, check: denied},
		{name: "refuse: no reason", user: "zhujian", path: project + "/presale/refuse", wantStatus: 422, check: refused("请填写不予许可的理由")},
		{name: "refuse", user: "zhujian", path: project + "/presale/refuse", form: vals("reason", "资金监管未到位"), wantStatus: 303, wantLocation: project + "#presale"},
		{name: "issue: no application open", user: "zhujian", path: project + "/presale/issue", wantStatus: 422, check: refused("没有待审批的申请")},
		{name: "refuse: no application open", user: "zhujian", path: project + "/presale/refuse", form: vals("reason", "资金监管未到位"), wantStatus: 422, check: refused("没有待审批的申请")},
		{name: "change: the developer may not", user: "kaifa", path: project + "/presale/change", form: vals("permit", fmt.Sprint(m.fixture["presale"]), "kind", "suspended", "reason", "核查"), wantStatus: 403, check: denied},
		{name: "change: another project's permit", user: "zhujian", path: project + "/presale/change", form: vals("permit", fmt.Sprint(otherPresale), "kind", "suspended", "reason", "核查"), wantStatus: 404, check: notFound},
	})
}

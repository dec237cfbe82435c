package web_test

import (
	"fmt"
	"testing"
)

// The completion page's actions, each on its own route.
func TestCompletionActions(t *testing.T) {
	m := newMatrix(t)
	p := fmt.Sprintf("/projects/%d/completion", m.fixture["project"])
	building, today := fmt.Sprint(m.fixture["building"]), m.env.Clock.Now().Format("2006-01-02")
	runActions(t, m.env, []action{
		{name: "surveyor: none chosen", user: "kaifa", path: p + "/surveyor", form: vals("surveyor", ""), wantStatus: 422,
			check: in("#surveyor .field-error", hasText("请选择测绘单位"))},
		{name: "surveyor: the housing bureau may not", user: "zhujian", path: p + "/surveyor", form: vals("surveyor", fmt.Sprint(m.env.Demo.Orgs["surveyor"].ID)), wantStatus: 403, check: denied},
		{name: "surveyor", user: "kaifa", path: p + "/surveyor", form: vals("surveyor", fmt.Sprint(m.env.Demo.Orgs["surveyor"].ID)), wantStatus: 303, wantLocation: p + "#surveyor"},
		{name: "acceptance: no building", user: "kaifa", path: p + "/acceptance", wantStatus: 422, check: refused("请至少选择一幢")},
		{name: "acceptance: the building in a case already", user: "kaifa", path: p + "/acceptance", form: vals("building", building), wantStatus: 422,
			check: reason("该幢已在联合验收中")},
		{name: "acceptance: the tax bureau may not", user: "shuiwu", path: p + "/acceptance", form: vals("building", building), wantStatus: 403, check: denied},
		{name: "accounting", user: "zhujian", path: p + "/accounting", wantStatus: 303, wantLocation: p + "#item"},
		{name: "accounting: the developer may not", user: "kaifa", path: p + "/accounting", wantStatus: 403, check: denied},
		{name: "item: not an amount", user: "zhujian", path: fmt.Sprintf("%s/items/%d", p, m.fixture["item"]), form: vals("due", "一千", "paid", "0"), wantStatus: 422,
			check: allOf(refused("核算项目填写有误"), reason("应缴金额“一千”不是有效的数字"))},
		{name: "item of another project", user: "zhujian", path: fmt.Sprintf("/projects/%d/completion/items/%d", m.fixture["project"]+1, m.fixture["item"]), form: vals("due", "1", "paid", "1"),
			wantStatus: 404, check: notFound},
		{name: "clearance: cleared already", user: "zhujian", path: fmt.Sprintf("%s/items/%d/clearance", p, m.fixture["item"]), wantStatus: 422, check: refused("已核销")},
		{name: "filing: the developer may not", user: "kaifa", path: p + "/filing", form: vals("number", "N2", "filed_on", today, "building", building), wantStatus: 403, check: denied},
		{name: "filing: a date that is not one", user: "zhujian", path: p + "/filing", form: vals("number", "N2", "filed_on", "2026-13-45", "building", building), wantStatus: 422,
			check: in("#file .field-error", hasText("日期格式应为YYYY-MM-DD"))},
		{name: "filing: the building filed already", user: "zhujian", path: p + "/filing", form: vals("number", "N2", "filed_on", today, "building", building), wantStatus: 422,
			check: refused("所选的幢已办理竣工验收备案")},
		{name: "fulfilment: no evidence", user: "kaifa", path: fmt.Sprintf("%s/commitments/%d/fulfilment", p, m.fixture["commitment"]), form: vals("evidence", ""), wantStatus: 422, check: refused("请填写履行的证明")},
		{name: "fulfilment: the tax bureau may not", user: "shuiwu", path: fmt.Sprintf("%s/commitments/%d/fulfilment", p, m.fixture["commitment"]), form: vals("evidence", "结算备案表"), wantStatus: 403, check: denied},
		{name: "fulfilment", user: "kaifa", path: fmt.Sprintf("%s/commitments/%d/fulfilment", p, m.fixture["commitment"]), form: vals("evidence", "结算备案表"), wantStatus: 303, wantLocation: p + "#fulfil"},
	})
}

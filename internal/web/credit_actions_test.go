package web_test

import (
	"fmt"
	"testing"
)

// The credit record's actions: the staff's finding, the developer's
// appeal, the staff's decision on it.
func TestCreditActions(t *testing.T) {
	m := newMatrix(t)
	record := fmt.Sprintf("/credit/developers/%d", m.fixture["dev1"])
	event := fmt.Sprintf("%s/events/%d", record, m.fixture["creditevent"])
	runActions(t, m.env, []action{
		{name: "record: points not a number", user: "zhujian", path: record + "/events", form: vals("description", "未按期公示", "evidence", "昌市住建检查〔2026〕9号", "points", "五"),
			wantStatus: 422, check: allOf(in("#record-form .field-error", hasText("扣分须为1至30的整数")),
				in(`#record-form input[name="evidence"]`, hasAttr("value", "昌市住建检查〔2026〕9号")), in(`#record-form textarea[name="description"]`, hasExactText("未按期公示")))},
		{name: "record: the developer may not", user: "kaifa", path: record + "/events", form: vals("description", "x", "evidence", "y", "points", "5"), wantStatus: 403, check: denied},
		{name: "record", user: "zhujian", path: record + "/events", form: vals("description", "未按期公示", "evidence", "昌市住建检查〔2026〕9号", "points", "5"),
			wantStatus: 303, wantLocation: record},
		{name: "appeal: another developer", user: "other-developer", path: event + "/appeal", form: vals("reason", "样板房已整改完毕"), wantStatus: 403, check: denied},
		{name: "appeal: the record under another developer", user: "kaifa", path: fmt.Sprintf("/credit/developers/%d/events/%d/appeal", m.fixture["dev2"], m.fixture["creditevent"]),
			form: vals("reason", "样板房已整改完毕"), wantStatus: 404, check: notFound},
		{name: "appeal: no reason", user: "kaifa", path: event + "/appeal", form: vals("reason", "不"), wantStatus: 422, check: refused("请说明申诉理由")},
		{name: "appeal", user: "kaifa", path: event + "/appeal", form: vals("reason", "样板房已整改完毕"), wantStatus: 303, wantLocation: record},
		{name: "appeal again: refused", user: "kaifa", path: event + "/appeal", form: vals("reason", "样板房已整改完毕"), wantStatus: 422, check: refused("不能重复申诉")},
		{name: "decide: the developer may not", user: "kaifa", path: event + "/decision", form: vals("decision", "granted", "note", "x"), wantStatus: 403, check: denied},
		{name: "decide: no decision", user: "zhujian", path: event + "/decision", form: vals("decision", "", "note", "经复查属实"), wantStatus: 422, check: refused("请选择维持或撤销扣分")},
		{name: "decide", user: "zhujian", path: event + "/decision", form: vals("decision", "granted", "note", "经复查属实"), wantStatus: 303, wantLocation: record},
	})
}

package web_test

import (
	"fmt"
	"testing"
)

// The alert page's actions: acknowledge, assign, resolve.
func TestAlertActions(t *testing.T) {
	m := newMatrix(t)
	alert := fmt.Sprintf("/alerts/%d", m.fixture["alert"])
	runActions(t, m.env, []action{
		{name: "acknowledge: the housing bureau watches, the developer acts", user: "zhujian", path: alert + "/acknowledge", wantStatus: 403, check: denied},
		{name: "acknowledge", user: "kaifa", path: alert + "/acknowledge", wantStatus: 303, wantLocation: alert},
		{name: "acknowledge again: refused", user: "kaifa", path: alert + "/acknowledge", wantStatus: 422, check: refused("不能签收")},
		{name: "assign: no assignee", user: "kaifa", path: alert + "/assign", form: vals("assignee", "x", "note", "请处理"), wantStatus: 422,
			check: in("#assign-form .field-error", hasText("请选择处理人"))},
		{name: "assign", user: "kaifa", path: alert + "/assign", form: vals("assignee", fmt.Sprint(m.fixture["devuser"])), wantStatus: 303, wantLocation: alert},
		{name: "resolve: no note", user: "kaifa", path: alert + "/resolve", form: vals("note", ""), wantStatus: 422,
			check: allOf(in("#resolve-form .field-error", hasText("请填写处理说明")), refused("请填写处理说明"))},
		{name: "resolve: another county's developer", user: "other-developer", path: alert + "/resolve", form: vals("note", "已处理"), wantStatus: 403, check: denied},
		{name: "resolve", user: "kaifa", path: alert + "/resolve", form: vals("note", "已补交材料"), wantStatus: 303, wantLocation: alert},
		{name: "assign after resolving: refused", user: "kaifa", path: alert + "/assign", form: vals("assignee", fmt.Sprint(m.fixture["devuser"])), wantStatus: 422,
			check: refused("预警已解除，不能指派")},
		{name: "an alert that does not exist", user: "kaifa", path: "/alerts/999999/acknowledge", wantStatus: 404, check: notFound},
	})
}

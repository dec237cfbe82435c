package web_test

import (
	"context"
	"fmt"
	"testing"

	"handover/internal/identity"
)

// The registration steps, each on its own route.
func TestApplicationActions(t *testing.T) {
	m := newMatrix(t)
	a := fmt.Sprintf("/applications/%d", m.fixture["pending"])
	done := fmt.Sprintf("/applications/%d", m.fixture["registration"])
	// The reviewer may record too, but not what they reviewed.
	if _, err := m.env.DB.UpdateUser(context.Background(), actorOfUser(m.env, "cj-admin"), m.env.Demo.Users["shenhe"].ID,
		identity.UserChange{Roles: []identity.Role{identity.RoleReviewer, identity.RoleRecorder}}); err != nil {
		t.Fatal(err)
	}
	runActions(t, m.env, []action{
		{name: "review: the acceptor may not", user: "shouli", path: a + "/review", wantStatus: 403, check: denied},
		{name: "record before the review: refused", user: "dengbu", path: a + "/record", wantStatus: 422, check: refused("尚未审核通过")},
		{name: "return: no reason", user: "shenhe", path: a + "/return", form: vals("reason", ""), wantStatus: 422, check: in("#action .field-error", hasText("请填写理由"))},
		{name: "review", user: "shenhe", path: a + "/review", wantStatus: 303, wantLocation: a},
		{name: "record by the reviewer: refused", user: "shenhe", path: a + "/record", wantStatus: 422, check: allOf(refused("登簿人不能是本件的审核人"), reason("不能再登簿"))},
		{name: "issue: not certified", user: "dengbu", path: a + "/issue", form: vals("delivery", "hand"), wantStatus: 422, check: refused("没有可以发证的事项")},
		{name: "withdraw a finished application: refused", user: "shouli", path: done + "/withdraw", form: vals("reason", "申请人撤回"), wantStatus: 422, check: refused("该申请已办结或撤回")},
		{name: "withdraw: another county's acceptor may not", user: "other-acceptor", path: a + "/withdraw", form: vals("reason", "申请人撤回"), wantStatus: 403, check: denied},
		{name: "withdraw", user: "shouli", path: a + "/withdraw", form: vals("reason", "申请人撤回"), wantStatus: 303, wantLocation: a},
	})
}

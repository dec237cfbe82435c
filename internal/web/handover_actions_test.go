package web_test

import (
	"fmt"
	"testing"
)

// The handover's actions: run, pause, a unit's receiver.
func TestHandoverActions(t *testing.T) {
	m := newMatrix(t)
	h := fmt.Sprintf("/handover/%d", m.fixture["handover"])
	receiver := fmt.Sprintf("%s/units/%d/receiver", h, m.fixture["unit"])
	runActions(t, m.env, []action{
		{name: "pause: not running", user: "kaifa", path: h + "/pause", wantStatus: 422, check: refused("批量办理未在运行")},
		{name: "pause: the housing bureau may not", user: "zhujian", path: h + "/pause", wantStatus: 403, check: denied},
		{name: "receiver: nobody named", user: "kaifa", path: receiver, form: vals("receiver", " "), wantStatus: 422, check: refused("请填写领取钥匙的人")},
		{name: "receiver: the unit not handed over", user: "kaifa", path: receiver, form: vals("receiver", "张伟"), wantStatus: 422, check: refused("该户尚未交房")},
		{name: "receiver: a unit that is no number", user: "kaifa", path: h + "/units/x/receiver", form: vals("receiver", "张伟"), wantStatus: 404, check: notFound},
		{name: "run: the housing bureau may not", user: "zhujian", path: h + "/run", wantStatus: 403, check: denied},
		{name: "run", user: "kaifa", path: h + "/run", wantStatus: 303, wantLocation: h},
	})
}

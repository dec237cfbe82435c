package web_test

import (
	"context"
	"fmt"
	"testing"

	"handover/internal/audit"
	"handover/internal/completion"
)

// The joint acceptance's actions: a department's opinion, the developer's
// request for re-inspection.
func TestAcceptanceActions(t *testing.T) {
	env, _, ids := startCompletion(t, stageApplied)
	c := fmt.Sprintf("/acceptance/%d", ids["case"])
	others := func(t *testing.T) {
		ctx := context.Background()
		cs, err := env.DB.AcceptanceCase(ctx, ids["case"])
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range cs.Tasks {
			if task.ID != ids["task"] {
				if _, err := env.DB.RecordOpinion(ctx, audit.Actor{UserID: 1, OrgID: task.OrgID}, cs.ID, task.Department, completion.Pass, "", nil); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	runActions(t, env, []action{
		{name: "opinion: no result", user: "yanshou", path: c + "/opinion", form: vals("reasons", "消防通道堵塞"), wantStatus: 422, check: in("#opinion .field-error", hasText("请选择"))},
		{name: "opinion: failing without reasons", user: "yanshou", path: c + "/opinion", form: vals("result", "fail"), wantStatus: 422,
			check: allOf(refused("不通过须写明理由与整改要求"), in("#opinion .field-error", hasText("请填写不通过的理由")))},
		{name: "opinion: the developer may not", user: "kaifa", path: c + "/opinion", form: vals("result", "pass"), wantStatus: 403, check: denied},
		{name: "reinspection: nothing failed yet", user: "kaifa", path: c + "/reinspection", wantStatus: 422, check: refused("不需复验")},
		{name: "reinspection: the inspector may not", user: "yanshou", path: c + "/reinspection", wantStatus: 403, check: denied},
		{name: "opinion", user: "yanshou", path: c + "/opinion", form: vals("result", "fail", "reasons", "消防通道堵塞"), wantStatus: 303, wantLocation: c},
		{name: "opinion again: refused", user: "yanshou", path: c + "/opinion", form: vals("result", "pass"), wantStatus: 422, check: refused("本轮意见已出具")},
	})
	others(t)
	runActions(t, env, []action{
		{name: "reinspection", user: "kaifa", path: c + "/reinspection", wantStatus: 303, wantLocation: c},
	})
}

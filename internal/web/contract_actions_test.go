package web_test

import (
	"context"
	"fmt"
	"handover/internal/credit"
	"handover/internal/web/htmlcheck"
	"testing"
)

// The contract's actions: send, withdraw, sign, file, cancel.
func TestContractActions(t *testing.T) {
	m := newMatrix(t)
	c := func(key string) string { return fmt.Sprintf("/contracts/%d", m.fixture[key]) }
	signed, err := m.env.DB.Contract(context.Background(), m.fixture["signed"])
	if err != nil {
		t.Fatal(err)
	}
	if err := m.env.DB.LockUnit(context.Background(), actorOfUser(m.env, "zhujian"), signed.UnitID, true, "司法协助"); err != nil {
		t.Fatal(err)
	}
	runActions(t, m.env, []action{
		{name: "send: the buyer may not", user: "zhangwei", path: c("draft") + "/send", wantStatus: 403, check: denied},
		{name: "send", user: "kaifa", path: c("draft") + "/send", wantStatus: 303, wantLocation: c("draft")},
		{name: "send again: refused", user: "kaifa", path: c("draft") + "/send", wantStatus: 422, check: refused("不能变为“待购房人确认”")},
		{name: "withdraw a filed contract: refused", user: "kaifa", path: c("contract") + "/withdraw", form: vals("reason", "买受人放弃购买"), wantStatus: 422, check: refused("不能变为“已撤回”")},
		{name: "withdraw", user: "kaifa", path: c("draft2") + "/withdraw", form: vals("reason", "买受人放弃购买"), wantStatus: 303, wantLocation: c("draft2")},
		{name: "sign: the developer may not", user: "kaifa", path: c("sent") + "/sign", wantStatus: 403, check: denied},
		{name: "sign", user: "zhangwei", path: c("sent") + "/sign", wantStatus: 303, wantLocation: c("sent")},
		{name: "sign again: refused", user: "zhangwei", path: c("sent") + "/sign", wantStatus: 422, check: refused("不能确认")},
		{name: "file: the bank may not", user: "yinhang", path: c("signed") + "/file", wantStatus: 403, check: denied},
		{name: "file: the unit is locked", user: "kaifa", path: c("signed") + "/file", wantStatus: 422, check: reason("该户已被锁定")},
		{name: "cancel: another county's court clerk may not", user: "other-recorder", path: c("tocancel") + "/cancel", form: vals("reason", "x", "court_doc", "执1号"), wantStatus: 403, check: denied},
		{name: "cancel: the housing bureau without the court's document", user: "zhujian", path: c("tocancel") + "/cancel", form: vals("reason", "法院判决解除", "court_doc", ""),
			wantStatus: 422, check: in(fmt.Sprintf(`form[action="%s/cancel"] .field-error`, c("tocancel")), hasText("请填写文书编号"))},
		{name: "cancel", user: "kaifa", path: c("tocancel") + "/cancel", form: vals("reason", "双方协商解除"), wantStatus: 303, wantLocation: c("tocancel")},
		{name: "cancel: the buyer agrees too", user: "zhangwei", path: c("tocancel") + "/cancel", form: vals("reason", "双方协商解除"), wantStatus: 303, wantLocation: c("tocancel")},
		{name: "cancel a cancelled contract: refused", user: "kaifa", path: c("tocancel") + "/cancel", form: vals("reason", "双方协商解除"), wantStatus: 422, check: refused("不需注销备案")},
	})
}

// A buyer is not asked to confirm a contract the signing would refuse: the
// developer was put on the restriction list after sending it, so the
// buyer's page says why it cannot be signed, naming the rule, and draws no
// 确认签署 button.
func TestBuyerIsNotAskedToConfirmAnUnsignableContract(t *testing.T) {
	env, unit, _ := startSale(t)
	ctx := context.Background()
	dev := actorOfUser(env, "kaifa")
	c, err := env.DB.DraftContract(ctx, dev, env.Demo.Orgs["dev1"].ID, saleInput(unit.ID, "张伟", "652301199003071231"))
	if err != nil {
		t.Fatal(err)
	}
	if c, err = env.DB.SendContract(ctx, dev, c.ID); err != nil {
		t.Fatal(err)
	}
	buyer := env.Client(t, "zhangwei")
	page := fmt.Sprintf("%s/contracts/%d", env.HTTP.URL, c.ID)
	_, body := get(t, buyer, page)
	htmlcheck.Expect(t, "the buyer's page of a contract that may be signed", body,
		htmlcheck.Count(`button[data-step="confirm"]`, 1), htmlcheck.Count(`#unsignable`, 0))
	if err := env.DB.ListDeveloper(ctx, actorOfUser(env, "zhujian"), credit.Listing{Developer: env.Demo.Orgs["dev1"].ID, Listed: true, Reason: "拒不履行生效判决"}); err != nil {
		t.Fatal(err)
	}
	_, body = get(t, buyer, page)
	htmlcheck.Expect(t, "the buyer's page once the developer is restricted", body,
		htmlcheck.Count(`button[data-step="confirm"]`, 0),
		htmlcheck.In(`#unsignable .reasons li`, htmlcheck.HasText("限制清单")))
}

package web_test

import (
	"fmt"
	"testing"
)

// The deed tax page's actions: the assessment, a contract's payment.
func TestDeedTaxActions(t *testing.T) {
	m := newMatrix(t)
	p := fmt.Sprintf("/projects/%d/deed-tax", m.fixture["project"])
	pay := func(key string) string { return fmt.Sprintf("%s/contracts/%d/payment", p, m.fixture[key]) }
	runActions(t, m.env, []action{
		{name: "assess: the developer may not", user: "kaifa", path: p + "/assessment", wantStatus: 403, check: denied},
		{name: "assess", user: "shuiwu", path: p + "/assessment", wantStatus: 303, wantLocation: p},
		{name: "pay: the developer may not", user: "kaifa", path: pay("tocancel"), form: vals("voucher", "完税009"), wantStatus: 403, check: denied},
		{name: "pay: no voucher", user: "shuiwu", path: pay("tocancel"), form: vals("voucher", " "), wantStatus: 422,
			check: in("#taxes .field-error", hasText("请填写完税凭证号"))},
		{name: "pay: paid already with another voucher", user: "shuiwu", path: pay("contract"), form: vals("voucher", "完税009"), wantStatus: 422,
			check: refused("该契税已以另一完税凭证缴纳")},
		{name: "pay: a contract of another project", user: "shuiwu", path: fmt.Sprintf("/projects/%d/deed-tax/contracts/%d/payment", m.fixture["project"]+1, m.fixture["tocancel"]),
			form: vals("voucher", "完税009"), wantStatus: 404, check: notFound},
		{name: "pay: the voucher of another contract", user: "shuiwu", path: pay("tocancel"), form: vals("voucher", "完税001"), wantStatus: 422,
			check: refused("完税凭证号“完税001”已用于合同")},
		{name: "pay: the voucher of another contract, at its field", user: "shuiwu", path: pay("tocancel"), form: vals("voucher", "完税001"), wantStatus: 422,
			check: in("#taxes .field-error", hasText("已用于合同"))},
		{name: "pay", user: "shuiwu", path: pay("tocancel"), form: vals("voucher", "完税009"), wantStatus: 303, wantLocation: p},
	})
}

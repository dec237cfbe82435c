package web

import (
	"strings"
	"testing"

	"handover/internal/problem"
	"handover/internal/store"
)

// A page's refusal of bad text names the field by its label, numbered
// fields (unit_no_2) included; an unknown field keeps its name.
func TestLabelField(t *testing.T) {
	tests := []struct{ field, want string }{
		{"unit_no_2", "“不动产单元号”一栏含有不可见的控制字符或无效的编码，请删除后重新提交"},
		{"applicants", "“申请人”一栏含有不可见的控制字符或无效的编码，请删除后重新提交"},
		{"workbook", "字段“workbook”含有不可见的控制字符或无效的编码，请删除后重试"},
	}
	for _, tt := range tests {
		err := labelField(problem.CheckText(tt.field, "a\x00b"))
		if e := problem.As(err); e.Message != tt.want || e.Code != problem.CodeInvalidText || e.Fields[tt.field] == "" {
			t.Errorf("labelField(%s) = %q (%s, fields %v), want %q", tt.field, e.Message, e.Code, e.Fields, tt.want)
		}
	}
}

// An audit summary reads as a short list in Chinese: a change as the fields
// that changed, a coded value by its domain's name, a record by its name.
func TestAuditDetails(t *testing.T) {
	names := map[store.RecordRef]string{{Kind: "unit", ID: "2092"}: "庭州·花园 2号楼 1单元101"}
	jnames := map[string]string{"652301": "昌吉市"}
	tests := []struct {
		action, summary, want string
	}{
		{"auth.login", `null`, ""},
		{"auth.login_failed", `{"reason":"unknown user"}`, "理由：用户名不存在"},
		{"user.update", `{"after":{"disabled":true,"name":"张三","roles":["acceptor"]},"before":{"disabled":false,"name":"张三","roles":["acceptor","admin"]}}`,
			"停用：否 → 是|角色：受理、系统管理 → 受理"},
		{"contract.send", `{"after":"sent","before":"draft","number":"HT1"}`, "变更：草稿 → 待购房人确认|编号：HT1"},
		{"setting.put", `{"after":"15","before":""}`, "变更：（空） → 15"},
		{"handover.receiver", `{"event":3,"unit":2092}`, "事件：3|户：庭州·花园 2号楼 1单元101"},
		{"register.ownership", `{"ends":0,"reg_type":200,"unit":7}`, "登记类型：转移登记|户：#7"},
		{"key.create", `{"jurisdiction":"652301","subject":"x"}`, "辖区：昌吉市|对象：x"},
		{"fund.request", `{"amount":"10.00","node":"structure"}`, "金额（元）：10.00|支取节点：主体结构验收"},
	}
	for _, tt := range tests {
		v := auditValues{action: tt.action, jnames: jnames, names: names}
		var got []string
		for _, d := range v.details(parseSummary(tt.summary)) {
			got = append(got, d.Label+"："+d.Value)
		}
		if g := strings.Join(got, "|"); g != tt.want {
			t.Errorf("%s %s:\n got %s\nwant %s", tt.action, tt.summary, g, tt.want)
		}
	}
}

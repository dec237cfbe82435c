package exchange

import "testing"

// A failed delivery is summarised in Chinese from the partner's status or
// the recorded Go error; the raw text stays for administrators.
func TestFailureSummary(t *testing.T) {
	tests := []struct {
		status int
		err    string
		want   string
	}{
		{0, "", ""},
		{0, `Post "http://127.0.0.1:9/hook": dial tcp 127.0.0.1:9: connect: connection refused`, "对方系统无法连接（连接被拒绝）"},
		{0, `Post "https://tax.example/hook": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, "对方系统响应超时"},
		{0, `Post "https://tax.example/hook": dial tcp: lookup tax.example: no such host`, "对方地址无法解析（域名不存在）"},
		{0, `Post "https://tax.example/hook": tls: failed to verify certificate: x509: certificate signed by unknown authority`, "对方 HTTPS 证书无效或不受信任"},
		{0, `Post "http://10.0.0.5/hook": EOF`, "对方未应答即断开连接"},
		{500, "partner answered 500", "对方返回错误 HTTP 500（对方系统内部错误）"},
		{0, "partner answered 503", "对方返回错误 HTTP 503（对方系统内部错误）"}, // the health row has no status
		{401, "partner answered 401", "对方返回错误 HTTP 401（签名或授权未通过）"},
		{404, "partner answered 404", "对方返回错误 HTTP 404（接收地址不存在）"},
		{418, "partner answered 418", "对方返回错误 HTTP 418"},
		{0, "something else entirely", "投递失败（原因见原始错误）"},
	}
	for _, tt := range tests {
		if got := FailureSummary(tt.status, tt.err); got != tt.want {
			t.Errorf("FailureSummary(%d, %q) = %q, want %q", tt.status, tt.err, got, tt.want)
		}
	}
}

func TestDeliveryStateLabel(t *testing.T) {
	tests := []struct {
		state  string
		failed bool
		want   string
	}{
		{Pending, false, "待投递"},
		{Pending, true, "失败，待重试"},
		{Delivered, false, "已送达"},
		{Dead, true, "死信（已停止重试）"},
		{"odd", false, "odd"},
	}
	for _, tt := range tests {
		if got := DeliveryStateLabel(tt.state, tt.failed); got != tt.want {
			t.Errorf("DeliveryStateLabel(%q, %v) = %q, want %q", tt.state, tt.failed, got, tt.want)
		}
	}
}

func TestEventNameAndAggregate(t *testing.T) {
	if got := EventName(ContractFiled); got != "商品房预售合同备案" {
		t.Errorf("EventName(contract.filed) = %q", got)
	}
	if got := EventName("no.such"); got != "no.such" {
		t.Errorf("EventName(no.such) = %q", got)
	}
	for _, tt := range []struct {
		agg, kind, id string
		ok            bool
	}{{"unit:2092", "unit", "2092", true}, {"project:3", "project", "3", true}, {"unit", "unit", "", false}, {":1", "", "1", false}} {
		kind, id, ok := ParseAggregate(tt.agg)
		if kind != tt.kind || id != tt.id || ok != tt.ok {
			t.Errorf("ParseAggregate(%q) = %q, %q, %v", tt.agg, kind, id, ok)
		}
	}
}

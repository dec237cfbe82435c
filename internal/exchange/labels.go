package exchange

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// EventName names an event type in Chinese (商品房预售合同备案); an
// unknown type is shown as it is.
func EventName(code string) string {
	for _, t := range EventTypes() {
		if t.Code == code {
			return t.Name
		}
	}
	return code
}

// DeliveryStateLabel names a delivery's state: a pending delivery that
// has failed before (attempts > 0 and not delivered) waits for a retry.
func DeliveryStateLabel(state string, failed bool) string {
	switch state {
	case Pending:
		if failed {
			return "失败，待重试"
		}
		return "待投递"
	case Delivered:
		return "已送达"
	case Dead:
		return "死信（已停止重试）"
	}
	return state
}

// answered is how the courier records a partner's refusal (courier.post).
var answered = regexp.MustCompile(`partner answered (\d{3})`)

// failures name the errors of a failed delivery that are not the partner's
// answer: what the error text contains, what people are told.
var failures = []struct{ contains, summary string }{
	{"connection refused", "对方系统无法连接（连接被拒绝）"},
	{"no such host", "对方地址无法解析（域名不存在）"},
	{"server misbehaving", "对方地址无法解析（域名服务器异常）"},
	{"Client.Timeout", "对方系统响应超时"},
	{"deadline exceeded", "对方系统响应超时"},
	{"i/o timeout", "对方系统响应超时"},
	{"connection reset", "连接被对方重置"},
	{"broken pipe", "连接被对方中断"},
	{"network is unreachable", "网络不通，无法到达对方地址"},
	{"no route to host", "网络不通，无法到达对方地址"},
	{"x509", "对方 HTTPS 证书无效或不受信任"},
	{"tls:", "与对方建立加密连接失败"},
	{"unsupported protocol scheme", "接收地址格式有误"},
	{"EOF", "对方未应答即断开连接"},
}

// FailureSummary says in Chinese why a delivery failed, from the partner's
// HTTP status (0 when it gave none) and the error recorded: 对方系统无法连
// 接（连接被拒绝）, 对方系统响应超时, 对方返回错误 HTTP 500（对方系统内部错误）.
// The recorded text, a Go error in English, is for administrators.
func FailureSummary(status int, errText string) string {
	if status == 0 {
		if m := answered.FindStringSubmatch(errText); m != nil {
			status, _ = strconv.Atoi(m[1])
		}
	}
	if status != 0 && (status < 200 || status > 299) {
		s := fmt.Sprintf("对方返回错误 HTTP %d", status)
		switch {
		case status == 401 || status == 403:
			s += "（签名或授权未通过）"
		case status == 404:
			s += "（接收地址不存在）"
		case status == 413:
			s += "（报文过大）"
		case status == 429:
			s += "（请求过于频繁）"
		case status >= 500:
			s += "（对方系统内部错误）"
		}
		return s
	}
	if strings.TrimSpace(errText) == "" {
		return ""
	}
	for _, f := range failures {
		if strings.Contains(errText, f.contains) {
			return f.summary
		}
	}
	return "投递失败（原因见原始错误）"
}

// ParseAggregate splits an event's aggregate (unit:2092) into the kind of
// record it is about and its id; ok is false for any other form.
func ParseAggregate(aggregate string) (kind, id string, ok bool) {
	kind, id, ok = strings.Cut(aggregate, ":")
	return kind, id, ok && kind != "" && id != ""
}

// Package exchange is how the platform shares data with other departments'
// systems (信息共享, docs/domain.md §5.15): events written to an outbox in the
// same transaction as the change they report, delivered by HTTP POST to
// every subscribed partner endpoint, signed with HMAC-SM3 over a timestamp
// and the body, retried until acknowledged, each with an idempotency key so
// that a partner that acknowledged an event never receives it twice.
package exchange

import (
	"crypto/hmac"
	"encoding/hex"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"

	"handover/internal/problem"
)

// Event types the platform emits.
const (
	ContractFiled        = "contract.filed"
	ContractCancelled    = "contract.cancelled"
	PreNoticeRegistered  = "prenotice.registered"
	PreMortgageRecorded  = "premortgage.registered"
	PreNoticeCancelled   = "prenotice.cancelled"
	PreMortgageCancelled = "premortgage.cancelled"
	CompletionFiled      = "completion.filed"
	TransferRegistered   = "transfer.registered"
	MortgageRegistered   = "mortgage.registered"
	UnitSealed           = "unit.sealed"
	UtilityRequested     = "utility.transfer_requested"
	CertificateIssued    = "certificate.issued"
)

// EventTypes lists the event types with their Chinese names.
func EventTypes() []EventType {
	return []EventType{
		{ContractFiled, "商品房预售合同备案", "合同编号、不动产单元号、买受人、价款、付款方式、贷款银行"},
		{ContractCancelled, "合同注销备案", "合同编号、不动产单元号、注销理由"},
		{PreNoticeRegistered, "预售商品房买卖预告登记", "不动产证明号、权利人、义务人、不动产单元号"},
		{PreMortgageRecorded, "预售商品房抵押权预告登记", "不动产证明号、抵押权人（银行）、被担保主债权数额"},
		{PreNoticeCancelled, "预告登记注销", "被注销的证明号、理由"},
		{PreMortgageCancelled, "抵押权预告登记注销", "被注销的证明号、理由"},
		{CompletionFiled, "竣工验收备案", "项目、备案编号、备案日期、20个工作日届满日、幢"},
		{TransferRegistered, "转移登记", "不动产单元、不动产权证书号、权利人"},
		{MortgageRegistered, "抵押权登记", "不动产单元、不动产登记证明号、抵押权人、债权数额、期限"},
		{UnitSealed, "查封登记", "不动产单元、查封机关、文书编号、是否轮候"},
		{UtilityRequested, "水电气联动过户申请", "只投递给被请求的公共事业单位：不动产单元、新户主"},
		{CertificateIssued, "电子证照签发", "证照标识、证书号、不动产单元"},
	}
}

// EventType documents one event type.
type EventType struct {
	Code, Name, Fields string
}

// Event is one outbox event.
type Event struct {
	ID           int64
	Type         string
	Aggregate    string // what the event is about, e.g. "unit:123": deliveries keep its order
	Jurisdiction string
	Payload      []byte // JSON
	CreatedAt    time.Time
}

// Endpoint is a partner's receiving address.
type Endpoint struct {
	ID           int64
	OrgID        int64
	OrgName      string
	Name         string
	URL          string
	Secret       string   // HMAC key; shown once, masked afterwards
	Events       []string // subscribed types
	Jurisdiction string   // "" for every jurisdiction
	Active       bool
	CreatedAt    time.Time

	// PreviousSecret is the secret the last rotation replaced: it signs
	// deliveries beside Secret until PreviousUntil (InChangeover) and is
	// never shown. PreviousUntil is zero when no rotation left one.
	PreviousSecret string
	PreviousUntil  time.Time
}

// Validate checks an endpoint before it is saved.
func (e *Endpoint) Validate() error {
	var f problem.Fields
	e.Name, e.URL = strings.TrimSpace(e.Name), strings.TrimSpace(e.URL)
	if e.Name == "" || utf8.RuneCountInString(e.Name) > 60 {
		f.Add("name", "请填写名称（不超过60字）")
	}
	u, err := url.Parse(e.URL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "":
		f.Add("url", "请填写以 https:// 开头的接收地址")
	case !Secure(e.URL):
		f.Add("url", "事件含身份证号等个人信息，接收地址须以 https:// 开头（http:// 仅限本机 127.0.0.1 或 localhost 的测试地址）")
	}
	if e.OrgID == 0 {
		f.Add("org", "请选择接收机构")
	}
	if len(e.Secret) < 16 {
		f.Add("secret", "签名密钥至少16个字符")
	}
	if len(e.Events) == 0 {
		f.Add("events", "至少订阅一种事件")
	}
	known := EventTypes()
	for _, t := range e.Events {
		if !slices.ContainsFunc(known, func(k EventType) bool { return k.Code == t }) {
			f.Add("events", "未知的事件类型 "+t)
		}
	}
	return f.Err("endpoint.invalid", "接收地址配置有误")
}

// Secure reports whether events may be sent to rawURL: over https, or
// over plain HTTP to this machine only. The courier asks again before
// each delivery, so an address saved before the rule is not sent to.
func Secure(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	return u.Scheme == "https" || (u.Scheme == "http" && loopback(u.Hostname()))
}

// loopback reports whether host is this machine: the only place a
// delivery may go over plain HTTP, since events carry personal data
// (个人信息保护法 第五十一条: encryption among the security measures).
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Delivery states.
const (
	Pending   = "pending"
	Delivered = "delivered"
	Dead      = "dead" // given up after too many attempts (replayable)
)

// Headers of a delivery.
const (
	HeaderEvent     = "X-Handover-Event"
	HeaderID        = "X-Handover-Delivery" // the idempotency key: the event id
	HeaderTimestamp = "X-Handover-Timestamp"
	HeaderSignature = "X-Handover-Signature"
)

// Sign returns one secret's signature of a body sent at ts:
// "hmac-sm3=" + hex(HMAC-SM3(secret, ts + "." + body)). A delivery's
// header is Endpoint.Signature: this, or two of these during a rotation.
func Sign(secret []byte, ts string, body []byte) string {
	m := hmac.New(sm3.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "hmac-sm3=" + hex.EncodeToString(m.Sum(nil))
}

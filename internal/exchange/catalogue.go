package exchange

import (
	"encoding/json"
	"fmt"
	"slices"

	"handover/internal/problem"
)

// Field is one field of an event's payload.
type Field struct {
	Name     string
	Type     string // string, integer, number, boolean, array, object
	Required bool
	Desc     string
}

func req(name, typ, desc string) Field {
	return Field{Name: name, Type: typ, Required: true, Desc: desc}
}
func opt(name, typ, desc string) Field { return Field{Name: name, Type: typ, Desc: desc} }

// payloads declares each event type's payload: the catalogue partners
// build on, and what every emitted event is checked against in the tests.
var payloads = map[string][]Field{
	ContractFiled: {req("contract", "string", "合同编号"), req("unit_no", "string", "不动产单元号"), req("room", "string", "室号"),
		req("project", "string", "项目"), req("buyers", "array", "买受人：name、id_number、share"), req("ownership", "string", "共有方式"),
		req("total_price", "string", "总价（元，两位小数）"), req("payment", "string", "付款方式"), req("home_count", "string", "家庭住房套数"),
		req("area", "string", "计价面积（㎡）"), req("digest", "string", "合同内容SM3摘要"), req("filed_at", "string", "备案时间")},
	ContractCancelled: {req("contract", "string", "合同编号"), req("reason", "string", "注销理由")},
	PreNoticeRegistered: {req("cert_no", "string", "不动产登记证明号"), req("unit_no", "string", "不动产单元号"), req("kind", "integer", "预告登记种类"),
		req("holders", "array", "权利人"), req("obligor", "string", "义务人（开发企业）"), req("amount", "string", "价款"), req("contract", "string", "合同编号")},
	PreMortgageRecorded: {req("cert_no", "string", "不动产登记证明号"), req("unit_no", "string", "不动产单元号"), req("bank", "string", "抵押权人"),
		req("amount", "string", "被担保主债权数额"), req("years", "integer", "贷款年限"), req("loan_contract", "string", "借款合同编号"),
		req("mortgagors", "array", "抵押人")},
	PreNoticeCancelled:   {req("cert_no", "string", "被注销的证明号"), req("reason", "string", "理由")},
	PreMortgageCancelled: {req("cert_no", "string", "被注销的证明号"), req("reason", "string", "理由")},
	CompletionFiled: {req("project", "string", "项目"), req("number", "string", "备案编号"), req("filed_on", "string", "备案日期"),
		req("due_on", "string", "20个工作日届满日"), req("buildings", "array", "备案的幢")},
	TransferRegistered: {req("unit", "integer", "不动产单元"), req("cert_no", "string", "不动产权证书号"), req("application", "string", "受理号"),
		req("holders", "array", "权利人姓名")},
	MortgageRegistered: {req("unit", "integer", "不动产单元"), req("cert_no", "string", "不动产登记证明号"), req("bank", "string", "抵押权人"),
		req("amount", "string", "债权数额"), opt("term_end", "string", "债务履行期限届满日")},
	UnitSealed: {req("unit", "integer", "不动产单元"), req("authority", "string", "查封机关"), req("doc_no", "string", "文书编号"),
		req("waiting", "boolean", "是否轮候查封")},
	UtilityRequested: {req("request", "integer", "过户申请编号（答复时使用）"), req("unit", "integer", "不动产单元"), req("service", "string", "服务：water、electricity、gas、network、tv"),
		req("provider", "integer", "被请求的单位"), req("new_holders", "array", "新户主姓名"), req("id_numbers", "array", "新户主身份证号（仅投递给被请求单位）")},
	CertificateIssued: {req("licence_id", "string", "电子证照标识"), req("cert_no", "string", "证书号"), req("unit", "integer", "不动产单元"),
		opt("delivery", "string", "发放方式")},
}

// Payload lists the payload fields of an event type.
func Payload(code string) []Field { return payloads[code] }

// Schema is the JSON Schema (2020-12) of an event type's payload.
func Schema(et EventType) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range payloads[et.Code] {
		props[f.Name] = map[string]any{"type": f.Type, "description": f.Desc}
		if f.Required {
			required = append(required, f.Name)
		}
	}
	return map[string]any{"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "handover:event:" + et.Code,
		"title": et.Name, "type": "object", "required": required, "properties": props}
}

// ValidatePayload checks a payload against its type's declaration: every
// required field present, every declared field of its type, no field the
// catalogue does not declare.
func ValidatePayload(code string, payload []byte) error {
	fields, ok := payloads[code]
	if !ok {
		return problem.Newf(problem.Invalid, "event.type", "未知的事件类型“%s”", code)
	}
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		return problem.Newf(problem.Invalid, "event.payload", "事件内容不是 JSON 对象：%v", err)
	}
	var f problem.Fields
	for _, fd := range fields {
		v, present := m[fd.Name]
		if !present || v == nil {
			if fd.Required {
				f.Add(fd.Name, "缺少必填字段")
			}
			continue
		}
		if got := jsonType(v); got != fd.Type && !(fd.Type == "number" && got == "integer") {
			f.Add(fd.Name, fmt.Sprintf("应为 %s，实为 %s", fd.Type, got))
		}
	}
	for name := range m {
		if !slices.ContainsFunc(fields, func(fd Field) bool { return fd.Name == name }) {
			f.Add(name, "目录中没有该字段")
		}
	}
	return f.Err("event.payload", "事件内容与目录不符："+code)
}

func jsonType(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

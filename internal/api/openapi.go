package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The OpenAPI 3 document is built from the route table and the schemas
// below, so that it cannot drift from the routes the server registers.

// schema helpers: small constructors for JSON Schema objects.
type js = map[string]any

func str(desc string) js     { return js{"type": "string", "description": desc} }
func integer(desc string) js { return js{"type": "integer", "description": desc} }
func boolean(desc string) js { return js{"type": "boolean", "description": desc} }
func ref(name string) js     { return js{"$ref": "#/components/schemas/" + name} }
func array(items js) js      { return js{"type": "array", "items": items} }
func dateTime(desc string) js {
	return js{"type": "string", "format": "date-time", "description": desc}
}
func date(desc string) js { return js{"type": "string", "format": "date", "description": desc} }

func object(required []string, props js) js {
	o := js{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func listOf(key, item string) js {
	return object([]string{key}, js{key: array(ref(item))})
}

// schemas returns every named schema of the API.
func (a *API) schemas() map[string]js {
	s := map[string]js{
		"Error": object([]string{"error"}, js{"error": object([]string{"code", "message"}, js{
			"code":    str("稳定的错误代码，如 access.denied"),
			"message": str("中文说明"),
			"fields":  js{"type": "object", "additionalProperties": js{"type": "string"}, "description": "字段错误"},
			"reasons": array(object([]string{"rule", "message"}, js{
				"rule": str("规则代码"), "subject": str("对象，如不动产单元号"), "message": str("说明"),
				"basis": str("法律或政策依据"), "fixer": str("可纠正者"),
			})),
		})}),
		"CodeCheck": object([]string{"valid"}, js{
			"valid": boolean("是否有效"), "canonical": str("规范形式（身份证号脱敏）"),
			"error_code": str("无效时的错误代码"), "error": str("无效时的说明"),
			"warnings": array(str("")), "parts": js{"type": "object", "additionalProperties": js{"type": "string"}},
		}),
		"Deadline": object([]string{"start", "workdays", "due"}, js{
			"start": date("起算日"), "workdays": integer("工作日数"), "region": str("地区代码"), "due": date("期限届满日"),
			"skipped":  array(object(nil, js{"date": date(""), "workday": boolean(""), "name": str(""), "scope": str("")})),
			"warnings": array(str("如地方节假日尚未载入")),
		}),
		"Notice": object([]string{"scope", "year", "title", "text"}, js{
			"scope": str("000000（全国）或省级代码"), "scope_name": str(""), "year": integer(""), "title": str(""),
			"source": str(""), "text": str("通知全文（平台文本格式）"),
		}),
		"NoticeList": listOf("notices", "Notice"),
		"Guide": object([]string{"key", "title", "department", "steps", "conditions", "limit", "fee"}, js{
			"key": str("事项代码"), "title": str("事项名称"), "department": str("办理部门"), "applicant": str("申请人"),
			"steps":      array(object([]string{"name", "who"}, js{"name": str("环节"), "who": str("办理人"), "note": str("")})),
			"conditions": array(object([]string{"rule", "text"}, js{"rule": str("规则代码（与拒绝时的 reasons[].rule 一致）"), "text": str("条件"), "basis": str("依据"), "fixer": str("不具备时由谁解决")})),
			"bring":      array(str("申请人提交的材料")), "held": array(str("平台已共享、无需提交的材料")),
			"limit": str("办理时限"), "fee": str("收费"), "notes": array(str("本辖区配置")), "basis": str("依据"),
		}),
		"GuideList":        object([]string{"jurisdiction", "matters"}, js{"jurisdiction": str("辖区代码"), "matters": array(ref("Guide"))}),
		"Jurisdiction":     object([]string{"code", "name", "kind"}, js{"code": str("辖区代码"), "name": str(""), "kind": str("prefecture | county | park"), "county": str("单元号使用的县级代码"), "region": str("适用地方节假日的省级代码")}),
		"JurisdictionList": listOf("jurisdictions", "Jurisdiction"),
		"Org": object([]string{"id", "name", "kind", "jurisdiction"}, js{
			"id": integer(""), "name": str(""), "kind": str("机构类型代码"), "kind_label": str(""), "service": str("验收部门或公共事业的业务类别"),
			"jurisdiction": str(""), "uscc": str("统一社会信用代码"), "created_at": dateTime(""),
		}),
		"OrgList": listOf("organisations", "Org"),
		"NewOrg": object([]string{"name", "kind", "jurisdiction"}, js{
			"name": str(""), "kind": str("registry | housing | acceptance | tax | bank | utility | developer | surveyor | centre | individual"),
			"service": str(""), "jurisdiction": str(""), "uscc": str(""),
		}),
		"User": object([]string{"id", "username", "name", "org_id", "roles"}, js{
			"id": integer(""), "username": str(""), "name": str(""), "org_id": integer(""), "roles": array(str("角色代码")),
			"id_number": str("身份证号（脱敏）"), "phone": str(""), "disabled": boolean(""), "locked_until": dateTime(""), "created_at": dateTime(""),
		}),
		"UserList": listOf("users", "User"),
		"NewUser": object([]string{"username", "name", "org_id", "roles", "password"}, js{
			"username": str(""), "name": str(""), "org_id": integer(""), "roles": array(str("")),
			"id_number": str("购房人必填"), "phone": str(""), "password": str("至少8位，含字母和数字"),
		}),
		"UserChange": object(nil, js{"roles": array(str("")), "disabled": boolean(""), "unlock": boolean(""), "password": str("")}),
		"NewToken":   object(nil, js{"name": str("令牌用途，如“税务征管系统”")}),
		"CreatedToken": object([]string{"id", "token"}, js{
			"id": integer(""), "name": str(""), "prefix": str(""), "token": str("令牌全文，只显示这一次"),
		}),
		"Me": object([]string{"user", "organisation", "jurisdiction"}, js{"user": ref("User"), "organisation": ref("Org"), "jurisdiction": ref("Jurisdiction")}),
		"AuditEvent": object([]string{"id", "at", "action"}, js{
			"id": integer(""), "at": dateTime(""), "actor_user": integer(""), "actor_name": str(""), "actor_org": str(""),
			"addr": str(""), "action": str(""), "record_type": str(""), "record_id": str(""), "summary": str("JSON"), "hash": str("SM3"),
		}),
		"AuditList": listOf("events", "AuditEvent"),
		"AuditVerification": object([]string{"events", "intact"}, js{
			"events": integer("校验的事件数"), "intact": boolean("链是否完整"), "first_broken_event": integer(""), "lane": integer(""), "reason": str(""),
		}),
	}
	for k, v := range ledgerSchemas() {
		s[k] = v
	}
	for k, v := range contractSchemas() {
		s[k] = v
	}
	for k, v := range completionSchemas() {
		s[k] = v
	}
	for k, v := range supervisionSchemas() {
		s[k] = v
	}
	for k, v := range registrationSchemas() {
		s[k] = v
	}
	return s
}

// entrySchema is a register entry, with a mortgage's, seal's or
// objection's particulars.
func entrySchema() js {
	return object([]string{"id", "kind", "status"}, js{"id": integer(""), "kind": str(""), "kind_label": str(""), "reg_type": integer("登记类型"),
		"right_type": integer("权利类型"), "prenotice_kind": integer("预告登记种类"), "status": str("current | history | terminated | temporary"),
		"status_label": str("现势 | 历史 | 终止 | 临时"),
		"cert_no":      str("不动产权证书号或证明号"), "holders": array(object(nil, js{"name": str(""), "id_number": str("脱敏"), "share": str("")})),
		"obligor": str("义务人"), "amount": str(""), "ends": integer("结束的登记"), "note": str("附记"), "recorded_at": dateTime(""),
		"detail": object(nil, js{"term_start": date("债务履行期限或查封期限起"), "term_end": date("止"), "rank": integer("抵押顺位"),
			"no_transfer": boolean("约定抵押期间不得转让"), "authority": str("查封机关或异议申请人"), "doc_no": str("法律文书编号"),
			"seal_kind": str("查封 | 预查封 | 轮候查封"), "waiting": boolean("轮候：前序查封解除后生效")})})
}

// supervisionSchemas are the schemas of alerts, developer credit and its
// appeals, the assessment dashboard and the partners' delivery health.
func supervisionSchemas() map[string]js {
	alert := js{"id": integer(""), "kind": str("预警类型"), "kind_label": str(""), "severity": str("notice | warning | critical"),
		"severity_label": str("提示 / 预警 / 严重"), "state": str("open | acknowledged | resolved"), "state_label": str(""),
		"jurisdiction": str(""), "project_id": integer(""), "org_id": integer("须处理的机构"), "org_name": str(""),
		"subject": str("所涉记录，如 commitment:12"), "message": str(""), "basis": str("规则依据"), "link": str("处理入口（页面地址）"),
		"assignee": integer("处理人"), "assignee_name": str(""), "occurrences": integer("发生次数（解除后再次发生时加一）"),
		"raised_at": dateTime(""), "last_seen_at": dateTime(""), "resolved_at": dateTime("")}
	creditEvent := js{"id": integer(""), "developer": integer(""), "jurisdiction": str(""), "kind": str(""), "kind_label": str(""),
		"subject": str(""), "description": str(""), "points": integer("扣分"), "source": str("platform | staff"), "evidence": str(""),
		"recorded_by": str(""), "occurred_at": dateTime(""), "counts": boolean("是否计入当前评分"), "basis": str(""),
		"appeal": object(nil, js{"reason": str(""), "filed_by": str(""), "filed_at": dateTime(""), "decision": str("'' | upheld | granted"),
			"decision_label": str(""), "note": str(""), "decided_by": str(""), "decided_at": dateTime("")})}
	withHistory := js{}
	for k, v := range alert {
		withHistory[k] = v
	}
	withHistory["history"] = array(object(nil, js{"action": str("raise | reopen | acknowledge | assign | resolve | auto_resolve"), "label": str(""),
		"by": str(""), "note": str(""), "assignee": integer(""), "at": dateTime("")}))
	return map[string]js{
		"AlertList":         object([]string{"alerts"}, js{"alerts": array(object(nil, alert))}),
		"Alert":             object([]string{"id", "kind", "state"}, withHistory),
		"AlertAssignInput":  object([]string{"assignee"}, js{"assignee": integer("本机构用户"), "note": str("")}),
		"AlertResolveInput": object([]string{"note"}, js{"note": str("处理说明（必填，不超过500字）")}),
		"CreditEvent":       object([]string{"id", "kind", "points"}, creditEvent),
		"CreditRecord": object([]string{"developer", "score", "level", "events"}, js{"developer": integer(""), "name": str(""),
			"score": integer("0–100"), "level": str("A | B | C | D"), "level_label": str(""), "listed": boolean("是否在限制清单中"),
			"rule": str("评分规则"), "events": array(object(nil, creditEvent))}),
		"CreditEventInput": object([]string{"description", "evidence", "points"}, js{"description": str("事实"), "evidence": str("证据：文书编号、检查记录等"),
			"points": integer("扣分，1–30")}),
		"Dashboard": object([]string{"projects", "units", "handed_over", "same_day"}, js{"jurisdiction": str("'' 为全州"), "from": date(""), "to": date(""),
			"projects": integer(""), "units": integer(""), "projects_by_stage": object(nil, js{}), "units_by_stage": object(nil, js{}),
			"handed_over": integer("期内交房户数"), "same_day": integer("其中交房当日发证"), "same_day_share": js{"type": "number"},
			"projects_handed_over": integer(""), "projects_meeting": integer("实现交房即交证的项目"),
			"filing_to_certificate_workdays": object(nil, js{"median": integer(""), "p90": integer("")}),
			"overdue":                        array(object(nil, js{"org_id": integer(""), "org_name": str(""), "kind": str(""), "kind_label": str(""), "count": integer("")})),
			"trend":                          array(object(nil, js{"month": str("2026-11"), "filings": integer(""), "handed_over": integer(""), "same_day": integer("")}))}),
		"PartnerHealth": object([]string{"endpoints"}, js{"max_attempts": integer("重试次数上限，超过即为死信"), "endpoints": array(object(nil, js{
			"endpoint": ref("Endpoint"), "delivered": integer(""), "backlog": integer("待投递"), "failing": integer("已失败待重试"), "dead": integer("死信"),
			"oldest_pending": dateTime(""), "lag_seconds": integer("最早积压事件已等待的秒数"), "last_delivered": dateTime(""), "last_error": str(""),
			"healthy": boolean("")}))}),
		"Replay":              object([]string{"replayed"}, js{"endpoint": integer(""), "replayed": integer("重新投递的条数")}),
		"AppealInput":         object([]string{"reason"}, js{"reason": str("申诉理由（5–1000字）")}),
		"AppealDecisionInput": object([]string{"decision", "note"}, js{"decision": str("upheld | granted"), "note": str("处理意见")}),
	}
}

// registrationSchemas are the schemas of registration, certificates,
// deed tax, handover and utilities.
func registrationSchemas() map[string]js {
	service := object([]string{"id", "kind", "state"}, js{"id": integer(""), "seq": integer("顺序"), "kind": str("first | transfer | mortgage | cancel | seal | unseal | correct | objection"),
		"kind_label": str(""), "unit_id": integer(""), "building_id": integer("首次登记的幢"), "contract_id": integer(""), "entry_id": integer("注销、解封、更正所涉登记"),
		"state": str("accepted | reviewed | approved | recorded | certified | issued | returned | withdrawn"), "state_label": str(""), "fee": str("登记费（元）"),
		"due_on": date("办理期限（受理日起的工作日）"), "auto_review": boolean("自动审核"), "details": js{"type": "object", "additionalProperties": js{"type": "string"}},
		"return_reason": str("退回补正的理由")})
	cert := object([]string{"id", "number", "licence_id", "state"}, js{"id": integer(""), "kind": str("title | proof"), "kind_label": str("不动产权证书 | 不动产登记证明"),
		"number": str("证号"), "licence_id": str("电子证照标识"), "unit_id": integer(""), "state": str("现势 | 注销"), "holder": str("权利人（脱敏）"),
		"signed": boolean("已签名"), "delivery": str("交付方式")})
	deedTax := object([]string{"contract_id", "amount", "paid"}, js{"contract_id": integer(""), "unit_id": integer(""), "purpose": str("房屋用途：住宅以外按本辖区税率"),
		"base": str("计税依据（元）"), "area": str("实测建筑面积"), "home": str("家庭住房情况"), "rate": str("税率（小数，如0.015）"),
		"rate_label": str("税率（百分数，如1.5%）"), "reason": str("适用的税率规则"), "amount": str("税额（元）"), "paid": boolean(""), "paid_at": dateTime(""),
		"voucher": str("完税凭证号"), "source": str("api | staff")})
	event := object([]string{"id", "state", "total", "done", "blocked"}, js{"id": integer(""), "project_id": integer(""), "buildings": array(integer("")),
		"held_on": date("交房日"), "place": str(""), "mode": str("onsite | entrusted"), "mode_label": str(""), "notice_on": date("书面交付通知日"),
		"state": str("planned | running | paused | done"), "total": integer("户数"), "done": integer("已办结"), "blocked": integer("受阻"),
		"same_day": integer("发证日不晚于交房日的户数"), "started_at": dateTime(""), "finished_at": dateTime(""),
		"units": array(object(nil, js{"unit_id": integer(""), "room": str(""), "state": str("pending | done | blocked"), "reasons": array(str("受阻原因（责任单位）")),
			"application_id": integer(""), "handed_over_on": date(""), "receiver": str("领取钥匙的人"), "certified_on": date("发证日"), "same_day": boolean("")}))})
	utility := object([]string{"id", "state"}, js{"id": integer(""), "unit_id": integer(""), "org_id": integer(""), "provider": str(""),
		"service": str("water | electricity | gas | network | tv"), "holder": str("新户主（非公共事业单位查看时脱敏）"), "state": str("requested | done | refused"),
		"reason": str(""), "requested_at": dateTime(""), "answered_at": dateTime("")})
	return map[string]js{
		"ApplicationInput": object([]string{"applicants", "services"}, js{"applicants": array(str("申请人姓名")), "agent": str("代理人"),
			"services": array(object([]string{"kind"}, js{"kind": str("first | transfer | mortgage | cancel | seal | unseal | correct | objection"),
				"unit_id": integer(""), "building_id": integer("整幢首次登记"), "contract_id": integer("默认为该户已备案的合同"), "entry_id": integer(""),
				"holders": array(object([]string{"name", "id_number"}, js{"name": str(""), "id_kind": str("身份证（默认）| 统一社会信用代码"), "id_number": str(""), "share": str("按份共有份额，如 1/2")})),
				"details": js{"type": "object", "additionalProperties": js{"type": "string"},
					"description": "查封：authority, doc_no, seal_kind, term_start, term_end；抵押：bank, amount, term_start, term_end, no_transfer；更正、异议、注销：reason；存量房转移：price, deed_tax_voucher"}}))}),
		"Application": object([]string{"id", "number", "state", "services"}, js{"id": integer(""), "number": str("受理号"), "jurisdiction": str(""),
			"project_id": integer(""), "applicants": array(str("")), "agent": str(""), "source": str("counter | batch | api"), "state": str("open | done | withdrawn"),
			"next_step": str("下一步"), "created_at": dateTime(""), "services": array(service),
			"blocks":       array(object(nil, js{"rule": str("规则代码"), "message": str(""), "basis": str("依据"), "fixer": str("可纠正者")})),
			"materials":    array(object(nil, js{"kind": str("已有材料的类别"), "ref": str("编号"), "note": str("")})),
			"history":      array(object(nil, js{"service_id": integer(""), "step": str(""), "step_label": str(""), "by": str(""), "at": dateTime(""), "note": str("")})),
			"certificates": array(cert)}),
		"StepInput": object([]string{"step"}, js{"step": str("review | review2 | return | accept | withdraw | record | certify | issue"),
			"reason": str("退回、撤回的理由"), "delivery": str("发证：hand | developer | mail | electronic"), "tracking_no": str("邮寄单号"),
			"paper_serial":  str("纸质证书印制序列号（本申请只发一本证书时；多本时用 paper_serials）"),
			"paper_serials": array(str("按本申请证书的顺序（Application.certificates），每本证书一个印制序列号；不印纸质证书的留空字符串"))}),
		"Queue": object([]string{"queue"}, js{"queue": array(object(nil, js{"application_id": integer(""), "number": str(""), "applicants": array(str("")),
			"project": str(""), "room": str(""), "service": service, "workdays_left": integer("距期限的工作日")}))}),
		"CertificateList": object([]string{"certificates"}, js{"certificates": array(cert)}),
		"Certificate": object([]string{"certificate", "content"}, js{"certificate": cert, "content": js{"type": "object", "description": "证照内容（身份证号脱敏）"},
			"issued_at": dateTime(""), "signed_at": dateTime(""), "cancelled_at": dateTime(""), "cancel_reason": str(""), "paper_serial": str(""),
			"tracking_no": str(""), "verify_url": str("核验地址（二维码内容）")}),
		"CertificateFile": object([]string{"format", "payload", "signature", "authority_certificate"}, js{"format": str("handover-certificate/1"),
			"payload": js{"type": "object", "description": "证照内容（签名范围）"}, "signature": str("SM2签名（ASN.1，Base64）"),
			"authority_certificate": str("登记机构的X.509证书（PEM）")}),
		"Verification": object([]string{"licence_id", "signature_valid", "state"}, js{"licence_id": str(""), "kind": str(""), "number": str(""),
			"signature_valid": boolean("SM2签名有效"), "state": str("现势 | 注销"), "cancel_reason": str(""), "mortgaged": boolean(""), "sealed": boolean(""),
			"status": array(str("现势 / 注销 / 已抵押 / 已查封")), "holders": array(str("权利人姓名（脱敏）")), "unit_no": str(""), "location": str("坐落"),
			"area": str("面积"), "right_type": str(""), "authority": str("登记机构"), "issued_on": date(""), "checked_at": dateTime("核验时间")}),
		"AssessResult":    object([]string{"assessed"}, js{"assessed": integer("本次核定的合同数")}),
		"DeedTax":         deedTax,
		"DeedTaxList":     object([]string{"deed_taxes", "rule"}, js{"deed_taxes": array(deedTax), "rule": str("本辖区适用的契税税率规则")}),
		"TaxPaymentInput": object([]string{"voucher"}, js{"voucher": str("完税凭证号")}),
		"ParcelRestrictionInput": object([]string{"parcel", "kind", "authority", "doc_no"}, js{"parcel": str("宗地代码"),
			"kind": str("seal | mortgage | construction_mortgage | lock"), "authority": str("查封机关或抵押权人"), "doc_no": str("文书编号"), "note": str("")}),
		"Created":           object([]string{"id"}, js{"id": integer("")}),
		"NoteInput":         object(nil, js{"note": str("说明")}),
		"HandoverInput":     object([]string{"buildings", "held_on", "place", "mode", "notice_on"}, js{"buildings": array(integer("幢ID")), "held_on": date("交房日"), "place": str("交房地点"), "mode": str("onsite 现场发证 | entrusted 委托开发企业批量代办"), "notice_on": date("书面交付通知日（不少于交房前10日）")}),
		"HandoverEvent":     event,
		"HandoverEventList": object([]string{"events"}, js{"events": array(event)}),
		"ReceiverInput":     object([]string{"receiver"}, js{"receiver": str("领取钥匙的人")}),
		"Utility":           utility,
		"UtilityList":       object([]string{"requests"}, js{"requests": array(utility)}),
		"UtilityAnswer":     object([]string{"done"}, js{"done": boolean("已办结；false为不予办理"), "reason": str("不予办理的理由")}),
		"MortgageList": object([]string{"mortgages"}, js{"mortgages": array(object(nil, js{"entry": entrySchema(), "room": str(""), "project": str(""),
			"obligor": str("抵押人（脱敏）")}))}),
	}
}

// ledgerSchemas are the schemas of the ledger and presale operations.
func ledgerSchemas() map[string]js {
	areas := object([]string{"total", "inner", "shared"}, js{"total": str("建筑面积"), "inner": str("套内建筑面积"), "shared": str("分摊建筑面积"), "ratio": str("分摊系数")})
	project := object([]string{"id", "name", "jurisdiction"}, js{
		"id": integer(""), "name": str(""), "developer": integer("开发企业机构ID"), "developer_name": str(""), "jurisdiction": str(""),
		"address": str("坐落"), "planned_delivery": date("计划交付日期"), "total_investment": str("总投资（元）"), "invested": str("已投入（元）"),
		"reform": boolean("是否参与交房即交证"),
	})
	parcel := object([]string{"code"}, js{
		"code": str("宗地代码（19位）"), "area": str("宗地面积（㎡）"), "use": str("土地用途"), "right_nature": str("权利性质"),
		"term_start": date(""), "term_end": date(""), "grant_contract": str("土地出让合同编号"), "premium_due": str("出让价款（元）"),
		"premium_paid": str("已缴（元）"), "grant_floor_area": str("出让合同约定的计容建筑面积（㎡，可空）"), "land_cert_no": str("国有建设用地使用权证书号"), "land_cert_on": date(""),
	})
	permit := object([]string{"id", "kind", "number"}, js{"id": integer(""), "kind": str("planning | construction"), "number": str(""),
		"issued_on": date(""), "issuer": str(""), "scope": str(""), "confirmed": boolean("住建部门已确认")})
	unit := object([]string{"id", "unit_no", "room", "floor"}, js{
		"id": integer(""), "unit_no": str("不动产单元号（28位）"), "number": integer("户号"), "room": str("室号"), "section": str("单元"),
		"floor": integer("实际层"), "purpose": str("用途"), "forecast": areas, "measured": areas, "state": str("楼盘表状态"), "state_label": str(""),
	})
	presalePermit := object([]string{"id", "number", "state"}, js{"id": integer(""), "number": str("预售许可证号"), "project_id": integer(""),
		"issued_on": date(""), "buildings": array(integer("")), "units": integer(""), "area": str("预售建筑面积"),
		"state": str("valid | suspended | revoked"), "extra_review": boolean("经加强审查核发")})
	reason := object([]string{"reason"}, js{"reason": str("理由")})
	return map[string]js{
		"Project":      project,
		"ProjectList":  object([]string{"projects"}, js{"projects": array(project)}),
		"ProjectInput": object(nil, js{"name": str(""), "jurisdiction": str("新建时必填"), "address": str(""), "planned_delivery": date(""), "total_investment": str(""), "invested": str(""), "reform": boolean("")}),
		"ProjectDetail": object([]string{"project"}, js{"project": project, "restricted": boolean("开发企业在限制清单中"), "parcels": array(parcel),
			"permits": array(permit), "buildings": array(object(nil, js{"id": integer(""), "name": str(""), "units": integer(""), "area": str(""), "presale_permit": str("")})),
			"presale_permits": array(presalePermit)}),
		"Parcel":      parcel,
		"Permit":      permit,
		"PermitInput": object([]string{"kind", "number", "issued_on", "issuer", "scope"}, js{"kind": str("planning | construction"), "number": str(""), "issued_on": date(""), "issuer": str(""), "scope": str("")}),
		"ImportResult": object([]string{"ok"}, js{"id": integer(""), "ok": boolean("是否导入"), "rows": integer(""), "new_buildings": integer(""),
			"changed_buildings": integer(""), "new_units": integer(""), "changed_units": integer(""), "unchanged": integer("与库中一致、未改动的行"),
			"errors":             array(object([]string{"sheet", "reason"}, js{"sheet": str(""), "row": integer(""), "column": str(""), "value": str(""), "reason": str("")})),
			"annotated_workbook": str("标注错误的工作簿下载地址"), "code": str("拒绝导入时为 ledger.import_refused")}),
		"BuildingTable": object([]string{"building", "floors", "counts", "version"}, js{
			"building": object(nil, js{"id": integer(""), "project_id": integer(""), "parcel": str(""), "number": integer(""), "name": str(""), "floors_above": integer(""), "floors_below": integer("")}),
			"states":   js{"type": "object", "additionalProperties": js{"type": "string"}, "description": "状态代码 → 中文名称"},
			"floors": array(object(nil, js{"actual": integer("实际层"), "named": str("名义层"), "units": array(object([]string{"id", "unit_no", "state"}, js{
				"id": integer(""), "unit_no": str("不动产单元号"), "number": integer("户号"), "room": str("室号"), "purpose": str("用途"),
				"area":  str("建筑面积（有实测用实测，否则预测）"),
				"state": str("状态代码，由登记簿、合同、锁定与预售许可推导：unpermitted | suspended | available | pending | signed | filed | prenoticed | registered | mortgaged | restricted")}))})),
			"counts": js{"type": "object", "additionalProperties": js{"type": "integer"}}, "total": integer(""),
			"version": integer("楼盘表版本：任何户的状态、面积或许可变化后递增"),
		}),
		"Unit": object([]string{"unit"}, js{"unit": unit, "building": str(""), "project": str(""), "project_id": integer(""), "locked": boolean(""),
			"status": object(nil, js{"permit": str("valid | suspended | ''（无有效预售许可）"), "contract": str("draft | sent | signed | filed | ''"),
				"contract_id": integer(""), "locked": boolean("单元锁定"), "developer_owns": boolean("开发企业的首次登记现势"),
				"registered": boolean("买受人（或其后的权利人）的所有权现势"), "prenotice": boolean("预售商品房买卖预告登记现势"),
				"premortgage": boolean("预抵押现势"), "mortgaged": boolean("抵押权现势"), "sealed": boolean("查封（含轮候查封）现势"),
				"objection": boolean("异议登记现势"), "handed_over": boolean("已交房"), "certified": boolean("现势所有权的不动产权证书已签发")})}),
		"LockInput":               object([]string{"locked", "reason"}, js{"locked": boolean("true 锁定，false 解锁"), "reason": str("")}),
		"PresaleApplicationInput": object([]string{"buildings"}, js{"buildings": array(integer("幢ID")), "note": str("")}),
		"PresaleApplication":      object([]string{"id", "state"}, js{"id": integer(""), "project_id": integer(""), "buildings": array(integer("")), "state": str("")}),
		"PresaleCheck":            object([]string{"eligible"}, js{"eligible": boolean("是否满足全部条件"), "extra_review": boolean("需加强审查"), "reasons": array(js{"type": "object"})}),
		"IssueInput":              object(nil, js{"extra_review": str("加强审查意见（开发企业在限制清单且本辖区要求加强审查时必填）")}),
		"PresalePermit":           presalePermit,
		"PresalePermitList":       object([]string{"permits"}, js{"permits": array(presalePermit)}),
		"ReasonInput":             reason,
		"RestrictionList": object([]string{"restrictions"}, js{"restrictions": array(object(nil, js{"developer": integer(""), "developer_name": str(""),
			"reason": str(""), "basis": str(""), "listed_at": dateTime("")}))}),
		"ListingInput":      object([]string{"developer", "listed", "reason"}, js{"developer": integer(""), "listed": boolean("true 列入，false 移出"), "reason": str(""), "basis": str("")}),
		"PublicProjectList": object([]string{"projects"}, js{"projects": array(js{"type": "object"})}),
	}
}

// contractSchemas are the schemas of contracts, the register, funds and exchange.
func contractSchemas() map[string]js {
	buyer := object([]string{"name", "id_number"}, js{"name": str(""), "id_number": str("身份证号（响应中脱敏）"), "phone": str(""),
		"share": str("按份共有的份额，如1/2"), "confirmed_at": dateTime("")})
	contract := object([]string{"id", "number", "state"}, js{
		"id": integer(""), "number": str("合同编号"), "unit_id": integer(""), "project_id": integer(""), "state": str("draft | sent | signed | filed | withdrawn | cancelled"),
		"state_label": str(""), "buyers": array(buyer), "ownership": str("sole | joint | shares"), "price_basis": str("gross | inner | unit"),
		"unit_price": str(""), "price_area": str(""), "total_price": str(""), "payment": str("lump | commercial | fund"), "loan_bank": integer(""),
		"loan_amount": str(""), "loan_years": integer(""), "escrow_bank": str(""), "escrow_account": str(""), "delivery_date": date(""),
		"registration_days": integer(""), "late_delivery_rate": str("万分之X"), "late_certificate_rate": str("万分之X"), "signed_at": dateTime(""),
		"filing_due": date("备案期限（签署后30日）"), "filing_overdue": boolean(""), "filed_at": dateTime(""), "prenotice_no": str("预告登记不动产证明号"),
		"sm3_digest": str("备案时合同内容的SM3摘要"), "digest_intact": boolean("当前内容与备案摘要一致"),
	})
	entry := entrySchema()
	withdrawal := object([]string{"id", "state"}, js{"id": integer(""), "node": str("节点代码或free"), "amount": str(""), "evidence": str(""),
		"state": str("requested | approved | refused"), "requested_at": dateTime(""), "decided_at": dateTime(""), "decision": str(""), "extra_review": boolean("")})
	endpoint := object([]string{"id", "url"}, js{"id": integer(""), "org_id": integer(""), "org": str(""), "name": str(""), "url": str(""),
		"events": array(str("")), "jurisdiction": str(""), "active": boolean(""), "secret": str("脱敏")})
	return map[string]js{
		"Contract":     contract,
		"ContractList": object([]string{"contracts"}, js{"contracts": array(contract)}),
		"ContractInput": object([]string{"unit_id", "buyers", "ownership", "price_basis", "unit_price", "payment"}, js{
			"unit_id": integer(""), "ownership": str("sole | joint | shares"), "price_basis": str("gross | inner | unit"), "unit_price": str("元/㎡，按套计价时为总价"),
			"buyers": array(buyer), "payment": str("lump | commercial | fund"), "loan_bank": integer("贷款银行机构ID"), "loan_amount": str(""),
			"loan_years": integer(""), "loan_no": str("借款合同编号"), "home_count": str("first | second | more（家庭住房情况说明）"), "marital": str("婚姻状况"),
			"delivery_date": date("交付日期"), "delivery_conditions": array(str("约定的其他交付条件")), "registration_days": integer("交付后办证期限（日）"),
			"late_delivery_rate": str("逾期交付违约金 万分之X/日"), "late_certificate_rate": str("逾期办证违约金 万分之X/日"),
		}),
		"CancellationInput": object(nil, js{"reason": str("注销理由（首次提出时必填）"), "court_doc": str("法院或仲裁文书编号（住建部门凭文书注销时必填）")}),
		"Cancellation": object([]string{"id", "state"}, js{"id": integer(""), "contract_id": integer(""), "state": str("open | executed"), "reason": str(""),
			"developer_agreed": boolean(""), "buyers_agreed": integer(""), "court_doc": str("")}),
		"RegisterBook": object([]string{"unit_id", "entries"}, js{"unit_id": integer(""), "unit_no": str(""), "entries": array(entry)}),
		"Fund": object(nil, js{"bank": str(""), "account": str(""), "supervised": str("重点监管额度"), "deposits": str(""), "withdrawn_supervised": str(""),
			"withdrawn_free": str(""), "balance": str(""), "milestones": js{"type": "object", "additionalProperties": date("")}, "withdrawals": array(withdrawal)}),
		"FundAccountInput": object([]string{"bank", "account", "supervised"}, js{"bank": integer("监管银行机构ID"), "account": str(""), "supervised": str("")}),
		"PaymentInput":     object([]string{"amount", "paid_on"}, js{"contract_id": integer(""), "amount": str(""), "paid_on": date(""), "note": str("")}),
		"WithdrawalInput":  object([]string{"node", "amount", "evidence"}, js{"node": str("structure | completion | filing | first_registration | free"), "amount": str(""), "evidence": str("")}),
		"Withdrawal":       withdrawal,
		"DecisionInput":    object([]string{"approve"}, js{"approve": boolean(""), "decision": str("意见（不予支取或加强审查时必填）")}),
		"MilestoneInput":   object([]string{"milestone", "reached_on", "evidence"}, js{"milestone": str("structure_accepted | completed | filed | first_registered"), "reached_on": date(""), "evidence": str("")}),
		"Endpoint":         endpoint,
		"EndpointList":     object([]string{"endpoints"}, js{"endpoints": array(endpoint)}),
		"EndpointInput": object([]string{"org_id", "name", "url", "secret", "events"}, js{"org_id": integer("接收机构"), "name": str(""), "url": str(""),
			"secret": str("HMAC-SM3 密钥，至少16字符"), "events": array(str("事件类型")), "jurisdiction": str("只接收该辖区的事件；空为全部")}),
		"DeliveryList": object([]string{"deliveries"}, js{"deliveries": array(object(nil, js{"id": integer(""), "event_id": integer(""), "type": str(""),
			"aggregate": str(""), "endpoint": integer(""), "state": str("pending | delivered | dead"), "attempts": integer(""), "last_status": integer(""),
			"last_error": str(""), "next_at": dateTime(""), "delivered_at": dateTime("")}))}),
	}
}

// OpenAPI returns the document.
func (a *API) OpenAPI() js {
	paths := js{}
	tags := map[string]bool{}
	gen := newSchemaGen()
	errRef := gen.Ref(errorBody{})
	handNames := map[string]bool{}
	for _, rt := range a.routes {
		item, _ := paths[rt.Pattern].(js)
		if item == nil {
			item = js{}
			paths[rt.Pattern] = item
		}
		op := js{
			"operationId": operationID(rt),
			"summary":     rt.Summary,
			"tags":        []string{rt.Tag},
			"x-access":    string(rt.Action),
		}
		tags[rt.Tag] = true
		var params []js
		for _, p := range rt.Params {
			t := p.Type
			if t == "" {
				t = "string"
			}
			params = append(params, js{"name": p.Name, "in": p.In, "required": p.Required || p.In == "path",
				"description": p.Desc, "schema": js{"type": t}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		switch {
		case rt.Request != nil:
			op["requestBody"] = js{"required": true, "content": js{"application/json": js{"schema": gen.Ref(rt.Request)}}}
		case rt.Body == "":
		case rt.Body == "text":
			op["requestBody"] = js{"required": true, "content": js{"text/plain": js{"schema": js{"type": "string"}}}}
		case rt.Body == "xlsx":
			op["requestBody"] = js{"required": true, "content": js{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": js{
				"schema": js{"type": "string", "format": "binary"}}}}
		default:
			handNames[rt.Body] = true
			op["requestBody"] = js{"required": true, "content": js{"application/json": js{"schema": ref(rt.Body)}}}
		}
		status := rt.Status
		if status == 0 {
			status = 200
		}
		responses := js{}
		switch {
		case rt.Response != nil:
			responses[strconv.Itoa(status)] = js{"description": "成功", "content": js{"application/json": js{"schema": gen.Ref(rt.Response)}}}
		case rt.Result != "":
			handNames[rt.Result] = true
			responses[strconv.Itoa(status)] = js{"description": "成功", "content": js{"application/json": js{"schema": ref(rt.Result)}}}
		default:
			responses[strconv.Itoa(status)] = js{"description": "成功"}
		}
		errResp := js{"description": "错误", "content": js{"application/json": js{"schema": errRef}}}
		for _, code := range []string{"400", "401", "403", "404", "409", "422"} {
			responses[code] = errResp
		}
		op["responses"] = responses
		item[strings.ToLower(rt.Method)] = op
	}
	var tagList []js
	var names []string
	for t := range tags {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		tagList = append(tagList, js{"name": t})
	}
	return js{
		"openapi": "3.0.3",
		"info": js{
			"title":       "交房即交证 一窗办事平台 API",
			"version":     "1",
			"description": "不动产登记、商品房预售、竣工验收与交房交证的数据接口。除编码校验、工作日计算与公开查询外，接口需以 Authorization: Bearer 令牌认证（令牌由系统管理员创建）。错误格式：{\"error\":{\"code\",\"message\",\"fields\",\"reasons\"}}。",
		},
		"servers": []js{{"url": "/"}},
		"tags":    tagList,
		"paths":   paths,
		"components": js{
			"schemas": a.components(gen, handNames),
			"securitySchemes": js{
				"bearer":  js{"type": "http", "scheme": "bearer"},
				"session": js{"type": "apiKey", "in": "cookie", "name": "handover_session"},
			},
		},
		"security": []js{{"bearer": []string{}}, {"session": []string{}}},
	}
}

// components are the generated schemas and the hand-written ones that
// routes without Go types still name (with the hand-written schemas they
// refer to); a generated schema wins over a hand-written one of its name.
func (a *API) components(gen *schemaGen, handNames map[string]bool) js {
	out := js{}
	for name, s := range gen.defs {
		out[name] = s
	}
	hand := a.schemas()
	refPattern := regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`)
	var add func(name string)
	add = func(name string) {
		if _, done := out[name]; done {
			return
		}
		s, ok := hand[name]
		if !ok {
			return
		}
		out[name] = s
		b, _ := json.Marshal(s)
		for _, m := range refPattern.FindAllStringSubmatch(string(b), -1) {
			add(m[1])
		}
	}
	for name := range handNames {
		add(name)
	}
	return out
}

// SchemaOf returns the schema the document gives a value of v's type and
// the components it refers to: the drift tests compare it with the served
// document and check responses against it.
func SchemaOf(v any) (schema map[string]any, components map[string]map[string]any) {
	gen := newSchemaGen()
	s := gen.Ref(v)
	components = map[string]map[string]any{}
	for name, c := range gen.defs {
		components[name] = c
	}
	return s, components
}

func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, part := range strings.Split(strings.TrimPrefix(rt.Pattern, "/api/v1/"), "/") {
		part = strings.Trim(part, "{}")
		for _, w := range strings.FieldsFunc(part, func(r rune) bool { return r == '-' || r == '_' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

func (a *API) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, a.OpenAPI())
}

// completionSchemas are the schemas of the completion operations.
func completionSchemas() map[string]js {
	surveyUnit := object([]string{"unit_no", "total", "inner", "shared", "ratio"}, js{"unit_no": str("不动产单元号"), "total": str("实测建筑面积（㎡）"),
		"inner": str("实测套内面积"), "shared": str("实测分摊面积"), "ratio": str("分摊系数")})
	survey := object([]string{"id", "state"}, js{"id": integer(""), "project_id": integer(""), "building_id": integer(""), "surveyor": str("测绘单位"),
		"report_no": str("测绘报告编号"), "building_total": str(""), "land_area": str(""), "floor_area": str("计容建筑面积"),
		"state": str("submitted | accepted | returned | superseded"), "state_label": str(""), "source": str("page | import | api"),
		"submitted_at": dateTime(""), "decided_at": dateTime(""), "note": str("审核意见"),
		"units": array(object(nil, js{"unit_id": integer(""), "unit_no": str(""), "room": str(""), "total": str(""), "inner": str(""),
			"shared": str(""), "ratio": str(""), "gross_ratio": str("与预测建筑面积的误差比"), "reason": str("退回理由")}))})
	area := object([]string{"contract_id"}, js{"contract_id": integer(""), "contract": str("合同编号"), "unit_id": integer(""), "unit_no": str(""),
		"room": str(""), "price_basis": str(""), "forecast_total": str(""), "measured_total": str(""), "forecast_inner": str(""), "measured_inner": str(""),
		"gross_ratio": str("建筑面积误差比（小数）"), "inner_ratio": str("套内面积误差比"), "within_band": boolean("均在±3%以内"),
		"may_rescind": boolean("买受人有权解除合同"), "buyer_pays": str("买受人补缴（3%以内）"), "developer_bears": str("出卖人承担（超出3%的增加）"),
		"refund": str("返还（3%以内）"), "double_refund": str("双倍返还（超出3%的减少）"), "net": str("结算净额：正为买受人补缴"),
		"new_total": str("结算后总价"), "crosses_140": boolean("预测≤140㎡而实测>140㎡"), "decision": str("keep | rescind")})
	task := object(nil, js{"id": integer(""), "round": integer("轮次"), "department": str("planning | land | fire | civil_defence | meteorology | archives"),
		"department_label": str(""), "organisation": str(""), "started_on": date(""), "due_on": date("出具意见的时限"), "overdue": boolean(""),
		"result": str("'' | pass | fail"), "reasons": str(""), "decided_at": dateTime(""),
		"attachments": array(object(nil, js{"id": integer(""), "name": str(""), "size": integer(""), "sm3": str(""), "url": str("")}))})
	acase := object([]string{"id", "state"}, js{"id": integer(""), "project_id": integer(""), "buildings": array(integer("")),
		"state": str("inspecting | returned | passed"), "state_label": str(""), "round": integer(""), "applied_at": dateTime(""),
		"opinion_no": str("联合验收意见书编号"), "opinion_at": dateTime(""), "tasks": array(task)})
	item := object([]string{"id", "kind"}, js{"id": integer(""), "unit_id": integer("0为项目级"), "kind": str("land_premium | land_topup | infrastructure | soil_water | civil_defence | maintenance"),
		"kind_label": str(""), "due": str("应缴"), "paid": str("已缴"), "outstanding": str("尚欠"), "evidence": str("凭证"), "note": str(""),
		"cleared": boolean("已核销"), "cleared_at": dateTime(""), "basis": str("依据")})
	commitment := object([]string{"id", "kind", "due_on"}, js{"id": integer(""), "kind": str("settlement | archives | material"), "kind_label": str(""),
		"title": str(""), "due_on": date(""), "fulfilled": boolean(""), "fulfilled_at": dateTime(""), "evidence": str(""), "overdue": boolean(""),
		"breached_at": dateTime("逾期被记录的时间")})
	return map[string]js{
		"SurveyorInput": object([]string{"org_id"}, js{"org_id": integer("测绘单位机构ID")}),
		"SurveyInput": object([]string{"report_no", "building_total", "land_area", "floor_area", "units"}, js{"report_no": str("测绘报告编号"),
			"building_total": str("幢实测建筑面积"), "land_area": str("宗地实测面积"), "floor_area": str("计容建筑面积"), "units": array(surveyUnit)}),
		"Survey":             survey,
		"SurveyList":         object([]string{"surveys"}, js{"surveys": array(survey)}),
		"SurveyDecision":     object([]string{"accept"}, js{"accept": boolean("采用或退回"), "note": str("审核意见"), "reasons": js{"type": "object", "additionalProperties": str(""), "description": "逐户退回理由，键为不动产单元号"}}),
		"AreaRow":            area,
		"Reconciliation":     object([]string{"contracts"}, js{"contracts": array(area), "beyond_band": integer("超出±3%的合同数"), "crossing_140": integer("跨140㎡的合同数")}),
		"AreaDecisionInput":  object([]string{"choice"}, js{"choice": str("keep（继续履行）| rescind（解除合同）")}),
		"AcceptanceInput":    object([]string{"buildings"}, js{"buildings": array(integer("幢ID"))}),
		"AcceptanceCase":     acase,
		"AcceptanceCaseList": object([]string{"cases"}, js{"cases": array(acase)}),
		"OpinionInput": object([]string{"result"}, js{"department": str("部门代码（默认为本机构）"), "result": str("pass | fail"), "reasons": str("不通过时必填"),
			"attachments": array(object([]string{"name", "data"}, js{"name": str(""), "content_type": str(""), "data": str("Base64")}))}),
		"TaskList": object([]string{"tasks"}, js{"tasks": array(object(nil, js{"case_id": integer(""), "project_id": integer(""), "project": str(""),
			"developer": str(""), "buildings": str(""), "case_state": str(""), "task": task}))}),
		"AccountingItem": item,
		"Accounting":     object([]string{"items"}, js{"items": array(item), "maintenance": array(item), "maintenance_cleared": integer("")}),
		"ItemInput":      object(nil, js{"due": str("应缴（元）"), "paid": str("已缴（元）"), "evidence": str("缴款凭证"), "note": str("如补充协议编号")}),
		"FilingInput": object([]string{"number", "filed_on", "buildings"}, js{"number": str("竣工验收备案编号"), "filed_on": date("备案日期（20个工作日起算日）"),
			"buildings": array(integer("幢ID")), "promises": array(object([]string{"title", "due_on"}, js{"title": str("承诺补交的材料"), "due_on": date("")}))}),
		"Filing": object([]string{"id", "due_on"}, js{"id": integer(""), "number": str(""), "filed_on": date(""), "due_on": date("第20个工作日"),
			"buildings": array(integer("")), "source": str("page | api")}),
		"Commitment":     commitment,
		"CommitmentList": object([]string{"commitments"}, js{"commitments": array(commitment)}),
		"EvidenceInput":  object([]string{"evidence"}, js{"evidence": str("证明文件编号或说明")}),
		"Readiness": object([]string{"target", "ready", "conditions"}, js{"target": str(""), "target_label": str(""), "at": dateTime(""),
			"ready": boolean("没有未具备的条件"), "units": integer("涉及的户数（交房：已售户）"), "ready_units": integer("条件均已具备的户数"),
			"conditions": array(object(nil, js{"code": str("规则代码"), "title": str(""), "subject_kind": str("project | building | unit"),
				"subject_id": integer(""), "subject": str(""), "responsible": object(nil, js{"kind": str(""), "org_id": integer(""), "name": str("")}),
				"basis": str("依据"), "workdays_left": integer("距第20个工作日剩余的工作日"), "due_on": date("")})),
			"clocks": array(object(nil, js{"filing_id": integer(""), "filed_on": date(""), "due_on": date(""), "workdays_left": integer(""), "overdue": boolean(""),
				"building": integer("")})), "warnings": array(str(""))}),
	}
}

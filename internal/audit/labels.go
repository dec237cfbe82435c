package audit

import (
	"slices"
	"strings"
)

// The audit trail's vocabulary in Chinese: what each action, record kind
// and summary field is called on the audit page. The codes are data (kept
// in the chain, asked for by the API); people read these names. Every
// action the store writes has a name here (a test in internal/store reads
// its source to keep it so).

// actions names every action the platform audits.
var actions = map[string]string{
	// sign-in and accounts
	"auth.login":            "登录",
	"auth.login_failed":     "登录失败",
	"auth.login_refused":    "拒绝登录",
	"auth.locked":           "登录失败次数过多，账户锁定",
	"auth.logout":           "退出登录",
	"access.denied":         "拒绝访问",
	"personal.view":         "查看个人信息",
	"certificate.lookup":    "按证书号核验证照",
	"register.inquire":      "不动产登记资料查询",
	"jurisdiction.put":      "设置辖区",
	"org.create":            "新建机构",
	"user.create":           "新建用户",
	"user.update":           "修改用户",
	"token.create":          "创建接口令牌",
	"token.revoke":          "吊销接口令牌",
	"setting.put":           "修改辖区设置",
	"calendar.load":         "载入节假日通知",
	"key.create":            "生成电子证照签名密钥",
	"personal.key_create":   "生成个人信息加密密钥",
	"personal.key_rotate":   "轮换个人信息加密密钥",
	"personal.reseal":       "以新密钥重新加密个人信息",
	"synthetic.load":        "载入合成数据",
	"endpoint.create":       "登记部门接收地址",
	"endpoint.update":       "修改部门接收地址",
	"endpoint.rotate":       "轮换部门接收地址的签名密钥",
	"endpoint.rotate_end":   "结束签名密钥轮换（旧密钥即时失效）",
	"delivery.replay":       "重新投递死信",
	"project.create":        "新建项目",
	"project.update":        "修改项目",
	"project.surveyor":      "委托测绘单位",
	"project.milestone":     "登记工程节点",
	"parcel.create":         "新增宗地",
	"parcel.update":         "修改宗地",
	"parcel.confirm":        "确认宗地土地出让价款与使用权证书",
	"parcel.restrict":       "登记宗地权利限制",
	"parcel.lift":           "解除宗地权利限制",
	"permit.add":            "登记项目证照",
	"permit.confirm":        "核验项目证照",
	"unit.lock":             "锁定户",
	"unit.unlock":           "解除户的锁定",
	"ledger.import":         "导入楼盘表",
	"ledger.import_refused": "楼盘表文件未通过检查",

	// presale and contracts
	"presale.apply":         "申请预售许可",
	"presale.refuse":        "不予核发预售许可",
	"presale.issue":         "核发预售许可",
	"presale.suspended":     "暂停预售许可",
	"presale.reinstated":    "恢复预售许可",
	"presale.revoked":       "撤销预售许可",
	"contract.draft":        "起草网签合同",
	"contract.send":         "发送网签合同给购房人确认",
	"contract.withdraw":     "撤回网签合同",
	"contract.confirm":      "购房人确认网签合同",
	"contract.file":         "网签合同备案",
	"contract.cancel_agree": "同意注销合同备案",
	"contract.cancel":       "注销合同备案",
	"fund.open":             "开立预售资金监管账户",
	"fund.payment":          "登记购房款入账",
	"fund.request":          "申请支取预售资金",
	"fund.approved":         "准予支取预售资金",
	"fund.refused":          "不予支取预售资金",
	"credit.list":           "列入限制清单",
	"credit.lift":           "移出限制清单",
	"credit.event":          "记入信用事件",
	"credit.record":         "登记信用事件",
	"credit.appeal":         "对信用事件提出异议",
	"credit.decide":         "处理信用异议",

	// completion
	"survey.submit":          "提交测绘成果",
	"survey.refused":         "测绘成果文件未通过检查",
	"survey.return":          "退回测绘成果",
	"survey.accept":          "确认测绘成果",
	"acceptance.apply":       "申请联合验收",
	"acceptance.opinion":     "出具联合验收意见",
	"acceptance.reinspect":   "申请联合验收复验",
	"accounting.prepare":     "生成核实核算清单",
	"accounting.record":      "登记核算项目缴费",
	"accounting.clear":       "核算项目结清",
	"accounting.maintenance": "缴纳专项维修资金",
	"completion.file":        "竣工验收备案",
	"commitment.fulfil":      "履行承诺事项",
	"area.decide":            "选择面积差异处理方式",
	"area.export":            "导出面积差异核对表",

	// handover and registration
	"handover.schedule":     "安排集中交房",
	"handover.receiver":     "登记收房人",
	"handover.queue":        "提交批量交房",
	"handover.run":          "办理批量交房",
	"handover.rehearse":     "交房预演",
	"log.witness":           "见证方报送登记簿日志检查点",
	"handover.pause":        "暂停批量交房",
	"handover.finish":       "批量交房结束",
	"utility.answer":        "答复水电气过户",
	"tax.assess":            "核定契税",
	"tax.paid":              "契税完税",
	"tax.paid_workbook":     "按工作簿批量登记完税",
	"application.accept":    "受理登记申请",
	"application.review":    "审核登记申请",
	"application.review2":   "复审登记申请",
	"application.return":    "退回补正登记申请",
	"application.record":    "登簿",
	"application.certify":   "缮证",
	"application.issue":     "发证",
	"application.withdraw":  "撤回登记申请",
	"register.ownership":    "记载登记簿：所有权",
	"register.mortgage":     "记载登记簿：抵押权",
	"register.prenotice":    "记载登记簿：预告登记",
	"register.seal":         "记载登记簿：查封",
	"register.objection":    "记载登记簿：异议",
	"register.cancellation": "记载登记簿：注销",
	"register.correction":   "记载登记簿：更正",
	"proof.issue":           "签发预告登记证明",
	"paper.receive":         "证书纸入库",
	"paper.spoil":           "证书纸作废",
	"paper.print":           "打印纸质证书",

	// supervision
	"alert.acknowledge": "签收预警",
	"alert.assign":      "指派预警",
	"alert.resolve":     "解除预警",
	"alert.evaluate":    "预警检查",
}

// ActionLabel names an action in Chinese; an action without a name is
// shown as it is recorded.
func ActionLabel(action string) string {
	if l, ok := actions[action]; ok {
		return l
	}
	return action
}

// Labelled reports whether an action has a Chinese name.
func Labelled(action string) bool {
	_, ok := actions[action]
	return ok
}

// Actions lists every named action, sorted by code.
func Actions() []string {
	out := make([]string, 0, len(actions))
	for a := range actions {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// MatchActions turns what someone typed into the audit page's search into
// the actions it asks for: the actions whose Chinese name contains the text
// (登录 finds 登录, 登录失败, 拒绝登录 and 退出登录), sorted by code. code
// is the text itself when it reads as an action code or a prefix of codes
// (auth.login, user.) for the store to match as before; both are empty for
// empty text.
func MatchActions(text string) (codes []string, code string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, ""
	}
	if isCode(text) {
		return nil, strings.ToLower(text)
	}
	for _, a := range Actions() {
		if strings.Contains(actions[a], text) {
			codes = append(codes, a)
		}
	}
	return codes, ""
}

// isCode reports whether s is written in the letters of action codes.
func isCode(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}

// recordKinds names the kinds of record an event is about, in the order
// the audit page's filter lists them.
var recordKinds = []struct{ code, label string }{
	{"user", "用户"},
	{"organisation", "机构"},
	{"developer", "开发企业"},
	{"jurisdiction", "辖区"},
	{"setting", "辖区设置"},
	{"api_token", "接口令牌"},
	{"request", "请求"},
	{"project", "项目"},
	{"parcel", "宗地"},
	{"building", "幢"},
	{"unit", "户"},
	{"project_permit", "项目证照"},
	{"presale_application", "预售许可申请"},
	{"presale_permit", "预售许可"},
	{"contract", "网签合同"},
	{"fund_withdrawal", "预售资金支取申请"},
	{"survey", "测绘成果"},
	{"acceptance", "联合验收"},
	{"accounting_item", "核算项目"},
	{"commitment", "承诺事项"},
	{"handover_event", "交房活动"},
	{"utility_request", "水电气过户申请"},
	{"application", "登记申请"},
	{"register_entry", "登记簿记载"},
	{"unit_register", "户的登记簿"},
	{"certificate", "不动产权证书（证明）"},
	{"licence_id", "电子证照标识（公开核验）"},
	{"certificate_file", "电子证照文件"},
	{"inquiry", "不动产登记资料查询"},
	{"inquiry_file", "查询结果证明文件"},
	{"log_checkpoint", "登记簿日志检查点"},
	{"certificate_number", "不动产权证书号"},
	{"deed_taxes", "契税"},
	{"signing_key", "签名密钥"},
	{"personal_key", "个人信息密钥"},
	{"paper_range", "证书纸批次"},
	{"paper_blank", "证书纸"},
	{"calendar_notice", "节假日通知"},
	{"partner_endpoint", "部门接收地址"},
	{"alert", "预警"},
	{"alerts", "全部预警"},
	{"credit_event", "信用事件"},
	{"synthetic", "合成数据"},
}

// RecordKind is a kind of record with its Chinese noun.
type RecordKind struct{ Code, Label string }

// RecordKinds lists the kinds of record the trail names, for a filter.
func RecordKinds() []RecordKind {
	out := make([]RecordKind, len(recordKinds))
	for i, k := range recordKinds {
		out[i] = RecordKind{k.code, k.label}
	}
	return out
}

// RecordLabel names a kind of record with a Chinese noun; a kind without
// one is shown as it is recorded.
func RecordLabel(kind string) string {
	for _, k := range recordKinds {
		if k.code == kind {
			return k.label
		}
	}
	return kind
}

// RecordName shows a record for people: its noun and its name when one is
// known (户 1号楼 101（#2092）), else its number (用户 #1) or, for a record
// kept by a code, the code (宗地 652301001002GB00123).
func RecordName(kind, id, name string) string {
	noun := RecordLabel(kind)
	ref := id
	if numeric(id) && !slices.Contains(coded, kind) {
		ref = "#" + id
	}
	switch {
	case kind == "alerts":
		return noun
	case name != "" && id != "":
		return noun + " " + name + "（" + ref + "）"
	case name != "":
		return noun + " " + name
	case id == "":
		return noun
	}
	return noun + " " + ref
}

// coded are the kinds of record kept by a code, not a number.
var coded = []string{"jurisdiction", "parcel", "paper_blank", "setting", "request", "synthetic"}

func numeric(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// fields names the keys of the events' summaries.
var fields = map[string]string{
	"after": "改为", "before": "原为", "reason": "理由", "via": "途径", "note": "备注", "basis": "依据", "witness": "见证方", "consistent": "与日志一致",
	"number": "编号", "project": "项目", "unit": "户", "building": "幢", "buildings": "幢", "contract": "合同",
	"buyers": "购房人数", "developer": "开发企业", "buyer": "购房人", "state": "状态", "kind": "类别", "subject": "对象",
	"assignee": "指派给", "raised": "新发预警", "reopened": "重新打开", "resolved": "解除", "done": "已办", "blocked": "受阻",
	"total": "共计", "ready": "条件具备", "rehearsal": "预演编号", "held_on": "交房日期", "mode": "方式", "event": "事件", "amount": "金额（元）", "voucher": "凭证号",
	"source": "来源", "doc_no": "文书编号", "restriction": "限制", "department": "部门", "departments": "部门",
	"round": "轮次", "result": "结果", "due": "期限", "scope": "范围", "year": "年度", "title": "标题", "rules": "条数",
	"bank": "银行", "account": "账号", "supervised": "重点监管额度", "paid_on": "缴款日期", "milestone": "节点",
	"proofs": "证明份数", "confirmation_voided": "原确认失效", "key": "签名密钥", "on": "日期", "node": "支取节点", "decision": "决定", "name": "名称", "jurisdiction": "辖区", "address": "地址", "table": "数据表", "column": "字段",
	"planned_delivery": "计划交付", "total_investment": "总投资", "invested": "已投资", "reform": "交房即交证项目",
	"area": "面积", "use": "用途", "right_nature": "权利性质", "term": "使用期限", "grant_contract": "出让合同",
	"premium_due": "应缴出让金", "premium_paid": "已缴出让金", "land_cert_no": "土地证号", "file": "文件", "sm3": "SM3摘要",
	"rows": "行数", "recorded": "新登记户数", "errors": "错误数", "new_buildings": "新增幢", "changed_buildings": "更新幢",
	"new_units": "新增户", "changed_units": "更新户", "unchanged": "未改动", "org": "机构", "username": "用户名",
	"roles": "角色", "disabled": "停用", "has_id_number": "已填身份证号", "locked_until": "锁定至",
	"failed_logins": "连续失败次数", "prefix": "前缀", "url": "地址", "events": "订阅事件", "active": "启用",
	"deliveries": "条数", "services": "登记事项数", "reg_type": "登记类型", "cert_no": "证书（证明）号",
	"choice": "选择", "ratio": "面积误差比", "evidence": "证明材料", "late": "逾期后履行", "created": "新增", "land_topup": "补缴地价",
	"rate": "标准", "filed_on": "备案日期", "due_on": "届满日", "assessed": "核定户数", "points": "分值",
	"appeal": "异议", "report": "报告编号", "units": "户数", "count": "张数", "range": "序列号", "certificate": "证书号", "found": "是否查到",
	"paid": "已缴", "cleared": "已结清", "attachments": "附件数", "auto_review": "自动审核", "case_state": "验收状态",
	"contracts": "合同数", "court_doc": "法院文书", "deadlines_moved": "重算期限数", "end_kind": "注销类别", "ends": "注销的记载",
	"extra_review": "加强审查", "opinion_no": "意见书编号", "payment": "付款方式", "promised": "承诺事项数", "purpose": "用途",
	"total_price": "总价（元）", "user": "用户", "days": "过渡期（天）", "previous_until": "旧密钥有效至", "planned_until": "旧密钥原定有效至",
	// a jurisdiction as jurisdiction.put records it (identity.Jurisdiction)
	"Code": "代码", "Name": "名称", "Kind": "类别", "County": "县级代码", "CertPlace": "证书上的市县", "Province": "省份简称",
	"Region": "节假日地区",
	// a register query (register.inquire)
	"effective_on": "生效日期",
	"follows":      "沿用上级配置",
	"requester":    "查询人身份", "query_purpose": "查询目的", "by": "查询方式", "channel": "渠道", "unit_no": "不动产单元号", "basis_no": "证明材料编号",
}

// FieldLabel names a summary's key in Chinese; an unknown key is shown as
// it is.
func FieldLabel(key string) string {
	if l, ok := fields[key]; ok {
		return l
	}
	return key
}

// values names the coded values of a summary's keys that people read.
var values = map[string]map[string]string{
	"reason":    {"unknown user": "用户名不存在", "auth.disabled": "账户已停用", "auth.locked": "账户已锁定"},
	"via":       {"page": "页面", "api": "接口", "counter": "登记窗口查询", "online": "网上查询"},
	"name":      {"none": "未填写权利人姓名", "holder": "所填姓名为权利人", "not_a_holder": "所填姓名不是权利人", "locked": "24小时内所填错误姓名已达上限，未核对姓名"},
	"requester": {"holder": "权利人", "interested": "利害关系人", "prospective": "拟购买或承租人", "state_organ": "国家机关"},
	"channel":   {"counter": "登记窗口", "online": "网上查询"},
	"by":        {"location": "坐落", "cert_no": "证书号", "unit_no": "不动产单元号"},
	"source":    {"page": "页面", "api": "接口", "counter": "窗口", "staff": "税务人员录入", "batch": "批量交房", "import": "文件导入"},
}

// ValueLabel names a summary's coded value of key in Chinese; any other
// value is shown as it is.
func ValueLabel(key, v string) string {
	if l, ok := values[key][v]; ok {
		return l
	}
	return v
}

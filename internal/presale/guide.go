package presale

import (
	"fmt"

	"handover/internal/credit"
	"handover/internal/guide"
	"handover/internal/problem"
)

// PermitGuide is the service guide of the presale permit in a jurisdiction
// where a listing has effect on presale permits. Its conditions are those
// Check applies, under the same rule codes (the package's tests hold them
// together).
func PermitGuide(effect credit.Effect) guide.Matter {
	m := guide.Matter{
		Key: "presale_permit", Title: "商品房预售许可", Department: "住房和城乡建设局", Applicant: "房地产开发企业",
		Steps: []guide.Step{
			{Name: "申请", Who: "开发企业", Note: "在平台选择预售的幢，楼盘表已导入"},
			{Name: "自动核验", Who: "系统", Note: "逐项核验预售条件，未具备的逐条列出并注明依据"},
			{Name: "审批", Who: "住建部门审批人员"},
			{Name: "核发", Who: "住建部门", Note: "许可范围内的户在楼盘表上可网签；许可可暂停或撤销"},
		},
		Conditions: []problem.Reason{
			{Rule: "presale.land_right", Message: "项目的每宗地已取得国有建设用地使用权（已办理首次登记）", Basis: basisLand, Fixer: "开发企业"},
			{Rule: "presale.land_premium", Message: "土地出让价款已全部缴清", Basis: basisLand, Fixer: "开发企业（缴清价款后由自然资源部门确认）"},
			{Rule: "presale.planning_permit", Message: "已取得建设工程规划许可证，并经住建部门确认", Basis: basisPlanning, Fixer: "开发企业；住建部门确认"},
			{Rule: "presale.construction_permit", Message: "已取得建筑工程施工许可证，并经住建部门确认", Basis: basisWorks, Fixer: "开发企业；住建部门确认"},
			{Rule: "presale.investment", Message: "投入开发建设的资金达到工程建设总投资的25%以上", Basis: basisInvestment, Fixer: "开发企业"},
			{Rule: "presale.delivery_date", Message: "已确定施工进度和竣工交付日期", Basis: basisInvestment, Fixer: "开发企业"},
			{Rule: "presale.buildings", Message: "申请预售的幢属于本项目", Basis: basisLedger, Fixer: "开发企业"},
			{Rule: "presale.ledger", Message: "申请预售的幢已导入楼盘表", Basis: basisLedger, Fixer: "开发企业"},
			{Rule: "presale.already_permitted", Message: "申请预售的幢不在另一份有效的预售许可范围内", Basis: basisLedger, Fixer: "住建部门"},
			{Rule: "presale.credit_restricted", Message: "开发企业不在限制清单中（本辖区对限制清单中的企业不予办理时）", Basis: basisCredit, Fixer: "住建部门（移出限制清单）"},
		},
		Bring: []string{"商品房预售许可申请（在平台填报，选择预售的幢）", "营业执照与法定代表人身份证明",
			"工程施工进度和投入开发建设资金的证明", "预售方案（含预售资金监管账户）"},
		Held: []string{"国有建设用地使用权登记与土地出让价款缴纳情况", "建设工程规划许可证、建筑工程施工许可证（已登记并确认）",
			"楼盘表（幢、层、户及预测面积）", "开发企业的诚信记录"},
		Limit: "自受理之日起10日内作出准予或不予预售的决定（《城市商品房预售管理办法》第七条）",
		Fee:   "不收费",
		Basis: "《城市房地产管理法》第四十五条；《城市商品房预售管理办法》第五条至第七条；昌州自然资发〔2022〕196号",
	}
	m.Notes = append(m.Notes, "开发企业在限制清单中时，本辖区对预售许可申请："+effectNote(effect))
	return m
}

// FilingGuide is the service guide of online signing and filing with the
// pre-notice registration (网签备案与预告登记). Its conditions are those
// Contract.Check applies, under the same rule codes.
func FilingGuide(effect credit.Effect) guide.Matter {
	dev := "开发企业"
	clause := func(rule, text string) problem.Reason {
		return problem.Reason{Rule: rule, Message: text, Basis: basisClauses, Fixer: dev}
	}
	m := guide.Matter{
		Key: "contract_filing", Title: "商品房买卖合同网签备案与预告登记", Department: "住房和城乡建设局、不动产登记中心（一窗受理）",
		Applicant: "开发企业与买受人（贷款购房的，贷款银行一并申请预抵押）",
		Steps: []guide.Step{
			{Name: "起草", Who: "开发企业", Note: "以GF-2014-0171示范文本起草，条款以数据保存"},
			{Name: "确认签署", Who: "每位买受人", Note: "以身份证号登录确认，全部确认即为签署"},
			{Name: "自动核验", Who: "系统", Note: "逐项核验，未通过的逐条列出"},
			{Name: "备案并预告登记", Who: "系统", Note: "同一事务中记载预告登记（贷款的同时记载预抵押）"},
			{Name: "共享", Who: "系统", Note: "实时推送登记、税务、贷款银行与公共事业单位"},
		},
		Conditions: []problem.Reason{
			{Rule: "contract.permit", Message: "该户在有效的商品房预售许可范围内", Basis: basisPermit, Fixer: dev + "（申请预售许可）"},
			{Rule: "contract.unit_taken", Message: "该户没有其他有效的网签合同（一房一号）", Basis: basisOneLive, Fixer: dev + "（先撤回或注销原合同）"},
			{Rule: "contract.unit_locked", Message: "该户未被锁定", Basis: basisLocked, Fixer: "住建部门或登记机构（解锁）"},
			{Rule: "contract.unit_sealed", Message: "该户未被查封", Basis: basisSealed, Fixer: "作出查封的人民法院或机关"},
			{Rule: "contract.common_part", Message: "该户不是业主共有部分（物业服务用房等）", Basis: basisCommon, Fixer: "测绘单位与登记机构（核实共有部分）"},
			{Rule: "contract.unit_registered", Message: "该户尚未转移登记给他人", Basis: basisRegistered, Fixer: "登记机构（核实权属）"},
			{Rule: "contract.credit_restricted", Message: "开发企业不在限制清单中（本辖区对限制清单中的企业不予网签备案时）", Basis: basisSaleCredit, Fixer: "住建部门（移出限制清单）"},
			clause("contract.buyers", "合同至少有一位买受人"),
			clause("contract.buyer_name", "每位买受人的姓名完整"),
			{Rule: "contract.buyer_id", Message: "每位买受人的公民身份号码有效且互不重复", Basis: basisIdentity, Fixer: dev + "（核对买受人身份证件）"},
			clause("contract.buyer_phone", "买受人的联系电话（如填写）为有效的手机号码或固定电话"),
			{Rule: "contract.ownership", Message: "共有方式与买受人人数相符（单独所有一人，共同共有、按份共有至少两人）", Basis: basisShares, Fixer: dev},
			{Rule: "contract.shares", Message: "按份共有的各份额在0与1之间且合计为1", Basis: basisShares, Fixer: dev},
			clause("contract.price_basis", "约定计价方式（第三条）"),
			clause("contract.price", "单价与总价款大于0（第三条）"),
			clause("contract.area", "按面积计价的，该户有预测面积（第二条）"),
			clause("contract.payment", "约定付款方式（第四条）"),
			clause("contract.loan_bank", "贷款付款的，指明贷款银行（第四条）"),
			clause("contract.loan_amount", "贷款金额大于0且小于总价款（第四条）"),
			clause("contract.loan_years", "贷款年限为1–30年（第四条）"),
			{Rule: "contract.escrow", Message: "载明预售资金监管银行与账号（第五条）", Basis: basisClauses, Fixer: "住建部门（设立监管账户）"},
			clause("contract.delivery_date", "约定交付日期，且晚于合同起草日（第十一条）"),
			clause("contract.area_clause", "按面积计价的，约定面积差异的处理（第十三条）"),
			clause("contract.registration_days", "约定交付后办理不动产权证书的期限（1–365日，第二十条）"),
			clause("contract.penalty", "约定逾期交付与逾期办证的违约金日比率（万分之一至万分之一百，第十二条、第二十条）"),
			{Rule: "contract.household", Message: "附买受人家庭住房情况说明（用于契税）", Basis: "《财政部 税务总局 住房城乡建设部公告》2024年第16号", Fixer: dev + "（收集买受人说明）"},
		},
		Bring: []string{"买受人身份证件（核对后由系统记录，转移登记与抵押登记不再收取）", "买受人家庭住房情况说明",
			"贷款购房的：借款合同（预抵押与抵押登记共用）"},
		Held:  []string{"楼盘表与该户的预测面积", "预售许可", "预售资金监管账户", "该户的查封、锁定状态"},
		Limit: fmt.Sprintf("签署后%d日内备案（GF-2014-0171 第十九条）；核验通过即时备案并记载预告登记", FilingDays),
		Fee:   "不收费",
		Basis: "《城市商品房预售管理办法》第十条；《民法典》第二百二十一条（预告登记）；昌州自然资发〔2022〕196号“同步申请、一窗受理、并行联办、实时共享”",
	}
	m.Notes = append(m.Notes, "开发企业在限制清单中时，本辖区对合同网签备案："+effectNote(effect))
	return m
}

// effectNote says in a sentence what a listing's effect does to a request.
func effectNote(e credit.Effect) string {
	switch e {
	case credit.Refuse:
		return "不予办理"
	case credit.Review:
		return "须经住建部门加强审查后办理"
	}
	return "不受影响"
}

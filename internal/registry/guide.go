package registry

import (
	"fmt"

	"handover/internal/guide"
	"handover/internal/measure"
	"handover/internal/problem"
)

// heldFor lists the material kinds the platform links to an application
// of kind (see the store's linkMaterials): the applicant never brings them.
func heldFor(k ServiceKind) []string {
	switch k {
	case First:
		return []string{"survey", "completion_filing"}
	case Transfer:
		return []string{"contract", "filing_identity", "filing_household", "deed_tax", "survey", "completion_filing"}
	case MortgageReg:
		return []string{"contract", "filing_identity", "filing_loan_contract", "survey", "completion_filing"}
	}
	return nil
}

// conditionsOf are the conditions of kind, under the rule codes of
// FirstBlocks, TransferBlocks and MortgageBlocks (the package's tests hold
// them together); the other kinds are decided on their documents.
func conditionsOf(k ServiceKind) []problem.Reason {
	switch k {
	case First:
		return []problem.Reason{
			{Rule: "first.filing", Message: "所在幢已办理竣工验收备案", Basis: basisFiled, Fixer: "住建部门"},
			{Rule: "first.parcel", Message: "宗地没有查封、抵押（含未转换的在建工程抵押）等限制", Basis: basisParcel, Fixer: "查封或抵押的权利人、机关"},
			{Rule: "first.locked", Message: "该户未被锁定", Basis: basisLocked, Fixer: "住建部门或登记机构（解锁）"},
			{Rule: "first.sealed", Message: "该户未被查封", Basis: basisSealed, Fixer: "作出查封的人民法院或机关"},
			{Rule: "first.done", Message: "该户尚未办理首次登记", Basis: basisFirstReg, Fixer: "登记机构（登记有误的，办理更正登记）"},
		}
	case Transfer:
		return []problem.Reason{
			{Rule: "transfer.done", Message: "该合同的转移登记尚未办理", Basis: basisResale, Fixer: "登记机构（核对登记簿）"},
			{Rule: "transfer.ownership", Message: "开发企业的所有权已登记（可与首次登记合并申请）；转让存量房的，转让人有现势所有权", Basis: basisOwnership, Fixer: "开发企业（申请首次登记，可合并申请）"},
			{Rule: "transfer.sealed", Message: "该户未被查封", Basis: basisSealed, Fixer: "作出查封的人民法院或机关"},
			{Rule: "transfer.locked", Message: "该户未被锁定", Basis: basisLocked, Fixer: "住建部门或登记机构（解锁）"},
			{Rule: "transfer.deed_tax", Message: "契税已缴纳（税务部门推送完税信息）", Basis: basisDeedTax, Fixer: "买受人（向税务部门缴纳契税）"},
			{Rule: "transfer.mortgage", Message: "没有约定抵押期间不得转让的现势抵押（或抵押权人已同意）", Basis: basisMortgage, Fixer: "抵押权人（同意转让或注销抵押）"},
			{Rule: "transfer.prenotice", Message: "没有他人的预售商品房买卖预告登记", Basis: basisPreNotice, Fixer: "预告登记权利人"},
		}
	case MortgageReg:
		return []problem.Reason{
			{Rule: "mortgage.ownership", Message: "抵押人（买受人）的所有权已登记（可与转移登记一并申请）", Basis: basisBuyerOwn, Fixer: "买受人（申请转移登记，可一并申请）"},
			{Rule: "mortgage.sealed", Message: "该户未被查封", Basis: basisSealed, Fixer: "作出查封的人民法院或机关"},
			{Rule: "mortgage.done", Message: "该合同的按揭抵押权尚未登记（按合同贷款办理时）", Basis: basisBuyerOwn, Fixer: "登记机构（核对登记簿）；再次抵押请填写抵押权人与债权数额"},
		}
	}
	return nil
}

// GuideFor builds the service guide of kind under the jurisdiction's policy,
// the same configuration the steps and rules use (一个流程图、一个操作指引).
func GuideFor(k ServiceKind, p Policy) guide.Matter {
	m := guide.Matter{Key: string(k), Title: k.Label(), Department: "不动产登记中心", Conditions: conditionsOf(k),
		Basis: "《不动产登记暂行条例》及其实施细则；《昌吉州“交房即交证”改革实施方案》"}
	auto := false
	for _, a := range p.AutoReview {
		auto = auto || a == k
	}
	for _, h := range heldFor(k) {
		m.Held = append(m.Held, MaterialLabel(h))
	}
	switch k {
	case First:
		m.Applicant, m.Bring = "房地产开发企业", []string{"不动产登记申请书", "营业执照与法定代表人身份证明"}
	case Transfer:
		m.Applicant, m.Bring = "买受人（可与开发企业合并申请，交房时批量办理）", []string{"不动产登记申请书（交房现场签署）"}
	case MortgageReg:
		m.Applicant, m.Bring = "抵押权人（银行）与抵押人", []string{"不动产登记申请书", "抵押合同"}
	case Cancel:
		m.Applicant, m.Bring = "权利人或法院", []string{"不动产登记申请书", "注销原因证明（如主债权消灭证明、生效法律文书）"}
	case SealReg, Unseal:
		m.Applicant, m.Bring = "人民法院等有权机关（嘱托）", []string{"协助执行通知书", "裁定书", "执行公务证件"}
	case Correct:
		m.Applicant, m.Bring = "权利人或利害关系人", []string{"不动产登记申请书", "登记确有错误的证明材料"}
	case ObjectReg:
		m.Applicant, m.Bring = "利害关系人", []string{"不动产登记申请书", "利害关系证明", "登记簿记载错误的证明材料"}
	}
	step := func(s Step, who, note string) guide.Step { return guide.Step{Name: s.Label(), Who: who, Note: note} }
	m.Steps = append(m.Steps, step(StepAccept, "登记窗口受理人员", "一窗受理，已共享的材料不再收取"))
	review := step(StepReview, "审核人员（不得为受理人员）", "")
	if auto {
		review.Note = "标准件各项规则均通过时由系统自动审核"
	}
	m.Steps = append(m.Steps, review)
	if p.SecondReview {
		m.Steps = append(m.Steps, step(StepReview2, "复审人员", "本辖区要求复审"))
	}
	m.Steps = append(m.Steps, step(StepRecord, "登簿人员", "登簿前再次核验各项规则"),
		step(StepCertify, "缮证人员", "电子证照以登记机构SM2密钥签名"),
		step(StepIssue, "发证人员", "交房现场发放或委托开发企业代领；电子证照可在线核验"))
	m.Limit = fmt.Sprintf("受理后 %d 个工作日内办结", p.Days)
	if auto {
		m.Limit += "；标准件可自动审核，交房当日即可发证"
	}
	m.Fee = "不收费"
	if fee := p.Fees[k]; fee > 0 {
		m.Fee = measure.Money(measure.FromCents(fee)) + " 元/件"
	}
	return m
}

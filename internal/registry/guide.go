package registry

// Guide is the service guide of one registration matter in one
// jurisdiction (一个流程图、一个操作指引): the steps, what the applicant
// brings, what the platform already holds, the time limit and the fee. It
// is built from the jurisdiction's Policy, the same configuration the
// steps and rules use, so the guide never disagrees with the system.
type Guide struct {
	Kind      ServiceKind
	Steps     []GuideStep
	Bring     []string // what the applicant provides
	Held      []string // what the platform already holds (material kinds), never asked again
	Days      int      // working days from acceptance
	Fee       int64    // in fen
	Auto      bool     // standard cases may be reviewed automatically
	Applicant string   // who applies
	Basis     string
}

// GuideStep is one box of the flow chart.
type GuideStep struct {
	Step Step
	Who  string
	Note string
}

// Heldfor lists the material kinds the platform links to an application
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

// GuideFor builds the guide of kind under policy.
func GuideFor(k ServiceKind, p Policy) Guide {
	g := Guide{Kind: k, Days: p.Days, Fee: p.Fees[k], Held: heldFor(k), Basis: "《不动产登记暂行条例》及其实施细则；《昌吉州“交房即交证”改革实施方案》"}
	for _, a := range p.AutoReview {
		g.Auto = g.Auto || a == k
	}
	switch k {
	case First:
		g.Applicant, g.Bring = "房地产开发企业", []string{"不动产登记申请书", "营业执照与法定代表人身份证明"}
	case Transfer:
		g.Applicant, g.Bring = "买受人（可与开发企业合并申请，交房时批量办理）", []string{"不动产登记申请书（交房现场签署）"}
	case MortgageReg:
		g.Applicant, g.Bring = "抵押权人（银行）与抵押人", []string{"不动产登记申请书", "抵押合同"}
	case Cancel:
		g.Applicant, g.Bring = "权利人或法院", []string{"不动产登记申请书", "注销原因证明（如主债权消灭证明、生效法律文书）"}
	case SealReg, Unseal:
		g.Applicant, g.Bring = "人民法院等有权机关（嘱托）", []string{"协助执行通知书", "裁定书", "执行公务证件"}
	case Correct:
		g.Applicant, g.Bring = "权利人或利害关系人", []string{"不动产登记申请书", "登记确有错误的证明材料"}
	case ObjectReg:
		g.Applicant, g.Bring = "利害关系人", []string{"不动产登记申请书", "利害关系证明", "登记簿记载错误的证明材料"}
	}
	g.Steps = append(g.Steps, GuideStep{Step: StepAccept, Who: "登记窗口受理人员", Note: "一窗受理，已共享的材料不再收取"})
	review := GuideStep{Step: StepReview, Who: "审核人员（不得为受理人员）"}
	if g.Auto {
		review.Note = "标准件各项规则均通过时由系统自动审核"
	}
	g.Steps = append(g.Steps, review)
	if p.SecondReview {
		g.Steps = append(g.Steps, GuideStep{Step: StepReview2, Who: "复审人员", Note: "本辖区要求复审"})
	}
	g.Steps = append(g.Steps, GuideStep{Step: StepRecord, Who: "登簿人员", Note: "登簿前再次核验各项规则"},
		GuideStep{Step: StepCertify, Who: "缮证人员", Note: "电子证照以登记机构SM2密钥签名"},
		GuideStep{Step: StepIssue, Who: "发证人员", Note: "交房现场发放或委托开发企业代领；电子证照可在线核验"})
	return g
}

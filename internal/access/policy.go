package access

import "handover/internal/identity"

type rule struct {
	public bool
	roles  map[identity.Role]Scope
}

// The actions of the platform. Each issue of the platform adds its own; the
// policy table below is the only place that says who may do them.
const (
	CodesValidate    Action = "codes.validate"
	CalendarRead     Action = "calendar.read"
	GuideRead        Action = "guide.read"
	CalendarManage   Action = "calendar.manage"
	JurisdictionRead Action = "jurisdiction.read"
	MeRead           Action = "me.read"
	OrgRead          Action = "org.read"
	OrgManage        Action = "org.manage"
	UserRead         Action = "user.read"
	UserManage       Action = "user.manage"
	TokenManage      Action = "token.manage"
	AuditRead        Action = "audit.read"
	SettingsManage   Action = "settings.manage"

	// The unit ledger and presale (楼盘表, 预售许可).
	ProjectRead   Action = "project.read"
	ProjectManage Action = "project.manage"
	PermitConfirm Action = "permit.confirm"
	LandConfirm   Action = "land.confirm"
	UnitLock      Action = "unit.lock"
	PresaleApply  Action = "presale.apply"
	PresaleDecide Action = "presale.decide"
	CreditRead    Action = "credit.read"
	CreditManage  Action = "credit.manage"
	// A developer's credit record (诚信记录) and appeals against it.
	CreditRecordRead Action = "credit.record.read"
	CreditAppeal     Action = "credit.appeal"
	PublicRead       Action = "public.read"

	// Contracts, the register book, funds and partner exchange.
	ContractRead    Action = "contract.read"
	ContractDraft   Action = "contract.draft"
	ContractConfirm Action = "contract.confirm"
	ContractCancel  Action = "contract.cancel"
	RegisterRead    Action = "register.read"
	RegisterInquire Action = "register.inquire"
	// RegisterInquireOwn is a rights holder's query of their own unit,
	// made online when signed in.
	RegisterInquireOwn Action = "register.inquire_own"
	InquiryRead        Action = "inquiry.read"
	FundRead           Action = "fund.read"
	FundDeposit        Action = "fund.deposit"
	FundWithdraw       Action = "fund.withdraw"
	FundDecide         Action = "fund.decide"
	PartnerManage      Action = "partner.manage"

	// Completion: survey, reconciliation, joint acceptance, accounting,
	// completion filing, commitments, readiness; alerts and credit records.
	SurveySubmit      Action = "survey.submit"
	SurveyRead        Action = "survey.read"
	SurveyReview      Action = "survey.review"
	AreaRead          Action = "area.read"
	AreaDecide        Action = "area.decide"
	AcceptanceApply   Action = "acceptance.apply"
	AcceptanceRead    Action = "acceptance.read"
	AcceptanceOpinion Action = "acceptance.opinion"
	AccountingRead    Action = "accounting.read"
	AccountingManage  Action = "accounting.manage"
	CompletionFile    Action = "completion.file"
	CommitmentFulfil  Action = "commitment.fulfil"
	ReadinessRead     Action = "readiness.read"
	AlertRead         Action = "alert.read"
	AlertHandle       Action = "alert.handle"
	DashboardRead     Action = "dashboard.read"

	// Registration, handover, certificates, deed tax and utilities.
	RegistrationApply  Action = "registration.apply"
	RegistrationRead   Action = "registration.read"
	RegistrationReview Action = "registration.review"
	RegistrationRecord Action = "registration.record"
	CertificateRead    Action = "certificate.read"
	CertificateVerify  Action = "certificate.verify"
	LogRead            Action = "log.read"    // the register log's checkpoints and proofs: anyone
	LogWitness         Action = "log.witness" // a partner reports a checkpoint it holds
	DeedTaxRead        Action = "deedtax.read"
	DeedTaxManage      Action = "deedtax.manage"
	ParcelRestrict     Action = "parcel.restrict"
	HandoverRead       Action = "handover.read"
	HandoverManage     Action = "handover.manage"
	UtilityRead        Action = "utility.read"
	UtilityAnswer      Action = "utility.answer"
	MortgageRead       Action = "mortgage.read"
	RegistrationWork   Action = "registration.work"
	MineRead           Action = "mine.read"
	// The registration centre's stock of paper blanks (证书纸).
	PaperRead   Action = "paper.read"
	PaperManage Action = "paper.manage"
)

var descriptions = map[Action]string{
	CodesValidate:      "校验编码",
	CalendarRead:       "查询工作日",
	GuideRead:          "查询办事指南",
	CalendarManage:     "载入节假日通知",
	JurisdictionRead:   "查看辖区",
	MeRead:             "查看本人信息",
	OrgRead:            "查看机构",
	OrgManage:          "管理机构",
	UserRead:           "查看用户",
	UserManage:         "管理用户",
	TokenManage:        "管理接口令牌",
	AuditRead:          "查看审计日志",
	SettingsManage:     "修改本辖区配置",
	ProjectRead:        "查看项目与楼盘表",
	ProjectManage:      "编辑项目与导入楼盘表",
	PermitConfirm:      "确认规划、施工许可证",
	LandConfirm:        "确认宗地国有建设用地使用权与出让价款缴清",
	UnitLock:           "锁定或解锁户",
	PresaleApply:       "申请预售许可",
	PresaleDecide:      "审批预售许可",
	CreditRead:         "查看限制清单",
	CreditManage:       "管理限制清单",
	CreditRecordRead:   "查看开发企业信用记录",
	CreditAppeal:       "对信用记录提出申诉",
	PublicRead:         "查看公开信息",
	ContractRead:       "查看合同",
	ContractDraft:      "起草、发送、撤回与备案合同",
	ContractConfirm:    "确认网签合同",
	ContractCancel:     "注销合同备案",
	RegisterRead:       "查看登记簿",
	RegisterInquire:    "办理不动产登记资料查询并出具查询结果证明",
	RegisterInquireOwn: "网上查询本人名下不动产的登记结果",
	InquiryRead:        "查看查询记录与查询结果证明",
	FundRead:           "查看预售资金监管",
	FundDeposit:        "登记购房款入账",
	FundWithdraw:       "申请支取预售资金",
	FundDecide:         "审批预售资金与设立监管账户",
	PartnerManage:      "管理部门接口与投递",
	SurveySubmit:       "提交竣工测绘成果",
	SurveyRead:         "查看竣工测绘成果",
	SurveyReview:       "审核竣工测绘成果",
	AreaRead:           "查看面积差异核对",
	AreaDecide:         "选择面积差异处理方式",
	AcceptanceApply:    "申请联合验收与复验",
	AcceptanceRead:     "查看联合验收",
	AcceptanceOpinion:  "出具联合验收部门意见",
	AccountingRead:     "查看核实核算",
	AccountingManage:   "办理核实核算",
	CompletionFile:     "办理竣工验收备案",
	CommitmentFulfil:   "登记承诺事项履行",
	ReadinessRead:      "查看交房即交证条件",
	AlertRead:          "查看预警",
	AlertHandle:        "签收、指派或解除预警",
	DashboardRead:      "查看督查考核数据与通报",
	RegistrationApply:  "受理登记申请、重新受理与撤回",
	RegistrationRead:   "查看登记申请",
	RegistrationReview: "审核、复审与退回登记申请",
	RegistrationRecord: "登簿、缮证与发证",
	CertificateRead:    "查看与下载不动产权证书、证明",
	CertificateVerify:  "核验电子证照",
	LogRead:            "读取登记簿日志（检查点与证明）",
	LogWitness:         "报送见证的登记簿日志检查点",
	DeedTaxRead:        "查看契税",
	DeedTaxManage:      "核定契税与登记完税",
	ParcelRestrict:     "登记或解除宗地限制",
	HandoverRead:       "查看交房安排与批量办理结果",
	HandoverManage:     "安排交房与运行批量办理",
	UtilityRead:        "查看水电气联动过户",
	UtilityAnswer:      "答复水电气过户",
	MortgageRead:       "查看本行的抵押登记",
	RegistrationWork:   "使用登记窗口工作台",
	MineRead:           "查看本人的登记、证书与过户",
	PaperRead:          "查看证书纸库存",
	PaperManage:        "领入证书纸与登记作废",
}

const (
	acceptor   = identity.RoleAcceptor
	reviewer   = identity.RoleReviewer
	recorder   = identity.RoleRecorder
	housing    = identity.RoleHousing
	inspector  = identity.RoleInspector
	surveyor   = identity.RoleSurveyor
	developer  = identity.RoleDeveloper
	buyer      = identity.RoleBuyer
	bank       = identity.RoleBank
	tax        = identity.RoleTax
	utility    = identity.RoleUtility
	supervisor = identity.RoleSupervisor
	admin      = identity.RoleAdmin
)

func public() rule { return rule{public: true} }

type grants map[identity.Role]Scope

func roles(g grants) rule { return rule{roles: g} }

// anyone gives every role the Anyone scope.
func anyone() rule {
	g := grants{}
	for _, r := range identity.Roles {
		g[r] = Anyone
	}
	return rule{roles: g}
}

var policy = map[Action]rule{
	CodesValidate:    public(),
	CalendarRead:     public(),
	GuideRead:        public(),
	JurisdictionRead: public(),
	MeRead:           anyone(),
	CalendarManage:   roles(grants{admin: Prefecture}),
	OrgRead:          roles(grants{admin: Jurisdiction, supervisor: Prefecture}),
	OrgManage:        roles(grants{admin: Jurisdiction}),
	UserRead:         roles(grants{admin: Jurisdiction, supervisor: Prefecture}),
	UserManage:       roles(grants{admin: Jurisdiction}),
	TokenManage:      roles(grants{admin: Jurisdiction}),
	AuditRead:        roles(grants{supervisor: Prefecture, admin: Jurisdiction}),
	SettingsManage:   roles(grants{admin: Jurisdiction, supervisor: Prefecture}),

	ProjectRead: roles(grants{developer: OwnDeveloper, housing: Jurisdiction, acceptor: Jurisdiction, reviewer: Jurisdiction,
		recorder: Jurisdiction, inspector: Jurisdiction, tax: Jurisdiction, supervisor: Prefecture}),
	ProjectManage: roles(grants{developer: OwnDeveloper}),
	PermitConfirm: roles(grants{housing: Jurisdiction}),
	// The natural-resources bureau's land department of the project's
	// jurisdiction (the store names it as the target's organisation).
	LandConfirm:   roles(grants{inspector: OwnOrg}),
	UnitLock:      roles(grants{housing: Jurisdiction, recorder: Jurisdiction}),
	PresaleApply:  roles(grants{developer: OwnDeveloper}),
	PresaleDecide: roles(grants{housing: Jurisdiction}),
	CreditRead:    public(),
	// Any housing bureau may list a developer that misbehaved in its
	// county ("一处失信、处处受限"); every decision is recorded with reasons.
	CreditManage: roles(grants{housing: Anyone, supervisor: Prefecture}),
	// 一处失信、处处受限: every county's housing bureau sees every developer's
	// record; a developer sees its own and appeals its own.
	CreditRecordRead: roles(grants{developer: OwnDeveloper, housing: Anyone, supervisor: Prefecture}),
	CreditAppeal:     roles(grants{developer: OwnDeveloper}),
	PublicRead:       public(),

	ContractRead: roles(grants{developer: OwnDeveloper, buyer: OwnBuyer, bank: OwnOrg, housing: Jurisdiction, acceptor: Jurisdiction,
		reviewer: Jurisdiction, recorder: Jurisdiction, tax: Jurisdiction, supervisor: Prefecture}),
	ContractDraft:   roles(grants{developer: OwnDeveloper}),
	ContractConfirm: roles(grants{buyer: OwnBuyer}),
	ContractCancel:  roles(grants{developer: OwnDeveloper, buyer: OwnBuyer, housing: Jurisdiction}),
	// 不动产登记资料查询暂行办法: rights holders see their own; the
	// developer (义务人) and the lending bank (抵押权人) their records;
	// registration and housing staff their jurisdiction.
	RegisterRead: roles(grants{acceptor: Jurisdiction, reviewer: Jurisdiction, recorder: Jurisdiction, housing: Jurisdiction,
		supervisor: Prefecture, buyer: OwnBuyer, developer: OwnDeveloper, bank: OwnOrg}),
	// 不动产登记资料查询暂行办法: the registration window answers queries of
	// its jurisdiction's units, for whoever asks with their standing; the
	// store tells each standing only what it may be told.
	RegisterInquire: roles(grants{acceptor: Jurisdiction, reviewer: Jurisdiction, recorder: Jurisdiction}),
	// A rights holder queries their own results online (办法 第十四条):
	// the unit must be theirs in the register today.
	RegisterInquireOwn: roles(grants{buyer: OwnBuyer}),
	// A query's record: the registration clerks of its jurisdiction, and
	// the person who made it online.
	InquiryRead:   roles(grants{acceptor: Jurisdiction, reviewer: Jurisdiction, recorder: Jurisdiction, buyer: Self}),
	FundRead:      roles(grants{developer: OwnDeveloper, housing: Jurisdiction, bank: OwnOrg, supervisor: Prefecture}),
	FundDeposit:   roles(grants{bank: OwnOrg, housing: Jurisdiction}),
	FundWithdraw:  roles(grants{developer: OwnDeveloper}),
	FundDecide:    roles(grants{housing: Jurisdiction}),
	PartnerManage: roles(grants{admin: Jurisdiction}),

	// The surveying company the developer commissioned submits (OwnOrg:
	// the project's surveyor); housing and registration staff review.
	SurveySubmit: roles(grants{surveyor: OwnOrg}),
	SurveyRead: roles(grants{surveyor: OwnOrg, developer: OwnDeveloper, housing: Jurisdiction, reviewer: Jurisdiction, acceptor: Jurisdiction,
		recorder: Jurisdiction, inspector: Jurisdiction, supervisor: Prefecture}),
	SurveyReview: roles(grants{housing: Jurisdiction, reviewer: Jurisdiction}),
	AreaRead:     roles(grants{developer: OwnDeveloper, buyer: OwnBuyer, housing: Jurisdiction, reviewer: Jurisdiction, supervisor: Prefecture}),
	AreaDecide:   roles(grants{buyer: OwnBuyer}),
	// A department gives only its own opinions (OwnOrg: the task's department).
	AcceptanceApply:   roles(grants{developer: OwnDeveloper}),
	AcceptanceRead:    roles(grants{developer: OwnDeveloper, inspector: Jurisdiction, housing: Jurisdiction, reviewer: Jurisdiction, supervisor: Prefecture}),
	AcceptanceOpinion: roles(grants{inspector: OwnOrg}),
	AccountingRead:    roles(grants{developer: OwnDeveloper, housing: Jurisdiction, reviewer: Jurisdiction, recorder: Jurisdiction, supervisor: Prefecture}),
	AccountingManage:  roles(grants{housing: Jurisdiction}),
	CompletionFile:    roles(grants{housing: Jurisdiction}),
	CommitmentFulfil:  roles(grants{developer: OwnDeveloper, housing: Jurisdiction}),
	ReadinessRead: roles(grants{developer: OwnDeveloper, buyer: OwnBuyer, housing: Jurisdiction, acceptor: Jurisdiction, reviewer: Jurisdiction,
		recorder: Jurisdiction, inspector: Jurisdiction, tax: Jurisdiction, supervisor: Prefecture}),
	// Each organisation has its alert inbox (OwnOrg: the alerts it must act
	// on); the housing bureau also watches its jurisdiction's market; the
	// prefecture sees and may handle all.
	AlertRead: roles(grants{developer: OwnDeveloper, housing: Jurisdiction, acceptor: OwnOrg, reviewer: OwnOrg, recorder: OwnOrg,
		inspector: OwnOrg, tax: OwnOrg, bank: OwnOrg, utility: OwnOrg, admin: OwnOrg, supervisor: Prefecture}),
	// The assessment: the prefecture sees every county and park; a county's
	// registration and housing staff see their own.
	DashboardRead: roles(grants{supervisor: Prefecture, housing: Jurisdiction, acceptor: Jurisdiction, reviewer: Jurisdiction, recorder: Jurisdiction}),
	AlertHandle: roles(grants{developer: OwnDeveloper, housing: OwnOrg, acceptor: OwnOrg, reviewer: OwnOrg, recorder: OwnOrg,
		inspector: OwnOrg, tax: OwnOrg, bank: OwnOrg, utility: OwnOrg, admin: OwnOrg, supervisor: Prefecture}),

	// The registration window: 受理 by the acceptor, 审核 by the reviewer,
	// 登簿/缮证/发证 by the recorder (岗位分离: the store also refuses the
	// same person twice on one service). The applicant buyers and the
	// developer follow their applications.
	RegistrationApply:  roles(grants{acceptor: Jurisdiction}),
	RegistrationReview: roles(grants{reviewer: Jurisdiction}),
	RegistrationRecord: roles(grants{recorder: Jurisdiction}),
	RegistrationRead: roles(grants{acceptor: Jurisdiction, reviewer: Jurisdiction, recorder: Jurisdiction, supervisor: Prefecture,
		developer: OwnDeveloper, buyer: OwnBuyer}),
	// A certificate is its holders' (OwnBuyer) and, as a 证明, the bank's
	// (OwnOrg); the developer hands certificates over when entrusted.
	CertificateRead: roles(grants{acceptor: Jurisdiction, reviewer: Jurisdiction, recorder: Jurisdiction, supervisor: Prefecture,
		buyer: OwnBuyer, bank: OwnOrg, developer: OwnDeveloper}),
	CertificateVerify: public(),
	// The register log is public, so that anyone holding a checkpoint can
	// check the log against it; the partners that witness it (the tax
	// bureau, banks, the prefecture's supervision) report what they hold.
	LogRead:    public(),
	LogWitness: roles(grants{tax: Anyone, bank: Anyone, supervisor: Prefecture}),
	DeedTaxRead: roles(grants{tax: Jurisdiction, developer: OwnDeveloper, buyer: OwnBuyer, housing: Jurisdiction, acceptor: Jurisdiction,
		reviewer: Jurisdiction, recorder: Jurisdiction, supervisor: Prefecture}),
	DeedTaxManage: roles(grants{tax: Jurisdiction}),
	// Court seals and mortgages of a parcel are entered by the registry.
	ParcelRestrict: roles(grants{recorder: Jurisdiction}),
	HandoverRead: roles(grants{developer: OwnDeveloper, housing: Jurisdiction, acceptor: Jurisdiction, reviewer: Jurisdiction,
		recorder: Jurisdiction, supervisor: Prefecture}),
	HandoverManage: roles(grants{developer: OwnDeveloper}),
	UtilityRead: roles(grants{utility: OwnOrg, buyer: OwnBuyer, developer: OwnDeveloper, housing: Jurisdiction, recorder: Jurisdiction,
		supervisor: Prefecture}),
	UtilityAnswer: roles(grants{utility: OwnOrg}),
	MortgageRead:  roles(grants{bank: OwnOrg}),
	// The window's queue: its staff, by jurisdiction.
	RegistrationWork: roles(grants{acceptor: Jurisdiction, reviewer: Jurisdiction, recorder: Jurisdiction, supervisor: Prefecture}),
	// A buyer's own applications, certificates, tax and utilities; the page
	// selects by the principal's ID number, so the scope is the person.
	MineRead: roles(grants{buyer: Anyone}),
	// The registration centre's paper blanks: its staff and the prefecture
	// see the stock; the 缮证发证 post (the recorder), who prints on them,
	// receives ranges and records spoiled blanks.
	PaperRead:   roles(grants{acceptor: Jurisdiction, reviewer: Jurisdiction, recorder: Jurisdiction, supervisor: Prefecture}),
	PaperManage: roles(grants{recorder: Jurisdiction}),
}

// Actions lists every action in the policy, for tests and documentation.
func Actions() []Action {
	out := make([]Action, 0, len(policy))
	for a := range policy {
		out = append(out, a)
	}
	return out
}

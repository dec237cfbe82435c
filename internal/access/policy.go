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
	UnitLock      Action = "unit.lock"
	PresaleApply  Action = "presale.apply"
	PresaleDecide Action = "presale.decide"
	CreditRead    Action = "credit.read"
	CreditManage  Action = "credit.manage"
	PublicRead    Action = "public.read"

	// Contracts, the register book, funds and partner exchange.
	ContractRead    Action = "contract.read"
	ContractDraft   Action = "contract.draft"
	ContractConfirm Action = "contract.confirm"
	ContractCancel  Action = "contract.cancel"
	RegisterRead    Action = "register.read"
	FundRead        Action = "fund.read"
	FundDeposit     Action = "fund.deposit"
	FundWithdraw    Action = "fund.withdraw"
	FundDecide      Action = "fund.decide"
	PartnerManage   Action = "partner.manage"
)

var descriptions = map[Action]string{
	CodesValidate:    "校验编码",
	CalendarRead:     "查询工作日",
	CalendarManage:   "载入节假日通知",
	JurisdictionRead: "查看辖区",
	MeRead:           "查看本人信息",
	OrgRead:          "查看机构",
	OrgManage:        "管理机构",
	UserRead:         "查看用户",
	UserManage:       "管理用户",
	TokenManage:      "管理接口令牌",
	AuditRead:        "查看审计日志",
	SettingsManage:   "修改本辖区配置",
	ProjectRead:      "查看项目与楼盘表",
	ProjectManage:    "编辑项目与导入楼盘表",
	PermitConfirm:    "确认规划、施工许可证",
	UnitLock:         "锁定或解锁户",
	PresaleApply:     "申请预售许可",
	PresaleDecide:    "审批预售许可",
	CreditRead:       "查看限制清单",
	CreditManage:     "管理限制清单",
	PublicRead:       "查看公开信息",
	ContractRead:     "查看合同",
	ContractDraft:    "起草、发送、撤回与备案合同",
	ContractConfirm:  "确认网签合同",
	ContractCancel:   "注销合同备案",
	RegisterRead:     "查看登记簿",
	FundRead:         "查看预售资金监管",
	FundDeposit:      "登记购房款入账",
	FundWithdraw:     "申请支取预售资金",
	FundDecide:       "审批预售资金与设立监管账户",
	PartnerManage:    "管理部门接口与投递",
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
	UnitLock:      roles(grants{housing: Jurisdiction, recorder: Jurisdiction}),
	PresaleApply:  roles(grants{developer: OwnDeveloper}),
	PresaleDecide: roles(grants{housing: Jurisdiction}),
	CreditRead:    public(),
	// Any housing bureau may list a developer that misbehaved in its
	// county ("一处失信、处处受限"); every decision is recorded with reasons.
	CreditManage: roles(grants{housing: Anyone, supervisor: Prefecture}),
	PublicRead:   public(),

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
	FundRead:      roles(grants{developer: OwnDeveloper, housing: Jurisdiction, bank: OwnOrg, supervisor: Prefecture}),
	FundDeposit:   roles(grants{bank: OwnOrg, housing: Jurisdiction}),
	FundWithdraw:  roles(grants{developer: OwnDeveloper}),
	FundDecide:    roles(grants{housing: Jurisdiction}),
	PartnerManage: roles(grants{admin: Jurisdiction}),
}

// Actions lists every action in the policy, for tests and documentation.
func Actions() []Action {
	out := make([]Action, 0, len(policy))
	for a := range policy {
		out = append(out, a)
	}
	return out
}

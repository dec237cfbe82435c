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
}

// Actions lists every action in the policy, for tests and documentation.
func Actions() []Action {
	out := make([]Action, 0, len(policy))
	for a := range policy {
		out = append(out, a)
	}
	return out
}

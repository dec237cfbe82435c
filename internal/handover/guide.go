package handover

import (
	"handover/internal/completion"
	"handover/internal/credit"
	"handover/internal/guide"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
)

// GuideSettings are the settings of a jurisdiction that its service guide
// states, read as the rules read them.
type GuideSettings struct {
	Registration   registry.Policy
	PresaleEffect  credit.Effect // what a listing does to a presale permit
	FilingEffect   credit.Effect // what a listing does to a contract's filing
	Departments    []string      // joint acceptance departments
	AcceptanceDays int
	Blocking       []completion.ItemKind // accounting items that block the completion filing
}

// Guides builds the guide of every matter of a jurisdiction, in the order of
// a project's life: the housing bureau's matters, then registration's.
func Guides(gs GuideSettings) []guide.Matter {
	ms := []guide.Matter{presale.PermitGuide(gs.PresaleEffect), presale.FilingGuide(gs.FilingEffect),
		completion.AcceptanceGuide(gs.Departments, gs.AcceptanceDays), FilingGuide(gs.Blocking)}
	for _, k := range registry.ServiceKinds {
		ms = append(ms, registry.GuideFor(k, gs.Registration))
	}
	return ms
}

// FilingGuide is the service guide of the completion filing (竣工验收备案)
// in a jurisdiction where the blocking accounting items block it. Its
// conditions are those Evaluate lists for the Filing target, and the
// filing date's (completion.Filing.CheckAccepted).
func FilingGuide(blocking []completion.ItemKind) guide.Matter {
	m := guide.Matter{
		Key: "completion_filing", Title: "竣工验收备案", Department: "住房和城乡建设局", Applicant: "建设单位（房地产开发企业）",
		Steps: []guide.Step{
			{Name: "备案", Who: "住建部门", Note: "平台逐幢核验备案条件，未具备的逐条列出"},
			{Name: "告知承诺", Who: "开发企业", Note: "竣工结算备案、建设工程档案归档等可承诺后补交"},
			{Name: "开始计时", Who: "系统", Note: "备案之日为“交房即交证”20个工作日时限的第0日"},
		},
		Conditions: []problem.Reason{
			{Rule: "filing.survey", Message: "每幢的竣工测绘成果已审核通过（多测合一）", Basis: basisSurvey, Fixer: "测绘单位；住建部门审核"},
			{Rule: "filing.acceptance", Message: "联合验收已通过并出具统一意见", Basis: basisAcceptance, Fixer: "开发企业；各验收部门"},
			completion.FilingDateCondition(),
		},
		Bring: []string{"竣工验收备案申请（在平台办理，或由工程建设项目审批管理系统推送）", "告知承诺书（承诺事项与期限）"},
		Held: []string{"多测合一竣工测绘成果", "联合验收统一意见", "核实核算结果（土地价款、各项规费）",
			"建设工程规划许可证、建筑工程施工许可证"},
		Limit: "建设单位自工程竣工验收合格之日起15日内备案（《房屋建筑和市政基础设施工程竣工验收备案管理办法》第四条）；条件具备的即时备案",
		Fee:   "不收费",
		Basis: basisFiling + "；" + basisReform,
		Notes: []string{"承诺事项逾期未履行的，平台预警并计入开发企业诚信记录"},
	}
	for _, k := range blocking {
		if k == completion.LandTopUp {
			m.Conditions = append(m.Conditions, problem.Reason{Rule: "filing.land_topup",
				Message: "实测土地面积或建筑面积与出让合同不一致的，已签订出让合同补充协议并补缴价款", Basis: k.Basis(), Fixer: "开发企业；自然资源部门"})
			continue
		}
		m.Conditions = append(m.Conditions, problem.Reason{Rule: "filing.accounting", Message: k.Label() + "已核算、缴清并核销",
			Basis: k.Basis(), Fixer: "开发企业缴纳；住建部门核销"})
	}
	// The maintenance fund is never a blocking item (ParseBlocking refuses it).
	m.Notes = append(m.Notes, "住宅专项维修资金按户核算，不阻止备案，但未交存的户不得交付（交房时逐户核验）")
	return m
}

package completion

import (
	"fmt"
	"strings"

	"handover/internal/guide"
	"handover/internal/identity"
	"handover/internal/problem"
)

// AcceptanceGuide is the service guide of the joint acceptance (联合验收)
// in a jurisdiction whose configured departments each have days working
// days. Its conditions are those CheckApplication applies.
func AcceptanceGuide(departments []string, days int) guide.Matter {
	var names []string
	for _, d := range departments {
		names = append(names, identity.ServiceLabel(d))
	}
	joined := strings.Join(names, "、")
	return guide.Matter{
		Key: "joint_acceptance", Title: "竣工联合验收", Department: "住房和城乡建设局牵头，各验收部门并联",
		Applicant: "建设单位（房地产开发企业）",
		Steps: []guide.Step{
			{Name: "申请", Who: "开发企业", Note: "选择申请验收的幢；竣工测绘成果已审核通过"},
			{Name: "并联验收", Who: joined, Note: fmt.Sprintf("各部门同时受理，%d个工作日内出具意见", days)},
			{Name: "统一意见", Who: "系统", Note: "全部通过即出具联合验收统一意见；任一部门不通过须写明理由与整改要求"},
			{Name: "整改复验", Who: "不通过的部门", Note: "整改后只由不通过的部门复验，已通过的意见继续有效"},
		},
		Conditions: []problem.Reason{
			{Rule: "acceptance.survey", Message: "申请验收的每幢已有审核通过的竣工测绘成果（多测合一）", Basis: basisAppSurvey, Fixer: "测绘单位与住建部门"},
			{Rule: "acceptance.exists", Message: "该幢不在另一项联合验收中（未通过的申请复验，不重新申请）", Basis: basisAppOne, Fixer: "开发企业"},
			{Rule: "acceptance.department", Message: "本辖区已设置每个参与验收的部门（" + joined + "）", Basis: basisAppDepartment, Fixer: "系统管理员"},
		},
		Bring: []string{"联合验收申请（在平台选择申请验收的幢）", "各部门专项验收所需的材料（在平台上传，各部门共享）"},
		Held:  []string{"多测合一竣工测绘成果（规划、土地、房产测量一次完成）", "楼盘表", "建设工程规划许可证、建筑工程施工许可证"},
		Limit: fmt.Sprintf("各部门自申请之日起%d个工作日内出具意见（本辖区配置）；逾期的由平台预警并计入督查", days),
		Fee:   "不收费",
		Basis: "《建设工程质量管理条例》第十六条、第四十九条；昌州自然资发〔2022〕196号（联合验收、统一出具意见）",
	}
}

package completion

import (
	"strconv"
	"strings"

	"handover/internal/guide"
	"handover/internal/identity"
)

// Settings are the values of this package's rules that a jurisdiction
// sets (docs/domain.md §5.7, §5.8): who takes part in the joint acceptance
// and in how many working days, the maintenance fund's rate, and which
// accounting items hold back the completion filing.
func Settings() []guide.Setting {
	var depts, kinds []guide.Option
	for _, d := range identity.Services[identity.Acceptance] {
		depts = append(depts, guide.Option{Code: d, Label: identity.ServiceLabel(d)})
	}
	for _, k := range ItemKinds {
		if k != Maintenance {
			kinds = append(kinds, guide.Option{Code: string(k), Label: k.Label()})
		}
	}
	var blocking []string
	for _, k := range DefaultBlocking() {
		blocking = append(blocking, string(k))
	}
	return []guide.Setting{
		{Key: SettingDepartments, Group: "联合验收", Label: "参加联合验收的部门", Default: strings.Join(DefaultDepartments(), ","), Options: depts,
			Basis: "《房屋建筑和市政基础设施工程竣工验收规定》；各地联合验收实施办法",
			Check: func(v string) error { _, err := ParseDepartments(v); return err }},
		{Key: SettingDays, Group: "联合验收", Label: "各部门验收时限", Unit: "工作日", Default: strconv.Itoa(DefaultDays), Hint: "1–60",
			Basis: "各地联合验收实施办法", Check: func(v string) error { _, err := ParseDays(v); return err }},
		{Key: SettingMaintenanceRate, Group: "竣工结算", Label: "专项维修资金交存标准", Unit: "元/平方米", Default: DefaultMaintenanceRate,
			Hint: "按建筑面积计，0–1000", Basis: "《住宅专项维修资金管理办法》第七条：首期交存额为当地住宅建筑安装工程每平方米造价的5%至8%",
			Check: func(v string) error { _, err := ParseRate(v); return err }},
		{Key: SettingBlocking, Group: "竣工结算", Label: "未结清即不予竣工验收备案的核算项目", Default: strings.Join(blocking, ","), Options: kinds,
			Basis: "交房即交证改革：竣工结算在前，欠缴项目不得进入交房", Check: func(v string) error { _, err := ParseBlocking(v); return err }},
	}
}

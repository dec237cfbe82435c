package presale

import (
	"fmt"
	"strings"

	"handover/internal/guide"
)

// Settings are the values of this package's rules that a jurisdiction sets
// (docs/domain.md §5.5): the release nodes of the supervised presale fund.
func Settings() []guide.Setting {
	var def []string
	for _, n := range DefaultNodes() {
		def = append(def, fmt.Sprintf("%s:%s:%d:%s", n.Code, n.Name, n.Cap, n.Milestone))
	}
	return []guide.Setting{{Key: SettingFundNodes, Group: "预售资金监管", Label: "重点监管资金的支取节点", Default: strings.Join(def, ";"),
		Hint:  "每个节点写作 代码:名称:累计可支取比例:里程碑，以分号分隔；比例递增，最后一个为100",
		Basis: "《商品房预售资金监管办法》：按工程进度节点拨付，首次登记前留存不少于一定比例",
		Check: func(v string) error { _, err := ParseNodes(v); return err },
		Show: func(v string) string {
			nodes, err := ParseNodes(v)
			if err != nil {
				return v
			}
			var out []string
			for _, n := range nodes {
				out = append(out, fmt.Sprintf("%s前累计不超过%d%%", n.Name, n.Cap))
			}
			return strings.Join(out, "；")
		}}}
}

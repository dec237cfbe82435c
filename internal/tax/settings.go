package tax

import (
	"github.com/shopspring/decimal"

	"handover/internal/guide"
)

// Settings are the values of this package's rules that the prefecture sets
// (docs/domain.md §5.12): the province's deed-tax rate, one for every county.
func Settings() []guide.Setting {
	return []guide.Setting{{Key: SettingProvincialRate, Group: "契税", Label: "契税适用税率（第三套及以上住房、非住房）", Default: DefaultProvincialRate,
		Hint: "小数，0.03–0.05", Basis: "《契税法》第三条：税率为3%至5%，由省、自治区、直辖市人民政府提出，报同级人大常委会决定",
		Prefecture: true,
		Check:      func(v string) error { _, err := ParseRate(v); return err },
		Show: func(v string) string {
			r, err := decimal.NewFromString(v)
			if err != nil {
				return v
			}
			return Percent(r)
		}}}
}

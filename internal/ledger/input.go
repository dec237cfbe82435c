package ledger

import (
	"strings"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/problem"
)

// ParseParcel reads a parcel from its text fields (keyed as the API's JSON
// and the page's form name them), collecting every error (parcel.invalid).
func ParseParcel(v map[string]string) (Parcel, error) {
	var f problem.Fields
	p := Parcel{Code: strings.TrimSpace(v["code"]), Use: strings.TrimSpace(v["use"]), RightNature: strings.TrimSpace(v["right_nature"]),
		GrantContract: strings.TrimSpace(v["grant_contract"]), LandCertNo: strings.TrimSpace(v["land_cert_no"])}
	var err error
	money := func(field, what string) decimal.Decimal {
		d, err := ParseMoneyField(v[field], what)
		if err != nil {
			f.Add(field, problem.As(err).Message)
		}
		return d
	}
	p.Area, p.PremiumDue, p.PremiumPaid = money("area", "宗地面积"), money("premium_due", "出让价款"), money("premium_paid", "已缴价款")
	if strings.TrimSpace(v["grant_floor_area"]) != "" {
		p.GrantFloor = money("grant_floor_area", "出让合同计容建筑面积")
	}
	for field, dst := range map[string]*calendar.Date{"term_start": &p.TermStart, "term_end": &p.TermEnd, "land_cert_on": &p.LandCertOn} {
		if *dst, err = ParseDateField(v[field]); err != nil {
			f.Add(field, "日期格式应为YYYY-MM-DD")
		}
	}
	return p, f.Err("parcel.invalid", "宗地信息有误")
}

package presale

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/measure"
	"handover/internal/problem"
)

// ContractForm is a contract as submitted, by the API (JSON) or a page
// (form): every field as text, as entered.
type ContractForm struct {
	UnitID              int64               `json:"unit_id"`
	Ownership           string              `json:"ownership" enum:"sole,joint,shares" doc:"单独所有、共同共有、按份共有"`
	PriceBasis          string              `json:"price_basis" enum:"gross,inner,unit" doc:"按建筑面积、套内建筑面积或按套计价"`
	UnitPrice           string              `json:"unit_price" doc:"元/㎡，按套计价时为总价"`
	Buyers              []ContractFormBuyer `json:"buyers"`
	Payment             string              `json:"payment" enum:"lump,commercial,fund" doc:"一次性付款、商业贷款、公积金贷款"`
	LoanBank            int64               `json:"loan_bank,omitempty" doc:"贷款银行机构ID"`
	LoanAmount          string              `json:"loan_amount,omitempty"`
	LoanYears           int                 `json:"loan_years,omitempty"`
	LoanNo              string              `json:"loan_no,omitempty" doc:"借款合同编号"`
	HomeCount           string              `json:"home_count,omitempty" enum:"first,second,more" doc:"家庭住房情况说明"`
	Marital             string              `json:"marital,omitempty" doc:"婚姻状况"`
	DeliveryDate        string              `json:"delivery_date,omitempty" doc:"交付日期 YYYY-MM-DD"`
	DeliveryConditions  []string            `json:"delivery_conditions,omitempty" doc:"约定的其他交付条件"`
	RegistrationDays    int                 `json:"registration_days,omitempty" doc:"交付后办证期限（日）"`
	LateDeliveryRate    string              `json:"late_delivery_rate,omitempty" doc:"逾期交付违约金 万分之X/日"`
	LateCertificateRate string              `json:"late_certificate_rate,omitempty" doc:"逾期办证违约金 万分之X/日"`
}

// ContractFormBuyer is one buyer as submitted.
type ContractFormBuyer struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number" doc:"身份证号"`
	Phone    string `json:"phone,omitempty"`
	Share    string `json:"share,omitempty" doc:"按份共有的份额，如1/2"` // "1/2" for 按份共有
}

// ContractInput is what a developer's agent enters for a contract, read
// from the form; the contract rules are checked when it is drafted.
type ContractInput struct {
	UnitID              int64
	Buyers              []Buyer
	Ownership           Ownership
	PriceBasis          PriceBasis
	UnitPrice           decimal.Decimal
	Payment             Payment
	LoanBank            int64
	LoanAmount          decimal.Decimal
	LoanYears           int
	LoanNo              string
	HomeCount           HomeCount
	Marital             string
	DeliveryDate        calendar.Date
	DeliveryConditions  []string
	RegistrationDays    int
	LateDeliveryRate    decimal.Decimal
	LateCertificateRate decimal.Decimal
}

// Input reads the submitted fields, collecting every format error under
// its field key (contract.invalid); the rules are checked by the domain
// afterwards. Buyers with neither name nor ID number are skipped.
func (in ContractForm) Input() (ContractInput, error) {
	var f problem.Fields
	out := ContractInput{UnitID: in.UnitID, Ownership: Ownership(in.Ownership), PriceBasis: PriceBasis(in.PriceBasis),
		Payment: Payment(in.Payment), LoanBank: in.LoanBank, LoanYears: in.LoanYears, LoanNo: in.LoanNo,
		HomeCount: HomeCount(in.HomeCount), Marital: in.Marital, DeliveryConditions: in.DeliveryConditions, RegistrationDays: in.RegistrationDays}
	money := func(s, field, what string) decimal.Decimal {
		if strings.TrimSpace(s) == "" {
			return decimal.Zero
		}
		d, err := measure.Parse(s, what)
		if err != nil {
			f.Add(field, problem.As(err).Message)
		}
		return d
	}
	out.UnitPrice = money(in.UnitPrice, "unit_price", "单价")
	out.LoanAmount = money(in.LoanAmount, "loan_amount", "贷款金额")
	rate := func(s, field string) decimal.Decimal {
		if strings.TrimSpace(s) == "" {
			return decimal.Zero
		}
		d, err := decimal.NewFromString(strings.TrimSpace(s))
		if err != nil {
			f.Add(field, "应为数字（万分之几）")
		}
		return d
	}
	out.LateDeliveryRate = rate(in.LateDeliveryRate, "late_delivery_rate")
	out.LateCertificateRate = rate(in.LateCertificateRate, "late_certificate_rate")
	if strings.TrimSpace(in.DeliveryDate) != "" {
		d, err := calendar.ParseDate(in.DeliveryDate)
		if err != nil {
			f.Add("delivery_date", "日期格式应为YYYY-MM-DD")
		}
		out.DeliveryDate = d
	}
	for i, b := range in.Buyers {
		if strings.TrimSpace(b.Name) == "" && strings.TrimSpace(b.IDNumber) == "" {
			continue
		}
		num, den, err := measure.ParseShare(b.Share)
		if err != nil {
			f.Add("buyers["+strconv.Itoa(i)+"].share", problem.As(err).Message)
		}
		out.Buyers = append(out.Buyers, Buyer{Name: strings.TrimSpace(b.Name), IDNumber: strings.ToUpper(strings.TrimSpace(b.IDNumber)),
			Phone: strings.TrimSpace(b.Phone), ShareNum: num, ShareDen: den})
	}
	return out, f.Err("contract.invalid", "合同信息格式有误")
}

package presale

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"
	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/code"
	"handover/internal/ledger"
	"handover/internal/problem"
)

// Ownership is how the buyers hold the flat (共有方式).
type Ownership string

const (
	Sole   Ownership = "sole"   // 单独所有
	Joint  Ownership = "joint"  // 共同共有
	Shares Ownership = "shares" // 按份共有
)

// Label is the ownership in Chinese.
func (o Ownership) Label() string {
	switch o {
	case Joint:
		return "共同共有"
	case Shares:
		return "按份共有"
	}
	return "单独所有"
}

// PriceBasis is how the price is computed (GF-2014-0171 第三条).
type PriceBasis string

const (
	ByGross PriceBasis = "gross" // 按建筑面积计价
	ByInner PriceBasis = "inner" // 按套内建筑面积计价
	ByUnit  PriceBasis = "unit"  // 按套计价
)

// Label is the price basis in Chinese.
func (b PriceBasis) Label() string {
	switch b {
	case ByInner:
		return "按套内建筑面积计价"
	case ByUnit:
		return "按套（单元）计价"
	}
	return "按建筑面积计价"
}

// Payment is how the buyer pays.
type Payment string

const (
	Lump       Payment = "lump"       // 一次性付款
	Commercial Payment = "commercial" // 商业贷款
	Fund       Payment = "fund"       // 公积金贷款
)

// Label is the payment method in Chinese.
func (p Payment) Label() string {
	switch p {
	case Commercial:
		return "商业银行贷款"
	case Fund:
		return "住房公积金贷款"
	}
	return "一次性付款"
}

// Loan reports whether the payment involves a mortgage loan.
func (p Payment) Loan() bool { return p == Commercial || p == Fund }

// HomeCount is the buyers' family's home count declared in the household
// statement (家庭住房情况), which decides the deed tax rate later.
type HomeCount string

const (
	FirstHome  HomeCount = "first"  // 家庭唯一住房
	SecondHome HomeCount = "second" // 家庭第二套住房
	MoreHomes  HomeCount = "more"   // 三套及以上
)

// Label is the home count in Chinese.
func (h HomeCount) Label() string {
	switch h {
	case SecondHome:
		return "家庭第二套住房"
	case MoreHomes:
		return "家庭第三套及以上住房"
	}
	return "家庭唯一住房"
}

// Buyer is one buyer (买受人) of a contract.
type Buyer struct {
	Name      string
	IDNumber  string
	Phone     string
	ShareNum  int64 // 按份共有: share numerator
	ShareDen  int64 // and denominator; 0 for other ownerships
	Confirmed time.Time
}

// Share returns the buyer's share as an exact fraction.
func (b Buyer) Share() *big.Rat {
	if b.ShareDen == 0 {
		return new(big.Rat)
	}
	return big.NewRat(b.ShareNum, b.ShareDen)
}

// ShareLabel writes a share as 1/2 (or "—").
func (b Buyer) ShareLabel() string {
	if b.ShareDen == 0 {
		return "—"
	}
	return b.Share().RatString()
}

// ContractState is where a contract stands.
type ContractState string

const (
	Draft     ContractState = "draft"     // being prepared by the developer
	Sent      ContractState = "sent"      // sent to the buyers for confirmation
	Signed    ContractState = "signed"    // every buyer confirmed
	Filed     ContractState = "filed"     // 备案, with the pre-notice registered
	Withdrawn ContractState = "withdrawn" // a draft or sent contract taken back
	Cancelled ContractState = "cancelled" // 注销: a signed or filed contract ended
)

// Label is the state in Chinese.
func (s ContractState) Label() string {
	switch s {
	case Draft:
		return "草稿"
	case Sent:
		return "待购房人确认"
	case Signed:
		return "已网签"
	case Filed:
		return "已备案"
	case Withdrawn:
		return "已撤回"
	case Cancelled:
		return "已注销"
	}
	return string(s)
}

// Live reports whether the contract holds its unit: one unit has at most
// one live contract.
func (s ContractState) Live() bool { return s == Draft || s == Sent || s == Signed || s == Filed }

// FilingDays is the time allowed from signing to filing (GF-2014-0171 第十九条).
const FilingDays = 30

// Contract is a 商品房买卖合同（预售）on the model text GF-2014-0171.
type Contract struct {
	ID           int64
	Number       string
	UnitID       int64
	ProjectID    int64
	Developer    int64
	Jurisdiction string
	State        ContractState

	Buyers    []Buyer
	Ownership Ownership

	PriceBasis PriceBasis
	UnitPrice  decimal.Decimal // 元/㎡, or the whole price for ByUnit
	PriceArea  decimal.Decimal // the forecast area the price is computed on
	TotalPrice decimal.Decimal

	Payment    Payment
	LoanBank   int64 // the lending bank's organisation
	LoanAmount decimal.Decimal
	LoanYears  int
	LoanNo     string    // 借款合同编号
	HomeCount  HomeCount // from the household statement
	Marital    string    // 婚姻状况 as declared
	EscrowBank string    // 监管银行
	EscrowAcct string    // 监管账号

	DeliveryDate        calendar.Date
	DeliveryConditions  []string        // beyond 竣工验收备案 and 房屋测绘报告, which always apply
	AreaClause          bool            // 第十三条 area-difference clause applies (not for 按套计价)
	RegistrationDays    int             // days after delivery for the buyer's certificate
	LateDeliveryRate    decimal.Decimal // 逾期交房违约金, 万分之X of the total price per day
	LateCertificateRate decimal.Decimal // 逾期办证违约金, 万分之X per day

	CreatedAt   time.Time
	SentAt      time.Time
	SignedAt    time.Time
	FiledAt     time.Time
	EndedAt     time.Time
	EndReason   string
	Digest      string // SM3 of the canonical content, fixed at filing
	PreNoticeNo string // 不动产证明号 of the pre-notice, once filed
}

// HasBuyer reports whether a 身份证号 is one of the buyers.
func (c Contract) HasBuyer(idNumber string) bool {
	return slices.ContainsFunc(c.Buyers, func(b Buyer) bool { return b.IDNumber == idNumber })
}

// BuyerIDs lists the buyers' 身份证号 (for access decisions).
func (c Contract) BuyerIDs() []string {
	out := make([]string, len(c.Buyers))
	for i, b := range c.Buyers {
		out[i] = b.IDNumber
	}
	return out
}

// BuyerNames joins the buyers' names.
func (c Contract) BuyerNames() string {
	var names []string
	for _, b := range c.Buyers {
		names = append(names, b.Name)
	}
	return strings.Join(names, "、")
}

// FilingDue is the last day to file.
func (c Contract) FilingDue() calendar.Date {
	if c.SignedAt.IsZero() {
		return calendar.Date{}
	}
	return calendar.DateOf(c.SignedAt).AddDays(FilingDays)
}

// TermRule reports whether a contract rule is about the contract's own
// terms (who buys, in what shares, at what price, on which clauses): a
// refusal by such rules alone is a draft its developer corrects, not a
// sign that the unit is being sold twice. The rules on the unit's standing
// (another live contract, a lock, a seal, a registration to another, no
// presale permit) and on the developer (a restriction) are not terms.
func TermRule(rule string) bool {
	switch rule {
	case "contract.buyers", "contract.buyer_name", "contract.buyer_id", "contract.buyer_phone", "contract.ownership", "contract.shares",
		"contract.price_basis", "contract.price", "contract.area", "contract.payment", "contract.loan_bank",
		"contract.loan_amount", "contract.loan_years", "contract.escrow", "contract.delivery_date", "contract.area_clause",
		"contract.registration_days", "contract.penalty", "contract.household":
		return true
	}
	return false
}

// OverdueIfSignedBefore is FilingOverdue for a query: on day today, a
// contract signed and not yet filed is past its filing day exactly when it
// was signed before this instant.
func OverdueIfSignedBefore(today calendar.Date) time.Time {
	return today.AddDays(-FilingDays).Start()
}

// FilingOverdue reports whether a signed contract is past its filing day.
func (c Contract) FilingOverdue(today calendar.Date) bool {
	return c.State == Signed && today.After(c.FilingDue())
}

// Price computes the total price from the unit's forecast areas.
func Price(basis PriceBasis, unitPrice decimal.Decimal, u ledger.Unit) (area, total decimal.Decimal) {
	switch basis {
	case ByInner:
		area = u.Forecast.Inner
	case ByUnit:
		return u.Forecast.Total, unitPrice.Round(2)
	default:
		area = u.Forecast.Total
	}
	return area, area.Mul(unitPrice).Round(2)
}

// SaleFacts are what the signing and filing rules look at besides the contract.
type SaleFacts struct {
	Unit       ledger.Unit
	Status     ledger.Status // the unit's one derived status (permit, lock, the register book)
	OtherLive  bool          // another live contract holds the unit
	Listed     bool          // the developer is on the restriction list
	Effect     string        // what the listing does to contract filing: refuse, review, none
	BankExists bool          // the lending bank is a bank organisation
}

const (
	basisPermit     = "《城市房地产管理法》第四十五条；《城市商品房预售管理办法》第六条（未取得预售许可不得预售）"
	basisOneLive    = "《城市商品房预售管理办法》第十条；网签备案“一房一号”"
	basisLocked     = "《最高人民法院 国土资源部 建设部关于依法规范人民法院执行和国土资源房地产管理部门协助执行若干问题的通知》第二十二条"
	basisIdentity   = "GB 11643-1999 公民身份号码"
	basisSealed     = "《城市房地产管理法》第三十八条：依法裁定、决定查封或者以其他形式限制房地产权利的，不得转让"
	basisCommon     = "《民法典》第二百七十四条：建筑区划内的道路、绿地、其他公共场所、公用设施和物业服务用房，属于业主共有"
	basisRegistered = "《民法典》第二百零九条、第二百一十四条：不动产物权以登记簿为准；《城市房地产管理法》第三十八条：权属有争议或未依法登记领取权属证书的，不得转让"
	basisShares     = "《民法典》第二百九十八条、第三百零八条（按份共有的份额）"
	basisClauses    = "商品房买卖合同（预售）示范文本 GF-2014-0171"
	basisSaleCredit = "昌州自然资发〔2022〕196号：合同义务履行情况纳入诚信管理；本辖区限制清单效力配置"
	fixerDev        = "开发企业"
)

// Check lists every reason a contract may not be sent, signed or filed
// (docs/domain.md §5.3): the unit's permit and restrictions, one live contract,
// the buyers' identities and shares, and every required clause.
func (c *Contract) Check(f SaleFacts) error {
	r := &contractRefusal{subject: f.Unit.UnitNo}
	checkSaleable(r, f)
	sum := c.checkBuyers(r)
	c.checkOwnership(r, sum)
	c.checkPrice(r)
	c.checkPayment(r, f.BankExists)
	c.checkTerms(r)
	return r.Err("contract.refused", "合同未通过自动核验")
}

// contractRefusal collects the reasons one contract is refused; every reason
// is about the contract's unit, so the refusal names it once.
type contractRefusal struct {
	problem.Refusal
	subject string // the unit's 不动产单元号
}

// add records one failed rule with its legal basis and who can fix it.
func (r *contractRefusal) add(rule, msg, basis, fixer string) {
	r.Add(problem.Reason{Rule: rule, Subject: r.subject, Message: msg, Basis: basis, Fixer: fixer})
}

// checkSaleable refuses a unit the developer may not sell now: outside a valid
// presale permit, held by another live contract, locked, sealed, a common
// part of the owners, already transferred, or a developer whose listing
// refuses filing here.
func checkSaleable(r *contractRefusal, f SaleFacts) {
	switch f.Status.Permit {
	case "valid":
	case "suspended":
		r.add("contract.permit", "该户所在幢的预售许可已暂停", basisPermit, "住建部门")
	default:
		r.add("contract.permit", "该户不在有效的商品房预售许可范围内", basisPermit, fixerDev+"（申请预售许可）")
	}
	if f.OtherLive {
		r.add("contract.unit_taken", "该户已有有效的网签合同", basisOneLive, fixerDev+"（先撤回或注销原合同）")
	}
	if f.Status.Locked {
		r.add("contract.unit_locked", "该户已被锁定", basisLocked, "住建部门或登记机构（解锁）")
	}
	if f.Status.Sealed() {
		who := "作出查封的人民法院或机关"
		if a := f.Status.Register.SealAuthority; a != "" {
			who = a + "（解除查封）"
		}
		r.add("contract.unit_sealed", "该户已被查封（登记簿有现势查封登记）", basisSealed, who)
	}
	if f.Unit.CommonPart != "" {
		r.add("contract.common_part", "该户为业主共有部分（"+f.Unit.CommonPart+"），不得销售", basisCommon, "测绘单位与登记机构（核实共有部分）")
	}
	if f.Status.Register.Registered {
		r.add("contract.unit_registered", "该户已转移登记给买受人，不再是开发企业可以预售的房屋", basisRegistered, "登记机构（核实权属）")
	}
	if f.Listed && f.Effect == "refuse" {
		r.add("contract.credit_restricted", "开发企业在限制清单中，本辖区对其合同不予网签备案", basisSaleCredit, "住建部门（移出限制清单）")
	}
}

// checkBuyers checks each buyer's name, 身份证号 (written back in its
// normalised form, so the contract stores one spelling) and, for 按份共有,
// share; it returns the sum of the valid shares for checkOwnership.
func (c *Contract) checkBuyers(r *contractRefusal) *big.Rat {
	if len(c.Buyers) == 0 {
		r.add("contract.buyers", "合同没有买受人", basisClauses, fixerDev)
	}
	seen := map[string]bool{}
	sum := new(big.Rat)
	for i, b := range c.Buyers {
		who := fmt.Sprintf("第%d位买受人", i+1)
		if strings.TrimSpace(b.Name) == "" || utf8.RuneCountInString(b.Name) > 50 {
			r.add("contract.buyer_name", who+"姓名缺失或过长", basisClauses, fixerDev)
		}
		id, err := code.ParseIDCard(b.IDNumber)
		if err != nil {
			r.add("contract.buyer_id", who+"身份证号无效："+problem.As(err).Message, basisIdentity, fixerDev+"（核对买受人身份证件）")
		} else {
			c.Buyers[i].IDNumber = id.Number
			if seen[id.Number] {
				r.add("contract.buyer_id", who+"与其他买受人身份证号重复", basisIdentity, fixerDev)
			}
			seen[id.Number] = true
		}
		if p := strings.TrimSpace(b.Phone); p != "" && !code.ValidPhone(p) {
			r.add("contract.buyer_phone", who+"联系电话“"+p+"”不是有效的手机号码或固定电话", basisClauses, fixerDev)
		}
		if c.Ownership == Shares {
			if b.ShareDen <= 0 || b.ShareNum <= 0 || b.ShareNum > b.ShareDen {
				r.add("contract.shares", who+"的份额应为0到1之间的分数", basisShares, fixerDev)
			} else {
				sum.Add(sum, b.Share())
			}
		}
	}
	return sum
}

// checkOwnership checks the 共有方式 against the number of buyers and, for
// 按份共有, that the shares (sum, from checkBuyers) make the whole flat.
func (c *Contract) checkOwnership(r *contractRefusal, sum *big.Rat) {
	switch c.Ownership {
	case Sole:
		if len(c.Buyers) > 1 {
			r.add("contract.ownership", "单独所有只能有一位买受人", basisShares, fixerDev)
		}
	case Joint:
		if len(c.Buyers) < 2 {
			r.add("contract.ownership", "共同共有至少应有两位买受人", basisShares, fixerDev)
		}
	case Shares:
		if len(c.Buyers) < 2 {
			r.add("contract.ownership", "按份共有至少应有两位买受人", basisShares, fixerDev)
		} else if sum.Cmp(big.NewRat(1, 1)) != 0 {
			r.add("contract.shares", "各买受人份额之和应为1，实为"+sum.RatString(), basisShares, fixerDev)
		}
	default:
		r.add("contract.ownership", "请选择共有方式", basisShares, fixerDev)
	}
}

// checkPrice checks the price clauses (第二条、第三条), which the system holds
// as data (docs/domain.md §5.3): a known basis, a positive price, and an area
// to price on unless the price is per unit.
func (c *Contract) checkPrice(r *contractRefusal) {
	if c.PriceBasis != ByGross && c.PriceBasis != ByInner && c.PriceBasis != ByUnit {
		r.add("contract.price_basis", "请选择计价方式（第三条）", basisClauses, fixerDev)
	}
	if !c.UnitPrice.IsPositive() || !c.TotalPrice.IsPositive() {
		r.add("contract.price", "单价与总价款应大于0（第三条）", basisClauses, fixerDev)
	}
	if c.PriceBasis != ByUnit && !c.PriceArea.IsPositive() {
		r.add("contract.area", "该户没有预测面积（第二条）", basisClauses, fixerDev)
	}
}

// checkPayment checks the payment clause (第四条): a loan names a bank that
// exists, an amount below the price and a term of 1–30 years.
func (c *Contract) checkPayment(r *contractRefusal, bankExists bool) {
	switch c.Payment {
	case Lump:
	case Commercial, Fund:
		if c.LoanBank == 0 || !bankExists {
			r.add("contract.loan_bank", "贷款付款应指明贷款银行（第四条）", basisClauses, fixerDev)
		}
		if !c.LoanAmount.IsPositive() || !c.LoanAmount.LessThan(c.TotalPrice) {
			r.add("contract.loan_amount", "贷款金额应大于0且小于总价款（第四条）", basisClauses, fixerDev)
		}
		if c.LoanYears < 1 || c.LoanYears > 30 {
			r.add("contract.loan_years", "贷款年限应为1–30年（第四条）", basisClauses, fixerDev)
		}
	default:
		r.add("contract.payment", "请选择付款方式（第四条）", basisClauses, fixerDev)
	}
}

// checkTerms checks the remaining clauses the later steps rely on: the
// escrow account, delivery, the area-difference clause, the certificate
// deadline, both penalty rates, and the household statement deed tax needs.
func (c *Contract) checkTerms(r *contractRefusal) {
	if strings.TrimSpace(c.EscrowBank) == "" || strings.TrimSpace(c.EscrowAcct) == "" {
		r.add("contract.escrow", "缺少预售资金监管银行与账号（第五条）", basisClauses, "住建部门（设立监管账户）")
	}
	switch {
	case c.DeliveryDate.IsZero():
		r.add("contract.delivery_date", "缺少交付日期（第十一条）", basisClauses, fixerDev)
	case !c.CreatedAt.IsZero() && !c.DeliveryDate.After(calendar.DateOf(c.CreatedAt)):
		// A presale contract sells a flat not yet built: it is delivered
		// after the contract is made, never on or before that day.
		r.add("contract.delivery_date", fmt.Sprintf("交付日期%s不晚于合同起草日%s，请核对（第十一条）", c.DeliveryDate, calendar.DateOf(c.CreatedAt)), basisClauses, fixerDev)
	}
	if c.PriceBasis != ByUnit && !c.AreaClause {
		r.add("contract.area_clause", "按面积计价的合同应约定面积差异处理（第十三条）", basisClauses, fixerDev)
	}
	if c.RegistrationDays < 1 || c.RegistrationDays > 365 {
		r.add("contract.registration_days", "应约定交付后办理不动产权证书的期限（1–365日，第二十条）", basisClauses, fixerDev)
	}
	for _, rate := range []struct {
		v    decimal.Decimal
		what string
	}{{c.LateDeliveryRate, "逾期交付违约金日比率（第十二条）"}, {c.LateCertificateRate, "逾期办证违约金日比率（第二十条）"}} {
		if !rate.v.IsPositive() || rate.v.GreaterThan(decimal.NewFromInt(100)) {
			r.add("contract.penalty", "应约定"+rate.what+"（万分之一至万分之一百）", basisClauses, fixerDev)
		}
	}
	if c.HomeCount != FirstHome && c.HomeCount != SecondHome && c.HomeCount != MoreHomes {
		r.add("contract.household", "缺少买受人家庭住房情况说明（用于契税）", "《财政部 税务总局 住房城乡建设部公告》2024年第16号", fixerDev+"（收集买受人说明）")
	}
}

// DraftContract decides a new contract on the unit of f as the developer
// entered it: the loan's fields are dropped unless the buyer borrows, the
// area clause applies unless the price is per unit, the price follows
// from the unit's forecast areas (Price), and every rule of Check must
// hold. It returns the draft created at now, the buyers' names and phones
// trimmed, for the caller to number and record.
func DraftContract(c Contract, f SaleFacts, now time.Time) (Contract, error) {
	c.State, c.CreatedAt = Draft, now
	c.Buyers = slices.Clone(c.Buyers)
	c.LoanNo, c.Marital = strings.TrimSpace(c.LoanNo), strings.TrimSpace(c.Marital)
	if !c.Payment.Loan() {
		c.LoanBank, c.LoanAmount, c.LoanYears, c.LoanNo = 0, decimal.Zero, 0, ""
	}
	c.AreaClause = c.PriceBasis != ByUnit
	c.PriceArea, c.TotalPrice = Price(c.PriceBasis, c.UnitPrice, f.Unit)
	if err := c.Check(f); err != nil {
		return c, err
	}
	for i := range c.Buyers {
		c.Buyers[i].Name, c.Buyers[i].Phone = strings.TrimSpace(c.Buyers[i].Name), strings.TrimSpace(c.Buyers[i].Phone)
	}
	return c, nil
}

// UnitTaken is the refusal when another live contract already holds the
// unit, found by the database's unique index when two drafters race: the
// same reason Check gives when it sees the other contract.
func UnitTaken(unitNo string) error {
	return &problem.Error{Kind: problem.Refused, Code: "contract.refused", Message: "合同未通过自动核验",
		Reasons: []problem.Reason{{Rule: "contract.unit_taken", Subject: unitNo, Message: "该户已有有效的网签合同",
			Basis: basisOneLive, Fixer: fixerDev + "（先撤回或注销原合同）"}}}
}

// Transition moves the contract to next, checking the order of states,
// and stamps the time of the step; a refused step changes nothing.
func (c *Contract) Transition(next ContractState, now time.Time) error {
	var stamp *time.Time
	ok := false
	switch next {
	case Sent:
		ok, stamp = c.State == Draft, &c.SentAt
	case Signed:
		ok, stamp = c.State == Sent, &c.SignedAt
	case Filed:
		ok, stamp = c.State == Signed, &c.FiledAt
	case Withdrawn:
		ok, stamp = c.State == Draft || c.State == Sent, &c.EndedAt
	case Cancelled:
		ok, stamp = c.State == Signed || c.State == Filed, &c.EndedAt
	}
	if !ok {
		return problem.Newf(problem.Conflict, "contract.state", "合同当前为“%s”，不能变为“%s”", c.State.Label(), next.Label())
	}
	c.State, *stamp = next, now
	return nil
}

// Confirm records one buyer's online confirmation; it reports whether every
// buyer has now confirmed.
func (c *Contract) Confirm(idNumber string, now time.Time) (all bool, err error) {
	if c.State != Sent {
		return false, problem.Newf(problem.Conflict, "contract.state", "合同当前为“%s”，不能确认", c.State.Label())
	}
	found := false
	all = true
	for i := range c.Buyers {
		if c.Buyers[i].IDNumber == idNumber {
			if !c.Buyers[i].Confirmed.IsZero() {
				return false, problem.New(problem.Conflict, "contract.confirmed", "您已确认过该合同")
			}
			c.Buyers[i].Confirmed, found = now, true
		}
		all = all && !c.Buyers[i].Confirmed.IsZero()
	}
	if !found {
		return false, problem.New(problem.Forbidden, "access.denied", "您不是该合同的买受人")
	}
	return all, nil
}

// canonical is the agreed content of a contract, in a fixed order: what
// the SM3 digest covers. Buyers' confirmations and the internal ids are
// not part of it.
type canonical struct {
	Text         string   `json:"text"`
	Number       string   `json:"number"`
	UnitNo       string   `json:"unit_no"`
	Room         string   `json:"room"`
	Purpose      string   `json:"purpose"`
	Area         []string `json:"forecast_area"` // total, inner, shared
	Buyers       [][]string
	Ownership    string   `json:"ownership"`
	PriceBasis   string   `json:"price_basis"`
	UnitPrice    string   `json:"unit_price"`
	PriceArea    string   `json:"price_area"`
	TotalPrice   string   `json:"total_price"`
	Payment      string   `json:"payment"`
	Loan         []string `json:"loan"`
	Household    []string `json:"household"`
	Escrow       []string `json:"escrow"`
	Delivery     string   `json:"delivery_date"`
	Conditions   []string `json:"delivery_conditions"`
	AreaClause   bool     `json:"area_clause"`
	Registration int      `json:"registration_days"`
	Penalties    []string `json:"penalties"`
	SignedAt     string   `json:"signed_at"`
}

// Canonical returns the contract's agreed content as canonical JSON.
func (c Contract) Canonical(u ledger.Unit) []byte {
	cc := canonical{Text: "GF-2014-0171", Number: c.Number, UnitNo: u.UnitNo, Room: u.Room, Purpose: u.Purpose,
		Area:      []string{u.Forecast.Total.StringFixed(2), u.Forecast.Inner.StringFixed(2), u.Forecast.Shared.StringFixed(2)},
		Ownership: string(c.Ownership), PriceBasis: string(c.PriceBasis), UnitPrice: c.UnitPrice.StringFixed(2),
		PriceArea: c.PriceArea.StringFixed(2), TotalPrice: c.TotalPrice.StringFixed(2), Payment: string(c.Payment),
		Loan:      []string{fmt.Sprint(c.LoanBank), c.LoanAmount.StringFixed(2), fmt.Sprint(c.LoanYears), c.LoanNo},
		Household: []string{string(c.HomeCount), c.Marital}, Escrow: []string{c.EscrowBank, c.EscrowAcct},
		Delivery: c.DeliveryDate.String(), Conditions: DeliveryConditions(c), AreaClause: c.AreaClause, Registration: c.RegistrationDays,
		Penalties: []string{c.LateDeliveryRate.String(), c.LateCertificateRate.String()}, SignedAt: c.SignedAt.UTC().Format(time.RFC3339)}
	for _, b := range c.Buyers {
		cc.Buyers = append(cc.Buyers, []string{b.Name, b.IDNumber, fmt.Sprintf("%d/%d", b.ShareNum, b.ShareDen)})
	}
	out, _ := json.Marshal(cc)
	return out
}

// ComputeDigest is the SM3 digest of the canonical content, in hex.
func (c Contract) ComputeDigest(u ledger.Unit) string {
	s := sm3.Sum(c.Canonical(u))
	return fmt.Sprintf("%x", s)
}

// DeliveryConditions are the contract's delivery conditions: the two of
// 第九条 that always apply, then any agreed extras.
func DeliveryConditions(c Contract) []string {
	out := []string{"已取得建设工程竣工验收备案证明文件", "已取得房屋测绘报告"}
	for _, x := range c.DeliveryConditions {
		if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// ContractNumber formats a contract number: 652301YS20260000123.
func ContractNumber(jurisdiction string, year, seq int) string {
	return fmt.Sprintf("%sYS%d%07d", strings.ReplaceAll(jurisdiction, "-", ""), year, seq)
}

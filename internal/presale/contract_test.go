package presale

import (
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"handover/internal/calendar"
	"handover/internal/code"
	"handover/internal/credit"
	"handover/internal/ledger"
	"handover/internal/problem"
)

const (
	idZhang = "652301199003071231"
	idLi    = "652301199205123423"
)

func goodSale() (Contract, SaleFacts) {
	d := decimal.RequireFromString
	u := ledger.Unit{UnitNo: "652301004007GB00121F00010101", Room: "1-101",
		Forecast: ledger.Areas{Total: d("110.00"), Inner: d("90.00"), Shared: d("20.00")}}
	c := Contract{State: Draft, Buyers: []Buyer{{Name: "张伟", IDNumber: idZhang}}, Ownership: Sole,
		PriceBasis: ByGross, UnitPrice: d("6800"), Payment: Lump, HomeCount: FirstHome,
		EscrowBank: "中国建设银行昌吉市支行", EscrowAcct: "6523010022008812345", DeliveryDate: calendar.MustDate("2027-06-30"),
		AreaClause: true, RegistrationDays: 60, LateDeliveryRate: d("3"), LateCertificateRate: d("3")}
	c.PriceArea, c.TotalPrice = Price(c.PriceBasis, c.UnitPrice, u)
	return c, SaleFacts{Unit: u, Status: ledger.Status{Permit: "valid"}, Effect: "refuse", BankExists: true}
}

// Every reason of docs/domain.md §5.3, alone, refuses the contract with its own
// rule, the unit, a legal basis and who can fix it.
func TestContractCheckEachReason(t *testing.T) {
	d := decimal.RequireFromString
	tests := []struct {
		rule  string
		spoil func(c *Contract, f *SaleFacts)
	}{
		{"contract.permit", func(c *Contract, f *SaleFacts) { f.Status.Permit = "" }},
		{"contract.permit", func(c *Contract, f *SaleFacts) { f.Status.Permit = "suspended" }},
		{"contract.unit_taken", func(c *Contract, f *SaleFacts) { f.OtherLive = true }},
		{"contract.unit_locked", func(c *Contract, f *SaleFacts) { f.Status.Locked = true }},
		{"contract.unit_sealed", func(c *Contract, f *SaleFacts) { f.Status.Register.Sealed = true }},
		{"contract.unit_registered", func(c *Contract, f *SaleFacts) { f.Status.Register.Registered = true }},
		{"contract.credit_restricted", func(c *Contract, f *SaleFacts) { f.Listed = true }},
		{"contract.buyers", func(c *Contract, f *SaleFacts) { c.Buyers = nil }},
		{"contract.buyer_name", func(c *Contract, f *SaleFacts) { c.Buyers[0].Name = " " }},
		{"contract.buyer_id", func(c *Contract, f *SaleFacts) { c.Buyers[0].IDNumber = "652301199003071232" }},
		{"contract.ownership", func(c *Contract, f *SaleFacts) { c.Ownership = Joint }},
		{"contract.ownership", func(c *Contract, f *SaleFacts) { c.Ownership = "" }},
		{"contract.shares", func(c *Contract, f *SaleFacts) {
			c.Ownership = Shares
			c.Buyers = []Buyer{{Name: "张伟", IDNumber: idZhang, ShareNum: 1, ShareDen: 2}, {Name: "李娜", IDNumber: idLi, ShareNum: 1, ShareDen: 3}}
		}},
		{"contract.price_basis", func(c *Contract, f *SaleFacts) { c.PriceBasis = "x" }},
		{"contract.price", func(c *Contract, f *SaleFacts) { c.UnitPrice, c.TotalPrice = decimal.Zero, decimal.Zero }},
		{"contract.area", func(c *Contract, f *SaleFacts) { c.PriceArea = decimal.Zero }},
		{"contract.loan_bank", func(c *Contract, f *SaleFacts) {
			c.Payment, c.LoanAmount, c.LoanYears = Commercial, d("400000"), 25
		}},
		{"contract.loan_amount", func(c *Contract, f *SaleFacts) {
			c.Payment, c.LoanBank, c.LoanAmount, c.LoanYears = Commercial, 7, c.TotalPrice, 25
		}},
		{"contract.loan_years", func(c *Contract, f *SaleFacts) {
			c.Payment, c.LoanBank, c.LoanAmount, c.LoanYears = Fund, 7, d("400000"), 31
		}},
		{"contract.payment", func(c *Contract, f *SaleFacts) { c.Payment = "" }},
		{"contract.escrow", func(c *Contract, f *SaleFacts) { c.EscrowAcct = "" }},
		{"contract.delivery_date", func(c *Contract, f *SaleFacts) { c.DeliveryDate = calendar.Date{} }},
		{"contract.area_clause", func(c *Contract, f *SaleFacts) { c.AreaClause = false }},
		{"contract.registration_days", func(c *Contract, f *SaleFacts) { c.RegistrationDays = 0 }},
		{"contract.penalty", func(c *Contract, f *SaleFacts) { c.LateCertificateRate = decimal.Zero }},
		{"contract.household", func(c *Contract, f *SaleFacts) { c.HomeCount = "" }},
	}
	c, f := goodSale()
	if err := c.Check(f); err != nil {
		t.Fatalf("good contract refused: %v", err)
	}
	for _, tt := range tests {
		c, f := goodSale()
		tt.spoil(&c, &f)
		err := c.Check(f)
		p := problem.As(err)
		if err == nil || p.Kind != problem.Refused {
			t.Errorf("%s: got %v, want a refusal", tt.rule, err)
			continue
		}
		if got := rulesOf(err); !slices.Equal(got, []string{tt.rule}) {
			t.Errorf("%s: got rules %v, want exactly [%s]", tt.rule, got, tt.rule)
		}
		for _, r := range p.Reasons {
			if r.Basis == "" || r.Fixer == "" || r.Subject != f.Unit.UnitNo {
				t.Errorf("%s: reason %+v lacks basis, fixer or the unit", tt.rule, r)
			}
		}
	}
}

// Several faults are all reported at once.
func TestContractCheckListsEveryReason(t *testing.T) {
	c, f := goodSale()
	f.OtherLive, f.Status.Locked = true, true
	c.Buyers[0].IDNumber = "123"
	c.EscrowBank = ""
	got := rulesOf(c.Check(f))
	want := []string{"contract.unit_taken", "contract.unit_locked", "contract.buyer_id", "contract.escrow"}
	if !slices.Equal(got, want) {
		t.Errorf("got rules %v, want %v", got, want)
	}
}

func rulesOf(err error) []string {
	var out []string
	for _, r := range problem.As(err).Reasons {
		out = append(out, r.Rule)
	}
	return out
}

// Property: 按份共有 shares are accepted exactly when they sum to 1.
func TestSharesSumToOne(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 5).Draw(t, "buyers")
		c, f := goodSale()
		c.Ownership = Shares
		c.Buyers = nil
		sum := new(big.Rat)
		for i := 0; i < n; i++ {
			den := rapid.Int64Range(1, 12).Draw(t, "den")
			num := rapid.Int64Range(1, den).Draw(t, "num")
			first := "6523011990010" + string(rune('1'+i)) + "123"
			check, _ := code.IDCheckChar(first)
			c.Buyers = append(c.Buyers, Buyer{Name: "买受人", IDNumber: first + string(check), ShareNum: num, ShareDen: den})
			sum.Add(sum, big.NewRat(num, den))
		}
		refused := slices.Contains(rulesOf(c.Check(f)), "contract.shares")
		if one := sum.Cmp(big.NewRat(1, 1)) == 0; refused == one {
			t.Fatalf("shares summing to %s: refused = %v", sum.RatString(), refused)
		}
	})
}

// The states follow draft → sent → signed → filed, with withdrawal before
// signing and cancellation after; a refused step changes nothing.
func TestContractTransitions(t *testing.T) {
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	all := []ContractState{Draft, Sent, Signed, Filed, Withdrawn, Cancelled}
	allowed := map[ContractState][]ContractState{
		Draft: {Sent, Withdrawn}, Sent: {Signed, Withdrawn}, Signed: {Filed, Cancelled}, Filed: {Cancelled},
	}
	for _, from := range all {
		for _, to := range all {
			c := Contract{State: from}
			err := c.Transition(to, now)
			want := slices.Contains(allowed[from], to)
			if (err == nil) != want {
				t.Errorf("%s → %s: got %v, want allowed=%v", from, to, err, want)
			}
			if err != nil && (c.State != from || !c.SentAt.IsZero() || !c.SignedAt.IsZero() || !c.FiledAt.IsZero() || !c.EndedAt.IsZero()) {
				t.Errorf("%s → %s refused but the contract changed: %+v", from, to, c)
			}
			if err == nil && c.State != to {
				t.Errorf("%s → %s: state %s", from, to, c.State)
			}
		}
	}
}

// Every buyer confirms once; the contract is signed when the last does.
func TestConfirm(t *testing.T) {
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	c := Contract{State: Sent, Buyers: []Buyer{{IDNumber: idZhang}, {IDNumber: idLi}}}
	if all, err := c.Confirm(idZhang, now); err != nil || all {
		t.Fatalf("first buyer: got all=%v %v, want not all", all, err)
	}
	if _, err := c.Confirm(idZhang, now); problem.As(err).Code != "contract.confirmed" {
		t.Errorf("second confirmation: got %v, want contract.confirmed", err)
	}
	if _, err := c.Confirm("652301199001011236", now); problem.As(err).Kind != problem.Forbidden {
		t.Errorf("a stranger: got %v, want forbidden", err)
	}
	if all, err := c.Confirm(idLi, now); err != nil || !all {
		t.Errorf("last buyer: got all=%v %v, want all", all, err)
	}
	d := Contract{State: Draft, Buyers: []Buyer{{IDNumber: idZhang}}}
	if _, err := d.Confirm(idZhang, now); problem.As(err).Code != "contract.state" {
		t.Errorf("confirming a draft: got %v, want contract.state", err)
	}
}

// The digest is stable for the same content and changes with any clause.
func TestDigestCoversEveryClause(t *testing.T) {
	c, f := goodSale()
	c.SignedAt = time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	base := c.ComputeDigest(f.Unit)
	if len(base) != 64 || base != c.ComputeDigest(f.Unit) {
		t.Fatalf("digest %q is not a stable SM3 hex", base)
	}
	changes := map[string]func(c *Contract, u *ledger.Unit){
		"price":        func(c *Contract, u *ledger.Unit) { c.TotalPrice = c.TotalPrice.Add(decimal.New(1, -2)) },
		"buyer":        func(c *Contract, u *ledger.Unit) { c.Buyers[0].Name = "张卫" },
		"delivery":     func(c *Contract, u *ledger.Unit) { c.DeliveryDate = c.DeliveryDate.AddDays(1) },
		"penalty":      func(c *Contract, u *ledger.Unit) { c.LateDeliveryRate = decimal.NewFromInt(4) },
		"registration": func(c *Contract, u *ledger.Unit) { c.RegistrationDays++ },
		"condition":    func(c *Contract, u *ledger.Unit) { c.DeliveryConditions = []string{"通水通电"} },
		"area":         func(c *Contract, u *ledger.Unit) { u.Forecast.Inner = u.Forecast.Inner.Add(decimal.New(1, -2)) },
		"escrow":       func(c *Contract, u *ledger.Unit) { c.EscrowAcct += "0" },
		"household":    func(c *Contract, u *ledger.Unit) { c.HomeCount = SecondHome },
	}
	for name, change := range changes {
		c2, f2 := goodSale()
		c2.SignedAt = c.SignedAt
		c2.Buyers = slices.Clone(c.Buyers)
		change(&c2, &f2.Unit)
		if c2.ComputeDigest(f2.Unit) == base {
			t.Errorf("changing the %s keeps the digest", name)
		}
	}
}

func TestPriceAndFilingDue(t *testing.T) {
	c, f := goodSale()
	tests := []struct {
		basis      PriceBasis
		area, want string
	}{
		{ByGross, "110", "748000"},
		{ByInner, "90", "612000"},
		{ByUnit, "110", "6800"},
	}
	for _, tt := range tests {
		area, total := Price(tt.basis, c.UnitPrice, f.Unit)
		if !area.Equal(decimal.RequireFromString(tt.area)) || !total.Equal(decimal.RequireFromString(tt.want)) {
			t.Errorf("%s: got area %s total %s, want %s %s", tt.basis, area, total, tt.area, tt.want)
		}
	}
	c.State, c.SignedAt = Signed, time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	if due := c.FilingDue(); due.String() != "2026-05-31" {
		t.Errorf("filing due: got %s, want 2026-05-31", due)
	}
	if c.FilingOverdue(calendar.MustDate("2026-05-31")) || !c.FilingOverdue(calendar.MustDate("2026-06-01")) {
		t.Errorf("overdue on the due day or not the day after")
	}
	if n := ContractNumber("652301-01", 2026, 123); n != "65230101YS20260000123" || !strings.Contains(n, "YS") {
		t.Errorf("contract number: got %s", n)
	}
}

// DraftContract prices the draft from the unit, drops a loan's fields
// without a loan, sets the area clause by the price basis, and refuses
// what Check refuses.
func TestDraftContract(t *testing.T) {
	d := decimal.RequireFromString
	at := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		change func(c *Contract, f *SaleFacts)
		code   string
		rules  []string
		check  func(c Contract) string // what is wrong with the draft, "" when right
	}{
		{"per 建筑面积", nil, "", nil, func(c Contract) string {
			if c.State != Draft || !c.CreatedAt.Equal(at) || !c.AreaClause || c.PriceArea.StringFixed(2) != "110.00" || c.TotalPrice.StringFixed(2) != "748000.00" {
				return "want a draft at 110.00 m² for 748000.00 with the area clause"
			}
			return ""
		}},
		{"per unit", func(c *Contract, f *SaleFacts) { c.PriceBasis, c.UnitPrice, c.AreaClause = ByUnit, d("700000"), true }, "", nil, func(c Contract) string {
			if c.AreaClause || c.TotalPrice.StringFixed(2) != "700000.00" {
				return "want no area clause and the unit's price"
			}
			return ""
		}},
		{"a lump sum with a loan's fields left in", func(c *Contract, f *SaleFacts) {
			c.LoanBank, c.LoanAmount, c.LoanYears, c.LoanNo = 3, d("100000"), 20, "JK-1"
		}, "", nil, func(c Contract) string {
			if c.LoanBank != 0 || !c.LoanAmount.IsZero() || c.LoanYears != 0 || c.LoanNo != "" {
				return "want the loan's fields dropped"
			}
			return ""
		}},
		{"a loan", func(c *Contract, f *SaleFacts) {
			c.Payment, c.LoanBank, c.LoanAmount, c.LoanYears, c.LoanNo, c.Marital = Commercial, 3, d("500000"), 20, " JK-1 ", " 已婚 "
			c.Buyers[0].Name, c.Buyers[0].Phone = "张伟 ", " 13899990000"
		}, "", nil, func(c Contract) string {
			if c.LoanBank != 3 || c.LoanNo != "JK-1" || c.Marital != "已婚" || c.Buyers[0].Name != "张伟" || c.Buyers[0].Phone != "13899990000" {
				return "want the loan kept and the text trimmed"
			}
			return ""
		}},
		{"a loan from no bank", func(c *Contract, f *SaleFacts) {
			c.Payment, c.LoanBank, c.LoanAmount, c.LoanYears = Fund, 3, d("500000"), 20
			f.BankExists = false
		}, "contract.refused", []string{"contract.loan_bank"}, nil},
		{"a unit without a permit, held by another contract", func(c *Contract, f *SaleFacts) { f.Status.Permit, f.OtherLive = "", true },
			"contract.refused", []string{"contract.permit", "contract.unit_taken"}, nil},
		// Typed wrong at the counter: delivered in 2020, a phone of letters.
		{"delivered before the contract is made", func(c *Contract, f *SaleFacts) { c.DeliveryDate = calendar.MustDate("2020-06-30") },
			"contract.refused", []string{"contract.delivery_date"}, nil},
		{"delivered on the day the contract is made", func(c *Contract, f *SaleFacts) { c.DeliveryDate = calendar.DateOf(at) },
			"contract.refused", []string{"contract.delivery_date"}, nil},
		{"a phone of letters", func(c *Contract, f *SaleFacts) { c.Buyers[0].Phone = "abc" },
			"contract.refused", []string{"contract.buyer_phone"}, nil},
		{"a fixed-line phone", func(c *Contract, f *SaleFacts) { c.Buyers[0].Phone = "0994-2345678" }, "", nil, func(c Contract) string { return "" }},
	}
	for _, tt := range tests {
		c, f := goodSale()
		c.State, c.AreaClause, c.PriceArea, c.TotalPrice = "", false, decimal.Zero, decimal.Zero
		if tt.change != nil {
			tt.change(&c, &f)
		}
		got, err := DraftContract(c, f, at)
		if tt.code != "" {
			var rules []string
			for _, r := range problem.As(err).Reasons {
				rules = append(rules, r.Rule)
			}
			if problem.CodeOf(err) != tt.code || problem.KindOf(err) != problem.Refused || !slices.Equal(rules, tt.rules) {
				t.Errorf("%s: got %v (reasons %v), want %s with %v", tt.name, err, rules, tt.code, tt.rules)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: got %v", tt.name, err)
			continue
		}
		if msg := tt.check(got); msg != "" {
			t.Errorf("%s: got %+v; %s", tt.name, got, msg)
		}
	}
}

// A race lost at the database's unique index refuses the draft with the
// same reason Check gives.
func TestUnitTaken(t *testing.T) {
	c, f := goodSale()
	f.OtherLive = true
	checked := problem.As(c.Check(f))
	taken := problem.As(UnitTaken(f.Unit.UnitNo))
	if taken.Kind != checked.Kind || taken.Code != checked.Code || taken.Message != checked.Message || len(taken.Reasons) != 1 || taken.Reasons[0] != checked.Reasons[0] {
		t.Errorf("got %+v, want %+v", taken, checked)
	}
}

// Every condition of contract filing is either one of the contract's own
// terms, which its developer corrects in the draft, or a rule on the unit's
// standing or the developer, whose refusals the repeated-refusal alert
// counts as signs of a second sale.
func TestTermRule(t *testing.T) {
	standing := []string{"contract.permit", "contract.unit_taken", "contract.unit_locked", "contract.unit_sealed", "contract.common_part", "contract.unit_registered",
		"contract.credit_restricted"}
	for _, c := range FilingGuide(credit.Effect("")).Conditions {
		if got, want := TermRule(c.Rule), !slices.Contains(standing, c.Rule); got != want {
			t.Errorf("TermRule(%q): got %v, want %v", c.Rule, got, want)
		}
	}
	for _, r := range []string{"", "contract.state", "registration.unit_sealed", "fund.credit_restricted"} {
		if TermRule(r) {
			t.Errorf("TermRule(%q): got true, want false", r)
		}
	}
}

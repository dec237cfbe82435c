package presale

import (
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/ledger"
)

// The steps of Contract.Check, each on its own: which rules a step reports,
// in which order, and what it hands on.

// stepRules lists the rules a step's refusal holds, in order.
func stepRules(r *contractRefusal) []string {
	var out []string
	for _, reason := range r.Reasons() {
		out = append(out, reason.Rule)
	}
	return out
}

func TestCheckSaleable(t *testing.T) {
	sealed := ledger.Status{Permit: "valid"}
	sealed.Register.Sealed, sealed.Register.SealAuthority = true, "昌吉市人民法院"
	tests := []struct {
		name      string
		facts     SaleFacts
		want      []string
		wantFixer string // of the last reason
	}{
		{"saleable", SaleFacts{Status: ledger.Status{Permit: "valid"}}, nil, ""},
		{"no permit", SaleFacts{}, []string{"contract.permit"}, fixerDev + "（申请预售许可）"},
		{"permit suspended", SaleFacts{Status: ledger.Status{Permit: "suspended"}}, []string{"contract.permit"}, "住建部门"},
		{"sealed by a named court", SaleFacts{Status: sealed}, []string{"contract.unit_sealed"}, "昌吉市人民法院（解除查封）"},
		{"listed, filing only reviewed", SaleFacts{Status: ledger.Status{Permit: "valid"}, Listed: true, Effect: "review"}, nil, ""},
		{"everything at once, in order", SaleFacts{OtherLive: true, Status: ledger.Status{Locked: true,
			Register: ledger.Register{Sealed: true, Registered: true}}, Listed: true, Effect: "refuse"},
			[]string{"contract.permit", "contract.unit_taken", "contract.unit_locked", "contract.unit_sealed",
				"contract.unit_registered", "contract.credit_restricted"}, "住建部门（移出限制清单）"},
	}
	for _, tt := range tests {
		r := &contractRefusal{subject: "U"}
		checkSaleable(r, tt.facts)
		if got := stepRules(r); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got rules %v, want %v", tt.name, got, tt.want)
			continue
		}
		if rs := r.Reasons(); len(rs) > 0 {
			if last := rs[len(rs)-1]; last.Fixer != tt.wantFixer || last.Subject != "U" {
				t.Errorf("%s: got fixer %q about %q, want %q about U", tt.name, last.Fixer, last.Subject, tt.wantFixer)
			}
		}
	}
}

func TestCheckBuyers(t *testing.T) {
	const idX = "65230120000229456X"
	tests := []struct {
		name      string
		ownership Ownership
		buyers    []Buyer
		want      []string
		wantSum   string
		wantIDs   []string // as written back
	}{
		{"none", Sole, nil, []string{"contract.buyers"}, "0", []string{}},
		{"one, id normalised", Sole, []Buyer{{Name: "张伟", IDNumber: " 65230120000229456x "}}, nil, "0", []string{idX}},
		{"name too long", Sole, []Buyer{{Name: strings.Repeat("张", 51), IDNumber: idZhang}}, []string{"contract.buyer_name"}, "0", []string{idZhang}},
		{"bad id kept as entered", Sole, []Buyer{{Name: "张伟", IDNumber: "123"}}, []string{"contract.buyer_id"}, "0", []string{"123"}},
		{"the same id twice, whatever its case", Joint, []Buyer{{Name: "张伟", IDNumber: idX}, {Name: "李娜", IDNumber: strings.ToLower(idX)}},
			[]string{"contract.buyer_id"}, "0", []string{idX, idX}},
		{"shares summed", Shares, []Buyer{{Name: "张伟", IDNumber: idZhang, ShareNum: 1, ShareDen: 2}, {Name: "李娜", IDNumber: idLi, ShareNum: 1, ShareDen: 3}},
			nil, "5/6", []string{idZhang, idLi}},
		{"a bad share is left out of the sum", Shares, []Buyer{{Name: "张伟", IDNumber: idZhang, ShareNum: 3, ShareDen: 2}, {Name: "李娜", IDNumber: idLi, ShareNum: 1, ShareDen: 3}},
			[]string{"contract.shares"}, "1/3", []string{idZhang, idLi}},
		{"shares ignored unless 按份共有", Joint, []Buyer{{Name: "张伟", IDNumber: idZhang, ShareNum: 3}, {Name: "李娜", IDNumber: idLi}},
			nil, "0", []string{idZhang, idLi}},
	}
	for _, tt := range tests {
		c := Contract{Ownership: tt.ownership, Buyers: tt.buyers}
		r := &contractRefusal{}
		sum := c.checkBuyers(r)
		if got := stepRules(r); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got rules %v, want %v", tt.name, got, tt.want)
		}
		if got := sum.RatString(); got != tt.wantSum {
			t.Errorf("%s: got sum %s, want %s", tt.name, got, tt.wantSum)
		}
		if got := c.BuyerIDs(); !slices.Equal(got, tt.wantIDs) {
			t.Errorf("%s: got ids %v, want %v", tt.name, got, tt.wantIDs)
		}
	}
}

func TestCheckOwnership(t *testing.T) {
	one, two := []Buyer{{}}, []Buyer{{}, {}}
	tests := []struct {
		name      string
		ownership Ownership
		buyers    []Buyer
		sum       int64 // of the shares, over 6
		want      []string
	}{
		{"sole, one buyer", Sole, one, 0, nil},
		{"sole, two buyers", Sole, two, 0, []string{"contract.ownership"}},
		{"joint, two buyers", Joint, two, 0, nil},
		{"joint, one buyer", Joint, one, 0, []string{"contract.ownership"}},
		{"shares make the whole", Shares, two, 6, nil},
		{"shares short of the whole", Shares, two, 5, []string{"contract.shares"}},
		{"shares, one buyer: the count is reported, not the sum", Shares, one, 5, []string{"contract.ownership"}},
		{"none chosen", "", one, 0, []string{"contract.ownership"}},
	}
	for _, tt := range tests {
		c := Contract{Ownership: tt.ownership, Buyers: tt.buyers}
		r := &contractRefusal{}
		c.checkOwnership(r, big.NewRat(tt.sum, 6))
		if got := stepRules(r); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got rules %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCheckPriceAndPayment(t *testing.T) {
	d := decimal.RequireFromString
	priced := Contract{PriceBasis: ByGross, UnitPrice: d("6800"), PriceArea: d("110"), TotalPrice: d("748000"), Payment: Lump}
	tests := []struct {
		name       string
		edit       func(c *Contract)
		bankExists bool
		want       []string
	}{
		{"lump sum", nil, false, nil},
		{"per unit needs no area", func(c *Contract) { c.PriceBasis, c.PriceArea = ByUnit, decimal.Zero }, false, nil},
		{"unknown basis, so an area is needed", func(c *Contract) { c.PriceBasis, c.PriceArea = "x", decimal.Zero }, false,
			[]string{"contract.price_basis", "contract.area"}},
		{"no total price", func(c *Contract) { c.TotalPrice = decimal.Zero }, false, []string{"contract.price"}},
		{"a good loan", func(c *Contract) { c.Payment, c.LoanBank, c.LoanAmount, c.LoanYears = Fund, 7, d("400000"), 30 }, true, nil},
		{"a loan from no bank", func(c *Contract) { c.Payment, c.LoanBank, c.LoanAmount, c.LoanYears = Commercial, 7, d("400000"), 1 }, false,
			[]string{"contract.loan_bank"}},
		{"every loan field wrong, in order", func(c *Contract) { c.Payment, c.LoanAmount, c.LoanYears = Commercial, d("748000"), 0 }, true,
			[]string{"contract.loan_bank", "contract.loan_amount", "contract.loan_years"}},
		{"no payment chosen", func(c *Contract) { c.Payment = "" }, true, []string{"contract.payment"}},
	}
	for _, tt := range tests {
		c := priced
		if tt.edit != nil {
			tt.edit(&c)
		}
		r := &contractRefusal{}
		c.checkPrice(r)
		c.checkPayment(r, tt.bankExists)
		if got := stepRules(r); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got rules %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCheckTerms(t *testing.T) {
	d := decimal.RequireFromString
	good := Contract{PriceBasis: ByGross, EscrowBank: "中国建设银行昌吉市支行", EscrowAcct: "6523010022008812345",
		DeliveryDate: calendar.MustDate("2027-06-30"), AreaClause: true, RegistrationDays: 365,
		LateDeliveryRate: d("100"), LateCertificateRate: d("0.5"), HomeCount: MoreHomes}
	tests := []struct {
		name string
		edit func(c *Contract)
		want []string
	}{
		{"good", nil, nil},
		{"per unit needs no area clause", func(c *Contract) { c.PriceBasis, c.AreaClause = ByUnit, false }, nil},
		{"escrow bank blank", func(c *Contract) { c.EscrowBank = " " }, []string{"contract.escrow"}},
		{"a year and a day to register", func(c *Contract) { c.RegistrationDays = 366 }, []string{"contract.registration_days"}},
		{"both rates out of range: reported once each", func(c *Contract) { c.LateDeliveryRate, c.LateCertificateRate = d("100.01"), decimal.Zero },
			[]string{"contract.penalty", "contract.penalty"}},
		{"every term missing, in order", func(c *Contract) { *c = Contract{LateDeliveryRate: d("1"), LateCertificateRate: d("1")} },
			[]string{"contract.escrow", "contract.delivery_date", "contract.area_clause", "contract.registration_days", "contract.household"}},
	}
	for _, tt := range tests {
		c := good
		if tt.edit != nil {
			tt.edit(&c)
		}
		r := &contractRefusal{}
		c.checkTerms(r)
		if got := stepRules(r); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got rules %v, want %v", tt.name, got, tt.want)
		}
	}
}

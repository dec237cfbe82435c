package registry

import (
	"handover/internal/problem"
	"slices"
	"strings"
	"testing"
)

func rulesOf(bs []problem.Reason) string {
	var out []string
	for _, b := range bs {
		if b.Basis == "" || b.Message == "" {
			out = append(out, "unexplained:"+b.Rule)
		}
		out = append(out, b.Rule)
	}
	return strings.Join(out, ",")
}

var (
	devOwns  = Entry{ID: 1, Kind: Ownership, RegType: RegFirst}
	buyerOwn = Entry{ID: 2, Kind: Ownership, RegType: RegTransfer, ContractID: 7, Ends: 1, EndKind: Superseded}
	seal     = Entry{ID: 3, Kind: Seal, Detail: Detail{Authority: "法院", DocNo: "执1号"}}
	lifted   = Entry{ID: 4, Kind: Cancellation, Ends: 3, EndKind: Cancelled}
	noTrans  = Entry{ID: 5, Kind: Mortgage, Holders: []Holder{{Name: "建设银行"}}, Detail: Detail{NoTransfer: true}}
	mayTrans = Entry{ID: 6, Kind: Mortgage, Holders: []Holder{{Name: "农业银行"}}}
	otherPre = Entry{ID: 8, Kind: PreNotice, PreNoticeKind: PreNoticeSale, ContractID: 99}
	ownPre   = Entry{ID: 9, Kind: PreNotice, PreNoticeKind: PreNoticeSale, ContractID: 7}
)

// Every rule of docs/domain.md §5.11–5.12 blocks with a reason and a basis, and
// nothing else blocks.
func TestFirstBlocks(t *testing.T) {
	tests := []struct {
		name string
		f    UnitFacts
		want string
	}{
		{"ready", UnitFacts{Filed: true}, ""},
		{"not filed", UnitFacts{}, "first.filing"},
		{"parcel mortgaged", UnitFacts{Filed: true, ParcelRestriction: "在建工程抵押"}, "first.parcel"},
		{"locked", UnitFacts{Filed: true, Locked: true}, "first.locked"},
		{"sealed", UnitFacts{Filed: true, Book: []Entry{seal}}, "first.sealed"},
		{"seal lifted", UnitFacts{Filed: true, Book: []Entry{seal, lifted}}, ""},
		{"done before", UnitFacts{Filed: true, Book: []Entry{devOwns}}, "first.done"},
		{"done before, cancelled since", UnitFacts{Filed: true, Book: []Entry{devOwns, {ID: 12, Kind: Cancellation, Ends: 1, EndKind: Cancelled}}}, "first.done"},
	}
	for _, tt := range tests {
		if got := rulesOf(FirstBlocks(tt.f)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestTransferBlocks(t *testing.T) {
	tests := []struct {
		name string
		f    UnitFacts
		want string
	}{
		{"ready", UnitFacts{Book: []Entry{devOwns, ownPre}, ContractID: 7, DeedTaxPaid: true}, ""},
		{"combined with first", UnitFacts{FirstInSameApp: true, ContractID: 7, DeedTaxPaid: true}, ""},
		{"no developer ownership", UnitFacts{ContractID: 7, DeedTaxPaid: true}, "transfer.ownership"},
		{"buyer owns already", UnitFacts{Book: []Entry{devOwns, buyerOwn}, ContractID: 7, DeedTaxPaid: true}, "transfer.done"},
		{"resale of the buyer's flat", UnitFacts{Book: []Entry{devOwns, buyerOwn}, DeedTaxPaid: true}, ""},
		{"resale of nothing", UnitFacts{DeedTaxPaid: true}, "transfer.ownership"},
		{"sealed", UnitFacts{Book: []Entry{devOwns, seal}, ContractID: 7, DeedTaxPaid: true}, "transfer.sealed"},
		{"locked", UnitFacts{Book: []Entry{devOwns}, Locked: true, ContractID: 7, DeedTaxPaid: true}, "transfer.locked"},
		{"tax unpaid", UnitFacts{Book: []Entry{devOwns}, ContractID: 7}, "transfer.deed_tax"},
		{"带押过户 allowed", UnitFacts{Book: []Entry{devOwns, buyerOwn, mayTrans}, DeedTaxPaid: true}, ""},
		{"mortgage forbids transfer", UnitFacts{Book: []Entry{devOwns, buyerOwn, noTrans}, DeedTaxPaid: true}, "transfer.mortgage"},
		{"another buyer's pre-notice", UnitFacts{Book: []Entry{devOwns, otherPre}, ContractID: 7, DeedTaxPaid: true}, "transfer.prenotice"},
		{"everything", UnitFacts{Book: []Entry{seal, otherPre}, Locked: true, ContractID: 7}, "transfer.ownership,transfer.sealed,transfer.locked,transfer.deed_tax,transfer.prenotice"},
	}
	for _, tt := range tests {
		if got := rulesOf(TransferBlocks(tt.f)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestMortgageBlocks(t *testing.T) {
	tests := []struct {
		name string
		f    UnitFacts
		want string
	}{
		{"with the transfer", UnitFacts{Book: []Entry{devOwns}, TransferInSameApp: true, ContractID: 7}, ""},
		{"buyer owns", UnitFacts{Book: []Entry{devOwns, buyerOwn}, ContractID: 7}, ""},
		{"buyer does not own yet", UnitFacts{Book: []Entry{devOwns}, ContractID: 7}, "mortgage.ownership"},
		{"owner's own mortgage", UnitFacts{Book: []Entry{devOwns, buyerOwn}}, ""},
		{"nobody owns", UnitFacts{}, "mortgage.ownership"},
		{"sealed", UnitFacts{Book: []Entry{devOwns, buyerOwn, seal}, ContractID: 7}, "mortgage.sealed"},
		{"buyer's ownership corrected", UnitFacts{Book: []Entry{devOwns, buyerOwn,
			{ID: 9, Kind: Ownership, RegType: RegCorrection, ContractID: 7, Ends: 2, EndKind: Superseded}}, ContractID: 7, LoanMortgage: true}, ""},
		{"loan mortgaged before, discharged", UnitFacts{Book: []Entry{devOwns, buyerOwn, {ID: 10, Kind: Mortgage, RegType: RegFirst, ContractID: 7},
			{ID: 11, Kind: Cancellation, Ends: 10, EndKind: Cancelled}}, ContractID: 7, LoanMortgage: true}, "mortgage.done"},
		{"owner's second mortgage after the loan's", UnitFacts{Book: []Entry{devOwns, buyerOwn, {ID: 10, Kind: Mortgage, RegType: RegFirst, ContractID: 7}},
			ContractID: 7}, ""},
	}
	for _, tt := range tests {
		if got := rulesOf(MortgageBlocks(tt.f)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// Every block names who can fix it, except a first registration already done.
func TestBlocksNameTheFixer(t *testing.T) {
	all := slices.Concat(
		FirstBlocks(UnitFacts{ParcelRestriction: "查封", Locked: true, Book: []Entry{seal}}),
		TransferBlocks(UnitFacts{Book: []Entry{seal, otherPre, noTrans}, Locked: true, ContractID: 7}),
		MortgageBlocks(UnitFacts{Book: []Entry{seal}, ContractID: 7}))
	for _, b := range all {
		if b.Fixer == "" {
			t.Errorf("%s: no fixer named", b.Rule)
		}
	}
}

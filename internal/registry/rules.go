package registry

import (
	"fmt"
	"handover/internal/calendar"
	"handover/internal/problem"
	"slices"
	"strings"
)

// The rule codes other packages ask for by name. Readiness and the batch
// treat RuleOwnership apart (a first registration recorded in the same
// application lifts it), list RuleFirstParcel once per building, and name
// the office behind the lock and tax rules.
const (
	RuleFirstDone      = "first.done"
	RuleFirstParcel    = "first.parcel"
	RuleFirstLocked    = "first.locked"
	RuleOwnership      = "transfer.ownership"
	RuleTransferLocked = "transfer.locked"
	RuleDeedTax        = "transfer.deed_tax"
)

const (
	basisFirstReg  = "《不动产登记暂行条例实施细则》第三十五条（首次登记）"
	basisSealed    = "《不动产登记暂行条例实施细则》第十九条、第九十条：查封期间不得办理转移、抵押等登记"
	basisOwnership = "《不动产登记暂行条例实施细则》第三十八条：转移登记以开发企业已登记的所有权为前提（可与首次登记合并申请）"
	basisDeedTax   = "《契税法》第十一条：纳税人未按规定缴纳契税的，不动产登记机构不予办理登记"
	basisMortgage  = "《民法典》第四百零六条：抵押期间可以转让，当事人另有约定的按照约定（带押过户）"
	basisPreNotice = "《民法典》第二百二十一条：预告登记后，未经预告登记的权利人同意处分该不动产的，不发生物权效力"
	basisLocked    = "不动产单元锁定期间暂停办理"
	basisFiled     = "《房屋建筑和市政基础设施工程竣工验收备案管理办法》；交房即交证：竣工验收备案后申请首次登记"
	basisParcel    = "《不动产登记暂行条例实施细则》第三十五条：宗地已被查封、抵押（含在建工程抵押未转换）的，不予办理首次登记"
	basisResale    = "《不动产登记暂行条例实施细则》第二十七条：转移登记以转让人的现势所有权为前提"
	basisBuyerOwn  = "《不动产登记暂行条例实施细则》第六十五条：抵押权登记以抵押人的所有权为前提（可与转移登记一并申请）"
)

// UnitFacts are what the registration rules of one unit look at.
type UnitFacts struct {
	Filed             bool   // the building's completion filing is recorded
	ParcelRestriction string // a live seal, mortgage, construction-in-progress mortgage or lock on the parcel ("" for none)
	Locked            bool
	Book              []Entry
	FirstInSameApp    bool  // a first registration of the unit is recorded in the same application, before
	TransferInSameApp bool  // the buyers' transfer is recorded in the same application, before (for a mortgage)
	ContractID        int64 // the sale the transfer and the mortgage carry out
	DeedTaxPaid       bool
	LoanMortgage      bool          // the mortgage asked for is the sale contract's loan (its 预抵押 converts)
	Today             calendar.Date // the day the rules are asked on (a seal's term is checked against it; zero: not checked)
}

// firstRecorded reports whether the book holds a first registration at
// all: it is recorded once; an error in it is put right by a 更正.
func firstRecorded(book []Entry) bool {
	for _, e := range book {
		if e.Kind == Ownership && e.RegType == RegFirst {
			return true
		}
	}
	return false
}

// loanMortgaged reports whether the contract's loan mortgage was recorded
// (live or discharged since): a contract's loan is mortgaged once.
func loanMortgaged(book []Entry, contract int64) bool {
	for _, e := range book {
		if e.Kind == Mortgage && e.RegType != RegCorrection && e.ContractID == contract {
			return true
		}
	}
	return false
}

// developerOwns reports whether the book holds the developer's current
// ownership (first registration done, not yet transferred).
func (f UnitFacts) developerOwns() bool { return Standing(f.Book, f.Today).DeveloperOwns }

func (f UnitFacts) sealed() bool {
	r := Standing(f.Book, f.Today)
	return r.Sealed || r.WaitingSeal
}

// TransferRule reports whether rule is one of TransferBlocks': a flat
// whose transfer is already registered is past them.
func TransferRule(rule string) bool { return strings.HasPrefix(rule, "transfer.") }

// BuildingWide reports whether a first-registration rule concerns the
// whole building (its filing, its parcel) rather than one unit: a
// building's first registration waits for these only, and records every
// unit that no unit rule holds back.
func BuildingWide(rule string) bool { return rule == "first.filing" || rule == RuleFirstParcel }

// FirstBlocks are the reasons a unit's first registration cannot be
// recorded (docs/domain.md §5.11).
func FirstBlocks(f UnitFacts) []problem.Reason {
	var out []problem.Reason
	if !f.Filed {
		out = append(out, problem.Reason{Rule: "first.filing", Message: "尚未办理竣工验收备案", Basis: basisFiled, Fixer: "住建部门"})
	}
	if f.ParcelRestriction != "" {
		out = append(out, problem.Reason{Rule: RuleFirstParcel, Message: "宗地存在" + f.ParcelRestriction + "，不能办理首次登记", Basis: basisParcel, Fixer: "查封或抵押的权利人、机关"})
	}
	if f.Locked {
		out = append(out, problem.Reason{Rule: RuleFirstLocked, Message: "该户已被锁定", Basis: basisLocked, Fixer: "住建部门或登记机构（解锁）"})
	}
	if f.sealed() {
		out = append(out, problem.Reason{Rule: "first.sealed", Message: "该户已被查封", Basis: basisSealed, Fixer: "作出查封的人民法院或机关"})
	}
	if firstRecorded(f.Book) {
		out = append(out, problem.Reason{Rule: RuleFirstDone, Message: "该户已办理首次登记", Basis: basisFirstReg, Fixer: "登记机构（登记有误的，办理更正登记）"})
	}
	return out
}

// TransferBlocks are the reasons the buyers' transfer of a unit cannot be
// recorded (docs/domain.md §5.12): the developer's current ownership (or a first
// registration in the same application), no live seal, deed tax paid, no
// mortgage forbidding transfer, not locked.
func TransferBlocks(f UnitFacts) []problem.Reason {
	var out []problem.Reason
	r := Standing(f.Book, f.Today)
	switch {
	case f.ContractID != 0 && r.Registered && r.OwnerContract == f.ContractID:
		return []problem.Reason{{Rule: "transfer.done", Message: "该合同的转移登记已经办理", Basis: basisResale, Fixer: "登记机构（核对登记簿）"}}
	case f.ContractID != 0 && !f.developerOwns() && !f.FirstInSameApp:
		out = append(out, problem.Reason{Rule: RuleOwnership, Message: "开发企业的所有权尚未登记（首次登记）", Basis: basisOwnership, Fixer: "开发企业（申请首次登记，可合并申请）"})
	case f.ContractID == 0 && len(Live(f.Book, Ownership)) == 0:
		out = append(out, problem.Reason{Rule: RuleOwnership, Message: "该户没有现势的所有权登记，无从转移", Basis: basisResale, Fixer: "登记机构（核实权属）"})
	}
	if f.sealed() {
		out = append(out, problem.Reason{Rule: "transfer.sealed", Message: "该户已被查封", Basis: basisSealed, Fixer: "作出查封的人民法院或机关"})
	}
	if f.Locked {
		out = append(out, problem.Reason{Rule: RuleTransferLocked, Message: "该户已被锁定", Basis: basisLocked, Fixer: "住建部门或登记机构（解锁）"})
	}
	if !f.DeedTaxPaid {
		out = append(out, problem.Reason{Rule: RuleDeedTax, Message: "契税尚未缴纳", Basis: basisDeedTax, Fixer: "买受人（向税务部门缴纳契税）"})
	}
	for _, m := range Live(f.Book, Mortgage) {
		if m.Detail.NoTransfer {
			out = append(out, problem.Reason{Rule: "transfer.mortgage", Message: "抵押合同约定抵押期间不得转让（" + m.Holders0() + "）", Basis: basisMortgage, Fixer: "抵押权人（同意转让或注销抵押）"})
		}
	}
	for _, p := range Live(f.Book, PreNotice) {
		if p.PreNoticeKind == PreNoticeSale && p.ContractID != f.ContractID {
			out = append(out, problem.Reason{Rule: "transfer.prenotice", Message: "该户有他人的预告登记", Basis: basisPreNotice, Fixer: "预告登记权利人"})
		}
	}
	return out
}

// MortgageBlocks are the reasons a buyer's mortgage cannot be recorded: the
// buyers' ownership (or their transfer in the same application), no seal.
func MortgageBlocks(f UnitFacts) []problem.Reason {
	var out []problem.Reason
	// With a sale contract the mortgagor is its buyer, whose transfer must be
	// in; a mortgage without one is the current owner's.
	r := Standing(f.Book, f.Today)
	owned := f.TransferInSameApp || (r.Registered && r.OwnerContract == f.ContractID && f.ContractID != 0) ||
		(f.ContractID == 0 && r.OwnershipID != 0)
	if !owned {
		out = append(out, problem.Reason{Rule: "mortgage.ownership", Message: "抵押人（买受人）的所有权尚未登记", Basis: basisBuyerOwn, Fixer: "买受人（申请转移登记，可一并申请）"})
	}
	if f.LoanMortgage && f.ContractID != 0 && loanMortgaged(f.Book, f.ContractID) {
		out = append(out, problem.Reason{Rule: "mortgage.done", Message: "该合同的按揭抵押权已经登记", Basis: basisBuyerOwn, Fixer: "登记机构（核对登记簿）；再次抵押请填写抵押权人与债权数额"})
	}
	if f.sealed() {
		out = append(out, problem.Reason{Rule: "mortgage.sealed", Message: "该户已被查封", Basis: basisSealed, Fixer: "作出查封的人民法院或机关"})
	}
	return out
}

// Holders0 names an entry's first holder, for messages.
func (e Entry) Holders0() string {
	if len(e.Holders) == 0 {
		return ""
	}
	return e.Holders[0].Name
}

// ServiceBlocks are the reasons service s of application a cannot be
// recorded now on units (every unit of the building for a building's first
// registration, in building), from each unit's facts, as if the earlier
// services of the same application were recorded: a first registration
// before a transfer, a transfer before a mortgage. A second-hand transfer
// whose deed tax voucher was taken at 受理 has its tax paid; a mortgage
// without its own mortgagee converts the sale's 预抵押. A cancellation,
// unseal or correction needs its entry in force. With several units, each
// reason names its unit.
func (a Application) ServiceBlocks(s Service, building int64, units []int64, facts map[int64]UnitFacts) []problem.Reason {
	var out []problem.Reason
	for _, unit := range units {
		for _, b := range a.unitBlocks(s, building, unit, facts[unit]) {
			if len(units) > 1 {
				b.Message = fmt.Sprintf("%s（户%d）", b.Message, unit)
			}
			out = append(out, b)
		}
	}
	return out
}

func (a Application) unitBlocks(s Service, building, unit int64, f UnitFacts) []problem.Reason {
	for _, earlier := range a.Services {
		if earlier.Seq >= s.Seq || earlier.State == Withdrawn {
			continue
		}
		switch {
		case earlier.Kind == First && (earlier.UnitID == unit || earlier.BuildingID == building):
			f.FirstInSameApp = true
		case earlier.Kind == Transfer && earlier.UnitID == unit:
			f.TransferInSameApp = true
		}
	}
	// The voucher typed at the counter is a resale's (存量房), whose tax
	// the platform holds no record of. A sale filed here is paid only as
	// its deed tax is recorded (PayDeedTax: one voucher, one contract):
	// a voucher typed for it would carry the flat past an unpaid tax.
	if s.Details["deed_tax_voucher"] != "" && s.ContractID == 0 {
		f.DeedTaxPaid = true
	}
	f.LoanMortgage = s.Kind == MortgageReg && s.Details["bank"] == ""
	switch s.Kind {
	case First:
		blocks := FirstBlocks(f)
		if s.UnitID == 0 {
			// A building's first registration waits only for what concerns
			// the building (its filing, its parcel); a unit sealed, locked
			// or already registered is left out of it and waits on its own.
			blocks = slices.DeleteFunc(blocks, func(b problem.Reason) bool { return !BuildingWide(b.Rule) })
		}
		return blocks
	case Transfer:
		return TransferBlocks(f)
	case MortgageReg:
		return MortgageBlocks(f)
	case Unseal, Cancel, Correct:
		if st := Statuses(f.Book)[s.EntryID]; st != Current && st != Temporary {
			return []problem.Reason{{Rule: "entry.not_current", Message: "所选登记已不是现势登记", Basis: "《不动产登记暂行条例实施细则》", Fixer: "受理人员（核对登记簿）"}}
		}
	}
	return nil
}

package registry

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/code"
	"handover/internal/problem"
)

// Recording is what recording (登簿) one service on one unit writes to the
// register book, in order: Entry (numbered with a certificate of CertKind
// unless it is zero), then the cancellations in Converts (a pre-notice or
// pre-mortgage that converts into the right), and the certificates of the
// entries in Cancels are cancelled with their reasons. Skip: the unit has
// nothing to record (its first registration is already on the book).
type Recording struct {
	Entry    Entry
	CertKind code.CertKind
	Converts []Entry
	Cancels  []CertCancel
	Skip     bool
}

// CertCancel names an entry whose certificate a recording cancels.
type CertCancel struct {
	Entry  int64
	Reason string
}

// Sale is what a recording takes from the filed sale a transfer carries
// out and a mortgage secures.
type Sale struct {
	ContractID int64
	Buyers     []Holder        // with their shares
	Ownership  string          // 共有方式, as labelled
	Price      decimal.Decimal // the total after the area reconciliation
	Loan       bool            // paid with a mortgage loan
	LoanAmount decimal.Decimal
	LoanYears  int
}

// RecordingFacts are what the entry builders need beyond the book: the
// developer (a first registration's holder), the sale, the mortgagee (the
// sale's loan bank or the bank the application names, already checked to
// be a bank) and the day.
type RecordingFacts struct {
	Developer Holder
	Sale      Sale
	Bank      Holder
	Today     calendar.Date
	// A first registration's: the common part (业主共有部分) the unit is ("":
	// a unit to sell), and those of its building, each with its unit
	// (物业服务用房（1单元0101）), which the flats' entries name.
	Common      string
	CommonParts []string
}

// AllOwners is the holder of a common part (业主共有部分): the owners of the
// building's units together.
var AllOwners = Holder{Name: "全体业主"}

// PlanRecording builds what recording service s of application a writes on
// unit, whose book is book (the rules have passed in the same
// transaction). It refuses only what the rules cannot see: a transfer
// whose transferor has no registered ownership, a loan mortgage of a sale
// paid in full, transferees or an amount that do not parse.
func PlanRecording(a Application, s Service, unit int64, book []Entry, f RecordingFacts) (Recording, error) {
	base := Entry{UnitID: unit, RegType: s.Kind.RegType(), ServiceID: s.ID}
	switch s.Kind {
	case First:
		if len(Live(book, Ownership)) > 0 {
			return Recording{Skip: true}, nil // a building's first registration skips a registered unit
		}
		base.Kind, base.RightType, base.Holders, base.Ownership = Ownership, RightOwnership, []Holder{f.Developer}, "单独所有"
		base.Note = "首次登记"
		if f.Common != "" {
			// 业主共有: recorded for all the owners, never the developer's to sell.
			base.Holders, base.Ownership, base.Note = []Holder{AllOwners}, "共同共有", "首次登记；业主共有部分："+f.Common
		} else if len(f.CommonParts) > 0 {
			base.Note = "首次登记；本幢业主共有部分：" + strings.Join(f.CommonParts, "、")
		}
		return Recording{Entry: base}, nil
	case Transfer:
		return planTransfer(s, unit, book, base, f.Sale)
	case MortgageReg:
		return planMortgage(s, unit, book, base, f)
	case SealReg:
		base.Kind, base.RightType = Seal, RightSeal
		base.Detail = Detail{Authority: s.Details["authority"], DocNo: s.Details["doc_no"], SealKind: orDefault(s.Details["seal_kind"], "查封"),
			TermEnd: s.Details["term_end"], Waiting: len(Live(book, Seal)) > 0}
		if base.Detail.Waiting {
			base.Detail.SealKind = "轮候查封"
		}
		base.Note = s.Details["note"]
		return Recording{Entry: base}, nil
	case Unseal, Cancel:
		base.Kind, base.Ends, base.EndKind, base.Note = Cancellation, s.EntryID, Cancelled, s.Details["reason"]
		return Recording{Entry: base, Cancels: []CertCancel{{s.EntryID, "注销登记：" + s.Details["reason"]}}}, nil
	case Correct:
		return planCorrection(s, book)
	case ObjectReg:
		base.Kind, base.RightType, base.Note = Objection, RightObjection, s.Details["reason"]
		base.Holders = objectors(a, s)
		base.Detail.Authority = strings.Join(ApplicantNames(a.Applicants), "、")
		return Recording{Entry: base, CertKind: code.Proof}, nil
	}
	return Recording{}, problem.Newf(problem.Invalid, "application.kind", "未知的登记事项“%s”", s.Kind)
}

// planTransfer: the buyers' ownership supersedes the current owner's, the
// sale pre-notice converts (预告转本), and the former owner's certificate is
// cancelled. A resale without a filed contract takes the transferees from
// the application.
func planTransfer(s Service, unit int64, book []Entry, base Entry, sale Sale) (Recording, error) {
	owners := Live(book, Ownership)
	if len(owners) == 0 {
		return Recording{}, problem.New(problem.Refused, RuleOwnership, "转让人的所有权尚未登记")
	}
	from := owners[len(owners)-1]
	base.Kind, base.RightType, base.Ends, base.EndKind = Ownership, RightOwnership, from.ID, Superseded
	base.Obligor = Holder{Name: from.Holders0()}
	if len(from.Holders) > 0 {
		base.Obligor = from.Holders[0]
	}
	if s.ContractID != 0 {
		base.Holders, base.Ownership, base.ContractID, base.Amount = sale.Buyers, sale.Ownership, sale.ContractID, sale.Price
	} else {
		if err := json.Unmarshal([]byte(s.Details["holders"]), &base.Holders); err != nil || len(base.Holders) == 0 {
			return Recording{}, problem.New(problem.Invalid, "application.holders", "请填写受让人")
		}
		base.Ownership = orDefault(s.Details["ownership"], "单独所有")
		base.Amount, _ = decimal.NewFromString(s.Details["price"])
	}
	base.Note = "转移登记"
	r := Recording{Entry: base, CertKind: code.Title, Cancels: []CertCancel{{from.ID, "房屋已转移登记给新的权利人"}}}
	for _, p := range Live(book, PreNotice) {
		if p.PreNoticeKind == PreNoticeSale && p.ContractID == sale.ContractID && sale.ContractID != 0 && s.ContractID != 0 {
			r.Converts = append(r.Converts, Entry{UnitID: unit, Kind: Cancellation, RegType: RegCancel, Ends: p.ID,
				EndKind: Converted, ContractID: sale.ContractID, ServiceID: s.ID, Note: "预告登记转为所有权登记"})
		}
	}
	return r, nil
}

// planMortgage: the sale's loan, secured from today for the loan's years,
// converting its pre-mortgage (预抵押转本) — or the mortgagee, amount and
// term the application names — ranked after the live mortgages.
func planMortgage(s Service, unit int64, book []Entry, base Entry, f RecordingFacts) (Recording, error) {
	base.Kind, base.RightType = Mortgage, RightMortgage
	var r Recording
	if s.ContractID != 0 && s.Details["bank"] == "" {
		sale := f.Sale
		if !sale.Loan {
			return r, problem.New(problem.Refused, "mortgage.no_loan", "该合同为一次性付款，没有按揭贷款")
		}
		base.Amount, base.ContractID = sale.LoanAmount, sale.ContractID
		base.Detail.TermStart, base.Detail.TermEnd = f.Today.String(), calendar.DateOf(f.Today.Start().AddDate(sale.LoanYears, 0, 0)).String()
		base.Obligor = Holder{Name: holderNames(sale.Buyers), IDKind: "身份证"}
		if len(sale.Buyers) > 0 {
			base.Obligor.IDNumber = sale.Buyers[0].IDNumber
		}
		for _, p := range Live(book, PreNotice) {
			if p.PreNoticeKind == PreNoticeMortgage && p.ContractID == sale.ContractID {
				r.Converts = []Entry{{UnitID: unit, Kind: Cancellation, RegType: RegCancel, Ends: p.ID,
					EndKind: Converted, ContractID: sale.ContractID, ServiceID: s.ID, Note: "抵押权预告登记转为抵押权登记"}}
				r.Cancels = []CertCancel{{p.ID, "预抵押已转为抵押权登记"}}
			}
		}
	} else {
		var err error
		if base.Amount, err = decimal.NewFromString(s.Details["amount"]); err != nil || !base.Amount.IsPositive() {
			return r, problem.New(problem.Invalid, "application.amount", "被担保主债权数额有误")
		}
		base.Detail.TermStart, base.Detail.TermEnd = s.Details["term_start"], s.Details["term_end"]
		if owners := Live(book, Ownership); len(owners) > 0 && len(owners[0].Holders) > 0 {
			base.Obligor = owners[0].Holders[0]
		}
	}
	base.Holders = []Holder{f.Bank}
	base.Detail.Rank = len(Live(book, Mortgage)) + 1
	base.Detail.NoTransfer = s.Details["no_transfer"] == "1"
	base.Note = "抵押权首次登记"
	r.Entry, r.CertKind = base, code.Proof
	return r, nil
}

// planCorrection: the corrected right supersedes the entry it corrects
// and gets a new certificate (or proof) in place of the one superseded,
// which is cancelled (docs/domain.md §5.13). Only a right that had a
// certificate gets one: the developer's first registration has none; a
// pre-notice's proof, signed since it was filed, is cancelled with it and
// the corrected pre-notice gets a new proof (numbered here, made and
// signed like the filing's).
func planCorrection(s Service, book []Entry) (Recording, error) {
	i := slices.IndexFunc(book, func(x Entry) bool { return x.ID == s.EntryID })
	if i < 0 {
		return Recording{}, problem.New(problem.Invalid, "application.entry", "请选择本户登记簿中的登记")
	}
	corrected := book[i]
	corrected.ID, corrected.Ends, corrected.EndKind, corrected.ServiceID = 0, s.EntryID, Superseded, s.ID
	corrected.RegType, corrected.CertNo = RegCorrection, ""
	corrected.Note = strings.TrimSpace(corrected.Note + " 更正：" + s.Details["reason"])
	kind := code.CertKind(0)
	if book[i].CertNo != "" {
		switch corrected.Kind {
		case Ownership:
			kind = code.Title
		case Mortgage, Objection, PreNotice:
			kind = code.Proof
		}
	}
	return Recording{Entry: corrected, CertKind: kind, Cancels: []CertCancel{{s.EntryID, "更正登记：" + s.Details["reason"]}}}, nil
}

func holderNames(hs []Holder) string {
	names := make([]string, len(hs))
	for i, h := range hs {
		names[i] = h.Name
	}
	return strings.Join(names, "、")
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// objectors are the holders of an objection: the applicants, each by the
// document shown at the counter; an application whose applicants have no
// document (taken before the counter asked for it) names them together,
// with the number its details carry.
func objectors(a Application, s Service) []Holder {
	var out []Holder
	for _, ap := range a.Applicants {
		if ap.IDNumber == "" {
			return []Holder{{Name: strings.Join(ApplicantNames(a.Applicants), "、"), IDKind: IDCardKind, IDNumber: s.Details["id_number"]}}
		}
		out = append(out, Holder{Name: ap.Name, IDKind: ap.IDKind, IDNumber: ap.IDNumber})
	}
	return out
}

package inquiry

import (
	"fmt"

	"handover/internal/calendar"
	"handover/internal/registry"
)

// UnitFacts is what a result says of the unit itself (自然状况).
type UnitFacts struct {
	UnitNo   string
	Location string
	Use      string
	Area     string // m², as the register knows it (measured once surveyed)
}

// Answer composes the result of a query of one unit from its register book
// on a day, everything a state organ may be told; Limit then cuts it to the
// requester's standing. It also returns the ownership entry whose holders
// it names (0: none), so that the holders can see who was told. The
// restrictions are read as the book's Standing reads them: a waiting seal
// counts as sealed, a 预抵押 as pre-noticed.
func Answer(book []registry.Entry, u UnitFacts, today calendar.Date) (Result, int64) {
	st := registry.Standing(book, today)
	r := Result{UnitNo: u.UnitNo, Location: u.Location, Use: u.Use, Area: u.Area, CoOwned: st.CoOwned, Mortgaged: st.Mortgaged,
		PreNoticed: st.PreNotice || st.PreMortgage, Sealed: st.Sealed || st.WaitingSeal, Objection: st.Objection, Registered: st.Registered}
	statuses := registry.Statuses(book)
	for _, e := range book {
		if statuses[e.ID] != registry.Current {
			continue
		}
		switch e.Kind {
		case registry.Ownership, registry.Mortgage, registry.PreNotice, registry.Objection:
		case registry.Seal:
			if registry.Lapsed(e, today) {
				continue // no longer restrains the unit, as Standing reads it
			}
		default:
			continue
		}
		r.Rights = append(r.Rights, Right{Kind: rightLabel(e), CertNo: e.CertNo, RecordedOn: calendar.DateOf(e.RecordedAt).String(), Detail: detail(e)})
	}
	for _, h := range registry.Holders(book, st) {
		rh := ResultHolder{Name: h.Name, IDKind: h.IDKind, IDNumber: h.IDNumber}
		if h.ShareDen != 0 {
			rh.Share = fmt.Sprintf("%d/%d", h.ShareNum, h.ShareDen)
		}
		r.Holders = append(r.Holders, rh)
	}
	return r, st.OwnershipID
}

// rightLabel names a current entry as a result lists it.
func rightLabel(e registry.Entry) string {
	switch {
	case e.Kind == registry.Ownership:
		return "国有建设用地使用权及房屋所有权"
	case e.Kind == registry.PreNotice && e.PreNoticeKind == registry.PreNoticeMortgage:
		return "预告登记（预售商品房抵押权预告登记）"
	case e.Kind == registry.PreNotice:
		return "预告登记（预售商品房买卖预告登记）"
	case e.Kind == registry.Seal && e.Detail.SealKind != "":
		return e.Detail.SealKind
	}
	return e.Kind.Label()
}

// detail is what a result says of an entry's particulars: a mortgage's
// secured amount and term, a seal's authority and term, an objection's
// applicant. The parties behind a mortgage (the bank) are not persons and
// are named.
func detail(e registry.Entry) string {
	d := e.Detail
	switch e.Kind {
	case registry.Mortgage:
		s := "被担保主债权数额 " + e.Amount.StringFixed(2) + " 元"
		if d.TermStart != "" || d.TermEnd != "" {
			s += "，债务履行期限 " + d.TermStart + " 至 " + d.TermEnd
		}
		return s
	case registry.Seal:
		s := d.Authority
		if d.DocNo != "" {
			s += " " + d.DocNo
		}
		if d.TermStart != "" || d.TermEnd != "" {
			s += "，查封期限 " + d.TermStart + " 至 " + d.TermEnd
		}
		if d.Waiting {
			s += "（轮候）"
		}
		return s
	case registry.Objection:
		return d.Authority
	}
	return ""
}

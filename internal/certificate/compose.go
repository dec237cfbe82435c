package certificate

import (
	"fmt"
	"strings"

	"handover/internal/calendar"
	"handover/internal/ledger"
	"handover/internal/measure"
	"handover/internal/problem"
	"handover/internal/registry"
)

// Subject is what a certificate states beyond its register entry: the
// flat, its building and project, the project's first parcel (nil: none),
// the registration authority and the day of issue.
type Subject struct {
	Unit        ledger.Unit
	Building    ledger.Building
	Project     ledger.Project
	Parcel      *ledger.Parcel
	Authority   string
	AuthorityID string // 统一社会信用代码
	IssuedOn    calendar.Date
}

// Compose writes the certificate of entry e as it is signed: a
// 不动产权证书 (Title) of the land-use right and the ownership of the flat,
// or a 不动产登记证明 of a mortgage, a pre-notice or an objection, with
// the holders and their shares, the location, use, area and term, and
// for a mortgage its amount, term and rank.
func Compose(e registry.Entry, kind Kind, licence string, s Subject) Payload {
	p := Payload{Kind: kind, Number: e.CertNo, LicenceID: licence, Ownership: e.Ownership, UnitNo: s.Unit.UnitNo,
		Location: s.Project.Address + " " + s.Building.Name + s.Unit.Room, Use: s.Unit.Purpose, Authority: s.Authority,
		AuthorityID: s.AuthorityID, IssuedOn: s.IssuedOn.String(), Notes: e.Note}
	for _, h := range e.Holders {
		ch := Holder{Name: h.Name, IDKind: h.IDKind, IDNumber: h.IDNumber}
		if h.ShareDen != 0 {
			ch.Share = fmt.Sprintf("%d/%d", h.ShareNum, h.ShareDen)
		}
		p.Holders = append(p.Holders, ch)
	}
	area := measure.Area(s.Unit.Area())
	if kind == Title {
		landArea, term, use, nature := "", "", "", ""
		if pc := s.Parcel; pc != nil {
			landArea, term, use, nature = pc.Area.StringFixed(2), pc.TermStart.String()+"起"+pc.TermEnd.String()+"止", pc.Use, pc.RightNature
		}
		p.RightType = "国有建设用地使用权/房屋所有权"
		p.RightKind = nature + "/市场化商品房"
		p.Use = use + "/" + s.Unit.Purpose
		p.Area = "共有宗地面积" + landArea + "㎡/房屋建筑面积" + area + "㎡"
		p.Term = term
		return p
	}
	p.RightType = e.Kind.Label()
	p.Obligor = e.Obligor.Name
	p.Area = "房屋建筑面积" + area + "㎡"
	p.Matter = e.Kind.Label()
	switch e.Kind {
	case registry.Mortgage:
		p.Matter = "抵押权"
		p.Amount = e.Amount.StringFixed(2)
		p.Term = e.Detail.TermStart + "起" + e.Detail.TermEnd + "止"
		p.Notes = fmt.Sprintf("抵押顺位%d；%s", e.Detail.Rank, e.Note)
	case registry.PreNotice:
		// 预告登记证明: the sale's (the price) or the loan's (the secured
		// amount) pre-notice, against the developer or the buyers.
		p.Matter = registry.PreNoticeLabel(e.PreNoticeKind)
		p.Amount = e.Amount.StringFixed(2)
		p.Notes = "预告登记后，未经预告登记的权利人同意，处分该不动产的，不发生物权效力（《民法典》第二百二十一条）"
	}
	return p
}

// CheckDelivery refuses a way of delivering a certificate the office does
// not offer, and a posted one without its tracking number.
func CheckDelivery(delivery, trackingNo string) error {
	switch delivery {
	case "hand", "developer", "electronic":
		return nil
	case "mail":
		if strings.TrimSpace(trackingNo) == "" {
			return &problem.Error{Kind: problem.Invalid, Code: "certificate.tracking", Message: "邮寄须填写运单号", Fields: map[string]string{"tracking_no": "请填写运单号"}}
		}
		return nil
	}
	return &problem.Error{Kind: problem.Invalid, Code: "certificate.delivery", Message: "请选择领证方式", Fields: map[string]string{"delivery": "请选择"}}
}

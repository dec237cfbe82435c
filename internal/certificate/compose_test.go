package certificate

import (
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/ledger"
	"handover/internal/problem"
	"handover/internal/registry"
)

func TestCompose(t *testing.T) {
	d := decimal.RequireFromString
	sub := Subject{
		Unit:     ledger.Unit{UnitNo: "652301001001GB00001F00010001", Room: "1单元101", Purpose: "住宅", Measured: ledger.Areas{Total: d("98.76"), Inner: d("80")}},
		Building: ledger.Building{Name: "1号楼"}, Project: ledger.Project{Address: "昌吉市北京南路8号"},
		Parcel:    &ledger.Parcel{Area: d("12000"), Use: "城镇住宅用地", RightNature: "出让", TermStart: calendar.MustDate("2020-01-01"), TermEnd: calendar.MustDate("2090-01-01")},
		Authority: "昌吉市不动产登记中心", AuthorityID: "12652301", IssuedOn: calendar.MustDate("2026-12-04"),
	}
	owners := registry.Entry{Kind: registry.Ownership, CertNo: "新(2026)昌吉市不动产权第0000001号", Ownership: "按份共有",
		Holders: []registry.Holder{{Name: "张伟", IDKind: "身份证", IDNumber: "652301199003071231", ShareNum: 1, ShareDen: 2}, {Name: "李娜", ShareNum: 1, ShareDen: 2}}}
	mortgage := registry.Entry{Kind: registry.Mortgage, CertNo: "证明1", Amount: d("300000"), Obligor: registry.Holder{Name: "张伟"}, Note: "按揭",
		Detail: registry.Detail{TermStart: "2026-12-04", TermEnd: "2046-12-04", Rank: 1}, Holders: []registry.Holder{{Name: "建设银行"}}}
	tests := []struct {
		name  string
		e     registry.Entry
		kind  Kind
		sub   Subject
		check func(t *testing.T, p Payload)
	}{
		{"title", owners, Title, sub, func(t *testing.T, p Payload) {
			if p.RightType != "国有建设用地使用权/房屋所有权" || p.RightKind != "出让/市场化商品房" || p.Use != "城镇住宅用地/住宅" {
				t.Errorf("got right %q %q use %q, want the land-use right and the ownership", p.RightType, p.RightKind, p.Use)
			}
			if p.Area != "共有宗地面积12000.00㎡/房屋建筑面积98.76㎡" || p.Term != "2020-01-01起2090-01-01止" {
				t.Errorf("got area %q term %q, want the parcel's and the flat's", p.Area, p.Term)
			}
			if len(p.Holders) != 2 || p.Holders[0].Share != "1/2" || p.Location != "昌吉市北京南路8号 1号楼1单元101" || p.IssuedOn != "2026-12-04" {
				t.Errorf("got holders %+v location %q issued %q", p.Holders, p.Location, p.IssuedOn)
			}
		}},
		{"title without a parcel", owners, Title, func() Subject { s := sub; s.Parcel = nil; return s }(), func(t *testing.T, p Payload) {
			if p.Area != "共有宗地面积㎡/房屋建筑面积98.76㎡" || p.Term != "" {
				t.Errorf("got area %q term %q, want the land left blank", p.Area, p.Term)
			}
		}},
		{"mortgage proof", mortgage, Proof, sub, func(t *testing.T, p Payload) {
			if p.Matter != "抵押权" || p.Amount != "300000.00" || p.Term != "2026-12-04起2046-12-04止" || p.Notes != "抵押顺位1；按揭" || p.Obligor != "张伟" {
				t.Errorf("got %+v, want the mortgage's amount, term, rank and obligor", p)
			}
		}},
		{"pre-notice proof", registry.Entry{Kind: registry.PreNotice, PreNoticeKind: registry.PreNoticeSale, Amount: decimal.RequireFromString("1200000")}, Proof, sub,
			func(t *testing.T, p Payload) {
				if p.Matter != "预售商品房买卖预告登记" || p.Amount != "1200000.00" || p.Area != "房屋建筑面积98.76㎡" {
					t.Errorf("got matter %q amount %q area %q, want the sale pre-notice, its price and the flat's area", p.Matter, p.Amount, p.Area)
				}
			}},
		{"pre-mortgage proof", registry.Entry{Kind: registry.PreNotice, PreNoticeKind: registry.PreNoticeMortgage}, Proof, sub, func(t *testing.T, p Payload) {
			if p.Matter != "预售商品房抵押权预告登记" {
				t.Errorf("got matter %q, want the pre-mortgage", p.Matter)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, Compose(tt.e, tt.kind, "L1", tt.sub)) })
	}
}

func TestCheckDelivery(t *testing.T) {
	tests := []struct{ delivery, tracking, wantCode string }{
		{"hand", "", ""}, {"developer", "", ""}, {"electronic", "", ""},
		{"mail", "SF123", ""}, {"mail", " ", "certificate.tracking"}, {"", "", "certificate.delivery"}, {"pigeon", "", "certificate.delivery"},
	}
	for _, tt := range tests {
		got := ""
		if err := CheckDelivery(tt.delivery, tt.tracking); err != nil {
			got = problem.CodeOf(err)
		}
		if got != tt.wantCode {
			t.Errorf("CheckDelivery(%q, %q): got %q, want %q", tt.delivery, tt.tracking, got, tt.wantCode)
		}
	}
}

func TestCheckSigned(t *testing.T) {
	if err := CheckSigned([]byte{1}); err != nil {
		t.Errorf("CheckSigned of a signature: got %v, want nil", err)
	}
	if got := problem.CodeOf(CheckSigned(nil)); got != "certificate.unsigned" {
		t.Errorf("CheckSigned of none: got %q, want certificate.unsigned", got)
	}
}

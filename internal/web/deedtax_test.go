package web

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/store"
	"handover/internal/tax"
	"handover/internal/web/htmlcheck"
)

// The deed-tax page states the rule the calculation applies, from the tax
// package, and shows rates as percentages with the reason of each; the
// buyer's page shows the rate the same way.
func TestDeedTaxPageStatesTheAppliedRule(t *testing.T) {
	ps, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{pages: ps}
	dec := decimal.RequireFromString
	b := Base{Title: "契税", Today: calendar.MustDate("2026-03-10")}
	flat := tax.Assess(dec("900000"), dec("144.20"), "住宅", presale.FirstHome, dec("0.03"))
	shop := tax.Assess(dec("600000"), dec("89.56"), "商业", presale.FirstHome, dec("0.03"))
	page := DeedTaxPage{Base: b, Project: ledger.Project{ID: 1, Name: "天山·悦府"}, Rule: tax.Rule(dec("0.03")),
		List: store.Listed[store.ListedDeedTax]{Rows: []store.ListedDeedTax{{Assessment: flat, Room: "1号楼 1单元101"}, {Assessment: shop, Room: "8号楼 1单元101"}}, Total: 2}}
	body := renderPage(t, s, "deedtax", page)
	flatRow, shopRow := "#taxes tbody tr:nth-child(1)", "#taxes tbody tr:nth-child(2)"
	tests := []struct {
		name  string
		check htmlcheck.Checker
	}{
		{"the rule applied", in("p.muted#deed-tax-rule", hasExactText("计税依据为面积差异结算后的成交价。"+tax.Rule(dec("0.03"))))},
		{"a flat's rate", in(flatRow+" td.num:nth-child(6)", hasExactText("1.5%"))},
		{"a flat's reason", in(flatRow+" td.small:nth-child(7)", hasExactText("住宅，家庭唯一住房，实测建筑面积144.20㎡（140㎡以上）"))},
		{"a shop's purpose", in(shopRow+" td:nth-child(3)", hasExactText("商业"))},
		{"a shop's rate", in(shopRow+" td.num:nth-child(6)", hasExactText("3%"))},
		{"a shop's reason", in(shopRow+" td.small:nth-child(7)", hasExactText("非住宅（商业），不适用住房优惠税率，按本辖区税率"))},
		// Nowhere on the page: the old 90㎡ threshold, rates as fractions.
		{"no 90㎡ threshold", lacksText("90㎡")},
		{"no rate as a fraction", lacksText("0.015")},
		{"no rate as a fraction", lacksText("0.03")},
	}
	for _, tt := range tests {
		checkPage(t, "deed-tax page: "+tt.name, body, tt.check)
	}
	buyer := b
	buyer.P = &identity.Principal{User: identity.User{ID: 5, Name: "张伟", IDNumber: "652301199003071231", Roles: []identity.Role{identity.RoleBuyer}}}
	my := MyPage{Base: buyer, Units: []MyUnit{{Tax: &flat}}}
	checkPage(t, "the buyer's page", renderPage(t, s, "my", my),
		in(".my-unit dd.unit-tax", hasText("（税率 1.5%：住宅，家庭唯一住房，实测建筑面积144.20㎡（140㎡以上））")))
}

func renderPage(t *testing.T, s *Server, name string, page any) string {
	t.Helper()
	w := httptest.NewRecorder()
	if err := s.render(w, 200, name, page); err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(w.Result().Body)
	return string(body)
}

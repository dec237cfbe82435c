package web

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/tax"
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
		Rows: []DeedTaxRow{{Assessment: flat, Room: "1号楼 1单元101"}, {Assessment: shop, Room: "8号楼 1单元101"}}}
	body := renderPage(t, s, "deedtax", page)
	for _, want := range []string{
		`<p class="muted" id="deed-tax-rule">计税依据为面积差异结算后的成交价。` + tax.Rule(dec("0.03")) + `</p>`,
		`<td class="num">1.5%</td><td class="small">住宅，家庭唯一住房，实测建筑面积144.20㎡（140㎡以上）</td>`,
		`<td>商业</td>`,
		`<td class="num">3%</td><td class="small">非住宅（商业），不适用住房优惠税率，按本辖区税率</td>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("deed-tax page lacks %q", want)
		}
	}
	for _, stale := range []string{"90㎡", "0.015", "0.03<"} {
		if strings.Contains(body, stale) {
			t.Errorf("deed-tax page shows %q", stale)
		}
	}
	buyer := b
	buyer.P = &identity.Principal{User: identity.User{ID: 5, Name: "张伟", IDNumber: "652301199003071231", Roles: []identity.Role{identity.RoleBuyer}}}
	my := MyPage{Base: buyer, Units: []MyUnit{{Tax: &flat}}}
	if body := renderPage(t, s, "my", my); !strings.Contains(body, "（税率 1.5%：住宅，家庭唯一住房，实测建筑面积144.20㎡（140㎡以上））") {
		t.Errorf("the buyer's page does not show the rate as a percentage with its reason")
	}
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

package presale

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/credit"
	"handover/internal/ledger"
	"handover/internal/problem"
)

func goodFacts() Facts {
	d := decimal.RequireFromString
	return Facts{
		Project:   ledger.Project{ID: 1, TotalInvestment: d("1000"), Invested: d("250"), PlannedDelivery: calendar.MustDate("2027-06-30")},
		Parcels:   []ledger.Parcel{{Code: "652301004007GB00121", PremiumDue: d("100"), PremiumPaid: d("100"), LandCertNo: "新(2024)昌吉市不动产权第0031245号", LandConfirmedBy: 7}},
		Permits:   []ledger.Permit{{Kind: ledger.Planning, ConfirmedBy: 9}, {Kind: ledger.Construction, ConfirmedBy: 9}},
		Buildings: []ledger.Building{{ID: 5, ProjectID: 1, Name: "1号楼"}},
		Units:     map[int64]int{5: 64},
		Covered:   map[int64]string{},
		Effect:    credit.Refuse,
	}
}

func rules(err error) []string {
	var out []string
	for _, r := range problem.As(err).Reasons {
		out = append(out, r.Rule)
	}
	return out
}

// Every condition of docs/domain.md §5.1, missing on its own, refuses the
// permit with its own rule and a legal basis.
func TestCheckEachCondition(t *testing.T) {
	d := decimal.RequireFromString
	tests := []struct {
		name   string
		change func(*Facts)
		rule   string
	}{
		{"no parcel", func(f *Facts) { f.Parcels = nil }, "presale.land_right"},
		{"land right not registered", func(f *Facts) { f.Parcels[0].LandCertNo = "" }, "presale.land_right"},
		{"premium unpaid", func(f *Facts) { f.Parcels[0].PremiumPaid = d("99.99") }, "presale.land_premium"},
		{"land facts only declared", func(f *Facts) { f.Parcels[0].LandConfirmedBy = 0 }, "presale.land_confirmed"},
		{"no planning permit", func(f *Facts) { f.Permits = f.Permits[1:] }, "presale.planning_permit"},
		{"planning permit unconfirmed", func(f *Facts) { f.Permits[0].ConfirmedBy = 0 }, "presale.planning_permit"},
		{"no construction permit", func(f *Facts) { f.Permits = f.Permits[:1] }, "presale.construction_permit"},
		{"construction permit unconfirmed", func(f *Facts) { f.Permits[1].ConfirmedBy = 0 }, "presale.construction_permit"},
		{"investment below 25%", func(f *Facts) { f.Project.Invested = d("249.99") }, "presale.investment"},
		{"no total investment", func(f *Facts) { f.Project.TotalInvestment = d("0") }, "presale.investment"},
		{"no delivery date", func(f *Facts) { f.Project.PlannedDelivery = calendar.Date{} }, "presale.delivery_date"},
		{"no building", func(f *Facts) { f.Buildings = nil }, "presale.buildings"},
		{"building of another project", func(f *Facts) { f.Buildings[0].ProjectID = 2 }, "presale.buildings"},
		{"empty 楼盘表", func(f *Facts) { f.Units[5] = 0 }, "presale.ledger"},
		{"already permitted", func(f *Facts) { f.Covered[5] = "昌吉市商品房预售许可〔2025〕第0001号" }, "presale.already_permitted"},
		{"restricted, refuse", func(f *Facts) { f.Listed = true }, "presale.credit_restricted"},
	}
	if _, err := Check(goodFacts()); err != nil {
		t.Fatalf("good facts refused: %v", err)
	}
	for _, tt := range tests {
		f := goodFacts()
		tt.change(&f)
		_, err := Check(f)
		if problem.KindOf(err) != problem.Refused || !slices.Contains(rules(err), tt.rule) {
			t.Errorf("%s: Check = %v (rules %v), want rule %s", tt.name, err, rules(err), tt.rule)
			continue
		}
		for _, r := range problem.As(err).Reasons {
			if r.Basis == "" || r.Fixer == "" || r.Message == "" {
				t.Errorf("%s: reason without basis, fixer or message: %+v", tt.name, r)
			}
		}
	}
	// Every failure is listed at once.
	f := goodFacts()
	f.Parcels[0].LandCertNo, f.Project.Invested, f.Permits = "", d("0"), nil
	if _, err := Check(f); len(rules(err)) != 4 {
		t.Errorf("several failures: rules %v, want 4", rules(err))
	}
}

func TestCheckRestrictedReview(t *testing.T) {
	f := goodFacts()
	f.Listed, f.Effect = true, credit.Review
	review, err := Check(f)
	if err != nil || !review {
		t.Errorf("restricted with review: review %v, err %v; want review and no refusal", review, err)
	}
	f.Effect = credit.Ignore
	if review, err := Check(f); err != nil || review {
		t.Errorf("restricted with no effect: review %v, err %v", review, err)
	}
}

func TestPermitChange(t *testing.T) {
	now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		from PermitState
		kind string
		to   PermitState
		ok   bool
	}{
		{Valid, "suspended", SuspendedState, true},
		{SuspendedState, "reinstated", Valid, true},
		{Valid, "revoked", Revoked, true},
		{SuspendedState, "revoked", Revoked, true},
		{Valid, "reinstated", Valid, false},
		{SuspendedState, "suspended", SuspendedState, false},
		{Revoked, "reinstated", Revoked, false},
		{Revoked, "revoked", Revoked, false},
	}
	for _, tt := range tests {
		p := Permit{State: tt.from}
		err := p.Change(tt.kind, "理由", 1, now)
		if (err == nil) != tt.ok || p.State != tt.to {
			t.Errorf("%s --%s--> %s, %v; want %s ok=%v", tt.from, tt.kind, p.State, err, tt.to, tt.ok)
		}
	}
	p := Permit{State: Valid}
	if err := p.Change("suspended", "  ", 1, now); problem.CodeOf(err) != "permit.reason" {
		t.Errorf("suspension without reason: %v", err)
	}
}

// The investment condition (≥ 25 % of the total) is exact, and its refusal
// never shows a share that reads as 25 %: the share is cut, not rounded.
func TestInvestmentMessage(t *testing.T) {
	d := decimal.RequireFromString
	tests := []struct {
		invested, total string
		want            string // the refusal's message; "" met
	}{
		{"250", "1000", ""}, // exactly 25 %: met
		{"250.01", "1000.04", ""},
		{"300", "1000", ""},
		{"249.99", "1000", "投入开发建设的资金249.99元，占总投资1000.00元的24.99%，不足25%"},
		{"249.60", "1000", "投入开发建设的资金249.60元，占总投资1000.00元的24.96%，不足25%"},
		{"249.96", "1000", "投入开发建设的资金249.96元，占总投资1000.00元的24.99%，不足25%"},    // 24.996 % is not 25.00 %
		{"250.00", "1000.04", "投入开发建设的资金250.00元，占总投资1000.04元的24.99%，不足25%"}, // 24.999 %
		// Division to 16 places rounds this share up to 0.25; the comparison does not divide.
		{"250000000000000.00", "1000000000000000.04", "投入开发建设的资金250000000000000.00元，占总投资1000000000000000.04元的24.99%，不足25%"},
		{"0", "1000", "投入开发建设的资金0.00元，占总投资1000.00元的0.00%，不足25%"},
	}
	for _, tt := range tests {
		f := goodFacts()
		f.Project.Invested, f.Project.TotalInvestment = d(tt.invested), d(tt.total)
		_, err := Check(f)
		var got []string
		for _, r := range problem.As(err).Reasons {
			if r.Rule == "presale.investment" {
				got = append(got, r.Message)
			}
		}
		var want []string
		if tt.want != "" {
			want = []string{tt.want}
		}
		if !slices.Equal(got, want) {
			t.Errorf("invested %s of %s: got %q, want %q", tt.invested, tt.total, got, want)
		}
	}
}

// Issue refuses what Check refuses, asks for the reviewing officer's
// opinion under review, and otherwise covers the buildings' units and area.
func TestIssue(t *testing.T) {
	d := decimal.RequireFromString
	at := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		change func(f *Facts)
		review string
		code   string // "" when issued
		kind   problem.Kind
		rules  []string
	}{
		{"a condition unmet", func(f *Facts) { f.Units[5] = 0 }, "", "presale.refused", problem.Refused, []string{"presale.ledger"}},
		{"listed, refused here", func(f *Facts) { f.Listed = true }, "已审查", "presale.refused", problem.Refused, []string{"presale.credit_restricted"}},
		{"listed, reviewed here, no opinion", func(f *Facts) { f.Listed, f.Effect = true, credit.Review }, "  ", "presale.review_required", problem.Refused,
			[]string{"presale.credit_review"}},
		{"listed, reviewed here, with the opinion", func(f *Facts) { f.Listed, f.Effect = true, credit.Review }, " 经加强审查，同意核发 ", "", 0, nil},
		{"not listed", nil, "", "", 0, nil},
	}
	for _, tt := range tests {
		f := goodFacts()
		f.Project.Jurisdiction = "652301"
		f.Buildings = append(f.Buildings, ledger.Building{ID: 6, ProjectID: 1, Name: "2号楼"})
		f.Units, f.Area = map[int64]int{5: 64, 6: 32}, map[int64]decimal.Decimal{5: d("7040.50"), 6: d("3520.25")}
		if tt.change != nil {
			tt.change(&f)
		}
		p, err := Issue(f, tt.review, 9, at)
		if tt.code != "" {
			if problem.CodeOf(err) != tt.code || problem.KindOf(err) != tt.kind || !slices.Equal(rules(err), tt.rules) {
				t.Errorf("%s: got %v (%v, reasons %v), want %s (%v, reasons %v)", tt.name, err, problem.KindOf(err), rules(err), tt.code, tt.kind, tt.rules)
			}
			continue
		}
		wantReview := strings.TrimSpace(tt.review)
		if err != nil || p.State != Valid || p.ProjectID != 1 || p.Jurisdiction != "652301" || p.IssuedOn.String() != "2026-03-10" ||
			!slices.Equal(p.Buildings, []int64{5, 6}) || p.Units != 96 || p.Area.StringFixed(2) != "10560.75" || p.ExtraReview != wantReview ||
			len(p.Events) != 1 || p.Events[0] != (Event{Kind: "issued", Reason: wantReview, By: 9, At: at}) {
			t.Errorf("%s: got %+v, %v; want a valid permit of buildings 5 and 6, 96 units, 10560.75 m², review %q", tt.name, p, err, wantReview)
		}
	}
}

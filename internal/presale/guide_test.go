package presale

import (
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/credit"
	"handover/internal/guide"
	"handover/internal/ledger"
)

// union collects the distinct rule codes of several refusals, sorted.
func union(errs ...error) []string {
	var out []string
	for _, err := range errs {
		for _, r := range guide.RulesOf(err) {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	slices.Sort(out)
	return out
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// The presale permit's guide states exactly the conditions Check enforces:
// facts failing every condition at once yield the guide's rule codes.
func TestPermitGuideMatchesCheck(t *testing.T) {
	d := decimal.RequireFromString
	worst := Facts{
		Project:   ledger.Project{ID: 1}, // no investment, no delivery date
		Parcels:   []ledger.Parcel{{Code: "652301004007GB00121", PremiumDue: d("100")}},
		Buildings: []ledger.Building{{ID: 5, ProjectID: 2, Name: "他项目的楼"}, {ID: 6, ProjectID: 1, Name: "2号楼"}},
		Units:     map[int64]int{},
		Covered:   map[int64]string{6: "第0001号"},
		Listed:    true, Effect: credit.Refuse,
	}
	_, err := Check(worst)
	g := PermitGuide(credit.Refuse)
	if got, want := union(err), sorted(g.Rules()); !slices.Equal(got, want) {
		t.Errorf("Check refuses with %v, the guide states %v", got, want)
	}
	for _, c := range g.Conditions {
		if c.Message == "" || c.Basis == "" || c.Fixer == "" {
			t.Errorf("condition %s lacks text, basis or fixer: %+v", c.Rule, c)
		}
	}
}

// The filing guide states exactly the rules Contract.Check applies; two
// contracts are needed because a loan's rules and an unchosen payment
// exclude each other.
func TestFilingGuideMatchesCheck(t *testing.T) {
	facts := SaleFacts{Unit: ledger.Unit{UnitNo: "652301004007GB00121F00010101", CommonPart: "物业服务用房"}, OtherLive: true,
		Status: ledger.Status{Locked: true, Register: ledger.Register{Sealed: true, Registered: true}}, Listed: true, Effect: string(credit.Refuse)}
	empty := Contract{}
	loan := Contract{Ownership: Shares, Payment: Commercial,
		Buyers: []Buyer{{Name: "", IDNumber: "652301199003071232", Phone: "abc"}, {Name: "李娜", IDNumber: idLi, ShareNum: 2, ShareDen: 1}}}
	g := FilingGuide(credit.Refuse)
	if got, want := union(empty.Check(facts), loan.Check(facts)), sorted(g.Rules()); !slices.Equal(got, want) {
		t.Errorf("Contract.Check refuses with %v, the guide states %v", got, want)
	}
}

// Each effect a jurisdiction may configure is stated in the guide.
func TestGuideNotesFollowTheEffect(t *testing.T) {
	tests := []struct {
		g    func(credit.Effect) guide.Matter
		key  string
		want map[credit.Effect]string
	}{
		{PermitGuide, credit.PresalePermit, map[credit.Effect]string{credit.Refuse: "不予办理", credit.Review: "加强审查", credit.Ignore: "不受影响"}},
		{FilingGuide, credit.ContractFiling, map[credit.Effect]string{credit.Refuse: "不予办理", credit.Ignore: "不受影响"}},
	}
	for _, tt := range tests {
		for _, e := range credit.Effects(tt.key) {
			m := tt.g(e)
			if len(m.Notes) != 1 || tt.want[e] == "" || !strings.Contains(m.Notes[0], tt.want[e]) {
				t.Errorf("%s with effect %s: notes %v, want one mentioning %q", m.Key, e, m.Notes, tt.want[e])
			}
		}
	}
}

package presale

import (
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"handover/internal/calendar"
	"handover/internal/credit"
)

func TestParseNodes(t *testing.T) {
	tests := []struct {
		in      string
		caps    []int
		wantErr bool
	}{
		{"", []int{50, 95, 99, 100}, false},
		{"a:封顶:40:structure_accepted;b:首登:100:first_registered", []int{40, 100}, false},
		{" a:封顶:40:structure_accepted ; b:首登:100:first_registered ", []int{40, 100}, false},
		{"a:封顶:40:structure_accepted", nil, true},     // does not end at 100
		{"a:封顶:60:x;b:竣工:50:y;c:首登:100:z", nil, true}, // not increasing
		{"a:封顶:abc:x;b:首登:100:z", nil, true},          // not a number
		{"a:封顶:40;b:首登:100:z", nil, true},             // three fields
		{"a:封顶:40:x;b:首登:120:z", nil, true},           // over 100
	}
	for _, tt := range tests {
		nodes, err := ParseNodes(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseNodes(%q): got %v, want error=%v", tt.in, err, tt.wantErr)
			continue
		}
		var caps []int
		for _, n := range nodes {
			caps = append(caps, n.Cap)
		}
		if !tt.wantErr && !slices.Equal(caps, tt.caps) {
			t.Errorf("ParseNodes(%q): got caps %v, want %v", tt.in, caps, tt.caps)
		}
	}
}

// Whatever the setting says, accepted nodes have caps strictly increasing
// to exactly 100.
func FuzzParseNodes(f *testing.F) {
	f.Add("")
	f.Add("a:封顶:40:structure_accepted;b:首登:100:first_registered")
	f.Add("a:b:c:d;;")
	f.Fuzz(func(t *testing.T, s string) {
		nodes, err := ParseNodes(s)
		if err != nil {
			return
		}
		prev := 0
		for _, n := range nodes {
			if n.Cap <= prev || n.Cap > 100 {
				t.Fatalf("ParseNodes(%q) accepted caps out of order: %+v", s, nodes)
			}
			prev = n.Cap
		}
		if prev != 100 {
			t.Fatalf("ParseNodes(%q) accepted nodes ending at %d", s, prev)
		}
	})
}

func fundFacts() FundFacts {
	d := decimal.RequireFromString
	return FundFacts{Account: FundAccount{Supervised: d("1000000")}, Deposits: d("3000000"), Nodes: DefaultNodes(),
		Milestones: map[string]calendar.Date{MilestoneStructure: calendar.MustDate("2026-03-01")}, Effect: credit.Refuse}
}

func TestCheckWithdrawal(t *testing.T) {
	d := decimal.RequireFromString
	tests := []struct {
		name string
		node string
		amt  string
		edit func(f *FundFacts)
		rule string // "" accepted
	}{
		{"within the structure node", "structure", "500000", nil, ""},
		{"over the structure cap", "structure", "500000.01", nil, "fund.cap"},
		{"cap counts earlier releases", "structure", "100000", func(f *FundFacts) { f.Supervised = d("450000") }, "fund.cap"},
		{"completion not reached", "completion", "100", nil, "fund.milestone"},
		{"last release needs first registration", "first_registration", "100", func(f *FundFacts) {
			f.Milestones[MilestoneCompleted] = calendar.MustDate("2026-09-01")
			f.Milestones[MilestoneFiled] = calendar.MustDate("2026-10-01")
		}, "fund.milestone"},
		{"last release after first registration", "first_registration", "1000000", func(f *FundFacts) {
			f.Milestones[MilestoneFirstReg] = calendar.MustDate("2026-11-01")
		}, ""},
		{"unknown node", "roof", "100", nil, "fund.node"},
		{"free money above the supervised amount", FreeNode, "2000000", nil, ""},
		{"free money is only what exceeds it", FreeNode, "2000000.01", nil, "fund.free"},
		{"balance", "structure", "100", func(f *FundFacts) { f.Deposits = d("50") }, "fund.balance"},
		{"restricted developer", "structure", "100", func(f *FundFacts) { f.Listed = true }, "fund.credit_restricted"},
	}
	for _, tt := range tests {
		f := fundFacts()
		if tt.edit != nil {
			tt.edit(&f)
		}
		_, err := CheckWithdrawal(f, Withdrawal{Node: tt.node, Amount: d(tt.amt), Evidence: "验收证明"})
		got := rulesOf(err)
		if (tt.rule == "" && err != nil) || (tt.rule != "" && !slices.Contains(got, tt.rule)) {
			t.Errorf("%s: got %v, want rule %q", tt.name, got, tt.rule)
		}
	}
	f := fundFacts()
	f.Listed, f.Effect = true, credit.Review
	if review, err := CheckWithdrawal(f, Withdrawal{Node: "structure", Amount: d("1"), Evidence: "x"}); err != nil || !review {
		t.Errorf("under review: got review=%v %v, want an accepted request needing review", review, err)
	}
	if _, err := CheckWithdrawal(fundFacts(), Withdrawal{Node: "structure", Amount: d("1")}); !strings.Contains(strings.Join(rulesOf(err), ","), "fund.evidence") {
		t.Errorf("without evidence: got %v", err)
	}
}

// Property: however requests come, the supervised money released against
// the nodes never exceeds the cap of the furthest node reached.
func TestReleasesNeverExceedCaps(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := fundFacts()
		f.Deposits = decimal.NewFromInt(1000000)
		reached := rapid.IntRange(1, 4).Draw(t, "reached")
		for _, n := range DefaultNodes()[:reached] {
			f.Milestones[n.Milestone] = calendar.MustDate("2026-01-01")
		}
		for i := 0; i < 20; i++ {
			node := DefaultNodes()[rapid.IntRange(0, 3).Draw(t, "node")]
			amt := decimal.New(rapid.Int64Range(1, 40000000).Draw(t, "fen"), -2)
			if _, err := CheckWithdrawal(f, Withdrawal{Node: node.Code, Amount: amt, Evidence: "证明"}); err == nil {
				f.Supervised = f.Supervised.Add(amt)
			}
		}
		limit := f.Account.Supervised.Mul(decimal.NewFromInt(int64(DefaultNodes()[reached-1].Cap))).Div(decimal.NewFromInt(100))
		if f.Supervised.GreaterThan(limit) {
			t.Fatalf("released %s with nodes up to %d%% reached (limit %s)", f.Supervised, DefaultNodes()[reached-1].Cap, limit)
		}
	})
}

// Chinese text names a node by its name; a code is never shown.
func TestNodeName(t *testing.T) {
	custom, err := ParseNodes("a:主体封顶:40:structure_accepted;b:首次登记后:100:first_registered")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		nodes []Node
		code  string
		want  string
	}{
		{DefaultNodes(), "completion", "竣工验收"},
		{DefaultNodes(), "first_registration", "不动产首次登记"},
		{custom, "a", "主体封顶"},
		{DefaultNodes(), FreeNode, "超出重点监管额度的资金"},
		{custom, "completion", "本辖区未配置的节点（代码completion）"},
	}
	for _, tt := range tests {
		if got := NodeName(tt.nodes, tt.code); got != tt.want {
			t.Errorf("NodeName(%q): got %q, want %q", tt.code, got, tt.want)
		}
	}
}

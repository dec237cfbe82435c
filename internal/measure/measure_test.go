package measure

import (
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/problem"
)

func TestParse(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"89.56", "89.56", ""},
		{"1,235,000.00", "1235000", ""},
		{"¥ 100.5", "100.5", ""},
		{"0", "0", ""},
		{"", "", "measure.missing"},
		{"12.345", "", "measure.precision"},
		{"-1", "", "measure.negative"},
		{"abc", "", "measure.format"},
		{"1e20", "", "measure.range"},
	}
	for _, tt := range tests {
		d, err := Parse(tt.in, "面积")
		if tt.err != "" {
			if problem.CodeOf(err) != tt.err {
				t.Errorf("Parse(%q) error = %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !d.Equal(decimal.RequireFromString(tt.want)) {
			t.Errorf("Parse(%q) = %s, %v; want %s", tt.in, d, err, tt.want)
		}
	}
}

func TestCentsRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "0.01", "89.56", "1235000.99", "123456789012.34"} {
		d := decimal.RequireFromString(s)
		if back := FromCents(Cents(d)); !back.Equal(d) {
			t.Errorf("FromCents(Cents(%s)) = %s", s, back)
		}
	}
}

func TestMoney(t *testing.T) {
	for in, want := range map[string]string{"0": "0.00", "1235000": "1,235,000.00", "999.5": "999.50", "-1234.5": "-1,234.50", "12": "12.00"} {
		if got := Money(decimal.RequireFromString(in)); got != want {
			t.Errorf("Money(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestMoneyUpper(t *testing.T) {
	for in, want := range map[string]string{
		"0":          "零元整",
		"1":          "壹元整",
		"10":         "壹拾元整",
		"105":        "壹佰零伍元整",
		"1000":       "壹仟元整",
		"1005":       "壹仟零伍元整",
		"10000":      "壹万元整",
		"100005":     "壹拾万零伍元整",
		"1235000":    "壹佰贰拾叁万伍仟元整",
		"1235000.5":  "壹佰贰拾叁万伍仟元伍角整",
		"1235000.05": "壹佰贰拾叁万伍仟元零伍分",
		"1235000.55": "壹佰贰拾叁万伍仟元伍角伍分",
		"0.3":        "叁角整",
		"100000000":  "壹亿元整",
		"100010000":  "壹亿零壹万元整",
		"20001":      "贰万零壹元整",
	} {
		if got := MoneyUpper(decimal.RequireFromString(in)); got != want {
			t.Errorf("MoneyUpper(%s) = %s, want %s", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"89.56", "1,235,000.00", "¥1", "-0", "1e3", ".5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s, "x")
		if err != nil {
			return
		}
		if d.IsNegative() || !FromCents(Cents(d)).Equal(d) {
			t.Fatalf("Parse(%q) = %s does not round-trip through cents", s, d)
		}
	})
}

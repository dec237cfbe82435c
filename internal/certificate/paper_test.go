package certificate

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"handover/internal/problem"
)

func TestParseSerial(t *testing.T) {
	tests := []struct {
		in, want, code string
	}{
		{"XJ26000001", "XJ26000001", ""},
		{" xj26000001 ", "XJ26000001", ""},           // lower case and spaces from the keyboard
		{"ＸＪ２６０００００１", "XJ26000001", ""},             // full-width, typed with an input method
		{"J650012345", "J650012345", ""},             // one letter, nine digits
		{"ABCD123456789012", "ABCD123456789012", ""}, // four letters, twelve digits
		{"26000001", "", "paper.serial_invalid"},     // no prefix
		{"XJ12345", "", "paper.serial_invalid"},      // five digits
		{"XJ1234567890123", "", "paper.serial_invalid"},
		{"ABCDE1234567", "", "paper.serial_invalid"}, // five letters
		{"XJ2600-0001", "", "paper.serial_invalid"},
		{"新J26000001", "", "paper.serial_invalid"},
		{"", "", "paper.serial_invalid"},
	}
	for _, tt := range tests {
		s, err := ParseSerial(tt.in)
		if got := problem.CodeOf(err); (err != nil || tt.code != "") && got != tt.code {
			t.Errorf("ParseSerial(%q) error %v, want %q", tt.in, err, tt.code)
			continue
		}
		if err == nil && s.String() != tt.want {
			t.Errorf("ParseSerial(%q) = %s, want %s", tt.in, s, tt.want)
		}
	}
}

func TestNewRange(t *testing.T) {
	tests := []struct {
		name, prefix, first, last string
		want                      string // the range, or the bad fields
		size                      int64
	}{
		{"digits", "XJ", "26000001", "26000500", "XJ26000001–XJ26000500", 500},
		{"whole serials", "xj", "XJ26000001", "xj26000001", "XJ26000001–XJ26000001", 1},
		{"no prefix", "", "26000001", "26000500", "prefix", 0},
		{"digits in the prefix", "X1", "26000001", "26000500", "prefix", 0},
		{"another prefix on a serial", "XJ", "XK26000001", "26000500", "first", 0},
		{"widths differ", "XJ", "26000001", "260000500", "last", 0},
		{"reversed", "XJ", "26000500", "26000001", "last", 0},
		{"too many", "XJ", "26000001", "26200001", "last", 0},
		{"the most", "XJ", "26000001", "26100000", "XJ26000001–XJ26100000", MaxRange},
		{"letters", "XJ", "2600000A", "26000500", "first", 0},
		{"short", "XJ", "12345", "12399", "first,last", 0},
	}
	for _, tt := range tests {
		r, err := NewRange(tt.prefix, tt.first, tt.last)
		var got string
		if err != nil {
			e := problem.As(err)
			if e.Code != "paper.range_invalid" {
				t.Errorf("%s: code %s, want paper.range_invalid", tt.name, e.Code)
			}
			var fields []string
			for f := range e.Fields {
				fields = append(fields, f)
			}
			slices.Sort(fields)
			got = strings.Join(fields, ",")
		} else {
			got = r.String()
			if r.Size() != tt.size {
				t.Errorf("%s: size %d, want %d", tt.name, r.Size(), tt.size)
			}
		}
		if got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

// A range given as numbers (the store's input) is checked as text is.
func TestRangeCheck(t *testing.T) {
	tests := []struct {
		r    Range
		want bool
	}{
		{Range{Prefix: "XJ", First: 26000001, Last: 26000500, Digits: 8}, true},
		{Range{Prefix: "XJ", First: 1, Last: 500, Digits: 8}, true}, // XJ00000001–XJ00000500
		{Range{Prefix: "XJ", First: 500, Last: 1, Digits: 8}, false},
		{Range{Prefix: "xj", First: 1, Last: 500, Digits: 8}, false}, // not as printed
		{Range{Prefix: "XJ", First: 1, Last: 500, Digits: 5}, false},
		{Range{Prefix: "XJ", First: 26000001, Last: 126000001, Digits: 8}, false},
		{Range{Prefix: "XJ", First: -1, Last: 500, Digits: 8}, false},
		{Range{Prefix: "", First: 1, Last: 500, Digits: 8}, false},
	}
	for _, tt := range tests {
		err := tt.r.Check()
		if (err == nil) != tt.want {
			t.Errorf("%+v.Check() = %v, want valid %v", tt.r, err, tt.want)
		}
		if err != nil && problem.CodeOf(err) != "paper.range_invalid" {
			t.Errorf("%+v.Check() code %s, want paper.range_invalid", tt.r, problem.CodeOf(err))
		}
	}
}

func mustRange(t *testing.T, j, prefix, first, last string) Range {
	t.Helper()
	r, err := NewRange(prefix, first, last)
	if err != nil {
		t.Fatal(err)
	}
	r.Jurisdiction = j
	return r
}

func TestCheckReceive(t *testing.T) {
	held := []Range{mustRange(t, "652301", "XJ", "26000001", "26000500"), mustRange(t, "652302", "XJ", "26001001", "26001500")}
	tests := []struct {
		name  string
		r     Range
		rules int // overlaps found
	}{
		{"next box", mustRange(t, "652301", "XJ", "26000501", "26001000"), 0},
		{"other prefix", mustRange(t, "652301", "XK", "26000001", "26000500"), 0},
		{"last blank again", mustRange(t, "652301", "XJ", "26000500", "26000600"), 1},
		{"inside", mustRange(t, "652301", "XJ", "26000100", "26000101"), 1},
		{"another authority's", mustRange(t, "652301", "XJ", "26001400", "26001600"), 1},
		{"both", mustRange(t, "652301", "XJ", "26000001", "26002000"), 2},
		{"other width, same numbers", mustRange(t, "652301", "XJ", "026000001", "026000002"), 1},
	}
	for _, tt := range tests {
		err := CheckReceive(tt.r, held)
		e := problem.As(err)
		switch {
		case tt.rules == 0 && err != nil:
			t.Errorf("%s: got %v, want accepted", tt.name, err)
		case tt.rules > 0 && (e.Code != "paper.overlap" || len(e.Reasons) != tt.rules):
			t.Errorf("%s: got %v, want %d overlaps", tt.name, err, tt.rules)
		}
	}
	err := CheckReceive(mustRange(t, "652301", "XJ", "26001400", "26001600"), held)
	if r := problem.As(err).Reasons; len(r) != 1 || !strings.Contains(r[0].Message, "652302") || r[0].Basis == "" || r[0].Fixer == "" {
		t.Errorf("another authority's range: got %+v, want the authority named with basis and fixer", r)
	}
}

func TestCheckBlank(t *testing.T) {
	stock := []Range{mustRange(t, "652301", "XJ", "26000001", "26000500"), mustRange(t, "652302", "XJ", "26001001", "26001500")}
	serial := func(s string) Serial {
		v, err := ParseSerial(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name   string
		serial string
		prior  *Blank
		want   string // rules, comma-separated
	}{
		{"in stock, unused", "XJ26000001", nil, ""},
		{"last of the range", "XJ26000500", nil, ""},
		{"after the range", "XJ26000501", nil, "paper.not_in_stock"},
		{"another authority's", "XJ26001001", nil, "paper.not_in_stock"},
		{"other width", "XJ026000001", nil, "paper.not_in_stock"},
		{"used", "XJ26000002", &Blank{State: Used, CertNo: "新(2026)昌吉市不动产权第0000001号"}, "paper.used"},
		{"spoiled", "XJ26000003", &Blank{State: Spoiled, Reason: "卡纸"}, "paper.spoiled"},
		{"used, not even ours", "XJ26009999", &Blank{State: Used}, "paper.not_in_stock,paper.used"},
	}
	for _, tt := range tests {
		r, reasons := CheckBlank(serial(tt.serial), "652301", stock, tt.prior)
		var rules []string
		for _, x := range reasons {
			rules = append(rules, x.Rule)
			if x.Basis == "" || x.Fixer == "" || x.Subject != tt.serial {
				t.Errorf("%s: reason %+v lacks basis, fixer or subject", tt.name, x)
			}
		}
		if got := strings.Join(rules, ","); got != tt.want {
			t.Errorf("%s: rules %q, want %q", tt.name, got, tt.want)
		}
		if tt.want == "" && r.Jurisdiction != "652301" {
			t.Errorf("%s: range %+v, want the authority's", tt.name, r)
		}
	}
	err := RefuseBlanks([]problem.Reason{{Rule: "paper.used", Message: "m"}})
	if e := problem.As(err); e.Kind != problem.Refused || e.Code != "paper.used" {
		t.Errorf("RefuseBlanks: got %v, want refused paper.used", err)
	}
	if RefuseBlanks(nil) != nil {
		t.Error("RefuseBlanks(nil) is not nil")
	}
}

func TestCheckSerials(t *testing.T) {
	tests := []struct {
		in    string
		certs int
		want  string // code, or the serials parsed
	}{
		{"", 2, "<nil>"},
		{" , ", 2, "<nil>"},
		{"XJ26000001,XJ26000002", 2, "XJ26000001 XJ26000002"},
		{"xj26000001，ＸＪ26000002", 2, "XJ26000001 XJ26000002"},
		{"XJ26000001,", 2, "XJ26000001 -"}, // the proof not printed
		{"XJ26000001", 2, "paper.count"},   // one serial written for two certificates
		{"XJ26000001,XJ26000002", 1, "paper.count"},
		{"XJ26000001,xj26000001", 2, "paper.duplicate"},
		{"XJ26000001,26000002", 2, "paper.serial_invalid"},
	}
	for _, tt := range tests {
		list := SplitSerials(tt.in)
		var got string
		if list == nil {
			got = "<nil>"
		} else if out, err := CheckSerials(list, tt.certs); err != nil {
			got = problem.CodeOf(err)
		} else {
			var parts []string
			for _, s := range out {
				if s.Prefix == "" {
					parts = append(parts, "-")
				} else {
					parts = append(parts, s.String())
				}
			}
			got = strings.Join(parts, " ")
		}
		if got != tt.want {
			t.Errorf("serials %q for %d certificates: got %s, want %s", tt.in, tt.certs, got, tt.want)
		}
	}
	if got := JoinSerials([]string{"", ""}); got != "" {
		t.Errorf("JoinSerials of empties = %q, want empty", got)
	}
	if got := JoinSerials([]string{"", "XJ26000001"}); got != ",XJ26000001" {
		t.Errorf("JoinSerials = %q, want the position kept", got)
	}
}

func TestStockNextFree(t *testing.T) {
	a, b := mustRange(t, "652301", "XJ", "26000001", "26000005"), mustRange(t, "652301", "XJ", "26000101", "26000103")
	a.ID, b.ID = 1, 2
	st := Stock{Ranges: []RangeStock{{Range: a, Used: 2, Spoiled: 1}, {Range: b}}}
	taken := map[int64][]int64{1: {26000001, 26000002, 26000004}}
	asked := map[int64]bool{}
	free, err := st.NextFree(4, func(id int64) ([]int64, error) { asked[id] = true; return taken[id], nil })
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(free, " "), "XJ26000003 XJ26000005 XJ26000101 XJ26000102"; got != want {
		t.Errorf("next free: got %s, want %s", got, want)
	}
	if got := fmt.Sprint(st.Received(), st.Used(), st.Spoiled(), st.Remaining()); got != "8 2 1 5" {
		t.Errorf("received used spoiled remaining: got %s, want 8 2 1 5", got)
	}
	// A range used up is not read.
	st.Ranges[0].Used, st.Ranges[0].Spoiled = 4, 1
	asked = map[int64]bool{}
	free, _ = st.NextFree(1, func(id int64) ([]int64, error) { asked[id] = true; return nil, nil })
	if asked[1] || len(free) != 1 || free[0] != "XJ26000101" {
		t.Errorf("used-up range: asked %v, free %v; want only the second range read", asked, free)
	}
}

func TestCheckSpoil(t *testing.T) {
	tests := []struct {
		serial, reason string
		fields         []string
	}{
		{"XJ26000001", " 打印卡纸 ", nil},
		{"XJ26000001", "", []string{"reason"}},
		{"26000001", strings.Repeat("长", 201), []string{"reason", "serial"}},
	}
	for _, tt := range tests {
		s, reason, err := CheckSpoil(tt.serial, tt.reason)
		var got []string
		for f := range problem.As(err).Fields {
			got = append(got, f)
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.fields) {
			t.Errorf("CheckSpoil(%q, %q) refused %v, want %v", tt.serial, tt.reason, got, tt.fields)
		}
		if err == nil && (s.String() != tt.serial || reason != strings.TrimSpace(tt.reason)) {
			t.Errorf("CheckSpoil(%q, %q) = %s %q", tt.serial, tt.reason, s, reason)
		}
	}
}

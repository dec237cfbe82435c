package calendar

import (
	"strings"
	"testing"

	"handover/internal/problem"
)

func builtin(t *testing.T) *Calendar {
	t.Helper()
	ns, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return New(ns)
}

func TestAddWorkdays(t *testing.T) {
	c := builtin(t)
	tests := []struct {
		start  string
		n      int
		region string
		want   string
	}{
		// docs/domain.md §6 and the research's worked deadlines.
		{"2025-03-27", 5, "", "2025-04-03"},
		{"2025-03-27", 5, "650000", "2025-04-07"},
		{"2025-03-27", 5, "652301", "2025-04-07"}, // a county code means its province
		{"2025-06-04", 5, "", "2025-06-11"},
		{"2025-06-04", 5, "650000", "2025-06-16"},
		{"2025-09-26", 5, "", "2025-10-10"}, // Sunday 09-28 is a make-up working day
		{"2025-09-26", 5, "650000", "2025-10-10"},
		{"2026-02-12", 5, "", "2026-02-26"}, // Saturday 02-14 is a make-up working day
		{"2025-01-24", 1, "", "2025-01-26"}, // Friday + 1 → Sunday 01-26, a make-up working day
		{"2025-10-10", 1, "", "2025-10-11"}, // Saturday 10-11 is a make-up working day
		{"2025-03-27", 0, "", "2025-03-27"},
		{"2026-11-27", 20, "", "2026-12-25"},
		{"2025-01-01", 248, "", "2025-12-31"}, // 2025 has 248 national working days
		{"2025-01-01", 244, "650000", "2025-12-31"},
		{"2025-04-03", 1, "110000", "2025-04-07"}, // a province with no regional notices: national
	}
	for _, tt := range tests {
		dl, err := c.AddWorkdays(MustDate(tt.start), tt.n, tt.region)
		if err != nil {
			t.Errorf("AddWorkdays(%s, %d, %q) error = %v", tt.start, tt.n, tt.region, err)
			continue
		}
		if got := dl.Due.String(); got != tt.want {
			t.Errorf("AddWorkdays(%s, %d, %q) = %s, want %s", tt.start, tt.n, tt.region, got, tt.want)
		}
	}
}

func TestNewYearMakeUpDay(t *testing.T) {
	c := builtin(t)
	// 2026-01-04 is a Sunday and a make-up working day after 元旦 01-01…01-03.
	dl, err := c.AddWorkdays(MustDate("2025-12-31"), 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dl.Due.String(), "2026-01-04"; got != want {
		t.Errorf("AddWorkdays(2025-12-31, 1) = %s, want %s (the Sunday make-up day)", got, want)
	}
}

func TestMissingYear(t *testing.T) {
	c := builtin(t)
	_, err := c.AddWorkdays(MustDate("2027-12-20"), 20, "")
	if got := problem.CodeOf(err); got != "calendar.year_not_loaded" {
		t.Errorf("AddWorkdays into 2028 error = %v, want calendar.year_not_loaded", err)
	}
	if _, _, err := c.Day(MustDate("1999-05-01"), ""); problem.CodeOf(err) != "calendar.year_not_loaded" {
		t.Errorf("Day(1999-05-01) error = %v, want calendar.year_not_loaded", err)
	}
}

func TestRegionalYearMissingWarns(t *testing.T) {
	c := builtin(t)
	dl, err := c.AddWorkdays(MustDate("2026-03-18"), 5, "650000")
	if err != nil {
		t.Fatal(err)
	}
	if len(dl.Warnings) != 1 || !strings.Contains(dl.Warnings[0], "新疆维吾尔自治区2026年") {
		t.Errorf("warnings = %q, want one saying 新疆's 2026 arrangement is missing", dl.Warnings)
	}
	if got, want := dl.Due.String(), "2026-03-25"; got != want {
		t.Errorf("due = %s, want %s (national)", got, want)
	}
	// Loading the 2026 regional notice changes the same deadline: it is recomputed, not stored.
	n, err := ParseNotice("范围 650000 新疆维吾尔自治区\n年度 2026\n标题 测试\n休 2026-03-20 至 2026-03-22 肉孜节\n")
	if err != nil {
		t.Fatal(err)
	}
	ns, _ := Builtin()
	c2 := New(append(ns, n))
	dl2, err := c2.AddWorkdays(MustDate("2026-03-18"), 5, "650000")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dl2.Due.String(), "2026-03-26"; got != want || len(dl2.Warnings) != 0 {
		t.Errorf("after loading 2026 regional notice: due = %s warnings %q, want %s and none", got, dl2.Warnings, want)
	}
}

func TestBadInput(t *testing.T) {
	c := builtin(t)
	for _, tt := range []struct {
		n      int
		region string
		code   string
	}{
		{-1, "", "calendar.workdays"},
		{5, "65", "calendar.region"},
		{5, "992301", "calendar.region"},
	} {
		if _, err := c.AddWorkdays(MustDate("2025-03-27"), tt.n, tt.region); problem.CodeOf(err) != tt.code {
			t.Errorf("AddWorkdays(n=%d, region=%q) error = %v, want %s", tt.n, tt.region, err, tt.code)
		}
	}
}

// The national data of lunar-go must agree with the State Council notices as
// docs/domain.md §6 lists them.
func TestLunarMatchesNotices(t *testing.T) {
	c := builtin(t)
	for year, want := range map[int]struct{ off, work []string }{
		2025: {
			off:  []string{"01-01", "01-28..02-04", "04-04..04-06", "05-01..05-05", "05-31..06-02", "10-01..10-08"},
			work: []string{"01-26", "02-08", "04-27", "09-28", "10-11"},
		},
		2026: {
			off:  []string{"01-01..01-03", "02-15..02-23", "04-04..04-06", "05-01..05-05", "06-19..06-21", "09-25..09-27", "10-01..10-07"},
			work: []string{"01-04", "02-14", "02-28", "05-09", "09-20", "10-10"},
		},
	} {
		offs, works := map[Date]bool{}, map[Date]bool{}
		expand := func(spec string, into map[Date]bool) {
			from, to, ok := strings.Cut(spec, "..")
			if !ok {
				to = from
			}
			for d := MustDate(itoa(year) + "-" + from); !d.After(MustDate(itoa(year) + "-" + to)); d = d.AddDays(1) {
				into[d] = true
			}
		}
		for _, s := range want.off {
			expand(s, offs)
		}
		for _, s := range want.work {
			expand(s, works)
		}
		for d := NewDate(year, 1, 1); d.Year() == year; d = d.AddDays(1) {
			info, _, err := c.Day(d, "")
			if err != nil {
				t.Fatal(err)
			}
			wantWork := (!d.Weekend() && !offs[d]) || works[d]
			if info.Workday != wantWork {
				t.Errorf("%s workday = %v, want %v", d, info.Workday, wantWork)
			}
		}
	}
}

func itoa(y int) string { return NewDate(y, 1, 1).String()[:4] }

func TestWorkdaysBetween(t *testing.T) {
	c := builtin(t)
	tests := []struct {
		from, to, region string
		want             int
	}{
		{"2025-03-27", "2025-04-03", "", 5},
		{"2025-03-27", "2025-04-07", "650000", 5},
		{"2025-04-03", "2025-03-27", "", -5},
		{"2025-03-27", "2025-03-27", "", 0},
	}
	for _, tt := range tests {
		got, _, err := c.WorkdaysBetween(MustDate(tt.from), MustDate(tt.to), tt.region)
		if err != nil || got != tt.want {
			t.Errorf("WorkdaysBetween(%s, %s, %q) = %d, %v; want %d", tt.from, tt.to, tt.region, got, err, tt.want)
		}
	}
}

func TestParseNotice(t *testing.T) {
	good := "\ufeff# 注释\n范围：650000 新疆维吾尔自治区\n年度 2025\ntitle 标题\n来源 文号\n休 2025-03-29 至 2025-03-31 肉孜节\noff 2025-06-06 古尔邦节\n班 2025-04-27 调休上班\n"
	n, err := ParseNotice(good)
	if err != nil {
		t.Fatalf("ParseNotice(good) error = %v", err)
	}
	if n.Scope != "650000" || n.ScopeName != "新疆维吾尔自治区" || n.Year != 2025 || len(n.Rules) != 3 {
		t.Errorf("ParseNotice(good) = %+v", n)
	}
	back, err := ParseNotice(n.Format())
	if err != nil || back.Format() != n.Format() {
		t.Errorf("Format round trip: %v\n%s\nvs\n%s", err, back.Format(), n.Format())
	}
	bad := []struct{ text, field string }{
		{"范围 650000\n年度 2025\n标题 t\n休 2025-02-30 x\n", "line 4"},
		{"范围 650000\n年度 2025\n标题 t\n放风 2025-02-03 x\n", "line 4"},
		{"范围 650000\n年度 2025\n标题 t\n休 2024-12-31 x\n", "rules[0]"},
		{"范围 650000\n年度 2025\n标题 t\n班 2025-04-28 x\n", "rules[0]"}, // a Monday
		{"范围 650000\n年度 2025\n标题 t\n休 2025-04-28 至 2025-04-20 x\n", "rules[0]"},
		{"范围 652301\n年度 2025\n标题 t\n休 2025-04-28 x\n", "scope"},
		{"范围 650000\n年度 2025\n标题 t\n", "rules"},
		{"范围 650000\n年度 20x5\n标题 t\n休 2025-04-28 x\n", "line 2"},
		{"范围 650000\n年度 2025\n标题 t\n标题 u\n休 2025-04-28 x\n", "line 4"},
		{"范围 650000\n年度 2025\n标题 t\n休 2025-04-28\n", "rules[0].name"},
	}
	for _, tt := range bad {
		_, err := ParseNotice(tt.text)
		e := problem.As(err)
		if err == nil || e.Kind != problem.Invalid || e.Fields[tt.field] == "" {
			t.Errorf("ParseNotice(%q) error = %v, want a message on %q", tt.text, err, tt.field)
		}
	}
}

func FuzzParseNotice(f *testing.F) {
	f.Add("范围 650000 新疆\n年度 2025\n标题 t\n休 2025-03-29 至 2025-03-31 肉孜节\n")
	f.Add("年度：2025\n班 2025-04-27 x")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNotice(s)
		if err != nil {
			return
		}
		if err := n.Validate(); err != nil {
			t.Fatalf("accepted an invalid notice: %v", err)
		}
		back, err := ParseNotice(n.Format())
		if err != nil {
			t.Fatalf("Format of an accepted notice does not parse: %v\n%s", err, n.Format())
		}
		if len(back.Rules) != len(n.Rules) || back.Year != n.Year || back.Scope != n.Scope {
			t.Fatalf("round trip changed the notice: %+v vs %+v", back, n)
		}
	})
}

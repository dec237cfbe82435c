package calendar

import (
	"fmt"
	"strconv"
	"strings"

	"handover/internal/problem"
)

// National is the scope of the State Council's arrangements.
const National = "000000"

// Rule is one line of a holiday notice: a run of rest days, or a make-up
// working day (调休上班) that falls on a weekend.
type Rule struct {
	From, To Date
	Off      bool   // true: rest days; false: make-up working days
	Name     string // e.g. 春节, 肉孜节
}

// Notice is one year's arrangement for one scope: the State Council's for
// the whole country, or a province's regional festivals (e.g. 新疆's 肉孜节
// and 古尔邦节). A newer notice for the same scope and year replaces the
// older one entirely.
type Notice struct {
	Scope     string // National, or a province code such as 650000
	ScopeName string
	Year      int
	Title     string
	Source    string
	Rules     []Rule
}

// Validate checks a notice before it is loaded: a real scope, every date in
// the notice's year, ranges in order, make-up working days only on weekends.
func (n Notice) Validate() error {
	var f problem.Fields
	if n.Scope != National && !validProvince(n.Scope) {
		f.Add("scope", "范围应为000000（全国）或省级行政区划代码，如650000")
	}
	if n.Year < 2000 || n.Year > 2100 {
		f.Add("year", "年度应在2000–2100之间")
	}
	if strings.TrimSpace(n.Title) == "" {
		f.Add("title", "请填写通知标题")
	}
	if len(n.Rules) == 0 {
		f.Add("rules", "通知中没有任何放假或调休安排")
	}
	for i, r := range n.Rules {
		key := fmt.Sprintf("rules[%d]", i)
		switch {
		case r.From.IsZero() || r.To.IsZero():
			f.Add(key, "日期缺失")
		case r.To.Before(r.From):
			f.Add(key, fmt.Sprintf("结束日期%s早于开始日期%s", r.To, r.From))
		case r.From.Year() != n.Year || r.To.Year() != n.Year:
			f.Add(key, fmt.Sprintf("日期%s–%s不在%d年内", r.From, r.To, n.Year))
		case r.From.DaysUntil(r.To) > 31:
			f.Add(key, "一段假期不应超过31天")
		case !r.Off:
			for d := r.From; !d.After(r.To); d = d.AddDays(1) {
				if !d.Weekend() {
					f.Add(key, fmt.Sprintf("调休上班日%s不是周末", d))
					break
				}
			}
		}
		if strings.TrimSpace(r.Name) == "" {
			f.Add(key+".name", "请注明节日名称")
		}
	}
	return f.Err("calendar.notice.invalid", "节假日通知内容有误")
}

func validProvince(s string) bool {
	if len(s) != 6 || !strings.HasSuffix(s, "0000") {
		return false
	}
	_, err := strconv.Atoi(s)
	return err == nil && s[0] >= '1' && s[0] <= '8'
}

// Keys of the notice text format, English or Chinese.
var noticeKeys = map[string]string{
	"scope": "scope", "范围": "scope",
	"year": "year", "年度": "year",
	"title": "title", "标题": "title",
	"source": "source", "来源": "source",
	"off": "off", "休": "off", "放假": "off",
	"work": "work", "班": "work", "上班": "work",
}

// ParseNotice reads a notice in the platform's text format, one item a line:
//
//	# 注释
//	范围 650000 新疆维吾尔自治区
//	年度 2025
//	标题 新疆维吾尔自治区2025年肉孜节、古尔邦节放假安排
//	来源 自治区人民政府办公厅通知
//	休 2025-03-29 至 2025-03-31 肉孜节
//	班 2025-04-27 调休上班
//
// A key may be followed by a colon (: or ：). Every bad line is reported.
func ParseNotice(text string) (Notice, error) {
	var n Notice
	var f problem.Fields
	seen := map[string]bool{}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("line %d", i+1)
		head, rest, _ := strings.Cut(line, " ")
		head = strings.TrimRight(head, ":：")
		if k, r, ok := strings.Cut(head, "："); ok { // "年度：2025" without a space
			head, rest = k, r+" "+rest
		} else if k, r, ok := strings.Cut(head, ":"); ok {
			head, rest = k, r+" "+rest
		}
		key, ok := noticeKeys[head]
		if !ok {
			f.Add(where, fmt.Sprintf("第%d行：不认识的项目%q", i+1, head))
			continue
		}
		rest = strings.TrimSpace(rest)
		if (key == "scope" || key == "year" || key == "title" || key == "source") && seen[key] {
			f.Add(where, fmt.Sprintf("第%d行：%s重复", i+1, head))
			continue
		}
		seen[key] = true
		switch key {
		case "scope":
			code, name, _ := strings.Cut(rest, " ")
			n.Scope, n.ScopeName = code, strings.TrimSpace(name)
		case "year":
			y, err := strconv.Atoi(rest)
			if err != nil {
				f.Add(where, fmt.Sprintf("第%d行：年度%q不是数字", i+1, rest))
			}
			n.Year = y
		case "title":
			n.Title = rest
		case "source":
			n.Source = rest
		case "off", "work":
			r, err := parseRule(rest, key == "off")
			if err != nil {
				f.Add(where, fmt.Sprintf("第%d行：%v", i+1, err))
				continue
			}
			n.Rules = append(n.Rules, r)
		}
	}
	if err := f.Err("calendar.notice.syntax", "节假日通知格式有误"); err != nil {
		return Notice{}, err
	}
	if n.Scope == National && n.ScopeName == "" {
		n.ScopeName = "全国"
	}
	if err := n.Validate(); err != nil {
		return Notice{}, err
	}
	return n, nil
}

func parseRule(s string, off bool) (Rule, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return Rule{}, fmt.Errorf("缺少日期")
	}
	from, err := ParseDate(fields[0])
	if err != nil {
		return Rule{}, fmt.Errorf("日期%q格式应为YYYY-MM-DD", fields[0])
	}
	r := Rule{From: from, To: from, Off: off}
	fields = fields[1:]
	if len(fields) > 0 && (fields[0] == "至" || fields[0] == "-" || fields[0] == "~") {
		fields = fields[1:]
		if len(fields) == 0 {
			return Rule{}, fmt.Errorf("“至”后缺少结束日期")
		}
		to, err := ParseDate(fields[0])
		if err != nil {
			return Rule{}, fmt.Errorf("结束日期%q格式应为YYYY-MM-DD", fields[0])
		}
		r.To, fields = to, fields[1:]
	}
	r.Name = strings.Join(fields, " ")
	return r, nil
}

// Format writes the notice in the text format ParseNotice reads.
func (n Notice) Format() string {
	var b strings.Builder
	fmt.Fprintf(&b, "范围 %s %s\n年度 %d\n标题 %s\n", n.Scope, n.ScopeName, n.Year, n.Title)
	if n.Source != "" {
		fmt.Fprintf(&b, "来源 %s\n", n.Source)
	}
	for _, r := range n.Rules {
		key := "班"
		if r.Off {
			key = "休"
		}
		if r.From == r.To {
			fmt.Fprintf(&b, "%s %s %s\n", key, r.From, r.Name)
		} else {
			fmt.Fprintf(&b, "%s %s 至 %s %s\n", key, r.From, r.To, r.Name)
		}
	}
	return b.String()
}

// Package calendar counts working days (工作日) as Chinese law counts them:
// the start day does not count (民法典 第201条), weekends and statutory
// holidays are skipped, and make-up working days (调休上班) on weekends count.
// Holidays are data: the State Council's yearly arrangement for the whole
// country, plus regional festivals (e.g. 新疆's 肉孜节 and 古尔邦节) that apply
// in one province. A date in a year whose national arrangement is not loaded
// is an error, never a weekday-only guess.
package calendar

import (
	"context"
	"fmt"
	"sort"
	"sync/atomic"

	"handover/internal/problem"
)

// Calendar answers working-day questions for a region. It is immutable once
// built; reload by building a new one.
type Calendar struct {
	national  map[int]Notice
	regional  map[string]map[int]Notice // province → year → notice
	days      map[string]map[Date]Rule  // scope → date → rule
	provNames map[string]string
}

// New builds a calendar from notices in load order: for each scope and year
// the last notice wins.
func New(notices []Notice) *Calendar {
	c := &Calendar{
		national:  map[int]Notice{},
		regional:  map[string]map[int]Notice{},
		days:      map[string]map[Date]Rule{},
		provNames: map[string]string{},
	}
	for _, n := range notices {
		if n.Scope == National {
			c.national[n.Year] = n
			continue
		}
		if c.regional[n.Scope] == nil {
			c.regional[n.Scope] = map[int]Notice{}
		}
		c.regional[n.Scope][n.Year] = n
		if n.ScopeName != "" {
			c.provNames[n.Scope] = n.ScopeName
		}
	}
	add := func(scope string, n Notice) {
		if c.days[scope] == nil {
			c.days[scope] = map[Date]Rule{}
		}
		for _, r := range n.Rules {
			for d := r.From; !d.After(r.To); d = d.AddDays(1) {
				c.days[scope][d] = r
			}
		}
	}
	for _, n := range c.national {
		add(National, n)
	}
	for scope, years := range c.regional {
		for _, n := range years {
			add(scope, n)
		}
	}
	return c
}

// Notices returns the notices in force, national first, by scope and year.
func (c *Calendar) Notices() []Notice {
	var out []Notice
	for _, n := range c.national {
		out = append(out, n)
	}
	for _, years := range c.regional {
		for _, n := range years {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Scope != out[j].Scope {
			return out[i].Scope < out[j].Scope
		}
		return out[i].Year < out[j].Year
	})
	return out
}

// DayInfo describes one date for a region.
type DayInfo struct {
	Date    Date   `json:"date"`
	Workday bool   `json:"workday"`
	Name    string `json:"name,omitempty"` // the holiday or make-up day, if any
	Scope   string `json:"scope,omitempty"`
}

// scopeOf maps a region code to the province whose notices apply ("" or
// National for the national calendar alone).
func scopeOf(region string) (string, error) {
	if region == "" || region == National {
		return "", nil
	}
	if len(region) != 6 {
		return "", problem.Newf(problem.Invalid, "calendar.region", "地区代码%q应为6位行政区划代码", region)
	}
	p := region[:2] + "0000"
	if !validProvince(p) {
		return "", problem.Newf(problem.Invalid, "calendar.region", "地区代码%q不是有效的行政区划代码", region)
	}
	return p, nil
}

// Day tells whether d is a working day in region ("" for national).
// warnings name regional arrangements that are missing for d's year.
func (c *Calendar) Day(d Date, region string) (DayInfo, []string, error) {
	scope, err := scopeOf(region)
	if err != nil {
		return DayInfo{}, nil, err
	}
	if _, ok := c.national[d.Year()]; !ok {
		return DayInfo{}, nil, problem.Newf(problem.Refused, "calendar.year_not_loaded",
			"%d年的全国节假日安排尚未载入，无法计算工作日；请系统管理员载入国务院办公厅放假通知", d.Year())
	}
	var warnings []string
	info := DayInfo{Date: d, Workday: !d.Weekend()}
	if r, ok := c.days[National][d]; ok {
		info.Workday, info.Name, info.Scope = !r.Off, r.Name, National
	}
	if scope != "" {
		if years, ok := c.regional[scope]; ok {
			if _, ok := years[d.Year()]; !ok {
				warnings = append(warnings, fmt.Sprintf("%s%d年的地方节假日安排尚未载入，按全国安排计算", c.provinceName(scope), d.Year()))
			}
		}
		if r, ok := c.days[scope][d]; ok {
			info.Workday, info.Name, info.Scope = !r.Off, r.Name, scope
		}
	}
	return info, warnings, nil
}

func (c *Calendar) provinceName(scope string) string {
	if n := c.provNames[scope]; n != "" {
		return n
	}
	return scope
}

// Deadline is the result of counting working days from a start date.
type Deadline struct {
	Start    Date      `json:"start"`
	Workdays int       `json:"workdays"`
	Region   string    `json:"region,omitempty"`
	Due      Date      `json:"due"`
	Skipped  []DayInfo `json:"skipped,omitempty"` // holidays and weekends passed over
	Warnings []string  `json:"warnings,omitempty"`
}

// AddWorkdays returns the date that is n working days after start in region:
// the start day does not count, so n = 1 is the next working day. n must be
// between 0 and 3660.
func (c *Calendar) AddWorkdays(start Date, n int, region string) (Deadline, error) {
	if n < 0 || n > 3660 {
		return Deadline{}, problem.Newf(problem.Invalid, "calendar.workdays", "工作日数应在0–3660之间，实为%d", n)
	}
	if start.IsZero() {
		return Deadline{}, problem.New(problem.Invalid, "calendar.start", "缺少起算日期")
	}
	dl := Deadline{Start: start, Workdays: n, Region: region, Due: start}
	warned := map[string]bool{}
	for left := n; left > 0; {
		dl.Due = dl.Due.AddDays(1)
		info, warnings, err := c.Day(dl.Due, region)
		if err != nil {
			return Deadline{}, err
		}
		for _, w := range warnings {
			if !warned[w] {
				warned[w] = true
				dl.Warnings = append(dl.Warnings, w)
			}
		}
		if info.Workday {
			left--
		} else {
			dl.Skipped = append(dl.Skipped, info)
		}
	}
	return dl, nil
}

// WorkdaysBetween counts the working days after from up to and including
// to; it is negative when to is before from (the days overdue).
func (c *Calendar) WorkdaysBetween(from, to Date, region string) (int, []string, error) {
	sign := 1
	if to.Before(from) {
		from, to, sign = to, from, -1
	}
	if from.DaysUntil(to) > 3660*2 {
		return 0, nil, problem.New(problem.Invalid, "calendar.range", "日期区间过长")
	}
	n := 0
	var warnings []string
	warned := map[string]bool{}
	for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
		info, ws, err := c.Day(d, region)
		if err != nil {
			return 0, nil, err
		}
		for _, w := range ws {
			if !warned[w] {
				warned[w] = true
				warnings = append(warnings, w)
			}
		}
		if info.Workday {
			n++
		}
	}
	return sign * n, warnings, nil
}

// Years lists the years loaded for a scope (National or a province code).
func (c *Calendar) Years(scope string) []int {
	var m map[int]Notice
	if scope == National {
		m = c.national
	} else {
		m = c.regional[scope]
	}
	var out []int
	for y := range m {
		out = append(out, y)
	}
	sort.Ints(out)
	return out
}

// Source holds the calendar in force and rebuilds it on demand, e.g. after
// an administrator loads a notice. It is safe for concurrent use.
type Source struct {
	cur  atomic.Pointer[Calendar]
	load func(context.Context) (*Calendar, error)
}

// NewSource loads the calendar once through load and keeps load for Reload.
func NewSource(ctx context.Context, load func(context.Context) (*Calendar, error)) (*Source, error) {
	s := &Source{load: load}
	return s, s.Reload(ctx)
}

// Get returns the calendar in force.
func (s *Source) Get() *Calendar { return s.cur.Load() }

// Reload rebuilds the calendar; on error the previous one stays in force.
func (s *Source) Reload(ctx context.Context) error {
	c, err := s.load(ctx)
	if err != nil {
		return err
	}
	s.cur.Store(c)
	return nil
}

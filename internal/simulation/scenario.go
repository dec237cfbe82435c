// Package simulation plays a prefecture's year of new-flat handovers
// through the real store and the real domain rules, with the clock moved
// through the working days of the real calendar, to prove the reform's
// promise before it is made: how many buyers get the certificate with the
// keys when departments are late, buyers pay late and courts seal flats,
// and whether every miss was warned of in time by the alerts.
//
// Every actor is a policy with rates set in a scenario (JSON, see
// scenarios/*.json); the actors act through the same store methods the
// pages and the API call, the nightly rehearsal and the alert evaluation
// run as the server's worker runs them, and the report reads the outcome
// back from the register and the alerts.
package simulation

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"handover/internal/identity"
	"handover/internal/problem"
)

// Span is a range of working days, both ends included: [from, to].
type Span [2]int

// UnmarshalJSON reads exactly two whole numbers.
func (s *Span) UnmarshalJSON(b []byte) error {
	var v []int
	if err := json.Unmarshal(b, &v); err != nil || len(v) != 2 {
		return fmt.Errorf("应为两个整数 [起, 止]，实为 %s", b)
	}
	*s = Span{v[0], v[1]}
	return nil
}

// draw is a working-day count in the span.
func (s Span) draw(r *rand.Rand) int {
	if s[1] <= s[0] {
		return s[0]
	}
	return s[0] + r.IntN(s[1]-s[0]+1)
}

// MaxSpan bounds every span of working days a scenario sets: the year
// played is long enough for the longest chain of them (world.setup).
const MaxSpan = 60

// Department is how one acceptance department answers a joint acceptance.
type Department struct {
	// Late is the share of cases it answers after its time limit, by
	// LateBy working days past the limit.
	Late   float64 `json:"late_share"`
	LateBy Span    `json:"late_days"`
	// FailFirst is the share of cases it refuses at the first inspection;
	// the developer rectifies in Rectify working days and asks for the
	// re-inspection (复验), which it passes within its limit.
	FailFirst float64 `json:"fail_first_share"`
	Rectify   Span    `json:"rectify_days"`
	// AfterAlert: told by an alert that its opinion is overdue, it answers
	// within this many working days (0, 0: it does not react).
	AfterAlert Span `json:"answer_after_alert_days"`
}

// Scenario is a set of actor policies: the rates a simulated year runs
// with. Each section says where its figures come from (Basis), or that
// they are assumed.
type Scenario struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Departments struct {
		Default Department            `json:"default"`
		Only    map[string]Department `json:"by_department"` // by service code, instead of Default
		Basis   string                `json:"basis"`
	} `json:"departments"`
	Survey struct {
		// Returned is the share of building surveys the housing bureau
		// returns once; the surveyor resubmits in Fix working days.
		Returned float64 `json:"return_share"`
		Fix      Span    `json:"fix_days"`
		Basis    string  `json:"basis"`
	} `json:"survey"`
	DeedTax struct {
		// OnTime: the working days after the assessment a buyer pays in.
		OnTime Span `json:"pay_days"`
		// Late is the share of buyers who pay LateBy working days after it.
		Late   float64 `json:"late_share"`
		LateBy Span    `json:"late_days"`
		// AfterAlert: named by the rehearsal's alert, a late buyer is
		// reached and pays within this many working days (0, 0: never
		// before their own day).
		AfterAlert Span   `json:"pay_after_alert_days"`
		Basis      string `json:"basis"`
	} `json:"deed_tax"`
	Seals struct {
		// PerThousand flats sold are sealed by a court for the buyer's
		// debts, on a day from the sale to shortly after the handover.
		PerThousand float64 `json:"per_thousand"`
		Basis       string  `json:"basis"`
	} `json:"seals"`
	Maintenance struct {
		// Forget is the share of developers who leave the maintenance
		// fund of Flats of their flats unpaid at the accounting; they pay
		// within AfterAlert working days of being named by an alert, or
		// else Later working days after the handover.
		Forget     float64 `json:"forget_share"`
		Flats      float64 `json:"flats_share"`
		AfterAlert Span    `json:"pay_after_alert_days"`
		Later      Span    `json:"pay_after_handover_days"`
		Basis      string  `json:"basis"`
	} `json:"maintenance"`
	Outage struct {
		// Days: the tax bureau's payment interface is down this many
		// working days once in the year; payments made meanwhile reach the
		// platform on the day it is back.
		Days  int    `json:"days"`
		Basis string `json:"basis"`
	} `json:"tax_interface_outage"`
}

// Department returns the policy of one acceptance department.
func (s *Scenario) Department(code string) Department {
	if d, ok := s.Departments.Only[code]; ok {
		return d
	}
	return s.Departments.Default
}

//go:embed scenarios/*.json
var shipped embed.FS

// Shipped lists the scenarios that ship with the platform.
func Shipped() []string {
	entries, _ := shipped.ReadDir("scenarios")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".json"))
	}
	return out
}

// Load reads a shipped scenario by name ("on-time", "realistic") or a
// scenario file by path.
func Load(nameOrPath string) (*Scenario, error) {
	if slices.Contains(Shipped(), nameOrPath) {
		b, err := shipped.ReadFile("scenarios/" + nameOrPath + ".json")
		if err != nil {
			return nil, err
		}
		return Parse(bytes.NewReader(b))
	}
	f, err := os.Open(nameOrPath)
	if os.IsNotExist(err) {
		return nil, problem.Newf(problem.Invalid, "simulation.scenario", "找不到情景“%s”：可用 %s，或情景文件的路径", nameOrPath, strings.Join(Shipped(), "、"))
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f)
}

// Parse reads a scenario: strict JSON (an unknown or misspelt field is an
// error), every rate a share between 0 and 1, every span of working days
// ordered and within a year, every section's basis stated.
func Parse(r io.Reader) (*Scenario, error) {
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.DisallowUnknownFields()
	var s Scenario
	if err := dec.Decode(&s); err != nil {
		return nil, problem.Newf(problem.Invalid, "simulation.scenario", "情景文件不是有效的 JSON 或含未知字段：%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, problem.New(problem.Invalid, "simulation.scenario", "情景文件在 JSON 之后还有内容")
	}
	return &s, s.Validate()
}

// Validate checks the scenario field by field.
func (s *Scenario) Validate() error {
	var f problem.Fields
	share := func(field string, v float64) {
		if !(v >= 0 && v <= 1) {
			f.Add(field, "应为0至1之间的比例")
		}
	}
	span := func(field string, v Span) {
		if v[0] < 0 || v[1] < v[0] || v[1] > MaxSpan {
			f.Add(field, fmt.Sprintf("应为[起,止]个工作日，0 ≤ 起 ≤ 止 ≤ %d", MaxSpan))
		}
	}
	basis := func(field, v string) {
		if strings.TrimSpace(v) == "" {
			f.Add(field, "请写明数据来源，或注明为假设")
		}
	}
	if strings.TrimSpace(s.Name) == "" {
		f.Add("name", "请填写情景名称")
	}
	depts := map[string]Department{"default": s.Departments.Default}
	for code, d := range s.Departments.Only {
		if !slices.Contains(identity.Services[identity.Acceptance], code) {
			f.Add("departments.by_department."+code, "不是联合验收的部门")
		}
		depts["by_department."+code] = d
	}
	for name, d := range depts {
		p := "departments." + name + "."
		share(p+"late_share", d.Late)
		span(p+"late_days", d.LateBy)
		share(p+"fail_first_share", d.FailFirst)
		span(p+"rectify_days", d.Rectify)
		span(p+"answer_after_alert_days", d.AfterAlert)
		if d.Late > 0 && d.LateBy[1] == 0 {
			f.Add(p+"late_days", "有逾期比例时应给出逾期的工作日数")
		}
	}
	basis("departments.basis", s.Departments.Basis)
	share("survey.return_share", s.Survey.Returned)
	span("survey.fix_days", s.Survey.Fix)
	basis("survey.basis", s.Survey.Basis)
	span("deed_tax.pay_days", s.DeedTax.OnTime)
	share("deed_tax.late_share", s.DeedTax.Late)
	span("deed_tax.late_days", s.DeedTax.LateBy)
	span("deed_tax.pay_after_alert_days", s.DeedTax.AfterAlert)
	basis("deed_tax.basis", s.DeedTax.Basis)
	if !(s.Seals.PerThousand >= 0 && s.Seals.PerThousand <= 1000) {
		f.Add("seals.per_thousand", "应为0至1000之间")
	}
	basis("seals.basis", s.Seals.Basis)
	share("maintenance.forget_share", s.Maintenance.Forget)
	share("maintenance.flats_share", s.Maintenance.Flats)
	span("maintenance.pay_after_alert_days", s.Maintenance.AfterAlert)
	span("maintenance.pay_after_handover_days", s.Maintenance.Later)
	basis("maintenance.basis", s.Maintenance.Basis)
	if s.Outage.Days < 0 || s.Outage.Days > 60 {
		f.Add("tax_interface_outage.days", "应为0至60个工作日")
	}
	basis("tax_interface_outage.basis", s.Outage.Basis)
	return f.Err("simulation.scenario", fmt.Sprintf("情景“%s”有误", s.Name))
}

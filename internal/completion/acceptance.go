package completion

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"handover/internal/calendar"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/problem"
)

// Settings of joint acceptance, per jurisdiction.
const (
	SettingDepartments = "acceptance.departments" // comma-separated department codes
	SettingDays        = "acceptance.days"        // working days each department has
	DefaultDays        = 5
)

// DefaultDepartments are the departments of 联合验收 (docs/domain.md §5.7):
// planning, land, fire, civil air defence, meteorology (lightning), archives.
func DefaultDepartments() []string { return slices.Clone(identity.Services[identity.Acceptance]) }

// ParseDepartments reads the departments setting ("" for the default).
func ParseDepartments(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultDepartments(), nil
	}
	var out []string
	for _, d := range strings.Split(s, ",") {
		d = strings.TrimSpace(d)
		if !slices.Contains(identity.Services[identity.Acceptance], d) {
			return nil, problem.Newf(problem.Invalid, "acceptance.departments", "未知的验收部门“%s”，可选：%s", d,
				strings.Join(identity.Services[identity.Acceptance], ","))
		}
		if slices.Contains(out, d) {
			return nil, problem.Newf(problem.Invalid, "acceptance.departments", "验收部门“%s”重复", d)
		}
		out = append(out, d)
	}
	return out, nil
}

// ParseDays reads the working days setting ("" for the default).
func ParseDays(s string) (int, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultDays, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 60 {
		return 0, problem.Newf(problem.Invalid, "acceptance.days", "验收时限应为1–60个工作日，实为“%s”", s)
	}
	return n, nil
}

// CaseState is where a joint acceptance stands.
type CaseState string

const (
	Inspecting CaseState = "inspecting" // the departments of the current round are inspecting
	Rejected   CaseState = "returned"   // a department refused: back to the developer to correct
	Passed     CaseState = "passed"     // every department passed: the unified opinion is issued
)

// Label is the state in Chinese.
func (s CaseState) Label() string {
	switch s {
	case Inspecting:
		return "验收中"
	case Rejected:
		return "退回整改"
	case Passed:
		return "已出具联合验收意见"
	}
	return string(s)
}

// Result is a department's opinion.
type Result string

const (
	Pending Result = ""     // not yet given
	Pass    Result = "pass" // 通过
	Fail    Result = "fail" // 不通过
)

// Label is the result in Chinese.
func (r Result) Label() string {
	switch r {
	case Pass:
		return "通过"
	case Fail:
		return "不通过"
	}
	return "待出具"
}

// Task is one department's inspection in one round.
type Task struct {
	ID          int64
	CaseID      int64
	Round       int
	Department  string // a service code of identity.Acceptance
	OrgID       int64  // the department's organisation in the jurisdiction
	OrgName     string
	StartedOn   calendar.Date
	DueOn       calendar.Date // StartedOn + the jurisdiction's working days
	Result      Result
	Reasons     string
	DecidedBy   int64
	DecidedAt   time.Time
	Attachments []Attachment
}

// Overdue reports whether the opinion is late on day today.
func (t Task) Overdue(today calendar.Date) bool { return t.Result == Pending && today.After(t.DueOn) }

// Attachment is a file recorded with an opinion (or other evidence).
type Attachment struct {
	ID          int64
	Name        string
	ContentType string
	Size        int64
	SM3         string
}

// Case is a developer's application for the joint acceptance of named
// buildings of a project, with every department's opinions by round.
type Case struct {
	ID           int64
	ProjectID    int64
	Jurisdiction string
	Buildings    []int64
	State        CaseState
	Round        int
	AppliedBy    int64
	AppliedAt    time.Time
	OpinionNo    string // 联合验收意见书编号, once passed
	OpinionAt    time.Time
	Tasks        []Task // every round's
}

// Latest returns each department's newest task.
func (c *Case) Latest() map[string]*Task {
	out := map[string]*Task{}
	for i := range c.Tasks {
		t := &c.Tasks[i]
		if cur, ok := out[t.Department]; !ok || t.Round > cur.Round {
			out[t.Department] = t
		}
	}
	return out
}

// Record records a department's opinion in the current round. A refusal
// needs reasons and returns the case to the developer; when every
// department's newest opinion is a pass, the case has passed (the caller
// issues the unified opinion).
func (c *Case) Record(department string, result Result, reasons string, by int64, now time.Time) (*Task, error) {
	return c.RecordAs(0, department, result, reasons, by, now)
}

// RecordAs is Record by a user of the organisation org: a department's
// opinion is given by the department's own organisation (the task's OrgID)
// only; org 0 is the platform itself, which may record for any department.
// The opinion's state and content are checked first, as Record does.
func (c *Case) RecordAs(org int64, department string, result Result, reasons string, by int64, now time.Time) (*Task, error) {
	if c.State == Passed {
		return nil, problem.New(problem.Conflict, "acceptance.state", "联合验收意见已出具，不能再记录部门意见")
	}
	t := c.Latest()[department]
	if t == nil || t.Round != c.Round {
		return nil, problem.New(problem.Conflict, "acceptance.not_in_round", "本轮验收不需要该部门出具意见")
	}
	if t.Result != Pending {
		return nil, problem.Newf(problem.Conflict, "acceptance.decided", "本轮意见已出具（%s）", t.Result.Label())
	}
	reasons = strings.TrimSpace(reasons)
	switch result {
	case Pass:
	case Fail:
		if reasons == "" {
			return nil, &problem.Error{Kind: problem.Invalid, Code: "acceptance.reasons", Message: "不通过须写明理由与整改要求",
				Fields: map[string]string{"reasons": "请填写不通过的理由"}}
		}
	default:
		return nil, &problem.Error{Kind: problem.Invalid, Code: "acceptance.result", Message: "请选择通过或不通过",
			Fields: map[string]string{"result": "请选择"}}
	}
	if org != 0 && org != t.OrgID {
		return nil, problem.New(problem.Forbidden, "access.denied", "只能由"+t.OrgName+"出具该意见")
	}
	t.Result, t.Reasons, t.DecidedBy, t.DecidedAt = result, reasons, by, now
	switch {
	case result == Fail:
		c.State = Rejected
	case c.allPassed():
		c.State = Passed
	}
	return t, nil
}

func (c *Case) allPassed() bool {
	for _, t := range c.Latest() {
		if t.Result != Pass {
			return false
		}
	}
	return true
}

// Reinspect opens the next round for the departments whose newest opinion
// is a refusal, once every department of the round has answered: only they
// inspect again (复验), each with a new time limit from start.
func (c *Case) Reinspect(start calendar.Date, due calendar.Date) ([]Task, error) {
	if c.State != Rejected {
		return nil, problem.Newf(problem.Conflict, "acceptance.state", "验收当前为“%s”，不需复验", c.State.Label())
	}
	var next []Task
	for _, t := range c.Latest() {
		if t.Round == c.Round && t.Result == Pending {
			return nil, problem.Newf(problem.Conflict, "acceptance.pending", "%s尚未出具本轮意见，请待其出具后再申请复验", t.OrgName)
		}
		if t.Result == Fail {
			next = append(next, Task{CaseID: c.ID, Round: c.Round + 1, Department: t.Department, OrgID: t.OrgID, OrgName: t.OrgName,
				StartedOn: start, DueOn: due})
		}
	}
	slices.SortFunc(next, func(a, b Task) int { return strings.Compare(a.Department, b.Department) })
	c.Round++
	c.State = Inspecting
	c.Tasks = append(c.Tasks, next...)
	return next, nil
}

// OpinionNumber formats the unified opinion's number: 652301LHYS20260001.
func OpinionNumber(jurisdiction string, year, seq int) string {
	return strings.ReplaceAll(jurisdiction, "-", "") + "LHYS" + strconv.Itoa(year) + leftPad(seq, 4)
}

func leftPad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// TaskDue is the due day of a department's task started on start: days
// working days later (the jurisdiction's acceptance.days) in the calendar
// region of the jurisdiction, in cal as it stands. Every round's tasks
// are given their time by it.
func TaskDue(cal *calendar.Calendar, start calendar.Date, days int, region string) (calendar.Date, error) {
	dl, err := cal.AddWorkdays(start, days, region)
	return dl.Due, err
}

// ApplicationFacts are what opening a joint acceptance looks at, read with
// the project locked.
type ApplicationFacts struct {
	ProjectID    int64
	Jurisdiction string
	Region       string                  // the jurisdiction's calendar region, for the time limit
	Buildings    []ledger.Building       // the project's buildings
	Surveyed     map[int64]bool          // buildings with an accepted completion survey
	InCase       map[int64]bool          // buildings already in a joint acceptance
	Departments  []string                // the departments the jurisdiction configures (acceptance.departments)
	Days         int                     // the working days each has (acceptance.days)
	Orgs         map[string]identity.Org // the jurisdiction's acceptance departments by service
}

// Open decides a developer's application for the joint acceptance of
// buildings of the project: at least one, each the project's, and
// CheckApplication's conditions. It returns the case in its first round,
// applied by user at now, with a task for every configured department
// due TaskDue working days from today.
func Open(f ApplicationFacts, buildings []int64, cal *calendar.Calendar, by int64, now time.Time) (Case, error) {
	if len(buildings) == 0 {
		return Case{}, &problem.Error{Kind: problem.Invalid, Code: "acceptance.buildings", Message: "请选择申请验收的幢", Fields: map[string]string{"buildings": "请至少选择一幢"}}
	}
	buildings = slices.Compact(slices.Sorted(slices.Values(buildings)))
	applied := make([]AppliedBuilding, 0, len(buildings))
	for _, id := range buildings {
		i := slices.IndexFunc(f.Buildings, func(b ledger.Building) bool { return b.ID == id })
		if i < 0 {
			return Case{}, problem.New(problem.Invalid, "acceptance.buildings", "所选的幢不属于本项目")
		}
		applied = append(applied, AppliedBuilding{Name: f.Buildings[i].Name, Surveyed: f.Surveyed[id], InCase: f.InCase[id]})
	}
	present := map[string]bool{}
	for d := range f.Orgs {
		present[d] = true
	}
	if err := CheckApplication(applied, f.Departments, present); err != nil {
		return Case{}, err
	}
	start := calendar.DateOf(now)
	due, err := TaskDue(cal, start, f.Days, f.Region)
	if err != nil {
		return Case{}, err
	}
	c := Case{ProjectID: f.ProjectID, Jurisdiction: f.Jurisdiction, Buildings: buildings, State: Inspecting, Round: 1, AppliedBy: by, AppliedAt: now}
	for _, d := range f.Departments {
		c.Tasks = append(c.Tasks, Task{Round: 1, Department: d, OrgID: f.Orgs[d].ID, OrgName: f.Orgs[d].Name, StartedOn: start, DueOn: due})
	}
	return c, nil
}

// Bases of the application's conditions.
const (
	basisAppSurvey     = "多测合一：测绘在联合验收之前完成，审核通过的成果是联合验收的依据"
	basisAppOne        = "联合验收统一受理：一幢一案，未通过的申请复验"
	basisAppDepartment = "联合验收部门配置（本辖区配置）"
)

// AppliedBuilding is what the application's check looks at for one building.
type AppliedBuilding struct {
	Name     string
	Surveyed bool // an accepted completion survey exists
	InCase   bool // the building is already in a joint acceptance
}

// CheckApplication lists every reason a joint acceptance of the buildings
// may not be opened: each needs its accepted survey and may be in one case
// only, and every configured department must exist in the jurisdiction
// (present names the services that have a department).
func CheckApplication(buildings []AppliedBuilding, departments []string, present map[string]bool) error {
	var r problem.Refusal
	for _, b := range buildings {
		if !b.Surveyed {
			r.Add(problem.Reason{Rule: "acceptance.survey", Subject: b.Name, Message: "竣工测绘成果尚未审核通过（多测合一成果是联合验收的依据）",
				Basis: basisAppSurvey, Fixer: "测绘单位与住建部门"})
		}
		if b.InCase {
			r.Add(problem.Reason{Rule: "acceptance.exists", Subject: b.Name, Message: "该幢已在联合验收中（未通过时请申请复验）",
				Basis: basisAppOne, Fixer: "开发企业"})
		}
	}
	for _, d := range departments {
		if !present[d] {
			r.Add(problem.Reason{Rule: "acceptance.department", Message: "本辖区未设置" + identity.ServiceLabel(d) + "验收部门",
				Basis: basisAppDepartment, Fixer: "系统管理员"})
		}
	}
	return r.Err("acceptance.refused", "不能申请联合验收")
}

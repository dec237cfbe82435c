package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/emmansun/gmsm/sm3"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/credit"
	"handover/internal/identity"
	"handover/internal/presale"
	"handover/internal/problem"
)

// File is an uploaded file to keep (an opinion's attachment, evidence).
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// MaxAttachment bounds one attached file (completion.CheckAttachment).
const MaxAttachment = completion.MaxAttachment

// attach stores files for a record, append-only, with their SM3, each
// checked by completion.CheckAttachment.
func (tx *Tx) attach(ctx context.Context, ownerType string, ownerID int64, files []File) error {
	for _, f := range files {
		name, err := completion.CheckAttachment(f.Name, len(f.Data))
		if err != nil {
			return err
		}
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		if _, err := tx.exec(ctx, `INSERT INTO attachments (owner_type, owner_id, name, content_type, size, sm3, content, uploaded_by, uploaded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, ownerType, ownerID, name, ct, len(f.Data), fmt.Sprintf("%x", sm3.Sum(f.Data)),
			f.Data, tx.actor.UserID, tx.now); err != nil {
			return err
		}
	}
	return nil
}

// Attachment returns one stored file with its owner.
func (db *DB) Attachment(ctx context.Context, id int64) (ownerType string, ownerID int64, a completion.Attachment, data []byte, err error) {
	err = db.r().QueryRowContext(ctx, `SELECT owner_type, owner_id, id, name, content_type, size, sm3, content FROM attachments WHERE id = $1`, id).
		Scan(&ownerType, &ownerID, &a.ID, &a.Name, &a.ContentType, &a.Size, &a.SM3, &data)
	return ownerType, ownerID, a, data, notFound(err, "attachment.not_found", "附件不存在")
}

// ---- joint acceptance (联合验收)

// acceptanceSettings reads the jurisdiction's departments and time limit.
func acceptanceSettings(ctx context.Context, q querier, jurisdiction string) ([]string, int, error) {
	ds, err := setting(ctx, q, jurisdiction, completion.SettingDepartments, "")
	if err != nil {
		return nil, 0, err
	}
	depts, err := completion.ParseDepartments(ds)
	if err != nil {
		return nil, 0, err
	}
	dd, err := setting(ctx, q, jurisdiction, completion.SettingDays, "")
	if err != nil {
		return nil, 0, err
	}
	days, err := completion.ParseDays(dd)
	return depts, days, err
}

// departmentOrgs finds the acceptance departments of a jurisdiction by service.
func departmentOrgs(ctx context.Context, q querier, jurisdiction string) (map[string]identity.Org, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE kind = 'acceptance' AND jurisdiction = $1 ORDER BY id`, jurisdiction)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]identity.Org{}
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		if _, dup := out[o.Service]; !dup {
			out[o.Service] = o
		}
	}
	return out, rows.Err()
}

// ApplyAcceptance opens a joint acceptance of named buildings of a project:
// each building needs its accepted survey and may be in one case only;
// every configured department of the jurisdiction gets a task due after
// the configured working days (counted with cal).
func (db *DB) ApplyAcceptance(ctx context.Context, actor audit.Actor, cal *calendar.Calendar, projectID int64, buildings []int64) (completion.Case, error) {
	var c completion.Case
	err := db.transact(ctx, actor, func(tx *Tx) error {
		f, err := db.applicationFacts(ctx, tx, projectID)
		if err != nil {
			return err
		}
		if c, err = completion.Open(f, buildings, cal, actor.UserID, tx.now); err != nil {
			return err
		}
		return tx.insertCase(ctx, &c)
	})
	return c, err
}

// applicationFacts locks the project and reads what completion.Open looks at.
func (db *DB) applicationFacts(ctx context.Context, tx *Tx, projectID int64) (completion.ApplicationFacts, error) {
	f := completion.ApplicationFacts{ProjectID: projectID, InCase: map[int64]bool{}}
	p, err := lockProject(ctx, tx, projectID)
	if err != nil {
		return f, err
	}
	if err := decide(ctx, access.AcceptanceApply, access.ProjectTarget(p)); err != nil {
		return f, err
	}
	f.Jurisdiction = p.Jurisdiction
	if f.Buildings, err = buildingsOf(ctx, tx.q(), projectID); err != nil {
		return f, err
	}
	if f.Surveyed, err = surveyedBuildings(ctx, tx.q(), projectID); err != nil {
		return f, err
	}
	inCase, err := int64s(ctx, tx.q(), `SELECT ab.building_id FROM acceptance_buildings ab JOIN buildings b ON b.id = ab.building_id
		WHERE b.project_id = $1`, projectID)
	if err != nil {
		return f, err
	}
	for _, b := range inCase {
		f.InCase[b] = true
	}
	if f.Departments, f.Days, err = acceptanceSettings(ctx, tx.q(), p.Jurisdiction); err != nil {
		return f, err
	}
	if f.Orgs, err = departmentOrgs(ctx, tx.q(), p.Jurisdiction); err != nil {
		return f, err
	}
	j, err := db.jurisdictionTx(ctx, tx, p.Jurisdiction)
	f.Region = j.Region
	return f, err
}

// insertCase writes a new joint acceptance with its buildings and its
// first round's tasks, and audits it.
func (tx *Tx) insertCase(ctx context.Context, c *completion.Case) error {
	var err error
	if c.ID, err = tx.insertID(ctx, `INSERT INTO acceptance_cases (project_id, jurisdiction, state, round, applied_by, applied_at)
		VALUES ($1, $2, 'inspecting', 1, $3, $4)`, c.ProjectID, c.Jurisdiction, c.AppliedBy, c.AppliedAt); err != nil {
		return err
	}
	for _, b := range c.Buildings {
		if _, err := tx.exec(ctx, `INSERT INTO acceptance_buildings (case_id, building_id) VALUES ($1, $2)`, c.ID, b); err != nil {
			return err
		}
	}
	var depts []string
	var due calendar.Date
	for i := range c.Tasks {
		c.Tasks[i].CaseID = c.ID
		if err := tx.insertTask(ctx, &c.Tasks[i]); err != nil {
			return err
		}
		depts, due = append(depts, c.Tasks[i].Department), c.Tasks[i].DueOn
	}
	tx.Audit("acceptance.apply", "acceptance", c.ID, map[string]any{"project": c.ProjectID, "buildings": c.Buildings, "departments": depts, "due": due})
	return nil
}

func (tx *Tx) insertTask(ctx context.Context, t *completion.Task) error {
	var err error
	t.ID, err = tx.insertID(ctx, `INSERT INTO acceptance_tasks (case_id, round, department, org_id, started_on, due_on) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.CaseID, t.Round, t.Department, t.OrgID, t.StartedOn.String(), t.DueOn.String())
	return err
}

const caseColumns = `id, project_id, jurisdiction, state, round, applied_by, applied_at, opinion_no, opinion_at`

func scanCase(r interface{ Scan(...any) error }) (completion.Case, error) {
	var c completion.Case
	var opinion sql.NullTime
	err := r.Scan(&c.ID, &c.ProjectID, &c.Jurisdiction, &c.State, &c.Round, &c.AppliedBy, &c.AppliedAt, &c.OpinionNo, &opinion)
	c.OpinionAt = opinion.Time
	return c, err
}

// loadCases loads cases with their buildings, tasks and attachments, in
// four statements whatever their number.
func loadCases(ctx context.Context, q querier, where string, arg any) ([]completion.Case, error) {
	cases, err := scanAll(ctx, q, func(r *sql.Rows, c *completion.Case) (err error) { *c, err = scanCase(r); return err },
		`SELECT `+caseColumns+` FROM acceptance_cases WHERE `+where+` ORDER BY id`, arg)
	if err != nil || len(cases) == 0 {
		return cases, err
	}
	byID := map[int64]*completion.Case{}
	for i := range cases {
		byID[cases[i].ID] = &cases[i]
	}
	sub := `SELECT id FROM acceptance_cases WHERE ` + where
	if err := caseBuildings(ctx, q, sub, arg, byID); err != nil {
		return nil, err
	}
	if err := caseTasks(ctx, q, sub, arg, byID); err != nil {
		return nil, err
	}
	return cases, taskAttachments(ctx, q, sub, arg, byID)
}

// caseBuildings adds their buildings to the cases sub selects.
func caseBuildings(ctx context.Context, q querier, sub string, arg any, byID map[int64]*completion.Case) error {
	type pair struct{ caseID, building int64 }
	pairs, err := scanAll(ctx, q, func(r *sql.Rows, p *pair) error { return r.Scan(&p.caseID, &p.building) },
		`SELECT case_id, building_id FROM acceptance_buildings WHERE case_id IN (`+sub+`) ORDER BY building_id`, arg)
	for _, p := range pairs {
		byID[p.caseID].Buildings = append(byID[p.caseID].Buildings, p.building)
	}
	return err
}

// caseTasks adds every round's tasks to the cases sub selects.
func caseTasks(ctx context.Context, q querier, sub string, arg any, byID map[int64]*completion.Case) error {
	tasks, err := scanAll(ctx, q, func(r *sql.Rows, t *completion.Task) error {
		var decided sql.NullTime
		err := r.Scan(&t.ID, &t.CaseID, &t.Round, &t.Department, &t.OrgID, &t.OrgName, &t.StartedOn, &t.DueOn, &t.Result, &t.Reasons,
			&t.DecidedBy, &decided)
		t.DecidedAt = decided.Time
		return err
	}, `SELECT t.id, t.case_id, t.round, t.department, t.org_id, o.name, t.started_on, t.due_on, t.result, t.reasons,
		t.decided_by, t.decided_at FROM acceptance_tasks t JOIN organisations o ON o.id = t.org_id WHERE t.case_id IN (`+sub+`)
		ORDER BY t.case_id, t.round, t.department`, arg)
	for _, t := range tasks {
		byID[t.CaseID].Tasks = append(byID[t.CaseID].Tasks, t)
	}
	return err
}

// taskAttachments adds their attachments to the tasks of the cases sub selects.
func taskAttachments(ctx context.Context, q querier, sub string, arg any, byID map[int64]*completion.Case) error {
	type owned struct {
		task int64
		completion.Attachment
	}
	as, err := scanAll(ctx, q, func(r *sql.Rows, a *owned) error {
		return r.Scan(&a.task, &a.ID, &a.Name, &a.ContentType, &a.Size, &a.SM3)
	}, `SELECT owner_id, id, name, content_type, size, sm3 FROM attachments WHERE owner_type = 'acceptance_task'
		AND owner_id IN (SELECT id FROM acceptance_tasks WHERE case_id IN (`+sub+`)) ORDER BY id`, arg)
	if err != nil {
		return err
	}
	tasks := map[int64]*completion.Task{}
	for _, c := range byID {
		for i := range c.Tasks {
			tasks[c.Tasks[i].ID] = &c.Tasks[i]
		}
	}
	for _, a := range as {
		if t, ok := tasks[a.task]; ok {
			t.Attachments = append(t.Attachments, a.Attachment)
		}
	}
	return nil
}

// AcceptanceCase returns one joint acceptance with every round's tasks.
func (db *DB) AcceptanceCase(ctx context.Context, id int64) (completion.Case, error) {
	cs, err := loadCases(ctx, db.r(), `id = $1`, id)
	if err != nil {
		return completion.Case{}, err
	}
	if len(cs) == 0 {
		return completion.Case{}, problem.New(problem.NotFound, "acceptance.not_found", "联合验收申请不存在")
	}
	return cs[0], nil
}

// AcceptanceCases lists a project's joint acceptances.
func (db *DB) AcceptanceCases(ctx context.Context, projectID int64) ([]completion.Case, error) {
	return loadCases(ctx, db.r(), `project_id = $1`, projectID)
}

// TaskRow is a department's task with what its queue shows.
type TaskRow struct {
	Task        completion.Task
	CaseState   completion.CaseState
	ProjectID   int64
	ProjectName string
	Developer   string
	Buildings   string
}

// TaskQuery filters AcceptanceTasks.
type TaskQuery struct {
	OrgID        int64  // one department's queue
	Developer    int64  // one developer's projects
	Jurisdiction string // a county's tasks ("" with All: every county)
	All          bool
	Open         bool // only opinions still to give
}

// AcceptanceTasks lists tasks for a department's queue or for supervisors,
// oldest due first.
func (db *DB) AcceptanceTasks(ctx context.Context, q TaskQuery) ([]TaskRow, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if q.OrgID != 0 {
		where = append(where, `t.org_id = `+arg(q.OrgID))
	}
	if q.Developer != 0 {
		where = append(where, `p.developer_org = `+arg(q.Developer))
	}
	if !q.All && q.OrgID == 0 && q.Developer == 0 {
		where = append(where, `c.jurisdiction = `+arg(q.Jurisdiction))
	}
	if q.Open {
		where = append(where, `t.result = '' AND t.round = c.round AND c.state = 'inspecting'`)
	}
	text := `SELECT t.id, t.case_id, t.round, t.department, t.org_id, o.name, t.started_on, t.due_on, t.result, t.reasons, t.decided_by, t.decided_at,
		c.state, p.id, p.name, d.name,
		(SELECT ` + db.groupConcat("b.name") + ` FROM acceptance_buildings ab JOIN buildings b ON b.id = ab.building_id WHERE ab.case_id = c.id)
		FROM acceptance_tasks t JOIN acceptance_cases c ON c.id = t.case_id JOIN organisations o ON o.id = t.org_id
		JOIN projects p ON p.id = c.project_id JOIN organisations d ON d.id = p.developer_org`
	if len(where) > 0 {
		text += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.r().QueryContext(ctx, text+` ORDER BY t.due_on, t.id LIMIT 500`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TaskRow
	for rows.Next() {
		var r TaskRow
		t := &r.Task
		var decided sql.NullTime
		var names sql.NullString
		if err := rows.Scan(&t.ID, &t.CaseID, &t.Round, &t.Department, &t.OrgID, &t.OrgName, &t.StartedOn, &t.DueOn, &t.Result, &t.Reasons,
			&t.DecidedBy, &decided, &r.CaseState, &r.ProjectID, &r.ProjectName, &r.Developer, &names); err != nil {
			return nil, err
		}
		t.DecidedAt, r.Buildings = decided.Time, names.String
		out = append(out, r)
	}
	return out, rows.Err()
}

// groupConcat joins a column's values with "、" in a subquery.
func (db *DB) groupConcat(col string) string {
	if db.engine == Postgres {
		return `string_agg(` + col + `, '、' ORDER BY ` + col + `)`
	}
	return `group_concat(` + col + `, '、')`
}

func lockCase(ctx context.Context, tx *Tx, id int64) (completion.Case, error) {
	if _, err := scanCase(tx.queryRow(ctx, `SELECT `+caseColumns+` FROM acceptance_cases WHERE id = $1`+tx.db.forUpdate(), id)); err != nil {
		return completion.Case{}, notFound(err, "acceptance.not_found", "联合验收申请不存在")
	}
	cs, err := loadCases(ctx, tx.q(), `id = $1`, id)
	if err != nil {
		return completion.Case{}, err
	}
	return cs[0], nil
}

// RecordOpinion records a department's opinion on a joint acceptance,
// with its attachments. A refusal returns the case to the developer and
// enters the developer's credit record; when every department has passed,
// the unified opinion is issued (numbered) and the project's completion
// milestone recorded for the presale fund.
func (db *DB) RecordOpinion(ctx context.Context, actor audit.Actor, caseID int64, department string, result completion.Result, reasons string, files []File) (completion.Case, error) {
	var c completion.Case
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		if c, err = lockCase(ctx, tx, caseID); err != nil {
			return err
		}
		if err := tx.decideCase(ctx, c, access.AcceptanceOpinion, department); err != nil {
			return err
		}
		t, err := c.RecordAs(actor.OrgID, department, result, reasons, actor.UserID, tx.now)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE acceptance_tasks SET result = $1, reasons = $2, decided_by = $3, decided_at = $4 WHERE id = $5`,
			string(t.Result), t.Reasons, actor.UserID, tx.now, t.ID); err != nil {
			return err
		}
		if err := tx.attach(ctx, "acceptance_task", t.ID, files); err != nil {
			return err
		}
		p, err := lockProject(ctx, tx, c.ProjectID)
		if err != nil {
			return err
		}
		switch {
		case t.Result == completion.Fail:
			if err := tx.creditEvent(ctx, p.Developer, p.Jurisdiction, credit.AcceptanceFailed, fmt.Sprintf("acceptance_task:%d", t.ID),
				fmt.Sprintf("%s联合验收第%d轮：%s不通过（%s）", p.Name, t.Round, t.OrgName, t.Reasons)); err != nil {
				return err
			}
		case c.State == completion.Passed:
			seq, err := tx.nextSeq(ctx, fmt.Sprintf("opinion/%s/%d", c.Jurisdiction, calendar.DateOf(tx.now).Year()))
			if err != nil {
				return err
			}
			c.OpinionNo, c.OpinionAt = completion.OpinionNumber(c.Jurisdiction, calendar.DateOf(tx.now).Year(), int(seq)), tx.now
			if _, err := tx.exec(ctx, `UPDATE acceptance_cases SET opinion_no = $1, opinion_at = $2 WHERE id = $3`, c.OpinionNo, tx.now, c.ID); err != nil {
				return err
			}
			if err := tx.recordMilestone(ctx, c.ProjectID, presale.MilestoneCompleted, calendar.DateOf(tx.now), "联合验收意见 "+c.OpinionNo); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `UPDATE acceptance_cases SET state = $1 WHERE id = $2`, string(c.State), c.ID); err != nil {
			return err
		}
		tx.Audit("acceptance.opinion", "acceptance", c.ID, map[string]any{"department": department, "round": t.Round, "result": t.Result,
			"attachments": len(files), "case_state": c.State, "opinion_no": c.OpinionNo})
		return nil
	})
	if err != nil {
		return c, err
	}
	return db.AcceptanceCase(ctx, caseID)
}

// Reinspect opens the next round (复验) for the departments that refused.
func (db *DB) Reinspect(ctx context.Context, actor audit.Actor, cal *calendar.Calendar, caseID int64) (completion.Case, error) {
	var c completion.Case
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		if c, err = lockCase(ctx, tx, caseID); err != nil {
			return err
		}
		if err := tx.decideCase(ctx, c, access.AcceptanceApply, ""); err != nil {
			return err
		}
		_, days, err := acceptanceSettings(ctx, tx.q(), c.Jurisdiction)
		if err != nil {
			return err
		}
		j, err := db.jurisdictionTx(ctx, tx, c.Jurisdiction)
		if err != nil {
			return err
		}
		start := calendar.DateOf(tx.now)
		due, err := completion.TaskDue(cal, start, days, j.Region)
		if err != nil {
			return err
		}
		next, err := c.Reinspect(start, due)
		if err != nil {
			return err
		}
		for i := range next {
			if err := tx.insertTask(ctx, &next[i]); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `UPDATE acceptance_cases SET state = $1, round = $2 WHERE id = $3`, string(c.State), c.Round, c.ID); err != nil {
			return err
		}
		var depts []string
		for _, t := range next {
			depts = append(depts, t.Department)
		}
		tx.Audit("acceptance.reinspect", "acceptance", c.ID, map[string]any{"round": c.Round, "departments": depts, "due": due})
		return nil
	})
	if err != nil {
		return c, err
	}
	return db.AcceptanceCase(ctx, caseID)
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/emmansun/gmsm/sm3"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/completion"
	"handover/internal/ledger"
	"handover/internal/measure"
)

// CommissionSurveyor records the surveying company the developer has
// commissioned for the project's completion survey (多测合一); only it may
// submit the survey results.
func (db *DB) CommissionSurveyor(ctx context.Context, actor audit.Actor, projectID, orgID int64) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		p, err := lockProject(ctx, tx, projectID)
		if err != nil {
			return err
		}
		if err := decide(ctx, access.ProjectManage, access.ProjectTarget(p)); err != nil {
			return err
		}
		kind, err := orgKind(ctx, tx.q(), orgID, "")
		if err != nil {
			return err
		}
		if err := completion.CheckSurveyor(kind); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE projects SET surveyor_org = $1, updated_at = $2 WHERE id = $3`, orgID, tx.now, projectID); err != nil {
			return err
		}
		tx.Audit("project.surveyor", "project", projectID, map[string]any{"before": p.Surveyor, "after": orgID})
		return nil
	})
}

const surveyColumns = `s.id, s.project_id, s.building_id, s.surveyor_org, o.name, s.report_no, s.building_total, s.land_area,
	s.floor_area, s.state, s.source, s.file_sm3, s.submitted_by, s.submitted_at, s.decided_by, s.decided_at, s.note`

const surveyFrom = ` FROM surveys s JOIN organisations o ON o.id = s.surveyor_org`

func scanSurvey(r interface{ Scan(...any) error }) (completion.Survey, error) {
	var s completion.Survey
	var total, land, floor int64
	var decided sql.NullTime
	err := r.Scan(&s.ID, &s.ProjectID, &s.BuildingID, &s.Surveyor, &s.SurveyorName, &s.ReportNo, &total, &land, &floor, &s.State,
		&s.Source, &s.FileSM3, &s.SubmittedBy, &s.SubmittedAt, &s.DecidedBy, &decided, &s.Note)
	s.BuildingTotal, s.LandArea, s.FloorArea, s.DecidedAt = measure.FromCents(total), measure.FromCents(land), measure.FromCents(floor), decided.Time
	return s, err
}

func surveyUnits(ctx context.Context, q querier, s *completion.Survey) error {
	rows, err := q.QueryContext(ctx, `SELECT su.row_num, su.unit_id, u.unit_no, u.room, su.total, su.inner_area, su.shared, su.ratio, su.reason, su.common_part
		FROM survey_units su JOIN units u ON u.id = su.unit_id WHERE su.survey_id = $1 ORDER BY u.number`, s.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	s.Units = nil
	for rows.Next() {
		var m completion.UnitMeasure
		var t, i, sh int64
		var ratio string
		if err := rows.Scan(&m.Row, &m.UnitID, &m.UnitNo, &m.Room, &t, &i, &sh, &ratio, &m.Reason, &m.CommonPart); err != nil {
			return err
		}
		m.Areas = ledger.Areas{Total: measure.FromCents(t), Inner: measure.FromCents(i), Shared: measure.FromCents(sh), Ratio: decimalOr0(ratio)}
		s.Units = append(s.Units, m)
	}
	return rows.Err()
}

// Survey returns one survey result with its units.
func (db *DB) Survey(ctx context.Context, id int64) (completion.Survey, error) {
	s, err := scanSurvey(db.r().QueryRowContext(ctx, `SELECT `+surveyColumns+surveyFrom+` WHERE s.id = $1`, id))
	if err != nil {
		return s, notFound(err, "survey.not_found", "测绘成果不存在")
	}
	return s, surveyUnits(ctx, db.r(), &s)
}

// SurveyQuery filters Surveys.
type SurveyQuery struct {
	ProjectID    int64
	BuildingID   int64
	Surveyor     int64
	Jurisdiction string
	Developer    int64
	State        completion.SurveyState
}

// Surveys lists survey results (without their units), newest first.
func (db *DB) Surveys(ctx context.Context, q SurveyQuery) ([]completion.Survey, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if q.ProjectID != 0 {
		where = append(where, `s.project_id = `+arg(q.ProjectID))
	}
	if q.BuildingID != 0 {
		where = append(where, `s.building_id = `+arg(q.BuildingID))
	}
	if q.Surveyor != 0 {
		where = append(where, `s.surveyor_org = `+arg(q.Surveyor))
	}
	if q.Jurisdiction != "" {
		where = append(where, `s.project_id IN (SELECT id FROM projects WHERE jurisdiction = `+arg(q.Jurisdiction)+`)`)
	}
	if q.Developer != 0 {
		where = append(where, `s.project_id IN (SELECT id FROM projects WHERE developer_org = `+arg(q.Developer)+`)`)
	}
	if q.State != "" {
		where = append(where, `s.state = `+arg(string(q.State)))
	}
	text := `SELECT ` + surveyColumns + surveyFrom
	if len(where) > 0 {
		text += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.r().QueryContext(ctx, text+` ORDER BY s.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []completion.Survey
	for rows.Next() {
		s, err := scanSurvey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SurveyUpload is the workbook a survey came from, when it came from one.
type SurveyUpload struct {
	Name string
	Raw  []byte
}

// SurveyResult is the outcome of a submission: the stored survey, or every
// problem found (and, for a workbook, the refused attempt to download).
type SurveyResult struct {
	Survey   completion.Survey
	Errors   []ledger.RowError
	ImportID int64 // the refused upload, with its annotated workbook
}

// SubmitSurvey stores the surveying company's result for a building after
// every check (all or nothing): the project's commissioned surveyor, no
// other result awaiting review, every unit of the building measured once
// with consistent areas. readErrs are the workbook's format problems.
func (db *DB) SubmitSurvey(ctx context.Context, actor audit.Actor, buildingID int64, s completion.Survey, up *SurveyUpload, readErrs []ledger.RowError) (SurveyResult, error) {
	res := SurveyResult{Errors: readErrs}
	if up != nil {
		s.FileSM3 = fmt.Sprintf("%x", sm3.Sum(up.Raw))
	}
	if len(readErrs) == 0 {
		err := db.transact(ctx, actor, func(tx *Tx) error {
			stored, errs, err := tx.submitSurvey(ctx, buildingID, s)
			res.Survey, res.Errors = stored, errs
			if err == nil && len(errs) > 0 {
				return errRollback
			}
			return err
		})
		if err == nil {
			return res, nil
		}
		res.Survey = completion.Survey{}
		if !errors.Is(err, errRollback) {
			return res, err
		}
	}
	if up == nil {
		// a result refused on its form alone is still refused only to
		// whoever may submit it
		return res, db.transact(ctx, actor, func(tx *Tx) error { return tx.decideBuilding(ctx, buildingID, access.SurveySubmit) })
	}
	var err error
	res.ImportID, err = db.recordRefusedSurvey(ctx, actor, buildingID, s.FileSM3, up, res.Errors)
	return res, err
}

// decideBuilding decides act, on the survey target of its project, for
// building id, which the transaction reads without locking.
func (tx *Tx) decideBuilding(ctx context.Context, id int64, act access.Action) error {
	b, err := scanBuilding(tx.queryRow(ctx, `SELECT `+buildingColumns+` FROM buildings WHERE id = $1`, id))
	if err != nil {
		return notFound(err, "building.not_found", "幢不存在")
	}
	p, err := readProject(ctx, tx, b.ProjectID)
	if err != nil {
		return err
	}
	return decide(ctx, act, access.SurveyTarget(p))
}

// submitSurvey locks the building's project, reads what completion.Submit
// looks at and stores the survey it returns; a survey with problems is
// returned with them and nothing written.
func (tx *Tx) submitSurvey(ctx context.Context, buildingID int64, s completion.Survey) (completion.Survey, []ledger.RowError, error) {
	b, err := scanBuilding(tx.queryRow(ctx, `SELECT `+buildingColumns+` FROM buildings WHERE id = $1`, buildingID))
	if err != nil {
		return s, nil, notFound(err, "building.not_found", "幢不存在")
	}
	p, err := lockProject(ctx, tx, b.ProjectID)
	if err != nil {
		return s, nil, err
	}
	if err := decide(ctx, access.SurveySubmit, access.SurveyTarget(p)); err != nil {
		return s, nil, err
	}
	var pending int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM surveys WHERE building_id = $1 AND state = 'submitted'`, buildingID).Scan(&pending); err != nil {
		return s, nil, err
	}
	f := completion.SubmitFacts{ProjectID: p.ID, BuildingID: buildingID, Surveyor: p.Surveyor, Org: tx.actor.OrgID, Pending: pending > 0}
	units, err := unitsWhere(ctx, tx.q(), `u.building_id = $1`, buildingID)
	if err != nil {
		return s, nil, err
	}
	f.Units = units[buildingID]
	sold, err := int64s(ctx, tx.q(), `SELECT c.unit_id FROM contracts c JOIN units u ON u.id = c.unit_id
		WHERE u.building_id = $1 AND c.state IN ('draft', 'sent', 'signed', 'filed')`, buildingID)
	if err != nil {
		return s, nil, err
	}
	f.Sold = map[int64]bool{}
	for _, id := range sold {
		f.Sold[id] = true
	}
	s, errs, err := completion.Submit(s, f, tx.actor.UserID, tx.now)
	if err != nil || len(errs) > 0 {
		return s, errs, err
	}
	return s, nil, tx.insertSurvey(ctx, &s)
}

// insertSurvey writes a submitted survey with its units, and audits it.
func (tx *Tx) insertSurvey(ctx context.Context, s *completion.Survey) error {
	var err error
	s.ID, err = tx.insertID(ctx, `INSERT INTO surveys (project_id, building_id, surveyor_org, report_no, building_total, land_area,
		floor_area, state, source, file_sm3, submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'submitted', $8, $9, $10, $11)`,
		s.ProjectID, s.BuildingID, s.Surveyor, s.ReportNo, measure.Cents(s.BuildingTotal), measure.Cents(s.LandArea), measure.Cents(s.FloorArea),
		s.Source, s.FileSM3, s.SubmittedBy, s.SubmittedAt)
	if err != nil {
		return err
	}
	rows := make([][]any, len(s.Units))
	for i, m := range s.Units {
		rows[i] = []any{s.ID, m.UnitID, m.Row, measure.Cents(m.Areas.Total), measure.Cents(m.Areas.Inner), measure.Cents(m.Areas.Shared), m.Areas.Ratio.String(),
			m.CommonPart}
	}
	if err := tx.insertRows(ctx, `INSERT INTO survey_units (survey_id, unit_id, row_num, total, inner_area, shared, ratio, common_part) VALUES `, rows); err != nil {
		return err
	}
	tx.Audit("survey.submit", "survey", s.ID, map[string]any{"building": s.BuildingID, "report": s.ReportNo, "units": len(s.Units), "source": s.Source, "sm3": s.FileSM3})
	return nil
}

// recordRefusedSurvey keeps a refused upload with its annotated workbook,
// in its own transaction, and returns its id.
func (db *DB) recordRefusedSurvey(ctx context.Context, actor audit.Actor, buildingID int64, sum string, up *SurveyUpload, errs []ledger.RowError) (int64, error) {
	annotated, _ := ledger.Annotate(up.Raw, errs)
	errJSON, _ := json.Marshal(errs)
	var id int64
	err := db.transact(ctx, actor, func(tx *Tx) error {
		if err := tx.decideBuilding(ctx, buildingID, access.SurveySubmit); err != nil {
			return err
		}
		var err error
		id, err = tx.insertID(ctx, `INSERT INTO survey_imports (building_id, file_name, file_sm3, errors, annotated, by_user, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, buildingID, up.Name, sum, string(errJSON), annotated, actor.UserID, tx.now)
		if err != nil {
			return err
		}
		tx.Audit("survey.refused", "building", buildingID, map[string]any{"file": up.Name, "sm3": sum, "errors": len(errs)})
		return nil
	})
	return id, err
}

// SurveyImport returns a refused upload's annotated workbook.
func (db *DB) SurveyImport(ctx context.Context, id int64) (buildingID int64, name string, data []byte, err error) {
	err = db.r().QueryRowContext(ctx, `SELECT building_id, file_name, annotated FROM survey_imports WHERE id = $1 AND annotated IS NOT NULL`, id).
		Scan(&buildingID, &name, &data)
	return buildingID, name, data, notFound(err, "import.not_found", "没有该导入的标注文件")
}

// DecideSurvey records the review of a submitted survey. Accepting makes
// it the record: the units' measured areas are set from it, and an earlier
// accepted result of the building is superseded (kept as history).
func (db *DB) DecideSurvey(ctx context.Context, actor audit.Actor, id int64, accept bool, reasons map[string]string, note string) (completion.Survey, error) {
	var s completion.Survey
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		if s, err = scanSurvey(tx.queryRow(ctx, `SELECT `+surveyColumns+surveyFrom+` WHERE s.id = $1`+forUpdateOf(db, "s"), id)); err != nil {
			return notFound(err, "survey.not_found", "测绘成果不存在")
		}
		if err := tx.decideSurvey(ctx, s, access.SurveyReview); err != nil {
			return err
		}
		if err := surveyUnits(ctx, tx.q(), &s); err != nil {
			return err
		}
		if err := s.Decide(accept, reasons, note, actor.UserID, tx.now); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE surveys SET state = $1, decided_by = $2, decided_at = $3, note = $4 WHERE id = $5`,
			string(s.State), actor.UserID, tx.now, s.Note, id); err != nil {
			return err
		}
		if !accept {
			for _, m := range s.Units {
				if m.Reason != "" {
					if _, err := tx.exec(ctx, `UPDATE survey_units SET reason = $1 WHERE survey_id = $2 AND unit_id = $3`, m.Reason, id, m.UnitID); err != nil {
						return err
					}
				}
			}
			tx.Audit("survey.return", "survey", id, map[string]any{"note": s.Note, "units": len(reasons)})
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE surveys SET state = 'superseded' WHERE building_id = $1 AND state = 'accepted' AND id <> $2`, s.BuildingID, id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE units SET m_total = su.total, m_inner = su.inner_area, m_shared = su.shared, m_ratio = su.ratio,
			common_part = su.common_part FROM survey_units su WHERE su.survey_id = $1 AND su.unit_id = units.id`, id); err != nil {
			return err
		}
		tx.touchBuildings(s.BuildingID)
		tx.Audit("survey.accept", "survey", id, map[string]any{"building": s.BuildingID, "report": s.ReportNo, "units": len(s.Units)})
		return nil
	})
	return s, err
}

// surveyedBuildings lists the project's buildings with an accepted survey.
func surveyedBuildings(ctx context.Context, q querier, projectID int64) (map[int64]bool, error) {
	ids, err := int64s(ctx, q, `SELECT building_id FROM surveys WHERE project_id = $1 AND state = 'accepted'`, projectID)
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

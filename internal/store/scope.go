package store

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/problem"
	"handover/internal/supervision"
)

// What a principal may read or do, as this package's queries and inputs:
// the decisions are access's, asked here on the rows loaded, so the pages
// and the API scope alike.

// HandoverFor reads handover event id and decides act on its project for p.
func (db *DB) HandoverFor(ctx context.Context, p *identity.Principal, id int64, act access.Action) (handover.Event, error) {
	e, err := db.HandoverEvent(ctx, id)
	if err != nil {
		return e, err
	}
	proj, err := db.Project(ctx, e.ProjectID)
	if err != nil {
		return e, err
	}
	return e, access.Decide(p, act, access.ProjectTarget(proj))
}

// CertificateFor reads certificate id and decides act on it for p; the
// target is returned for the decisions that follow (the file's download).
func (db *DB) CertificateFor(ctx context.Context, p *identity.Principal, id int64, act access.Action) (Certificate, access.Target, error) {
	c, err := db.CertificateByID(ctx, id)
	if err != nil {
		return c, access.Target{}, err
	}
	t, err := db.CertificateTarget(ctx, c)
	if err != nil {
		return c, t, err
	}
	return c, t, access.Decide(p, act, t)
}

// PublicTable returns a building's 楼盘表 for the public: only buildings of
// projects with a presale permit (else public.not_found), and only states
// (no buyer identity).
func (db *DB) PublicTable(ctx context.Context, buildingID int64) (ledger.Table, error) {
	b, err := db.Building(ctx, buildingID)
	if err != nil {
		return ledger.Table{}, err
	}
	ps, err := db.ListProjects(ctx, access.Filter{All: true}, ProjectQuery{Permitted: true})
	if err != nil {
		return ledger.Table{}, err
	}
	for _, p := range ps {
		if p.ID == b.ProjectID {
			return db.BuildingTable(ctx, buildingID)
		}
	}
	return ledger.Table{}, problem.New(problem.NotFound, "public.not_found", "该楼盘尚未取得预售许可，不予公开")
}

// Public is the verification as the public is answered: names masked, no
// ID number, the status as labels; a limited answer (an identifier
// without its second factor: certificate.Verification.Limit) has no
// holders, flat, mortgage or seal to show, nor the identifier that was
// not asked about.
func (v Verification) Public() certificate.VerificationJSON {
	out := certificate.VerificationJSON{LicenceID: v.LicenceID, Kind: string(v.Kind), Number: v.Number, SignatureValid: v.SignatureValid, State: v.State,
		CancelReason: v.CancelReason, Holders: v.Holders, UnitNo: v.UnitNo, Location: v.Location,
		Area: v.Area, RightType: v.RightType, Authority: v.Authority, IssuedOn: v.IssuedOn, CheckedAt: v.CheckedAt, Limited: v.Limited}
	if !v.Limited {
		out.Mortgaged, out.Sealed = &v.Mortgaged, &v.Sealed
	}
	out.Status = v.StatusLabels()
	if v.InLog {
		idx := v.LogIndex
		out.LogIndex = &idx
	}
	return out
}

// TaskQueryFor is the acceptance task list p sees (open: only open tasks):
// a developer its own projects', a department its own queue, others their
// jurisdiction (prefecture-wide: all). p must not be nil.
func TaskQueryFor(p *identity.Principal, open bool) (TaskQuery, error) {
	if p.Org.Kind == identity.Developer && access.Allowed(p, access.AcceptanceRead, access.Target{Developer: p.Org.ID}) {
		return TaskQuery{Open: open, Developer: p.Org.ID}, nil
	}
	if err := access.Decide(p, access.AcceptanceRead, access.Target{Jurisdiction: p.Jurisdiction.Code}); err != nil {
		return TaskQuery{}, err
	}
	q := TaskQuery{Open: open, Jurisdiction: p.Jurisdiction.Code, All: p.PrefectureWide()}
	if p.Org.Kind == identity.Acceptance {
		q.OrgID = p.Org.ID
	}
	return q, nil
}

// AlertQueryFor is what alerts p sees; state is open (the default),
// resolved or all.
func AlertQueryFor(p *identity.Principal, state string) (AlertQuery, error) {
	f, err := access.ListFilter(p, access.AlertRead)
	if err != nil {
		return AlertQuery{}, err
	}
	q := AlertQuery{Filter: f, State: state}
	switch state {
	case "all":
		q.State = ""
	case "resolved":
	default:
		q.State = "open"
	}
	return q, nil
}

// DashboardQueryFor reads the jurisdiction and period of a dashboard
// request (v: jurisdiction, from, to) and checks that p may see them: a
// county's staff see their own jurisdiction only; the period defaults to
// this year up to today. A jurisdiction p may see but not among the
// prefecture's (known) is a field error (dashboard.jurisdiction), not a
// page of zeros under the prefecture's name, and the prefecture's own code
// is the whole prefecture; bad dates are field errors too
// (dashboard.period).
func DashboardQueryFor(p *identity.Principal, v url.Values, today calendar.Date, known []identity.Jurisdiction) (DashboardQuery, error) {
	q := DashboardQuery{Jurisdiction: v.Get("jurisdiction"), From: calendar.MustDate(fmt.Sprintf("%04d-01-01", today.Year())), To: today}
	if q.Jurisdiction == "" && !(p.PrefectureWide() && access.Allowed(p, access.DashboardRead, access.Target{})) {
		q.Jurisdiction = p.Jurisdiction.Code
	}
	if err := access.Decide(p, access.DashboardRead, access.Target{Jurisdiction: q.Jurisdiction}); err != nil {
		return q, err
	}
	if q.Jurisdiction != "" {
		i := slices.IndexFunc(known, func(j identity.Jurisdiction) bool { return j.Code == q.Jurisdiction })
		if i < 0 {
			var f problem.Fields
			f.Add("jurisdiction", "本州没有这一辖区代码")
			return q, f.Err("dashboard.jurisdiction", "辖区有误")
		}
		// The prefecture's own code is the whole prefecture: its projects
		// are all in its counties and parks, none under its code.
		if known[i].Kind == identity.Prefecture {
			q.Jurisdiction = ""
		}
	}
	var f problem.Fields
	var err error
	if s := v.Get("from"); s != "" {
		if q.From, err = calendar.ParseDate(s); err != nil {
			f.Add("from", "日期格式应为 2026-01-01")
		}
	}
	if s := v.Get("to"); s != "" {
		if q.To, err = calendar.ParseDate(s); err != nil {
			f.Add("to", "日期格式应为 2026-12-31")
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		f.Add("to", "截止日期不能早于起始日期")
	}
	return q, f.Err("dashboard.period", "统计期间有误")
}

// noSuchStage is what a stage no dashboard number lists is told.
const noSuchStage = "没有这一阶段，请从督查考核页上的数字进入"

// DrillQueryFor reads which units behind a dashboard number a request asks
// for within q (v: stage, month): a stage the dashboard counts, or none
// for every unit; a month as 2026-01. Anything else is a field error
// (dashboard.drill), not an empty list under another number's name.
// The caller sets the search and the page.
func DrillQueryFor(q DashboardQuery, v url.Values) (DrillQuery, error) {
	d := DrillQuery{DashboardQuery: q, Stage: supervision.UnitStage(v.Get("stage")), Month: v.Get("month")}
	var f problem.Fields
	if !d.Stage.Valid() {
		f.Add("stage", noSuchStage)
	}
	if d.Month != "" {
		if _, err := time.Parse("2006-01", d.Month); err != nil {
			f.Add("month", "月份格式应为 2026-01")
		}
	}
	return d, f.Err("dashboard.drill", "统计口径有误")
}

// DashboardProjectStageFor reads the stage of the projects behind a
// dashboard number (v: stage), as DrillQueryFor reads a unit's.
func DashboardProjectStageFor(v url.Values) (supervision.ProjectStage, error) {
	s := supervision.ProjectStage(v.Get("stage"))
	if !s.Valid() {
		var f problem.Fields
		f.Add("stage", noSuchStage)
		return s, f.Err("dashboard.drill", "统计口径有误")
	}
	return s, nil
}

package store_test

import (
	"net/url"
	"testing"
	"time"

	"handover/internal/calendar"
	"handover/internal/store"
	"handover/internal/supervision"
)

// What DrillQueryFor and DashboardProjectStageFor take is a stage the
// dashboard counts and a month as 2026-01; anything else they refuse.
func FuzzDrillQueryFor(f *testing.F) {
	f.Add("handed_over", "2026-03")
	f.Add("", "")
	f.Add("same_day", "2026-13")
	f.Add("nonsense", "abcd-ef")
	f.Add("meeting", "2026-1")
	q := store.DashboardQuery{From: calendar.MustDate("2026-01-01"), To: calendar.MustDate("2026-12-31")}
	f.Fuzz(func(t *testing.T, stage, month string) {
		d, err := store.DrillQueryFor(q, url.Values{"stage": {stage}, "month": {month}})
		if err == nil {
			if !d.Stage.Valid() || string(d.Stage) != stage || d.Month != month || d.DashboardQuery != q {
				t.Errorf("DrillQueryFor(%q, %q) = %+v; want the stage and month as given, within the query", stage, month, d)
			}
			if _, perr := time.Parse("2006-01", month); month != "" && perr != nil {
				t.Errorf("DrillQueryFor took the month %q", month)
			}
		} else if supervision.UnitStage(stage).Valid() && month == "" {
			t.Errorf("DrillQueryFor(%q, no month) = %v; want the stage taken", stage, err)
		}
		ps, err := store.DashboardProjectStageFor(url.Values{"stage": {stage}})
		if (err == nil) != supervision.ProjectStage(stage).Valid() || (err == nil && string(ps) != stage) {
			t.Errorf("DashboardProjectStageFor(%q) = %q, %v", stage, ps, err)
		}
	})
}

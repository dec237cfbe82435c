package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"handover/internal/calendar"
	"handover/internal/handover"
	"handover/internal/registry"
	"handover/internal/web/webtest"
)

// handOver schedules the handover of the unit's building 12 days ahead and
// runs the batch; it returns today.
func handOver(t *testing.T, env *webtest.Env, unit int64) calendar.Date {
	t.Helper()
	ctx := context.Background()
	if err := env.DB.PutSetting(ctx, actorOfUser(env, "cj-admin"), "652301", registry.SettingAutoReview, "first,transfer,mortgage"); err != nil {
		t.Fatal(err)
	}
	ref, _ := env.DB.Unit(ctx, unit)
	items, _ := env.DB.AccountingItems(ctx, ref.Project.ID, true)
	for _, it := range items {
		if _, err := env.DB.PayMaintenance(ctx, actorOfUser(env, "zhujian"), it.ID, fmt.Sprint("WX", it.ID)); err != nil {
			t.Fatal(err)
		}
	}
	today := calendar.DateOf(env.Clock.Now())
	ev, err := env.DB.ScheduleHandover(ctx, actorOfUser(env, "kaifa"), handover.Event{ProjectID: ref.Project.ID, Buildings: []int64{ref.Building.ID},
		HeldOn: today.AddDays(12), Place: "售楼部", Mode: handover.OnSite, NoticeOn: today})
	if err != nil {
		t.Fatal(err)
	}
	cal, _ := env.DB.Calendar(ctx)
	if ev, err = env.DB.RunHandover(ctx, actorOfUser(env, "kaifa"), cal, ev.ID, env.Keys, nil); err != nil || ev.Done != 1 {
		t.Fatalf("handover: %v, %d done", err, ev.Done)
	}
	return today
}

// The prefecture's supervisor opens the dashboard after a handover: the
// figures, both charts (SVG drawn by the server) and their tables; the
// number of units handed over opens the units it counts. Of the two flats
// handed over, one's deed tax is unpaid: it had its keys without its
// certificate, so it counts as handed over and as a miss (1 of 2 the same
// day; the project does not meet 交房即交证). A county's clerk
// sees her county and is refused another.
func TestBrowserDashboard(t *testing.T) {
	env, paid := startRegistration(t)
	today := handOver(t, env, paid.UnitID)
	s := &browserSession{t: t, b: webtest.Browser(t), base: env.HTTP.URL}
	s.as("jianguan")
	// The period runs to the handover day, 12 days ahead.
	s.do("dashboard", chromedp.Navigate(s.base+"/dashboard?to="+today.AddDays(20).String()), chromedp.WaitVisible(chromedp.CSS(`#stage-chart svg`)))
	webtest.Screenshot(t, s.b, "dashboard")
	for css, want := range map[string]string{"#fig-handed": "2", "#fig-share": "50.0%", "#fig-meeting": "0 / 1"} {
		if got := webtest.Text(t, s.b, css); got != want {
			t.Errorf("%s: got %q, want %q", css, got, want)
		}
	}
	bars, err := chromedp.Run(s.b, chromedp.Evaluate[int](`document.querySelectorAll('#stage-chart svg rect.bar').length + document.querySelectorAll('#trend-chart svg rect.bar').length`))
	if err != nil || bars < 5+24 {
		t.Errorf("chart bars: %d %v", bars, err)
	}
	s.do("click through", webtest.Submit(`a[href^="/dashboard/units?stage=handed_over"]`), chromedp.WaitVisible(chromedp.CSS(`#units`)))
	if got := webtest.Text(t, s.b, "#total"); !strings.Contains(got, "共 2 户") {
		loc, _ := chromedp.Run(s.b, chromedp.Location())
		t.Errorf("units behind the figure at %s: %q", loc, got)
	}
	c := env.Client(t, "shouli")
	for _, tt := range []struct {
		path string
		want int
	}{{"/dashboard", 200}, {"/dashboard?jurisdiction=652302", 403}, {"/api/v1/dashboard?jurisdiction=652302", 403}, {"/dashboard/report", 200}, {"/dashboard/report.xlsx", 200}} {
		resp, err := c.Get(env.HTTP.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("clerk of 652301 GET %s: %d, want %d", tt.path, resp.StatusCode, tt.want)
		}
	}
	if resp, _ := c.Get(env.HTTP.URL + "/dashboard/report.xlsx"); resp.Header.Get("Content-Type") == "" || resp.StatusCode != http.StatusOK {
		t.Errorf("report workbook: %v", resp.Header)
	}
}

package web_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/demo"
	"handover/internal/handover"
	"handover/internal/ledger"
	"handover/internal/registry"
	"handover/internal/store/storetest"
	"handover/internal/web/webtest"
)

// volume is a project at a prefecture's volume, handed over: 2,000 flats
// (10 buildings × 25 floors × 2 sections × 4) sold and filed, completed,
// every 97th buyer's deed tax unpaid, and the handover's batch run, so
// that each utility has a request for every flat transferred.
type volume struct {
	env     *webtest.Env
	project ledger.Project
	event   handover.Event
	runner  audit.Actor
}

func startVolume(t *testing.T) volume {
	t.Helper()
	if testing.Short() {
		t.Skip("a 2,000-flat project")
	}
	env := webtest.Start(t)
	ctx := context.Background()
	began := time.Now()
	phase := func(name string) { t.Logf("%s: %.1f s", name, time.Since(began).Seconds()) }
	f := env.Demo
	plan := make([]demo.BuildingPlan, 10)
	for i := range plan {
		plan[i] = demo.BuildingPlan{Number: i + 1, Floors: 25, Sections: 2, PerSection: 4, Ratio: "0.190000"}
	}
	start := storetest.DefaultTime
	env.Clock.Set(start.AddDate(0, 0, -400))
	p, err := demo.SyntheticProject(ctx, env.DB, f, demo.Synthetic{Name: "天山·翠园", Jurisdiction: "652301", Parcel: "652301009002GB00081", Developer: "dev1",
		LandCertNo: "新(2024)昌吉市不动产权第0000081号", Delivery: calendar.DateOf(start).AddDays(10), Plan: plan})
	if err != nil {
		t.Fatal(err)
	}
	phase("project")
	var units []int64
	rows, err := env.Raw.QueryContext(ctx, `SELECT u.id FROM units u JOIN buildings b ON b.id = u.building_id WHERE b.project_id = $1 ORDER BY u.id`, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		units = append(units, id)
	}
	rows.Close()
	tx, err := env.Raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	contracts, err := demo.SignInBulk(ctx, env.DB, tx, p, f, units, start.AddDate(0, 0, -300))
	if err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	phase("sold")
	env.Clock.Set(start.AddDate(0, 0, -290))
	dev := actorOfUser(env, "kaifa")
	for _, c := range contracts {
		if _, err := env.DB.FileContract(ctx, dev, c); err != nil {
			t.Fatal(err)
		}
	}
	phase("filed")
	env.Clock.Set(start.AddDate(0, 0, -14))
	unpaid := map[int64]bool{}
	for i, c := range contracts {
		if i%97 == 0 {
			unpaid[c] = true
		}
	}
	built, err := demo.CompleteProject(ctx, env.DB, f, p, contracts, calendar.DateOf(env.Clock.Now()), unpaid)
	if err != nil {
		t.Fatal(err)
	}
	phase("completed")
	admin := actorOfUser(env, "admin")
	if err := env.DB.PutSetting(ctx, admin, "652301", registry.SettingAutoReview, "first,transfer,mortgage"); err != nil {
		t.Fatal(err)
	}
	ev, err := env.DB.ScheduleHandover(ctx, dev, handover.Event{ProjectID: p.ID, Buildings: built, HeldOn: calendar.DateOf(start),
		Place: "翠园交付大厅", Mode: handover.OnSite, NoticeOn: calendar.DateOf(env.Clock.Now())})
	if err != nil {
		t.Fatal(err)
	}
	env.Clock.Set(start)
	// The batch is paused after its chunk that passes 30 %, as the
	// housing bureau's 暂停 would, so that the page shows a batch part done.
	runner := audit.Actor{UserID: dev.UserID, Name: dev.Name, OrgID: p.Developer}
	paused := false
	if ev, err = env.DB.RunHandover(ctx, runner, env.Cal.Get(), ev.ID, env.Keys, func(e handover.Event) {
		if !paused && e.Done+e.Blocked >= e.Total*3/10 {
			paused = env.DB.PauseHandover(ctx, runner, e.ID) == nil
		}
	}); err != nil {
		t.Fatal(err)
	}
	if !paused || ev.State != "paused" {
		t.Fatalf("the batch was not paused: %+v", ev)
	}
	phase("handed over in part")
	return volume{env: env, project: p, event: ev, runner: runner}
}

// finish resumes the paused batch to its end.
func (v *volume) finish(t *testing.T) {
	t.Helper()
	ev, err := v.env.DB.RunHandover(context.Background(), v.runner, v.env.Cal.Get(), v.event.ID, v.env.Keys, nil)
	if err != nil {
		t.Fatal(err)
	}
	v.event = ev
	if ev.Blocked == 0 || ev.Done < 1900 {
		t.Fatalf("the batch: %d done, %d blocked; want about 2,000 done and the unpaid ones blocked", ev.Done, ev.Blocked)
	}
}

// shownCount reads an integer shown in an element.
func shownCount(t *testing.T, ctx context.Context, css string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(webtest.Text(t, ctx, css)))
	if err != nil {
		t.Fatalf("%s: %v", css, err)
	}
	return n
}

// rowValues reads the values of attr of the rows of a table body.
func rowValues(t *testing.T, ctx context.Context, css, attr string) []string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.getAttribute(%q))`, css, attr)))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Work at a project's volume, as each role does it in the browser: the
// developer finds one flat among 2,000 by its room label (type, search:
// two actions); the housing bureau shows only the blocked flats of the
// batch; the water company pages through its ~1,900 requests and answers
// twenty at once, staying on the page it was on; the tax officer shows
// only the unpaid deed taxes.
func TestBrowserWorkAtVolume(t *testing.T) {
	v := startVolume(t)
	env := v.env
	s := &browserSession{t: t, b: webtest.Browser(t), base: env.HTTP.URL}

	// The paused batch's bar is drawn as far as the batch went.
	s.as("zhujian")
	s.do("paused batch", chromedp.Navigate(fmt.Sprintf("%s/handover/%d", s.base, v.event.ID)), chromedp.WaitVisible(chromedp.CSS(`#batch .progress`)))
	drawn, err := chromedp.Run(s.b, chromedp.Evaluate[float64](`(() => { const b = document.querySelector('#batch .progress'); return b.querySelector('span').getBoundingClientRect().width / b.getBoundingClientRect().width })()`))
	if err != nil {
		t.Fatal(err)
	}
	if want := float64(v.event.Done+v.event.Blocked) / float64(v.event.Total); drawn < want-0.01 || drawn > want+0.01 || want > 0.5 {
		t.Errorf("the bar of a batch %.0f %% done is drawn %.0f %% full", want*100, drawn*100)
	}
	webtest.Screenshot(t, s.b, "handover-paused")
	v.finish(t)

	// One flat among 2,000, by its room label.
	s.as("kaifa")
	s.do("contracts", chromedp.Navigate(s.base+"/contracts"), chromedp.WaitVisible(chromedp.CSS(`#contracts tbody tr`)))
	if got := shownCount(t, s.b, ".pager .pager-total b"); got != 2000 {
		t.Errorf("contracts: the pager says %d in all, want 2000", got)
	}
	if got := len(rowValues(t, s.b, "#contracts tbody tr[data-contract]", "data-contract")); got != 50 {
		t.Errorf("contracts: got %d rows on the first page, want 50", got)
	}
	var room string
	if err := env.Raw.QueryRow(`SELECT b.name || ' ' || u.room FROM units u JOIN buildings b ON b.id = u.building_id
		WHERE b.project_id = $1 ORDER BY b.number DESC, u.number LIMIT 1 OFFSET 77`, v.project.ID).Scan(&room); err != nil {
		t.Fatal(err)
	}
	s.do("search a flat",
		chromedp.SendKeys(chromedp.CSS(`form[role=search] input[name=q]`), room),
		webtest.Submit(`form[role=search] button[type=submit]`))
	webtest.Screenshot(t, s.b, "contracts-search")
	if got := rowValues(t, s.b, "#contracts tbody tr[data-contract]", "data-contract"); len(got) != 1 {
		t.Fatalf("searching %s: got %d rows, want 1", room, len(got))
	}
	if got := webtest.Text(t, s.b, "#contracts tbody tr td.room"); got != room {
		t.Errorf("the flat found: got %q, want %s", got, room)
	}

	// Only the blocked flats of the batch.
	s.as("zhujian")
	s.do("handover", chromedp.Navigate(fmt.Sprintf("%s/handover/%d", s.base, v.event.ID)), chromedp.WaitVisible(chromedp.CSS(`#units tbody tr`)))
	s.do("only blocked", webtest.Submit(`#outcomes .tabs a[data-show=blocked]`))
	webtest.Screenshot(t, s.b, "handover-blocked")
	states := rowValues(t, s.b, "#units tbody tr[data-state]", "data-state")
	if len(states) != v.event.Blocked {
		t.Errorf("only blocked: got %d rows, want the %d blocked", len(states), v.event.Blocked)
	}
	for _, st := range states {
		if st != string(handover.UnitBlocked) {
			t.Errorf("only blocked: a row in state %s", st)
		}
	}

	// The water company pages through its requests and answers twenty.
	s.as("gongshui")
	s.do("utilities", chromedp.Navigate(s.base+"/utilities"), chromedp.WaitVisible(chromedp.CSS(`#requests tbody tr`)))
	waiting := shownCount(t, s.b, "#waiting")
	if waiting != v.event.Done {
		t.Errorf("utilities: %d waiting, want one per flat transferred (%d)", waiting, v.event.Done)
	}
	s.do("next page", webtest.Submit(`.pager a[rel=next]`))
	if got := webtest.Text(t, s.b, ".pager .pager-at"); !strings.HasPrefix(got, "第 2 /") {
		t.Errorf("after 下一页: the pager says %q, want page 2", got)
	}
	second := rowValues(t, s.b, "#requests tbody tr[data-request]", "data-request")
	ticks := []chromedp.Action[chromedp.Void]{}
	for i := 0; i < 20; i++ {
		ticks = append(ticks, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#requests tbody tr:nth-child(%d) input[type=checkbox]`, i+1))))
	}
	s.do("tick twenty", ticks...)
	if got := webtest.Text(t, s.b, `[data-checked-count="bulk"]`); got != "20" {
		t.Errorf("ticked: the count says %q, want 20", got)
	}
	webtest.Screenshot(t, s.b, "utilities-ticked")
	s.do("answer twenty", acceptConfirm, webtest.Submit(`#bulk button[name=done][value="1"]`))
	webtest.Screenshot(t, s.b, "utilities-answered")
	if got := shownCount(t, s.b, "#waiting"); got != waiting-20 {
		t.Errorf("after answering twenty: %d waiting, want %d", got, waiting-20)
	}
	if got := webtest.Text(t, s.b, ".pager .pager-at"); !strings.HasPrefix(got, "第 2 /") {
		t.Errorf("after answering: the pager says %q, want to stay on page 2", got)
	}
	now := rowValues(t, s.b, "#requests tbody tr[data-request]", "data-request")
	for _, id := range second[:20] {
		for _, n := range now {
			if n == id {
				t.Errorf("request %s answered but still listed as waiting", id)
			}
		}
	}
	var answered int
	env.Raw.QueryRow(`SELECT COUNT(*) FROM utility_requests WHERE org_id = $1 AND state = 'done'`, env.Demo.Orgs["652301/water"].ID).Scan(&answered)
	if answered != 20 {
		t.Errorf("done in the database: got %d, want 20", answered)
	}

	// The tax officer goes from the home card to the unpaid deed taxes.
	s.as("shuiwu")
	s.do("home", chromedp.Navigate(s.base+"/"), chromedp.WaitVisible(chromedp.CSS(`a.card.stat[href="/deed-tax"]`)))
	if got := webtest.Text(t, s.b, `nav a[href="/deed-tax"]`); got != "契税" {
		t.Errorf("the tax officer's menu: got %q, want 契税", got)
	}
	s.do("unpaid", webtest.Submit(`a.card.stat[href="/deed-tax"]`))
	webtest.Screenshot(t, s.b, "deed-tax-unpaid")
	if got, want := len(rowValues(t, s.b, "#taxes tbody tr[data-contract]", "data-contract")), (2000+96)/97; got != want {
		t.Errorf("unpaid deed taxes: got %d rows, want %d", got, want)
	}
	if got := shownCount(t, s.b, ".pager .pager-total b"); got != (2000+96)/97 {
		t.Errorf("unpaid deed taxes: the pager says %d", got)
	}
}

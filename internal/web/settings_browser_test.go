package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/demo"
	"handover/internal/identity"
	"handover/internal/supervision"
	"handover/internal/tax"
	"handover/internal/web/webtest"
)

// An administrator schedules a settings change in the page: the reason is
// required, the change waits in the list of scheduled changes with its day
// and reason, and today's value stands until then; withdrawn with a
// reason before its day, it is no longer scheduled.
func TestBrowserSettingsScheduled(t *testing.T) {
	env := webtest.Start(t)
	b := webtest.Browser(t)
	if err := webtest.Login(b, env.HTTP.URL, "cj-admin", demo.Password); err != nil {
		t.Fatal(err)
	}
	key := supervision.SettingDeliveryDays
	tomorrow := calendar.DateOf(env.Clock.Now()).AddDays(1).String()
	open := []chromedp.Action[chromedp.Void]{chromedp.Navigate(env.HTTP.URL + "/admin/settings?jurisdiction=652301"),
		chromedp.WaitVisible(chromedp.CSS(`#settings-save`)), chromedp.SetValue(chromedp.CSS(`input[name="`+key+`"]`), "25")}
	// Without a reason: refused at the field, nothing stored.
	if err := chromedp.Do(b, open...); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(b, chromedp.Evaluate[any](`document.querySelector('#setting-reason').removeAttribute('required')`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, webtest.Submit(`#settings-save`), chromedp.WaitVisible(chromedp.CSS(`#settings-save`))); err != nil {
		t.Fatal(err)
	}
	if got := webtest.Text(t, b, `label:has(#setting-reason) + .field-error`); !strings.Contains(got, "理由") {
		t.Errorf("the reason's error: %q", got)
	}
	// With one, for tomorrow.
	if err := chromedp.Do(b, append(open, chromedp.SetValue(chromedp.CSS(`#effective-on`), tomorrow),
		chromedp.SendKeys(chromedp.CSS(`#setting-reason`), "昌州住建发〔2026〕12号"))...); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, webtest.Submit(`#settings-save`), chromedp.WaitVisible(chromedp.CSS(`#scheduled`))); err != nil {
		t.Fatal(err)
	}
	webtest.Screenshot(t, b, "settings-scheduled")
	rows, err := chromedp.Run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#scheduled tbody tr')].map(r => r.querySelector('.on').textContent + '|' + r.querySelector('.key').dataset.key + '|' + r.querySelector('.value').textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if want := tomorrow + "|" + key + "|25"; len(rows) != 1 || rows[0] != want {
		t.Errorf("scheduled rows: %q, want [%s]", rows, want)
	}
	if v, _ := env.DB.Setting(context.Background(), "652301", key, "none"); v == "25" {
		t.Errorf("the change is in force today")
	}
	// Withdrawn before its day, with a reason: no longer scheduled.
	if err := chromedp.Do(b, chromedp.SendKeys(chromedp.CSS(`#scheduled form.withdraw input[name=reason]`), "通知已撤回"),
		webtest.Submit(`#scheduled form.withdraw button`), chromedp.WaitVisible(chromedp.CSS(`#flash`))); err != nil {
		t.Fatal(err)
	}
	if got := webtest.Text(t, b, `#flash`); !strings.Contains(got, "已撤销"+tomorrow) {
		t.Errorf("after the withdrawal: %q", got)
	}
	if n, err := chromedp.Run(b, chromedp.Evaluate[int](`document.querySelectorAll('#scheduled tbody tr').length`)); err != nil || n != 0 {
		t.Errorf("scheduled rows after the withdrawal: %d (%v), want none", n, err)
	}
}

// The prefecture's administrator sets a default on the prefecture's page;
// a county without a value of its own shows it as 沿用全州默认 and applies
// it; the deed-tax rate, which the prefecture alone sets, is shown and not
// offered on the county's page; a county's malformed rule value is refused
// at its field, and a county's own choice of acceptance departments is
// kept as its own.
func TestBrowserPrefectureDefaults(t *testing.T) {
	env := webtest.Start(t)
	ctx := context.Background()
	b := webtest.Browser(t)
	if err := webtest.Login(b, env.HTTP.URL, "admin", demo.Password); err != nil {
		t.Fatal(err)
	}
	rate := completion.SettingMaintenanceRate
	field := func(key string) string { return `#rules .rule[data-key="` + key + `"]` }
	save := func(jurisdiction string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		all := append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(env.HTTP.URL + "/admin/settings?jurisdiction=" + jurisdiction),
			chromedp.WaitVisible(chromedp.CSS(`#rules`))}, actions...)
		all = append(all, chromedp.SendKeys(chromedp.CSS(`#setting-reason`), "昌州住建发〔2026〕20号"),
			webtest.Submit(`#settings-save`), chromedp.WaitVisible(chromedp.CSS(`#settings-save`)))
		if err := chromedp.Do(b, all...); err != nil {
			t.Fatal(err)
		}
	}
	save(identity.PrefectureCode, chromedp.SetValue(chromedp.CSS(`input[name="`+rate+`"]`), "150"))
	webtest.Screenshot(t, b, "settings-prefecture")
	if v, _ := env.DB.Setting(ctx, "652302", rate, ""); v != "150" {
		t.Errorf("a county's rate after the prefecture's default: %q, want 150", v)
	}

	if err := chromedp.Do(b, chromedp.Navigate(env.HTTP.URL+"/admin/settings?jurisdiction=652301"), chromedp.WaitVisible(chromedp.CSS(`#rules`))); err != nil {
		t.Fatal(err)
	}
	webtest.Screenshot(t, b, "settings-county-follows")
	for _, tc := range []struct{ css, want string }{
		{field(rate) + ` input`, "150"},
		{field(rate) + ` .source`, "沿用全州默认"},
		{field(tax.SettingProvincialRate) + ` .rule-value`, "3%"},
		{field(tax.SettingProvincialRate) + ` .source`, "由州统一配置"},
	} {
		got, err := chromedp.Run(b, chromedp.Evaluate[string](`(e => e.tagName === 'INPUT' ? e.value : e.textContent)(document.querySelector('`+tc.css+`'))`))
		if err != nil || strings.TrimSpace(got) != tc.want {
			t.Errorf("%s: got %q (%v), want %q", tc.css, got, err, tc.want)
		}
	}
	if n, _ := chromedp.Run(b, chromedp.Evaluate[int](`document.querySelectorAll('input[name="`+tax.SettingProvincialRate+`"]').length`)); n != 0 {
		t.Errorf("the county's page offers the deed-tax rate: %d fields", n)
	}

	// Saved untouched, the county's page stores nothing: the values it
	// shows in force, the prefecture's among them, are not changes.
	rows := func() int {
		var n int
		if err := env.Raw.QueryRow(`SELECT COUNT(*) FROM settings`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := rows()
	save("652301")
	if got := webtest.Text(t, b, `#flash`); !strings.Contains(got, "配置未改动") {
		t.Errorf("an untouched save: %q, want 配置未改动", got)
	}
	if after := rows(); after != before {
		t.Errorf("an untouched save stored %d settings, want none", after-before)
	}

	// A malformed value: refused at its field, nothing stored.
	save("652301", chromedp.SetValue(chromedp.CSS(`input[name="`+rate+`"]`), "一百二"))
	if got := webtest.Text(t, b, field(rate)+` .field-error`); !strings.Contains(got, "维修资金交存标准") {
		t.Errorf("the rate's error: %q, want it named", got)
	}
	if v, _ := env.DB.Setting(ctx, "652301", rate, ""); v != "150" {
		t.Errorf("after the refused value the county reads %q, want 150", v)
	}

	// The county leaves the archives out of its joint acceptance.
	save("652301", chromedp.Click(chromedp.CSS(field(completion.SettingDepartments)+` input[value="archives"]`)))
	webtest.Screenshot(t, b, "settings-county-own")
	if v, _ := env.DB.Setting(ctx, "652301", completion.SettingDepartments, ""); v != "planning,land,fire,civil_defence,meteorology" {
		t.Errorf("the county's departments: %q, want all but the archives", v)
	}
	if got := webtest.Text(t, b, field(completion.SettingDepartments)+` .source`); got != "本辖区设定" {
		t.Errorf("the departments' source: %q, want 本辖区设定", got)
	}
	if v, _ := env.DB.Setting(ctx, "652302", completion.SettingDepartments, ""); v != "" {
		t.Errorf("another county's departments: %q, want unset", v)
	}
}

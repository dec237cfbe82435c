package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"handover/internal/calendar"
	"handover/internal/demo"
	"handover/internal/supervision"
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

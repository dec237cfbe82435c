package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"handover/internal/web/webtest"
)

// The counter's intake as a clerk works it: the flat is picked from the
// 楼盘表 (project, building, flat) into the 不动产单元号; a form with three
// faults in three places — an applicant's mistyped 身份证号, an objection
// without its reason, a second line's unknown unit number — is refused
// once, naming all three at their fields, with everything typed kept; put
// right, it is taken.
func TestBrowserCounterIntake(t *testing.T) {
	env := webtest.StartDemo(t)
	ctx := context.Background()
	var project, building int64
	var projectName, room, unitNo string
	if err := env.Raw.QueryRowContext(ctx, `SELECT p.id, p.name, b.id, u.room, u.unit_no FROM units u JOIN buildings b ON b.id = u.building_id
		JOIN projects p ON p.id = b.project_id WHERE p.jurisdiction = '652301' AND u.id NOT IN (SELECT unit_id FROM services)
		ORDER BY u.id DESC LIMIT 1`).Scan(&project, &projectName, &building, &room, &unitNo); err != nil {
		t.Fatal(err)
	}
	s := &browserSession{t: t, b: webtest.Browser(t), base: env.HTTP.URL}
	s.as("shouli")
	wrongID, rightID := "652301197805122418", "652301197805122417"
	applicants := "马建华 " + wrongID
	// SetValue sends the input and change events a clerk's choice sends.
	s.do("pick the flat from the 楼盘表",
		chromedp.Navigate(s.base+"/applications/new"),
		chromedp.WaitVisible(chromedp.CSS(`[data-picker="0"] [data-pick=project]`)),
		chromedp.SetValue(chromedp.CSS(`select[name=kind_0]`), "objection"),
		chromedp.SetValue(chromedp.CSS(`[data-picker="0"] [data-pick=project]`), fmt.Sprint(project)),
		chromedp.WaitEnabled(chromedp.CSS(`[data-picker="0"] [data-pick=building]`)),
		chromedp.SetValue(chromedp.CSS(`[data-picker="0"] [data-pick=building]`), fmt.Sprint(building)),
		chromedp.WaitEnabled(chromedp.CSS(`[data-picker="0"] [data-pick=unit]`)),
	)
	picked, err := chromedp.Run(s.b, chromedp.Evaluate[string](`(() => {
		const sel = document.querySelector('[data-picker="0"] [data-pick=unit]');
		const opt = [...sel.options].find(o => o.dataset.unitNo === `+fmt.Sprintf("%q", unitNo)+`);
		if (!opt) { return "no option for the flat among " + sel.options.length; }
		sel.value = opt.value; sel.dispatchEvent(new Event('change'));
		return document.querySelector('input[name=unit_no_0]').value;
	})()`))
	if err != nil || picked != unitNo {
		t.Fatalf("picking %s %s: the unit number reads %q (%v), want %s", projectName, room, picked, err, unitNo)
	}
	webtest.Screenshot(t, s.b, "intake-picked")

	s.do("a form with three faults",
		chromedp.SendKeys(chromedp.CSS(`textarea[name=applicants]`), applicants),
		chromedp.SetValue(chromedp.CSS(`select[name=kind_1]`), "objection"),
		chromedp.SendKeys(chromedp.CSS(`input[name=unit_no_1]`), "652301009001GB00001F99990001\n"),
	)
	// A scanner's Enter moved on instead of sending the form.
	if n, _ := chromedp.Run(s.b, chromedp.Evaluate[int](`document.querySelectorAll('.alert.err, #error-summary').length`)); n != 0 {
		t.Fatalf("the scanner's Enter sent the form")
	}
	if focused, _ := chromedp.Run(s.b, chromedp.Evaluate[string](`document.activeElement.name || ""`)); focused != "whole_1" {
		t.Errorf("after the scanner's Enter the focus is on %q, want the next field, whole_1", focused)
	}
	s.do("the rest of the form",
		chromedp.Click(chromedp.CSS(`[data-line="1"] summary`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=reason_1]`), "共同出资"),
		webtest.Submit(`form#application-form button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#error-summary`)),
	)
	webtest.Screenshot(t, s.b, "intake-refused")
	checks := []struct{ css, want string }{
		{`.alert.err`, "3处错误"},
		{`textarea[name=applicants] ~ .field-error, label:has(textarea[name=applicants]) + .field-error`, "校验码错误"},
		{`[data-line="0"] label:has(input[name=reason_0]) + .field-error`, "请填写异议事项与理由"},
		{`[data-line="1"] .check-result + .field-error`, "查无此不动产单元号"},
	}
	for _, c := range checks {
		got := webtest.Text(t, s.b, c.css)
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: got %q, want it to say %q", c.css, got, c.want)
		}
	}
	summary, err := chromedp.Run(s.b, chromedp.Evaluate[string](`[...document.querySelectorAll('#error-summary li')].map(li => li.textContent).join('|')`))
	if want := "第1位申请人“马建华”：身份证号校验码错误：第18位应为7|登记事项1：请填写异议事项与理由|登记事项2：查无此不动产单元号“652301009001GB00001F99990001”"; err != nil || summary != want {
		t.Errorf("the faults above the form: got %q (%v), want %q", summary, err, want)
	}
	kept, err := chromedp.Run(s.b, chromedp.Evaluate[string](`[document.querySelector('textarea[name=applicants]').value.trim(),
		document.querySelector('input[name=unit_no_0]').value, document.querySelector('select[name=kind_0]').value,
		document.querySelector('input[name=reason_1]').value].join('|')`))
	if want := strings.Join([]string{applicants, unitNo, "objection", "共同出资"}, "|"); err != nil || kept != want {
		t.Errorf("values after the refusal: got %q (%v), want %q", kept, err, want)
	}
	var n int
	env.Raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM services WHERE unit_id = (SELECT id FROM units WHERE unit_no = $1)`, unitNo).Scan(&n)
	if n != 0 {
		t.Errorf("the refused form left %d services on the flat, want none", n)
	}

	s.do("put right",
		js(`document.querySelector('textarea[name=applicants]').value = "马建华 `+rightID+`"`),
		chromedp.SendKeys(chromedp.CSS(`input[name=reason_0]`), "申请人主张共同出资"),
		js(`for (const n of ['kind_1', 'unit_no_1', 'reason_1']) { document.querySelector('[name=' + n + ']').value = ''; }`),
		webtest.Submit(`form#application-form button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#services`)),
	)
	if flash := webtest.Text(t, s.b, ".alert.ok"); !strings.Contains(flash, "已受理，受理号 652301-") {
		t.Errorf("after putting it right: %q", flash)
	}
	var appID int64
	var applicantsStored string
	if err := env.Raw.QueryRowContext(ctx, `SELECT a.id, a.applicants FROM applications a JOIN services s ON s.application_id = a.id
		WHERE s.unit_id = (SELECT id FROM units WHERE unit_no = $1)`, unitNo).Scan(&appID, &applicantsStored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(applicantsStored, rightID) || !strings.Contains(applicantsStored, "马建华") {
		t.Errorf("stored applicants %s, want 马建华 with the number sealed", applicantsStored)
	}
	a, err := env.DB.Application(ctx, appID)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Applicants) != 1 || a.Applicants[0].Name != "马建华" || a.Applicants[0].IDNumber != rightID {
		t.Errorf("applicants read back %+v, want 马建华 with %s", a.Applicants, rightID)
	}
}

// A clerk who picks one project and then another before the first one's
// buildings have come gets the second one's buildings: the first answer,
// held back here until the page has read the second, is dropped when it
// comes, not filled in under the second project's name.
func TestBrowserPickerKeepsTheLatestChoice(t *testing.T) {
	env := webtest.StartDemo(t)
	ctx := context.Background()
	rows, err := env.Raw.QueryContext(ctx, `SELECT p.id, b.id FROM projects p JOIN buildings b ON b.project_id = p.id
		WHERE p.jurisdiction = '652301' ORDER BY p.id, b.id`)
	if err != nil {
		t.Fatal(err)
	}
	buildings := map[int64][]string{}
	var projects []int64
	for rows.Next() {
		var p, b int64
		if err := rows.Scan(&p, &b); err != nil {
			t.Fatal(err)
		}
		if buildings[p] == nil {
			projects = append(projects, p)
		}
		buildings[p] = append(buildings[p], fmt.Sprint(b))
	}
	if err := rows.Err(); err != nil || len(projects) < 2 {
		t.Fatalf("the demo's projects: %v, %v; want two", projects, err)
	}
	first, second := projects[0], projects[1]
	s := &browserSession{t: t, b: webtest.Browser(t), base: env.HTTP.URL}
	s.as("shouli")
	// The first project's answer is held back until the page has read the
	// second's; once the page has read the first too, __lateRead is set
	// (after the page's own handler, which runs as the body is read).
	hold := fmt.Sprintf(`(() => {
		const fetch = window.fetch;
		let secondRead;
		const second = new Promise(ok => { secondRead = ok; });
		const answer = (d, done) => ({ ok: true, json: () => Promise.resolve(d).then(x => { setTimeout(done, 0); return x; }) });
		window.fetch = function (url, opts) {
			const p = fetch.call(this, url, opts);
			if (String(url).endsWith("/api/v1/projects/%d")) {
				return p.then(r => r.json()).then(d => answer(d, secondRead));
			}
			if (String(url).endsWith("/api/v1/projects/%d")) {
				return p.then(r => r.json()).then(d => second.then(() => answer(d, () => { window.__lateRead = true; })));
			}
			return p;
		};
	})()`, second, first)
	s.do("pick one project, then another at once",
		chromedp.Navigate(s.base+"/applications/new"),
		chromedp.WaitVisible(chromedp.CSS(`[data-picker="0"] [data-pick=project]`)),
		js(hold),
		chromedp.SetValue(chromedp.CSS(`[data-picker="0"] [data-pick=project]`), fmt.Sprint(first)),
		chromedp.SetValue(chromedp.CSS(`[data-picker="0"] [data-pick=project]`), fmt.Sprint(second)),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Poll[bool](`window.__lateRead === true`)(ctx, tg)
			return err
		}),
	)
	got, err := chromedp.Run(s.b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-picker="0"] [data-pick=building] option')]
		.map(o => o.value).filter(v => v !== "")`))
	if want := buildings[second]; err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("the buildings offered after picking project %d, then %d: got %v (%v), want %d's %v", first, second, got, err, second, want)
	}
	if disabled, _ := chromedp.Run(s.b, chromedp.Evaluate[bool](`document.querySelector('[data-picker="0"] [data-pick=building]').disabled`)); disabled {
		t.Errorf("the building list is disabled after the second project's answer")
	}
}

// js runs a script in the page as a step.
func js(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](expr)(ctx, t)
		return err
	})
}

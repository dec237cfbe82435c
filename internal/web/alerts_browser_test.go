package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"handover/internal/registry"
	"handover/internal/supervision"
	"handover/internal/web/webtest"
)

// soldTwice sells the first flat of the demo building and then lets the
// developer try to sell it again three times: the store records each
// refusal and the evaluation raises the repeated-refusal alert.
func soldTwice(t *testing.T) (*webtest.Env, int64) {
	t.Helper()
	env, unit, _ := startSale(t)
	ctx := context.Background()
	dev := actorOfUser(env, "kaifa")
	in := saleInput(unit.ID, "买受人", "652301199003071231")
	sell(t, env, in, false)
	in.Buyers[0].IDNumber = "65230120000229456X"
	for i := 0; i < 3; i++ {
		if _, err := env.DB.DraftContract(ctx, dev, env.Demo.Orgs["dev1"].ID, in); err == nil {
			t.Fatal("the same flat sold twice")
		}
	}
	cal, _ := env.DB.Calendar(ctx)
	if _, err := env.DB.EvaluateAlerts(ctx, cal); err != nil {
		t.Fatal(err)
	}
	return env, unit.ID
}

// The prefecture's supervisor finds the alert in the inbox, acknowledges
// it and resolves it with a note after confirming; the history shows each
// step. The county's housing bureau sees it too; another county does not.
func TestBrowserAlertInbox(t *testing.T) {
	env, _ := soldTwice(t)
	s := &browserSession{t: t, b: webtest.Browser(t), base: env.HTTP.URL}
	s.as("jianguan")
	s.do("inbox",
		chromedp.Navigate(s.base+"/alerts"),
		chromedp.WaitVisible(chromedp.CSS(`#alerts tr[data-kind="repeated_refusal"]`)),
	)
	webtest.Screenshot(t, s.b, "alert-inbox")
	s.do("open", webtest.Submit(`#alerts tr[data-kind="repeated_refusal"] a`), chromedp.WaitVisible(chromedp.CSS(`#acknowledge`)))
	if got := webtest.Text(t, s.b, "p.lead"); !strings.Contains(got, "被拒绝办理3次") {
		t.Errorf("alert page's message: got %q, want it to say 被拒绝办理3次", got)
	}
	if got, want := webtest.Text(t, s.b, "#alert-basis"), supervision.RepeatedRefusal.Basis(); got != want {
		t.Errorf("alert page's basis: got %q, want %q", got, want)
	}
	s.do("acknowledge", webtest.Submit(`#acknowledge`))
	if got := webtest.Text(t, s.b, "#alert-state"); got != "已签收" {
		t.Errorf("after acknowledging: %q", got)
	}
	// Resolving needs a note: the empty form is refused by the server too.
	s.do("resolve",
		acceptConfirm,
		chromedp.SendKeys(chromedp.CSS(`#resolve-form textarea[name=note]`), "已约谈开发企业，核实为重复录入"),
		webtest.Submit(`#resolve`),
	)
	webtest.Screenshot(t, s.b, "alert-resolved")
	if got := webtest.Text(t, s.b, "#alert-state"); got != "已解除" {
		t.Errorf("after resolving: %q", got)
	}
	hist, err := chromedp.Run(s.b, chromedp.Evaluate[string](`[...document.querySelectorAll('#history tbody tr td:nth-child(2)')].map(td => td.innerText).join(',')`))
	if err != nil || hist != "发出,签收,解除" {
		t.Errorf("history %q %v", hist, err)
	}
	// The county's housing bureau sees it among the resolved; 阜康's clerk does not.
	for _, tt := range []struct {
		user string
		want bool
	}{{"zhujian", true}, {"fk-shouli", false}} {
		resp, err := env.Client(t, tt.user).Get(env.HTTP.URL + "/alerts?state=all")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			continue
		}
		row := none(`#alerts tr[data-kind="repeated_refusal"]`)
		if tt.want {
			row = in(`#alerts tr[data-kind="repeated_refusal"]`)
		}
		checkPage(t, fmt.Sprintf("%s sees the alert: want %v", tt.user, tt.want), string(b), row)
	}
}

// A threshold out of its bounds is refused with the field named, and
// nothing of the form is stored.
func TestSettingsThresholds(t *testing.T) {
	env := webtest.Start(t)
	c := env.Client(t, "cj-admin")
	post := func(v url.Values) int {
		status, _, _ := postForm(t, c, env.HTTP.URL+"/admin/settings", v)
		return status
	}
	form := url.Values{"jurisdiction": {"652301"}, "alert.delivery_days": {"15"}, "alert.clock_days": {"21"}, "alert.fast_seconds": {"60"},
		"alert.refusals": {"3"}, "alert.refusal_hours": {"24"}, "alert.partner_failures": {"5"}, "credit.effect.presale_permit": {"review"},
		"reason": {"州专班通知"}}
	if got := post(form); got != http.StatusUnprocessableEntity {
		t.Fatalf("clock days 21: status %d, want 422", got)
	}
	ctx := context.Background()
	for _, key := range []string{"alert.delivery_days", "credit.effect.presale_permit"} {
		if v, _ := env.DB.Setting(ctx, "652301", key, ""); v != "" {
			t.Errorf("%s stored as %q from a refused form", key, v)
		}
	}
	form.Set("alert.clock_days", "3")
	if got := post(form); got != http.StatusOK && got != http.StatusSeeOther {
		t.Fatalf("a good form: status %d", got)
	}
	if v, _ := env.DB.Setting(ctx, "652301", "alert.clock_days", ""); v != "3" {
		t.Errorf("clock days stored as %q, want 3", v)
	}
}

// The registration policy on the settings page: a time limit beyond the
// statutory 30 working days is refused and nothing stored; a good form
// turns the recorder's segregation off and automatic review on, and a
// form without the section leaves the policy alone.
func TestSettingsRegistrationPolicy(t *testing.T) {
	env := webtest.Start(t)
	c := env.Client(t, "cj-admin")
	ctx := context.Background()
	post := func(v url.Values) int {
		status, _, _ := postForm(t, c, env.HTTP.URL+"/admin/settings", v)
		return status
	}
	form := url.Values{"jurisdiction": {"652301"}, "alert.delivery_days": {"15"}, "alert.clock_days": {"3"}, "alert.fast_seconds": {"60"},
		"alert.refusals": {"3"}, "alert.refusal_hours": {"24"}, "alert.partner_failures": {"5"}, "credit.effect.presale_permit": {"review"},
		"reason": {"州专班通知"}, "registration.policy_form": {"1"}, "registration.days": {"40"}, "auto_review": {"transfer", "mortgage"}}
	if got := post(form); got != http.StatusUnprocessableEntity {
		t.Fatalf("40 working days: status %d, want 422", got)
	}
	if p, _ := env.DB.RegistrationPolicy(ctx, "652301"); !p.SeparateRecorder || len(p.AutoReview) != 0 || p.Days != 30 {
		t.Errorf("a refused form changed the policy: %+v", p)
	}
	form.Set("registration.days", "10")
	if got := post(form); got != http.StatusSeeOther {
		t.Fatalf("a good form: status %d", got)
	}
	p, _ := env.DB.RegistrationPolicy(ctx, "652301")
	if p.SeparateRecorder || p.Days != 10 || !slices.Equal(p.AutoReview, []registry.ServiceKind{registry.Transfer, registry.MortgageReg}) {
		t.Errorf("policy after the form: %+v, want no segregation, 10 days, transfer and mortgage reviewed automatically", p)
	}
	form.Del("registration.policy_form")
	form.Set(registry.SettingSeparateRecorder, "1")
	if got := post(form); got != http.StatusSeeOther {
		t.Fatalf("a form without the section: status %d", got)
	}
	if q, _ := env.DB.RegistrationPolicy(ctx, "652301"); q.SeparateRecorder != p.SeparateRecorder || q.Days != p.Days {
		t.Errorf("a form without the policy section changed it: %+v", q)
	}
}

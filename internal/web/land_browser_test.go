package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"handover/internal/demo"
	"handover/internal/web/webtest"
)

// The natural-resources bureau's land department confirms a parcel's land
// facts on the project's page after the developer changed them (which
// voided the earlier confirmation); the developer sees them waiting and has
// no button, and is refused by the API.
func TestLandDepartmentConfirmsParcel(t *testing.T) {
	env, lr := startLedger(t)
	ctx := context.Background()
	project := lr.Projects[0].ID
	d, err := env.DB.ProjectDetail(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	parcel := d.Parcels[0]
	parcel.LandCertNo = "新(2024)昌吉市不动产权第0099999号"
	if p, err := env.DB.PutParcel(ctx, actorOfUser(env, "kaifa"), project, parcel); err != nil || p.LandConfirmed() {
		t.Fatalf("the developer's change: confirmed %v (%v), want the confirmation void", p.LandConfirmed(), err)
	}
	cell := fmt.Sprintf(`#parcels td.land-confirmed[data-parcel="%s"]`, parcel.Code)
	page := fmt.Sprintf("%s/projects/%d", env.HTTP.URL, project)

	b := webtest.Browser(t)
	if err := webtest.Login(b, env.HTTP.URL, "kaifa", demo.Password); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(cell))); err != nil {
		t.Fatal(err)
	}
	if got := webtest.Text(t, b, cell+" .badge"); got != "待确认" {
		t.Errorf("the developer sees %q, want 待确认", got)
	}
	if n, _ := chromedp.Run(b, chromedp.Evaluate[int](`document.querySelectorAll('`+cell+` form').length`)); n != 0 {
		t.Errorf("the developer has %d confirm buttons, want none", n)
	}
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/projects/%d/parcels/%s/confirm", env.HTTP.URL, project, parcel.Code),
		strings.NewReader(fmt.Sprintf(`{"land_cert_no":%q,"premium_paid":%q}`, parcel.LandCertNo, parcel.PremiumPaid.StringFixed(2))))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := env.Client(t, "kaifa").Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("the developer confirms through the API: %v %v, want 403", resp.StatusCode, err)
	}

	b2 := webtest.Browser(t)
	if err := webtest.Login(b2, env.HTTP.URL, "tudi", demo.Password); err != nil {
		t.Fatal(err)
	}
	// The bureau's clerk finds the project among those waiting for it.
	if err := chromedp.Do(b2, chromedp.Navigate(env.HTTP.URL+"/projects?show=land"), chromedp.WaitVisible(chromedp.CSS(`a[href="/projects?show=land"].active, a.active[href$="show=land"]`))); err != nil {
		t.Fatal(err)
	}
	if n, _ := chromedp.Run(b2, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('a[href="/projects/%d"]').length`, project))); n == 0 {
		t.Errorf("the project is not among those waiting for the land department")
	}
	yes := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](`window.confirm = () => true`)(ctx, t)
		return err
	})
	if err := chromedp.Do(b2, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(cell+" form")), yes,
		webtest.Submit(cell+" form button"), chromedp.WaitVisible(chromedp.CSS(cell))); err != nil {
		t.Fatal(err)
	}
	webtest.Screenshot(t, b2, "land-confirmed")
	if got := webtest.Text(t, b2, cell+" .badge"); got != "已确认" {
		t.Errorf("after the bureau's confirmation: %q, want 已确认", got)
	}
	if got := webtest.Text(t, b2, ".flash, .alert.ok"); got == "" {
		t.Errorf("no message after confirming")
	}
}

package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"handover/internal/demo"
	"handover/internal/web/webtest"
)

// A developer drafts a contract, the buyer confirms it, the developer
// files it, and the unit's 楼盘表 cell turns to 已备案 — all through the pages.
func TestBrowserContractFlow(t *testing.T) {
	env, unit, building := startSale(t)
	b := webtest.Browser(t)
	base := env.HTTP.URL
	// Accept the confirmation dialogs.
	yes := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](`window.confirm = () => true`)(ctx, t)
		return err
	})
	logout := func() {
		if err := chromedp.Do(b, webtest.Submit(`.who button`), chromedp.WaitVisible(chromedp.CSS(`input[name=username]`))); err != nil {
			t.Fatal(err)
		}
	}

	// The developer drafts and sends.
	if err := webtest.Login(b, base, "kaifa", demo.Password); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(b,
		chromedp.Navigate(fmt.Sprintf("%s/contracts/new?unit=%d", base, unit.ID)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=unit_price]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=buyer_name]`), "张伟"),
		chromedp.SendKeys(chromedp.CSS(`input[name=buyer_id]`), "652301199003071231"),
		chromedp.SendKeys(chromedp.CSS(`input[name=unit_price]`), "6800"),
		webtest.Submit(`form.card button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`button[data-step=send]`)),
	)
	if err != nil {
		t.Fatalf("draft: %v", err)
	}
	webtest.Screenshot(t, b, "contract-draft")
	url, err := chromedp.Run(b, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, yes, webtest.Submit(`button[data-step=send]`), chromedp.WaitVisible(chromedp.CSS(`.alert.ok`))); err != nil {
		t.Fatalf("send: %v", err)
	}
	logout()

	// The buyer confirms.
	if err := webtest.Login(b, base, "zhangwei", demo.Password); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.Navigate(url), yes, webtest.Submit(`button[data-step=confirm]`), chromedp.WaitVisible(chromedp.CSS(`.alert.ok`))); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if msg := webtest.Text(t, b, ".alert.ok"); !strings.Contains(msg, "合同已签署") {
		t.Errorf("after the buyer's confirmation: %q", msg)
	}
	logout()

	// The developer files: the pre-notice is registered at once.
	if err := webtest.Login(b, base, "kaifa", demo.Password); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.Navigate(url), yes, webtest.Submit(`button[data-step=file]`), chromedp.WaitVisible(chromedp.CSS(`.alert.ok`))); err != nil {
		t.Fatalf("file: %v", err)
	}
	msg := webtest.Text(t, b, ".alert.ok")
	if !regexp.MustCompile(`新\(\d{4}\)昌吉市不动产证明第\d{7}号`).MatchString(msg) {
		t.Errorf("filing message = %q, want the pre-notice's 不动产证明号", msg)
	}
	webtest.Screenshot(t, b, "contract-filed")

	// The 楼盘表 cell of the unit now shows 已预告: filed, with the
	// pre-notice registered in the same step.
	if err := chromedp.Do(b, chromedp.Navigate(fmt.Sprintf("%s/buildings/%d", base, building)), chromedp.WaitVisible(chromedp.CSS("table.grid"))); err != nil {
		t.Fatal(err)
	}
	class, err := chromedp.Run(b, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('a.cell[data-unit="%d"]').className`, unit.ID)))
	if err != nil || !strings.Contains(class, "s-prenoticed") {
		t.Errorf("cell class = %q, %v; want s-prenoticed", class, err)
	}
	title, _ := chromedp.Run(b, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('a.cell[data-unit="%d"]').title`, unit.ID)))
	if !strings.Contains(title, "已预告") {
		t.Errorf("cell title = %q, want 已预告", title)
	}
}

package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"handover/internal/demo"
	"handover/internal/web/webtest"
)

// A clerk logs in through the real login page in headless Chromium and
// sees the home page of her role.
func TestBrowserLogin(t *testing.T) {
	env := webtest.Start(t)
	ctx := webtest.Browser(t)
	tests := []struct {
		username, wantRole, wantNav string
	}{
		{"shouli", "受理", "编码与期限工具"},
		{"admin", "系统管理", "用户管理"},
		{"jianguan", "州级监管", "审计日志"},
	}
	for _, tt := range tests {
		if err := webtest.Login(ctx, env.HTTP.URL, tt.username, demo.Password); err != nil {
			t.Fatalf("login as %s: %v", tt.username, err)
		}
		h1, who, nav := webtest.Text(t, ctx, "main h1"), webtest.Text(t, ctx, ".who"), webtest.Text(t, ctx, "nav.side")
		webtest.Screenshot(t, ctx, "home-"+tt.username)
		if h1 != "工作台" || !strings.Contains(who, tt.wantRole) || !strings.Contains(nav, tt.wantNav) {
			t.Errorf("%s home: h1 %q, header %q, nav %q; want 工作台, role %q, nav item %q", tt.username, h1, who, nav, tt.wantRole, tt.wantNav)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.who button`)), chromedp.WaitVisible(chromedp.CSS(`input[name=username]`))); err != nil {
			t.Fatalf("logout: %v", err)
		}
	}
	// A wrong password shows the message on the login page.
	err := chromedp.Do(ctx,
		chromedp.Navigate(env.HTTP.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "shouli"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "wrong-password1"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert.err`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if msg := webtest.Text(t, ctx, ".alert.err"); !strings.Contains(msg, "用户名或密码错误") {
		t.Errorf("wrong password message = %q", msg)
	}
}

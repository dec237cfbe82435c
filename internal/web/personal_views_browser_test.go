package web_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"handover/internal/web/webtest"
)

// The buyer sees on their own page who looked at their data: the housing
// bureau's clerk who opened their contract is listed with the bureau, the
// record and the channel; the clerk's look at another buyer's contract and
// the buyer's own look at their contract are not.
func TestBrowserBuyerSeesWhoViewedTheirData(t *testing.T) {
	env := webtest.StartDemo(t)
	// Numbers are sealed; the blind index finds the same person's rows.
	var index string
	if err := env.Raw.QueryRow(`SELECT id_index FROM users WHERE username = 'zhangwei'`).Scan(&index); err != nil {
		t.Fatal(err)
	}
	var own, other int64
	if err := env.Raw.QueryRow(`SELECT contract_id FROM contract_buyers WHERE id_index = $1 ORDER BY contract_id LIMIT 1`, index).Scan(&own); err != nil {
		t.Fatal(err)
	}
	if err := env.Raw.QueryRow(`SELECT contract_id FROM contract_buyers WHERE id_index <> $1 ORDER BY contract_id LIMIT 1`, index).Scan(&other); err != nil {
		t.Fatal(err)
	}
	s := &browserSession{t: t, b: webtest.Browser(t), base: env.HTTP.URL}
	s.as("zhujian")
	for _, id := range []int64{own, other} {
		s.do("the clerk opens a contract", chromedp.Navigate(fmt.Sprintf("%s/contracts/%d", s.base, id)), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	s.as("zhangwei")
	s.do("the buyer opens their contract", chromedp.Navigate(fmt.Sprintf("%s/contracts/%d", s.base, own)), chromedp.WaitVisible(chromedp.CSS("main h1")))
	s.do("my page", chromedp.Navigate(s.base+"/my"), chromedp.WaitVisible(chromedp.CSS(`#viewed`)))
	webtest.Screenshot(t, s.b, "my-viewed")
	rows, err := chromedp.Run(s.b, chromedp.Evaluate[int](`document.querySelectorAll('#viewed tbody tr').length`))
	if err != nil || rows != 1 {
		t.Fatalf("rows of 谁查看了我的信息: got %d (%v), want 1 (the clerk's look at this buyer's contract only)", rows, err)
	}
	for _, tt := range []struct{ css, want string }{
		{"#viewed tbody tr .who", "陈刚"},
		{"#viewed tbody tr .org", "昌吉市住房和城乡建设局"},
		{"#viewed tbody tr .what", "网签合同"},
		{"#viewed tbody tr .via", "页面"},
	} {
		if got := webtest.Text(t, s.b, tt.css); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.css, got, tt.want)
		}
	}
}

package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"handover/internal/demo"
	"handover/internal/inquiry"
	"handover/internal/web/webtest"
)

// A clerk at the registration window answers a register query in the
// pages: a query without the proof its standing needs is refused at the
// field; a court's interested party with the acceptance notice gets the
// signed 查询结果证明 naming the holders (ID numbers masked) and the
// rights; the proof's QR address verifies it in full without a login; and
// the holder sees on their own page who was told about them, and why.
func TestBrowserRegisterInquiry(t *testing.T) {
	env := webtest.StartDemo(t)
	const buyerID = "652301199003071231" // zhangwei
	var unitNo string
	if err := env.Raw.QueryRow(`SELECT u.unit_no FROM register_holders h JOIN register_entries e ON e.id = h.entry_id JOIN units u ON u.id = e.unit_id
		WHERE h.id_index = (SELECT id_index FROM users WHERE username = 'zhangwei') AND e.kind = 'ownership'
		AND NOT EXISTS (SELECT 1 FROM register_entries x WHERE x.ends_entry = e.id) ORDER BY e.id LIMIT 1`).Scan(&unitNo); err != nil {
		t.Fatalf("the demo buyer's registered flat: %v", err)
	}
	b := webtest.Browser(t)
	if err := webtest.Login(b, env.HTTP.URL, "shouli", demo.Password); err != nil {
		t.Fatal(err)
	}
	form := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(env.HTTP.URL + "/inquiries"), chromedp.WaitVisible(chromedp.CSS(`#inquiry-form`)),
		chromedp.SetValue(chromedp.CSS(`#requester`), "interested"),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "王五"),
		chromedp.SendKeys(chromedp.CSS(`input[name=id_number]`), "652301199001011235"),
		chromedp.SendKeys(chromedp.CSS(`input[name=purpose]`), "民事诉讼需查明房屋权属"),
		chromedp.SetValue(chromedp.CSS(`#by`), "unit_no"),
		chromedp.SendKeys(chromedp.CSS(`input[name=key]`), unitNo),
	}
	// Without the acceptance notice: refused at the proof, nothing issued.
	if err := chromedp.Do(b, append(form, webtest.Submit(`#inquire`), chromedp.WaitVisible(chromedp.CSS(`#inquiry-form`)))...); err != nil {
		t.Fatal(err)
	}
	webtest.Screenshot(t, b, "inquiry-refused")
	if got := webtest.Text(t, b, `#inquiry-form label:has(select[name=basis]) + .field-error`); !strings.Contains(got, "受理通知书") {
		t.Errorf("the proof's field error: %q, want it to ask for the contract or acceptance notice", got)
	}
	// With it: the proof.
	if err := chromedp.Do(b, append(form,
		chromedp.SetValue(chromedp.CSS(`#basis`), "lawsuit"),
		chromedp.SendKeys(chromedp.CSS(`input[name=basis_no]`), "（2026）新2301民初88号"),
		webtest.Submit(`#inquire`), chromedp.WaitVisible(chromedp.CSS(`#inquiry`)))...); err != nil {
		t.Fatal(err)
	}
	webtest.Screenshot(t, b, "inquiry-proof")
	if got := webtest.Text(t, b, `#inquiry-unit-no`); got != unitNo {
		t.Errorf("the proof's unit: %q, want %s", got, unitNo)
	}
	holders := webtest.Text(t, b, `#inquiry-holders`)
	if !strings.Contains(holders, "6523**********1231") || strings.Contains(holders, buyerID) {
		t.Errorf("the holders: %q, want the buyer with the ID number masked", holders)
	}
	if got := webtest.Text(t, b, `#inquiry-rights`); !strings.Contains(got, "房屋所有权") {
		t.Errorf("the rights: %q, want the ownership", got)
	}
	if got := webtest.Text(t, b, `#inquiry-purpose`); got != "民事诉讼需查明房屋权属" {
		t.Errorf("the purpose: %q", got)
	}
	// The proof's signed file, as the page links it, verifies offline
	// against the authority's certificate.
	href, err := chromedp.Run(b, chromedp.Evaluate[string](`document.querySelector('#inquiry-file').getAttribute('href')`))
	if err != nil {
		t.Fatal(err)
	}
	status, file := get(t, env.Client(t, "shouli"), env.HTTP.URL+href)
	if status != 200 {
		t.Fatalf("the proof's file %s: got status %d, want 200", href, status)
	}
	res, err := inquiry.CheckFile([]byte(file), "")
	if err != nil {
		t.Fatalf("the proof's file: %v", err)
	}
	q, err := env.DB.InquiryByNumber(context.Background(), res.Number)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := env.DB.AuthorityCertificate(context.Background(), q.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := inquiry.CheckFile([]byte(file), pem); err != nil || res.UnitNo != unitNo || res.Purpose != "民事诉讼需查明房屋权属" {
		t.Errorf("the proof's file against the authority: got %s %s, %v; want %s and the purpose", res.UnitNo, res.Purpose, err, unitNo)
	}
	verify := webtest.Text(t, b, `#inquiry-verify-url`)
	at := strings.Index(verify, "/verify/inquiry/")
	if at < 0 {
		t.Fatalf("the verification address %q", verify)
	}

	// Anyone with the QR code verifies it in full, without a login.
	pub := webtest.Browser(t)
	if err := chromedp.Do(pub, chromedp.Navigate(env.HTTP.URL+verify[at:]), chromedp.WaitVisible(chromedp.CSS(`#inquiry-verification`))); err != nil {
		t.Fatal(err)
	}
	webtest.Screenshot(t, pub, "inquiry-verify")
	scope, err := chromedp.Run(pub, chromedp.Evaluate[string](`document.querySelector('#inquiry-verification').dataset.scope`))
	if err != nil {
		t.Fatal(err)
	}
	if sig := webtest.Text(t, pub, `#signature`); scope != "full" || sig != "签名有效" {
		t.Errorf("public verification: scope %q, %q; want full and 签名有效", scope, sig)
	}

	// The holder sees the query among the views of their data.
	var rows []string
	if err := webtest.Login(pub, env.HTTP.URL, "zhangwei", demo.Password); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(pub, chromedp.Navigate(env.HTTP.URL+"/my"), chromedp.WaitVisible(chromedp.CSS(`#viewed`))); err != nil {
		t.Fatal(err)
	}
	rows, err = chromedp.Run(pub, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#viewed tbody tr')].map(r => r.querySelector('.what').textContent + '|' + r.querySelector('.purpose').textContent + '|' + r.querySelector('.via').textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(rows, "\n"), "不动产登记资料查询|民事诉讼需查明房屋权属|登记窗口查询") {
		t.Errorf("the holder's views: %q, want the query with its purpose", rows)
	}
}

// The buyer, signed in, queries the register of their own flat from their
// page: without a purpose the field says so; with one, the signed
// 查询结果证明 opens, naming them as the holder who asked online, and its
// file downloads for them and verifies.
func TestBrowserHolderQueriesOnline(t *testing.T) {
	env := webtest.StartDemo(t)
	b := webtest.Browser(t)
	if err := webtest.Login(b, env.HTTP.URL, "zhangwei", demo.Password); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.Navigate(env.HTTP.URL+"/my"), chromedp.WaitVisible(chromedp.CSS(`form.own-inquiry`))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(b, chromedp.Evaluate[any](`document.querySelector('form.own-inquiry input[name=purpose]').removeAttribute('required')`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, webtest.Submit(`form.own-inquiry button`), chromedp.WaitVisible(chromedp.CSS(`form.own-inquiry`))); err != nil {
		t.Fatal(err)
	}
	webtest.Screenshot(t, b, "my-inquiry-refused")
	if got := webtest.Text(t, b, `form.own-inquiry .field-error`); !strings.Contains(got, "目的") {
		t.Errorf("without a purpose: %q, want the purpose asked for", got)
	}
	const purpose = "申请住房公积金贷款需提供本人房产登记结果"
	if err := chromedp.Do(b, chromedp.SendKeys(chromedp.CSS(`form.own-inquiry input[name=purpose]`), purpose),
		webtest.Submit(`form.own-inquiry button`), chromedp.WaitVisible(chromedp.CSS(`#inquiry`))); err != nil {
		t.Fatal(err)
	}
	webtest.Screenshot(t, b, "inquiry-own")
	for css, want := range map[string]string{"#inquiry-purpose": purpose, "#inquiry-requester": "权利人", "#inquiry-channel": "网上查询"} {
		if got := webtest.Text(t, b, css); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", css, got, want)
		}
	}
	if got := webtest.Text(t, b, `#inquiry-holders`); !strings.Contains(got, "张伟") {
		t.Errorf("the holders: %q, want the buyer", got)
	}
	href, err := chromedp.Run(b, chromedp.Evaluate[string](`document.querySelector('#inquiry-file').getAttribute('href')`))
	if err != nil {
		t.Fatal(err)
	}
	status, file := get(t, env.Client(t, "zhangwei"), env.HTTP.URL+href)
	if status != 200 {
		t.Fatalf("the buyer's proof file: status %d", status)
	}
	if r, err := inquiry.CheckFile([]byte(file), ""); err != nil || r.Purpose != purpose {
		t.Errorf("the buyer's proof file: %+v %v", r, err)
	}
	// Their page lists the proof they asked for.
	if err := chromedp.Do(b, chromedp.Navigate(env.HTTP.URL+"/my"), chromedp.WaitVisible(chromedp.CSS(`#my-inquiries`))); err != nil {
		t.Fatal(err)
	}
	if got := webtest.Text(t, b, `#my-inquiries tbody tr:first-child td:nth-child(3)`); got != purpose {
		t.Errorf("the buyer's queries: %q, want the one just made", got)
	}
	// The developer may not open it.
	if status, _ := get(t, env.Client(t, "kaifa"), env.HTTP.URL+href); status != 403 {
		t.Errorf("the developer opens the buyer's proof file: status %d, want 403", status)
	}
}

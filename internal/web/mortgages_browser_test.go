package web_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"handover/internal/certificate"
	"handover/internal/demo"
	"handover/internal/registry"
	"handover/internal/web/webtest"
)

// The bank's clerk opens the bank's page: every 预抵押 and mortgage the
// bank holds, each with its signed 不动产登记证明; a live 预抵押's proof
// opens as a signed proof of the pre-notice of the loan.
func TestBrowserBankSeesItsSignedProofs(t *testing.T) {
	env := webtest.StartDemo(t)
	b := webtest.Browser(t)
	if err := webtest.Login(b, env.HTTP.URL, "yinhang", demo.Password); err != nil {
		t.Fatal(err)
	}
	rows := func() map[string]int {
		t.Helper()
		counts, err := chromedp.Run(b, chromedp.Evaluate[map[string]int](`(() => {
			const out = {};
			for (const r of document.querySelectorAll('#mortgages tbody tr')) {
				const signed = r.querySelector('.proof a') && r.querySelector('.proof .badge.ok') ? '/signed' : '/unsigned';
				const k = r.dataset.kind + '/' + r.dataset.proof + signed;
				out[k] = (out[k] || 0) + 1;
			}
			return out;
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		return counts
	}
	// By default the ones it holds now, a page at a time, each proof signed.
	if err := chromedp.Do(b, chromedp.Navigate(env.HTTP.URL+"/mortgages"), chromedp.WaitVisible(chromedp.CSS(`#mortgages`))); err != nil {
		t.Fatal(err)
	}
	webtest.Screenshot(t, b, "bank-proofs")
	current := rows()
	if n := len(current); n == 0 || current["prenotice/live/signed"]+current["mortgage/live/signed"] != 50 {
		t.Errorf("the first page of current rows: %v, want 50 live, signed proofs", current)
	}
	// All of them: a 预抵押 the handover converted shows its cancelled proof.
	if err := chromedp.Do(b, webtest.Submit(`a[data-show="all"]`), chromedp.WaitVisible(chromedp.CSS(`#mortgages`))); err != nil {
		t.Fatal(err)
	}
	if all := rows(); all["prenotice/cancelled/signed"] == 0 || all["mortgage/live/signed"] == 0 {
		t.Errorf("all rows: %v, want converted 预抵押 with cancelled proofs beside the mortgages", all)
	}
	// A 预抵押 still waiting for its flat's handover, found by its number.
	var uscc, number string
	if err := env.Raw.QueryRow(`SELECT o.uscc FROM organisations o JOIN users s ON s.org_id = o.id WHERE s.username = 'yinhang'`).Scan(&uscc); err != nil {
		t.Fatal(err)
	}
	held, err := env.DB.MortgagesOf(context.Background(), uscc) // holders' numbers are sealed: found through the store
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range held {
		if number == "" && m.Entry.Kind == registry.PreNotice && m.Entry.PreNoticeKind == registry.PreNoticeMortgage && m.Proof.State == "live" {
			number = m.Proof.Number
		}
	}
	if number == "" {
		t.Fatal("the bank holds no live 预抵押 with a proof")
	}
	if err := chromedp.Do(b, chromedp.Navigate(env.HTTP.URL+"/mortgages?q="+url.QueryEscape(number)), chromedp.WaitVisible(chromedp.CSS(`#mortgages`)),
		webtest.Submit(`#mortgages tr[data-kind="prenotice"][data-proof="live"] .proof a`), chromedp.WaitVisible(chromedp.CSS(`#matter`))); err != nil {
		t.Fatal(err)
	}
	webtest.Screenshot(t, b, "bank-prenotice-proof")
	if got := webtest.Text(t, b, "#matter"); got != "预售商品房抵押权预告登记" {
		t.Errorf("the proof states %q, want 预售商品房抵押权预告登记", got)
	}
}

// A running server issues the pre-notice proof of a contract filed through
// it within seconds, signed, without anyone asking.
func TestServerIssuesFiledContractsProofs(t *testing.T) {
	env, c := startRegistration(t)
	ctx := context.Background()
	deadline := time.Now().Add(15 * time.Second)
	for {
		certs, err := env.DB.CertificatesOfUnit(ctx, c.UnitID)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range certs {
			if x.Kind == certificate.Proof && x.Number == c.PreNoticeNo && len(x.Signature) > 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no signed proof of pre-notice %s after 15 s: %+v", c.PreNoticeNo, certs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

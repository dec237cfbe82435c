package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"handover/internal/demo"
	"handover/internal/web/webtest"
)

// certificateBoxes is what the page measures of a certificate: which of
// its identifiers and its seal stick out of the frame's inner edge, and
// how wide the document is against the window.
const certificateBoxes = `(() => {
  const frame = document.getElementById('certificate');
  const f = frame.getBoundingClientRect();
  const inner = {left: f.left + frame.clientLeft, top: f.top + frame.clientTop};
  inner.right = inner.left + frame.clientWidth;
  inner.bottom = inner.top + frame.clientHeight;
  const out = [];
  for (const sel of ['#cert-no', '#cert-unit-no', '#cert-licence', '#cert-verify-url', '#cert-authority', '#cert-seal', '#cert-seal svg', '.cert-qr']) {
    const el = document.querySelector(sel);
    if (!el) { out.push(sel + ' missing'); continue; }
    for (const r of [el.getBoundingClientRect(), ...el.getClientRects()]) {
      if (r.width === 0 || r.left < inner.left - 0.5 || r.right > inner.right + 0.5 || r.top < inner.top - 0.5 || r.bottom > inner.bottom + 0.5) {
        out.push(sel + ' at [' + [r.left, r.top, r.right, r.bottom].map(Math.round) + '] outside the frame [' +
          [inner.left, inner.top, inner.right, inner.bottom].map(Math.round) + ']');
        break;
      }
    }
  }
  const seal = document.querySelector('#cert-seal svg');
  return {outside: out, scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
    frameHeight: f.height, sealWidth: seal ? seal.getBoundingClientRect().width : 0,
    licenceLines: document.querySelector('#cert-licence').getClientRects().length};
})()`

type certificateLayout struct {
	Outside      []string `json:"outside"`
	ScrollWidth  float64  `json:"scrollWidth"`
	InnerWidth   float64  `json:"innerWidth"`
	FrameHeight  float64  `json:"frameHeight"`
	SealWidth    float64  `json:"sealWidth"`
	LicenceLines int      `json:"licenceLines"`
}

// pdfPages counts the pages of a PDF Chromium printed.
var pdfPages = regexp.MustCompile(`/Type\s*/Page\b[^s]`)

// The certificate page holds together on a phone 375 px wide, at an A4
// sheet's width on screen, and printed on A4: the certificate number, the
// unit number, the licence identifier, the verification address and the
// authority's seal lie inside the certificate's frame, and nothing makes
// the page scroll sideways; printed, it is one A4 page.
func TestBrowserCertificateFitsPhoneAndA4(t *testing.T) {
	env, c := startRegistration(t)
	cert := issueTitle(t, env, c)
	b := webtest.Browser(t)
	if err := webtest.Login(b, env.HTTP.URL, "dengbu", demo.Password); err != nil {
		t.Fatal(err)
	}
	certURL := fmt.Sprintf("%s/certificates/%d", env.HTTP.URL, cert.ID)
	// An A4 sheet is 210 × 297 mm; printed with the page's 14 mm margins
	// the certificate has 182 × 269 mm, at 96 px to the inch.
	const a4Width, a4Height, a4PrintWidth, a4PrintHeight = 794, 1123, 688, 1016
	for _, v := range []struct {
		name          string
		width, height int64
		mobile, print bool
	}{
		{"phone", 375, 812, true, false},
		{"a4-screen", a4Width, a4Height, false, false},
		{"a4-print", a4PrintWidth, a4PrintHeight, false, true},
	} {
		media := ""
		if v.print {
			media = "print"
		}
		opts := []chromedp.EmulateViewportOption{chromedp.EmulatePortrait}
		if v.mobile {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateScale(2))
		}
		err := chromedp.Do(b,
			chromedp.EmulateViewport(v.width, v.height, opts...),
			chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
				return err
			}),
			chromedp.Navigate(certURL),
			chromedp.WaitReady(chromedp.CSS(`#cert-seal svg`)),
		)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		webtest.Screenshot(t, b, "certificate-"+v.name)
		got, err := chromedp.Run(b, chromedp.Evaluate[certificateLayout](certificateBoxes))
		if err != nil {
			t.Fatalf("%s: measure: %v", v.name, err)
		}
		for _, o := range got.Outside {
			t.Errorf("%s: %s", v.name, o)
		}
		if got.InnerWidth != float64(v.width) {
			t.Errorf("%s: the window is %.0f px wide, want %d: the browser zoomed out to fit the page", v.name, got.InnerWidth, v.width)
		}
		if got.ScrollWidth > got.InnerWidth {
			t.Errorf("%s: the page is %.0f px wide in a window of %.0f: it scrolls sideways", v.name, got.ScrollWidth, got.InnerWidth)
		}
		if got.SealWidth < 100 {
			t.Errorf("%s: the seal is %.0f px wide", v.name, got.SealWidth)
		}
		if v.mobile && got.LicenceLines < 2 {
			t.Errorf("%s: the licence identifier did not wrap (%d line)", v.name, got.LicenceLines)
		}
		if v.print && got.FrameHeight > a4PrintHeight {
			t.Errorf("%s: the certificate is %.0f px high, more than an A4 sheet's %d", v.name, got.FrameHeight, a4PrintHeight)
		}
	}
	// The seal carries the signing key's organisation round its ring.
	keys, err := env.DB.Keys(context.Background())
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys: %v", err)
	}
	ring, err := chromedp.Run(b, chromedp.Evaluate[string](`[...document.querySelectorAll('#certificate #cert-seal .seal-char')].map(e => e.textContent).join('')`))
	if err != nil || ring != keys[0].Subject || ring == "" {
		t.Errorf("the seal's ring reads %q, want the signing key's organisation %q (%v)", ring, keys[0].Subject, err)
	}
	// Printed by the browser on A4 paper, as an applicant would print it.
	pdf, err := chromedp.Run(b, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), func(p *page.PrintToPDFParams) { p.PreferCSSPageSize = new(true) }))
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("HANDOVER_SCREENSHOTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "certificate-a4.pdf"), pdf, 0o644)
	}
	if n := len(pdfPages.FindAll(pdf, -1)); n != 1 {
		t.Errorf("the certificate prints on %d A4 pages, want 1", n)
	}
}

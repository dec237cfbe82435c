package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"handover/internal/courier"
	"handover/internal/exchange"
	"handover/internal/store"
	"handover/internal/web/webtest"
)

// signedDelivery is what a partner received: enough to check the
// signature with any secret afterwards.
type signedDelivery struct{ ts, body, header string }

// recordingPartner acknowledges every delivery and keeps the last one.
type recordingPartner struct {
	mu   sync.Mutex
	last signedDelivery
}

func (p *recordingPartner) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.last = signedDelivery{r.Header.Get(exchange.HeaderTimestamp), string(body), r.Header.Get(exchange.HeaderSignature)}
	p.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (p *recordingPartner) verifies(secret string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return exchange.Verify([]byte(secret), p.last.ts, []byte(p.last.body), p.last.header)
}

// An administrator rotates a partner endpoint's secret on the partners
// page, after confirming: the new secret is shown once, the row says the
// changeover is under way and until when, and the next delivery verifies
// with the old secret and with the one shown. Ending the changeover, after
// confirming, leaves the shown secret alone.
func TestBrowserPartnerSecretRotation(t *testing.T) {
	env := webtest.Start(t)
	ctx := context.Background()
	partner := &recordingPartner{}
	srv := httptest.NewServer(partner)
	defer srv.Close()
	const oldKey = "old-secret-0123456789"
	ep, err := env.DB.PutEndpoint(ctx, actorOfUser(env, "cj-admin"), exchange.Endpoint{OrgID: env.Demo.Orgs["652301/tax"].ID, Name: "税收征管系统",
		URL: srv.URL, Secret: oldKey, Events: []string{exchange.ContractFiled}, Jurisdiction: "652301", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	c := &courier.Courier{DB: env.DB, Client: srv.Client(), Log: slog.New(slog.DiscardHandler), Now: env.Clock.Now}
	seq := 0
	deliver := func() {
		t.Helper()
		seq++
		now := env.Clock.Now().UTC()
		var id int64
		agg := fmt.Sprintf("unit:%d", seq)
		payload, err := store.SealedEventPayload(env.DB.Keyring(), agg, "{}")
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Raw.QueryRow(`INSERT INTO outbox (type, aggregate, jurisdiction, payload, created_at) VALUES ('contract.filed', $1, '652301', $2, $3) RETURNING id`,
			agg, payload, now).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Raw.Exec(`INSERT INTO deliveries (outbox_id, endpoint_id, aggregate, state, next_at) VALUES ($1, $2, $3, 'pending', $4)`,
			id, ep.ID, fmt.Sprintf("unit:%d", seq), now); err != nil {
			t.Fatal(err)
		}
		if n, err := c.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("courier: %d delivered, %v; want 1", n, err)
		}
	}

	s := &browserSession{t: t, b: webtest.Browser(t), base: env.HTTP.URL}
	s.as("cj-admin")
	row := fmt.Sprintf(`#endpoints tr[data-endpoint="%d"]`, ep.ID)
	text := func(css string) string {
		t.Helper()
		got, err := chromedp.Run(s.b, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, css)))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(got), " ")
	}
	present := func(css string) bool {
		t.Helper()
		got, err := chromedp.Run(s.b, chromedp.Evaluate[bool](fmt.Sprintf(`!!document.querySelector(%q)`, css)))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// The confirmation the page asked, kept across the page load that
	// follows; the answer is yes.
	answerYes := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](`sessionStorage.removeItem("asked"); window.confirm = m => { sessionStorage.setItem("asked", m); return true }`)(ctx, tg)
		return err
	})
	asked := func() string {
		t.Helper()
		got, err := chromedp.Run(s.b, chromedp.Evaluate[string](`sessionStorage.getItem("asked") || ""`))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	s.do("the partners page", chromedp.Navigate(s.base+"/admin/partners"), chromedp.WaitVisible(chromedp.CSS(row)))
	if got := text(row + " td.secret .single"); got != "单一密钥" || present(row+" .changeover") {
		t.Errorf("before a rotation the row says %q (changeover shown: %v), want 单一密钥", got, present(row+" .changeover"))
	}

	// Rotate with a window of 3 days.
	s.do("rotate",
		chromedp.Click(chromedp.CSS(row+" details.rotate summary")),
		chromedp.WaitVisible(chromedp.CSS(row+` form.rotate input[name="days"]`)),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[any](fmt.Sprintf(`document.querySelector(%q).value = "3"`, row+` form.rotate input[name="days"]`))(ctx, tg)
			return err
		}),
		answerYes,
		webtest.Submit(row+` form.rotate button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`#rotated`)),
	)
	webtest.Screenshot(t, s.b, "partners-rotated")
	if q := asked(); !strings.Contains(q, "确定轮换") || !strings.Contains(q, "税收征管系统") {
		t.Errorf("the rotation asked %q, want a confirmation naming the endpoint", q)
	}
	secret := text(`#rotated code.token`)
	if !regexp.MustCompile(`^[0-9a-f]{48}$`).MatchString(secret) {
		t.Fatalf("the page shows %q as the new secret, want 48 hexadecimal digits", secret)
	}
	// storetest's clock starts at 2026-03-10 10:00 in China: 3 days on.
	const until = "2026-03-13 10:00"
	if got := text(`#rotated`); !strings.Contains(got, "只显示这一次") || !strings.Contains(got, "旧密钥有效至 "+until) {
		t.Errorf("the rotation's message: %q, want the secret shown once and the old one valid until %s", got, until)
	}
	if got, want := text(row+" td.secret .changeover"), "密钥轮换中：旧密钥有效至 "+until; got != want {
		t.Errorf("the row says %q, want %q", got, want)
	}
	if stored, _ := env.DB.Endpoint(ctx, ep.ID); stored.Secret != secret || stored.PreviousSecret != oldKey {
		t.Errorf("stored secrets: current is the shown one %v, previous is the old one %v", stored.Secret == secret, stored.PreviousSecret == oldKey)
	}
	deliver()
	if !partner.verifies(oldKey) || !partner.verifies(secret) {
		t.Errorf("during the changeover: verifies with the old secret %v, with the shown one %v; want both", partner.verifies(oldKey), partner.verifies(secret))
	}

	// Shown once: the page opened again has neither the message nor the
	// secret anywhere in it, only the changeover.
	s.do("the partners page again", chromedp.Navigate(s.base+"/admin/partners"), chromedp.WaitVisible(chromedp.CSS(row)))
	html, err := chromedp.Run(s.b, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	if present(`#rotated`) || strings.Contains(html, secret) || strings.Contains(html, oldKey) {
		t.Errorf("opened again, the page still shows a secret")
	}
	if got := text(row + " td.secret .changeover"); !strings.Contains(got, until) {
		t.Errorf("opened again, the row says %q, want the changeover until %s", got, until)
	}

	// End the changeover now.
	s.do("end the changeover", answerYes, webtest.Submit(row+` form.end-rotation button[type="submit"]`), chromedp.WaitVisible(chromedp.CSS(`#flash`)))
	if q := asked(); !strings.Contains(q, "旧密钥立即失效") {
		t.Errorf("ending asked %q, want a confirmation that the old secret stops at once", q)
	}
	if got := text(`#flash`); !strings.Contains(got, "已结束“税收征管系统”的密钥轮换") {
		t.Errorf("after ending: %q", got)
	}
	if present(row+" .changeover") || text(row+" td.secret .single") != "单一密钥" || present(row+" form.end-rotation") {
		t.Errorf("after ending, the row still shows a changeover: %q", text(row+" td.secret"))
	}
	env.Clock.Advance(time.Minute)
	deliver()
	if partner.verifies(oldKey) || !partner.verifies(secret) {
		t.Errorf("after ending: verifies with the old secret %v, with the shown one %v; want only the shown one", partner.verifies(oldKey), partner.verifies(secret))
	}
}

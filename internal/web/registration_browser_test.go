package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/demo"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/registerlog"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/store/storetest"
	"handover/internal/web/webtest"
)

// startRegistration files building 0 of the demo project with two sold
// flats, their deed tax assessed and the first one's paid. It returns the
// first flat's contract.
func startRegistration(t *testing.T) (*webtest.Env, presale.Contract) {
	t.Helper()
	env, project, _ := startCompletion(t, stageFiled)
	ctx := context.Background()
	taxes := actorOfUser(env, "shuiwu")
	if _, err := env.DB.AssessDeedTax(ctx, taxes, project); err != nil {
		t.Fatal(err)
	}
	cs, err := env.DB.ListContracts(ctx, accessAll(), store.ContractQuery{ProjectID: project, State: presale.Filed})
	if err != nil || len(cs) == 0 {
		t.Fatalf("contracts: %v", err)
	}
	c := cs[len(cs)-1] // the first filed
	if _, err := env.DB.PayDeedTax(ctx, taxes, c.ID, "电子完税凭证001", "api"); err != nil {
		t.Fatal(err)
	}
	return env, c
}

// browserSession drives one browser through the pages as several users.
type browserSession struct {
	t    *testing.T
	b    context.Context
	base string
}

func (s *browserSession) as(user string) {
	s.t.Helper()
	if err := chromedp.Do(s.b, chromedp.Navigate(s.base+"/login")); err != nil {
		s.t.Fatal(err)
	}
	if in, _ := chromedp.Run(s.b, chromedp.Evaluate[bool](`!!document.querySelector('.who button')`)); in {
		if err := chromedp.Do(s.b, webtest.Submit(`.who button`)); err != nil {
			s.t.Fatal(err)
		}
	}
	if err := webtest.Login(s.b, s.base, user, demo.Password); err != nil {
		s.t.Fatalf("login %s: %v", user, err)
	}
}

// stepTimeout bounds one step of a browser session, well inside the
// browser context's own deadline (webtest.Browser), so that a step that
// waits for what never comes still leaves time to read the page and say
// why.
const stepTimeout = 45 * time.Second

// do runs actions, failing the test with the page's alert on error, and
// with the controls still disabled (a picker whose list failed to load
// says so in its placeholder).
func (s *browserSession) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	step, cancel := context.WithTimeout(s.b, stepTimeout)
	defer cancel()
	if err := chromedp.Do(step, actions...); err != nil {
		msg, _ := chromedp.Run(s.b, chromedp.Evaluate[string](`location.pathname + "\n" +
			(document.querySelector('.alert.err') || document.querySelector('main') || document.body).innerText.slice(0, 600) +
			[...document.querySelectorAll('select:disabled')].map(el => "\n" + (el.name || el.dataset.pick || "select") + " disabled: " + (el.options[0] ? el.options[0].text : "")).join("")`))
		values, _ := chromedp.Run(s.b, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-picker] select')]
			.map(el => (el.dataset.pick || el.name) + "=" + JSON.stringify(el.value)).join(" ")`))
		s.t.Fatalf("%s: %v\n%s\npickers: %s\nthe page's requests:\n%s\nserver goroutines in handover's code:\n%s",
			what, err, msg, values, webtest.Fetches(s.b), handoverGoroutines())
	}
}

// handoverGoroutines is the stack of every goroutine running the platform's
// own code, so that a step which waits for an answer never sent shows where
// the server is.
func handoverGoroutines() string {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "handover/internal/") && !strings.Contains(g, "handoverGoroutines") &&
			!strings.Contains(g, "testing.tRunner") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}

var acceptConfirm = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	_, err := chromedp.Evaluate[any](`window.confirm = () => true`)(ctx, t)
	return err
})

// A clerk takes a combined application (首次登记 + 转移登记) at the window;
// the reviewer returns it for correction, the acceptor takes it again, the
// reviewer approves, and the recorder records, certifies and issues — each
// through the pages, each by a different person.
func TestBrowserRegistrationSteps(t *testing.T) {
	env, c := startRegistration(t)
	ref, err := env.DB.Unit(context.Background(), c.UnitID)
	if err != nil {
		t.Fatal(err)
	}
	s := &browserSession{t: t, b: webtest.Browser(t), base: env.HTTP.URL}

	s.as("shouli")
	s.do("new application",
		chromedp.Navigate(s.base+"/registration"),
		webtest.Submit(`a[href="/applications/new"]`),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=applicants]`), "买受人 "+storetest.Applicants("买受人")[0].IDNumber),
		chromedp.SetValue(chromedp.CSS(`select[name=kind_0]`), "first"),
		chromedp.SendKeys(chromedp.CSS(`input[name=unit_no_0]`), ref.Unit.UnitNo),
		chromedp.SetValue(chromedp.CSS(`select[name=kind_1]`), "transfer"),
		chromedp.SendKeys(chromedp.CSS(`input[name=unit_no_1]`), ref.Unit.UnitNo),
		webtest.Submit(`form[action="/applications"] button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#services`)),
	)
	webtest.Screenshot(t, s.b, "application-accepted")
	if flash := webtest.Text(t, s.b, ".alert.ok"); !strings.Contains(flash, "已受理，受理号 652301-") {
		t.Errorf("after accepting: %q", flash)
	}
	url, err := chromedp.Run(s.b, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	states := func() string {
		t.Helper()
		got, err := chromedp.Run(s.b, chromedp.Evaluate[string](`[...document.querySelectorAll('#services tr[data-state]')].map(r => r.dataset.kind + ':' + r.dataset.state).join(' ')`))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := states(); got != "first:accepted transfer:accepted" {
		t.Fatalf("accepted: %s", got)
	}
	if ok, _ := chromedp.Run(s.b, chromedp.Evaluate[bool](`!document.querySelector('#do-review')`)); !ok {
		t.Errorf("the acceptor is offered the review of her own application")
	}

	// The reviewer finds it in the queue and returns it.
	s.as("shenhe")
	s.do("return",
		chromedp.Navigate(s.base+"/registration?state=accepted"),
		webtest.Submit(`#queue a`),
		chromedp.WaitVisible(chromedp.CSS(`#do-review`)),
		acceptConfirm,
		chromedp.SendKeys(chromedp.CSS(`input[name=reason]`), "申请书缺少买受人签字"),
		webtest.Submit(`form[data-confirm] button.danger`),
	)
	if got := states(); got != "first:returned transfer:returned" {
		t.Fatalf("returned: %s", got)
	}
	s.as("shouli")
	s.do("accept again", chromedp.Navigate(url), webtest.Submit(`#action button`))
	s.as("shenhe")
	s.do("review", chromedp.Navigate(url), webtest.Submit(`#do-review`))
	if got := states(); got != "first:approved transfer:approved" {
		t.Fatalf("reviewed: %s", got)
	}
	if ok, _ := chromedp.Run(s.b, chromedp.Evaluate[bool](`!!document.querySelector('#no-blocks')`)); !ok {
		t.Errorf("an application whose rules all pass shows blocks")
	}

	// The recorder records, certifies and issues.
	s.as("dengbu")
	s.do("record", chromedp.Navigate(url), acceptConfirm, webtest.Submit(`#do-record`))
	if got := states(); got != "first:issued transfer:recorded" {
		t.Fatalf("recorded: %s", got)
	}
	s.do("certify", webtest.Submit(`#do-certify`))
	s.do("issue", chromedp.SetValue(chromedp.CSS(`select[name=delivery]`), "hand"), webtest.Submit(`#do-issue`))
	webtest.Screenshot(t, s.b, "application-issued")
	if got := states(); got != "first:issued transfer:issued" {
		t.Fatalf("issued: %s", got)
	}
	if state := webtest.Text(t, s.b, "#app-state"); state != "已办结" {
		t.Errorf("application state: %q", state)
	}
	steps, err := chromedp.Run(s.b, chromedp.Evaluate[string](`[...document.querySelectorAll('#history li')].map(l => l.dataset.step).join(' ')`))
	if want := "accept return accept review record certify issue"; err != nil || steps != want {
		t.Errorf("history: %q, want %q", steps, want)
	}
	// The certificate's printable page carries its QR code.
	s.do("certificate", webtest.Submit(`#certificates a`), chromedp.WaitVisible(chromedp.CSS(`.cert-foot img`)))
	loaded, err := chromedp.Run(s.b, chromedp.Evaluate[bool](`document.querySelector('.cert-foot img').naturalWidth > 100`))
	if err != nil || !loaded {
		t.Errorf("the QR code did not load: %v", err)
	}
	if st := webtest.Text(t, s.b, "#cert-state"); !strings.Contains(st, "现势") || !strings.Contains(st, "签名有效") {
		t.Errorf("certificate state: %q", st)
	}
}

// The public verification page of a certificate, looked at in the
// browser: by the licence identifier alone (typed, or an old QR code) it
// shows the status only — 现势, the signature, the authority — and no
// holder, flat, area or number; by the QR code's address, with its token,
// or with the number printed on the certificate typed into the page, the
// rest, the holder's name masked and never the ID number. After the flat
// is sold on, the same pages show 注销.
func TestBrowserPublicVerification(t *testing.T) {
	env, c := startRegistration(t)
	ctx := context.Background()
	cal := env.Cal.Get()
	keys := env.Keys
	steps := func(a registry.Application) {
		t.Helper()
		var err error
		if a, err = env.DB.Step(ctx, actorOfUser(env, "shenhe"), a.ID, registry.StepReview, store.StepOptions{}, keys); err != nil {
			t.Fatal(err)
		}
		for _, step := range []registry.Step{registry.StepRecord, registry.StepCertify, registry.StepIssue} {
			if a, err = env.DB.Step(ctx, actorOfUser(env, "dengbu"), a.ID, step, store.StepOptions{Delivery: "electronic"}, keys); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
		}
	}
	a, err := env.DB.CreateApplication(ctx, actorOfUser(env, "shouli"), cal, store.ApplicationInput{Applicants: storetest.Applicants("买受人"),
		Services: []store.ServiceInput{{Kind: registry.First, UnitID: c.UnitID}, {Kind: registry.Transfer, UnitID: c.UnitID}}})
	if err != nil {
		t.Fatal(err)
	}
	steps(a)
	certs := liveCertificates(t, env, c.UnitID)
	if len(certs) != 1 {
		t.Fatalf("certificates: %d", len(certs))
	}
	licence := certs[0].LicenceID
	var p certificate.Payload
	if err := json.Unmarshal(certs[0].Payload, &p); err != nil {
		t.Fatal(err)
	}

	b := webtest.Browser(t) // nobody logged in
	base := env.HTTP.URL
	qr := base + "/verify/" + licence + "?token=" + certificate.Token(licence, certs[0].Signature)
	exists := func(sel string) bool {
		t.Helper()
		ok, err := chromedp.Run(b, chromedp.Evaluate[bool](fmt.Sprintf(`!!document.querySelector(%q)`, sel)))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	// shown checks the verification on the page: its scope, its first
	// state, the signature, and the holder's ID number nowhere.
	shown := func(what, scope, state string) {
		t.Helper()
		if got, _ := chromedp.Run(b, chromedp.Evaluate[string](`document.querySelector('#verification').dataset.scope`)); got != scope {
			t.Errorf("%s: scope %q, want %s", what, got, scope)
		}
		got, err := chromedp.Run(b, chromedp.Evaluate[string](`[...document.querySelectorAll('#verification .state')].map(e => e.textContent).join(' ')`))
		if err != nil || !strings.HasPrefix(got, state) {
			t.Errorf("%s: state %q, want %s", what, got, state)
		}
		if sig := webtest.Text(t, b, "#signature"); sig != "签名有效" {
			t.Errorf("%s: signature %q", what, sig)
		}
		body := webtest.Text(t, b, "main")
		for _, id := range c.BuyerIDs() {
			if strings.Contains(body, id) || strings.Contains(body, id[len(id)-4:]) {
				t.Errorf("%s: the page shows the ID number", what)
			}
		}
	}
	statusOnly := func(state string) {
		t.Helper()
		err := chromedp.Do(b, chromedp.Navigate(base+"/verify"),
			chromedp.SendKeys(chromedp.CSS(`input[name=id]`), licence),
			webtest.Submit(`form[action="/verify"] button`),
			chromedp.WaitVisible(chromedp.CSS(`#verification`)))
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		webtest.Screenshot(t, b, "verify-status-"+state)
		shown("by the identifier alone", "limited", state)
		if got := webtest.Text(t, b, "#verification #licence-id"); got != licence {
			t.Errorf("by the identifier alone: identifier %q, want %s", got, licence)
		}
		if got := webtest.Text(t, b, "#verification #authority"); got != p.Authority {
			t.Errorf("by the identifier alone: authority %q, want %s", got, p.Authority)
		}
		for _, sel := range []string{"#holders", "#location", "#area", "#unit-no", "#cert-number"} {
			if exists("#verification " + sel) {
				t.Errorf("by the identifier alone: the page shows %s", sel)
			}
		}
		if text := webtest.Text(t, b, "#verification"); strings.Contains(text, "买*人") || strings.Contains(text, p.Location) || strings.Contains(text, certs[0].Number) {
			t.Errorf("by the identifier alone: the verification names the holder, the flat or the number:\n%s", text)
		}
	}
	full := func(state string) {
		t.Helper()
		if err := chromedp.Do(b, chromedp.Navigate(qr), chromedp.WaitVisible(chromedp.CSS(`#verification`))); err != nil {
			t.Fatalf("the QR code's address: %v", err)
		}
		webtest.Screenshot(t, b, "verify-"+state)
		shown("by the QR code's address", "full", state)
		if holders := webtest.Text(t, b, "#verification #holders"); holders != "买*人" {
			t.Errorf("by the QR code's address: holders %q, want the name masked", holders)
		}
		if loc := webtest.Text(t, b, "#verification #location"); loc != p.Location {
			t.Errorf("by the QR code's address: location %q, want %s", loc, p.Location)
		}
	}
	statusOnly("现势")
	// Its entry not yet under a signed checkpoint: no log line. Once the
	// minute's job took it in and signed, every answer names its leaf.
	if exists("#verification #register-log") {
		t.Errorf("before the log took the entry in: the page shows a place in the register log")
	}
	env.SignLog(t)
	idx, _, ok, err := env.DB.LeafOf(ctx, registerlog.RegisterEntry, certs[0].EntryID)
	if err != nil || !ok {
		t.Fatalf("the certificate's entry in the log: %v %v", ok, err)
	}
	full("现势")
	if got := webtest.Text(t, b, "#verification #log-index"); got != fmt.Sprintf("#%d", idx) {
		t.Errorf("the place in the register log: %q, want #%d", got, idx)
	}

	// On the status-only page, the person holding the certificate types
	// the number printed on it.
	err = chromedp.Do(b, chromedp.Navigate(base+"/verify/"+licence),
		chromedp.SendKeys(chromedp.CSS(`#number-form input[name=number]`), certs[0].Number),
		webtest.Submit(`#number-form button`),
		chromedp.WaitVisible(chromedp.CSS(`#verification #holders`)))
	if err != nil {
		t.Fatalf("verify with the number: %v", err)
	}
	webtest.Screenshot(t, b, "verify-licence-number")
	shown("with the number typed", "full", "现势")

	// The number printed at the top of the certificate: alone it shows the
	// state only; with the holder's full name, what the licence shows.
	byNumber := func(name, scope, shot string) {
		t.Helper()
		err := chromedp.Do(b, chromedp.Navigate(base+"/verify"),
			chromedp.SendKeys(chromedp.CSS(`input[name=id]`), certs[0].Number),
			chromedp.SendKeys(chromedp.CSS(`input[name=name]`), name),
			webtest.Submit(`form[action="/verify"] button`),
			chromedp.WaitVisible(chromedp.CSS(`#verification`)))
		if err != nil {
			t.Fatalf("verify by number: %v", err)
		}
		webtest.Screenshot(t, b, shot)
		if got, _ := chromedp.Run(b, chromedp.Evaluate[string](`document.querySelector('#verification').dataset.scope`)); got != scope {
			t.Errorf("by number with %q: %s, want %s", name, got, scope)
		}
	}
	byNumber("", "limited", "verify-number-alone")
	byNumber("买受人", "full", "verify-number-holder")

	// The owner sells the flat on: the first certificate is cancelled.
	resale, err := env.DB.CreateApplication(ctx, actorOfUser(env, "shouli"), cal, store.ApplicationInput{Applicants: storetest.Applicants("买受人", "王芳"),
		Services: []store.ServiceInput{{Kind: registry.Transfer, UnitID: c.UnitID, Holders: []registry.Holder{{Name: "王芳", IDKind: "身份证", IDNumber: "440524188001010014"}},
			Details: map[string]string{"price": "820000", "deed_tax_voucher": "存量房完税001"}}}})
	if err != nil {
		t.Fatal(err)
	}
	steps(resale)
	statusOnly("注销")
	if exists("#verification .alert") {
		t.Errorf("by the identifier alone: the cancellation's reason is shown")
	}
	full("注销")
	if reason, _ := chromedp.Run(b, chromedp.Text(chromedp.CSS(`#verification .alert`))); !strings.Contains(reason, "注销") {
		t.Errorf("cancelled without a reason shown: %q", reason)
	}
	// The API says the same.
	var v struct {
		State  string   `json:"state"`
		Status []string `json:"status"`
	}
	if code, e := call(t, env.Client(t, ""), "GET", fmt.Sprintf("%s/api/v1/verify/%s", base, licence), "", &v); code != 200 || v.State != "注销" {
		t.Errorf("API verify: %d %+v %+v", code, v, e)
	}
}

// The developer schedules a handover on the page and runs the batch: the
// page follows the progress and shows per flat what was done (keys and
// certificate the same day) and what is blocked and why; the buyer then
// finds the certificate on their own page.
func TestBrowserHandoverBatch(t *testing.T) {
	env, paid := startRegistration(t)
	ctx := context.Background()
	if err := env.DB.PutSetting(ctx, actorOfUser(env, "cj-admin"), "652301", registry.SettingAutoReview, "first,transfer,mortgage"); err != nil {
		t.Fatal(err)
	}
	ref, _ := env.DB.Unit(ctx, paid.UnitID)
	items, _ := env.DB.AccountingItems(ctx, ref.Project.ID, true)
	for _, it := range items {
		if _, err := env.DB.PayMaintenance(ctx, actorOfUser(env, "zhujian"), it.ID, fmt.Sprint("WX", it.ID)); err != nil {
			t.Fatal(err)
		}
	}
	today := env.Clock.Now().Format("2006-01-02")
	held := env.Clock.Now().AddDate(0, 0, 12).Format("2006-01-02")
	s := &browserSession{t: t, b: webtest.Browser(t), base: env.HTTP.URL}
	s.as("kaifa")
	s.do("schedule",
		chromedp.Navigate(fmt.Sprintf("%s/projects/%d/handover", s.base, ref.Project.ID)),
		chromedp.Click(chromedp.CSS(`input[name=building]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=held_on]`), held),
		chromedp.SetValue(chromedp.CSS(`input[name=notice_on]`), today),
		chromedp.SendKeys(chromedp.CSS(`input[name=place]`), "售楼部交付大厅"),
		webtest.Submit(`form.form button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#batch`)),
	)
	// The rehearsal, before the day: the unpaid tax's flat named with who
	// must act, nothing done.
	s.do("rehearse", webtest.Submit(`#rehearse`), chromedp.WaitVisible(chromedp.CSS(`#rehearsal-summary`)))
	webtest.Screenshot(t, s.b, "handover-rehearsal")
	for css, want := range map[string]string{"#rehearsal-ready": "1", "#rehearsal-blocked": "1"} {
		if got := webtest.Text(t, s.b, css); got != want {
			t.Errorf("rehearsal %s: %q, want %s", css, got, want)
		}
	}
	if got := webtest.Text(t, s.b, `#rehearsal-units tbody tr td:last-child`); !strings.Contains(got, "契税") {
		t.Errorf("the rehearsal's blocked flat: %q, want the unpaid deed tax", got)
	}
	if got := webtest.Text(t, s.b, `#rehearsal-owners tbody tr:first-child .owner`); !strings.Contains(got, "税务局") {
		t.Errorf("who must act: %q, want the tax bureau", got)
	}
	if got := webtest.Text(t, s.b, "#done"); got != "0" {
		t.Errorf("after the rehearsal %q flats done, want 0", got)
	}
	s.do("run", acceptConfirm, webtest.Submit(`#run`))
	// The page polls while the batch runs and reloads itself when it stops.
	deadline := time.Now().Add(30 * time.Second)
	for {
		done, err := chromedp.Run(s.b, chromedp.Evaluate[bool](`document.readyState === 'complete' && !!document.querySelector('#batch[data-state=done]')`))
		if err == nil && done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page did not show the finished batch: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	webtest.Screenshot(t, s.b, "handover-done")
	states, err := chromedp.Run(s.b, chromedp.Evaluate[string](`[...document.querySelectorAll('#units tr[data-state]')].map(r => r.dataset.state).sort().join(' ')`))
	if err != nil || states != "blocked done" {
		t.Fatalf("unit outcomes: %q %v", states, err)
	}
	if reason := webtest.Text(t, s.b, `#units tr[data-state=blocked] td:last-child`); !strings.Contains(reason, "契税") {
		t.Errorf("blocked for %q, want the unpaid deed tax", reason)
	}
	if same := webtest.Text(t, s.b, "#same-day"); same != "1" {
		t.Errorf("same-day certificates: %q", same)
	}
	// The batch blocked exactly the flat the rehearsal named.
	if got := webtest.Text(t, s.b, "#rehearsal-comparison"); !strings.Contains(got, "受阻 1 户，其中 1 户已在") || strings.Contains(got, "变化") {
		t.Errorf("the comparison with the rehearsal: %q, want the one blocked flat foreseen", got)
	}
	// The 楼盘表 follows the register book: the handed-over flat is 已登记
	// (已抵押 with its loan), and a flat sealed by a court shows 限制.
	free := firstAvailable(t, env, ref.Unit.BuildingID)
	cal, _ := env.DB.Calendar(ctx)
	seal, err := env.DB.CreateApplication(ctx, actorOfUser(env, "shouli"), cal, store.ApplicationInput{Applicants: storetest.Applicants("昌吉市人民法院"),
		Services: []store.ServiceInput{{Kind: registry.SealReg, UnitID: free, Details: map[string]string{"authority": "昌吉市人民法院", "doc_no": "（2026）新2301执7号"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.Step(ctx, actorOfUser(env, "shenhe"), seal.ID, registry.StepReview, store.StepOptions{}, env.Keys); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.Step(ctx, actorOfUser(env, "dengbu"), seal.ID, registry.StepRecord, store.StepOptions{}, env.Keys); err != nil {
		t.Fatal(err)
	}
	s.do("table", chromedp.Navigate(fmt.Sprintf("%s/buildings/%d", s.base, ref.Unit.BuildingID)), chromedp.WaitVisible(chromedp.CSS("table.grid")))
	webtest.Screenshot(t, s.b, "table-registered-sealed")
	wantTransferred, wantClass := "已登记", "s-registered"
	if paid.Payment.Loan() {
		wantTransferred, wantClass = "已抵押", "s-mortgaged"
	}
	for _, tt := range []struct {
		unit        int64
		class, want string
	}{{paid.UnitID, wantClass, wantTransferred}, {free, "s-restricted", "限制"}} {
		sel := fmt.Sprintf(`a.cell[data-unit="%d"]`, tt.unit)
		class, err := chromedp.Run(s.b, chromedp.Evaluate[string](`document.querySelector('`+sel+`').className`))
		title, _ := chromedp.Run(s.b, chromedp.Evaluate[string](`document.querySelector('`+sel+`').title`))
		if err != nil || !strings.Contains(class, tt.class) || !strings.Contains(title, tt.want) {
			t.Errorf("unit %d: cell class %q title %q (%v), want %s and %s", tt.unit, class, title, err, tt.class, tt.want)
		}
	}
	if legend := webtest.Text(t, s.b, ".legend"); !strings.Contains(legend, "限制") || !strings.Contains(legend, wantTransferred) {
		t.Errorf("legend %q lacks 限制 or %s", legend, wantTransferred)
	}
	// The staff's 楼盘表 marks what one state hides on each flat (抵押, 查封),
	// never who holds it; the public's shows the states only.
	refFree, _ := env.DB.Unit(ctx, free)
	marks := map[string]string{refFree.Unit.Room: "seal"}
	if paid.Payment.Loan() {
		marks[ref.Unit.Room] = "mortgage"
	}
	for room, mark := range marks {
		got, err := chromedp.Run(s.b, chromedp.Evaluate[string](fmt.Sprintf(`[...document.querySelectorAll('a.cell[data-room="%s"] .mark')].map(m => m.className).join(' ')`, room)))
		if err != nil || !strings.Contains(got, "m-"+mark) {
			t.Errorf("the 楼盘表, %s: marks %q (%v), want m-%s", room, got, err, mark)
		}
	}
	if n := webtest.Text(t, s.b, `#marks [data-mark="seal"]`); n != "1" {
		t.Errorf("the legend: %q sealed flats, want 1", n)
	}
	grid := webtest.Text(t, s.b, "table.grid")
	titles, _ := chromedp.Run(s.b, chromedp.Evaluate[string](`[...document.querySelectorAll('a.cell')].map(c => c.title).join(' ')`))
	for _, b := range paid.Buyers {
		if strings.Contains(grid+titles, b.Name) {
			t.Errorf("the 楼盘表 names the buyer %s", b.Name)
		}
	}
	s.do("public table", chromedp.Navigate(fmt.Sprintf("%s/public/buildings/%d", s.base, ref.Unit.BuildingID)), chromedp.WaitVisible(chromedp.CSS("table.grid")))
	webtest.Screenshot(t, s.b, "public-table")
	if n, _ := chromedp.Run(s.b, chromedp.Evaluate[int](`document.querySelectorAll('.mark, #marks').length`)); n != 0 {
		t.Errorf("the public 楼盘表 shows %d marks, want none", n)
	}
	// The API answers the same state, with what decides it.
	cl := env.Client(t, "shouli")
	for _, tt := range []struct {
		unit int64
		want string
		ok   func(st map[string]any) bool
	}{
		{free, "restricted", func(st map[string]any) bool { return st["sealed"] == true && st["registered"] == false }},
		{paid.UnitID, string(map[bool]ledger.State{true: ledger.Mortgaged, false: ledger.Registered}[paid.Payment.Loan()]), func(st map[string]any) bool {
			return st["registered"] == true && st["handed_over"] == true && st["certified"] == true && st["sealed"] == false
		}},
	} {
		resp, err := cl.Get(fmt.Sprintf("%s/api/v1/units/%d", env.HTTP.URL, tt.unit))
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Unit   struct{ State string } `json:"unit"`
			Status map[string]any         `json:"status"`
		}
		json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if got.Unit.State != tt.want || !tt.ok(got.Status) {
			t.Errorf("GET /api/v1/units/%d: state %q status %v, want %s", tt.unit, got.Unit.State, got.Status, tt.want)
		}
	}
	// The developer opening the contract form of the sealed flat is warned
	// before filling it in.
	s.as("kaifa")
	s.do("draft form", chromedp.Navigate(fmt.Sprintf("%s/contracts/new?unit=%d", s.base, free)), chromedp.WaitVisible(chromedp.CSS("form")))
	if warn := webtest.Text(t, s.b, "#unit-not-for-sale"); !strings.Contains(warn, "限制") || !strings.Contains(warn, "查封") {
		t.Errorf("the draft form of a sealed flat warns %q, want 限制 and 查封", warn)
	}
	// The buyer of the flat sees the certificate on their own page.
	s.as("zhangwei")
	s.do("my page", chromedp.Navigate(s.base+"/my"), chromedp.WaitVisible(chromedp.CSS(`.my-unit`)))
	if cert := webtest.Text(t, s.b, ".my-unit .certs li a"); !strings.HasPrefix(cert, "不动产权证书") {
		t.Errorf("the buyer's page lists %q, want the 不动产权证书", cert)
	}
	if badge := webtest.Text(t, s.b, ".my-unit .unit-handover .badge.ok"); badge != "交房即交证" {
		t.Errorf("the buyer's page marks the handover %q, want 交房即交证", badge)
	}
	if state := webtest.Text(t, s.b, ".my-unit .unit-state"); !strings.Contains(state, wantTransferred) {
		t.Errorf("the buyer's page shows the flat as %q, want %s", state, wantTransferred)
	}
}

// A clerk holding both the reviewer's and the recorder's role, who reviewed
// an application, is told on its page that another recorder must record it
// and finds the button disabled; where the jurisdiction lets reviewers
// record, the same page offers the step.
func TestBrowserRecorderIsNotTheReviewer(t *testing.T) {
	env, c := startRegistration(t)
	ctx := context.Background()
	both := env.Demo.Users["dengbu"]
	if _, err := env.DB.UpdateUser(ctx, actorOfUser(env, "cj-admin"), both.ID,
		identity.UserChange{Roles: []identity.Role{identity.RoleReviewer, identity.RoleRecorder}}); err != nil {
		t.Fatal(err)
	}
	a, err := env.DB.CreateApplication(ctx, actorOfUser(env, "shouli"), env.Cal.Get(), store.ApplicationInput{Applicants: storetest.Applicants("买受人"),
		Services: []store.ServiceInput{{Kind: registry.First, UnitID: c.UnitID}, {Kind: registry.Transfer, UnitID: c.UnitID}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.Step(ctx, actorOfUser(env, "dengbu"), a.ID, registry.StepReview, store.StepOptions{}, env.Keys); err != nil {
		t.Fatal(err)
	}
	s := &browserSession{t: t, b: webtest.Browser(t), base: env.HTTP.URL}
	s.as("dengbu")
	page := fmt.Sprintf("%s/applications/%d", s.base, a.ID)
	s.do("open", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#do-record`)))
	webtest.Screenshot(t, s.b, "recorder-is-reviewer")
	if note := webtest.Text(t, s.b, "#segregation"); !strings.Contains(note, "审核人") {
		t.Errorf("segregation note %q, want it to say the clerk is the reviewer", note)
	}
	disabled, err := chromedp.Run(s.b, chromedp.Evaluate[bool](`document.querySelector('#do-record').disabled`))
	if err != nil || !disabled {
		t.Errorf("record button disabled = %v (%v), want true", disabled, err)
	}
	if err := env.DB.PutSetting(ctx, actorOfUser(env, "cj-admin"), "652301", registry.SettingSeparateRecorder, "0"); err != nil {
		t.Fatal(err)
	}
	s.do("reopen", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#do-record`)))
	n, err := chromedp.Run(s.b, chromedp.Evaluate[int](`document.querySelectorAll('#segregation').length + (document.querySelector('#do-record').disabled ? 1 : 0)`))
	if err != nil || n != 0 {
		t.Errorf("with the setting off: segregation notes and disabled buttons %d (%v), want 0", n, err)
	}
}

// The 楼盘表 JSON is cached by building version; a seal lapsing at the end
// of its term changes a flat's state with nothing written, and the next
// day's answer shows it.
func TestTableJSONFollowsTheDay(t *testing.T) {
	env, paid := startRegistration(t)
	ctx := context.Background()
	ref, _ := env.DB.Unit(ctx, paid.UnitID)
	free := firstAvailable(t, env, ref.Unit.BuildingID)
	end := calendar.DateOf(env.Clock.Now()).AddDays(2)
	a, err := env.DB.CreateApplication(ctx, actorOfUser(env, "shouli"), env.Cal.Get(), store.ApplicationInput{Applicants: storetest.Applicants("昌吉市人民法院"),
		Services: []store.ServiceInput{{Kind: registry.SealReg, UnitID: free,
			Details: map[string]string{"authority": "昌吉市人民法院", "doc_no": "（2026）新2301执保3号", "term_end": end.String()}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		who  string
		step registry.Step
	}{{"shenhe", registry.StepReview}, {"dengbu", registry.StepRecord}} {
		if _, err := env.DB.Step(ctx, actorOfUser(env, s.who), a.ID, s.step, store.StepOptions{}, env.Keys); err != nil {
			t.Fatal(err)
		}
	}
	cl := env.Client(t, "zhujian")
	stateOf := func() string {
		t.Helper()
		resp, err := cl.Get(fmt.Sprintf("%s/api/v1/buildings/%d/table", env.HTTP.URL, ref.Unit.BuildingID))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got struct {
			Floors []struct {
				Units []struct {
					ID    int64  `json:"id"`
					State string `json:"state"`
				} `json:"units"`
			} `json:"floors"`
		}
		json.NewDecoder(resp.Body).Decode(&got)
		for _, f := range got.Floors {
			for _, u := range f.Units {
				if u.ID == free {
					return u.State
				}
			}
		}
		return ""
	}
	if got := stateOf(); got != string(ledger.Restricted) {
		t.Errorf("within the seal's term: %q, want restricted", got)
	}
	env.Clock.Advance(3 * 24 * time.Hour)
	if got := stateOf(); got != string(ledger.Available) {
		t.Errorf("after the seal's term, from the cache of the same version: %q, want available", got)
	}
}

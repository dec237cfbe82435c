package web_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"handover/internal/certificate"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/store/storetest"
	"handover/internal/web/htmlcheck"
	"handover/internal/web/webtest"
)

// The 缮证发证 post receives a range and spoils a blank on the stock page,
// each after a confirmation; other clerks see the stock, other counties do
// not, the prefecture does.
func TestPaperStockPage(t *testing.T) {
	env := webtest.Start(t)
	ctx := context.Background()
	base := env.HTTP.URL
	recorder := env.Client(t, "dengbu")
	counts := func() string {
		t.Helper()
		st, err := env.DB.PaperStock(ctx, "652301")
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(st.Received(), st.Used(), st.Spoiled(), st.Remaining())
	}
	receive := url.Values{"jurisdiction": {"652301"}, "action": {"receive"}, "prefix": {"xj"}, "first": {"26000001"}, "last": {"26000100"}, "note": {"2026年第4批"}}
	spoil := url.Values{"jurisdiction": {"652301"}, "action": {"spoil"}, "serial": {"XJ26000003"}, "reason": {"打印机卡纸"}}
	with := func(v url.Values, k, val string) url.Values {
		out := url.Values{}
		for key, vs := range v {
			out[key] = vs
		}
		out.Set(k, val)
		return out
	}
	steps := []struct {
		name   string
		form   url.Values
		status int
		want   htmlcheck.Checker // what the answer shows, nil for a redirect
		counts string            // the stock afterwards: received used spoiled remaining
	}{
		{"receive: checked, not yet recorded", receive, 200, in("#receive #paper-receive-confirm", hasExactText("确认领入")), "0 0 0 0"},
		{"receive: a reversed range", with(receive, "last", "25000001"), 422, in("#receive .field-error", hasText("终止序列号不能小于起始序列号")), "0 0 0 0"},
		{"receive: confirmed", with(receive, "confirm", "1"), 303, nil, "100 0 0 100"},
		{"receive: the same box again", receive, 422, in("#receive .alert.err", hasText("重叠")), "100 0 0 100"},
		{"spoil: checked, not yet recorded", spoil, 200, in("#spoil #paper-spoil-confirm", hasExactText("确认作废")), "100 0 0 100"},
		{"spoil: a blank not in stock", with(spoil, "serial", "XJ26009999"), 422, in("#spoil .alert.err", hasText("不在本登记机构的证书纸库存中")), "100 0 0 100"},
		{"spoil: without a reason", with(spoil, "reason", ""), 422, in("#spoil .field-error", hasText("请填写作废原因")), "100 0 0 100"},
		{"spoil: confirmed", with(spoil, "confirm", "1"), 303, nil, "100 0 1 99"},
		{"spoil: the same blank again", with(spoil, "confirm", "1"), 422, in("#spoil .alert.err", hasText("已作废")), "100 0 1 99"},
	}
	for _, st := range steps {
		status, _, body := postForm(t, recorder, base+"/paper-stock", st.form)
		if status != st.status {
			t.Errorf("%s: got status %d, want %d", st.name, status, st.status)
		}
		if st.want != nil {
			checkPage(t, st.name, body, st.want)
		}
		if got := counts(); got != st.counts {
			t.Errorf("%s: stock %s, want %s", st.name, got, st.counts)
		}
	}
	status, body := get(t, recorder, base+"/paper-stock")
	if status != 200 {
		t.Errorf("stock page as the recorder: got status %d, want 200", status)
	}
	for _, tt := range []struct {
		name string
		want htmlcheck.Checker
	}{
		{"the authority", in("h1", hasText("昌吉市不动产登记中心"))},
		{"the range received", in("#paper-ranges tbody tr:nth-child(1) td:nth-child(2)", hasExactText("XJ26000001–XJ26000100"))},
		{"the batch's note", in("#paper-ranges tbody tr:nth-child(1) td:nth-child(9)", hasExactText("2026年第4批"))},
		{"the spoiled blank", in("#paper-spoiled-list tbody tr:nth-child(1)", in("td:nth-child(1)", hasExactText("XJ26000003")), in("td:nth-child(2)", hasExactText("打印机卡纸")))},
		{"the next blanks", in("#paper-next", hasText("XJ26000001、XJ26000002、XJ26000004"))},
		{"the receive form", in("#receive form")},
		{"the spoil form", in("#spoil form")},
	} {
		checkPage(t, "stock page as the recorder: "+tt.name, body, tt.want)
	}

	// Who sees it.
	views := []struct {
		user, path string
		status     int
		manage     bool
	}{
		{"shouli", "/paper-stock", 200, false},
		{"jianguan", "/paper-stock?jurisdiction=652301", 200, false},
		{"fk-shouli", "/paper-stock?jurisdiction=652301", 403, false},
		{"fk-shouli", "/paper-stock", 200, false},
		{"kaifa", "/paper-stock", 403, false},
	}
	for _, v := range views {
		status, body := get(t, env.Client(t, v.user), base+v.path)
		if status != v.status {
			t.Errorf("%s GET %s: got status %d, want %d", v.user, v.path, status, v.status)
		}
		if status != 200 {
			continue
		}
		forms := []htmlcheck.Checker{none("#receive"), none("#spoil")}
		if v.manage {
			forms = []htmlcheck.Checker{in("#receive form"), in("#spoil form")}
		}
		checkPage(t, fmt.Sprintf("%s GET %s (forms shown %v)", v.user, v.path, v.manage), body, forms...)
	}
	if status, _, _ := postForm(t, env.Client(t, "shouli"), base+"/paper-stock", with(spoil, "serial", "XJ26000004")); status != 403 {
		t.Errorf("the acceptor spoils a blank: status %d, want 403", status)
	}
}

// At 发证 the page offers one blank per certificate of the application
// (the buyer's title and the bank's proof), the next free in order; the
// clerk confirms them, and a spoiled one is refused.
func TestPaperIssuePage(t *testing.T) {
	env, unit, building := startSale(t)
	ctx := context.Background()
	b, tab := buildingAndTable(t, env, building)
	c := sell(t, env, saleInput(unit.ID, "张伟", "652301199003071231"), true)
	other := tab.Rows[0].Cells[1].Unit
	c2 := sell(t, env, saleInput(other.ID, "李娜", "65230120000229456X"), true)
	completeBuilding(t, env, b.ProjectID, building, tab, 0, stageFiled)
	items, _ := env.DB.AccountingItems(ctx, b.ProjectID, true)
	for _, it := range items {
		if _, err := env.DB.PayMaintenance(ctx, actorOfUser(env, "zhujian"), it.ID, fmt.Sprint("WX", it.ID)); err != nil {
			t.Fatal(err)
		}
	}
	taxes := actorOfUser(env, "shuiwu")
	if _, err := env.DB.AssessDeedTax(ctx, taxes, b.ProjectID); err != nil {
		t.Fatal(err)
	}
	for i, id := range []int64{c.ID, c2.ID} {
		if _, err := env.DB.PayDeedTax(ctx, taxes, id, fmt.Sprintf("完税%03d", i+1), "api"); err != nil {
			t.Fatal(err)
		}
	}
	// Sign the pre-notices' proofs now rather than whenever the worker
	// gets to them, so that every run sees the same certificates.
	if _, err := env.DB.IssueProofs(ctx, env.Keys); err != nil {
		t.Fatal(err)
	}
	recorder := actorOfUser(env, "dengbu")
	if _, err := env.DB.ReceivePaper(ctx, recorder, "652301", certificate.Range{Prefix: "XJ", First: 26000001, Last: 26000010, Digits: 8}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.SpoilBlank(ctx, recorder, "652301", "XJ26000001", "打印机卡纸"); err != nil {
		t.Fatal(err)
	}
	certified := func(applicant string, services ...store.ServiceInput) registry.Application {
		t.Helper()
		a, err := env.DB.CreateApplication(ctx, actorOfUser(env, "shouli"), env.Cal.Get(), store.ApplicationInput{Applicants: storetest.Applicants(applicant), Services: services})
		if err != nil {
			t.Fatal(err)
		}
		if a.Services[0].State == registry.Accepted {
			if a, err = env.DB.Step(ctx, actorOfUser(env, "shenhe"), a.ID, registry.StepReview, store.StepOptions{}, env.Keys); err != nil {
				t.Fatal(err)
			}
		}
		for _, step := range []registry.Step{registry.StepRecord, registry.StepCertify} {
			if a, err = env.DB.Step(ctx, recorder, a.ID, step, store.StepOptions{}, env.Keys); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
		}
		return a
	}
	a := certified("张伟", store.ServiceInput{Kind: registry.First, UnitID: unit.ID}, store.ServiceInput{Kind: registry.Transfer, UnitID: unit.ID},
		store.ServiceInput{Kind: registry.MortgageReg, UnitID: unit.ID, Details: map[string]string{"bank": fmt.Sprint(env.Demo.Orgs["652301/bank"].ID), "amount": "300000"}})

	cl := env.Client(t, "dengbu")
	page := fmt.Sprintf("%s/applications/%d", env.HTTP.URL, a.ID)
	// serials checks the serial offered or kept for each certificate, in order.
	serials := func(want ...string) htmlcheck.Checker {
		checks := []htmlcheck.Checker{countOf(`input[name="paper_serial"]`, len(want))}
		for i, w := range want {
			checks = append(checks, in(fmt.Sprintf("#paper-serials tbody tr:nth-child(%d) input[name=paper_serial]", i+1), hasAttr("value", w)))
		}
		return in("#paper", checks...)
	}
	status, body := get(t, cl, page)
	if status != 200 {
		t.Fatalf("issue form: got status %d, want 200", status)
	}
	if !checkPage(t, "issue form: one serial per certificate offered in order", body, countOf(`input[name="paper_serial"]`, 2), serials("XJ26000002", "XJ26000003")) {
		t.FailNow()
	}
	issue := url.Values{"delivery": {"hand"}, "paper": {"1"}}
	issue["paper_serial"] = []string{"XJ26000001", "XJ26000003"}
	status, _, body = postForm(t, cl, page+"/issue", issue)
	if status != 422 {
		t.Errorf("issue on a spoiled blank: got status %d, want 422", status)
	}
	checkPage(t, "issue on a spoiled blank: named, with the typed serials kept", body,
		in("#paper .field-error", hasText("已作废")), serials("XJ26000001", "XJ26000003"))
	issue["paper_serial"] = []string{"XJ26000002", "XJ26000003"}
	if status, _, body := postForm(t, cl, page+"/issue", issue); status != 303 {
		t.Fatalf("issue on the offered blanks: status %d: %.300s", status, body)
	}
	// The pre-notice's proof, cancelled when the transfer was registered, is
	// one of the flat's certificates once the proof issuer has signed it;
	// only the live ones were printed by this issue.
	certs := liveCertificates(t, env, unit.ID)
	got := map[certificate.Kind]string{}
	for _, c := range certs {
		got[c.Kind] = c.PaperSerial
	}
	if len(certs) != 2 || got[certificate.Title] != "XJ26000002" || got[certificate.Proof] != "XJ26000003" {
		t.Errorf("blanks printed on: got %v, want the title on XJ26000002 and the proof on XJ26000003", got)
	}
	st, _ := env.DB.PaperStock(ctx, "652301")
	if got := fmt.Sprint(st.Used(), st.Spoiled(), st.Remaining()); got != "2 1 7" {
		t.Errorf("stock used spoiled remaining: got %s, want 2 1 7", got)
	}

	// The same over the API: one serial per certificate in paper_serials; a
	// used blank is refused with its code.
	b2 := certified("李娜", store.ServiceInput{Kind: registry.First, UnitID: other.ID}, store.ServiceInput{Kind: registry.Transfer, UnitID: other.ID})
	steps := fmt.Sprintf("%s/api/v1/applications/%d/steps", env.HTTP.URL, b2.ID)
	if code, e := call(t, cl, "POST", steps, `{"step":"issue","delivery":"hand","paper_serials":["XJ26000003"]}`, nil); code != 422 || e.Error.Code != "paper.used" {
		t.Errorf("API issue on a used blank: %d %+v, want 422 paper.used", code, e)
	}
	if code, e := call(t, cl, "POST", steps, `{"step":"issue","delivery":"hand","paper_serials":["XJ26000004"]}`, nil); code != 200 {
		t.Fatalf("API issue: %d %+v", code, e)
	}
	if certs := liveCertificates(t, env, other.ID); len(certs) != 1 || certs[0].PaperSerial != "XJ26000004" {
		t.Errorf("API issue: certificates %+v, want the title on XJ26000004", certs)
	}
}

// liveCertificates is the flat's certificates that are in force.
func liveCertificates(t *testing.T, env *webtest.Env, unit int64) []store.Certificate {
	t.Helper()
	all, err := env.DB.CertificatesOfUnit(context.Background(), unit)
	if err != nil {
		t.Fatal(err)
	}
	var live []store.Certificate
	for _, c := range all {
		if c.State == certificate.Live {
			live = append(live, c)
		}
	}
	return live
}

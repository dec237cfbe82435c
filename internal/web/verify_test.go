package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"handover/internal/access"
	"handover/internal/certificate"
	"handover/internal/presale"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/store/storetest"
	"handover/internal/web/webtest"
)

// issueTitle takes the first and transfer registrations of the contract's
// flat through every step with the holders named, and returns the buyer's
// title certificate, signed and issued.
func issueTitle(t *testing.T, env *webtest.Env, c presale.Contract, holders ...registry.Holder) store.Certificate {
	t.Helper()
	ctx := context.Background()
	a, err := env.DB.CreateApplication(ctx, actorOfUser(env, "shouli"), env.Cal.Get(), store.ApplicationInput{Applicants: storetest.Applicants("买受人"),
		Services: []store.ServiceInput{{Kind: registry.First, UnitID: c.UnitID}, {Kind: registry.Transfer, UnitID: c.UnitID, Holders: holders}}})
	if err != nil {
		t.Fatal(err)
	}
	if a, err = env.DB.Step(ctx, actorOfUser(env, "shenhe"), a.ID, registry.StepReview, store.StepOptions{}, env.Keys); err != nil {
		t.Fatal(err)
	}
	for _, step := range []registry.Step{registry.StepRecord, registry.StepCertify, registry.StepIssue} {
		if a, err = env.DB.Step(ctx, actorOfUser(env, "dengbu"), a.ID, step, store.StepOptions{Delivery: "electronic"}, env.Keys); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	certs, err := env.DB.CertificatesOfUnit(ctx, c.UnitID)
	if err != nil || len(certs) != 1 {
		t.Fatalf("certificates: %d, %v", len(certs), err)
	}
	return certs[0]
}

// The verification page takes the certificate number printed at the top of
// a certificate. By the number alone it shows that the certificate exists,
// its signature and its state, and nothing of the holder or the flat; with
// a holder's full name it shows what the licence identifier shows; with a
// wrong name it shows, byte for byte, the page without one. Each lookup by
// number is audited.
func TestVerifyPageByCertificateNumber(t *testing.T) {
	env, c := startRegistration(t)
	cert := issueTitle(t, env, c)
	var p certificate.Payload
	if err := json.Unmarshal(cert.Payload, &p); err != nil {
		t.Fatal(err)
	}
	holder := p.Holders[0].Name
	masked := "买*人" // 买受人, masked
	base := env.HTTP.URL
	anon := env.Client(t, "")
	lookups := func() int {
		t.Helper()
		ev, err := env.DB.ListAudit(context.Background(), access.Filter{All: true}, store.AuditQuery{Action: "certificate.lookup", Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		return len(ev)
	}
	post := func(number, name string) (int, string) {
		t.Helper()
		status, _, body := postForm(t, anon, base+"/verify", url.Values{"id": {number}, "name": {name}})
		return status, body
	}

	// The form asks for either identifier, and for a holder's name.
	status, form := get(t, anon, base+"/verify")
	checkPage(t, "the form", form,
		in(`form[action="/verify"][method=post] input[name=id]`),
		in(`form[action="/verify"][method=post] input[name=name]`),
		none(`#verification`))
	if status != 200 {
		t.Errorf("form: %d", status)
	}

	before := lookups()
	status, alone := post(cert.Number, "")
	if status != 200 {
		t.Fatalf("by number: %d", status)
	}
	checkPage(t, "by number alone", alone,
		in(`#verification`, hasAttr("data-scope", "limited")),
		in(`#verification #cert-number`, hasExactText(cert.Number)),
		in(`#verification .state`, hasExactText("现势")),
		in(`#verification #signature`, hasExactText("签名有效")),
		in(`#verification #limited-note`, hasText("全名")),
		none(`#verification #holders`),
		none(`#verification #location`),
		notIn(`#verification`, hasText(masked)),
		notIn(`#verification`, hasText(p.Location)),
		notIn(`#verification`, hasText(p.UnitNo)),
		notIn(`#verification`, hasText(cert.LicenceID)),
		none(`form input[name=name][value]`))
	if strings.Contains(alone, holder) || strings.Contains(alone, p.Holders[0].IDNumber) {
		t.Errorf("the page by number alone names the holder")
	}

	// A wrong name, or the masked name the full answer shows, is no name.
	for _, wrong := range []string{"李娜", masked, "买受"} {
		if status, page := post(cert.Number, wrong); status != 200 || page != alone {
			t.Errorf("with the name %q: %d, the page differs from the page without a name", wrong, status)
		}
	}

	// A holder's full name, typed with the number as people write it.
	typed := strings.NewReplacer("(", "（", ")", "）").Replace(cert.Number)
	status, full := post(typed, " "+holder+" ")
	checkPage(t, "with the holder's name", full,
		in(`#verification`, hasAttr("data-scope", "full")),
		in(`#verification #cert-number`, hasExactText(cert.Number)),
		in(`#verification #holders`, hasExactText(masked)),
		in(`#verification #location`, hasExactText(p.Location)),
		in(`#verification .state`, hasExactText("现势")),
		none(`#verification #limited-note`),
		none(`form input[name=name][value]`))
	if status != 200 || strings.Contains(full, holder) {
		t.Errorf("with the holder's name: %d, or the page shows the name typed", status)
	}
	// The same as the licence identifier shows.
	_, byLicence := get(t, anon, base+"/verify/"+url.PathEscape(cert.LicenceID))
	if a, b := pageText(t, full, "#verification"), pageText(t, byLicence, "#verification"); a != b {
		t.Errorf("with the holder's name:\n%s\nby licence:\n%s", a, b)
	}

	// By number in an address (a link, or the form sent by GET): never a name.
	for _, u := range []string{"/verify?id=" + url.QueryEscape(cert.Number) + "&name=" + url.QueryEscape(holder), "/verify/" + url.PathEscape(cert.Number)} {
		status, page := get(t, anon, base+u)
		checkPage(t, "GET "+u, page, in(`#verification`, hasAttr("data-scope", "limited")), none(`#verification #holders`))
		if status != 200 {
			t.Errorf("GET %s: %d", u, status)
		}
	}

	// A number never issued: not found, with a name or without.
	status, missing := post("新(2026)昌吉市不动产权第0999999号", "")
	checkPage(t, "a number never issued", missing, in(`.alert.err`, hasText("查无此证")), none(`#verification`))
	if status != http.StatusNotFound {
		t.Errorf("a number never issued: %d", status)
	}
	if status, page := post("新(2026)昌吉市不动产权第0999999号", holder); status != http.StatusNotFound || page != missing {
		t.Errorf("a number never issued, with a name: %d, the page differs from the one without", status)
	}
	// Neither identifier: said so, nothing looked up.
	status, bad := post("昌吉市第123号", "")
	checkPage(t, "neither identifier", bad, in(`.alert.err`, hasText("既不是电子证照标识")), none(`#verification`))
	if status != http.StatusNotFound {
		t.Errorf("neither identifier: %d", status)
	}
	// A licence identifier posted goes to its own page.
	if status, loc, _ := postForm(t, anon, base+"/verify", url.Values{"id": {cert.LicenceID}, "name": {holder}}); status != http.StatusSeeOther || loc != "/verify/"+url.PathEscape(cert.LicenceID) {
		t.Errorf("a licence identifier posted: %d to %q", status, loc)
	}
	// Two more wrong names make five in a day: the holder's own name then
	// gets the limited answer, told why.
	for _, wrong := range []string{"王芳", "赵六"} {
		post(cert.Number, wrong)
	}
	_, locked := post(cert.Number, holder)
	checkPage(t, "the holder's name after five wrong ones", locked,
		in(`#verification`, hasAttr("data-scope", "limited")),
		in(`#verification #names-locked`, hasText("暂不核对姓名")),
		none(`#verification #holders`))
	checkPage(t, "by number alone", alone, none(`#names-locked`))
	// 1 alone + 3 wrong names + 1 full + 2 GETs + 2 never issued + 2 wrong + 1 locked.
	if n := lookups() - before; n != 12 {
		t.Errorf("%d lookups by number audited, want 12", n)
	}
}

// The API answers a certificate number as the page does: limited without
// a holder's full name (the same answer with a wrong one), in full with it.
func TestVerifyAPIByCertificateNumber(t *testing.T) {
	env, c := startRegistration(t)
	cert := issueTitle(t, env, c)
	anon := env.Client(t, "")
	base := env.HTTP.URL + "/api/v1/verify/" + url.PathEscape(cert.Number)
	_, alone := get(t, anon, base)
	var v map[string]any
	if err := json.Unmarshal([]byte(alone), &v); err != nil {
		t.Fatalf("%v in %s", err, alone)
	}
	if v["limited"] != true || v["number"] != cert.Number || v["state"] != "现势" || v["signature_valid"] != true {
		t.Errorf("by number alone: %s", alone)
	}
	for _, key := range []string{"licence_id", "holders", "unit_no", "location", "area", "issued_on"} {
		if _, ok := v[key]; ok {
			t.Errorf("by number alone, the answer has %s: %s", key, alone)
		}
	}
	if status, wrong := get(t, anon, base+"?name="+url.QueryEscape("李娜")); status != 200 || wrong != alone {
		t.Errorf("with a wrong name: %d %s, want %s", status, wrong, alone)
	}
	_, full := get(t, anon, base+"?name="+url.QueryEscape("买受人"))
	_, byLicence := get(t, anon, env.HTTP.URL+"/api/v1/verify/"+cert.LicenceID)
	if full != byLicence || !strings.Contains(full, `"limited":false`) || !strings.Contains(full, `"holders":["买*人"]`) {
		t.Errorf("with the holder's name:\n%s\nby licence:\n%s", full, byLicence)
	}
	if status, _ := get(t, anon, env.HTTP.URL+"/api/v1/verify/"+url.PathEscape("新(2026)昌吉市不动产权第0999999号")); status != http.StatusNotFound {
		t.Errorf("a number never issued: %d", status)
	}
	if status, _ := get(t, anon, env.HTTP.URL+"/api/v1/verify/nothing"); status != http.StatusNotFound {
		t.Errorf("neither identifier: %d", status)
	}
	ev, _ := env.DB.ListAudit(context.Background(), access.Filter{All: true}, store.AuditQuery{Action: "certificate.lookup", Limit: 10})
	if len(ev) != 4 || !strings.Contains(ev[0].Summary, `"via":"api"`) {
		t.Errorf("audited lookups: %+v", ev)
	}
}

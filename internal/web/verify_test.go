package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"handover/internal/access"
	"handover/internal/certificate"
	"handover/internal/code"
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
	var titles []store.Certificate
	for _, c := range register(t, env, c, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID, Holders: holders}) {
		if c.Kind == certificate.Title { // besides it, the flat holds its pre-notice's proof, now cancelled
			titles = append(titles, c)
		}
	}
	if len(titles) != 1 {
		t.Fatalf("title certificates: %d, want one", len(titles))
	}
	return titles[0]
}

// register takes the flat's first registration and the given services
// through every step, from acceptance to issue (electronic), and returns
// the certificates of the flat in force (not a pre-notice's cancelled proof).
func register(t *testing.T, env *webtest.Env, c presale.Contract, services ...store.ServiceInput) []store.Certificate {
	t.Helper()
	ctx := context.Background()
	a, err := env.DB.CreateApplication(ctx, actorOfUser(env, "shouli"), env.Cal.Get(), store.ApplicationInput{Applicants: storetest.Applicants("买受人"),
		Services: append([]store.ServiceInput{{Kind: registry.First, UnitID: c.UnitID}}, services...)})
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
	return liveCertificates(t, env, c.UnitID)
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

	// The form asks for either identifier, and for the second factor of
	// each: the certificate number, or a holder's name.
	status, form := get(t, anon, base+"/verify")
	checkPage(t, "the form", form,
		in(`form[action="/verify"][method=post] input[name=id]`),
		in(`form[action="/verify"][method=post] input[name=number]`),
		in(`form[action="/verify"][method=post] input[name=name]`),
		in(`#verify-help`, hasText("二维码"), hasText("证书号"), hasText("全名")),
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
	// The same as the QR code's address shows.
	_, byLicence := get(t, anon, base+"/verify/"+url.PathEscape(cert.LicenceID)+"?token="+certificate.Token(cert.LicenceID, cert.Signature))
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
	if v["limited"] != true || v["number"] != cert.Number || v["state"] != "现势" || v["signature_valid"] != true || v["issued_on"] == nil {
		t.Errorf("by number alone: %s", alone)
	}
	for _, key := range []string{"licence_id", "holders", "unit_no", "location", "area", "right_type", "mortgaged", "sealed"} {
		if _, ok := v[key]; ok {
			t.Errorf("by number alone, the answer has %s: %s", key, alone)
		}
	}
	if status, wrong := get(t, anon, base+"?name="+url.QueryEscape("李娜")); status != 200 || wrong != alone {
		t.Errorf("with a wrong name: %d %s, want %s", status, wrong, alone)
	}
	_, full := get(t, anon, base+"?name="+url.QueryEscape("买受人"))
	_, byLicence := get(t, anon, env.HTTP.URL+"/api/v1/verify/"+cert.LicenceID+"?token="+certificate.Token(cert.LicenceID, cert.Signature))
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

// issueMortgagedTitle registers the contract's flat to its buyer with the
// bank's mortgage, through every step, and returns the buyer's title and
// the bank's proof, signed and issued.
func issueMortgagedTitle(t *testing.T, env *webtest.Env, c presale.Contract) (title, proof store.Certificate) {
	t.Helper()
	certs := register(t, env, c, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID},
		store.ServiceInput{Kind: registry.MortgageReg, UnitID: c.UnitID, Details: map[string]string{"bank": fmt.Sprint(env.Demo.Orgs["652301/bank"].ID), "amount": "300000"}})
	for _, c := range certs {
		if c.Kind == certificate.Title {
			title = c
		} else {
			proof = c
		}
	}
	if title.ID == 0 || proof.ID == 0 || len(title.Signature) == 0 {
		t.Fatalf("certificates: %+v; want the buyer's signed title and the bank's proof", certs)
	}
	return title, proof
}

// Someone guessing licence identifiers learns of each one only its status:
// the page and the API show, by the identifier alone or with a wrong second
// factor, that it exists, its kind, signature, state, authority and date —
// not its number, holder, flat, area or mortgage — and the same, byte for
// byte, whatever wrong factor was tried. With the QR code's token, or the
// number printed on the certificate, they show the rest (the name still
// masked). A factor given to an identifier never issued is not found, as
// without one; every lookup given a factor, except the right token, is
// audited.
func TestVerifyByLicenceNeedsASecondFactor(t *testing.T) {
	env, c := startRegistration(t)
	title, proof := issueMortgagedTitle(t, env, c)
	var p certificate.Payload
	if err := json.Unmarshal(title.Payload, &p); err != nil {
		t.Fatal(err)
	}
	const masked = "买*人" // 买受人, masked
	token := certificate.Token(title.LicenceID, title.Signature)
	wrong := []byte(token)
	wrong[0] ^= 1
	lid, err := code.ParseLicenceID(title.LicenceID)
	if err != nil {
		t.Fatal(err)
	}
	never, err := code.NewLicenceID(lid.Type, lid.Issuer, 9999999)
	if err != nil {
		t.Fatal(err)
	}
	anon := env.Client(t, "")
	base := env.HTTP.URL
	lookups := func() int {
		t.Helper()
		ev, err := env.DB.ListAudit(context.Background(), access.Filter{All: true}, store.AuditQuery{Action: "certificate.lookup", RecordType: "licence_id", Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		return len(ev)
	}
	// page asks as a person does: the QR code's address with its token, or
	// the form with the number typed; api asks the API.
	page := func(licence, token, number string) (int, string) {
		t.Helper()
		if number != "" {
			status, _, body := postForm(t, anon, base+"/verify", url.Values{"id": {licence}, "number": {number}})
			return status, body
		}
		u := base + "/verify/" + url.PathEscape(licence)
		if token != "" {
			u += "?token=" + token
		}
		return get(t, anon, u)
	}
	api := func(licence, token, number string) (int, string) {
		t.Helper()
		return get(t, anon, base+"/api/v1/verify/"+licence+"?"+url.Values{"token": {token}, "number": {number}}.Encode())
	}

	// The certificate's QR code carries its address with the token: the
	// certificate page prints it, and the API gives it, from one function.
	qr := base + "/verify/" + url.PathEscape(title.LicenceID) + "?token=" + token
	staff := env.Client(t, "dengbu")
	_, certPage := get(t, staff, fmt.Sprintf("%s/certificates/%d", base, title.ID))
	checkPage(t, "the certificate page", certPage, in(`#cert-verify-url`, hasExactText(qr)))
	var got struct {
		VerifyURL string `json:"verify_url"`
	}
	if status, e := call(t, staff, "GET", fmt.Sprintf("%s/api/v1/certificates/%d", base, title.ID), "", &got); status != 200 || got.VerifyURL != qr {
		t.Errorf("the certificate's verify_url: %d %q %+v, want %s", status, got.VerifyURL, e, qr)
	}

	before := lookups()
	_, alonePage := page(title.LicenceID, "", "")
	_, aloneAPI := api(title.LicenceID, "", "")
	tests := []struct {
		name          string
		token, number string
		full          bool
	}{
		{"the identifier alone", "", "", false},
		{"the QR code's token", token, "", true},
		{"the token in capitals", strings.ToUpper(token), "", true},
		{"a wrong token", string(wrong), "", false},
		{"the bank's proof's token", certificate.Token(proof.LicenceID, proof.Signature), "", false},
		{"the certificate's number", "", title.Number, true},
		{"the number typed with full-width brackets", "", strings.NewReplacer("(", "（", ")", "）").Replace(title.Number), true},
		{"the bank's proof's number", "", proof.Number, false},
		{"something that is not a number", "", "第0000001号", false},
	}
	for _, tt := range tests {
		status, body := page(title.LicenceID, tt.token, tt.number)
		if status != 200 {
			t.Errorf("page, %s: status %d, want 200", tt.name, status)
			continue
		}
		if strings.Contains(body, "买受人") || strings.Contains(body, c.BuyerIDs()[0]) {
			t.Errorf("page, %s: shows the holder's full name or ID number", tt.name)
		}
		if tt.full {
			checkPage(t, "page, "+tt.name, body,
				in(`#verification`, hasAttr("data-scope", "full")),
				in(`#verification #holders`, hasExactText(masked)),
				in(`#verification #location`, hasExactText(p.Location)),
				in(`#verification #area`, hasExactText(p.Area)),
				in(`#verification #unit-no`, hasExactText(p.UnitNo)),
				in(`#verification #cert-number`, hasExactText(title.Number)),
				inAny(`#verification .state`, hasExactText("已抵押")),
				none(`#verification #limited-note`))
		} else {
			checkPage(t, "page, "+tt.name, body,
				in(`#verification`, hasAttr("data-scope", "limited")),
				in(`#verification #licence-id`, hasExactText(title.LicenceID)),
				in(`#verification #kind`, hasExactText("不动产权证书")),
				in(`#verification #signature`, hasExactText("签名有效")),
				in(`#verification .state`, hasExactText("现势")),
				in(`#verification #authority`, hasExactText(p.Authority)),
				in(`#verification #issued-on`, hasExactText(p.IssuedOn)),
				in(`#verification #limited-note`, hasText("二维码"), hasText("证书号")),
				in(`#verification #number-form input[name=number]`),
				none(`#verification #holders`), none(`#verification #location`), none(`#verification #area`),
				none(`#verification #unit-no`), none(`#verification #cert-number`), none(`#numbers-locked`),
				none(`input[name=number][value]`),
				notIn(`#verification`, hasText(masked)), notIn(`#verification`, hasText(p.Location)), notIn(`#verification`, hasText(p.UnitNo)),
				notIn(`#verification`, hasText(title.Number)), notIn(`#verification`, hasText("已抵押")))
			if got, want := pageText(t, body, "#verification"), pageText(t, alonePage, "#verification"); got != want {
				t.Errorf("page, %s: shows\n%s\nwant what the identifier alone shows:\n%s", tt.name, got, want)
			}
		}

		status, body = api(title.LicenceID, tt.token, tt.number)
		var v map[string]any
		if err := json.Unmarshal([]byte(body), &v); status != 200 || err != nil {
			t.Errorf("api, %s: %d %v %s", tt.name, status, err, body)
			continue
		}
		if tt.full {
			if v["limited"] != false || fmt.Sprint(v["holders"]) != "["+masked+"]" || v["location"] != p.Location || v["area"] != p.Area ||
				v["number"] != title.Number || v["mortgaged"] != true || v["sealed"] != false {
				t.Errorf("api, %s: %s; want the full answer, mortgaged", tt.name, body)
			}
			continue
		}
		if v["limited"] != true || v["licence_id"] != title.LicenceID || v["state"] != "现势" || v["signature_valid"] != true ||
			v["authority"] != p.Authority || v["issued_on"] != p.IssuedOn || v["kind"] != "title" {
			t.Errorf("api, %s: %s; want the identifier, kind, state, signature, authority and date", tt.name, body)
		}
		for _, key := range []string{"number", "holders", "unit_no", "location", "area", "right_type", "mortgaged", "sealed", "cancel_reason"} {
			if _, ok := v[key]; ok {
				t.Errorf("api, %s: the status-only answer has %s: %s", tt.name, key, body)
			}
		}
		if body != aloneAPI {
			t.Errorf("api, %s:\n%s\nwant, byte for byte, the answer to the identifier alone:\n%s", tt.name, body, aloneAPI)
		}
	}

	// An identifier never issued: not found, with a factor or without.
	_, missingPage := page(never.String(), "", "")
	_, missingAPI := api(never.String(), "", "")
	checkPage(t, "an identifier never issued", missingPage, in(`.alert.err`, hasText("查无此证照")), none(`#verification`))
	for _, f := range []struct{ token, number string }{{token, ""}, {"", title.Number}} {
		if status, body := page(never.String(), f.token, f.number); status != http.StatusNotFound || pageText(t, body, "main") != pageText(t, missingPage, "main") {
			t.Errorf("page, never issued, with %+v: %d, or the page differs from the one without", f, status)
		}
		if status, body := api(never.String(), f.token, f.number); status != http.StatusNotFound || body != missingAPI {
			t.Errorf("api, never issued, with %+v: %d %s, want %s", f, status, body, missingAPI)
		}
	}
	// Audited: on each of page and API, the wrong token, the proof's token,
	// the number twice, the proof's number and the non-number, and for the
	// identifier never issued the token and the number: 2 × 8.
	if n := lookups() - before; n != 16 {
		t.Errorf("%d lookups by licence identifier audited, want 16", n)
	}
}

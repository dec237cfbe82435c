package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/certificate"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// issue takes an application through review, recording, certification
// and issue, as the registration authority's clerks do.
func (x *registrationFixture) issue(t *testing.T, a registry.Application) {
	t.Helper()
	var err error
	if a, err = x.step(t, x.reviewer, a, registry.StepReview, store.StepOptions{}); err != nil {
		t.Fatalf("review: %v", err)
	}
	for _, step := range []registry.Step{registry.StepRecord, registry.StepCertify, registry.StepIssue} {
		if a, err = x.step(t, x.recorder, a, step, store.StepOptions{Delivery: "hand"}); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
}

// A certificate number finds its certificate however it is typed (full-
// width brackets, spaces); alone, or with a name that is not a holder's,
// it answers only that the certificate exists and its state — the same
// answer either way — and with a holder's full name what its licence
// identifier answers. Every lookup of a well-formed number is audited,
// found or not, without the name typed; a malformed one is refused
// before any lookup.
func TestVerifyByNumber(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	c := x.contracts[3]
	x.issue(t, x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: c.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID}))
	certs, _ := x.db.CertificatesOfUnit(ctx, c.UnitID)
	if len(certs) != 1 {
		t.Fatalf("certificates: %+v", certs)
	}
	cert := certs[0]
	var p certificate.Payload
	if err := json.Unmarshal(cert.Payload, &p); err != nil {
		t.Fatal(err)
	}
	holder := p.Holders[0].Name
	byLicence, err := x.db.Verify(ctx, cert.LicenceID)
	if err != nil {
		t.Fatal(err)
	}
	typed, visitor := typedNumber(cert.Number), publicVisitor()
	lookups := func() []audit.Event { return certificateLookups(t, x.db) }
	var limited *store.Verification
	tests := []struct {
		name, number, given string
		kind                problem.Kind // of the error; 0 for an answer
		full                bool
		audited             string // the audit's name field; "" when no lookup is audited
	}{
		{"by number alone", cert.Number, "", 0, false, "none"},
		{"as typed, full-width brackets and spaces", typed, "", 0, false, "none"},
		{"with a holder's full name", cert.Number, holder, 0, true, "holder"},
		{"typed, with the name spaced out", typed, " " + strings.Join(strings.Split(holder, ""), " ") + " ", 0, true, "holder"},
		{"with a name that is not a holder's", cert.Number, "李娜", 0, false, "not_a_holder"},
		{"with the masked name the answer shows", cert.Number, byLicence.Holders[0], 0, false, "not_a_holder"},
		{"with part of the name", cert.Number, string([]rune(holder)[:1]), 0, false, "not_a_holder"},
		{"a number never issued", "新(2026)昌吉市不动产权第0999999号", "", problem.NotFound, false, "none"},
		{"a number never issued, with a name", "新(2026)昌吉市不动产权第0999999号", holder, problem.NotFound, false, "not_a_holder"},
		{"not a certificate number", "0000001", "", problem.Invalid, false, ""},
		{"a licence identifier is not a number", cert.LicenceID, holder, problem.Invalid, false, ""},
	}
	for _, tt := range tests {
		before := len(lookups())
		v, err := x.db.VerifyNumber(ctx, visitor, store.NumberLookup{Number: tt.number, Name: tt.given, Via: "page"})
		if problem.KindOf(err) != tt.kind || (tt.kind == 0) != (err == nil) {
			t.Errorf("%s: got %v, want kind %v", tt.name, err, tt.kind)
			continue
		}
		events := lookups()
		switch {
		case tt.audited == "" && len(events) != before:
			t.Errorf("%s: a refused number was audited as a lookup", tt.name)
		case tt.audited != "":
			if len(events) != before+1 {
				t.Errorf("%s: %d lookups audited, want 1", tt.name, len(events)-before)
				break
			}
			e := events[0] // newest first
			var sum struct {
				Via, Name   string
				Found       bool
				Certificate int64
			}
			if err := json.Unmarshal([]byte(e.Summary), &sum); err != nil {
				t.Fatal(err)
			}
			if e.RecordType != "certificate_number" || !strings.HasSuffix(e.RecordID, "号") || e.Actor.Addr != visitor.Addr || sum.Via != "page" ||
				sum.Name != tt.audited || sum.Found != (err == nil) || (err == nil) != (sum.Certificate == cert.ID) {
				t.Errorf("%s: audited %s %s by %+v: %s; want the number, the visitor, name %s", tt.name, e.RecordType, e.RecordID, e.Actor, e.Summary, tt.audited)
			}
			if tt.given != "" && strings.Contains(e.Summary, strings.TrimSpace(tt.given)) {
				t.Errorf("%s: the audit trail keeps the name typed: %s", tt.name, e.Summary)
			}
		}
		if err != nil {
			continue
		}
		if tt.full {
			if v.Limited || !reflect.DeepEqual(v, byLicence) {
				t.Errorf("%s: got %+v; want what the licence identifier answers, %+v", tt.name, v, byLicence)
			}
			continue
		}
		if limited == nil {
			limited = &v
		}
		if !reflect.DeepEqual(v, *limited) {
			t.Errorf("%s: got %+v; want the same answer as by number alone, %+v", tt.name, v, *limited)
		}
		if !v.Limited || v.Number != cert.Number || v.State != "现势" || !v.SignatureValid || v.LicenceID != "" || v.Holders != nil || v.UnitNo != "" || v.Location != "" {
			t.Errorf("%s: got %+v; want only that the certificate exists, signed and 现势", tt.name, v)
		}
	}

	// The flat is sold on: the number now answers 注销, the reason only
	// to a holder's name.
	x.issue(t, x.apply(t, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID, Holders: []registry.Holder{{Name: "赵六", IDKind: "身份证", IDNumber: buyerIDs[2]}},
		Details: map[string]string{"deed_tax_voucher": "存量房完税003", "price": "900000"}}))
	v, err := x.db.VerifyNumber(ctx, visitor, store.NumberLookup{Number: cert.Number, Via: "api"})
	if err != nil || v.State != "注销" || v.CancelReason != "" || !v.Limited {
		t.Errorf("the cancelled certificate by number: %+v, %v; want 注销 without the reason", v, err)
	}
	if v, err := x.db.VerifyNumber(ctx, visitor, store.NumberLookup{Number: cert.Number, Name: holder, Via: "api"}); err != nil || v.State != "注销" || v.CancelReason == "" || v.Limited {
		t.Errorf("the cancelled certificate with its holder's name: %+v, %v; want 注销 with the reason", v, err)
	}
	if v, err := x.db.VerifyNumber(ctx, visitor, store.NumberLookup{Number: cert.Number, Name: "赵六", Via: "api"}); err != nil || !v.Limited {
		t.Errorf("the new owner's name on the old certificate: %+v, %v; want the limited answer", v, err)
	}
}

// Names are not for guessing: after certificate.NameChecksPerDay names that
// are not a holder's in a day, even the holder's name gets the limited
// answer, told why and audited as such, from any address; a day later the
// name is compared again.
func TestVerifyByNumberNamesLocked(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	c := x.contracts[2]
	x.issue(t, x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: c.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID}))
	certs, _ := x.db.CertificatesOfUnit(ctx, c.UnitID)
	var p certificate.Payload
	if err := json.Unmarshal(certs[0].Payload, &p); err != nil {
		t.Fatal(err)
	}
	number, holder := certs[0].Number, p.Holders[0].Name
	ask := func(addr, name string) store.Verification {
		t.Helper()
		v, err := x.db.VerifyNumber(ctx, audit.Actor{Name: "匿名", Addr: addr}, store.NumberLookup{Number: number, Name: name, Via: "page"})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := ask("203.0.113.1", holder); v.Limited || v.NamesLocked {
		t.Fatalf("the holder's name at first: got limited %v locked %v, want the full answer", v.Limited, v.NamesLocked)
	}
	for i := range certificate.NameChecksPerDay {
		if v := ask(fmt.Sprintf("203.0.113.%d", 10+i), fmt.Sprintf("猜测%d", i)); !v.Limited || v.NamesLocked {
			t.Fatalf("wrong name %d: got limited %v locked %v, want limited, not yet locked", i+1, v.Limited, v.NamesLocked)
		}
	}
	if v := ask("198.51.100.7", holder); !v.Limited || !v.NamesLocked {
		t.Errorf("the holder's name after %d wrong ones: got limited %v locked %v, want the limited answer, locked", certificate.NameChecksPerDay, v.Limited, v.NamesLocked)
	}
	ev, err := x.db.ListAudit(ctx, access.Filter{All: true}, store.AuditQuery{Action: "certificate.lookup", Limit: 1})
	if err != nil || len(ev) != 1 || !strings.Contains(ev[0].Summary, `"name":"locked"`) {
		t.Errorf("the locked lookup's audit: got %+v (%v), want name locked", ev, err)
	}
	if v := ask("198.51.100.7", ""); !v.Limited || v.NamesLocked {
		t.Errorf("by number alone while locked: got limited %v locked %v, want the usual limited answer", v.Limited, v.NamesLocked)
	}
	x.clock.Advance(24*time.Hour + time.Minute)
	if v := ask("198.51.100.7", holder); v.Limited || v.NamesLocked {
		t.Errorf("the holder's name a day later: got limited %v locked %v, want the full answer", v.Limited, v.NamesLocked)
	}
}

// The lookup by number reads the certificates' unique index on cert_no:
// both engines made one for the UNIQUE constraint.
func TestCertificateNumberIsIndexed(t *testing.T) {
	db, _ := storetest.Open(t)
	q := `SELECT COUNT(*) FROM pragma_index_list('certificates') l JOIN pragma_index_info(l.name) i WHERE i.name = 'cert_no' AND l."unique" = 1`
	if db.Engine() == store.Postgres {
		q = `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'certificates' AND indexdef LIKE 'CREATE UNIQUE INDEX % (cert_no)'`
	}
	var n int
	if err := db.SQLForTest().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("unique indexes on certificates (cert_no): %d, want 1", n)
	}
}

// A licence identifier alone — all that someone guessing identifiers has —
// answers the certificate's status only: kind, signature, state, authority
// and date, not its number, holders, flat, mortgage or seal. With the QR
// code's token, or the certificate's number as people type it, it answers
// in full, as Verify does; with a wrong one, exactly as without one, and a
// factor given to an identifier never issued is not found either way.
// Every lookup given a factor is audited — found or not, which factor and
// whether it matched, never the factor itself — except the right token,
// which only the certificate's QR code carries; the identifier alone is
// not audited.
func TestVerifyByLicence(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	certs := x.mortgagedTitle(t, x.contracts[3], "300000")
	var cert, proof store.Certificate
	for _, c := range certs {
		if c.Kind == certificate.Title {
			cert = c
		} else {
			proof = c
		}
	}
	if cert.ID == 0 || proof.ID == 0 {
		t.Fatalf("certificates: %+v; want the buyer's title and the bank's proof", certs)
	}
	full, err := x.db.Verify(ctx, cert.LicenceID)
	if err != nil || !full.Mortgaged || full.Limited || len(full.Holders) == 0 {
		t.Fatalf("the full answer: %+v, %v; want it mortgaged, with its holders", full, err)
	}
	token := certificate.Token(cert.LicenceID, cert.Signature)
	typed, visitor := typedNumber(cert.Number), publicVisitor()
	lookups := func() []audit.Event { return certificateLookups(t, x.db) }
	const never = "1.2.156.3005.2.11100000MB03271699001.12652301MA10014822.9999999.001.X"
	var limited *store.Verification
	tests := []struct {
		name                   string
		licence, token, number string
		found, full            bool
		audited                string // the audit's factor and result, e.g. "number:wrong"; "" when not audited
	}{
		{"the identifier alone", cert.LicenceID, "", "", true, false, ""},
		{"the QR code's token", cert.LicenceID, token, "", true, true, ""},
		{"the token in capitals", cert.LicenceID, strings.ToUpper(token), "", true, true, ""},
		{"a made-up token", cert.LicenceID, "aaaaaaaaaaaaaaaa", "", true, false, "token:wrong"},
		{"the bank's proof's token", cert.LicenceID, certificate.Token(proof.LicenceID, proof.Signature), "", true, false, "token:wrong"},
		{"the certificate's number", cert.LicenceID, "", cert.Number, true, true, "number:match"},
		{"the number as typed", cert.LicenceID, "", typed, true, true, "number:match"},
		{"the bank's proof's number", cert.LicenceID, "", proof.Number, true, false, "number:wrong"},
		{"not a number at all", cert.LicenceID, "", "0000001", true, false, "number:wrong"},
		{"an identifier never issued", never, "", "", false, false, ""},
		{"never issued, with a token", never, token, "", false, false, "token:wrong"},
		{"never issued, with a number", never, "", cert.Number, false, false, "number:wrong"},
	}
	for _, tt := range tests {
		before := len(lookups())
		v, err := x.db.VerifyLicence(ctx, visitor, store.LicenceLookup{Licence: tt.licence, Token: tt.token, Number: tt.number, Via: "api"})
		if tt.found != (err == nil) || (!tt.found && problem.KindOf(err) != problem.NotFound) {
			t.Errorf("%s: got %v, want found %v (else not found)", tt.name, err, tt.found)
			continue
		}
		events := lookups()
		switch {
		case tt.audited == "" && len(events) != before:
			t.Errorf("%s: %d lookups audited, want none", tt.name, len(events)-before)
		case tt.audited != "":
			if len(events) != before+1 {
				t.Errorf("%s: %d lookups audited, want 1", tt.name, len(events)-before)
				break
			}
			e := events[0] // newest first
			var sum map[string]any
			if err := json.Unmarshal([]byte(e.Summary), &sum); err != nil {
				t.Fatal(err)
			}
			factor, result, _ := strings.Cut(tt.audited, ":")
			wantID := float64(0)
			if tt.found {
				wantID = float64(cert.ID)
			}
			if e.RecordType != "licence_id" || e.RecordID != tt.licence || e.Actor.Addr != visitor.Addr || sum["via"] != "api" || sum["found"] != tt.found ||
				sum["certificate"] != wantID || sum[factor] != result {
				t.Errorf("%s: audited %s %s by %+v: %s; want the identifier, the visitor, %s", tt.name, e.RecordType, e.RecordID, e.Actor, e.Summary, tt.audited)
			}
			if given := strings.TrimSpace(tt.token + tt.number); strings.Contains(e.Summary, given) {
				t.Errorf("%s: the audit trail keeps the factor typed: %s", tt.name, e.Summary)
			}
		}
		if err != nil {
			continue
		}
		if tt.full {
			if !reflect.DeepEqual(v, full) {
				t.Errorf("%s: got %+v; want the full answer %+v", tt.name, v, full)
			}
			continue
		}
		if limited == nil {
			limited = &v
		}
		if !reflect.DeepEqual(v, *limited) {
			t.Errorf("%s: got %+v; want the same answer as by the identifier alone, %+v", tt.name, v, *limited)
		}
		if !v.Limited || v.LicenceID != cert.LicenceID || v.Kind != certificate.Title || v.State != "现势" || !v.SignatureValid ||
			v.Authority != full.Authority || v.IssuedOn != full.IssuedOn {
			t.Errorf("%s: got %+v; want the identifier, kind, 现势, signature, authority and date", tt.name, v)
		}
		if v.Number != "" || v.Holders != nil || v.UnitNo != "" || v.Location != "" || v.Area != "" || v.RightType != "" || v.Mortgaged || v.Sealed {
			t.Errorf("%s: got %+v; the status-only answer shows the number, the holder, the flat or the mortgage", tt.name, v)
		}
	}
}

// mortgagedTitle registers the sale of c with a mortgage of amount to the
// fixture's bank in one application, issues it and returns the flat's
// certificates: the buyer's title and the bank's proof.
func (x *registrationFixture) mortgagedTitle(t *testing.T, c presale.Contract, amount string) []store.Certificate {
	t.Helper()
	x.issue(t, x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: c.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID},
		store.ServiceInput{Kind: registry.MortgageReg, UnitID: c.UnitID, Details: map[string]string{"bank": fmt.Sprint(x.bank), "amount": amount}}))
	certs, err := x.db.CertificatesOfUnit(context.Background(), c.UnitID)
	if err != nil {
		t.Fatal(err)
	}
	return certs
}

// The QR code's lookup is the public's hot path: once the authority's
// certificate is known, it reads the certificate and whether its flat is
// mortgaged or sealed in one statement, on either engine, and answers as
// the separate reads would.
func TestVerifyByLicenceIsOneStatement(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	c := x.contracts[2]
	certs := x.mortgagedTitle(t, c, "200000")
	if len(certs) != 2 {
		t.Fatalf("certificates: %+v; want the title and the proof", certs)
	}
	mortgaged, sealed, err := x.db.RestrictionsForTest(ctx, c.UnitID)
	if err != nil || !mortgaged || sealed {
		t.Fatalf("the unit's book: mortgaged %v, sealed %v, %v; want mortgaged, not sealed", mortgaged, sealed, err)
	}
	for _, cert := range certs {
		lookup := store.LicenceLookup{Licence: cert.LicenceID, Token: certificate.Token(cert.LicenceID, cert.Signature), Via: "api"}
		if _, err := x.db.VerifyLicence(ctx, publicVisitor(), lookup); err != nil { // the authority, once
			t.Fatal(err)
		}
		var n store.QueryCount
		v, err := x.db.VerifyLicence(store.CountQueries(ctx, &n), publicVisitor(), lookup)
		if err != nil {
			t.Fatal(err)
		}
		if got := n.Reads.Load() + n.InTx.Load(); got != 1 {
			t.Errorf("%s: got %d statements, want 1", cert.Number, got)
		}
		if v.Limited || v.Mortgaged != mortgaged || v.Sealed != sealed || !v.SignatureValid || v.LicenceID != cert.LicenceID || v.Number != cert.Number {
			t.Errorf("%s: got %+v; want the full answer, mortgaged %v, sealed %v, the signature valid", cert.Number, v, mortgaged, sealed)
		}
	}
	// The unit's entries come in the order of the covering index, not
	// sorted afresh on every request.
	wantSQLitePlan(t, x.db, "the verification", x.db.VerifiablePlanForTest, "register_entries_standing", "TEMP B-TREE")
}

// Numbers are sequential, so a found identifier must not let anyone walk
// them: after certificate.NumberChecksPerDay wrong numbers in a day, from
// any address, even the right number gets the status only, told why and
// audited as locked. The QR code's token still opens it (it cannot be
// guessed), and a day later the number is compared again.
func TestVerifyByLicenceNumbersLocked(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	c := x.contracts[2]
	x.issue(t, x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: c.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID}))
	certs, _ := x.db.CertificatesOfUnit(ctx, c.UnitID)
	cert := certs[0]
	ask := func(addr string, l store.LicenceLookup) store.Verification {
		t.Helper()
		l.Licence, l.Via = cert.LicenceID, "page"
		v, err := x.db.VerifyLicence(ctx, audit.Actor{Name: "匿名", Addr: addr}, l)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := ask("203.0.113.1", store.LicenceLookup{Number: cert.Number}); v.Limited || v.NumbersLocked {
		t.Fatalf("the number at first: got limited %v locked %v, want the full answer", v.Limited, v.NumbersLocked)
	}
	for i := range certificate.NumberChecksPerDay {
		wrong := fmt.Sprintf("新(2026)昌吉市不动产权第%07d号", 9000+i)
		if v := ask(fmt.Sprintf("203.0.113.%d", 10+i), store.LicenceLookup{Number: wrong}); !v.Limited || v.NumbersLocked {
			t.Fatalf("wrong number %d: got limited %v locked %v, want limited, not yet locked", i+1, v.Limited, v.NumbersLocked)
		}
	}
	if v := ask("198.51.100.7", store.LicenceLookup{Number: cert.Number}); !v.Limited || !v.NumbersLocked {
		t.Errorf("the number after %d wrong ones: got limited %v locked %v, want the status only, locked", certificate.NumberChecksPerDay, v.Limited, v.NumbersLocked)
	}
	ev, err := x.db.ListAudit(ctx, access.Filter{All: true}, store.AuditQuery{Action: "certificate.lookup", Limit: 1})
	if err != nil || len(ev) != 1 || !strings.Contains(ev[0].Summary, `"number":"locked"`) {
		t.Errorf("the locked lookup's audit: got %+v (%v), want number locked", ev, err)
	}
	if v := ask("198.51.100.7", store.LicenceLookup{Token: certificate.Token(cert.LicenceID, cert.Signature)}); v.Limited || v.NumbersLocked {
		t.Errorf("the QR code's token while numbers are locked: got limited %v locked %v, want the full answer", v.Limited, v.NumbersLocked)
	}
	if v := ask("198.51.100.7", store.LicenceLookup{}); !v.Limited || v.NumbersLocked {
		t.Errorf("the identifier alone while locked: got limited %v locked %v, want the usual status only", v.Limited, v.NumbersLocked)
	}
	x.clock.Advance(24*time.Hour + time.Minute)
	if v := ask("198.51.100.7", store.LicenceLookup{Number: cert.Number}); v.Limited || v.NumbersLocked {
		t.Errorf("the number a day later: got limited %v locked %v, want the full answer", v.Limited, v.NumbersLocked)
	}
}

// typedNumber is a certificate number as old data and people write it.
func typedNumber(number string) string {
	return strings.NewReplacer("(", "（", ")", "）", "第", " 第 ").Replace(number)
}

// publicVisitor is someone verifying a certificate on the public page.
func publicVisitor() audit.Actor { return audit.Actor{Name: "匿名", Addr: "203.0.113.9"} }

// certificateLookups are the public lookups with a second factor in the
// audit trail, newest first.
func certificateLookups(t *testing.T, db *store.DB) []audit.Event {
	t.Helper()
	ev, err := db.ListAudit(context.Background(), access.Filter{All: true}, store.AuditQuery{Action: "certificate.lookup", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

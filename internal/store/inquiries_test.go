package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"handover/internal/audit"
	"handover/internal/identity"
	"handover/internal/inquiry"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
)

// Register queries per 不动产登记资料查询暂行办法: each standing is told what
// it may be, by unit number, certificate number or location (never by a
// name); a holder queries as holder only what they hold; every answer is a
// signed 查询结果证明 that verifies, and fully only with its QR token; the
// holders named see the query, with its purpose, among the views of their
// data; the record is append-only.
func TestInquiries(t *testing.T) {
	x, sold := handedOver(t)
	ctx := context.Background()
	ref, _ := x.db.Unit(ctx, sold.UnitID)
	book, _ := x.db.UnitBook(ctx, sold.UnitID)
	owner := registry.Live(book, registry.Ownership)[0]
	holder := owner.Holders[0]
	certs, _ := x.db.CertificatesOfUnit(ctx, sold.UnitID)
	var certNo string
	for _, c := range certs {
		if c.EntryID == owner.ID {
			certNo = c.Number
		}
	}
	location := ref.Project.Address + " " + ref.Building.Name + ref.Unit.Room
	const stranger = "652301199001011235"

	base := inquiry.Request{Name: "查询人", IDNumber: stranger, Purpose: "购房前了解房屋是否抵押、查封", By: inquiry.ByUnitNo, Key: ref.Unit.UnitNo}
	with := func(f func(*inquiry.Request)) inquiry.Request { q := base; f(&q); return q }
	for _, tc := range []struct {
		name    string
		q       inquiry.Request
		code    string // the refusal or invalid code; "" answers
		holders bool   // the answer names the holders
		wholeID bool   // with whole ID numbers
		rights  bool
	}{
		{"the holder, by unit number", with(func(q *inquiry.Request) {
			q.Requester, q.Name, q.IDNumber, q.Purpose = inquiry.Holder, holder.Name, holder.IDNumber, "办理公积金贷款需要查询本人房产"
		}), "", true, false, true},
		{"someone else as holder", with(func(q *inquiry.Request) { q.Requester = inquiry.Holder }), "inquiry.refused", false, false, false},
		{"a prospective buyer, by certificate number", with(func(q *inquiry.Request) {
			q.Requester, q.By, q.Key = inquiry.Prospective, inquiry.ByCertNo, certNo
		}), "", false, false, false},
		{"a prospective buyer, by location", with(func(q *inquiry.Request) {
			q.Requester, q.By, q.Key = inquiry.Prospective, inquiry.ByLocation, strings.ReplaceAll(location, " ", "")
		}), "", false, false, false},
		{"an interested party without a proof", with(func(q *inquiry.Request) { q.Requester = inquiry.Interested }), "inquiry.invalid", false, false, false},
		{"an interested party with a lawsuit", with(func(q *inquiry.Request) {
			q.Requester, q.Basis, q.BasisNo, q.Purpose = inquiry.Interested, inquiry.Lawsuit, "（2026）新2301民初123号", "民事诉讼需查明房屋权属"
		}), "", true, false, true},
		{"a court with its letter", with(func(q *inquiry.Request) {
			q.Requester, q.Org, q.Basis, q.BasisNo, q.Purpose = inquiry.StateOrgan, "昌吉市人民法院", inquiry.Letter, "（2026）新2301执45号", "执行案件查明被执行人财产"
		}), "", true, true, true},
		{"by a person's name", with(func(q *inquiry.Request) { q.Requester, q.By, q.Key = inquiry.Prospective, "name", holder.Name }), "inquiry.invalid", false, false, false},
		{"no purpose", with(func(q *inquiry.Request) { q.Requester, q.Purpose = inquiry.Prospective, "查询" }), "inquiry.invalid", false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			unit := ref.Unit.ID
			if tc.q.By == inquiry.ByCertNo || tc.q.By == inquiry.ByLocation {
				found, err := x.db.InquiryUnit(ctx, "652301", tc.q.By, tc.q.Key)
				if err != nil || found.Unit.ID != ref.Unit.ID {
					t.Fatalf("InquiryUnit(%s, %q): unit %d (%v), want %d", tc.q.By, tc.q.Key, found.Unit.ID, err, ref.Unit.ID)
				}
			}
			var before int
			x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM inquiries`).Scan(&before)
			got, err := x.db.Inquire(ctx, x.acceptor, tc.q, unit, x.keys)
			if tc.code != "" {
				var after int
				x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM inquiries`).Scan(&after)
				if p := problem.As(err); p == nil || p.Code != tc.code || after != before {
					t.Fatalf("got %v with %d records added, want %s and none", err, after-before, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r := got.Result
			if r.UnitNo != ref.Unit.UnitNo || !r.Registered || r.Sealed || r.Location != location {
				t.Errorf("the unit: %+v, want %s at %q registered, not sealed", r, ref.Unit.UnitNo, location)
			}
			if named := len(r.Holders) > 0; named != tc.holders {
				t.Errorf("holders named: got %v, want %v", r.Holders, tc.holders)
			}
			for _, h := range r.Holders {
				if whole := h.IDNumber == holder.IDNumber || !strings.Contains(h.IDNumber, "*"); whole != tc.wholeID && h.IDKind != registry.USCCKind {
					t.Errorf("holder ID %q: whole %v, want %v", h.IDNumber, whole, tc.wholeID)
				}
			}
			if has := len(r.Rights) > 0; has != tc.rights {
				t.Errorf("rights: got %v, want %v", r.Rights, tc.rights)
			}
			if strings.Contains(string(got.Payload), tc.q.IDNumber) {
				t.Errorf("the requester's ID number is in the proof whole: %s", got.Payload)
			}
			c, err := x.db.VerifyInquiry(ctx, r.Number, "")
			if err != nil || !c.SignatureValid || c.Full {
				t.Errorf("verify without the token: %+v (%v), want a valid signature, not in full", c, err)
			}
			c, err = x.db.VerifyInquiry(ctx, r.Number, got.Token())
			if err != nil || !c.Full || c.Inquiry.Result.Purpose != tc.q.Purpose {
				t.Errorf("verify with the token: %+v (%v), want in full", c, err)
			}
			// The public answer never shows a person's whole ID number,
			// not even of a state organ's proof.
			for _, h := range c.Inquiry.Result.Holders {
				if h.IDKind != registry.USCCKind && !strings.Contains(h.IDNumber, "*") {
					t.Errorf("the public check shows %s's ID number whole", h.Name)
				}
			}
		})
	}

	// The holders see who was told about them, and why: the lawsuit's and
	// the court's queries, not the prospective buyers' nor their own.
	views, err := x.db.PersonalViewsOf(ctx, holder.IDNumber, 50)
	if err != nil {
		t.Fatal(err)
	}
	var purposes []string
	for _, v := range views {
		if v.RecordType == "inquiry" {
			purposes = append(purposes, v.Purpose)
			if v.Via != "counter" || v.Actor == "" {
				t.Errorf("view %+v: want the counter and the clerk", v)
			}
		}
	}
	// Their own query is not someone else's view of their data: it is not
	// listed (the page says the person's own views are not).
	if want := []string{"执行案件查明被执行人财产", "民事诉讼需查明房屋权属"}; strings.Join(purposes, "|") != strings.Join(want, "|") {
		t.Errorf("queries among the holder's views: %q, want %q", purposes, want)
	}

	// Another county's clerk does not find the unit, by any key.
	for _, k := range []struct {
		by  inquiry.By
		key string
	}{{inquiry.ByUnitNo, ref.Unit.UnitNo}, {inquiry.ByCertNo, certNo}, {inquiry.ByLocation, location}} {
		if _, err := x.db.InquiryUnit(ctx, "652302", k.by, k.key); problem.KindOf(err) != problem.NotFound {
			t.Errorf("from 652302 by %s: %v, want not found", k.by, err)
		}
	}

	// A forged proof does not verify; the record cannot be changed.
	if _, err := x.db.SQLForTest().Exec(`UPDATE inquiries SET purpose = 'x'`); err == nil {
		t.Errorf("an inquiry was updated")
	}
	if _, err := x.db.VerifyInquiry(ctx, "CX6523012026999999", ""); problem.KindOf(err) != problem.NotFound {
		t.Errorf("an unknown number: %v, want not found", err)
	}
	list, err := x.db.Inquiries(ctx, "652301", 10)
	if err != nil || len(list) != 5 {
		t.Errorf("the jurisdiction's queries: %d (%v), want 5", len(list), err)
	}
	if other, _ := x.db.Inquiries(ctx, "652302", 10); len(other) != 0 {
		t.Errorf("another county's queries: %d, want 0", len(other))
	}
}

// A rights holder queries their own flat online, signed in: the requester
// is the account's person, the proof is signed and names them as holder,
// its channel 网上查询; someone else signed in, an account without an ID
// number and the platform's own call are refused before anything of the
// flat is told or stored; a clerk's account may not use it.
func TestHolderQueriesOwnUnitOnline(t *testing.T) {
	x, sold := handedOver(t)
	ctx := context.Background()
	book, _ := x.db.UnitBook(ctx, sold.UnitID)
	holder := registry.Live(book, registry.Ownership)[0].Holders[0]
	person := func(id string) *identity.Principal {
		p := principalOf(identity.RoleBuyer, identity.Individual, "652301", 0)
		p.User.ID, p.User.Name, p.User.IDNumber = 4242, holder.Name, id
		return p
	}
	clerk := principalOf(identity.RoleAcceptor, identity.Registry, "652301", x.f.Orgs["652301/registry"].ID)
	clerk.User.IDNumber = holder.IDNumber // a clerk who happens to hold it acts as clerk here
	me := audit.Actor{UserID: 4242, Name: holder.Name}
	const purpose = "申请住房公积金贷款需提供本人房产登记结果"
	count := func() int {
		var n int
		x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM inquiries`).Scan(&n)
		return n
	}
	before := count()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		code string
	}{
		{"someone else signed in", request(person("652301199001011235")), "access.denied"},
		{"an account without an ID number", request(person("")), "access.denied"},
		{"a clerk's account", request(clerk), "access.denied"},
		{"nobody signed in", request(nil), "auth.required"},
		{"the platform's own call", ctx, "inquiry.own_unknown"},
		{"the holder without a purpose", request(person(holder.IDNumber)), "inquiry.invalid"},
	} {
		p := purpose
		if tc.code == "inquiry.invalid" {
			p = ""
		}
		if _, err := x.db.InquireOwn(tc.ctx, me, sold.UnitID, p, x.keys); problem.CodeOf(err) != tc.code {
			t.Errorf("%s: got %q (%v), want %s", tc.name, problem.CodeOf(err), err, tc.code)
		}
	}
	// A unit that does not exist is refused as another person's is.
	if _, err := x.db.InquireOwn(request(person(holder.IDNumber)), me, 987654321, purpose, x.keys); problem.CodeOf(err) != "access.denied" {
		t.Errorf("an unknown unit: got %q (%v), want access.denied", problem.CodeOf(err), err)
	}
	if n := count(); n != before {
		t.Fatalf("refused queries stored: %d", n-before)
	}

	q, err := x.db.InquireOwn(request(person(holder.IDNumber)), me, sold.UnitID, purpose, x.keys)
	if err != nil {
		t.Fatal(err)
	}
	r := q.Result
	if r.Requester != inquiry.Holder.Label() || r.Channel != inquiry.Online.Label() || r.Name != holder.Name || r.Purpose != purpose ||
		len(r.Holders) == 0 || r.Holders[0].Name != holder.Name || q.QueriedBy != 4242 {
		t.Errorf("the holder's own proof: %+v by %d, want the holder as requester, online, naming them, asked by 4242", r, q.QueriedBy)
	}
	if c, err := x.db.VerifyInquiry(ctx, r.Number, q.Token()); err != nil || !c.SignatureValid || !c.Full {
		t.Errorf("verify: %+v (%v), want a valid signature in full", c, err)
	}
}

// handedOver is the registration fixture after its handover on
// 2026-03-20, and its first sale, whose buyer now holds the flat.
func handedOver(t *testing.T) (*registrationFixture, presale.Contract) {
	t.Helper()
	x := newRegistrationFixture(t)
	ev := x.scheduleHandover(t)
	x.clock.Set(time.Date(2026, 3, 20, 2, 0, 0, 0, time.UTC))
	if _, err := x.db.RunHandover(context.Background(), x.dev, x.cal, ev.ID, x.keys, nil); err != nil {
		t.Fatal(err)
	}
	return x, x.contracts[0]
}

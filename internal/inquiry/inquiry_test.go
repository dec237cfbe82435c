package inquiry

import (
	"slices"
	"testing"

	"handover/internal/problem"
	"handover/internal/registry"
)

const someone = "652301199001011235"

func valid() Request {
	return Request{Requester: Prospective, Name: "王五", IDNumber: someone, Purpose: "购房前了解房屋状况", By: ByUnitNo, Key: "652301004007GB00121F00080129"}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*Request)
		field string // the field refused; "" for none
	}{
		{"a prospective buyer", func(*Request) {}, ""},
		{"no standing", func(q *Request) { q.Requester = "" }, "requester"},
		{"a bad ID number", func(q *Request) { q.IDNumber = "652301199001011236" }, "id_number"},
		{"a purpose saying nothing", func(q *Request) { q.Purpose = "查询" }, "purpose"},
		{"by a person's name", func(q *Request) { q.By = "name" }, "by"},
		{"no key", func(q *Request) { q.Key = "" }, "key"},
		{"an interested party without a proof", func(q *Request) { q.Requester = Interested }, "basis"},
		{"an interested party with a contract but no number", func(q *Request) { q.Requester, q.Basis = Interested, Contract }, "basis_no"},
		{"an interested party with a contract", func(q *Request) { q.Requester, q.Basis, q.BasisNo = Interested, Contract, "HT-1" }, ""},
		{"an interested party with a letter", func(q *Request) { q.Requester, q.Basis, q.BasisNo = Interested, Letter, "函1" }, "basis"},
		{"a state organ without its name", func(q *Request) { q.Requester, q.Basis, q.BasisNo = StateOrgan, Letter, "函1" }, "org"},
		{"a state organ without a letter", func(q *Request) { q.Requester, q.Org = StateOrgan, "昌吉市人民法院" }, "basis"},
		{"a state organ with its letter", func(q *Request) {
			q.Requester, q.Org, q.Basis, q.BasisNo = StateOrgan, "昌吉市人民法院", Letter, "函1"
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := valid()
			tc.edit(&q)
			err := q.Normalise().Check()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			if p := problem.As(err); p == nil || p.Code != "inquiry.invalid" || p.Fields[tc.field] == "" {
				t.Fatalf("got %v, want inquiry.invalid naming %s", err, tc.field)
			}
		})
	}
}

func TestScopeAndLimit(t *testing.T) {
	whole := Result{UnitNo: "U", Mortgaged: true, Holders: []ResultHolder{{Name: "张伟", IDKind: "身份证", IDNumber: someone},
		{Name: "开发企业", IDKind: registry.USCCKind, IDNumber: "91652301MA0000001X"}}, Rights: []Right{{Kind: "抵押权"}}}
	for _, tc := range []struct {
		who             Requester
		holders, rights bool
		personID        string
	}{
		{Holder, true, true, "6523**********1235"},
		{Interested, true, true, "6523**********1235"},
		{Prospective, false, false, ""},
		{StateOrgan, true, true, someone},
	} {
		got := Limit(whole, tc.who.Scope())
		if (len(got.Holders) > 0) != tc.holders || (len(got.Rights) > 0) != tc.rights || !got.Mortgaged {
			t.Errorf("%s: got %+v, want holders %v, rights %v and the flags", tc.who, got, tc.holders, tc.rights)
		}
		if tc.holders && (got.Holders[0].IDNumber != tc.personID || got.Holders[1].IDNumber != "91652301MA0000001X") {
			t.Errorf("%s: holders %+v, want the person's %s and the company's whole", tc.who, got.Holders, tc.personID)
		}
	}
	if whole.Holders[0].IDNumber != someone {
		t.Errorf("Limit changed the whole answer: %+v", whole.Holders)
	}
}

func TestAllowed(t *testing.T) {
	r := Result{UnitNo: "U", Holders: []ResultHolder{{Name: "张伟", IDNumber: someone}}}
	holder := valid()
	holder.Requester = Holder
	if err := holder.Allowed(r); err != nil {
		t.Errorf("the holder: %v, want allowed", err)
	}
	holder.IDNumber = "652301199003071231"
	if p := problem.As(holder.Allowed(r)); p == nil || p.Kind != problem.Refused || p.Reasons[0].Rule != "inquiry.holder" {
		t.Errorf("not the holder: %v, want refused by inquiry.holder", p)
	}
	if err := valid().Allowed(Result{}); err != nil {
		t.Errorf("a prospective buyer: %v, want allowed", err)
	}
}

func TestIsNumber(t *testing.T) {
	for s, want := range map[string]bool{"CX6523012026000001": true, " cx6523012026000001 ": true, "CX652301202600001": false,
		"新(2026)昌吉市不动产权第0000123号": false, "": false, "CX65230120260000011": true} {
		if got := IsNumber(s); got != want {
			t.Errorf("IsNumber(%q) = %v, want %v", s, got, want)
		}
	}
}

// Whatever is typed into the form, checking it never panics and a
// request it accepts names a standing, a way and a key.
func FuzzCheck(f *testing.F) {
	f.Add("prospective", "王五", someone, "购房前了解房屋状况", "", "", "unit_no", "U")
	f.Add("state_organ", "李", someone, "执行案件", "letter", "函1", "location", "昌吉市 1号楼101")
	f.Fuzz(func(t *testing.T, requester, name, id, purpose, basis, basisNo, by, key string) {
		q := Request{Requester: Requester(requester), Name: name, IDNumber: id, Purpose: purpose, Basis: Basis(basis), BasisNo: basisNo,
			By: By(by), Key: key}.Normalise()
		IsNumber(key)
		if q.Check() != nil {
			return
		}
		if !slices.Contains(Requesters, q.Requester) || !slices.Contains(Bys, q.By) || q.Key == "" || q.Purpose == "" || q.Name == "" {
			t.Errorf("accepted %+v", q)
		}
	})
}

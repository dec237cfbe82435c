package access

import (
	"testing"

	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/problem"
	"handover/internal/registry"
)

func principal(role identity.Role, kind identity.OrgKind, j identity.JurisdictionKind, code string, orgID int64) *identity.Principal {
	return &identity.Principal{
		User:         identity.User{ID: 7, Roles: []identity.Role{role}, IDNumber: "11010519491231002X"},
		Org:          identity.Org{ID: orgID, Kind: kind, Jurisdiction: code},
		Jurisdiction: identity.Jurisdiction{Code: code, Kind: j},
	}
}

func TestDecide(t *testing.T) {
	county := func(r identity.Role, k identity.OrgKind) *identity.Principal {
		return principal(r, k, identity.County, "652301", 10)
	}
	pref := func(r identity.Role, k identity.OrgKind) *identity.Principal {
		return principal(r, k, identity.Prefecture, "652300", 11)
	}
	here := Target{Jurisdiction: "652301"}
	there := Target{Jurisdiction: "652302"}
	tests := []struct {
		name string
		p    *identity.Principal
		a    Action
		t    Target
		want string // "" allowed, else error code
	}{
		{"anonymous may validate codes", nil, CodesValidate, Target{}, ""},
		{"anonymous may not read me", nil, MeRead, Target{}, "auth.required"},
		{"county admin manages users here", county(identity.RoleAdmin, identity.Registry), UserManage, here, ""},
		{"county admin not there", county(identity.RoleAdmin, identity.Registry), UserManage, there, "access.denied"},
		{"prefecture admin everywhere", pref(identity.RoleAdmin, identity.Centre), UserManage, there, ""},
		{"acceptor cannot manage users", county(identity.RoleAcceptor, identity.Registry), UserManage, here, "access.denied"},
		{"supervisor reads audit everywhere", pref(identity.RoleSupervisor, identity.Centre), AuditRead, there, ""},
		{"supervisor cannot manage users", pref(identity.RoleSupervisor, identity.Centre), UserManage, here, "access.denied"},
		{"county admin cannot load calendars", county(identity.RoleAdmin, identity.Registry), CalendarManage, Target{}, "access.denied"},
		{"prefecture admin loads calendars", pref(identity.RoleAdmin, identity.Centre), CalendarManage, Target{}, ""},
		{"a buyer at prefecture level is not prefecture-wide", pref(identity.RoleBuyer, identity.Individual), AuditRead, there, "access.denied"},
		{"a record without jurisdiction needs prefecture scope", county(identity.RoleAdmin, identity.Registry), AuditRead, Target{}, "access.denied"},
		{"the recorder receives paper here", county(identity.RoleRecorder, identity.Registry), PaperManage, here, ""},
		{"the recorder not there", county(identity.RoleRecorder, identity.Registry), PaperManage, there, "access.denied"},
		{"the acceptor sees the paper stock", county(identity.RoleAcceptor, identity.Registry), PaperRead, here, ""},
		{"the acceptor does not receive paper", county(identity.RoleAcceptor, identity.Registry), PaperManage, here, "access.denied"},
		{"the supervisor sees every stock", pref(identity.RoleSupervisor, identity.Centre), PaperRead, there, ""},
		{"the supervisor does not spoil blanks", pref(identity.RoleSupervisor, identity.Centre), PaperManage, there, "access.denied"},
		{"unknown action", county(identity.RoleAdmin, identity.Registry), Action("nope"), here, "access.unknown_action"},
	}
	for _, tt := range tests {
		err := Decide(tt.p, tt.a, tt.t)
		if got := problem.CodeOf(err); (err == nil) != (tt.want == "") || (err != nil && got != tt.want) {
			t.Errorf("%s: Decide = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestOwnScopes(t *testing.T) {
	dev := principal(identity.RoleDeveloper, identity.Developer, identity.County, "652301", 42)
	buyer := principal(identity.RoleBuyer, identity.Individual, identity.Prefecture, "652300", 3)
	bank := principal(identity.RoleBank, identity.Bank, identity.County, "652301", 50)
	tests := []struct {
		p    *identity.Principal
		s    Scope
		t    Target
		want bool
	}{
		{dev, OwnDeveloper, Target{Developer: 42}, true},
		{dev, OwnDeveloper, Target{Developer: 43}, false},
		{bank, OwnDeveloper, Target{Developer: 50}, false}, // a bank is not a developer even with the same id
		{buyer, OwnBuyer, Target{Buyers: []string{"11010519491231002X"}}, true},
		{buyer, OwnBuyer, Target{Buyers: []string{"440524188001010014"}}, false},
		{bank, OwnOrg, Target{Org: 50}, true},
		{bank, OwnOrg, Target{Org: 51}, false},
		{dev, Self, Target{User: 7}, true},
		{dev, Self, Target{User: 8}, false},
	}
	for _, tt := range tests {
		if got := reaches(tt.p, tt.s, tt.t); got != tt.want {
			t.Errorf("reaches(%s, %v, %+v) = %v, want %v", tt.p.User.Roles[0], tt.s, tt.t, got, tt.want)
		}
	}
}

func TestListFilter(t *testing.T) {
	county := principal(identity.RoleAdmin, identity.Registry, identity.County, "652301", 10)
	f, err := ListFilter(county, UserRead)
	if err != nil || f.All || f.Jurisdiction != "652301" {
		t.Errorf("county admin filter = %+v, %v; want jurisdiction 652301", f, err)
	}
	pref := principal(identity.RoleSupervisor, identity.Centre, identity.Prefecture, "652300", 11)
	if f, err := ListFilter(pref, UserRead); err != nil || !f.All {
		t.Errorf("supervisor filter = %+v, %v; want all", f, err)
	}
	buyer := principal(identity.RoleBuyer, identity.Individual, identity.Prefecture, "652300", 3)
	if _, err := ListFilter(buyer, UserRead); problem.CodeOf(err) != "access.denied" {
		t.Errorf("buyer filter error = %v, want access.denied", err)
	}
}

// Every action has a description and a rule.
func TestPolicyComplete(t *testing.T) {
	for _, a := range Actions() {
		if _, ok := descriptions[a]; !ok {
			t.Errorf("action %s has no description", a)
		}
	}
}

// The developer reads a unit's book while it holds the flat (its first
// registration, the buyer's pre-notice) and no longer once the buyer's
// transfer is registered; the holders and the staff read it throughout.
func TestBookTarget(t *testing.T) {
	p := ledger.Project{Jurisdiction: "652301", Developer: 7}
	dev := registry.Holder{Name: "开发企业", IDKind: registry.USCCKind, IDNumber: "91652301MA0000001X"}
	buyer := registry.Holder{Name: "张伟", IDKind: "身份证", IDNumber: "652301199003071231"}
	first := registry.Entry{ID: 1, Kind: registry.Ownership, RegType: registry.RegFirst, Holders: []registry.Holder{dev}}
	pre := registry.Entry{ID: 2, Kind: registry.PreNotice, PreNoticeKind: registry.PreNoticeSale, Holders: []registry.Holder{buyer}}
	transfer := registry.Entry{ID: 3, Kind: registry.Ownership, RegType: registry.RegTransfer, Holders: []registry.Holder{buyer}, Ends: 1}
	for _, tc := range []struct {
		name      string
		book      []registry.Entry
		developer int64
	}{
		{"nothing recorded", nil, 7},
		{"first registration and the buyer's pre-notice", []registry.Entry{first, pre}, 7},
		{"the buyer's transfer registered", []registry.Entry{first, pre, transfer}, 0},
	} {
		got := BookTarget(p, tc.book)
		if got.Developer != tc.developer || got.Jurisdiction != "652301" {
			t.Errorf("%s: got %+v, want developer %d and the jurisdiction", tc.name, got, tc.developer)
		}
	}
}

package presale

import (
	"slices"
	"testing"
	"time"

	"handover/internal/identity"
	"handover/internal/problem"
)

// Cancel opens a request with its reason, records each party's agreement
// once, and ends the contract when both parties agreed or a court decided.
func TestCancel(t *testing.T) {
	at := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	signed := func() Contract {
		return Contract{ID: 4, State: Signed, Buyers: []Buyer{{Name: "张伟", IDNumber: idZhang}, {Name: "李娜", IDNumber: idLi}}}
	}
	open := func(dev bool, buyers ...string) *Cancellation {
		return &Cancellation{ID: 8, ContractID: 4, Reason: "双方协商解除", RequestedBy: 2, RequestedAt: at.Add(-time.Hour), DeveloperOK: dev, BuyersOK: buyers, State: "open"}
	}
	tests := []struct {
		name      string
		state     ContractState
		latest    *Cancellation
		party     CancelParty
		reason    string
		code      string
		kind      problem.Kind
		opened    bool
		execute   bool
		endReason string
		buyersOK  []string
	}{
		{"a draft", Draft, nil, CancelParty{Developer: true}, "协商", "contract.state", problem.Conflict, false, false, "", nil},
		{"a withdrawn contract", Withdrawn, nil, CancelParty{Developer: true}, "协商", "contract.state", problem.Conflict, false, false, "", nil},
		{"no request, no reason", Signed, nil, CancelParty{Developer: true}, "  ", "cancellation.reason", problem.Invalid, false, false, "", nil},
		{"after an executed request, no reason", Filed, &Cancellation{ID: 7, State: "executed"}, CancelParty{Developer: true}, "", "cancellation.reason", problem.Invalid, false, false, "", nil},
		{"not a buyer", Signed, open(false), CancelParty{Buyer: "652301199001011234"}, "", "access.denied", problem.Forbidden, false, false, "", nil},
		{"a buyer twice", Signed, open(false, idZhang), CancelParty{Buyer: idZhang}, "", "cancellation.agreed", problem.Conflict, false, false, "", nil},
		{"the developer opens", Signed, nil, CancelParty{Developer: true}, " 双方协商解除 ", "", 0, true, false, "", nil},
		{"one buyer of two agrees", Filed, open(true), CancelParty{Buyer: idZhang}, "", "", 0, false, false, "", []string{idZhang}},
		{"the last buyer agrees", Filed, open(true, idZhang), CancelParty{Buyer: idLi}, "另一理由", "", 0, false, true, "双方协商解除", []string{idZhang, idLi}},
		{"the buyers agree, the developer not yet", Signed, open(false, idZhang), CancelParty{Buyer: idLi}, "", "", 0, false, false, "", []string{idZhang, idLi}},
		{"a court decides", Filed, nil, CancelParty{CourtDoc: " (2026)新2301民初1号 "}, "法院判决解除", "", 0, true, true, "法院判决解除（(2026)新2301民初1号）", nil},
	}
	for _, tt := range tests {
		c := signed()
		c.State = tt.state
		var before []string
		if tt.latest != nil {
			before = slices.Clone(tt.latest.BuyersOK)
		}
		p, err := Cancel(c, tt.latest, tt.party, tt.reason, 3, at)
		if tt.code != "" {
			if problem.CodeOf(err) != tt.code || problem.KindOf(err) != tt.kind {
				t.Errorf("%s: got %v, want %s (%v)", tt.name, err, tt.code, tt.kind)
			}
			continue
		}
		if err != nil || p.Opened != tt.opened || p.Execute != tt.execute || !slices.Equal(p.Cancellation.BuyersOK, tt.buyersOK) {
			t.Errorf("%s: got %+v, %v; want opened %v, execute %v, buyers agreed %v", tt.name, p, err, tt.opened, tt.execute, tt.buyersOK)
			continue
		}
		if tt.latest != nil && !slices.Equal(tt.latest.BuyersOK, before) {
			t.Errorf("%s: the request read was changed: %v, was %v", tt.name, tt.latest.BuyersOK, before)
		}
		x := p.Cancellation
		if tt.opened && (x.Reason != "双方协商解除" && x.Reason != "法院判决解除" || x.RequestedBy != 3 || !x.RequestedAt.Equal(at) || x.ContractID != 4) {
			t.Errorf("%s: got request %+v, want it opened by user 3 at now with the reason trimmed", tt.name, x)
		}
		if tt.execute {
			if x.State != "executed" || !x.ExecutedAt.Equal(at) || p.Contract.State != Cancelled || !p.Contract.EndedAt.Equal(at) || p.Contract.EndReason != tt.endReason {
				t.Errorf("%s: got request %+v, contract %s ended %v %q; want executed and cancelled now with %q", tt.name, x, p.Contract.State,
					p.Contract.EndedAt, p.Contract.EndReason, tt.endReason)
			}
		} else if x.State != "open" {
			t.Errorf("%s: got state %q, want open", tt.name, x.State)
		}
	}
}

func TestCancelPartyOf(t *testing.T) {
	c := Contract{Developer: 7, Buyers: []Buyer{{Name: "张伟", IDNumber: "652301199003071231"}}}
	as := func(role identity.Role, org int64, idNumber string) *identity.Principal {
		return &identity.Principal{User: identity.User{Roles: []identity.Role{role}, IDNumber: idNumber}, Org: identity.Org{ID: org}}
	}
	tests := []struct {
		name     string
		p        *identity.Principal
		courtDoc string
		want     CancelParty
		wantCode string
	}{
		{"the developer", as(identity.RoleDeveloper, 7, ""), "", CancelParty{Developer: true}, ""},
		{"another developer", as(identity.RoleDeveloper, 8, ""), "", CancelParty{}, "access.denied"},
		{"a buyer", as(identity.RoleBuyer, 0, "652301199003071231"), "", CancelParty{Buyer: "652301199003071231"}, ""},
		{"someone else's buyer", as(identity.RoleBuyer, 0, "652301199205123423"), "", CancelParty{}, "access.denied"},
		{"housing with a court document", as(identity.RoleHousing, 2, ""), "（2026）新2301民初1号", CancelParty{CourtDoc: "（2026）新2301民初1号"}, ""},
		{"housing without one", as(identity.RoleHousing, 2, ""), " ", CancelParty{}, "cancellation.court_doc"},
		{"anonymous", nil, "", CancelParty{}, "access.denied"},
	}
	for _, tt := range tests {
		got, err := CancelPartyOf(tt.p, c, tt.courtDoc)
		code := ""
		if err != nil {
			code = problem.CodeOf(err)
		}
		if got != tt.want || code != tt.wantCode {
			t.Errorf("%s: got %+v %q, want %+v %q", tt.name, got, code, tt.want, tt.wantCode)
		}
	}
}

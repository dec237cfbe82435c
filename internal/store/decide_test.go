package store_test

import (
	"context"
	"testing"

	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/problem"
)

// request is ctx as a request of principal p (nil: anonymous) makes it.
func request(p *identity.Principal) context.Context {
	return identity.WithPrincipal(context.Background(), p, "192.0.2.1")
}

func principalOf(role identity.Role, kind identity.OrgKind, jurisdiction string, org int64) *identity.Principal {
	return &identity.Principal{User: identity.User{ID: 99, Name: "测试", Roles: []identity.Role{role}},
		Org: identity.Org{ID: org, Kind: kind, Jurisdiction: jurisdiction}, Jurisdiction: identity.Jurisdiction{Code: jurisdiction, Kind: identity.County}}
}

// The store decides access inside its transaction, on the project it has
// locked: a request whose principal may not file, or an anonymous one, is
// refused before any rule is read or row written, whatever the transport;
// the platform's own calls (no request) are not a principal's.
func TestStoreDecidesAccessOnTheRow(t *testing.T) {
	x := newCompletionFixture(t)
	filing := completion.Filing{ProjectID: x.project.ID, Buildings: []int64{x.building}, Number: "昌建竣备〔2026〕9号", FiledOn: calendar.MustDate("2026-03-10")}
	housingHere := principalOf(identity.RoleHousing, identity.Housing, "652301", x.f.Orgs["652301/housing"].ID)
	housingThere := principalOf(identity.RoleHousing, identity.Housing, "652302", x.f.Orgs["652302/housing"].ID)
	developer := principalOf(identity.RoleDeveloper, identity.Developer, "652301", x.f.Orgs["dev1"].ID)
	otherDeveloper := principalOf(identity.RoleDeveloper, identity.Developer, "652301", x.f.Orgs["dev2"].ID)
	tests := []struct {
		name     string
		ctx      context.Context
		wantCode string
	}{
		{"anonymous request", request(nil), "auth.required"},
		{"the developer files", request(developer), "access.denied"},
		{"another county's housing bureau", request(housingThere), "access.denied"},
		{"the county's housing bureau: past access, to the rules", request(housingHere), "readiness.blocked"},
		{"the platform's own call: to the rules", context.Background(), "readiness.blocked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := x.db.RecordFiling(tt.ctx, x.hous, x.cal, filing, nil)
			if got := problem.CodeOf(err); got != tt.wantCode {
				t.Errorf("RecordFiling: got %q (%v), want %q", got, err, tt.wantCode)
			}
		})
	}
	var n int
	if err := x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM completion_filings`).Scan(&n); err != nil || n != 0 {
		t.Errorf("filings written: got %d (%v), want 0", n, err)
	}
	ev := handover.Event{ProjectID: x.project.ID, Buildings: []int64{x.building}, Place: "售楼部", Mode: handover.OnSite,
		HeldOn: calendar.MustDate("2026-06-30"), NoticeOn: calendar.MustDate("2026-06-01")}
	if _, err := x.db.ScheduleHandover(request(otherDeveloper), x.dev, ev); problem.CodeOf(err) != "access.denied" {
		t.Errorf("another developer schedules the handover: got %v, want access.denied", err)
	}
	if _, err := x.db.ScheduleHandover(request(developer), x.dev, ev); problem.CodeOf(err) != "handover.refused" {
		t.Errorf("the developer schedules the handover of an unfiled building: got %v, want handover.refused", err)
	}
}

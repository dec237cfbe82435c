package store_test

import (
	"context"
	"strconv"
	"testing"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/identity"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// The audit page's search by Chinese name asks for a list of actions; the
// records events are about are named where a name is at hand.
func TestAuditActionsAndRecordNames(t *testing.T) {
	db, _ := storetest.Open(t)
	seedJurisdictions(t, db)
	ctx := context.Background()
	reg := mustOrg(t, db, identity.Org{Name: "昌吉市不动产登记中心", Kind: identity.Registry, Jurisdiction: "652301"})
	u, err := db.CreateUser(ctx, audit.System(), store.NewUser{User: identity.User{Username: "zhang", Name: "张建国", OrgID: reg.ID,
		Roles: []identity.Role{identity.RoleAcceptor}}, Password: "passw0rd!", Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	actor := audit.Actor{UserID: u.ID, Name: u.Name, OrgID: reg.ID}
	for _, a := range []string{"auth.login", "auth.logout", "personal.view"} {
		if err := db.RecordAudit(ctx, actor, a, "user", u.ID, nil); err != nil {
			t.Fatal(err)
		}
	}
	events, err := db.ListAudit(ctx, access.Filter{All: true}, store.AuditQuery{Actions: []string{"auth.login", "auth.logout"}})
	if err != nil || len(events) != 2 || events[0].Action != "auth.logout" || events[1].Action != "auth.login" {
		t.Fatalf("ListAudit(auth.login, auth.logout) = %+v, %v; want the two, newest first", events, err)
	}

	id := strconv.FormatInt(u.ID, 10)
	org := strconv.FormatInt(reg.ID, 10)
	names, err := db.RecordNames(ctx, []store.RecordRef{{"user", id}, {"user", id}, {"organisation", org}, {"jurisdiction", "652301"},
		{"user", "nobody"}, {"project", "999999"}, {"request", "GET /x"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[store.RecordRef]string{{"user", id}: "张建国", {"organisation", org}: reg.Name, {"jurisdiction", "652301"}: "昌吉市"}
	if len(names) != len(want) {
		t.Errorf("RecordNames = %v, want %v", names, want)
	}
	for r, n := range want {
		if names[r] != n {
			t.Errorf("RecordNames[%v] = %q, want %q", r, names[r], n)
		}
	}
}

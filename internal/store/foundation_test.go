package store_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/demo"
	"handover/internal/exchange"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

var cheap = identity.HashParams{Time: 1, Memory: 1024, Threads: 1}

// founded opens a database holding the demo foundation (with cheap
// hashing) at a clock starting at storetest.DefaultTime: a copy of this
// binary's template of it (storetest.OpenFilled).
func founded(t *testing.T) (*store.DB, *storetest.Clock, *demo.Foundation) {
	t.Helper()
	db, clock, _ := storetest.OpenFilled(t, "foundation", func(ctx context.Context, db *store.DB) error {
		_, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
		return err
	})
	f, err := demo.FoundationOf(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return db, clock, f
}

func seedJurisdictions(t *testing.T, db *store.DB) {
	t.Helper()
	js, parent := identity.Changji()
	for _, j := range js {
		if err := db.PutJurisdiction(context.Background(), audit.System(), j, parent[j.Code]); err != nil {
			t.Fatal(err)
		}
	}
}

func mustOrg(t *testing.T, db *store.DB, o identity.Org) identity.Org {
	t.Helper()
	o, err := db.CreateOrg(context.Background(), audit.System(), o)
	if err != nil {
		t.Fatalf("CreateOrg(%s): %v", o.Name, err)
	}
	return o
}

func TestMigrateIsIdempotent(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	applied, err := db.Migrate(ctx)
	if err != nil || len(applied) != 0 {
		t.Errorf("second Migrate = %v, %v; want nothing applied", applied, err)
	}
	latest, cur, err := db.MigrationStatus(ctx)
	if err != nil || latest == 0 || latest != cur {
		t.Errorf("MigrationStatus = %d, %d, %v; want equal and non-zero", latest, cur, err)
	}
}

// A server is not ready on a schema it does not know: one a newer release
// migrated, or one whose applied migrations differ from the files this
// binary carries.
func TestReadyRefusesAForeignSchema(t *testing.T) {
	tests := []struct {
		name   string
		tamper string
		want   string
	}{
		{"newer release", `INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES (9999, 'future', '2030-01-01 00:00:00+00:00', '')`, "newer than this binary"},
		{"edited migration", `UPDATE schema_migrations SET checksum = 'ab12ab12ab12ab12' WHERE version = 3`, "was changed after it was applied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := storetest.Open(t)
			ctx := context.Background()
			if err := db.Ready(ctx); err != nil {
				t.Fatalf("Ready on a freshly migrated database: %v", err)
			}
			if _, err := db.SQLForTest().ExecContext(ctx, tt.tamper); err != nil {
				t.Fatal(err)
			}
			if err := db.Ready(ctx); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Ready: got %v, want an error saying %q", err, tt.want)
			}
			if tt.name == "edited migration" {
				if _, err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Migrate: got %v, want an error saying %q", err, tt.want)
				}
			}
		})
	}
}

func TestCreateOrgValidation(t *testing.T) {
	db, _ := storetest.Open(t)
	seedJurisdictions(t, db)
	ctx := context.Background()
	tests := []struct {
		org   identity.Org
		field string
	}{
		{identity.Org{Name: "", Kind: identity.Registry, Jurisdiction: "652301"}, "name"},
		{identity.Org{Name: "某开发公司", Kind: identity.Developer, Jurisdiction: "652301", USCC: "9144030071526726XH"}, "uscc"},
		{identity.Org{Name: "某开发公司", Kind: identity.Developer, Jurisdiction: "652301"}, "uscc"},
		{identity.Org{Name: "消防", Kind: identity.Acceptance, Jurisdiction: "652301"}, "service"},
		{identity.Org{Name: "税务", Kind: identity.Tax, Jurisdiction: "652301", Service: "water"}, "service"},
		{identity.Org{Name: "x", Kind: "nonsense", Jurisdiction: "652301"}, "kind"},
		{identity.Org{Name: "x", Kind: identity.Tax, Jurisdiction: "999999"}, "jurisdiction"},
	}
	for _, tt := range tests {
		_, err := db.CreateOrg(ctx, audit.System(), tt.org)
		e := problem.As(err)
		if err == nil || e.Kind != problem.Invalid || e.Fields[tt.field] == "" {
			t.Errorf("CreateOrg(%+v) = %v, want Invalid on %q", tt.org, err, tt.field)
		}
	}
	o := mustOrg(t, db, identity.Org{Name: "昌吉市不动产登记中心", Kind: identity.Registry, Jurisdiction: "652301"})
	if _, err := db.CreateOrg(ctx, audit.System(), identity.Org{Name: o.Name, Kind: identity.Registry, Jurisdiction: "652301"}); problem.CodeOf(err) != "org.exists" {
		t.Errorf("duplicate CreateOrg error = %v, want org.exists", err)
	}
	// A failed transaction leaves no audit event behind.
	events, err := db.ListAudit(ctx, access.Filter{All: true}, store.AuditQuery{Action: "org.create"})
	if err != nil || len(events) != 1 {
		t.Errorf("org.create events = %d, %v; want exactly 1", len(events), err)
	}
}

func TestCreateUserValidation(t *testing.T) {
	db, _ := storetest.Open(t)
	seedJurisdictions(t, db)
	ctx := context.Background()
	reg := mustOrg(t, db, identity.Org{Name: "昌吉市不动产登记中心", Kind: identity.Registry, Jurisdiction: "652301"})
	ind := mustOrg(t, db, identity.Org{Name: "个人", Kind: identity.Individual, Jurisdiction: "652300"})
	tests := []struct {
		u     identity.User
		pw    string
		field string
	}{
		{identity.User{Username: "ab", Name: "张三", OrgID: reg.ID, Roles: []identity.Role{identity.RoleAcceptor}}, "passw0rd!", "username"},
		{identity.User{Username: "zhang", Name: "张三", OrgID: reg.ID, Roles: []identity.Role{identity.RoleBank}}, "passw0rd!", "roles"},
		{identity.User{Username: "zhang", Name: "张三", OrgID: reg.ID}, "passw0rd!", "roles"},
		{identity.User{Username: "zhang", Name: "张三", OrgID: reg.ID, Roles: []identity.Role{identity.RoleAcceptor}}, "short1", "password"},
		{identity.User{Username: "buyer1", Name: "李四", OrgID: ind.ID, Roles: []identity.Role{identity.RoleBuyer}}, "passw0rd!", "id_number"},
		{identity.User{Username: "buyer1", Name: "李四", OrgID: ind.ID, Roles: []identity.Role{identity.RoleBuyer}, IDNumber: "110105194912310021"}, "passw0rd!", "id_number"},
	}
	for _, tt := range tests {
		_, err := db.CreateUser(ctx, audit.System(), store.NewUser{User: tt.u, Password: tt.pw, Hash: cheap})
		e := problem.As(err)
		if err == nil || e.Kind != problem.Invalid || e.Fields[tt.field] == "" {
			t.Errorf("CreateUser(%+v) = %v, want Invalid on %q", tt.u, err, tt.field)
		}
	}
	u, err := db.CreateUser(ctx, audit.System(), store.NewUser{User: identity.User{Username: "Buyer1", Name: "李四", OrgID: ind.ID,
		Roles: []identity.Role{identity.RoleBuyer}, IDNumber: "11010519491231002x"}, Password: "passw0rd!", Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "buyer1" || u.IDNumber != "11010519491231002X" {
		t.Errorf("created user %q %q, want lower-case username and upper-case X", u.Username, u.IDNumber)
	}
	_, err = db.CreateUser(ctx, audit.System(), store.NewUser{User: identity.User{Username: "buyer2", Name: "李四", OrgID: ind.ID,
		Roles: []identity.Role{identity.RoleBuyer}, IDNumber: "11010519491231002X"}, Password: "passw0rd!", Hash: cheap})
	if problem.CodeOf(err) != "user.exists" {
		t.Errorf("second buyer with the same ID number: %v, want user.exists", err)
	}
	events, _ := db.ListAudit(ctx, access.Filter{All: true}, store.AuditQuery{Action: "user.create"})
	for _, e := range events {
		if strings.Contains(e.Summary, "19491231") || strings.Contains(e.Summary, "argon2") {
			t.Errorf("audit summary leaks personal data: %s", e.Summary)
		}
	}
}

func TestAuthenticateLocksOut(t *testing.T) {
	db, clock := storetest.Open(t)
	ctx := context.Background()
	registryUser(t, db, "clerk", "王五", identity.RoleAcceptor)
	if _, err := db.Authenticate(ctx, "127.0.0.1", "clerk", "right-pass1"); err != nil {
		t.Fatalf("good password: %v", err)
	}
	if _, err := db.Authenticate(ctx, "127.0.0.1", "nobody", "x"); problem.CodeOf(err) != "auth.invalid" {
		t.Errorf("unknown user: %v, want auth.invalid", err)
	}
	for i := 1; i <= identity.MaxFailedLogins; i++ {
		if _, err := db.Authenticate(ctx, "127.0.0.1", "clerk", "wrong"); problem.CodeOf(err) != "auth.invalid" {
			t.Errorf("failure %d: %v, want auth.invalid", i, err)
		}
	}
	if _, err := db.Authenticate(ctx, "127.0.0.1", "clerk", "right-pass1"); problem.CodeOf(err) != "auth.locked" {
		t.Errorf("after %d failures: %v, want auth.locked", identity.MaxFailedLogins, err)
	}
	// The lock is the address's: the user, elsewhere, still gets in.
	if _, err := db.Authenticate(ctx, "10.0.0.2", "clerk", "right-pass1"); err != nil {
		t.Errorf("right password from another address while 127.0.0.1 is locked: got %v, want success", err)
	}
	if _, err := db.Authenticate(ctx, "127.0.0.1", "clerk", "right-pass1"); problem.CodeOf(err) != "auth.locked" {
		t.Errorf("127.0.0.1 after a success elsewhere: got %v, want auth.locked", err)
	}
	clock.Advance(identity.LockDuration + time.Second)
	if _, err := db.Authenticate(ctx, "127.0.0.1", "clerk", "right-pass1"); err != nil {
		t.Errorf("after the lock expired: %v, want success", err)
	}
	for _, action := range []string{"auth.login", "auth.login_failed", "auth.locked", "auth.login_refused"} {
		ev, _ := db.ListAudit(ctx, access.Filter{All: true}, store.AuditQuery{Action: action})
		if len(ev) == 0 {
			t.Errorf("no %s audit event", action)
		}
	}
}

// A flood of bad passwords from one address, or spread over many, never
// keeps the user out: the flooding address is locked out of the account
// and the account is only slowed; an administrator's unlock frees the
// locked addresses at once.
func TestLoginFloodLocksOnlyTheSource(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	u := registryUser(t, db, "admin2", "管理员", identity.RoleAdmin)
	refused := map[string]int{}
	for range 50 {
		_, err := db.Authenticate(ctx, "203.0.113.9", "admin2", "guess")
		refused[problem.CodeOf(err)]++
	}
	if want := (map[string]int{"auth.invalid": identity.MaxFailedLogins, "auth.locked": 50 - identity.MaxFailedLogins}); !maps.Equal(refused, want) {
		t.Errorf("50 guesses from one address: got %v, want %v", refused, want)
	}
	if _, err := db.Authenticate(ctx, "198.51.100.7", "admin2", "right-pass1"); err != nil {
		t.Errorf("right password from another address after the flood: got %v, want success", err)
	}
	if got, err := db.UserByName(ctx, "admin2"); err != nil || !got.LockedUntil.After(db.Now()) {
		t.Errorf("the user's lock as administrators see it after a success elsewhere: got %v (%v), want the flooding address's lock", got.LockedUntil, err)
	}
	// Guesses from as many addresses as make the account slow: each
	// address stays under its lock, the account's count goes on.
	for i := range identity.SlowAfter {
		if _, err := db.Authenticate(ctx, fmt.Sprintf("192.0.2.%d", i+1), "admin2", "guess"); problem.CodeOf(err) != "auth.invalid" {
			t.Fatalf("guess from address %d: got %v, want auth.invalid", i+1, err)
		}
	}
	got, err := db.UserByName(ctx, "admin2")
	if err != nil || got.FailedLogins != identity.SlowAfter {
		t.Fatalf("the account's failures: got %d (%v), want %d", got.FailedLogins, err, identity.SlowAfter)
	}
	start := time.Now()
	if _, err := db.Authenticate(ctx, "198.51.100.7", "admin2", "right-pass1"); err != nil {
		t.Errorf("right password on a slowed account: got %v, want success", err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("a slowed account answered in %v, want at least 1s", waited)
	}
	if _, err := db.UpdateUser(ctx, audit.System(), u.ID, identity.UserChange{Unlock: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, "203.0.113.9", "admin2", "right-pass1"); err != nil {
		t.Errorf("the flooding address after an administrator's unlock, right password: got %v, want success", err)
	}
}

func TestTokens(t *testing.T) {
	db, _ := storetest.Open(t)
	seedJurisdictions(t, db)
	ctx := context.Background()
	tax := mustOrg(t, db, identity.Org{Name: "昌吉市税务局", Kind: identity.Tax, Jurisdiction: "652301"})
	u, err := db.CreateUser(ctx, audit.System(), store.NewUser{User: identity.User{Username: "taxsys", Name: "税务系统", OrgID: tax.ID,
		Roles: []identity.Role{identity.RoleTax}}, Password: "right-pass1", Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	secret, tok, err := db.CreateToken(ctx, audit.System(), u.ID, "征管系统")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.TokenUser(ctx, secret); err != nil || got != u.ID {
		t.Errorf("TokenUser = %d, %v; want %d", got, err, u.ID)
	}
	if _, err := db.TokenUser(ctx, secret+"x"); problem.CodeOf(err) != "auth.token_invalid" {
		t.Errorf("TokenUser(wrong) = %v, want auth.token_invalid", err)
	}
	list, _ := db.Tokens(ctx, u.ID)
	if len(list) != 1 || strings.Contains(fmt.Sprint(list), secret) {
		t.Errorf("Tokens = %+v, want one token without its secret", list)
	}
	if err := db.RevokeToken(ctx, audit.System(), tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TokenUser(ctx, secret); problem.CodeOf(err) != "auth.token_invalid" {
		t.Errorf("TokenUser after revoke = %v, want auth.token_invalid", err)
	}
	if err := db.RevokeToken(ctx, audit.System(), 999); problem.KindOf(err) != problem.NotFound {
		t.Errorf("RevokeToken(999) = %v, want NotFound", err)
	}
}

func TestSessions(t *testing.T) {
	db, clock := storetest.Open(t)
	s := db.Sessions()
	if err := s.Commit("tok", []byte("data"), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if b, ok, err := s.Find("tok"); err != nil || !ok || string(b) != "data" {
		t.Errorf("Find = %q, %v, %v", b, ok, err)
	}
	if err := s.Commit("tok", []byte("data2"), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)
	if _, ok, _ := s.Find("tok"); ok {
		t.Errorf("Find after expiry found the session")
	}
	if n, err := db.PurgeExpiredSessions(context.Background()); err != nil || n != 1 {
		t.Errorf("PurgeExpiredSessions = %d, %v; want 1", n, err)
	}
}

// makeEvents writes n single-event transactions concurrently.
func makeEvents(t *testing.T, db *store.DB, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- db.RecordAudit(context.Background(), audit.Actor{UserID: int64(i), Name: "测试"}, "test.event", "thing", i, map[string]int{"i": i})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditChain(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	makeEvents(t, db, 60)
	v, err := db.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// 60 and the making of the two keys of personal information.
	if b, broken := v.First(); broken || v.Count != 62 {
		t.Fatalf("fresh trail: broken=%v %v, count %d; want intact with 62", broken, b, v.Count)
	}
	raw := db.SQLForTest()
	// The trail refuses UPDATE and DELETE.
	if _, err := raw.Exec(`UPDATE audit_events SET summary = '{}' WHERE id = 1`); err == nil {
		t.Errorf("UPDATE audit_events succeeded, want the append-only trigger to refuse it")
	}
	if _, err := raw.Exec(`DELETE FROM audit_events WHERE id = 1`); err == nil {
		t.Errorf("DELETE FROM audit_events succeeded, want the append-only trigger to refuse it")
	}
}

// Each handle remembers the lane heads it wrote and moves a head only where
// it still is what it remembers. Two handles on one database (two
// servers), one lane, writing in turn and at once: every write finds the
// head the other moved, and the chain stays one unbroken line per lane.
func TestAuditHeadsOfTwoWriters(t *testing.T) {
	dsn := storetest.DSN(t)
	a := storetest.OpenDSN(t, dsn, time.Now)
	b := storetest.OpenDSN(t, dsn, time.Now)
	ctx := context.Background()
	v0, err := a.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// One record: every event of it goes to the same lane.
	write := func(db *store.DB, i int) error {
		return db.RecordAudit(ctx, audit.System(), "test.turn", "turn", 1, map[string]any{"i": i})
	}
	for i := range 10 {
		for _, db := range []*store.DB{a, b, b, a} {
			if err := write(db, i); err != nil {
				t.Fatal(err)
			}
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for _, db := range []*store.DB{a, b} {
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 5 {
					errs <- write(db, 100*w+i)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	v, err := b.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if br, broken := v.First(); broken || v.Count != v0.Count+80 {
		t.Errorf("after 80 events from two handles: broken=%v %v, count %d; want intact with %d", broken, br, v.Count, v0.Count+80)
	}
}

// A database administrator who disables the triggers can still change rows;
// verification then names the first broken event.
func TestAuditTamperDetected(t *testing.T) {
	type victim struct{ id, lane, seq, last int64 }
	tests := []struct {
		name   string
		tamper func(t *testing.T, db *store.DB, v victim) int64 // returns the event id expected to be named
		reason string
	}{
		{"edit summary", func(t *testing.T, db *store.DB, v victim) int64 {
			exec(t, db, `UPDATE audit_events SET summary = '{"i":-1}' WHERE id = $1`, v.id)
			return v.id
		}, "已被修改"},
		{"edit actor", func(t *testing.T, db *store.DB, v victim) int64 {
			exec(t, db, `UPDATE audit_events SET actor_name = '他人' WHERE id = $1`, v.id)
			return v.id
		}, "已被修改"},
		{"delete middle", func(t *testing.T, db *store.DB, v victim) int64 {
			exec(t, db, `DELETE FROM audit_events WHERE id = $1`, v.id)
			var next int64
			db.SQLForTest().QueryRow(`SELECT id FROM audit_events WHERE lane = $1 AND seq = $2`, v.lane, v.seq+1).Scan(&next)
			return next
		}, "已被删除"},
		{"delete last", func(t *testing.T, db *store.DB, v victim) int64 {
			var id, prev int64
			db.SQLForTest().QueryRow(`SELECT id FROM audit_events WHERE lane = $1 AND seq = $2`, v.lane, v.last).Scan(&id)
			db.SQLForTest().QueryRow(`SELECT id FROM audit_events WHERE lane = $1 AND seq = $2`, v.lane, v.last-1).Scan(&prev)
			exec(t, db, `DELETE FROM audit_events WHERE id = $1`, id)
			return prev
		}, "链头"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := storetest.Open(t)
			makeEvents(t, db, 40)
			var v victim
			// The lane with the most events, its second event.
			db.SQLForTest().QueryRow(`SELECT lane, MAX(seq) FROM audit_events GROUP BY lane ORDER BY MAX(seq) DESC, lane LIMIT 1`).Scan(&v.lane, &v.last)
			v.seq = 2
			db.SQLForTest().QueryRow(`SELECT id FROM audit_events WHERE lane = $1 AND seq = 2`, v.lane).Scan(&v.id)
			if v.last < 3 {
				t.Skip("no lane with three events")
			}
			disableAppendOnly(t, db)
			want := tt.tamper(t, db, v)
			ver, err := db.VerifyAudit(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			b, broken := ver.First()
			if !broken {
				t.Fatalf("VerifyAudit found nothing after %s", tt.name)
			}
			if b.EventID != want || !strings.Contains(b.Reason, tt.reason) {
				t.Errorf("first break = %v, want event %d with a reason mentioning %q", b, want, tt.reason)
			}
		})
	}
}

func exec(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.SQLForTest().Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func disableAppendOnly(t *testing.T, db *store.DB) {
	t.Helper()
	if db.Engine() == store.Postgres {
		exec(t, db, `ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`)
		return
	}
	exec(t, db, `DROP TRIGGER audit_events_no_update`)
	exec(t, db, `DROP TRIGGER audit_events_no_delete`)
}

// Ending a user's sessions holds on every server: a session that a request
// in flight writes back after the end is still not found; one begun after
// it is.
func TestEndedSessionsStayEnded(t *testing.T) {
	db, clock := storetest.Open(t)
	ctx := context.Background()
	u := registryUser(t, db, "clerk", "王五", identity.RoleAcceptor)
	other := registryUser(t, db, "clerk2", "赵六", identity.RoleAcceptor)
	s := db.Sessions()
	expiry := clock.Now().Add(time.Hour)
	since := clock.Now()
	if err := s.CommitUser(ctx, "before", []byte("a"), expiry, u.ID, since); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitUser(ctx, "someone-else", []byte("b"), expiry, other.ID, since); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if _, err := db.UpdateUser(ctx, audit.System(), u.ID, identity.UserChange{Password: "new-pass12", Hash: cheap}); err != nil {
		t.Fatal(err)
	}
	// A request that loaded the session before the reset writes it back.
	if err := s.CommitUser(ctx, "before", []byte("a"), expiry, u.ID, since); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if err := s.CommitUser(ctx, "after", []byte("c"), expiry, u.ID, clock.Now()); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		token string
		found bool
	}{{"before", false}, {"someone-else", true}, {"after", true}} {
		if _, found, err := s.FindCtx(ctx, tt.token); err != nil || found != tt.found {
			t.Errorf("session %q after the reset: got found=%v (%v), want %v", tt.token, found, err, tt.found)
		}
	}
}

// The operators' figures count what waits: jobs due, leased and waiting,
// with the age of the oldest due one.
func TestOperationsCountJobs(t *testing.T) {
	db, clock := storetest.Open(t)
	ctx := context.Background()
	now := clock.Now()
	for _, j := range []struct {
		kind, key string
		at        time.Time
	}{
		{"alerts", "a1", now.Add(-2 * time.Minute)},
		{"alerts", "a2", now.Add(time.Hour)},
		{"deliveries", "d1", now.Add(-time.Minute)},
		{"deliveries", "d2", now.Add(-30 * time.Second)},
	} {
		if err := db.EnsureJob(ctx, j.kind, j.at, j.key); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ClaimJobs(ctx, []string{"deliveries"}, 1, time.Minute, "test"); err != nil {
		t.Fatal(err)
	}
	ops, err := db.Operations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.JobQueue{
		{Kind: "alerts", Waiting: 2, Due: 1, Running: 0, Oldest: 2 * time.Minute},
		{Kind: "deliveries", Waiting: 2, Due: 1, Running: 1, Oldest: 30 * time.Second}, // the older one is taken
	}
	if !slices.Equal(ops.Jobs, want) {
		t.Errorf("job queues: got %+v, want %+v", ops.Jobs, want)
	}
	if ops.Pool.MaxOpenConnections == 0 {
		t.Errorf("pool stats: got %+v, want the pool's", ops.Pool)
	}
}

// Retention removes finished jobs after a week and acknowledged deliveries,
// with their events, after a month; it keeps whatever is unfinished, and
// an event while any of its deliveries is.
func TestPurgeFinished(t *testing.T) {
	db, clock := storetest.Open(t)
	seedJurisdictions(t, db)
	ctx := context.Background()
	raw := db.SQLForTest()
	tax := mustOrg(t, db, identity.Org{Name: "昌吉市税务局", Kind: identity.Tax, Jurisdiction: "652301"})
	ep, err := db.PutEndpoint(ctx, audit.System(), exchange.Endpoint{OrgID: tax.ID, Name: "征管", URL: "http://127.0.0.1:9/x",
		Secret: "0123456789abcdef", Events: []string{exchange.ContractFiled}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	start := clock.Now()
	event := func(at time.Time, states ...string) int64 {
		var id int64
		if err := raw.QueryRow(`INSERT INTO outbox (type, aggregate, jurisdiction, payload, created_at) VALUES ('contract.filed', 'unit:1', '652301', '{}', $1) RETURNING id`,
			at.UTC()).Scan(&id); err != nil {
			t.Fatal(err)
		}
		for i, st := range states {
			endpoint := ep.ID
			if i > 0 { // a second delivery of the same event needs a second endpoint
				e2, err := db.PutEndpoint(ctx, audit.System(), exchange.Endpoint{OrgID: tax.ID, Name: fmt.Sprintf("征管%d-%d", id, i), URL: "http://127.0.0.1:9/y",
					Secret: "0123456789abcdef", Events: []string{exchange.ContractFiled}, Active: true})
				if err != nil {
					t.Fatal(err)
				}
				endpoint = e2.ID
			}
			var delivered any
			if st == "delivered" {
				delivered = at.UTC()
			}
			if _, err := raw.Exec(`INSERT INTO deliveries (outbox_id, endpoint_id, aggregate, state, next_at, delivered_at) VALUES ($1, $2, 'unit:1', $3, $4, $5)`,
				id, endpoint, st, at.UTC(), delivered); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	old := event(start, "delivered")             // gone with its delivery
	oldDead := event(start, "delivered", "dead") // kept: one delivery is dead
	fresh := event(start.Add(40*24*time.Hour), "delivered")
	for i, j := range []string{"done-old", "done-new", "open"} {
		if err := db.EnsureJob(ctx, "alerts", start, j); err != nil {
			t.Fatal(err)
		}
		js, err := db.ClaimJobs(ctx, []string{"alerts"}, 1, time.Minute, "test")
		if err != nil || len(js) != 1 {
			t.Fatalf("claim job %d: %v", i, err)
		}
		if j != "open" {
			if err := db.CompleteJob(ctx, js[0].ID, js[0].Lease); err != nil {
				t.Fatal(err)
			}
		}
		if i == 0 {
			clock.Advance(40 * 24 * time.Hour) // the first job finished 40 days before the others
		}
	}
	clock.Advance(time.Hour)
	p, err := db.PurgeFinished(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Jobs != 1 || p.Deliveries != 2 || p.Events != 1 {
		t.Errorf("purged: got %d jobs, %d deliveries, %d events; want 1, 2, 1", p.Jobs, p.Deliveries, p.Events)
	}
	for _, tt := range []struct {
		id   int64
		kept bool
	}{{old, false}, {oldDead, true}, {fresh, true}} {
		var n int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM outbox WHERE id = $1`, tt.id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if (n == 1) != tt.kept {
			t.Errorf("outbox event %d: kept %v, want %v", tt.id, n == 1, tt.kept)
		}
	}
	var open int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM jobs WHERE done_at IS NULL`).Scan(&open); err != nil {
		t.Fatal(err)
	}
	if open != 1 {
		t.Errorf("unfinished jobs after the purge: got %d, want 1", open)
	}
}

// Guesses sent together all pass the lock check before any of them fails;
// the pair's row decides in the transaction, so no more than the limit
// are ever answered as wrong passwords, the rest as locked, and a right
// password after them is refused. (A concurrency test: CI runs it on
// PostgreSQL as well.)
func TestConcurrentGuessesStopAtTheLock(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	registryUser(t, db, "clerk", "王五", identity.RoleAcceptor)
	const n = 24
	codes := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.Authenticate(ctx, "203.0.113.9", "clerk", fmt.Sprintf("guess-%d", i))
			codes[i] = problem.CodeOf(err)
		}()
	}
	wg.Wait()
	got := map[string]int{}
	for _, c := range codes {
		got[c]++
	}
	if want := (map[string]int{"auth.invalid": identity.MaxFailedLogins, "auth.locked": n - identity.MaxFailedLogins}); !maps.Equal(got, want) {
		t.Errorf("%d guesses at once from one address: got %v, want %v", n, got, want)
	}
	if _, err := db.Authenticate(ctx, "203.0.113.9", "clerk", "right-pass1"); problem.CodeOf(err) != "auth.locked" {
		t.Errorf("the right password after the guesses: got %v, want auth.locked", err)
	}
}

// registryUser creates a user of the registration centre of 652301 (made
// with the jurisdictions on first use) whose password is right-pass1.
func registryUser(t *testing.T, db *store.DB, username, name string, role identity.Role) identity.User {
	t.Helper()
	ctx := context.Background()
	orgs, err := db.ListOrgs(ctx, access.Filter{All: true}, store.OrgQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var reg identity.Org
	for _, o := range orgs {
		if o.Kind == identity.Registry && o.Jurisdiction == "652301" {
			reg = o
		}
	}
	if reg.ID == 0 {
		seedJurisdictions(t, db)
		reg = mustOrg(t, db, identity.Org{Name: "昌吉市不动产登记中心", Kind: identity.Registry, Jurisdiction: "652301"})
	}
	u, err := db.CreateUser(ctx, audit.System(), store.NewUser{User: identity.User{Username: username, Name: name, OrgID: reg.ID,
		Roles: []identity.Role{role}}, Password: "right-pass1", Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Retention forgets the login failures of an account from an address that
// last failed more than a day ago and is not locked; a pair failing
// recently, or locked, is kept.
func TestPurgeLoginSources(t *testing.T) {
	dsn := storetest.DSN(t)
	clock := storetest.NewClock(storetest.DefaultTime)
	db := storetest.OpenDSN(t, dsn, clock.Now)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	raw := storetest.Raw(t, dsn)
	now := clock.Now()
	user := f.Users["shouli"].ID
	rows := []struct {
		addr       string
		lastFailed any
		locked     any
		kept       bool
	}{
		{"203.0.113.1", now.Add(-48 * time.Hour).UTC(), nil, false},
		{"203.0.113.2", now.Add(-time.Hour).UTC(), nil, true},
		{"203.0.113.3", now.Add(-48 * time.Hour).UTC(), now.Add(time.Hour).UTC(), true},
		{"203.0.113.4", nil, nil, false}, // counted before the column existed
	}
	for _, r := range rows {
		if _, err := raw.Exec(`INSERT INTO login_sources (user_id, addr, failures, locked_until, last_failed_at) VALUES ($1, $2, 3, $3, $4)`,
			user, r.addr, r.locked, r.lastFailed); err != nil {
			t.Fatal(err)
		}
	}
	p, err := db.PurgeFinished(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.LoginSources != 2 {
		t.Errorf("purged %d login sources, want 2", p.LoginSources)
	}
	for _, r := range rows {
		var n int
		raw.QueryRow(`SELECT COUNT(*) FROM login_sources WHERE addr = $1`, r.addr).Scan(&n)
		if (n == 1) != r.kept {
			t.Errorf("%s: kept %v, want %v", r.addr, n == 1, r.kept)
		}
	}
}

// HurryJob brings a pending job forward unless a worker holds it, and says
// whether a run that has not started yet will come.
func TestHurryJob(t *testing.T) {
	db, clock := storetest.Open(t)
	ctx := context.Background()
	now := clock.Now()
	if ok, err := db.HurryJob(ctx, "periodic:alerts", now); err != nil || ok {
		t.Errorf("no job: got %v, %v; want false", ok, err)
	}
	if err := db.EnsureJob(ctx, "alerts", now.Add(10*time.Minute), "periodic:alerts"); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.HurryJob(ctx, "periodic:alerts", now); err != nil || !ok {
		t.Errorf("a job due in ten minutes: got %v, %v; want it brought forward", ok, err)
	}
	if due, _ := db.DueJobs(ctx); due["alerts"] != 1 {
		t.Errorf("after bringing it forward: due %v, want the job due now", due)
	}
	if ok, err := db.HurryJob(ctx, "periodic:alerts", now); err != nil || !ok {
		t.Errorf("a job already due: got %v, %v; want true", ok, err)
	}
	js, err := db.ClaimJobs(ctx, []string{"alerts"}, 1, time.Minute, "worker")
	if err != nil || len(js) != 1 {
		t.Fatalf("claim: %v %v", js, err)
	}
	if ok, err := db.HurryJob(ctx, "periodic:alerts", now); err != nil || ok {
		t.Errorf("a job a worker holds: got %v, %v; want false (ask again after it)", ok, err)
	}
}

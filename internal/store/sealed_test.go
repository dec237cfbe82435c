package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"handover/internal/audit"
	"handover/internal/demo"
	"handover/internal/inquiry"
	"handover/internal/personal"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// sealedFixture is a registration fixture with a first registration and a
// transfer recorded and certified: buyers, holders, an obligor-less book,
// a certificate, filing materials and messages to partners, all holding
// personal information.
func sealedFixture(t *testing.T) (*registrationFixture, string) {
	t.Helper()
	x := newRegistrationFixture(t)
	c := x.contracts[0]
	x.certified(t, store.ServiceInput{Kind: registry.First, UnitID: c.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID})
	ctx := context.Background()
	ref, err := x.db.Unit(ctx, c.UnitID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.Inquire(ctx, x.acceptor, inquiry.Request{Requester: inquiry.Prospective, Name: "王五", IDNumber: "652301199001011235",
		Purpose: "购房前了解房屋是否抵押、查封", By: inquiry.ByUnitNo, Key: ref.Unit.UnitNo}, c.UnitID, x.keys); err != nil {
		t.Fatal(err)
	}
	return x, c.Buyers[0].IDNumber
}

// rawStrings is one text column of every row of a table, as stored.
func rawStrings(t *testing.T, db *store.DB, table, column string) []string {
	t.Helper()
	return storetest.Strings(t, db.SQLForTest(), `SELECT COALESCE(`+column+`, '') FROM `+table)
}

// The columns of personal information hold sealed values only, a person
// is still found by number, and the records read back whole.
func TestPersonalInformationSealedAtRest(t *testing.T) {
	x, buyer := sealedFixture(t)
	ctx := context.Background()
	for _, col := range []struct{ table, column string }{
		{"contract_buyers", "id_number"}, {"contract_buyers", "phone"}, {"register_holders", "id_number"}, {"certificates", "payload"},
		{"outbox", "payload"}, {"filing_materials", "content"}, {"services", "details"}, {"inquiries", "id_number"}, {"inquiries", "payload"},
	} {
		values := rawStrings(t, x.db, col.table, col.column)
		if len(values) == 0 {
			t.Errorf("%s.%s: no rows; the fixture no longer reaches it", col.table, col.column)
		}
		for _, v := range values {
			if v != "" && !personal.IsSealed(v) {
				t.Errorf("%s.%s holds %.40q…, want a sealed value", col.table, col.column, v)
			}
			if strings.Contains(v, buyer) {
				t.Errorf("%s.%s holds the buyer's number in clear", col.table, col.column)
			}
		}
	}
	for _, idx := range rawStrings(t, x.db, "contract_buyers", "id_index") {
		if len(idx) != 64 {
			t.Errorf("contract_buyers.id_index = %q, want an HMAC-SM3 in hex", idx)
		}
	}
	certs, err := x.db.CertificatesOfHolder(ctx, buyer)
	if err != nil || len(certs) == 0 {
		t.Fatalf("CertificatesOfHolder(the buyer) = %d, %v; want the certificate found by the blind index", len(certs), err)
	}
	if !strings.Contains(string(certs[0].Payload), buyer) {
		t.Errorf("the certificate's payload read back without the holder's number")
	}
	if v, err := x.db.Verify(ctx, certs[0].LicenceID); err != nil || !v.SignatureValid {
		t.Errorf("Verify after sealing: %+v, %v", v, err)
	}
	units, err := x.db.BuyerUnits(ctx, buyer)
	if err != nil || !slices.Contains(units, x.contracts[0].UnitID) {
		t.Errorf("BuyerUnits = %v, %v; want the buyer's flat %d among them", units, err, x.contracts[0].UnitID)
	}

}

// A handle opened without the passphrase reads no number, and a wrong
// passphrase unlocks nothing.
func TestPersonalInformationLocked(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t)
	db := storetest.OpenDSN(t, dsn, storetest.NewClock(storetest.DefaultTime).Now)
	if _, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap}); err != nil {
		t.Fatal(err)
	}
	const number = "652301199003071231" // zhangwei's
	if u, err := db.UserByName(ctx, number); err != nil || u.Username != "zhangwei" || u.IDNumber != number {
		t.Fatalf("UserByName(number) = %s %s, %v; want zhangwei found by the blind index", u.Username, u.IDNumber, err)
	}
	locked, err := store.Open(ctx, dsn, store.Options{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer locked.Close()
	if _, err := locked.UserByName(ctx, number); problem.CodeOf(err) != "personal.locked" {
		t.Errorf("a locked handle's lookup by number: %v, want personal.locked", err)
	}
	if _, err := locked.UserByName(ctx, "zhangwei"); problem.CodeOf(err) != "personal.locked" {
		t.Errorf("a locked handle's read of a user with a number: %v, want personal.locked", err)
	}
	if u, err := locked.UserByName(ctx, "admin"); err != nil || u.IDNumber != "" {
		t.Errorf("a user without personal numbers reads while locked: %+v, %v", u, err)
	}
	if err := locked.UnlockPersonal(ctx, []byte("not the passphrase")); problem.CodeOf(err) != "personal.locked" {
		t.Errorf("a wrong passphrase: %v, want personal.locked", err)
	}
	wrong, err := store.Open(ctx, dsn, store.Options{Now: time.Now, Passphrase: []byte("not the passphrase")})
	if err != nil {
		t.Fatal(err)
	}
	defer wrong.Close()
	if _, err := wrong.Migrate(ctx); problem.CodeOf(err) != "personal.locked" || wrong.PersonalUnlocked() {
		t.Errorf("Migrate with a wrong passphrase: %v (unlocked %v), want personal.locked and no new keys", err, wrong.PersonalUnlocked())
	}
	if n := storetest.IDs(t, db.SQLForTest(), `SELECT COUNT(*) FROM personal_keys`); n[0] != 2 {
		t.Errorf("%d keys after a wrong passphrase, want the 2 made at first", n[0])
	}
	if err := locked.UnlockPersonal(ctx, []byte(storetest.Passphrase)); err != nil {
		t.Fatal(err)
	}
	if u, err := locked.UserByName(ctx, "zhangwei"); err != nil || u.IDNumber != number {
		t.Errorf("after unlocking: %s, %v", u.IDNumber, err)
	}

	// A rotation run by another process: the server's handle opens the
	// values re-sealed with the new key at once, and seals with it once it
	// takes it up (the serve job's RefreshPersonal).
	old := locked.Keyring().Active()
	next, err := db.RotatePersonalKey(ctx, audit.System())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ResealPersonal(ctx, audit.System(), 100, nil); err != nil {
		t.Fatal(err)
	}
	if u, err := locked.UserByName(ctx, "zhangwei"); err != nil || u.IDNumber != number {
		t.Errorf("a value of a key made by another handle: %s, %v", u.IDNumber, err)
	}
	if took, err := locked.RefreshPersonal(ctx); err != nil || !took || locked.Keyring().Active() != next {
		t.Errorf("RefreshPersonal = %v, %v, active %d; want key %d taken up (was %d)", took, err, locked.Keyring().Active(), next, old)
	}
	if took, err := locked.RefreshPersonal(ctx); err != nil || took {
		t.Errorf("a second RefreshPersonal = %v, %v; want nothing new", took, err)
	}

	// Keys gone while sealed values stay: no new keys are made over them.
	exec(t, db, `DELETE FROM personal_keys`)
	fresh, err := store.Open(ctx, dsn, storetest.Options(time.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, err := fresh.Migrate(ctx); problem.CodeOf(err) != "personal.keys_lost" {
		t.Errorf("Migrate over sealed values without keys: %v, want personal.keys_lost", err)
	}
}

// A sealed value opens only in its own row and column: one copied from
// another row (a database administrator swapping two buyers) is refused,
// and so is a changed byte.
func TestSealedValueBoundToItsRow(t *testing.T) {
	x, _ := sealedFixture(t)
	ctx := context.Background()
	first, second := x.contracts[0], x.contracts[1]
	exec(t, x.db, `UPDATE contract_buyers SET id_number = (SELECT id_number FROM contract_buyers WHERE contract_id = $1 AND seq = 1)
		WHERE contract_id = $2 AND seq = 1`, first.ID, second.ID)
	if _, err := x.db.Contract(ctx, second.ID); problem.CodeOf(err) != "personal.sealed" {
		t.Errorf("another buyer's sealed number: %v, want personal.sealed", err)
	}
	exec(t, x.db, `UPDATE contract_buyers SET phone = id_number WHERE contract_id = $1 AND seq = 1`, first.ID)
	if _, err := x.db.Contract(ctx, first.ID); problem.CodeOf(err) != "personal.sealed" {
		t.Errorf("the number moved to the phone column: %v, want personal.sealed", err)
	}
	_, err := x.db.ResealPersonal(ctx, audit.System(), 100, nil)
	if problem.CodeOf(err) != "personal.sealed" || !strings.Contains(err.Error(), "contract_buyers") {
		t.Errorf("ResealPersonal over a moved value: %v; want it stopped naming the table", err)
	}
}

// A database from before the platform sealed is sealed at its first
// unlock: every clear value sealed and indexed, once. Until then, and
// after, a value in clear in a sealed column is refused as written past
// the store.
func TestSealingCompletesAtUnlock(t *testing.T) {
	x, _ := sealedFixture(t)
	ctx := context.Background()
	c := x.contracts[2]
	zhangwei := "652301199003071231"
	// As a database from before: numbers in clear, no blind index, not
	// yet sealed.
	exec(t, x.db, `UPDATE contract_buyers SET id_number = $1, id_index = '' WHERE contract_id = $2 AND seq = 1`, c.Buyers[0].IDNumber, c.ID)
	exec(t, x.db, `UPDATE users SET id_number = $1, id_index = NULL WHERE username = 'zhangwei'`, zhangwei)
	exec(t, x.db, `DELETE FROM personal_sealing`)
	if _, err := x.db.Contract(ctx, c.ID); problem.CodeOf(err) != "personal.sealed" {
		t.Errorf("a number in clear in a sealed column: %v, want personal.sealed", err)
	}
	if err := x.db.UnlockPersonal(ctx, []byte(storetest.Passphrase)); err != nil {
		t.Fatal(err)
	}
	if got, err := x.db.Contract(ctx, c.ID); err != nil || got.Buyers[0].IDNumber != c.Buyers[0].IDNumber {
		t.Errorf("after the first unlock: %v, %v", got.Buyers, err)
	}
	if u, err := x.db.UserByName(ctx, zhangwei); err != nil || u.Username != "zhangwei" {
		t.Errorf("a login by number after the first unlock: %q, %v", u.Username, err)
	}
	for _, v := range rawStrings(t, x.db, "users", "id_number") {
		if v != "" && !personal.IsSealed(v) {
			t.Errorf("users.id_number after the first unlock: %.30q…", v)
		}
	}
	if n := storetest.IDs(t, x.db.SQLForTest(), `SELECT COUNT(*) FROM personal_sealing`); n[0] != 1 {
		t.Errorf("personal_sealing holds %d rows, want the one that says it is done", n[0])
	}
	// Sealing done, a number written in clear past the store is not
	// laundered by a re-seal: the pass stops at it.
	exec(t, x.db, `UPDATE contract_buyers SET id_number = $1 WHERE contract_id = $2 AND seq = 1`, c.Buyers[0].IDNumber, c.ID)
	if _, err := x.db.ResealPersonal(ctx, audit.System(), 100, nil); problem.CodeOf(err) != "personal.sealed" {
		t.Errorf("a re-seal over a number written in clear after sealing: %v, want personal.sealed", err)
	}
}

// A key rotation re-seals every value in batches, resumably; the register
// log, which commits to the opened values, stays consistent with the
// checkpoint taken before.
func TestPersonalKeyRotation(t *testing.T) {
	x, buyer := sealedFixture(t)
	ctx := context.Background()
	c := x.contracts[2]
	if _, err := x.db.IntegrateLog(ctx); err != nil {
		t.Fatal(err)
	}
	x.keys = addKey(t, x.db, x.clock.Now(), "昌吉州不动产登记中心", x.f.Orgs["652300/centre"].USCC, "652300")
	before, signed, err := x.db.SignCheckpoint(ctx, x.keys)
	if err != nil || !signed {
		t.Fatalf("SignCheckpoint: %v, %v", signed, err)
	}
	old := x.db.Keyring().Active()
	next, err := x.db.RotatePersonalKey(ctx, audit.System())
	if err != nil || next <= old {
		t.Fatalf("RotatePersonalKey = %d, %v; want a key after %d", next, err, old)
	}
	// Interrupted after its first batch with a change, then run again.
	cctx, cancel := context.WithCancel(ctx)
	if _, err = x.db.ResealPersonal(cctx, audit.System(), 2, func(r store.Resealed) {
		if r.Changed > 0 {
			cancel()
		}
	}); err == nil {
		t.Fatal("an interrupted rotation returned no error")
	}
	done, err := x.db.ResealPersonal(ctx, audit.System(), 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for _, r := range done {
		changed += r.Changed
	}
	if changed == 0 {
		t.Errorf("the resumed rotation changed nothing: %+v", done)
	}
	prefix := fmt.Sprintf("pi1:%d:", next)
	for _, col := range []struct{ table, column string }{
		{"contract_buyers", "id_number"}, {"contract_buyers", "phone"}, {"register_holders", "id_number"}, {"certificates", "payload"},
		{"outbox", "payload"}, {"filing_materials", "content"}, {"users", "id_number"}, {"users", "phone"}, {"services", "details"},
		{"inquiries", "id_number"}, {"inquiries", "payload"},
	} {
		values := rawStrings(t, x.db, col.table, col.column)
		sealed := 0
		for _, v := range values {
			if v == "" {
				continue
			}
			sealed++
			if !strings.HasPrefix(v, prefix) {
				t.Errorf("%s.%s after the rotation: %.30q…, want sealed with key %d", col.table, col.column, v, next)
			}
		}
		if sealed == 0 && col.column != "phone" { // the fixture's people have no phone number
			t.Errorf("%s.%s: no value; the fixture no longer reaches it", col.table, col.column)
		}
	}
	for _, v := range rawStrings(t, x.db, "applications", "applicants") {
		if strings.Contains(v, `"id_number":"pi1:`) && strings.Count(v, `"id_number":"pi1:`) != strings.Count(v, `"id_number":"`+prefix) {
			t.Errorf("applicants after the rotation: %s, want every number sealed with key %d", v, next)
		}
	}
	again, err := x.db.ResealPersonal(ctx, audit.System(), 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range again {
		if r.Changed != 0 {
			t.Errorf("a second pass re-sealed %d rows of %s.%s, want none", r.Changed, r.Table, r.Column)
		}
	}
	if got, err := x.db.Contract(ctx, c.ID); err != nil || got.Buyers[0].IDNumber != c.Buyers[0].IDNumber || got.Buyers[0].Phone != c.Buyers[0].Phone {
		t.Errorf("after the rotation: %v, %v", got.Buyers, err)
	}
	certs, err := x.db.CertificatesOfHolder(ctx, buyer)
	if err != nil || len(certs) == 0 {
		t.Fatalf("CertificatesOfHolder after the rotation: %d, %v", len(certs), err)
	}
	if v, err := x.db.Verify(ctx, certs[0].LicenceID); err != nil || !v.SignatureValid {
		t.Errorf("Verify after the rotation: %+v, %v", v, err)
	}
	check, err := x.db.VerifyLog(ctx, []store.LabelledCheckpoint{{Checkpoint: before.Checkpoint, Label: "before"}})
	if err != nil {
		t.Fatal(err)
	}
	if check.Changed != -1 || len(check.Against) != 1 || !check.Against[0].OK {
		t.Errorf("the log after the rotation: changed %d, against %+v; want consistent", check.Changed, check.Against)
	}
}

// The append-only tables that hold personal information let their sealed
// columns be rewritten (a rotation) and no other column.
func TestSealedColumnsAloneRewritable(t *testing.T) {
	x, _ := sealedFixture(t)
	raw := x.db.SQLForTest()
	sealed := map[string][]string{
		"register_entries": {"obligor_id"},
		"register_holders": {"id_number", "id_index"},
		"filing_materials": {"content"},
		"inquiries":        {"id_number", "id_index", "payload"},
	}
	// A blind index changes with its number (the first sealing of an old
	// database), never alone.
	for _, table := range []string{"register_holders", "inquiries"} {
		for _, tc := range []struct {
			set string
			ok  bool
		}{
			{"id_index = id_index || 'x'", false},
			{"id_index = id_index || 'x', id_number = 'pi1:9:' || id_number", true},
		} {
			tx, err := raw.Begin()
			if err != nil {
				t.Fatal(err)
			}
			_, err = tx.Exec(`UPDATE ` + table + ` SET ` + tc.set)
			tx.Rollback()
			if (err == nil) != tc.ok {
				t.Errorf("%s: SET %s: %v, want allowed %v", table, tc.set, err, tc.ok)
			}
		}
	}
	// A sealed column takes a sealed value, never one in clear.
	for _, col := range []struct{ table, column string }{
		{"register_holders", "id_number"}, {"filing_materials", "content"}, {"inquiries", "id_number"}, {"inquiries", "payload"},
		{"certificates", "payload"}, {"register_entries", "obligor_id"},
	} {
		tx, err := raw.Begin()
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.Exec(`UPDATE ` + col.table + ` SET ` + col.column + ` = '652301199003071231'`)
		tx.Rollback()
		if err == nil || !strings.Contains(err.Error(), "rewritten only sealed") {
			t.Errorf("%s.%s set in clear: %v, want refused", col.table, col.column, err)
		}
	}
	for table, allowed := range sealed {
		cols := columnTypes(t, x.db, table)
		if len(cols) < 4 {
			t.Fatalf("%s: %d columns", table, len(cols))
		}
		var n int
		raw.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n)
		if n == 0 {
			t.Fatalf("%s: no rows to update", table)
		}
		for col, typ := range cols {
			mayChange := slices.Contains(allowed, col)
			if strings.HasSuffix(col, "_index") {
				continue // below: it changes only with the number it indexes
			}
			set := col + " = " + col
			switch {
			case x.db.Engine() == store.SQLite:
			case mayChange && !strings.HasSuffix(col, "_index"):
				set = col + " = 'pi1:9:' || " + col // another sealed-looking value
			default:
				set = col + " = " + changed(col, typ)
			}
			tx, err := raw.Begin()
			if err != nil {
				t.Fatal(err)
			}
			_, err = tx.Exec(`UPDATE ` + table + ` SET ` + set)
			tx.Rollback()
			switch {
			case mayChange && err != nil:
				t.Errorf("%s.%s (sealed) could not be rewritten: %v", table, col, err)
			case !mayChange && (err == nil || !strings.Contains(err.Error(), "append-only")):
				t.Errorf("%s.%s was rewritten (%v), want it append-only", table, col, err)
			}
		}
	}
}

// columnTypes is a table's columns with their types.
func columnTypes(t *testing.T, db *store.DB, table string) map[string]string {
	t.Helper()
	q := `SELECT name, type FROM pragma_table_info('` + table + `')`
	if db.Engine() == store.Postgres {
		q = `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '` + table + `'`
	}
	rows, err := db.SQLForTest().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, typ string
		rows.Scan(&name, &typ)
		out[name] = typ
	}
	return out
}

// changed is a PostgreSQL expression of another value of a column of typ.
func changed(col, typ string) string {
	switch {
	case typ == "boolean":
		return "NOT " + col
	case strings.Contains(typ, "int"):
		return col + " + 1"
	case strings.Contains(typ, "timestamp"):
		return col + " + interval '1 second'"
	case typ == "bytea":
		return col + " || '\\x00'::bytea"
	}
	return col + " || 'x'"
}

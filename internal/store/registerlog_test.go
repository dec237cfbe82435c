package store_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/certificate"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/registerlog"
	"handover/internal/registry"
	"handover/internal/store"
)

// logFixture is the registration fixture with the prefecture's key, its
// log taken in and a checkpoint signed: what a witness holds.
type logFixture struct {
	*registrationFixture
	keys *certificate.Keyring
	cp   store.Checkpoint
}

func newLogFixture(t *testing.T) *logFixture {
	t.Helper()
	x := &logFixture{registrationFixture: newRegistrationFixture(t)}
	x.keys = addKey(t, x.db, x.clock.Now(), "昌吉州不动产登记中心", x.f.Orgs["652300/centre"].USCC, "652300")
	ctx := context.Background()
	if n, err := x.db.IntegrateLog(ctx); err != nil || n == 0 {
		t.Fatalf("IntegrateLog = %d, %v; want the fixture's records", n, err)
	}
	var signed bool
	var err error
	if x.cp, signed, err = x.db.SignCheckpoint(ctx, x.keys); err != nil || !signed {
		t.Fatalf("SignCheckpoint: %v (signed %v)", err, signed)
	}
	// The platform works on after the checkpoint: a court seals a flat.
	a := x.apply(t, store.ServiceInput{Kind: registry.SealReg, UnitID: x.contracts[1].UnitID, Details: map[string]string{"authority": "昌吉市人民法院", "doc_no": "执1号"}})
	a, _ = x.step(t, x.reviewer, a, registry.StepReview, store.StepOptions{})
	if _, err := x.step(t, x.recorder, a, registry.StepRecord, store.StepOptions{}); err != nil {
		t.Fatal(err)
	}
	if n, err := x.db.IntegrateLog(ctx); err != nil || n == 0 {
		t.Fatalf("IntegrateLog after the seal = %d, %v", n, err)
	}
	return x
}

// held is the checkpoint as a witness holds it: read from its signed note
// with the authority's certificate.
func (x *logFixture) held(t *testing.T) store.LabelledCheckpoint {
	t.Helper()
	s, err := x.keys.Signer("652300")
	if err != nil {
		t.Fatal(err)
	}
	c, err := registerlog.Open([]byte(x.cp.Note), registerlog.Origin("652300"), s.Cert.RawSubjectPublicKeyInfo,
		func(msg, sig []byte) bool { return certificate.VerifySignature(s.Cert, msg, sig) })
	if err != nil {
		t.Fatalf("open the checkpoint: %v", err)
	}
	return store.LabelledCheckpoint{Checkpoint: c, Label: "税务局保存的检查点"}
}

// An honest log verifies against the checkpoint taken before, proves each
// leaf in it and its growth since; a proof with a flipped bit fails.
func TestLogHonest(t *testing.T) {
	x := newLogFixture(t)
	ctx := context.Background()
	held := x.held(t)
	check, err := x.db.VerifyLog(ctx, []store.LabelledCheckpoint{held})
	if err != nil {
		t.Fatal(err)
	}
	if bad, found := check.FirstInconsistent(); found || !check.OK() || check.Size <= held.Size {
		t.Fatalf("honest log: %+v, first inconsistent %+v; want consistent and grown", check, bad)
	}
	head, err := x.db.LogHead(ctx)
	if err != nil || head.Size != check.Size || !bytes.Equal(head.Root, check.Root) {
		t.Fatalf("head %d %x (%v), recomputed %d %x", head.Size, head.Root, err, check.Size, check.Root)
	}
	p, err := x.db.ConsistencyProof(ctx, held.Size, head.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := registerlog.VerifyConsistency(held.Size, head.Size, p.Hashes, held.Root, head.Root); err != nil {
		t.Errorf("consistency %d → %d: %v", held.Size, head.Size, err)
	}
	idx, leaf, ok, err := x.db.LeafOf(ctx, registerlog.RegisterEntry, 1)
	if err != nil || !ok {
		t.Fatalf("LeafOf entry 1: %v %v", ok, err)
	}
	ip, err := x.db.InclusionProof(ctx, idx, head.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := registerlog.VerifyInclusion(idx, head.Size, leaf, ip.Hashes, head.Root); err != nil {
		t.Errorf("inclusion of leaf %d: %v", idx, err)
	}
	if len(ip.Hashes) > 0 {
		ip.Hashes[0][0] ^= 0x80
		if registerlog.VerifyInclusion(idx, head.Size, leaf, ip.Hashes, head.Root) == nil {
			t.Errorf("an inclusion proof with a flipped bit verified")
		}
	}
	// Nothing new: no new checkpoint.
	if _, signed, err := x.db.SignCheckpoint(ctx, x.keys); err != nil || !signed {
		t.Errorf("a checkpoint of the grown log: signed %v, %v", signed, err)
	}
	if _, signed, err := x.db.SignCheckpoint(ctx, x.keys); err != nil || signed {
		t.Errorf("a second checkpoint with nothing new: signed %v, %v", signed, err)
	}
}

// The three attacks of a database administrator, each after the witness
// took its checkpoint: the log cannot be made to match it again.
func TestLogCatchesTheAdministrator(t *testing.T) {
	tests := []struct {
		name   string
		attack func(t *testing.T, x *logFixture)
		// trail: whether the audit chain alone still reads as intact
		// after the attack (what the log adds).
		trail bool
		kind  string // the first changed leaf's kind ("" when the log itself is cut)
	}{
		{"a lane re-chained by a script", rechainLane, true, registerlog.AuditEvent},
		{"the trail truncated and its heads reset", truncateTrail, true, registerlog.AuditEvent},
		{"a holder's name changed in the book, its trigger dropped", renameHolder, true, registerlog.RegisterEntry},
		{"the log's own tables cut back", cutLog, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newLogFixture(t)
			ctx := context.Background()
			held := x.held(t)
			tt.attack(t, x)
			if v, err := x.db.VerifyAudit(ctx); err != nil {
				t.Fatal(err)
			} else if _, broken := v.First(); broken == tt.trail {
				t.Errorf("the audit chain after the attack: broken %v, want %v", broken, !tt.trail)
			}
			check, err := x.db.VerifyLog(ctx, []store.LabelledCheckpoint{held})
			if err != nil {
				t.Fatal(err)
			}
			bad, found := check.FirstInconsistent()
			if !found || bad.Size != held.Size || bad.Label != held.Label || bad.Why == "" {
				t.Fatalf("after the attack: %+v; want the checkpoint of size %d inconsistent", check, held.Size)
			}
			if tt.kind != "" && (check.Changed < 0 || check.ChangedKind != tt.kind || uint64(check.Changed) >= held.Size) {
				t.Errorf("first changed leaf %d (%s %d), want a %s within the checkpoint's %d", check.Changed, check.ChangedKind, check.ChangedRecord, tt.kind, held.Size)
			}
			// A rewritten record is named as that: the log's own nodes,
			// which the public proofs read, were left alone.
			if tt.kind != "" && check.StoredDiffers {
				t.Errorf("the stored nodes reported changed after an attack on the records alone")
			}
		})
	}
}

// rechainLane rewrites an event's summary and recomputes its lane's chain
// and head, as a script with the database's password would.
func rechainLane(t *testing.T, x *logFixture) {
	t.Helper()
	disableAppendOnly(t, x.db)
	raw := x.db.SQLForTest()
	var lane int
	if err := raw.QueryRow(`SELECT lane FROM audit_events ORDER BY id LIMIT 1`).Scan(&lane); err != nil {
		t.Fatal(err)
	}
	var events []audit.Event // newest first, a page at a time
	for before := int64(0); ; {
		page, err := x.db.ListAudit(context.Background(), access.Filter{All: true}, store.AuditQuery{Limit: 500, BeforeID: before})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		events = append(events, page...)
		before = page[len(page)-1].ID
	}
	var chain []audit.Event
	for i := len(events) - 1; i >= 0; i-- { // oldest first
		if events[i].Lane == lane {
			chain = append(chain, events[i])
		}
	}
	prev := audit.Genesis(lane)
	for i := range chain {
		e := &chain[i]
		if i == 0 {
			e.Summary = `{"rewritten":true}`
		}
		e.PrevHash = prev
		e.Hash = audit.Compute(prev, e)
		exec(t, x.db, `UPDATE audit_events SET summary = $1, prev_hash = $2, hash = $3 WHERE id = $4`, e.Summary, e.PrevHash, e.Hash, e.ID)
		prev = e.Hash
	}
	exec(t, x.db, `UPDATE audit_heads SET hash = $1 WHERE lane = $2`, prev, lane)
}

// truncateTrail empties the trail and resets every lane's head, as TRUNCATE
// (PostgreSQL) or a DELETE with the triggers dropped (SQLite) would.
func truncateTrail(t *testing.T, x *logFixture) {
	t.Helper()
	if x.db.Engine() == store.Postgres {
		exec(t, x.db, `TRUNCATE audit_events`)
	} else {
		disableAppendOnly(t, x.db)
		exec(t, x.db, `DELETE FROM audit_events`)
	}
	for lane := 0; lane < audit.Lanes; lane++ {
		exec(t, x.db, `UPDATE audit_heads SET seq = 0, hash = $1 WHERE lane = $2`, audit.Genesis(lane), lane)
	}
}

// renameHolder changes the holder of the first register entry, its
// append-only trigger dropped.
func renameHolder(t *testing.T, x *logFixture) {
	t.Helper()
	if x.db.Engine() == store.Postgres {
		exec(t, x.db, `ALTER TABLE register_holders DISABLE TRIGGER register_holders_append_only`)
	} else {
		exec(t, x.db, `DROP TRIGGER register_holders_append_only`)
	}
	exec(t, x.db, `UPDATE register_holders SET name = '冒名顶替' WHERE entry_id = (SELECT MIN(entry_id) FROM register_holders)`)
}

// cutLog deletes the log's newest leaves and nodes and checkpoints, as
// someone hiding recent history from the log itself would.
func cutLog(t *testing.T, x *logFixture) {
	t.Helper()
	for _, table := range []string{"log_leaves", "log_nodes", "log_checkpoints"} {
		if x.db.Engine() == store.Postgres {
			exec(t, x.db, fmt.Sprintf(`ALTER TABLE %s DISABLE TRIGGER %s_append_only`, table, table))
		} else {
			exec(t, x.db, fmt.Sprintf(`DROP TRIGGER %s_no_delete`, table))
		}
	}
	exec(t, x.db, `DELETE FROM log_leaves WHERE idx >= 3`)
	exec(t, x.db, `DELETE FROM log_nodes WHERE idx >= 3 OR level > 0`)
	exec(t, x.db, `DELETE FROM log_checkpoints`)
}

// What the log names without any checkpoint held outside: a leaf missing
// from its own table, a record written into the past that it never took
// in, and stored nodes that are not the records'. The server's key then
// refuses to sign a log that no longer extends its last checkpoint.
func TestLogNamesWhatNoCheckpointCovers(t *testing.T) {
	tests := []struct {
		name   string
		attack func(t *testing.T, x *logFixture)
		check  func(c store.LogCheck) bool
		signs  bool // whether the key still signs a checkpoint afterwards
	}{
		{"a leaf deleted from the middle", func(t *testing.T, x *logFixture) {
			openLogTables(t, x)
			exec(t, x.db, `DELETE FROM log_leaves WHERE idx = 2`)
		}, func(c store.LogCheck) bool { return c.Gap == 2 }, true},
		{"a register entry written into the past", func(t *testing.T, x *logFixture) {
			// Two hours on, an entry dated two days back, under an id the
			// log's integration has passed (here: never integrated).
			x.clock.Advance(2 * time.Hour)
			exec(t, x.db, `INSERT INTO register_entries (unit_id, kind, reg_type, right_type, ownership, cert_no, recorded_by, recorded_at)
				SELECT unit_id, kind, reg_type, right_type, ownership, '新(2026)昌吉市不动产权第9999999号', recorded_by, $1
				FROM register_entries WHERE id = (SELECT MIN(id) FROM register_entries)`, x.clock.Now().Add(-48*time.Hour))
		}, func(c store.LogCheck) bool {
			return c.Unlogged == 1 && strings.HasPrefix(c.FirstUnlogged, "登记簿记载 #")
		}, true},
		{"a stored node rewritten (a public proof's)", func(t *testing.T, x *logFixture) {
			openLogTables(t, x)
			exec(t, x.db, `UPDATE log_nodes SET hash = $1 WHERE level = 1 AND idx = 0`, bytes.Repeat([]byte{7}, 32))
		}, func(c store.LogCheck) bool { return c.StoredDiffers }, true}, // a node below the head's: VerifyLog's to find
		{"a stored node of the head rewritten", func(t *testing.T, x *logFixture) {
			openLogTables(t, x)
			exec(t, x.db, `UPDATE log_nodes SET hash = $1 WHERE level = (SELECT MAX(level) FROM log_nodes) AND idx = 0`, bytes.Repeat([]byte{7}, 32))
		}, func(c store.LogCheck) bool { return c.StoredDiffers }, false},
		{"the log cut back below its last checkpoint", func(t *testing.T, x *logFixture) {
			openLogTables(t, x)
			exec(t, x.db, `DELETE FROM log_leaves WHERE idx >= 3`)
			exec(t, x.db, `DELETE FROM log_nodes WHERE idx >= 3 OR level > 0`)
		}, func(c store.LogCheck) bool { return c.Size == 3 }, false},
		{"the log and its checkpoints cut back, a witness's report kept", func(t *testing.T, x *logFixture) {
			if _, err := x.db.ReportWitnessed(context.Background(), audit.System(), "州政务平台", []byte(x.cp.Note)); err != nil {
				t.Fatal(err)
			}
			cutLog(t, x)
		}, func(c store.LogCheck) bool { return c.Size == 3 }, false},
		{"the checkpoint's root rewritten beside its note", func(t *testing.T, x *logFixture) {
			openLogTables(t, x)
			exec(t, x.db, `DELETE FROM log_leaves WHERE idx >= 3`)
			exec(t, x.db, `DELETE FROM log_nodes WHERE idx >= 3 OR level > 0`)
			if x.db.Engine() == store.Postgres {
				exec(t, x.db, `ALTER TABLE log_checkpoints DISABLE TRIGGER log_checkpoints_append_only`)
			} else {
				exec(t, x.db, `DROP TRIGGER log_checkpoints_append_only`)
			}
			exec(t, x.db, `UPDATE log_checkpoints SET size = 3`)
		}, func(c store.LogCheck) bool { return c.Size == 3 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newLogFixture(t)
			ctx := context.Background()
			before, err := x.db.VerifyLog(ctx, nil)
			if err != nil || !before.OK() {
				t.Fatalf("before the attack: %+v, %v; want OK", before, err)
			}
			tt.attack(t, x)
			check, err := x.db.VerifyLog(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(check) || check.OK() {
				t.Errorf("after the attack: %+v; want it named and not OK", check)
			}
			_, _, err = x.db.SignCheckpoint(ctx, x.keys)
			if got := problem.CodeOf(err) != "log.fork"; got != tt.signs {
				t.Errorf("SignCheckpoint after the attack: %v; want signing %v", err, tt.signs)
			}
			// The server holds the last checkpoint it signed outside the
			// database: whatever the tables say, a log that does not extend
			// it gets no signature.
			if !tt.signs {
				if _, _, err := x.db.SignCheckpoint(ctx, x.keys, x.cp.Checkpoint); problem.CodeOf(err) != "log.fork" {
					t.Errorf("SignCheckpoint holding the last checkpoint: %v, want log.fork", err)
				}
			}
		})
	}
}

// openLogTables lets the log's own tables be changed, as their owner can.
func openLogTables(t *testing.T, x *logFixture) {
	t.Helper()
	for _, table := range []string{"log_leaves", "log_nodes"} {
		if x.db.Engine() == store.Postgres {
			exec(t, x.db, fmt.Sprintf(`ALTER TABLE %s DISABLE TRIGGER %s_append_only`, table, table))
		} else {
			exec(t, x.db, fmt.Sprintf(`DROP TRIGGER %s_no_delete`, table))
			exec(t, x.db, fmt.Sprintf(`DROP TRIGGER %s_append_only`, table))
		}
	}
}

// A partner reports the checkpoint it holds: recorded under its own
// organisation's name, once however often it reports it, and answered
// with whether the log still extends it. A changed note, a partner the
// policy does not name, and a console without a witness's name are
// refused, and leave nothing.
func TestWitnessReports(t *testing.T) {
	x := newLogFixture(t)
	tax := x.f.Orgs["652301/tax"]
	taxUser := principalOf(identity.RoleTax, identity.Tax, "652301", tax.ID)
	taxActor := audit.Actor{UserID: 99, Name: "测试", OrgID: tax.ID, OrgName: tax.Name}
	w, err := x.db.ReportWitnessed(request(taxUser), taxActor, "自称省平台", []byte(x.cp.Note))
	if err != nil || !w.Consistent || w.Size != x.cp.Size || w.LogSize <= w.Size {
		t.Fatalf("the tax bureau's report: %+v, %v; want consistent, the log grown past it", w, err)
	}
	if _, err := x.db.ReportWitnessed(request(taxUser), taxActor, "", []byte(x.cp.Note)); err != nil {
		t.Fatalf("the same report again: %v", err)
	}
	raw := x.db.SQLForTest()
	var n int
	var witness string
	if err := raw.QueryRow(`SELECT COUNT(*), MIN(witness) FROM log_witnessed`).Scan(&n, &witness); err != nil || n != 1 || witness != tax.Name {
		t.Fatalf("witnessed rows: got %d of %q (%v), want 1 of %q", n, witness, err, tax.Name)
	}
	buyer := principalOf(identity.RoleBuyer, identity.Individual, "652301", 0)
	tests := []struct {
		name    string
		ctx     context.Context
		actor   audit.Actor
		witness string
		note    string
		code    string
	}{
		{"a changed size", request(taxUser), taxActor, "", strings.Replace(x.cp.Note, fmt.Sprintf("\n%d\n", x.cp.Size), fmt.Sprintf("\n%d\n", x.cp.Size+1), 1), "log.signature"},
		{"not a note", request(taxUser), taxActor, "", "hello\n", "log.signature"},
		{"a buyer", request(buyer), audit.Actor{UserID: 98, Name: "张伟"}, "张伟", x.cp.Note, "access.denied"},
		{"a console without a name", context.Background(), audit.System(), " ", x.cp.Note, "log.witness"},
	}
	for _, tt := range tests {
		if _, err := x.db.ReportWitnessed(tt.ctx, tt.actor, strings.TrimSpace(tt.witness), []byte(tt.note)); problem.CodeOf(err) != tt.code {
			t.Errorf("%s: ReportWitnessed = %v, want %s", tt.name, err, tt.code)
		}
	}
	if err := raw.QueryRow(`SELECT COUNT(*) FROM log_witnessed`).Scan(&n); err != nil || n != 1 {
		t.Errorf("witnessed rows after the refusals: got %d (%v), want 1", n, err)
	}
}

// A log cut back with every checkpoint and report deleted too: only a
// checkpoint held outside the database (serve keeps the last it signed)
// stops the key from signing the shorter log.
func TestSignCheckpointHoldsTheLastOutside(t *testing.T) {
	x := newLogFixture(t)
	ctx := context.Background()
	cutLog(t, x)
	if _, _, err := x.db.SignCheckpoint(ctx, x.keys, x.cp.Checkpoint); problem.CodeOf(err) != "log.fork" {
		t.Errorf("holding the last checkpoint: %v, want log.fork", err)
	}
}

// Integrations and signings run at once (two servers' minute jobs, the
// console's audit checkpoint) take every record in exactly once, at
// contiguous indexes, and every checkpoint signed is consistent: one at a
// time (an advisory lock on PostgreSQL, the writer on SQLite).
func TestLogConcurrentIntegration(t *testing.T) {
	x := newLogFixture(t)
	ctx := context.Background()
	// New records to take in: a second seal, recorded.
	a := x.apply(t, store.ServiceInput{Kind: registry.SealReg, UnitID: x.contracts[2].UnitID, Details: map[string]string{"authority": "昌吉市人民法院", "doc_no": "执2号"}})
	a, _ = x.step(t, x.reviewer, a, registry.StepReview, store.StepOptions{})
	if _, err := x.step(t, x.recorder, a, registry.StepRecord, store.StepOptions{}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				_, err := x.db.IntegrateLog(ctx)
				errs <- err
				return
			}
			_, _, err := x.db.SignCheckpoint(ctx, x.keys)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent integration or signing: %v", err)
		}
	}
	raw := x.db.SQLForTest()
	var leaves, distinct, top int64
	if err := raw.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT kind || ':' || CAST(record_id AS TEXT)), COALESCE(MAX(idx), -1) FROM log_leaves`).Scan(&leaves, &distinct, &top); err != nil {
		t.Fatal(err)
	}
	var records int64
	if err := raw.QueryRow(`SELECT (SELECT COUNT(*) FROM audit_events) + (SELECT COUNT(*) FROM register_entries)`).Scan(&records); err != nil {
		t.Fatal(err)
	}
	if leaves != records || distinct != leaves || top != leaves-1 {
		t.Errorf("leaves %d (%d distinct, top index %d); want one per record (%d), indexes 0 to %d", leaves, distinct, top, records, records-1)
	}
	var signed []store.LabelledCheckpoint
	rows, err := raw.Query(`SELECT note FROM log_checkpoints ORDER BY size`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var note string
		if err := rows.Scan(&note); err != nil {
			t.Fatal(err)
		}
		c, err := x.db.OpenCheckpoint(ctx, []byte(note))
		if err != nil {
			t.Fatal(err)
		}
		signed = append(signed, store.LabelledCheckpoint{Checkpoint: c, Label: "signed"})
	}
	rows.Close()
	check, err := x.db.VerifyLog(ctx, signed)
	if err != nil || !check.OK() || len(check.Against) != len(signed) {
		t.Errorf("the log after concurrent runs: %+v, %v; want every signed checkpoint (%d) consistent", check, err, len(signed))
	}
}

// On PostgreSQL a transaction may commit a record below one the log has
// already taken in (its id drawn before the other's, its commit after):
// the next integration takes it in, whether its id is within logMargin of
// the newest or far below it. SQLite's one writer commits in id order, so
// there is no such record there.
func TestLogTakesInStragglers(t *testing.T) {
	x := newLogFixture(t)
	if x.db.Engine() != store.Postgres {
		t.Skip("one writer on SQLite: no record commits below one already taken in")
	}
	ctx := context.Background()
	raw := x.db.SQLForTest()
	insert := `INSERT INTO audit_events (lane, seq, at, actor_user, actor_name, actor_org, actor_org_name, addr, action, record_type, record_id, summary, prev_hash, hash)
		VALUES (0, $1, $2, 0, '系统', 0, '', '', 'test.straggler', 'test', $3, '{}', '\x00', '\x00') RETURNING id`
	for _, tt := range []struct {
		name string
		jump int64 // ids drawn between the straggler's and the one taken in first
	}{
		{"within the margin", 0},
		{"at the margin's edge", 9999}, // the straggler's id is the newest's less logMargin
		{"far below the newest", 20000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			late, err := raw.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer late.Rollback()
			var straggler, early int64
			if err := late.QueryRowContext(ctx, insert, -1-2*tt.jump, x.clock.Now(), tt.name+" late").Scan(&straggler); err != nil {
				t.Fatal(err)
			}
			if tt.jump > 0 {
				if _, err := raw.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('audit_events', 'id'), $1)`, straggler+tt.jump); err != nil {
					t.Fatal(err)
				}
			}
			if err := raw.QueryRowContext(ctx, insert, -2-2*tt.jump, x.clock.Now(), tt.name+" early").Scan(&early); err != nil {
				t.Fatal(err)
			}
			if n, err := x.db.IntegrateLog(ctx); err != nil || n != 1 {
				t.Fatalf("IntegrateLog with the straggler uncommitted = %d, %v; want 1 (the record committed)", n, err)
			}
			if err := late.Commit(); err != nil {
				t.Fatal(err)
			}
			if n, err := x.db.IntegrateLog(ctx); err != nil || n != 1 {
				t.Fatalf("IntegrateLog after the straggler's commit = %d, %v; want 1 (id %d, below %d)", n, err, straggler, early)
			}
			var got int
			if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM log_leaves WHERE kind = $1 AND record_id IN ($2, $3)`,
				registerlog.AuditEvent, straggler, early).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != 2 {
				t.Errorf("leaves for the two records: got %d, want 2", got)
			}
		})
	}
}

// On SQLite the log takes in the ids above the newest it holds: a record a
// script writes below that later, into a gap, is not taken in, and
// VerifyLog names it whatever time it claims (here one in the future, which
// a look-back by time would never call old enough).
func TestLogNamesARecordWrittenIntoAGap(t *testing.T) {
	x := newLogFixture(t)
	if x.db.Engine() != store.SQLite {
		t.Skip("on PostgreSQL a record below the newest may be a straggler: the log looks back for it by time")
	}
	ctx := context.Background()
	exec(t, x.db, `INSERT INTO audit_events (id, lane, seq, at, actor_user, actor_name, actor_org, actor_org_name, addr, action, record_type, record_id, summary, prev_hash, hash)
		VALUES (-1, 0, -1, $1, 0, '系统', 0, '', '', 'test.gap', 'test', 'gap', '{}', X'00', X'00')`, x.clock.Now().AddDate(70, 0, 0))
	if n, err := x.db.IntegrateLog(ctx); err != nil || n != 0 {
		t.Fatalf("IntegrateLog after the write into the gap = %d, %v; want 0", n, err)
	}
	check, err := x.db.VerifyLog(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if check.Unlogged != 1 || !strings.Contains(check.FirstUnlogged, "-1") || check.OK() {
		t.Errorf("VerifyLog: unlogged %d (%q), OK %v; want the record -1 named and the log not whole", check.Unlogged, check.FirstUnlogged, check.OK())
	}
}

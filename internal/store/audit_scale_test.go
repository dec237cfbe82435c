package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"handover/internal/access"
	"handover/internal/demo"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// BenchmarkAuditScale times the audit log's list on a trail of a million
// events (HANDOVER_BENCH_AUDIT_ROWS sets another size): counting the whole
// trail, a county's share of it and a rare action, against the capped
// count the page uses, and reading the first page and one deep in the
// trail. The rows are written straight into the table (no hash chain):
// only the list's reads are measured.
//
//	go test ./internal/store -run '^$' -bench AuditScale -benchtime 5x
func BenchmarkAuditScale(b *testing.B) {
	rows := 1_000_000
	if s := os.Getenv("HANDOVER_BENCH_AUDIT_ROWS"); s != "" {
		var err error
		if rows, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	db, _ := storetest.Open(b)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		b.Fatal(err)
	}
	var orgs []int64
	for _, o := range f.Orgs {
		orgs = append(orgs, o.ID)
	}
	start := time.Now()
	fillAudit(b, db, rows, orgs)
	b.Logf("%d audit events written in %s", rows, time.Since(start).Round(time.Second))
	raw := db.SQLForTest()
	county := access.Filter{Jurisdiction: "652301"}
	all := access.Filter{All: true}
	raws := []struct{ name, sql string }{
		{"raw_count_all", `SELECT COUNT(*) FROM audit_events`},
		{"raw_count_county", `SELECT COUNT(*) FROM audit_events WHERE actor_org IN (SELECT id FROM organisations WHERE jurisdiction = '652301')`},
		{"raw_count_rare_action", `SELECT COUNT(*) FROM audit_events WHERE action = 'access.denied'`},
	}
	for _, r := range raws {
		b.Run(r.name, func(b *testing.B) {
			for b.Loop() {
				var n int
				if err := raw.QueryRowContext(ctx, r.sql).Scan(&n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, q := range []string{
		`SELECT COUNT(*) FROM (SELECT 1 FROM audit_events WHERE action LIKE 'user.%' ESCAPE '\' ORDER BY id DESC LIMIT 10001) c`,
		`SELECT COUNT(*) FROM (SELECT 1 FROM audit_events WHERE actor_org IN (SELECT id FROM organisations WHERE jurisdiction = '652301') ORDER BY id DESC LIMIT 10001) c`,
		`SELECT COUNT(*) FROM (SELECT 1 FROM audit_events WHERE action = 'access.denied' ORDER BY id DESC LIMIT 10001) c`,
	} {
		b.Logf("%s\n%s", q, explain(b, db, q))
	}
	lists := []struct {
		name string
		f    access.Filter
		q    store.AuditQuery
	}{
		{"list_first_page", all, store.AuditQuery{}},
		{"list_page_100", all, store.AuditQuery{Page: store.Page{Number: 100}}},
		{"list_county_first_page", county, store.AuditQuery{}},
		{"list_rare_action", all, store.AuditQuery{Action: "access.denied"}},
		{"list_user_prefix", all, store.AuditQuery{Action: "user."}},
		{"list_one_day", all, store.AuditQuery{From: auditBase.Add(24 * time.Hour), To: auditBase.Add(48 * time.Hour)}},
		{"list_before_deep", all, store.AuditQuery{BeforeID: int64(rows / 2)}},
		{"list_last_capped_page", all, store.AuditQuery{Page: store.Page{Number: store.AuditCountCap / store.PageSize}}},
		{"list_county_last_capped_page", county, store.AuditQuery{Page: store.Page{Number: store.AuditCountCap / store.PageSize}}},
	}
	for _, l := range lists {
		b.Run(l.name, func(b *testing.B) {
			for b.Loop() {
				got, err := db.AuditList(ctx, l.f, l.q)
				if err != nil {
					b.Fatal(err)
				}
				if len(got.Rows) == 0 {
					b.Fatalf("%s: no rows", l.name)
				}
			}
		})
	}
}

// auditBase is when the benchmark's trail starts; an event a minute.
var auditBase = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// fillAudit writes n events spread over orgs and a handful of actions,
// one a minute from auditBase, in transactions of 10,000.
func fillAudit(b *testing.B, db *store.DB, n int, orgs []int64) {
	b.Helper()
	ctx := context.Background()
	raw := db.SQLForTest()
	actions := []string{"contract.draft", "contract.send", "contract.sign", "contract.file", "auth.login", "auth.logout",
		"unit.lock", "application.accept", "application.review", "handover.record", "user.update", "alert.acknowledge"}
	const per, cols = 50, 14
	var text strings.Builder
	text.WriteString(`INSERT INTO audit_events (lane, seq, at, actor_user, actor_name, actor_org, actor_org_name, addr,
		action, record_type, record_id, summary, prev_hash, hash) VALUES `)
	for i := range per {
		if i > 0 {
			text.WriteString(", ")
		}
		text.WriteString("(")
		for c := 1; c <= cols; c++ {
			if c > 1 {
				text.WriteString(", ")
			}
			fmt.Fprintf(&text, "$%d", i*cols+c)
		}
		text.WriteString(")")
	}
	hash := make([]byte, 32)
	for done := 0; done < n; {
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		stmt, err := tx.PrepareContext(ctx, text.String())
		if err != nil {
			b.Fatal(err)
		}
		for chunk := 0; chunk < 10_000 && done < n; chunk += per {
			args := make([]any, 0, per*cols)
			for range per {
				i := done
				action := actions[i%len(actions)]
				if i%997 == 0 {
					action = "access.denied"
				}
				args = append(args, 100+i%16, i, auditBase.Add(time.Duration(i)*time.Minute), int64(1+i%40), "经办人", orgs[i%len(orgs)], "机构", "10.0.0.1",
					action, "contract", strconv.Itoa(i%50_000), `{"state":"filed","unit":12345}`, hash, hash)
				done++
			}
			if len(args) < per*cols { // the last statement, short: pad with events past n
				for len(args) < per*cols {
					i := done
					args = append(args, 100+i%16, i, auditBase.Add(time.Duration(i)*time.Minute), int64(1), "经办人", orgs[0], "机构", "10.0.0.1",
						"auth.login", "user", "1", `{}`, hash, hash)
					done++
				}
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				b.Fatal(err)
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := raw.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// explain is the engine's plan of query, one line per step.
func explain(b *testing.B, db *store.DB, query string) string {
	b.Helper()
	prefix := `EXPLAIN QUERY PLAN `
	if db.Engine() == store.Postgres {
		prefix = `EXPLAIN `
	}
	rows, err := db.SQLForTest().Query(prefix + query)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		dest := make([]any, len(cols))
		for i := range dest {
			dest[i] = new(any)
		}
		if err := rows.Scan(dest...); err != nil {
			b.Fatal(err)
		}
		out = append(out, fmt.Sprint(*(dest[len(dest)-1].(*any))))
	}
	return strings.Join(out, "\n")
}

package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"handover/internal/access"
	"handover/internal/code"
	"handover/internal/store"
	"handover/internal/store/storetest"
	"handover/internal/web/webtest"
)

// numberRuns lists the runs of exactly n characters of text that stand
// on their own (not inside a longer run of letters and digits, such as a
// hash in hex) and are digits, the last one a digit or X when xLast. One
// pass over the text: a dump is tens of megabytes.
func numberRuns(text string, n int, xLast bool) []string {
	var out []string
	alnum := func(b byte) bool { return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
	for i := 0; i < len(text); {
		if !alnum(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && alnum(text[j]) {
			j++
		}
		if run := text[i:j]; len(run) == n {
			ok := true
			for k := 0; k < n && ok; k++ {
				c := run[k]
				ok = c >= '0' && c <= '9' || xLast && k == n-1 && (c == 'X' || c == 'x')
			}
			if ok {
				out = append(out, run)
			}
		}
		i = j
	}
	return out
}

// clearIDs lists the valid identity card numbers (date and check
// character holding) written in clear in text.
func clearIDs(text string) []string {
	var out []string
	for _, run := range numberRuns(text, 18, true) {
		if c, err := code.ParseIDCard(run); err == nil {
			out = append(out, c.Number)
		}
	}
	return out
}

func TestClearIDsFindsANumber(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{`{"id_number":"652301199003071231"}`, 1},
		{`652301199003071231`, 1},
		{`652301199003071232`, 0},               // wrong check character
		{`a652301199003071231`, 0},              // inside a hex run
		{`pi1:1:QmFzZTY0IHNlYWxlZCB2YWx1ZQ`, 0}, // sealed
		{`65230119900307123X and 652301199003071231`, 1},
	}
	for _, tt := range tests {
		if got := clearIDs(tt.text); len(got) != tt.want {
			t.Errorf("clearIDs(%q) = %v, want %d numbers", tt.text, got, tt.want)
		}
	}
}

// TestDumpHoldsNoIDNumber dumps every table of the demo prefecture — its
// buyers, users, register book, certificates, queries, cancellations,
// filing materials and messages to partners — and finds no identity card
// number, and none of the buyers' phone numbers, in clear; on SQLite the
// backup file's bytes are searched too. The numbers are there, sealed: the
// store reads them back.
func TestDumpHoldsNoIDNumber(t *testing.T) {
	env := webtest.StartDemo(t)
	ctx := context.Background()
	u, err := env.DB.UserByName(ctx, "zhangwei")
	if err != nil {
		t.Fatal(err)
	}
	if u.IDNumber != "652301199003071231" {
		t.Fatalf("zhangwei's number read back as %q, want 652301199003071231", u.IDNumber)
	}
	dump := dumpTables(t, env.Raw, env.DB.Engine())
	for _, table := range []string{"users", "contract_buyers", "register_holders", "certificates", "outbox", "applications"} {
		if !strings.Contains(dump[table], "pi1:") {
			t.Errorf("table %s holds no sealed value: the demo no longer reaches it, or it is no longer sealed", table)
		}
	}
	for table, text := range dump {
		if ids := clearIDs(text); len(ids) > 0 {
			t.Errorf("table %s holds %d ID numbers in clear, e.g. %s", table, len(ids), ids[0])
		}
	}
	// The buyers' phone numbers, as the store reads them back.
	contracts, err := env.DB.ListContracts(ctx, access.Filter{All: true}, store.ContractQuery{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	phones := map[string]string{} // number → contract
	for _, c := range contracts {
		for _, b := range c.Buyers {
			if b.Phone != "" {
				phones[b.Phone] = c.Number
			}
		}
	}
	if len(phones) == 0 {
		t.Errorf("no buyer of the demo has a phone number: the test no longer checks any")
	}
	for table, text := range dump {
		for _, run := range numberRuns(text, 11, false) {
			if contract, ok := phones[run]; ok {
				t.Errorf("table %s holds the phone number of a buyer of contract %s in clear", table, contract)
			}
		}
	}
	if env.DB.Engine() != store.SQLite {
		return
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if _, err := env.DB.Backup(ctx, path, false); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if ids := clearIDs(string(b)); len(ids) > 0 {
		t.Errorf("the backup file holds %d ID numbers in clear, e.g. %s", len(ids), ids[0])
	}
}

// dumpTables is every row of every table as text, by table.
func dumpTables(t *testing.T, raw *sql.DB, engine store.Engine) map[string]string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if engine == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	tables := storetest.Strings(t, raw, q)
	if len(tables) < 40 {
		t.Fatalf("%d tables found; want the whole schema", len(tables))
	}
	out := map[string]string{}
	for _, table := range tables {
		rows, err := raw.Query(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var b strings.Builder
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if s, ok := v.([]byte); ok {
					v = string(s)
				}
				fmt.Fprintf(&b, "%v\t", v)
			}
			b.WriteByte('\n')
		}
		rows.Close()
		out[table] = b.String()
	}
	return out
}

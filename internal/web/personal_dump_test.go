package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"handover/internal/access"
	"handover/internal/code"
	"handover/internal/store"
	"handover/internal/web/webtest"
)

// idLike is an 18-character number that could be a 居民身份证号码 standing
// on its own (not inside a longer run of letters and digits, such as a
// hash in hex); clearIDs keeps those whose date and check character hold.
var idLike = regexp.MustCompile(`(?:^|[^0-9A-Za-z])([1-9][0-9]{16}[0-9Xx])(?:[^0-9A-Za-z]|$)`)

// clearIDs lists the valid identity card numbers written in clear in text.
func clearIDs(text string) []string {
	var out []string
	for _, m := range idLike.FindAllStringSubmatch(text, -1) {
		if c, err := code.ParseIDCard(m[1]); err == nil {
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
	phones := 0
	for _, c := range contracts {
		for _, b := range c.Buyers {
			if b.Phone == "" {
				continue
			}
			phones++
			for table, text := range dump {
				if strings.Contains(text, b.Phone) {
					t.Errorf("table %s holds the phone number of a buyer of contract %s in clear", table, c.Number)
				}
			}
		}
	}
	if phones == 0 {
		t.Errorf("no buyer of the demo has a phone number: the test no longer checks any")
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
	var tables []string
	rows, err := raw.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
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

package store_test

import (
	"context"
	"fmt"
	"testing"

	"handover/internal/store/storetest"
)

// insertValues writes every row, in statements of 32 rows and one of the
// rest, and passes its suffix on (duplicates skipped).
func TestInsertValues(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	if _, err := db.SQLForTest().Exec(`CREATE TABLE bulk_probe (k BIGINT NOT NULL, v TEXT NOT NULL, PRIMARY KEY (k))`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rows, statements int
	}{
		{1, 1}, {3, 1}, {32, 1}, {33, 2}, {70, 3}, {127, 4}, // 127 = 3×32 + 31
	}
	next := 0
	for _, tt := range tests {
		var rows [][]any
		for range tt.rows {
			next++
			rows = append(rows, []any{next, fmt.Sprint("值", next)})
		}
		n, err := db.InsertValuesForTest(ctx, "bulk_probe", "k, v", "", rows)
		if err != nil || n != tt.statements {
			t.Errorf("%d rows: got %d statements (%v), want %d", tt.rows, n, err, tt.statements)
		}
	}
	var count, sum int
	db.SQLForTest().QueryRow(`SELECT COUNT(*), SUM(k) FROM bulk_probe WHERE v = '值' || CAST(k AS TEXT)`).Scan(&count, &sum)
	if count != next || sum != next*(next+1)/2 {
		t.Errorf("got %d rows summing to %d, want %d summing to %d", count, sum, next, next*(next+1)/2)
	}
	// A suffix: rows already there, and a row twice in one statement, are skipped.
	rows := [][]any{{1, "again"}, {next + 1, "new"}, {next + 1, "new"}}
	if _, err := db.InsertValuesForTest(ctx, "bulk_probe", "k, v", "ON CONFLICT DO NOTHING", rows); err != nil {
		t.Fatal(err)
	}
	var v string
	db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM bulk_probe`).Scan(&count)
	db.SQLForTest().QueryRow(`SELECT v FROM bulk_probe WHERE k = 1`).Scan(&v)
	if count != next+1 || v != "值1" {
		t.Errorf("after the suffixed insert: %d rows, row 1 %q; want %d and 值1", count, v, next+1)
	}
}

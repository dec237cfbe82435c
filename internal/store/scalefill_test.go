package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"handover/internal/audit"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// InsertRows writes every row, in statements of as many rows as the
// parameter limit allows, and returns what each row's RETURNING names.
func TestInsertRows(t *testing.T) {
	for _, n := range []int{1, 7, 200, 201, 1234} { // 200 rows of 5 columns a statement
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			db, clock := storetest.Open(t)
			ctx := context.Background()
			rows := make([][]any, n)
			for i := range rows {
				rows[i] = []any{"650000", fmt.Sprint("k", i), fmt.Sprint(i * 2), 1, clock.Now()}
			}
			got := map[string]int64{}
			err := db.Synthetic(ctx, audit.System(), "settings", func(tx *sql.Tx) error {
				return db.InsertRows(ctx, tx, "settings", []string{"jurisdiction", "key", "value", "set_by", "set_at"}, rows, "id, key", func(r *sql.Rows) error {
					var id int64
					var key string
					err := r.Scan(&id, &key)
					got[key] = id
					return err
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Fatalf("%d rows returned, want %d", len(got), n)
			}
			for _, i := range []int{0, n / 2, n - 1} {
				key := fmt.Sprint("k", i)
				v, err := db.Setting(ctx, "650000", key, "")
				if err != nil || v != fmt.Sprint(i*2) {
					t.Errorf("setting %s = %q, %v; want %q", key, v, err, fmt.Sprint(i*2))
				}
				if got[key] == 0 {
					t.Errorf("no id returned for %s", key)
				}
			}
		})
	}
}

// A row with a value too few is refused before anything is written.
func TestInsertRowsShortRow(t *testing.T) {
	db, clock := storetest.Open(t)
	ctx := context.Background()
	err := db.Synthetic(ctx, audit.System(), "settings", func(tx *sql.Tx) error {
		return db.InsertRows(ctx, tx, "settings", []string{"jurisdiction", "key", "value", "set_by", "set_at"},
			[][]any{{"650000", "a", "1", 1, clock.Now()}, {"650000", "b", "2", 1}}, "", nil)
	})
	if err == nil {
		t.Fatal("a short row was accepted")
	}
}

func TestSyntheticDSN(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"handover.db", "handover.db"},
		{"/tmp/scale.db", "/tmp/scale.db"},
		{"postgres://u@h:5432/d", "postgres://u@h:5432/d?synchronous_commit=off"},
		{"postgres://u@h/d?sslmode=disable&search_path=s1", "postgres://u@h/d?search_path=s1&sslmode=disable&synchronous_commit=off"},
		{"postgresql://h/d?synchronous_commit=on", "postgresql://h/d?synchronous_commit=off"},
	} {
		if got := store.SyntheticDSN(c.in); got != c.want {
			t.Errorf("SyntheticDSN(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

package store_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"handover/internal/problem"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// Reads sent together (readAll) see the writes queued before them, go to
// PostgreSQL in one round trip with those writes, and fail as a statement
// does: a queued write's refused check, a read's error and a row
// function's panic each fail the transaction, and the connection serves
// the next one.
func TestReadsGoWithQueuedWrites(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	wantTrips := 2 // SQLite: a statement each
	if db.Engine() == store.Postgres {
		wantTrips = 1
	}
	ok := func(t *testing.T, series string) {
		t.Helper()
		got, err := db.PipedReadsForTest(ctx, series, 1, "sequences", false)
		want := store.PipedReads{Value: 2, Count: 1, Rows: 2, Trips: wantTrips}
		if err != nil || got != want {
			t.Errorf("reads after a queued write: got %+v, %v; want %+v, no error", got, err, want)
		}
	}
	ok(t, "pipe/ok")

	tests := []struct {
		name      string
		want      int64  // the rows the queued write's check wants
		second    string // the table the second read reads
		panicking bool
		wantErr   string
		maxRows   int // the most rows the reads may have been given; -1: not checked (PostgreSQL has run the reads when a check refuses)
	}{
		{name: "a queued write's check refuses", want: 5, second: "sequences", wantErr: "updated 1 rows, want 5", maxRows: -1},
		{name: "a read cannot be prepared", want: 1, second: "no_such_table", wantErr: "no_such_table", maxRows: 1},
		// abs of the smallest integer overflows on both engines, on the
		// series' row alone (its value 2), when the read runs.
		{name: "a read fails as it runs", want: 1, second: "(SELECT name FROM sequences WHERE name LIKE 'pipe/%' AND abs(CAST(-9223372036854775806 AS BIGINT) - value) > 0) s",
			wantErr: "out of range|overflow", maxRows: 1},
		{name: "a row function panics", want: 1, second: "sequences", panicking: true, wantErr: "a row function failed", maxRows: -1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got store.PipedReads
			var err error
			func() {
				defer func() {
					if v := recover(); v != nil {
						err = fmt.Errorf("panic: %v", v)
					}
				}()
				got, err = db.PipedReadsForTest(ctx, fmt.Sprintf("pipe/%d", i), tt.want, tt.second, tt.panicking)
			}()
			if err == nil || !regexp.MustCompile(tt.wantErr).MatchString(err.Error()) {
				t.Errorf("got error %v, want one naming %q", err, tt.wantErr)
			}
			// A read that fails gives its function no row (PostgreSQL
			// prepares a batch's reads before it runs one: the first read
			// gets none either).
			if tt.maxRows >= 0 && got.Rows > tt.maxRows {
				t.Errorf("got %d rows given to the reads, want at most %d", got.Rows, tt.maxRows)
			}
			// The transaction was rolled back, and the connections serve
			// the next ones.
			for k := range 4 {
				ok(t, fmt.Sprintf("pipe/%d/after/%d", i, k))
			}
		})
	}
}

// An entry that reaches a unique index of the register book is refused as
// the conflict it is, on both engines, whether it was inserted for its id
// or queued with its id drawn beforehand (PostgreSQL), and leaves nothing.
func TestEntryReachingAnIndexIsAConflict(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	unit := x.contracts[0].UnitID
	before, err := x.db.UnitBook(ctx, unit)
	if err != nil {
		t.Fatal(err)
	}
	err = x.db.RecordTwiceForTest(ctx, unit, "652301")
	if got := problem.CodeOf(err); got != "register.conflict" {
		t.Errorf("a second first registration past the rules: got %q (%v), want register.conflict", got, err)
	}
	after, err := x.db.UnitBook(ctx, unit)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("the unit's book: got %d entries, want the %d before", len(after), len(before))
	}
}

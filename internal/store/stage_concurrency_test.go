package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"handover/internal/demo"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// A unit's kept stage holds when two transactions change its facts side
// by side on PostgreSQL: its sale cancelled while its building's
// completion is filed, in either order. The second to reach the unit
// waits for the first and reads what it committed; were it to read the
// facts as they stood when its statement began, the flat would keep
// 已竣工备案 with no sale (or 已网签 in a filed building).
func TestUnitStageKeptUnderConcurrentChanges(t *testing.T) {
	db, _ := storetest.Open(t)
	if db.Engine() != store.Postgres {
		t.Skip("SQLite runs one writer at a time: a unit's facts cannot change side by side")
	}
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	raw := db.SQLForTest()
	for i, first := range []string{"sale", "filing"} {
		t.Run(first+" first", func(t *testing.T) {
			p, units, contracts := signedProject(t, db, f, demo.Synthetic{Name: fmt.Sprintf("并发%d", i),
				Parcel: fmt.Sprintf("652301009002GB%05d", 91+i), LandCertNo: fmt.Sprintf("新(2024)昌吉市不动产权第00000%d号", 91+i),
				Plan: []demo.BuildingPlan{{Number: 1, Floors: 2, Sections: 1, PerSection: 2, Ratio: "0.190000"}}})
			var unit, building int64
			if err := raw.QueryRow(`SELECT c.unit_id, u.building_id FROM contracts c JOIN units u ON u.id = c.unit_id WHERE c.id = $1`,
				contracts[0]).Scan(&unit, &building); err != nil {
				t.Fatal(err)
			}
			var filing int64
			if err := raw.QueryRow(`INSERT INTO completion_filings (project_id, jurisdiction, number, filed_on, due_on, source, recorded_by, recorded_at)
				VALUES ($1, $2, $3, '2026-01-05', '2026-01-05', 'test', 0, $4) RETURNING id`,
				p.ID, p.Jurisdiction, fmt.Sprintf("并发-%d", i), time.Now()).Scan(&filing); err != nil {
				t.Fatal(err)
			}
			cancel := `UPDATE contracts SET state = 'cancelled' WHERE id = $1`
			file := `INSERT INTO completion_filing_buildings (filing_id, building_id) VALUES ($1, $2)`
			firstSQL, firstArgs, secondSQL, secondArgs := cancel, []any{contracts[0]}, file, []any{filing, building}
			if first == "filing" {
				firstSQL, firstArgs, secondSQL, secondArgs = file, []any{filing, building}, cancel, []any{contracts[0]}
			}
			tx1, err := raw.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx1.Rollback()
			if _, err := tx1.Exec(firstSQL, firstArgs...); err != nil {
				t.Fatal(err)
			}
			pid, done := make(chan int, 1), make(chan error, 1)
			go func() { done <- runWaiting(ctx, raw, pid, secondSQL, secondArgs) }()
			waitForLock(t, raw, <-pid)
			if err := tx1.Commit(); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			stages := map[int64]string{}
			rows, err := raw.Query(`SELECT id, stage FROM units WHERE building_id = $1`, building)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				var s string
				if err := rows.Scan(&id, &s); err != nil {
					t.Fatal(err)
				}
				stages[id] = s
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			// Every unit of the one building is sold (signedProject): all
			// are completed now but the one whose sale was cancelled.
			if len(stages) != len(units) {
				t.Fatalf("building %d holds %d units, want the project's %d", building, len(stages), len(units))
			}
			for _, u := range units {
				want := "completed"
				if u == unit {
					want = "unsold"
				}
				if got := stages[u]; got != want {
					t.Errorf("unit %d: kept stage %q, want %s", u, got, want)
				}
			}
			astray, err := db.StagesAstray(ctx)
			if err != nil || len(astray) != 0 {
				t.Errorf("units astray %+v (%v), want none", astray, err)
			}
		})
	}
}

// runWaiting runs one statement in a transaction of its own, reporting its
// connection's backend first, and commits.
func runWaiting(ctx context.Context, raw *sql.DB, pid chan<- int, text string, args []any) error {
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		pid <- 0
		return err
	}
	defer tx.Rollback()
	var p int
	if err := tx.QueryRow(`SELECT pg_backend_pid()`).Scan(&p); err != nil {
		pid <- 0
		return err
	}
	pid <- p
	if _, err := tx.Exec(text, args...); err != nil {
		return err
	}
	return tx.Commit()
}

// waitForLock returns once the backend pid waits for a lock.
func waitForLock(t *testing.T, raw *sql.DB, pid int) {
	t.Helper()
	if pid == 0 {
		t.Fatal("the second transaction did not start")
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var waiting bool
		if err := raw.QueryRow(`SELECT COALESCE(wait_event_type = 'Lock', false) FROM pg_stat_activity WHERE pid = $1`, pid).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			return
		}
	}
	t.Fatal("the second transaction never waited for the first")
}

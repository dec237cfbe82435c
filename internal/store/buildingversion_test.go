package store_test

import (
	"context"
	"sync"
	"testing"

	"handover/internal/demo"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// Contracts of one building filed at once each raise the building's
// version by exactly one: the 楼盘表's cache key counts every committed
// change, however the transactions interleave and commit (PostgreSQL runs
// them side by side; SQLite takes them as groups on its one writer).
func TestBuildingVersionCountsConcurrentFilings(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	_, units, contracts := signedProject(t, db, f, demo.Synthetic{Name: "开盘", Parcel: "652301009002GB00078",
		LandCertNo: "新(2024)昌吉市不动产权第0000078号", Plan: []demo.BuildingPlan{{Number: 1, Floors: 6, Sections: 1, PerSection: 4, Ratio: "0.190000"}}})
	ref, err := db.Unit(ctx, units[0])
	if err != nil {
		t.Fatal(err)
	}
	building := ref.Unit.BuildingID
	version := func() int64 {
		t.Helper()
		h, err := db.BuildingHead(ctx, building)
		if err != nil {
			t.Fatal(err)
		}
		return h.Version
	}
	before := version()
	const workers = 8
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(contracts); i += workers {
				if _, err := db.FileContract(ctx, actor(f, "kaifa"), contracts[i]); err != nil {
					t.Errorf("file contract %d: %v", contracts[i], err)
				}
			}
		}()
	}
	wg.Wait()
	if got, want := version()-before, int64(len(contracts)); got != want {
		t.Errorf("version rose by %d after %d filings, want %d", got, len(contracts), want)
	}
	if db.Engine() == store.Postgres {
		var shards int
		if err := db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM building_versions WHERE building_id = $1`, building).Scan(&shards); err != nil {
			t.Fatal(err)
		}
		if shards < 2 {
			t.Errorf("filings on %d connections bumped %d counter(s), want them spread over several", workers, shards)
		}
	}
}

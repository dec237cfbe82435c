package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"handover/internal/audit"
)

// BenchmarkFiling files signed contracts through the store from as many
// goroutines as -cpu × RunParallel gives, on the P1 fixture: the figure
// to profile (go test -bench Filing -cpuprofile) when a filing's own cost
// is in question. handover bench gives the ratio to the raw commit.
func BenchmarkFiling(b *testing.B) {
	ctx := context.Background()
	e, err := openSQLiteFiling(ctx, Config{Dir: b.TempDir(), Now: time.Now}, 30000)
	if err != nil {
		b.Fatal(err)
	}
	defer e.close()
	b.SetParallelism(16) // 32 clients on two cores, as P1
	groups0, members0 := e.db.GroupStats()
	fileInParallel(b, &e.filings)
	groups, members := e.db.GroupStats()
	b.ReportMetric(float64(members-members0)/float64(max(groups-groups0, 1)), "filings/commit")
}

// BenchmarkFilingPostgres files signed contracts on the P5 fixture from
// 8 goroutines, as P5 does, on the PostgreSQL server HANDOVER_BENCH_POSTGRES
// names: the figure to profile (go test -bench FilingPostgres
// -cpuprofile) when a filing's round trips or its Go side are in
// question. handover bench gives the ratio to the raw insert.
func BenchmarkFilingPostgres(b *testing.B) {
	url := os.Getenv("HANDOVER_BENCH_POSTGRES")
	if url == "" {
		b.Skip("HANDOVER_BENCH_POSTGRES names no PostgreSQL server")
	}
	ctx := context.Background()
	e, err := openPGFiling(ctx, Config{Postgres: url, Now: time.Now}, 10000)
	if err != nil {
		b.Fatal(err)
	}
	defer e.close()
	b.SetParallelism(4) // 8 workers on two cores, as P5
	fileInParallel(b, &e.filings)
}

// fileInParallel times filing b.N of f's contracts from RunParallel's
// goroutines.
func fileInParallel(b *testing.B, f *filings) {
	if left := len(f.sales.contracts) - int(f.next.Load()); b.N > left {
		b.Fatalf("%d filings asked, %d signed contracts left: use -benchtime Nx with a smaller N", b.N, left)
	}
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := f.file(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkBatchHandover runs the P2 fixture's batch handover of 2,000
// flats on a fresh copy per iteration, on every core as the batch runs:
// the figure to profile (go test -bench BatchHandover -cpuprofile) when
// the batch's own cost is in question. handover bench gives the ratio to
// its floor.
func BenchmarkBatchHandover(b *testing.B) {
	ctx, cfg, fx := handoverBench(b)
	b.ResetTimer() // the fixture is not the batch
	var statements int64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := filepath.Join(cfg.Dir, fmt.Sprintf("run%d.db", i))
		if err := copyFile(fx.snapshot, path); err != nil {
			b.Fatal(err)
		}
		db, err := openBatch(ctx, cfg, fx, path)
		if err != nil {
			b.Fatal(err)
		}
		_, before := db.WriteStats()
		b.StartTimer()
		if _, err := db.run(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_, after := db.WriteStats()
		statements += after - before
		db.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*fx.units), "µs/flat")
	b.ReportMetric(float64(statements)/float64(b.N*fx.units), "statements/flat")
}

// BenchmarkRegisterLog runs T1's round (logRound) on a fresh copy per
// iteration: the batch, untimed, then the register log taking its records
// in and a checkpoint signed, timed as T1 times them. To profile the log
// alone: go test -bench RegisterLog -cpuprofile F, then pprof -focus
// IntegrateLog. handover bench gives its ratio to the batch.
func BenchmarkRegisterLog(b *testing.B) {
	ctx, cfg, fx := handoverBench(b)
	var seconds float64
	leaves := 0
	for i := 0; i < b.N; i++ {
		path := filepath.Join(cfg.Dir, fmt.Sprintf("log%d.db", i))
		if err := copyFile(fx.snapshot, path); err != nil {
			b.Fatal(err)
		}
		_, log, n, err := logRound(ctx, cfg, fx, path, i+1)
		if err != nil {
			b.Fatal(err)
		}
		seconds, leaves = seconds+log.Seconds, leaves+n
	}
	b.ReportMetric(1e3*seconds/float64(b.N), "ms/log")
	b.ReportMetric(1e6*seconds/float64(max(leaves, 1)), "µs/leaf")
}

// BenchmarkVerifyLicence answers the public verification of P3's
// certificates through the store, in turn, on one goroutine: the figure to
// profile (go test -bench VerifyLicence -cpuprofile) when the store's share
// of a verification is in question. handover bench gives the ratio of the
// whole request over HTTP to raw SM2 verification.
func BenchmarkVerifyLicence(b *testing.B) {
	ctx, cfg, fx := handoverBench(b)
	db, err := handedOver(ctx, cfg, fx, filepath.Join(cfg.Dir, "verify.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	lookups, err := verifyLookups(ctx, db.DB, fx.event)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		l := lookups[i%len(lookups)]
		v, err := db.VerifyLicence(ctx, audit.Actor{Name: "匿名"}, l)
		if err != nil || v.Limited {
			b.Fatalf("VerifyLicence(%s) = limited %v, %v; want the full answer", l.Licence, v.Limited, err)
		}
	}
}

// BenchmarkBuildingTable reads the 楼盘表 of P6's building (200 flats)
// through the store, before and after the project's batch handover: the
// figure to profile when a table's rendering is in question (P6 renders
// it afresh at every version the batch makes).
func BenchmarkBuildingTable(b *testing.B) {
	ctx, cfg, fx := handoverBench(b)
	for _, c := range []struct {
		name    string
		handOff bool
	}{{"contracted", false}, {"handed_over", true}} {
		b.Run(c.name, func(b *testing.B) {
			path := filepath.Join(cfg.Dir, c.name+".db")
			var db *batchDB
			var err error
			if c.handOff {
				db, err = handedOver(ctx, cfg, fx, path)
			} else if err = copyFile(fx.snapshot, path); err == nil {
				db, err = openBatch(ctx, cfg, fx, path)
			}
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			for b.Loop() {
				t, err := db.BuildingTable(ctx, fx.building)
				if err != nil || t.Total != 200 {
					b.Fatalf("BuildingTable(%d) = %d units, %v; want 200", fx.building, t.Total, err)
				}
			}
		})
	}
}

// handoverBench prepares the P2 fixture (2,000 flats under filed
// contracts, ready for their batch handover) in the benchmark's temporary
// directory.
func handoverBench(b *testing.B) (context.Context, Config, *handoverFixture) {
	b.Helper()
	ctx := context.Background()
	cfg := Config{Dir: b.TempDir(), Now: time.Now}
	fx, err := prepareHandover(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	return ctx, cfg, fx
}

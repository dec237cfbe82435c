package bench

import (
	"context"
	"testing"
	"time"
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
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := e.file(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
	groups, members := e.db.GroupStats()
	b.ReportMetric(float64(members-members0)/float64(max(groups-groups0, 1)), "filings/commit")
}

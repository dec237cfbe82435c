package store_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/demo"
	"handover/internal/ledger"
	"handover/internal/store/storetest"
)

// BenchmarkImportLedger imports the demo's 2,016-unit workbook into a new
// project per iteration (handover bench reports the ratio to a raw insert).
func BenchmarkImportLedger(b *testing.B) {
	db, _ := storetest.Open(b)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		b.Fatal(err)
	}
	dev := actor(f, "kaifa")
	d := decimal.RequireFromString
	type job struct {
		id int64
		wb []byte
	}
	var jobs []job
	for i := 0; i < b.N; i++ {
		pl := demo.Plans()[0]
		pl.Parcel = fmt.Sprintf("652301004007GB%05d", 300+i)
		p, err := db.CreateProject(ctx, dev, ledger.Project{Name: fmt.Sprint("b", i), Developer: f.Orgs["dev1"].ID, Jurisdiction: "652301", Address: "x"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.PutParcel(ctx, dev, p.ID, ledger.Parcel{Code: pl.Parcel, Area: d("1"), Use: "住宅", RightNature: "出让",
			TermStart: calendar.MustDate("2024-01-01"), TermEnd: calendar.MustDate("2094-01-01"), GrantContract: "x", PremiumDue: d("1")}); err != nil {
			b.Fatal(err)
		}
		bs, fl, us := pl.Generate()
		raw, err := ledger.NewWorkbook(bs, fl, us)
		if err != nil {
			b.Fatal(err)
		}
		jobs = append(jobs, job{p.ID, raw})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		wb, errs := ledger.ReadWorkbook(context.Background(), bytes.NewReader(jobs[i].wb))
		res, err := db.ImportLedger(ctx, dev, jobs[i].id, "b.xlsx", wb, errs)
		if err != nil || !res.OK {
			b.Fatal(err, res.Errors)
		}
	}
	b.ReportMetric(float64(2016*b.N)/b.Elapsed().Seconds(), "units/s")
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"handover/internal/calendar"
	"handover/internal/demo"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/simulation"
	"handover/internal/store"
)

// simulateCmd plays a prefecture's year through the real store and rules
// and writes its report.
func simulateCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	name := fs.String("scenario", "on-time", "情景：on-time、realistic，或情景文件（JSON）的路径")
	projects := fs.Int("projects", 40, "项目数")
	flats := fs.Int("flats", 10000, "售出并交房的总户数")
	seed := fs.Uint64("seed", 1, "随机种子：同一种子、同一情景重跑结果相同")
	start := fs.String("start", "2026-01-05", "模拟年度的第一天")
	dir := fs.String("out", "", "报告目录（默认 simulation-情景名）：report.html 与 report.json")
	dsn := fs.String("db", "", "数据库：SQLite 文件或 postgres:// URL，须为空库（默认在报告目录新建 SQLite 文件 simulation.db）")
	check := fs.Bool("check", false, "报告未达到情景目标时以非零状态退出")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sc, err := simulation.Load(*name)
	if err != nil {
		return err
	}
	from, err := calendar.ParseDate(*start)
	if err != nil {
		return problem.Newf(problem.Invalid, "simulation.start", "--start 应为日期（如 2026-01-05）")
	}
	if *dir == "" {
		*dir = "simulation-" + sc.Name
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	if *dsn == "" {
		*dsn = filepath.Join(*dir, "simulation.db")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(*dsn + suffix); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	clock := demo.NewClock(timeNow)
	db, err := openDB(ctx, *dsn, clock.Now, true)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(out, "模拟情景 %s（%s）：%d 个项目、%d 户，种子 %d，数据库 %s（%s）……\n", sc.Name, sc.Title, *projects, *flats, *seed, describeDSN(*dsn), db.Engine())
	r, err := simulation.Run(ctx, db, simulation.Options{Scenario: sc, Projects: *projects, Flats: *flats, Seed: *seed, Start: from,
		Clock: clock.Set, Progress: out, Wall: timeNow, Hash: simulatedStaffHash})
	if err != nil {
		return err
	}
	if err := r.Write(*dir); err != nil {
		return err
	}
	fmt.Fprintln(out, r.Headline())
	fmt.Fprintf(out, "用时 %.0f 秒。报告：%s，%s\n", r.Seconds, filepath.Join(*dir, "report.html"), filepath.Join(*dir, "report.json"))
	if failed := r.Failed(); len(failed) > 0 {
		fmt.Fprintln(out, "未达到的目标：\n  "+strings.Join(failed, "\n  "))
		if *check {
			return problem.New(problem.Conflict, "simulation.targets", "模拟未达到情景目标")
		}
	}
	return nil
}

// simulatedStaffHash hashes the simulated staff's passwords: a simulation's
// database is a model to study, not a platform to log in to, and the
// default's memory-hard cost would spend most of a small run on the
// staff's accounts.
var simulatedStaffHash = identity.HashParams{Time: 1, Memory: 8 * 1024, Threads: 1}

// describeDSN names a database without its password.
func describeDSN(dsn string) string {
	if store.IsPostgresURL(dsn) {
		if i := strings.LastIndex(dsn, "@"); i >= 0 {
			return "postgres://…" + dsn[i:]
		}
	}
	return dsn
}

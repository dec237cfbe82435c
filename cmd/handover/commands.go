package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/bench"
	"handover/internal/calendar"
	"handover/internal/demo"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/registerlog"
	"handover/internal/server"
	"handover/internal/store"
)

func migrateCmd(ctx context.Context, args []string, out io.Writer) error {
	var c Config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	commonFlags(fs, &c)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := store.Open(ctx, c.DB, store.Options{Now: timeNow})
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	latest, _, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "已执行迁移 %v；数据库版本 %d（%s）\n", applied, latest, db.Engine())
	return nil
}

func demoCmd(ctx context.Context, args []string, out io.Writer) error {
	var c Config
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	commonFlags(fs, &c)
	scale := fs.Int("scale", 0, "add synthetic projects across the counties and parks until the platform holds about N units (e.g. 100000)")
	workers := fs.Int("workers", 0, "with --scale: projects built side by side (default 4 on PostgreSQL, 1 on SQLite, which writes one transaction at a time)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *scale < 0 || *scale > 2000000 {
		return fmt.Errorf("--scale 应在 0 到 2000000 之间")
	}
	// The demo's history and scale go through the platform's own paths:
	// they run with the collector's target serve sets.
	server.TuneGC()
	clock := demo.NewClock(timeNow)
	db, err := openDB(ctx, c.DB, clock.Now, true)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := loadDemo(ctx, db, clock, c, out); err != nil {
		return err
	}
	if *scale == 0 {
		return nil
	}
	f, err := demo.FoundationOf(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "正在生成规模测试数据，直至约 %d 户（销售批量写入，其余经业务流程办理）……\n", *scale)
	start := timeNow()
	opts := demo.ScaleOptions{Units: *scale, Clock: clock.Set, Out: out, Wall: timeNow, Workers: *workers}
	if opts.Workers == 0 && db.Engine() == store.Postgres {
		opts.Workers = 4
	}
	if opts.Workers > 1 || db.Engine() == store.Postgres {
		opts.OpenWorker = func(now func() time.Time) (*store.DB, error) {
			return store.Open(ctx, store.SyntheticDSN(c.DB), store.Options{Now: now, Keyring: db.Keyring()})
		}
	}
	res, err := demo.Scale(ctx, db, f, opts)
	if err != nil {
		return err
	}
	if err := db.Analyze(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "已新增 %d 个项目、%d 户（已售 %d 户，交房 %d 户），用时 %s。\n", res.Projects, res.Units, res.Sold, res.HandedOver, timeNow().Sub(start).Round(time.Second))
	printPhases(out, res.Phases)
	return nil
}

// printPhases prints where a scaled load spent its time, longest first.
func printPhases(out io.Writer, phases map[string]time.Duration) {
	names := slices.SortedFunc(maps.Keys(phases), func(a, b string) int { return cmp.Compare(phases[b], phases[a]) })
	fmt.Fprint(out, "各阶段用时：")
	for i, n := range names {
		if i > 0 {
			fmt.Fprint(out, "，")
		}
		fmt.Fprintf(out, "%s %s", n, phases[n].Round(100*time.Millisecond))
	}
	fmt.Fprintln(out, "。")
}

// cliActor is the audit actor of an administrative command: the operating
// system user at the console.
func cliActor() audit.Actor {
	name := os.Getenv("USER")
	if name == "" {
		name = "console"
	}
	return audit.Actor{Name: "命令行:" + name, Addr: "cli"}
}

func userCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("用法：handover user create --username U --name 姓名 --org ID --roles r1,r2 [--id-number 身份证号] --password P | list | passwd --username U --password P")
	}
	var c Config
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	commonFlags(fs, &c)
	username := fs.String("username", "", "username")
	name := fs.String("name", "", "姓名")
	org := fs.Int64("org", 0, "organisation id")
	roles := fs.String("roles", "", "comma-separated roles, e.g. acceptor,reviewer")
	idNumber := fs.String("id-number", "", "身份证号 (buyers)")
	password := fs.String("password", "", "password")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, c.DB, timeNow, false)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "create":
		var rs []identity.Role
		for _, s := range strings.Split(*roles, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			r, err := identity.ParseRole(s)
			if err != nil {
				return err
			}
			rs = append(rs, r)
		}
		u, err := db.CreateUser(ctx, cliActor(), store.NewUser{User: identity.User{Username: *username, Name: *name, OrgID: *org,
			Roles: rs, IDNumber: *idNumber}, Password: *password, Hash: c.Hash})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "已创建用户 %s（ID %d）\n", u.Username, u.ID)
	case "list":
		users, err := db.ListUsers(ctx, access.Filter{All: true}, store.UserQuery{})
		if err != nil {
			return err
		}
		for _, u := range users {
			var rs []string
			for _, r := range u.Roles {
				rs = append(rs, string(r))
			}
			fmt.Fprintf(out, "%6d  %-20s %-10s org=%d roles=%s disabled=%v\n", u.ID, u.Username, u.Name, u.OrgID, strings.Join(rs, ","), u.Disabled)
		}
	case "passwd":
		u, err := db.UserByName(ctx, *username)
		if err != nil {
			return err
		}
		if _, err := db.UpdateUser(ctx, cliActor(), u.ID, identity.UserChange{Password: *password, Unlock: true, Hash: c.Hash}); err != nil {
			return err
		}
		fmt.Fprintf(out, "已重置 %s 的密码并解锁\n", u.Username)
	default:
		return fmt.Errorf("未知子命令 user %s", args[0])
	}
	return nil
}

func tokenCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("用法：handover token create --user NAME [--name 用途] | list [--user NAME] | revoke ID")
	}
	var c Config
	fs := flag.NewFlagSet("token "+args[0], flag.ContinueOnError)
	commonFlags(fs, &c)
	user := fs.String("user", "", "username")
	name := fs.String("name", "", "用途")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, c.DB, timeNow, false)
	if err != nil {
		return err
	}
	defer db.Close()
	var uid int64
	if *user != "" {
		u, err := db.UserByName(ctx, *user)
		if err != nil {
			return err
		}
		uid = u.ID
	}
	switch args[0] {
	case "create":
		if uid == 0 {
			return problem.New(problem.Invalid, "token.user", "请用 --user 指定用户")
		}
		secret, t, err := db.CreateToken(ctx, cliActor(), uid, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "令牌 ID %d（%s）已创建。令牌只显示这一次，请妥善保存：\n%s\n", t.ID, t.Name, secret)
	case "list":
		ts, err := db.Tokens(ctx, uid)
		if err != nil {
			return err
		}
		for _, t := range ts {
			state := "有效"
			if !t.RevokedAt.IsZero() {
				state = "已吊销"
			}
			fmt.Fprintf(out, "%6d  %-20s %-16s %s…  %s\n", t.ID, t.Username, t.Name, t.Prefix, state)
		}
	case "revoke":
		if fs.NArg() != 1 {
			return fmt.Errorf("用法：handover token revoke ID")
		}
		var id int64
		if _, err := fmt.Sscan(fs.Arg(0), &id); err != nil {
			return fmt.Errorf("令牌ID应为整数")
		}
		if err := db.RevokeToken(ctx, cliActor(), id); err != nil {
			return err
		}
		fmt.Fprintf(out, "已吊销令牌 %d\n", id)
	default:
		return fmt.Errorf("未知子命令 token %s", args[0])
	}
	return nil
}

func calendarCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("用法：handover calendar load FILE | list")
	}
	var c Config
	fs := flag.NewFlagSet("calendar "+args[0], flag.ContinueOnError)
	commonFlags(fs, &c)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, c.DB, timeNow, false)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "load":
		if fs.NArg() != 1 {
			return fmt.Errorf("用法：handover calendar load FILE")
		}
		b, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return err
		}
		n, err := calendar.ParseNotice(string(b))
		if err != nil {
			return err
		}
		id, err := db.LoadNotice(ctx, cliActor(), n)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "已载入通知 %d：%s %d年“%s”，%d 项安排。运行中的服务一分钟内生效。\n", id, n.ScopeName, n.Year, n.Title, len(n.Rules))
	case "list":
		cal, err := db.Calendar(ctx)
		if err != nil {
			return err
		}
		for _, n := range cal.Notices() {
			fmt.Fprintf(out, "%s %-10s %d  %s（%d 项）\n", n.Scope, n.ScopeName, n.Year, n.Title, len(n.Rules))
		}
	default:
		return fmt.Errorf("未知子命令 calendar %s", args[0])
	}
	return nil
}

func auditCmd(ctx context.Context, args []string, out io.Writer) error {
	const use = "用法：handover audit verify [--checkpoint 检查点文件 …] [--db 数据库] | checkpoint [--db 数据库]（口令取自环境变量 HANDOVER_KEY_PASSPHRASE）"
	if len(args) == 0 || (args[0] != "verify" && args[0] != "checkpoint") {
		return fmt.Errorf("%s", use)
	}
	var c Config
	fs := flag.NewFlagSet("audit "+args[0], flag.ContinueOnError)
	commonFlags(fs, &c)
	var files checkpointFiles
	if args[0] == "verify" {
		fs.Var(&files, "checkpoint", "a signed checkpoint of the register log held outside the database (repeatable)")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, c.DB, timeNow, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "checkpoint" {
		return signCheckpoint(ctx, db, out)
	}
	tc, err := db.CheckTrail(ctx)
	if err != nil {
		return err
	}
	v := tc.Audit
	if b, broken := v.First(); broken {
		fmt.Fprintf(out, "审计链被篡改：已读 %d 条事件，%d 条链断裂；第一处：%s\n", v.Count, v.Breaks(), b)
		return fmt.Errorf("审计链在事件 #%d 处断裂", b.EventID)
	}
	fmt.Fprintf(out, "审计链完整：%d 条事件，%d 条链均与链头一致。\n", v.Count, audit.Lanes)
	if !tc.OK() {
		fmt.Fprintf(out, "登记簿与审计链不符：%s\n", tc.Problem())
		return fmt.Errorf("登记簿有 %d 条记载，与审计链不符", tc.RegisterEntries)
	}
	fmt.Fprintf(out, "登记簿 %d 条记载，均有审计事件。\n链头摘要 %s\n", tc.RegisterEntries, tc.Head())
	return verifyLog(ctx, db, files, out)
}

// checkpointFiles are the --checkpoint files given.
type checkpointFiles []string

func (f *checkpointFiles) String() string     { return strings.Join(*f, ",") }
func (f *checkpointFiles) Set(v string) error { *f = append(*f, v); return nil }

// verifyLog recomputes the register log from the records as they stand
// and checks it against each checkpoint held outside (the files), each a
// witness reported, and the platform's own newest signed checkpoint, its
// signature checked: a rewrite or truncation since any of them is named
// by the first size it fails. A leaf missing from the log, an old record
// the log never took in, and stored nodes that are not the records' fail
// too.
func verifyLog(ctx context.Context, db *store.DB, files []string, out io.Writer) error {
	var against []store.LabelledCheckpoint
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		c, err := db.OpenCheckpoint(ctx, b)
		if err != nil {
			return fmt.Errorf("%s：%w", f, err)
		}
		against = append(against, store.LabelledCheckpoint{Checkpoint: c, Label: f})
	}
	witnessed, err := db.WitnessedCheckpoints(ctx)
	if err != nil {
		return err
	}
	for _, c := range witnessed {
		against = append(against, store.LabelledCheckpoint{Checkpoint: c, Label: "见证方报送的检查点"})
	}
	if own, ok, err := db.LatestCheckpoint(ctx); err != nil {
		return err
	} else if ok {
		c, err := db.OpenCheckpoint(ctx, []byte(own.Note))
		if err != nil {
			return fmt.Errorf("平台最新签出的检查点（大小 %d）：%w", own.Size, err)
		}
		against = append(against, store.LabelledCheckpoint{Checkpoint: c, Label: "平台最新签出的检查点"})
	}
	check, err := db.VerifyLog(ctx, against)
	if err != nil {
		return err
	}
	var faults []string
	if check.Changed >= 0 {
		what := "内容与记入日志时不同"
		if check.Missing {
			what = "已不存在"
		}
		faults = append(faults, fmt.Sprintf("登记簿日志第 %d 个叶（%s #%d）%s", check.Changed, registerlog.KindLabel(check.ChangedKind), check.ChangedRecord, what))
	}
	if check.Gap >= 0 {
		faults = append(faults, fmt.Sprintf("登记簿日志缺少第 %d 个叶，其后未能核验", check.Gap))
	}
	if check.Unlogged > 0 {
		faults = append(faults, fmt.Sprintf("有 %d 条一小时前的记录从未记入登记簿日志（首条：%s），可能是事后补写", check.Unlogged, check.FirstUnlogged))
	}
	if check.StoredDiffers {
		faults = append(faults, "日志存储的节点哈希与由记录重算的根哈希不符，对外提供的证明不可信")
	}
	for _, f := range faults {
		fmt.Fprintf(out, "%s。\n", f)
	}
	if bad, found := check.FirstInconsistent(); found {
		fmt.Fprintf(out, "登记簿日志与检查点不一致：第一个不一致的大小为 %d（%s）：%s\n", bad.Size, bad.Label, bad.Why)
		return fmt.Errorf("登记簿日志与大小为 %d 的检查点不一致", bad.Size)
	}
	fmt.Fprintf(out, "登记簿日志：%d 个叶，根哈希 %s；与 %d 个检查点一致。\n", check.Size, audit.Hex(check.Root), len(check.Against))
	if len(faults) > 0 {
		return fmt.Errorf("登记簿日志不完整：%s", faults[0])
	}
	return nil
}

// signCheckpoint takes the records not yet in the register log in and
// signs a checkpoint now, printing the signed note to keep.
func signCheckpoint(ctx context.Context, db *store.DB, out io.Writer) error {
	if _, err := db.IntegrateLog(ctx); err != nil {
		return err
	}
	keys, err := db.UnlockKeys(ctx, keyPassphrase())
	if err != nil {
		return err
	}
	c, _, err := db.SignCheckpoint(ctx, keys)
	if err != nil {
		return err
	}
	fmt.Fprint(out, c.Note)
	return nil
}

func benchCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	dir := fs.String("dir", "bench-data", "scratch directory for the benchmark databases (not tmpfs)")
	rounds := fs.Int("rounds", 9, "interleaved rounds")
	window := fs.Duration("window", 1500*time.Millisecond, "window length")
	only := fs.String("only", "", "comma-separated scenarios to run")
	pg := fs.String("postgres", os.Getenv("HANDOVER_BENCH_POSTGRES"), "PostgreSQL URL for the PostgreSQL scenarios")
	output := fs.String("o", "bench-report.json", "report file")
	scaled := fs.String("scaled-db", "", "for P7: a copy of this SQLite database made by 'handover demo --scale N' instead of scaling afresh")
	scaledPG := fs.String("scaled-pg", os.Getenv("HANDOVER_BENCH_SCALED_PG"), "for P7_dashboard_pg: a postgres:// database made by 'handover demo --scale 1000000', read in place")
	pageLoad := fs.Float64("page-load", 0.5, "for P6: the offered rate as a share (0–1] of the page's saturation rate")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process for the whole run (fixtures included; P3's server child: HANDOVER_BENCH_SERVER_CPUPROFILE) to this file, for 'go tool pprof'")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		stop, err := bench.ProfileCPU(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	var names []string
	if *only != "" {
		for _, n := range strings.Split(*only, ",") {
			names = append(names, strings.TrimSpace(n))
		}
	}
	rep, err := bench.Run(ctx, bench.Config{Dir: *dir, Rounds: *rounds, Window: *window, Postgres: *pg, Only: names, Log: out, Now: timeNow, ScaledDB: *scaled, ScaledPG: *scaledPG, PageLoad: *pageLoad})
	if err != nil {
		return err
	}
	f, err := os.Create(*output)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := rep.WriteJSON(f); err != nil {
		return err
	}
	fmt.Fprintf(out, "报告已写入 %s：全部达标=%v，结论可靠=%v\n", *output, rep.AllPass, rep.Conclusive)
	return nil
}

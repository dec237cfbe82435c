// Command handover runs the 交房即交证 platform: the web application, the
// JSON API and the background worker (serve), and the administrative
// commands around them.
//
//	handover serve [--addr 127.0.0.1:8080] [--db ./handover.db | postgres://…] [--demo]
//	handover migrate
//	handover demo
//	handover user create|list|passwd …
//	handover token create --user NAME [--name LABEL] | list | revoke ID
//	handover calendar load FILE | list
//	handover audit verify
//	handover backup FILE [--force]
//	handover keys create --jurisdiction 652301 | list | export --id N
//	handover verify FILE [--authority PEM]
//	handover batch run --event N
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"handover/internal/bench"
	"handover/internal/demo"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
	"handover/internal/web"
)

// Config is the platform's configuration from flags and environment.
type Config struct {
	Addr          string
	DB            string
	BaseURL       string
	SecureCookies bool
	MetricsToken  string
	Proxies       []netip.Prefix
	PublicLimit   web.PublicLimit
	LogLevel      slog.Level
	Hash          identity.HashParams
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// commonFlags registers the flags every command shares.
func commonFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.DB, "db", env("HANDOVER_DB", "handover.db"), "SQLite file path or postgres:// URL (env HANDOVER_DB)")
	c.Hash = identity.DefaultHashParams
}

const usage = `handover — 交房即交证 一窗办事平台

用法：
  handover serve     [--addr HOST:PORT] [--db PATH|URL] [--demo]   启动网页、接口与后台任务
  handover migrate   [--db …]                                      只执行数据库迁移
  handover demo      [--db …]                                      载入演示州（昌吉州）数据
  handover user      create|list|passwd …                          用户管理
  handover token     create --user NAME [--name 用途] | list | revoke ID   接口令牌
  handover calendar  load FILE | list                              节假日通知
  handover audit     verify [--checkpoint 文件]…                   校验审计链与登记簿；重算登记簿日志并与所持检查点核对
  handover audit     checkpoint                                    登记簿日志记入新记录并立即签出检查点（口令：HANDOVER_KEY_PASSPHRASE）
  handover backup    文件 [--force]                                SQLite 在线备份并校验副本（PostgreSQL 用 pg_dump，见 docs/backup.md）
  handover keys      create --jurisdiction 652301 | list | export --id N   登记机构SM2签名密钥（口令：HANDOVER_KEY_PASSPHRASE）
  handover personal  rotate | reseal [--batch 1000]                个人信息加密：轮换数据密钥并分批重新加密（可中断续办）；口令：HANDOVER_KEY_PASSPHRASE
  handover verify    文件 [--authority 证书.pem]                   离线校验导出的电子证照
  handover batch    run --event N                                 运行交房批量办理（显示进度，可中断续办）
  handover version                                                 版本：源码修订、构建时间、Go 版本、数据库版本
  handover simulate  [--scenario on-time|realistic|文件] [--projects 40] [--flats 10000] [--seed 1] [--out 目录] [--check]   模拟全州一年的交房发证并出报告
  handover bench     [--rounds 9] [--window 1.5s] [--only a,b] [-o report.json]   基准测试（与同次运行的原始探针之比）

环境变量：HANDOVER_ADDR、HANDOVER_DB、HANDOVER_BASE_URL、HANDOVER_SECURE_COOKIES=1、HANDOVER_METRICS_TOKEN（/metrics 所需令牌；未设置时只对本机开放）、
          HANDOVER_TRUSTED_PROXIES（可信反向代理的地址或网段，逗号分隔：只采信它们转发的 X-Forwarded-For）、HANDOVER_LOG_LEVEL=debug|info|warn|error、
          HANDOVER_KEY_PASSPHRASE（解锁签名密钥与个人信息加密密钥，新库以其生成个人信息密钥；演示库缺省为演示口令）
`

func main() {
	bench.ServeChild() // returns unless this process is the bench's server child
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1], os.Args[2:], os.Stdout)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "handover:", describe(err))
		os.Exit(1)
	}
}

// describe renders an error for the terminal, with field and rule details.
func describe(err error) string {
	var e *problem.Error
	if !errors.As(err, &e) || e.Kind == problem.Internal {
		return err.Error()
	}
	s := e.Message + " [" + e.Code + "]"
	for k, v := range e.Fields {
		s += "\n  " + k + ": " + v
	}
	for _, r := range e.Reasons {
		s += "\n  - " + r.Message
		if r.Subject != "" {
			s += " (" + r.Subject + ")"
		}
	}
	return s
}

func run(ctx context.Context, cmd string, args []string, out io.Writer) error {
	switch cmd {
	case "serve":
		return serve(ctx, args, out)
	case "migrate":
		return migrateCmd(ctx, args, out)
	case "demo":
		return demoCmd(ctx, args, out)
	case "user":
		return userCmd(ctx, args, out)
	case "token":
		return tokenCmd(ctx, args, out)
	case "calendar":
		return calendarCmd(ctx, args, out)
	case "audit":
		return auditCmd(ctx, args, out)
	case "backup":
		return backupCmd(ctx, args, out)
	case "bench":
		return benchCmd(ctx, args, out)
	case "simulate":
		return simulateCmd(ctx, args, out)
	case "keys":
		return keysCmd(ctx, args, out)
	case "personal":
		return personalCmd(ctx, args, out)
	case "verify":
		return verifyCmd(ctx, args, out)
	case "batch", "handover": // "handover handover run" is the old name, kept for scripts
		return batchCmd(ctx, args, out)
	case "version", "--version":
		return versionCmd(out)
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
		return nil
	}
	return fmt.Errorf("未知命令 %q\n%s", cmd, usage)
}

func newLogger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// openDB opens and migrates the database, on the given clock, with the
// keys of personal information unlocked by HANDOVER_KEY_PASSPHRASE (made
// with it on a database that has none). Without it: a command that loads
// the demo makes a new database's keys with the demo's passphrase, and any
// command opens a database whose keys are the demo's with it (saying so
// on stderr when it is not loading the demo); any other database stays
// locked, and so does one whose keys the passphrase does not open (the
// signing keys may be under another), and whatever reads an ID number is
// refused with the reason.
func openDB(ctx context.Context, dsn string, now func() time.Time, withDemo bool) (*store.DB, error) {
	pass := keyPassphrase()
	db, err := store.Open(ctx, dsn, store.Options{Now: now, Passphrase: pass})
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil && problem.CodeOf(err) != "personal.locked" {
		db.Close()
		return nil, err
	}
	if len(pass) > 0 || db.PersonalUnlocked() {
		return db, nil
	}
	if withDemo {
		err = db.MakeDemoKeys(ctx, []byte(demo.KeyPassphrase))
	} else if err = db.UnlockPersonal(ctx, []byte(demo.KeyPassphrase)); err == nil {
		fmt.Fprintln(os.Stderr, "注意：个人信息密钥以演示口令解锁（演示库）；正式库请设置 HANDOVER_KEY_PASSPHRASE")
	}
	if err != nil && problem.CodeOf(err) != "personal.locked" && problem.CodeOf(err) != "personal.no_key" {
		db.Close()
		return nil, err
	}
	return db, nil
}

// timeNow is the wall clock; only cmd/ reads it.
func timeNow() time.Time { return time.Now() }

// versionCmd prints what this binary is: the source revision and time it
// was built from (and whether the tree had uncommitted changes), the Go
// release, and the database schema version it expects.
func versionCmd(out io.Writer) error {
	rev, at, modified := "（构建时未记录源码修订：go build -buildvcs=true）", "", false
	goVersion := runtime.Version()
	if info, ok := debug.ReadBuildInfo(); ok {
		goVersion = info.GoVersion
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	line := "handover " + rev
	if at != "" {
		line += " (" + at + ")"
	}
	if modified {
		line += " +未提交的修改"
	}
	fmt.Fprintf(out, "%s\n%s，数据库版本 %d\n", line, goVersion, store.SchemaVersion())
	return nil
}

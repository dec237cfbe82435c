package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"handover/internal/audit"
	"handover/internal/problem"
	"handover/internal/store"
)

// backupCmd writes a checked copy of the SQLite database while the server
// runs (store.DB.Backup). It neither creates nor migrates the database: a
// backup copies what is there, and a newer binary must not migrate the
// database of an older server that is still running.
func backupCmd(ctx context.Context, args []string, out io.Writer) error {
	var c Config
	flags := flag.NewFlagSet("backup", flag.ContinueOnError)
	commonFlags(flags, &c)
	force := flags.Bool("force", false, "overwrite an existing FILE")
	files, err := parsePositional(flags, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return fmt.Errorf("用法：handover backup 文件 [--db 数据库文件] [--force]")
	}
	if store.IsPostgresURL(c.DB) {
		return problem.New(problem.Invalid, "backup.postgres",
			"PostgreSQL 数据库不由 handover backup 备份：请用 pg_dump -Fc 导出（例如 pg_dump -Fc --file=handover.dump --dbname=\"$HANDOVER_DB\"），"+
				"恢复时用 pg_restore 导入空库，再运行 handover audit verify 校验；步骤见 docs/backup.md")
	}
	path := store.SQLitePath(c.DB)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return problem.New(problem.NotFound, "backup.no_database", fmt.Sprintf("数据库文件 %s 不存在（用 --db 或 HANDOVER_DB 指定）", path))
	}
	db, err := store.Open(ctx, c.DB, store.Options{Now: timeNow})
	if err != nil {
		return err
	}
	defer db.Close()
	b, err := db.Backup(ctx, files[0], *force)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "已写入备份 %s：%s（%d 字节），完整性检查 %s。\n", b.Path, size(b.Bytes), b.Bytes, b.Integrity)
	fmt.Fprintf(out, "登记簿 %d 条记载，均有审计事件；审计事件 %d 条，%d 条链均与链头一致。\n", b.RegisterEntries, b.Audit.Count, audit.Lanes)
	fmt.Fprintf(out, "链头摘要 %s（由此备份恢复后，handover audit verify 应显示同一摘要）\n", b.Head())
	return nil
}

// parsePositional parses flags that may come before or after the
// positional arguments, and returns the positional ones.
func parsePositional(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	return pos, nil
}

// size renders a byte count for people.
func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

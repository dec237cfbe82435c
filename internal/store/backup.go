package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"handover/internal/problem"
)

// Backup is what DB.Backup wrote and found in the copy.
type Backup struct {
	Path      string // the backup file, absolute
	Bytes     int64
	Integrity string // PRAGMA integrity_check on the copy: "ok"
	TrailCheck
}

// Backup writes a consistent copy of the SQLite database to path while the
// platform keeps serving, and checks the copy before it takes path's name.
//
// The copy is made with VACUUM INTO: one statement in one read
// transaction, so the copy is the database as of one commit, whatever the
// writers do meanwhile (in WAL mode they are not held up). SQLite's online
// backup API gives the same snapshot only when it copies in a single step;
// copied in steps it starts over whenever another connection writes, and it
// needs the driver's own connection type where VACUUM INTO is plain SQL on
// the pool. VACUUM INTO also leaves the copy without free pages.
//
// The copy is written to a new file beside path (the same file system, so
// the rename is atomic), synced to disk (VACUUM INTO does not sync its
// output), opened read-only and checked: PRAGMA integrity_check, the audit
// chain against its lane heads and the register book against the trail
// (CheckTrail). Only a copy that passes is renamed to path, and the directory
// synced; on any failure the new file is removed, so a failed backup leaves
// nothing behind and an older backup at path is untouched. An existing
// path is refused unless overwrite; the database's own file always is.
//
// PostgreSQL is backed up with pg_dump (docs/backup.md); Backup refuses it.
func (db *DB) Backup(ctx context.Context, path string, overwrite bool) (Backup, error) {
	if db.engine != SQLite {
		return Backup{}, errors.New("store.Backup: SQLite only; PostgreSQL is backed up with pg_dump -Fc")
	}
	if path == "" {
		return Backup{}, problem.New(problem.Invalid, "backup.path", "请指定备份文件的路径")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return Backup{}, err
	}
	if err := db.checkBackupPath(abs, overwrite); err != nil {
		return Backup{}, err
	}
	if err := db.checkSchema(ctx); err != nil {
		return Backup{}, err
	}
	tmp, err := newPartial(abs)
	if err != nil {
		return Backup{}, err
	}
	done := false
	defer func() {
		if !done {
			removeCopy(tmp)
		}
	}()
	b, err := db.copyChecked(ctx, tmp)
	if err != nil {
		return Backup{}, err
	}
	if !overwrite {
		// Checked again just before the rename, which would replace a file
		// made meanwhile without a word.
		if _, err := os.Lstat(abs); err == nil {
			return Backup{}, existsError(abs)
		}
	}
	if err := os.Rename(tmp, abs); err != nil {
		return Backup{}, fmt.Errorf("rename the checked copy to %s: %w", abs, err)
	}
	done = true
	if err := syncFile(filepath.Dir(abs)); err != nil {
		return Backup{}, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return Backup{}, err
	}
	b.Path, b.Bytes = abs, fi.Size()
	return b, nil
}

// newPartial creates the empty file beside abs that the copy is written
// to: VACUUM INTO accepts an empty file, and CreateTemp makes it readable
// by its owner only (a backup holds buyers' identity numbers).
func newPartial(abs string) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(abs), filepath.Base(abs)+".partial-*")
	if errors.Is(err, fs.ErrNotExist) {
		return "", problem.New(problem.Invalid, "backup.dir", fmt.Sprintf("备份文件所在的目录 %s 不存在", filepath.Dir(abs)))
	}
	if err != nil {
		return "", fmt.Errorf("create the backup file: %w", err)
	}
	return tmp.Name(), tmp.Close()
}

// copyChecked copies the database into the empty file tmp, syncs it, and
// checks the copy; an error means the copy must not be kept.
func (db *DB) copyChecked(ctx context.Context, tmp string) (Backup, error) {
	if _, err := db.sql.ExecContext(ctx, `VACUUM INTO $1`, tmp); err != nil {
		return Backup{}, fmt.Errorf("copy the database: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return Backup{}, err
	}
	b, err := checkCopy(ctx, tmp)
	if err != nil {
		return Backup{}, err
	}
	if b.Integrity != "ok" {
		return Backup{}, fmt.Errorf("备份副本未通过 PRAGMA integrity_check，未予保留：%s", b.Integrity)
	}
	if !b.OK() {
		return Backup{}, fmt.Errorf("备份副本校验不通过，未予保留：%s", b.Problem())
	}
	return b, nil
}

// checkBackupPath refuses a path that is a directory, the database itself,
// or (without overwrite) any existing file.
func (db *DB) checkBackupPath(abs string, overwrite bool) error {
	fi, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("backup path: %w", err)
	}
	if fi.IsDir() {
		return problem.New(problem.Invalid, "backup.path", fmt.Sprintf("%s 是目录，请给出备份文件的路径", abs))
	}
	if src, err := os.Stat(db.path); err == nil && os.SameFile(fi, src) {
		return problem.New(problem.Invalid, "backup.path", fmt.Sprintf("%s 是正在备份的数据库本身，不能覆盖", abs))
	}
	if !overwrite {
		return existsError(abs)
	}
	return nil
}

func existsError(abs string) error {
	return problem.New(problem.Conflict, "backup.exists", fmt.Sprintf("%s 已存在；要覆盖请加 --force", abs))
}

// checkSchema makes sure the database is the platform's, so that copying a
// stray file does not end in a puzzling "no such table".
func (db *DB) checkSchema(ctx context.Context) error {
	_, applied, err := db.MigrationStatus(ctx)
	if err != nil || applied == 0 {
		return problem.New(problem.Invalid, "backup.not_database", fmt.Sprintf("%s 不是已初始化的 handover 数据库", db.path))
	}
	return nil
}

// checkCopy opens the copy read-only, as immutable (nothing else has it
// open, and so SQLite makes no -wal or -shm file beside it), and runs the
// checks.
func checkCopy(ctx context.Context, path string) (Backup, error) {
	pool, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&immutable=1")
	if err != nil {
		return Backup{}, err
	}
	c := &DB{sql: pool, engine: SQLite, path: path}
	defer c.Close()
	var b Backup
	if b.Integrity, err = c.IntegrityCheck(ctx); err != nil {
		return Backup{}, fmt.Errorf("check the copy: %w", err)
	}
	if b.TrailCheck, err = c.CheckTrail(ctx); err != nil {
		return Backup{}, fmt.Errorf("verify the copy: %w", err)
	}
	return b, nil
}

// syncFile flushes a file or a directory (after a rename) to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// removeCopy removes an unfinished copy and any journal SQLite left beside it.
func removeCopy(path string) {
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}

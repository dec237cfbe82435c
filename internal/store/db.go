// Package store holds all SQL of the platform. One concrete type, *DB, runs
// the same hand-written statements on an embedded SQLite file
// (modernc.org/sqlite) and on PostgreSQL (pgx through database/sql); the few
// places where the engines differ branch on db.engine. Each exported method
// is one transaction: it loads the domain records, lets the domain type
// decide, writes the change and its audit events, and commits — or leaves
// nothing behind.
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/code"
	"handover/internal/personal"
	"handover/internal/priority"
	"handover/internal/problem"
	"handover/internal/registry"
)

// Engine is the database engine behind a DB.
type Engine int

const (
	SQLite Engine = iota + 1
	Postgres
)

func (e Engine) String() string {
	if e == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is the platform's database.
type DB struct {
	sql    *sql.DB
	engine Engine
	// path is the SQLite database file ("" on PostgreSQL): a backup must
	// never be written over it.
	path   string
	now    func() time.Time
	stmts  sync.Map // query text → *sql.Stmt (SQLite only)
	nstmts atomic.Int64
	heads  auditHeads // the audit lanes' heads this process last wrote
	// writer runs every write transaction on SQLite, committing those that
	// wait together in one durable commit (group.go); nil on PostgreSQL.
	// Waiting for it holds no connection, so a transaction that needs a
	// second connection (to prepare a statement) always finds one, and
	// writers never spin in SQLite's busy handler against each other.
	writer *writer
	// identityGen counts committed changes to users, roles, organisations
	// and tokens made through this DB, so that caches of principals can
	// tell when they are stale.
	identityGen atomic.Int64
	// gens follows the database's generations, moved by any writer
	// (generations.go).
	gens generations
	// commits and committed count write transactions and the statements
	// they ran, for WriteStats.
	commits, committed atomic.Int64
	// trips counts the round trips of those statements (RoundTrips).
	trips atomic.Int64
	// retries counts transactions run again after the engine could not
	// serialise them, by cause (Retries).
	retries [retryCauses]atomic.Int64
	// authorities caches the authorities' parsed certificates by key id,
	// for verification.
	authorities certificate.Authorities
	// changes counts committed domain changes (and refused attempts), so
	// that the worker evaluates the alerts soon after anything moved.
	changes atomic.Int64
	// hashing holds a slot for each password being checked: at most one
	// core fewer than the machine has (at least one), so that failing
	// logins, however many, leave a core to the other requests
	// (checkPassword).
	hashing chan struct{}
	// checkKept: Options.CheckKept.
	checkKept bool
	log       *slog.Logger

	// personal seals and opens personal information (sealed.go); nil
	// while locked. passphrase unlocks it in Migrate.
	personal   atomic.Pointer[personal.Keyring]
	passphrase []byte
	keyCost    personal.Cost

	// foreground is the gate of the requests this process serves, which
	// its long background work gives way to (GiveWayTo); nil in a process
	// that serves none.
	foreground *priority.Gate
}

// GiveWayTo makes this DB's long background work — the handover batch —
// give way to the requests counted by g: it runs in small steps while
// they keep coming and waits between steps while any is in progress (see
// package priority). Call it before any such work starts (the field is
// not synchronised); serve passes the gate of its HTTP server. A batch run
// by another process (the command line's handover run) does not see this
// server's requests and does not give way.
func (db *DB) GiveWayTo(g *priority.Gate) { db.foreground = g }

// WriteStats reports how many write transactions this DB has committed and
// how many statements they ran in all: the tests bound statements per
// domain action, and the benchmarks report them.
func (db *DB) WriteStats() (commits, statements int64) {
	return db.commits.Load(), db.committed.Load()
}

// RoundTrips reports how many round trips to the database the statements
// of the committed write transactions took: a statement alone is one, and
// so is a pipeline of statements (execPiped, PostgreSQL). On SQLite it is
// the number of statements.
func (db *DB) RoundTrips() int64 { return db.trips.Load() }

// Retries counts the attempts of transactions this DB lost because the
// engine could not serialise them (each is run again, up to maxAttempts): PostgreSQL deadlocks (40P01) and serialisation
// failures (40001), SQLite busy. A deadlock is a defect of lock order,
// never load: operators watch it on /metrics and the concurrency tests
// want none.
type Retries struct {
	Deadlock, Serialization, Busy int64
}

const (
	retryDeadlock = iota
	retrySerialization
	retryBusy
	retryCauses
)

// Retries reports the retries counted since the DB was opened.
func (db *DB) Retries() Retries {
	return Retries{Deadlock: db.retries[retryDeadlock].Load(), Serialization: db.retries[retrySerialization].Load(),
		Busy: db.retries[retryBusy].Load()}
}

// IdentityGeneration moves at the commit of every identity change made
// through this process, and when WatchGenerations sees the database's
// generations move (a change by another server or process); a principal
// or token cached at an older generation must be read again.
func (db *DB) IdentityGeneration() int64 { return db.identityGen.Load() + db.gens.identityMoved.Load() }

// Options configure Open.
type Options struct {
	// Now is the clock; every transaction reads it once. Required.
	Now func() time.Time
	// MaxConns bounds the connection pool (0: engine default).
	MaxConns int
	// Log receives what the store cannot return to a caller (nil: discarded).
	Log *slog.Logger
	// Passphrase unlocks the keys that seal personal information, when
	// Migrate has run; on a database without them Migrate makes them with
	// it, at KeyCost (zero: personal.DefaultCost). Without it (or Keyring)
	// whatever reads or writes an ID number or a phone number is refused
	// with personal.locked.
	Passphrase []byte
	KeyCost    personal.Cost
	// Keyring is the unlocked keyring of another handle on the same
	// database (a worker's), used as it is.
	Keyring *personal.Keyring
	// CheckKept makes every fact a transaction keeps instead of reading
	// it again (a register book, Tx.book; a filed contract, Tx.contract;
	// an application the batch recorded, Tx.signable; a fresh entry's
	// missing certificate, certificateFor; a chunk's units, keepRefs) be
	// compared with the same fact read afresh, each time it is used; a
	// difference fails the transaction. The tests set it: it doubles the
	// reads it checks.
	CheckKept bool
}

// sqlitePragmas: WAL for concurrent readers, a page cache of 32 MiB per
// connection, a busy timeout instead of SQLITE_BUSY, FULL sync because an
// acknowledged registration must survive a power cut, foreign keys on, and
// BEGIN IMMEDIATE so that a transaction that reads then writes takes the
// write lock up front instead of failing.
//
// The cache: a list search at a prefecture's volume reads a county's
// contracts with their flats and buildings (some 20 MiB of pages). In the
// default 2 MiB the connections of one process share a page pool and evict
// one another's pages, and every search read its pages from the operating
// system again: 130 ms instead of 10 ms at 100,000 flats. Nine connections
// (eight readers and the writer) hold at most 288 MiB.
//
// temp_store(MEMORY): a write on SQLite that shares the writer's group
// runs in a savepoint of its own (group.go), and a savepoint keeps the
// pages it changes in a sub-journal. On a file that was a write system call per page changed:
// a quarter of a filing's CPU, gone in memory. The sub-journal only lives
// until its transaction ends; temporary sorts of large reads use memory too.
const sqlitePragmas = "_pragma=journal_mode(WAL)&_pragma=cache_size(-32768)&_pragma=temp_store(MEMORY)&_pragma=busy_timeout(5000)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate&_time_format=sqlite"

// IsPostgresURL reports whether dsn names a PostgreSQL database.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// SQLitePath is the file a SQLite dsn names: the path without a "file:"
// prefix or a query (Open sets the connection's options itself).
func SQLitePath(dsn string) string {
	path := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path
}

// PostgresSession is a postgres:// URL with the session settings the
// platform's connections run with, unless the URL sets them itself:
// jit off. PostgreSQL compiles a statement whose planned cost is high
// (the dashboard's aggregates over every unit of the prefecture) before
// running it, which took longer than the statement itself: 1.3 s against
// 0.35 s for the units by stage at 100,000 units. The platform runs no
// statement long enough to gain from it. A raw baseline connects with the
// same settings, as it uses the same pragmas on SQLite.
func PostgresSession(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	if q.Get("jit") == "" {
		q.Set("jit", "off")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Open connects to dsn — a SQLite file path or a postgres:// URL — and
// checks the connection. It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if opts.Now == nil {
		return nil, errors.New("store.Open: Options.Now is required")
	}
	db := &DB{now: opts.Now, log: opts.Log, hashing: make(chan struct{}, max(1, runtime.NumCPU()-1)),
		passphrase: opts.Passphrase, keyCost: opts.KeyCost, checkKept: opts.CheckKept}
	db.personal.Store(opts.Keyring)
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if IsPostgresURL(dsn) {
		db.engine = Postgres
		db.sql, err = sql.Open("pgx", PostgresSession(dsn))
		if err == nil {
			n := opts.MaxConns
			if n == 0 {
				n = 20
			}
			db.sql.SetMaxOpenConns(n)
			db.sql.SetMaxIdleConns(n)
		}
	} else {
		db.engine = SQLite
		path := SQLitePath(dsn)
		db.path = path
		db.sql, err = sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+sqlitePragmas)
		if err == nil {
			n := opts.MaxConns
			if n == 0 {
				n = 8
			}
			db.sql.SetMaxOpenConns(n)
			db.sql.SetMaxIdleConns(n)
			db.sql.SetConnMaxIdleTime(0)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := db.sql.PingContext(ctx); err != nil {
		db.sql.Close()
		return nil, fmt.Errorf("connect to %s database: %w", db.engine, err)
	}
	if db.engine == SQLite {
		db.writer = startWriter(db)
	}
	return db, nil
}

// Close stops the writer (it finishes the group it runs and refuses what
// still waits), then releases the prepared statements and the connections.
func (db *DB) Close() error {
	if db.writer != nil {
		db.writer.stop()
	}
	db.stmts.Range(func(_, s any) bool { s.(*sql.Stmt).Close(); return true })
	return db.sql.Close()
}

// Engine reports the engine.
func (db *DB) Engine() Engine { return db.engine }

// Now is the store's clock, truncated to the microsecond both engines keep.
func (db *DB) Now() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

// Ping checks the connection.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// forUpdate locks the selected rows until commit on PostgreSQL. SQLite
// needs nothing: BEGIN IMMEDIATE already holds the only write lock.
func (db *DB) forUpdate() string {
	if db.engine == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// forUpdateSkipLocked locks the rows read until commit, leaving out those
// another transaction holds (PostgreSQL): work queues taken by several
// servers at once. SQLite has one writer, so nothing is held.
func (db *DB) forUpdateSkipLocked() string {
	if db.engine == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// forUpdateOf locks only the rows of table alias t (PostgreSQL refuses to
// lock the nullable side of an outer join).
func (db *DB) forUpdateOf(t string) string {
	if db.engine == Postgres {
		return " FOR UPDATE OF " + t
	}
	return ""
}

// forUpdateOfSkipLocked locks the rows of the named table aliases read
// until commit, leaving out every row for which another transaction holds
// any of them (PostgreSQL).
func (db *DB) forUpdateOfSkipLocked(tables ...string) string {
	if db.engine == Postgres {
		return " FOR UPDATE OF " + strings.Join(tables, ", ") + " SKIP LOCKED"
	}
	return ""
}

// skipLocked makes a row-locking subquery pass over rows other
// transactions hold (PostgreSQL; SQLite has one writer at a time).
func (db *DB) skipLocked() string {
	if db.engine == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// Tx is one transaction. now is read once when it begins; audit events are
// queued and written, hash-chained, just before commit.
type Tx struct {
	tx *sql.Tx
	// conn is the connection tx runs on, whose statements execPiped
	// pipelines (PostgreSQL); nil on SQLite.
	conn   *sql.Conn
	pipe   []pipedStmt
	trips  int // round trips of its statements, for RoundTrips
	db     *DB
	now    time.Time
	actor  audit.Actor
	events []audit.Event
	outbox []outboxEvent
	// steps are the services' steps (service_steps rows) this
	// transaction took, in order (flushSteps)
	steps [][]any
	// units and buildings whose 楼盘表 changed (flushTouches)
	touchedUnits, touchedBuildings []int64
	// facts read once per transaction (readOnce)
	known txKnown
	stmts int // statements run, for the tests that bound them
	// attempt is what the transaction attempts, for recording a refusal
	attempt attempt
	// group: the transaction is a member of a SQLite group commit, whose
	// statements must not be interrupted by the member's cancelled context
	// (SQLite rolls back the whole transaction on an interrupted write).
	group bool
	// drawsMany: the transaction draws numbers of a series ahead, several
	// at a time (drawAhead), and puts back those it did not use (a batch
	// chunk).
	drawsMany bool
	// later holds rows queued for insertion (insertLater); unsettled is
	// the error of writing them (or of making the cancellations queued),
	// which fails the commit.
	later     []laterRows
	unsettled error
	// cancels are the certificates' cancellations queued
	// (cancelCertificates)
	cancels []registry.CertCancel
	// queuedServices holds, by id, the rows of the services queued for
	// insertion and not yet written (queueService): saveService changes
	// such a row where it waits instead of updating the table.
	queuedServices map[int64][]any
}

// ctx is the context a statement of tx runs under.
func (tx *Tx) ctx(ctx context.Context) context.Context {
	if tx.group {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// stmt returns the transaction's handle on the cached prepared statement
// for q (SQLite), or nil when q runs unprepared. After its first use on a
// connection, a cached statement is not prepared again there.
func (tx *Tx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	tx.stmts++
	tx.trips++
	countStatement(ctx, true)
	if tx.db.engine == Postgres {
		return nil, nil // pgx caches prepared statements per connection
	}
	s, err := stmtQuerier{tx.db}.stmt(ctx, q)
	if err != nil || s == nil {
		return nil, err
	}
	return tx.tx.StmtContext(ctx, s), nil
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	ctx = tx.ctx(ctx)
	if err := tx.settle(ctx, q); err != nil {
		return nil, err
	}
	s, err := tx.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return tx.tx.ExecContext(ctx, q, args...)
	}
	return s.ExecContext(ctx, args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	ctx = tx.ctx(ctx)
	if err := tx.settle(ctx, q); err != nil {
		return nil, err
	}
	s, err := tx.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return tx.tx.QueryContext(ctx, q, args...)
	}
	return s.QueryContext(ctx, args...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	ctx = tx.ctx(ctx)
	// A failure to write what was queued sticks in tx.unsettled: the
	// statement runs all the same (a *sql.Row cannot carry the error), but
	// the transaction fails with that failure (Tx.cause, flush).
	_ = tx.settle(ctx, q)
	s, err := tx.stmt(ctx, q)
	if err != nil || s == nil {
		return tx.tx.QueryRowContext(ctx, q, args...) // an error surfaces from Scan
	}
	return s.QueryRowContext(ctx, args...)
}

func (tx *Tx) insertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// Audit queues an audit event for this transaction. summary is marshalled to
// JSON with every 身份证号-like number masked.
func (tx *Tx) Audit(action, recordType string, recordID any, summary any) {
	tx.events = append(tx.events, audit.Event{
		At: tx.now, Actor: tx.actor, Action: action, RecordType: recordType,
		RecordID: fmt.Sprint(recordID), Summary: summaryJSON(summary),
	})
}

// maxAttempts bounds retries of a transaction that lost a race the engine
// could not serialise (PostgreSQL 40001/40P01, SQLite busy).
const maxAttempts = 5

// transact runs fn in a transaction as actor, writes the queued audit
// events, and commits. It retries fn from the start on a serialisation
// failure, so fn must not have effects outside the transaction.
//
// When fn marked what it attempts (Tx.attempting) and a domain rule refused
// it, the refusal is recorded after the rollback.
func (db *DB) transact(ctx context.Context, actor audit.Actor, fn func(*Tx) error) error {
	var err error
	for try := 1; try <= maxAttempts; try++ {
		var att attempt
		err = db.transactOnce(ctx, actor, fn, &att)
		if err == nil || !db.retryable(err) {
			if p := problem.As(err); err != nil && att.action != "" && p.Kind == problem.Refused {
				db.noteRefusal(ctx, actor, att, p)
			}
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(try*try) * 5 * time.Millisecond):
		}
	}
	return &problem.Error{Kind: problem.Conflict, Code: "db.busy", Message: "系统繁忙，请稍后重试", Err: err}
}

func (db *DB) transactOnce(ctx context.Context, actor audit.Actor, fn func(*Tx) error, att *attempt) (err error) {
	if db.writer != nil {
		return db.writer.submit(ctx, actor, fn, att)
	}
	sqltx, conn, end, err := db.beginPiped(ctx)
	if err != nil {
		return err
	}
	tx := &Tx{tx: sqltx, conn: conn, db: db, now: db.Now(), actor: actor}
	// Roll back unless committed: after an error, and after a panic in fn,
	// which must not leave the transaction open with its row locks held;
	// then give the connection back.
	committed := false
	defer func() {
		if !committed {
			sqltx.Rollback()
		}
		end()
	}()
	if err = fn(tx); err != nil {
		if att != nil {
			*att = tx.attempt
		}
		return tx.cause(err)
	}
	if err = tx.flush(ctx); err != nil {
		// A pipelined write's failure, seen by a later statement of the
		// flush, is the cause (as a queued write's is for fn).
		return tx.cause(err)
	}
	if err = sqltx.Commit(); err != nil {
		return err
	}
	committed = true
	db.committedTx(tx)
	return nil
}

// flush writes the rows tx queued for insertion and makes the
// certificates' cancellations it queued (settleQueued), puts back the
// numbers it drew ahead and did not use, and writes what else it queued —
// services' steps, outbox events, 楼盘表 touches, audit events — as the
// last statements before its commit; on PostgreSQL those it does not read
// the results of go in one pipeline (drain), which it sends last.
func (tx *Tx) flush(ctx context.Context) error {
	if err := tx.settleQueued(ctx, ""); err != nil {
		return err
	}
	if err := tx.putBackAhead(ctx); err != nil {
		return err
	}
	if err := tx.flushSteps(ctx); err != nil {
		return err
	}
	if err := tx.flushOutbox(ctx); err != nil {
		return err
	}
	if err := tx.flushTouches(ctx); err != nil {
		return err
	}
	if err := tx.flushAudit(ctx); err != nil {
		return err
	}
	return tx.drain(ctx)
}

// committedTx counts a committed transaction.
func (db *DB) committedTx(tx *Tx) {
	db.commits.Add(1)
	db.committed.Add(int64(tx.stmts))
	db.trips.Add(int64(tx.trips))
	if tx.changesDomain() {
		db.changes.Add(1)
	}
}

// execWrite runs one write statement that belongs to no domain change
// (sessions, the bookkeeping of jobs and deliveries). On SQLite it goes to
// the writer as a member of a group: on its own it would wait in SQLite's
// busy handler, holding a pooled connection, for a write lock the writer
// holds almost all the time under load. On PostgreSQL it runs alone.
func (db *DB) execWrite(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if db.writer == nil {
		return db.sql.ExecContext(ctx, q, args...)
	}
	var res sql.Result
	err := db.transact(ctx, audit.Actor{}, func(tx *Tx) error {
		var err error
		res, err = tx.exec(ctx, q, args...)
		return err
	})
	return res, err
}

// execWriteN is execWrite returning the number of rows affected.
func (db *DB) execWriteN(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := db.execWrite(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Synthetic runs fn in a transaction on the bare database handle, for the
// synthetic data of benchmarks and scaled demos (sales written in bulk),
// with one audit event saying what was loaded. Nothing of the platform's
// own paths uses it.
func (db *DB) Synthetic(ctx context.Context, actor audit.Actor, what string, fn func(*sql.Tx) error) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		if err := fn(tx.tx); err != nil {
			return err
		}
		tx.Audit("synthetic.load", "synthetic", what, nil)
		return nil
	})
}

// changesDomain reports whether the transaction changed the domain (not
// only sessions, logins, views or the alerts themselves).
func (tx *Tx) changesDomain() bool {
	for _, e := range tx.events {
		a := e.Action
		if !strings.HasPrefix(a, "alert.") && !strings.HasPrefix(a, "session.") && !strings.HasPrefix(a, "auth.") &&
			!strings.HasPrefix(a, "access.") && !strings.HasSuffix(a, ".view") {
			return true
		}
	}
	return false
}

// querier is what read helpers need: the pool (plain reads need no
// transaction; on SQLite an IMMEDIATE one would take the write lock) or a
// transaction (reads that decide a write).
type querier interface {
	rawQuerier
	// day is the day (China time) the reads are as of: the transaction's,
	// or the store's clock now. Settings are read as in force on it.
	day() calendar.Date
}

// rawQuerier runs statements, knowing no day.
type rawQuerier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (tx *Tx) q() querier { return txQuerier{tx} }

// r is the querier for plain reads. On SQLite statements are prepared
// once and reused (the pure-Go driver spends much of a small query
// preparing it); pgx caches prepared statements per connection itself.
func (db *DB) r() querier {
	if db.engine == Postgres {
		return countedQuerier{db.sql, db}
	}
	return countedQuerier{stmtQuerier{db}, db}
}

type stmtQuerier struct{ db *DB }

// maxStmts bounds the statement cache: texts built at run time (a list of
// n placeholders, an optional filter) are few, but a bug that put values
// into query text must not grow the cache without end. Past the bound a
// statement runs unprepared.
const maxStmts = 2048

// stmt returns the cached prepared statement for text, preparing it on
// first use; nil (and no error) when the cache is full.
func (q stmtQuerier) stmt(ctx context.Context, text string) (*sql.Stmt, error) {
	if s, ok := q.db.stmts.Load(text); ok {
		return s.(*sql.Stmt), nil
	}
	if q.db.nstmts.Load() >= maxStmts {
		return nil, nil
	}
	s, err := q.db.sql.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	if prev, loaded := q.db.stmts.LoadOrStore(text, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	q.db.nstmts.Add(1)
	return s, nil
}

func (q stmtQuerier) QueryContext(ctx context.Context, text string, args ...any) (*sql.Rows, error) {
	s, err := q.stmt(ctx, text)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return q.db.sql.QueryContext(ctx, text, args...)
	}
	return s.QueryContext(ctx, args...)
}

func (q stmtQuerier) QueryRowContext(ctx context.Context, text string, args ...any) *sql.Row {
	s, err := q.stmt(ctx, text)
	if err != nil || s == nil {
		// Unprepared; an error surfaces from Scan, as *sql.Row does.
		return q.db.sql.QueryRowContext(ctx, text, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

type txQuerier struct{ tx *Tx }

func (t txQuerier) day() calendar.Date { return calendar.DateOf(t.tx.now) }

func (t txQuerier) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.query(ctx, q, args...)
}

func (t txQuerier) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.queryRow(ctx, q, args...)
}

func (db *DB) retryable(err error) bool {
	cause := retryCause(err)
	if cause < 0 {
		return false
	}
	db.retries[cause].Add(1)
	return true
}

// retryCause is the retry counter an error belongs to, or -1 when a retry
// cannot cure it.
func retryCause(err error) int {
	if errors.As(err, new(lostRace)) {
		return retrySerialization
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "40P01":
			return retryDeadlock
		case "40001":
			return retrySerialization
		}
		return -1
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		if c := se.Code() & 0xff; c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED {
			return retryBusy
		}
	}
	return -1
}

// lostRace is a statement's failure that a retry of its transaction
// settles: a unique index refused a row another transaction committed
// meanwhile, which the retry's own checks then see and refuse by name
// (a voucher recorded for two contracts at once). On PostgreSQL the
// failure has aborted the transaction, so nothing after it could run.
type lostRace struct{ err error }

func (e lostRace) Error() string { return "lost a race to a concurrent transaction: " + e.err.Error() }
func (e lostRace) Unwrap() error { return e.err }

// isUniqueViolation reports a unique-constraint failure on either engine.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// notFound maps sql.ErrNoRows to a NotFound problem.
func notFound(err error, code, message string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return problem.New(problem.NotFound, code, message)
	}
	return err
}

// summaryJSON renders an audit summary with every ID-number-like run masked:
// the audit trail is read by supervisors who do not need them.
func summaryJSON(v any) string {
	if v == nil {
		return "{}"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("{\"unrenderable\":%q}", err.Error())
	}
	return code.RedactIDNumbers(string(b))
}

// placeholders returns n numbered placeholders from $first, comma-separated,
// for an IN list.
func placeholders(first, n int) string {
	marks := make([]string, n)
	for i := range marks {
		marks[i] = fmt.Sprintf("$%d", first+i)
	}
	return strings.Join(marks, ", ")
}

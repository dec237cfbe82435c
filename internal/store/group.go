package store

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"

	"handover/internal/audit"
)

// Group commit on SQLite.
//
// SQLite has one writer and, with synchronous=FULL, each commit waits for
// an fsync of the WAL. Committing each transaction on its own makes the
// fsync a per-transaction cost; under load it was three quarters of a
// filing's time. So on SQLite every write transaction goes to one writer
// goroutine, which takes the transactions waiting at that moment and runs
// them in one BEGIN IMMEDIATE … COMMIT, each inside its own SAVEPOINT
// (a transaction that comes alone needs none: see alone):
//
//   - a member that fails or is refused rolls back to its savepoint alone,
//     and the others go on;
//   - members run one after another in the order they arrived, so the
//     audit chain, the numbering and the outbox are in commit order, and a
//     member sees what the members before it wrote;
//   - no caller gets its answer before the shared commit is durable, and
//     every answer is the truth about what was committed: if the group
//     cannot commit, or a member's failure broke the transaction itself,
//     the members are answered with that error or run again in a new
//     group, never acknowledged for work that was rolled back.
//
// This is what PostgreSQL's own group commit does for concurrent
// connections; on PostgreSQL the store runs each transaction on its own.

// maxGroup bounds the members of one group: a larger group saves little
// more fsync and makes its first member wait longer.
const maxGroup = 64

// member is one transaction waiting for the writer. The member's own
// goroutine (the caller's) runs its fn when the writer gives it its turn,
// so that a panic, or a test's t.Fatal, happens where it would without
// group commit and never takes the writer down.
type member struct {
	ctx   context.Context
	actor audit.Actor
	fn    func(*Tx) error
	// turn carries the member's Tx when its turn has come (its savepoint
	// open, in a group of two or more); ran
	// reports back that fn and the flushes have returned (normally or not).
	turn chan *Tx
	ran  chan struct{}
	// set before ran or done
	att     attempt
	tx      *Tx
	err     error
	aborted bool // fn did not return: it panicked or its goroutine exited
	done    chan struct{}
}

// writer is the SQLite group-commit writer.
type writer struct {
	db   *DB
	in   chan *member
	quit chan struct{}
	out  chan struct{} // closed when the writer has stopped
	once sync.Once
	// groups counts the durable commits that committed a transaction,
	// members the transactions they committed (failed members, which
	// leave nothing, are in neither, alone or in a group).
	groups, members atomic.Int64
}

var errClosed = errors.New("store: database is closed")

func startWriter(db *DB) *writer {
	w := &writer{db: db, in: make(chan *member, maxGroup), quit: make(chan struct{}), out: make(chan struct{})}
	go w.loop()
	return w
}

// submit hands fn to the writer, runs it when the writer gives it its
// turn, and waits for the answer. Once the writer has the member, submit
// waits for the answer even if ctx is cancelled meanwhile: the writer does
// not start a member whose context is done, and a started member's answer
// must say whether it was committed.
func (w *writer) submit(ctx context.Context, actor audit.Actor, fn func(*Tx) error, att *attempt) error {
	select {
	case <-w.quit:
		return errClosed
	default:
	}
	m := &member{ctx: ctx, actor: actor, fn: fn, turn: make(chan *Tx), ran: make(chan struct{}), done: make(chan struct{})}
	select {
	case w.in <- m:
	case <-w.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	for {
		select {
		case tx := <-m.turn:
			m.run(tx) // a panic goes on from here, after the writer has its answer
		case <-m.done:
			if att != nil {
				*att = m.att
			}
			return m.err
		case <-w.out:
			// The writer stopped without taking the member (it was closed
			// while the member was being queued).
			select {
			case <-m.done:
				continue
			default:
				return errClosed
			}
		}
	}
}

// run runs the member's fn and the flushes on tx and reports to the
// writer, whether fn returns, panics or ends its goroutine.
func (m *member) run(tx *Tx) {
	m.aborted = true
	defer func() {
		if m.aborted {
			m.err = errors.New("store: transaction did not return")
		}
		m.att = tx.attempt
		close(m.ran)
	}()
	m.err = m.fn(tx)
	if m.err == nil {
		m.err = tx.flush(tx.ctx(m.ctx))
	} else {
		m.err = tx.cause(m.err)
	}
	m.aborted = false
}

// stop makes the writer finish its group, answer whatever is still queued
// with errClosed, and return.
func (w *writer) stop() {
	w.once.Do(func() { close(w.quit) })
	<-w.out
}

func (w *writer) loop() {
	defer close(w.out)
	for {
		var first *member
		select {
		case first = <-w.in:
		case <-w.quit:
			w.drainClosed()
			return
		}
		group := []*member{first}
	take:
		for len(group) < maxGroup {
			select {
			case m := <-w.in:
				group = append(group, m)
			default:
				break take
			}
		}
		w.run(group)
		// Let the callers just answered run before the next group is
		// taken: on one core they would otherwise wait behind the writer
		// and the next group would hold only what came in meanwhile.
		runtime.Gosched()
	}
}

func (w *writer) drainClosed() {
	for {
		select {
		case m := <-w.in:
			m.err = errClosed
			close(m.done)
		default:
			return
		}
	}
}

// run commits group, running again in a new group the members whose work
// a broken transaction took with it. A group of one runs alone.
func (w *writer) run(group []*member) {
	if len(group) == 1 {
		w.alone(group[0])
		return
	}
	for len(group) > 0 {
		group = w.attempt(group)
	}
}

// alone runs a member that has the writer to itself in a transaction of
// its own, without a savepoint: if it fails, the whole transaction rolls
// back, which is all a savepoint would have rolled back.
//
// Why not a savepoint anyway: under a savepoint SQLite copies every page
// the transaction changes into the in-memory sub-journal, and each
// statement that ends truncates that journal back to where the statement
// began by walking its chunks from the first. In a long transaction (a
// batch chunk of 100 flats, some 4,700 statements) that walk grew with
// every page written and took a seventh of the batch's CPU. A lone filing
// saves the two statements and the page copies.
func (w *writer) alone(m *member) {
	m.err, m.aborted, m.tx, m.ran = nil, false, nil, make(chan struct{})
	if err := m.ctx.Err(); err != nil {
		answer([]*member{m}, err)
		return
	}
	sqltx, err := w.db.sql.BeginTx(context.Background(), nil)
	if err != nil {
		answer([]*member{m}, err)
		return
	}
	m.tx = &Tx{tx: sqltx, db: w.db, now: w.db.Now(), actor: m.actor, group: true}
	m.turn <- m.tx
	<-m.ran
	if m.err == nil {
		m.err = sqltx.Commit()
	}
	if m.err != nil {
		sqltx.Rollback()
		m.finish()
		return
	}
	w.groups.Add(1)
	w.members.Add(1)
	w.db.committedTx(m.tx)
	m.finish()
}

// attempt runs group in one transaction. It answers every member and
// returns nil, or — when a member's failure broke the transaction — answers
// that member and returns the others, to be run again. A member that did
// not return (it panicked) is answered at once: its work is rolled back to
// its savepoint, and its goroutine no longer waits.
func (w *writer) attempt(group []*member) (again []*member) {
	sqltx, err := w.db.sql.BeginTx(context.Background(), nil)
	if err != nil {
		answer(group, err)
		return nil
	}
	var kept []*member
	for i, m := range group {
		intact := w.runMember(sqltx, m)
		if !intact {
			sqltx.Rollback()
			m.finish()
			return append(kept, group[i+1:]...)
		}
		if m.aborted {
			m.finish()
			continue
		}
		kept = append(kept, m)
	}
	if err := sqltx.Commit(); err != nil {
		answer(kept, err)
		return nil
	}
	var committed int64
	for _, m := range kept {
		if m.err == nil {
			committed++
			w.db.committedTx(m.tx)
		}
		m.finish()
	}
	if committed > 0 {
		w.groups.Add(1)
		w.members.Add(committed)
	}
	return nil
}

// runMember opens m's savepoint on sqltx, gives m its turn, and keeps or
// rolls back what m did. It reports false when the transaction itself no
// longer holds (the savepoint could not be rolled back to): m.err then
// says why.
func (w *writer) runMember(sqltx *sql.Tx, m *member) (intact bool) {
	m.err, m.aborted, m.tx, m.ran = nil, false, nil, make(chan struct{})
	if err := m.ctx.Err(); err != nil {
		m.err = err
		return true
	}
	ctx := context.WithoutCancel(m.ctx)
	if _, err := w.exec(ctx, sqltx, `SAVEPOINT member`); err != nil {
		m.err = err
		return false
	}
	m.tx = &Tx{tx: sqltx, db: w.db, now: w.db.Now(), actor: m.actor, group: true}
	m.turn <- m.tx
	<-m.ran
	if m.err == nil {
		_, err := w.exec(ctx, sqltx, `RELEASE member`)
		if err == nil {
			return true
		}
		m.err = err
	}
	if _, err := w.exec(ctx, sqltx, `ROLLBACK TO member`); err != nil {
		return false
	}
	if _, err := w.exec(ctx, sqltx, `RELEASE member`); err != nil {
		return false
	}
	return true
}

// exec runs one of the savepoint statements, prepared once.
func (w *writer) exec(ctx context.Context, sqltx *sql.Tx, q string) (sql.Result, error) {
	s, err := stmtQuerier{w.db}.stmt(ctx, q)
	if err != nil || s == nil {
		return sqltx.ExecContext(ctx, q)
	}
	return sqltx.StmtContext(ctx, s).ExecContext(ctx)
}

func (m *member) finish() { close(m.done) }

// answer gives every member err.
func answer(group []*member, err error) {
	for _, m := range group {
		m.err = err
		m.finish()
	}
}

// GroupStats reports how many durable commits the SQLite writer has made
// and how many transactions they held (0, 0 on PostgreSQL).
func (db *DB) GroupStats() (groups, members int64) {
	if db.writer == nil {
		return 0, 0
	}
	return db.writer.groups.Load(), db.writer.members.Load()
}

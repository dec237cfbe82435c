package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// Kinds of data a server keeps in memory, each with a generation in the
// database (migration 0022): triggers move it whenever a row behind that
// data changes, through this process or not.
const (
	// IdentityData is who users and tokens are: users, roles,
	// organisations, jurisdictions and token revocations.
	IdentityData = "identity"
	// CalendarData is the working-day calendar (holiday notices).
	CalendarData = "calendar"
)

// generations is this process's view of the database's generations.
type generations struct {
	mu            sync.Mutex
	seen          map[string]int64
	identityMoved atomic.Int64 // how many times the identity generation was seen to move
	subs          map[string][]func(context.Context) error
}

// GenerationPoll is how often a server reads the generations when nothing
// woke it. On PostgreSQL a notification wakes it at once; the poll covers a
// lost connection. On SQLite only another process (the command line) can
// change the file behind the server's back.
const (
	GenerationPollSQLite   = 250 * time.Millisecond
	GenerationPollPostgres = time.Second
)

// OnGeneration registers f to run (on the watching goroutine) at the
// watcher's first reading — whatever changed before it started — and after
// the generation of kind is seen to move. A generation is taken as seen only
// once its subscribers succeed: one that fails runs again at the next
// reading. Register before WatchGenerations.
func (db *DB) OnGeneration(kind string, f func(context.Context) error) {
	g := &db.gens
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.subs == nil {
		g.subs = map[string][]func(context.Context) error{}
	}
	g.subs[kind] = append(g.subs[kind], f)
}

// ReadGenerations reads the generations once and runs the subscribers of
// those that moved since the last read. WatchGenerations calls it; tests
// call it to see another server's change without waiting for the poll.
func (db *DB) ReadGenerations(ctx context.Context) error {
	rows, err := db.sql.QueryContext(ctx, `SELECT name, gen FROM generations`)
	if err != nil {
		return err
	}
	now := map[string]int64{}
	for rows.Next() {
		var name string
		var gen int64
		if err := rows.Scan(&name, &gen); err != nil {
			rows.Close()
			return err
		}
		now[name] = gen
	}
	if err := rows.Close(); err != nil {
		return err
	}
	g := &db.gens
	g.mu.Lock()
	first := g.seen == nil
	if first {
		g.seen = map[string]int64{}
	}
	identityMoved := false
	var changed []string
	for name, gen := range now {
		old, ok := g.seen[name]
		if ok && old == gen {
			continue
		}
		if !first && name == IdentityData {
			identityMoved = true
		}
		changed = append(changed, name)
	}
	subs := map[string][]func(context.Context) error{}
	for _, name := range changed {
		subs[name] = g.subs[name]
	}
	g.mu.Unlock()
	if identityMoved {
		g.identityMoved.Add(1)
	}
	// Each changed kind's subscribers, then the kind marked seen: a kind
	// whose subscriber failed stays unseen, so the next reading retries it.
	var errs []error
	for _, name := range changed {
		ok := true
		for _, f := range subs[name] {
			if err := f(ctx); err != nil {
				errs = append(errs, fmt.Errorf("generation %s: %w", name, err))
				ok = false
			}
		}
		if ok {
			g.mu.Lock()
			g.seen[name] = now[name]
			g.mu.Unlock()
		}
	}
	return errors.Join(errs...)
}

// WatchGenerations follows the generations until ctx is done: on
// PostgreSQL it LISTENs on handover_generations and reads the table on
// each notification and every GenerationPollPostgres; on SQLite it reads
// the table every GenerationPollSQLite. Errors are retried; they only
// delay what a cache learns.
func (db *DB) WatchGenerations(ctx context.Context) {
	poll, wake := GenerationPollSQLite, chan struct{}(nil) // nil: never wakes
	if db.engine == Postgres {
		poll, wake = GenerationPollPostgres, make(chan struct{}, 1)
		// The listener ends with ctx; WatchGenerations returns only after
		// it, so that nothing holds a connection once the caller closes
		// the DB.
		var listening sync.WaitGroup
		listening.Add(1)
		go func() { defer listening.Done(); db.listen(ctx, wake) }()
		defer listening.Wait()
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if err := db.ReadGenerations(ctx); err != nil && ctx.Err() == nil {
			db.log.Warn("generations", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}

// listen holds one connection LISTENing on handover_generations and
// signals wake on each notification, reconnecting after a failure.
func (db *DB) listen(ctx context.Context, wake chan<- struct{}) {
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		db.log.Warn("generations: listening stopped, retrying", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (db *DB) listenOnce(ctx context.Context, wake chan<- struct{}) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Every way out of f is an error wrapping driver.ErrBadConn, so the
	// pool discards the connection instead of lending it, still
	// LISTENing, to a request.
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.Join(driver.ErrBadConn, errors.New("not a pgx connection"))
		}
		pc := c.Conn()
		if _, err := pc.Exec(ctx, `LISTEN handover_generations`); err != nil {
			return errors.Join(driver.ErrBadConn, err)
		}
		// A change committed before LISTEN took effect is read here.
		signal(wake)
		for {
			if _, err := pc.WaitForNotification(ctx); err != nil {
				return errors.Join(driver.ErrBadConn, err)
			}
			signal(wake)
		}
	})
}

func signal(c chan<- struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

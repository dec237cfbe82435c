package store

import (
	"context"
	"database/sql"
	"sync/atomic"

	"handover/internal/calendar"
)

// QueryCount counts the statements the store runs on behalf of one context:
// the tests that compare what two paths (a page and the API) cost the
// database read it.
type QueryCount struct {
	Reads atomic.Int64 // statements outside transactions (plain reads, a session's lookup)
	InTx  atomic.Int64 // statements inside transactions (the reads that decide a write, and the writes)
}

type queryCountKey struct{}

// CountQueries returns ctx carrying c: every statement the store runs under
// the returned context, or one derived from it, is counted in c.
// Statements written straight to the pool (a session's save) are not.
func CountQueries(ctx context.Context, c *QueryCount) context.Context {
	return context.WithValue(ctx, queryCountKey{}, c)
}

// countStatement counts one statement in ctx's QueryCount, if it has one.
func countStatement(ctx context.Context, inTx bool) {
	c, _ := ctx.Value(queryCountKey{}).(*QueryCount)
	switch {
	case c == nil:
	case inTx:
		c.InTx.Add(1)
	default:
		c.Reads.Add(1)
	}
}

// countedQuerier counts each statement q runs outside a transaction.
type countedQuerier struct {
	q  rawQuerier
	db *DB
}

func (c countedQuerier) day() calendar.Date { return calendar.DateOf(c.db.Now()) }

func (c countedQuerier) QueryContext(ctx context.Context, text string, args ...any) (*sql.Rows, error) {
	countStatement(ctx, false)
	return c.q.QueryContext(ctx, text, args...)
}

func (c countedQuerier) QueryRowContext(ctx context.Context, text string, args ...any) *sql.Row {
	countStatement(ctx, false)
	return c.q.QueryRowContext(ctx, text, args...)
}

package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// bulkRows bounds the rows of one multi-row statement. Both engines take
// far more bound values; the bound keeps the statement texts of a table
// few (one per row count up to it) and no statement very long. Measured
// here, with numbered parameters, a row cost about the same in statements
// of 8 to 64 rows and a quarter less than alone.
const bulkRows = 32

// insertValues writes rows into table's columns with multi-row INSERT
// statements, each ending with suffix (say "ON CONFLICT DO NOTHING"), of
// bulkRows rows each and one of the rest: a registration's few rows go in
// one statement. Each table, column list and suffix is written with at
// most bulkRows distinct statement texts (SQLite's prepared statements are
// cached by their text, maxStmts of them). On PostgreSQL the statements are
// pipelined (execPiped): a failure may be returned by a later statement of
// the transaction, so a caller may only return it, never act on its kind.
func (tx *Tx) insertValues(ctx context.Context, table, columns, suffix string, rows [][]any) error {
	for len(rows) > 0 {
		n := min(bulkRows, len(rows))
		if err := tx.execPiped(ctx, insertText(tx.db.engine, table, columns, suffix, n, len(rows[0])), nil, flatten(rows[:n])...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// cause is the error a transaction whose function returned err fails
// with: a failure to write what it queued (settle), when there was one,
// since what the function saw after it may have been wrong; else err.
func (tx *Tx) cause(err error) error {
	if tx.unsettled != nil {
		return tx.unsettled
	}
	return err
}

// laterRows are rows queued for one table, column list and suffix
// (insertLater).
type laterRows struct {
	table, columns, suffix string
	rows                   [][]any
}

// insertLater queues rows to write as insertValues writes them, for rows
// whose ids nothing needs at once (a batch chunk writes the holders of
// hundreds of entries): they are written, bulkRows a statement, before the
// next statement of the transaction whose text names the table, or else
// by its flush. A statement of the transaction sees the table with them,
// unless writing them failed, which fails the transaction (settle).
func (tx *Tx) insertLater(table, columns, suffix string, rows [][]any) {
	if len(rows) == 0 {
		return
	}
	for i := range tx.later {
		if l := &tx.later[i]; l.table == table && l.columns == columns && l.suffix == suffix {
			l.rows = append(l.rows, rows...)
			return
		}
	}
	tx.later = append(tx.later, laterRows{table, columns, suffix, rows})
}

// settle readies the transaction for statement q to run on its own:
// settleQueued, then the pipelined statements sent (drain).
func (tx *Tx) settle(ctx context.Context, q string) error {
	if err := tx.settleQueued(ctx, q); err != nil {
		return err
	}
	return tx.drain(ctx)
}

// settleQueued writes the rows queued (insertLater) for every table statement q
// names, or for every table when q is "", and makes the certificates'
// cancellations queued when q must see them (cancelsDue). It relies on the
// statement's text: a view or trigger that reads a queued table would
// have to name it there. A failure sticks: the flush returns it, and so
// does the transaction in place of what its function returned (Tx.cause),
// so the transaction cannot commit without what was queued, and reports
// why (on PostgreSQL, the statements after a failed one fail with 25P02).
func (tx *Tx) settleQueued(ctx context.Context, q string) error {
	if tx.unsettled != nil || (len(tx.later) == 0 && len(tx.cancels) == 0) {
		return tx.unsettled
	}
	if len(tx.cancels) > 0 && cancelsDue(q) {
		if err := tx.cancelQueued(ctx); err != nil {
			tx.unsettled = fmt.Errorf("cancelling certificates: %w", err)
			return tx.unsettled
		}
	}
	var due []laterRows
	rest := tx.later[:0:0]
	for _, l := range tx.later {
		if q == "" || strings.Contains(q, l.table) {
			due = append(due, l)
		} else {
			rest = append(rest, l)
		}
	}
	tx.later = rest
	for _, l := range due {
		if l.table == "services" {
			tx.queuedServices = nil // written: a change is an UPDATE again
		}
		if err := tx.insertValues(ctx, l.table, l.columns, l.suffix, l.rows); err != nil {
			tx.unsettled = fmt.Errorf("%s: %w", l.table, err)
			return tx.unsettled
		}
	}
	return nil
}

// insertText is the text of an INSERT of n rows of width values each.
func insertText(engine Engine, table, columns, suffix string, n, width int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, columns)
	valuesText(&b, engine, n, width)
	if suffix != "" {
		b.WriteString(" " + suffix)
	}
	return b.String()
}

// valuesText writes the parameters of n rows of width values each, as a
// multi-row INSERT's VALUES list that alone binds the statement's values,
// in order: "($1, $2), ($3, $4)" on PostgreSQL, "(?, ?), (?, ?)" on
// SQLite. SQLite's parameters are anonymous because the driver asks
// SQLite for every parameter's name as it binds it, and for a numbered
// parameter that is a linear search of the statement's names: 32 audit
// events of 14 values took some 100,000 steps to bind.
func valuesText(b *strings.Builder, engine Engine, n, width int) {
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range width {
			if j > 0 {
				b.WriteString(", ")
			}
			if engine == Postgres {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(i*width + j + 1))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
}

// updateFromValues runs "WITH v (columns) AS (VALUES …)" followed by
// update, an UPDATE … FROM v, for rows bulkRows at a time. update holds a
// %s for each of args, which follow the rows' values and are the same
// for every statement; on SQLite they bind in the order they appear.
func (tx *Tx) updateFromValues(ctx context.Context, columns string, types []string, rows [][]any, update string, args ...any) error {
	for len(rows) > 0 {
		n := min(bulkRows, len(rows))
		var b strings.Builder
		param := withValues(&b, tx.db.engine, columns, types, n)
		marks := make([]any, len(args))
		for k := range args {
			marks[k] = param(k + 1)
		}
		fmt.Fprintf(&b, update, marks...)
		if _, err := tx.exec(ctx, b.String(), append(flatten(rows[:n]), args...)...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// withValues writes "WITH v (columns) AS (VALUES …)", n rows of the
// columns, for a statement that updates from v: the rows' parameters come
// first, in order, and param(k) is the placeholder of the statement's
// k-th parameter after them (on SQLite parameters are anonymous and bind
// in the order they appear: use param(1), param(2)… in that order). On
// PostgreSQL each value is cast to its column's type (types, in the
// columns' order): a VALUES list gives PostgreSQL nothing to infer them
// from.
func withValues(b *strings.Builder, engine Engine, columns string, types []string, n int) (param func(k int) string) {
	fmt.Fprintf(b, "WITH v (%s) AS (VALUES ", columns)
	width := len(types)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, t := range types {
			if j > 0 {
				b.WriteString(", ")
			}
			if engine == Postgres {
				fmt.Fprintf(b, "$%d::%s", i*width+j+1, t)
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	b.WriteByte(')')
	return func(k int) string {
		if engine == Postgres {
			return fmt.Sprintf("$%d", n*width+k)
		}
		return "?"
	}
}

func flatten(rows [][]any) []any {
	out := make([]any, 0, len(rows)*len(rows[0]))
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// inList is an IN list of ids numbered from $first, with its arguments.
// The list is padded to a power of two by repeating its last id (which
// changes nothing an IN list selects), so that a statement over any number
// of ids has one of a few texts.
func inList[T any](first int, ids []T) (string, []any) {
	n := 1
	for n < len(ids) {
		n *= 2
	}
	marks := make([]string, n)
	args := make([]any, n)
	for i := range marks {
		marks[i] = fmt.Sprintf("$%d", first+i)
		args[i] = ids[min(i, len(ids)-1)]
	}
	return strings.Join(marks, ", "), args
}

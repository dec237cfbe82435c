package store

import (
	"context"
	"fmt"
	"strings"
)

// Page sizes of the lists: a page shows PageSize rows unless asked for
// another size, and never more than MaxPageSize.
const (
	PageSize    = 50
	MaxPageSize = 200
)

// Page asks for one page of a list: its number, counted from 1, and how
// many rows a page holds. The zero Page is the first page of PageSize.
type Page struct {
	Number int
	Size   int
}

// normal is p with its number at least 1 and its size within bounds.
func (p Page) normal() Page {
	if p.Number < 1 {
		p.Number = 1
	}
	if p.Size < 1 {
		p.Size = PageSize
	}
	p.Size = min(p.Size, MaxPageSize)
	return p
}

// Listed is one page of a list with the number of rows in the whole list,
// so that a page can say "第 3 页，共 1,706 条" and link to the others.
type Listed[T any] struct {
	Rows  []T
	Total int
	Page  Page
	More  bool // the list holds more than Total rows: it was counted only so far (listCapped)
}

// Pages is the number of pages of the whole list (at least 1).
func (l Listed[T]) Pages() int {
	if l.Total == 0 || l.Page.Size == 0 {
		return 1
	}
	return (l.Total + l.Page.Size - 1) / l.Page.Size
}

// First is the position of the page's first row in the whole list, from 1
// (0 when the page is empty).
func (l Listed[T]) First() int {
	if len(l.Rows) == 0 {
		return 0
	}
	return (l.Page.Number-1)*l.Page.Size + 1
}

// Last is the position of the page's last row in the whole list.
func (l Listed[T]) Last() int {
	if len(l.Rows) == 0 {
		return 0
	}
	return l.First() + len(l.Rows) - 1
}

// listQuery builds a list's statement: the conditions and their
// arguments, numbered as they are added, shared by the count of the whole
// list and the select of one page.
type listQuery struct {
	where []string
	args  []any
	ilike bool // PostgreSQL: LIKE minds case, ILIKE does not
	// countFrom, when set, is the FROM the whole list is counted over: the
	// base table alone when no condition needs the page's joins (a count
	// of a county's contracts reads an index, not every contract's flat).
	countFrom string
}

// counted is the FROM the whole list is counted over: countFrom when set,
// else the page's own from.
func (q *listQuery) counted(from string) string {
	if q.countFrom != "" {
		return q.countFrom
	}
	return from
}

// newList starts a list's statement for the DB's engine.
func (db *DB) newList() *listQuery { return &listQuery{ilike: db.engine == Postgres} }

// arg adds an argument and returns its placeholder.
func (q *listQuery) arg(v any) string {
	q.args = append(q.args, v)
	return fmt.Sprintf("$%d", len(q.args))
}

// and adds a condition.
func (q *listQuery) and(cond string) { q.where = append(q.where, cond) }

// like adds a condition that one of exprs contains text, read literally
// (a typed % or _ matches itself) and without regard to the case of Latin
// letters on either engine — SQLite's LIKE ignores it, PostgreSQL's ILIKE
// does too, so that a contract number's YS is found as ys; (UPPER on every
// row would triple the cost of a search). An empty text adds nothing.
func (q *listQuery) like(text string, exprs ...string) {
	m, ok := q.match(text)
	if !ok {
		return
	}
	or := make([]string, len(exprs))
	for i, e := range exprs {
		or[i] = e + m
	}
	q.and("(" + strings.Join(or, " OR ") + ")")
}

// match is the operator and operand that find text as like does
// (" LIKE $n", " ILIKE $n ESCAPE '\'", …), for a condition like cannot
// write itself: a match inside a subquery (a project's permits). ok is
// false for an empty text, which matches everything.
func (q *listQuery) match(text string) (m string, ok bool) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", false
	}
	// The ESCAPE clause only when the text has a character to escape:
	// SQLite matches three times slower with one.
	escape := ""
	if strings.ContainsAny(text, `%_\`) {
		text, escape = likeEscaper.Replace(text), ` ESCAPE '\'`
	}
	op := ` LIKE `
	if q.ilike {
		op = ` ILIKE `
	}
	return op + q.arg("%"+text+"%") + escape, true
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// cond is the WHERE clause ("" without conditions).
func (q *listQuery) cond() string {
	if len(q.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.where, " AND ")
}

// rowScanner is a row to scan, of a query or a query's rows.
type rowScanner interface{ Scan(...any) error }

// list reads page p of the rows of from (a FROM clause with its joins)
// under the query's conditions, with the number of rows in the whole list:
// sel is the column list, order the ORDER BY (ending in a unique column,
// so that pages neither repeat nor skip a row), scan reads one row. A page
// past the end reads the last page instead of an empty one.
//
// The page is read first and the whole list counted only when the page
// does not tell its size: a page that is not full is the list's last, so
// a search that finds a few rows — one flat, one contract — reads them
// once instead of scanning twice, which is what a search by part of a
// name costs (no index serves it).
func list[T any](ctx context.Context, r querier, p Page, sel, from, order string, q *listQuery, scan func(rowScanner) (T, error)) (Listed[T], error) {
	p = p.normal()
	out := Listed[T]{Page: p}
	var err error
	if out.Rows, err = listRows(ctx, r, p, p.Size, sel, from, order, q, scan); err != nil {
		return out, err
	}
	if len(out.Rows) < p.Size && (len(out.Rows) > 0 || p.Number == 1) {
		out.Total = (p.Number-1)*p.Size + len(out.Rows)
		return out, nil
	}
	if err := r.QueryRowContext(ctx, `SELECT COUNT(*) `+q.counted(from)+q.cond(), q.args...).Scan(&out.Total); err != nil {
		return out, err
	}
	if last := lastPage(out.Total, p.Size); p.Number > last {
		out.Page.Number = last
		return readPage(ctx, r, out, sel, from, order, q, scan)
	}
	return out, nil
}

// listCapped is list for a list too long to count whole on every page
// (the audit trail, millions of rows): it counts at most limit rows, and
// when there are more says so (More) with Total at limit; its pages end
// there, and a list offers another way on past them (an earlier cursor,
// a narrower filter). The count walks the rows in the list's order, so
// that where an index gives that order (the audit trail's id) it stops
// after limit rows instead of reading an index of another column whole.
func listCapped[T any](ctx context.Context, r querier, p Page, limit int, sel, from, order string, q *listQuery, scan func(rowScanner) (T, error)) (Listed[T], error) {
	p = p.normal()
	out := Listed[T]{Page: p}
	if err := r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 AS one `+q.counted(from)+q.cond()+` ORDER BY `+order+fmt.Sprintf(` LIMIT %d) capped`, limit+1),
		q.args...).Scan(&out.Total); err != nil {
		return out, err
	}
	if out.Total > limit {
		out.Total, out.More = limit, true
	}
	out.Page.Number = min(p.Number, lastPage(out.Total, p.Size))
	return readPage(ctx, r, out, sel, from, order, q, scan)
}

// lastPage is the number of the last page of total rows (at least 1).
func lastPage(total, size int) int { return max(1, (total+size-1)/size) }

// readPage reads out's page of a counted list; a capped list's last page
// ends at the cap.
func readPage[T any](ctx context.Context, r querier, out Listed[T], sel, from, order string, q *listQuery, scan func(rowScanner) (T, error)) (Listed[T], error) {
	p := out.Page
	n := p.Size
	if out.More {
		n = min(n, out.Total-(p.Number-1)*p.Size)
	}
	var err error
	out.Rows, err = listRows(ctx, r, p, n, sel, from, order, q, scan)
	return out, err
}

// listRows reads at most n rows of page p of a list.
func listRows[T any](ctx context.Context, r querier, p Page, n int, sel, from, order string, q *listQuery, scan func(rowScanner) (T, error)) ([]T, error) {
	args := append(q.args[:len(q.args):len(q.args)], n, (p.Number-1)*p.Size)
	rows, err := r.QueryContext(ctx, `SELECT `+sel+` `+from+q.cond()+` ORDER BY `+order+
		fmt.Sprintf(` LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return out, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

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
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	// The ESCAPE clause only when the text has a character to escape:
	// SQLite matches three times slower with one.
	escape := ""
	if strings.ContainsAny(text, `%_\`) {
		text, escape = likeEscaper.Replace(text), ` ESCAPE '\'`
	}
	p := q.arg("%" + text + "%")
	op := ` LIKE `
	if q.ilike {
		op = ` ILIKE `
	}
	or := make([]string, len(exprs))
	for i, e := range exprs {
		or[i] = e + op + p + escape
	}
	q.and("(" + strings.Join(or, " OR ") + ")")
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

// list counts the rows of from (a FROM clause with its joins) under the
// query's conditions, then reads page p of them: sel is the column list,
// order the ORDER BY (ending in a unique column, so that pages neither
// repeat nor skip a row), scan reads one row. A page past the end reads
// the last page instead of an empty one.
func list[T any](ctx context.Context, r querier, p Page, sel, from, order string, q *listQuery, scan func(rowScanner) (T, error)) (Listed[T], error) {
	p = p.normal()
	out := Listed[T]{Page: p}
	countFrom := from
	if q.countFrom != "" {
		countFrom = q.countFrom
	}
	if err := r.QueryRowContext(ctx, `SELECT COUNT(*) `+countFrom+q.cond(), q.args...).Scan(&out.Total); err != nil {
		return out, err
	}
	return readPage(ctx, r, out, sel, from, order, q, scan)
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
	countFrom := from
	if q.countFrom != "" {
		countFrom = q.countFrom
	}
	if err := r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 AS one `+countFrom+q.cond()+` ORDER BY `+order+fmt.Sprintf(` LIMIT %d) capped`, limit+1),
		q.args...).Scan(&out.Total); err != nil {
		return out, err
	}
	if out.Total > limit {
		out.Total, out.More = limit, true
	}
	return readPage(ctx, r, out, sel, from, order, q, scan)
}

// readPage reads out's page of the list (the last page when it is past
// the end of out.Total rows).
func readPage[T any](ctx context.Context, r querier, out Listed[T], sel, from, order string, q *listQuery, scan func(rowScanner) (T, error)) (Listed[T], error) {
	p := out.Page
	if last := max(1, (out.Total+p.Size-1)/p.Size); p.Number > last {
		p.Number, out.Page.Number = last, last
	}
	n := p.Size
	if out.More { // a capped list's last page ends at the cap
		n = min(n, out.Total-(p.Number-1)*p.Size)
	}
	args := append(q.args[:len(q.args):len(q.args)], n, (p.Number-1)*p.Size)
	rows, err := r.QueryContext(ctx, `SELECT `+sel+` `+from+q.cond()+` ORDER BY `+order+
		fmt.Sprintf(` LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return out, err
		}
		out.Rows = append(out.Rows, x)
	}
	return out, rows.Err()
}

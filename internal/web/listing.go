package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"handover/internal/store"
)

// listPage reads the page a list was asked for (?page=N, counted from 1;
// anything else is the first page) at the lists' page size.
func listPage(r *http.Request) store.Page { return listPageAt(r, "page") }

// listPageAt is listPage for a list asked for by ?key=N: a second list on
// one page (the credit page's restriction list and decisions beside its
// developers) pages apart from the first.
func listPageAt(r *http.Request, key string) store.Page {
	n, err := strconv.Atoi(r.URL.Query().Get(key))
	if err != nil || n < 1 {
		n = 1
	}
	return store.Page{Number: n, Size: store.PageSize}
}

// listSearch is what was typed in a list's search box (?q=), trimmed and
// cut to 50 characters: a search names a flat, a number or a name.
func listSearch(r *http.Request) string {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if rs := []rune(q); len(rs) > 50 {
		q = string(rs[:50])
	}
	return q
}

// Pager is where a list page stands in the whole list: 共 T 条, rows
// First–Last, page Number of Pages, and the links to the neighbouring
// pages, which keep the page's search and filters.
type Pager struct {
	Total, First, Last, Number, Pages int
	Prev, Next                        string // "" at either end
	Start, End                        string // the first and the last page ("" when on it)
	More                              bool   // the list holds more than Total rows (counted only so far)
}

// pagerOf is the pager of l as shown at r's address.
func pagerOf[T any](r *http.Request, l store.Listed[T]) Pager { return pagerAt(r, l, "page") }

// pagerAt is pagerOf for a list paged by ?key=N (listPageAt); its links
// keep the other lists' pages as they are.
func pagerAt[T any](r *http.Request, l store.Listed[T], key string) Pager {
	p := Pager{Total: l.Total, First: l.First(), Last: l.Last(), Number: l.Page.Number, Pages: l.Pages(), More: l.More}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set(key, strconv.Itoa(n))
		return (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
	}
	if p.Number > 1 {
		p.Prev, p.Start = link(p.Number-1), link(1)
	}
	if p.Number < p.Pages {
		p.Next, p.End = link(p.Number+1), link(p.Pages)
	}
	return p
}

// ListState is where a clerk stands in a list (its filter, search and
// page); a form on a list page carries it (the "keep" partial), so that
// after the action the clerk is back at the same place.
type ListState struct {
	Show, Q string
	Page    int
}

// listBack is path at the list state a form carried.
func listBack(r *http.Request, path string) string {
	q := url.Values{}
	for _, k := range []string{"show", "q", "page"} {
		if v := r.PostFormValue(k); v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// asListed makes r read as the list at path its form was sent from, for
// a page shown again after a refusal: its filter, search and page, and the
// pager's links, are the list's (not the action's address, which answers
// no GET).
func asListed(r *http.Request, path string) {
	r.URL.RawQuery = strings.TrimPrefix(listBack(r, ""), "?")
	r.URL.Path, r.URL.RawPath = path, ""
}

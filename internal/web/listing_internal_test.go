package web

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"handover/internal/store"
)

// A list shown again after a refused action keeps its filter, search and
// page, and its pager links lead to the list, not to the action's address
// (which answers no GET); a page's links keep the search and filter.
func TestPagerAfterARefusal(t *testing.T) {
	form := url.Values{"show": {"waiting"}, "q": {"1号楼 & 2单元"}, "page": {"3"}, "done": {"1"}}
	r := httptest.NewRequest("POST", "/utilities/answer", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	asListed(r, "/utilities")
	if got := listPage(r).Number; got != 3 {
		t.Errorf("page after the refusal: got %d, want 3", got)
	}
	if got := listSearch(r); got != "1号楼 & 2单元" {
		t.Errorf("search after the refusal: got %q", got)
	}
	p := pagerOf(r, store.Listed[int]{Rows: make([]int, 50), Total: 260, Page: store.Page{Number: 3, Size: 50}})
	for name, link := range map[string]string{"prev": p.Prev, "next": p.Next, "first": p.Start, "last": p.End} {
		u, err := url.Parse(link)
		if err != nil || u.Path != "/utilities" || u.Query().Get("q") != "1号楼 & 2单元" || u.Query().Get("show") != "waiting" {
			t.Errorf("%s link: got %q, want /utilities with the search and filter", name, link)
		}
	}
	if p.First != 101 || p.Last != 150 || p.Pages != 6 {
		t.Errorf("pager: got rows %d–%d of %d pages, want 101–150 of 6", p.First, p.Last, p.Pages)
	}
	if got := listBack(r, "/utilities"); !strings.HasPrefix(got, "/utilities?") || strings.Contains(got, "done") {
		t.Errorf("back to the list: got %q, want /utilities with show, q and page only", got)
	}
}

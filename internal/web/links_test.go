package web_test

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"handover/internal/store/storetest"
	"handover/internal/web/webtest"
)

// A page draws a link only when its viewer may follow it: crawling the
// demo prefecture's pages as every demo user, from the home page along
// every link the pages draw, no link answers 403. The crawl reads at most
// two addresses of each shape (numbers in the path and the query set
// aside) and a few hundred pages a user.
func TestNoLinkLeadsToForbidden(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the demo prefecture as every user")
	}
	if os.Getenv(storetest.EnvPostgres) != "" {
		// Which links a page draws is decided by the access policy and the
		// route table, not by the database: the crawl runs once, on SQLite,
		// and keeps CI's PostgreSQL half short.
		t.Skip("engine-independent; crawled on SQLite")
	}
	env := webtest.StartDemo(t)
	rows, err := env.Raw.Query(`SELECT username FROM users ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var users []string
	for rows.Next() {
		var u string
		rows.Scan(&u)
		users = append(users, u)
	}
	rows.Close()
	if len(users) < 10 {
		t.Fatalf("the demo has %d users", len(users))
	}
	for _, user := range users {
		t.Run(user, func(t *testing.T) {
			t.Parallel()
			c := env.Client(t, user)
			for _, f := range crawl(t, c, env.HTTP.URL, 250) {
				t.Errorf("%s draws a link to %s, which answers %d for %s", f.from, f.to, f.status, user)
			}
		})
	}
}

type badLink struct {
	from, to string
	status   int
}

var digits = regexp.MustCompile(`[0-9]+`)

// crawl follows the same-site links of the pages from "/" breadth first
// and returns the links that answered 403.
func crawl(t *testing.T, c *http.Client, base string, limit int) []badLink {
	t.Helper()
	type item struct{ from, to string }
	queue := []item{{"(start)", "/"}}
	seen := map[string]bool{"/": true}
	shapes := map[string]int{}
	var bad []badLink
	for n := 0; len(queue) > 0 && n < limit; n++ {
		it := queue[0]
		queue = queue[1:]
		resp, err := c.Get(base + it.to)
		if err != nil {
			t.Fatalf("GET %s: %v", it.to, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		resp.Body.Close()
		if resp.StatusCode == http.StatusForbidden {
			bad = append(bad, badLink{it.from, it.to, resp.StatusCode})
			continue
		}
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			continue
		}
		doc, err := html.Parse(strings.NewReader(string(body)))
		if err != nil {
			continue
		}
		for _, href := range links(doc) {
			u, err := url.Parse(href)
			if err != nil || (u.Host != "" && base != u.Scheme+"://"+u.Host) || !strings.HasPrefix(u.Path, "/") {
				continue
			}
			if skipCrawl(u.Path) {
				continue
			}
			to := u.Path
			if u.RawQuery != "" {
				to += "?" + u.RawQuery
			}
			shape := digits.ReplaceAllString(u.Path, "N")
			if seen[to] || shapes[shape] >= 2 {
				continue
			}
			seen[to] = true
			shapes[shape]++
			queue = append(queue, item{it.to, to})
		}
	}
	return bad
}

// skipCrawl leaves out what is not a page: static files, downloads and
// the way out.
func skipCrawl(path string) bool {
	return slices.ContainsFunc([]string{"/static/", "/logout", "/api/", "/metrics", "/healthz"}, func(p string) bool { return strings.HasPrefix(path, p) }) ||
		strings.HasSuffix(path, ".xlsx") || strings.HasSuffix(path, ".pdf") || strings.HasSuffix(path, ".png") || strings.HasSuffix(path, ".csv")
}

// links lists the href of every <a> of a page.
func links(n *html.Node) []string {
	var out []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "a" {
			for _, a := range n.Attr {
				if a.Key == "href" {
					out = append(out, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

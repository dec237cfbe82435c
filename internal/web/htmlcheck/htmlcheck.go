// Package htmlcheck checks a rendered page by the elements that show a
// thing, not by substrings of the whole page: a phrase elsewhere on the page
// (the navigation, a hidden form, another row) cannot make a check pass.
//
// A Checker looks at one node. In, InAll, NotIn and Count select elements
// below it with a small subset of CSS:
//
//	tag  *  #id  .class  [attr]  [attr=value]  [attr="value"]
//	:nth-child(n)  :first-child  :last-child
//	a b  (b is a descendant of a)    a > b  (b is a child of a)
//
// Several simple selectors may make one compound ("td.amount:nth-child(2)").
// Text is compared after collapsing runs of white space to one space.
package htmlcheck

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// A Checker reports what a node lacks, or nil when it has everything asked.
type Checker func(*html.Node) error

// Parse parses a page.
func Parse(page string) (*html.Node, error) {
	return html.Parse(strings.NewReader(page))
}

// Expect runs the checkers on page for a test and reports every failure
// under what; it returns whether all passed.
func Expect(t testing.TB, what, page string, checkers ...Checker) bool {
	t.Helper()
	if err := Run(page, checkers...); err != nil {
		t.Errorf("%s: %v", what, err)
		return false
	}
	return true
}

// Run parses page and applies every checker to the document, reporting all
// failures together.
func Run(page string, checkers ...Checker) error {
	doc, err := Parse(page)
	if err != nil {
		return err
	}
	return All(checkers...)(doc)
}

// All passes when every checker passes on the node, and reports every
// failure; it makes several checks one, as a table row's.
func All(checkers ...Checker) Checker {
	return func(n *html.Node) error {
		var errs []error
		for _, c := range checkers {
			if err := c(n); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
}

// In applies the checkers to the first element matching selector; it fails
// when no element matches.
func In(selector string, checkers ...Checker) Checker {
	sel := mustCompile(selector)
	return func(n *html.Node) error {
		m := sel.first(n)
		if m == nil {
			return fmt.Errorf("no element matches %q", selector)
		}
		if err := All(checkers...)(m); err != nil {
			return fmt.Errorf("in %q: %w", selector, err)
		}
		return nil
	}
}

// InAll applies the checkers to every element matching selector; it fails
// when no element matches.
func InAll(selector string, checkers ...Checker) Checker {
	sel := mustCompile(selector)
	return func(n *html.Node) error {
		ms := sel.all(n)
		if len(ms) == 0 {
			return fmt.Errorf("no element matches %q", selector)
		}
		var errs []error
		for i, m := range ms {
			if err := All(checkers...)(m); err != nil {
				errs = append(errs, fmt.Errorf("in %q (match %d of %d): %w", selector, i+1, len(ms), err))
			}
		}
		return errors.Join(errs...)
	}
}

// InAny passes when at least one element matching selector passes all the
// checkers: a row somewhere in a table, say.
func InAny(selector string, checkers ...Checker) Checker {
	sel := mustCompile(selector)
	return func(n *html.Node) error {
		ms := sel.all(n)
		if len(ms) == 0 {
			return fmt.Errorf("no element matches %q", selector)
		}
		for _, m := range ms {
			if All(checkers...)(m) == nil {
				return nil
			}
		}
		return fmt.Errorf("none of the %d elements matching %q passes: %w", len(ms), selector, All(checkers...)(ms[0]))
	}
}

// NotIn fails when an element matching selector passes all the checkers;
// with no checkers, when any element matches.
func NotIn(selector string, checkers ...Checker) Checker {
	sel := mustCompile(selector)
	return func(n *html.Node) error {
		for _, m := range sel.all(n) {
			if All(checkers...)(m) == nil {
				if len(checkers) == 0 {
					return fmt.Errorf("an element matches %q: %s", selector, excerpt(m))
				}
				return fmt.Errorf("an element matching %q passes the checks: %s", selector, excerpt(m))
			}
		}
		return nil
	}
}

// None fails when any element matches selector.
func None(selector string) Checker { return NotIn(selector) }

// Count checks that exactly want elements match selector.
func Count(selector string, want int) Checker {
	sel := mustCompile(selector)
	return func(n *html.Node) error {
		if got := len(sel.all(n)); got != want {
			return fmt.Errorf("got %d elements matching %q, want %d", got, selector, want)
		}
		return nil
	}
}

// HasText checks that the node's normalised text contains s.
func HasText(s string) Checker {
	want := normalize(s)
	return func(n *html.Node) error {
		if got := Text(n); !strings.Contains(got, want) {
			return fmt.Errorf("got text %q, want it to contain %q", clip(got), want)
		}
		return nil
	}
}

// LacksText checks that the node's normalised text does not contain s.
func LacksText(s string) Checker {
	want := normalize(s)
	return func(n *html.Node) error {
		if got := Text(n); strings.Contains(got, want) {
			return fmt.Errorf("got text %q, want it without %q", clip(got), want)
		}
		return nil
	}
}

// HasExactText checks that the node's normalised text is s.
func HasExactText(s string) Checker {
	want := normalize(s)
	return func(n *html.Node) error {
		if got := Text(n); got != want {
			return fmt.Errorf("got text %q, want %q", clip(got), want)
		}
		return nil
	}
}

// HasAttr checks that the node has attribute name with exactly value.
func HasAttr(name, value string) Checker {
	return func(n *html.Node) error {
		got, ok := attr(n, name)
		switch {
		case !ok:
			return fmt.Errorf("%s has no attribute %s", describe(n), name)
		case got != value:
			return fmt.Errorf("got %s %s=%q, want %q", describe(n), name, got, value)
		}
		return nil
	}
}

// HasClass checks that the node's class list includes class.
func HasClass(class string) Checker {
	return func(n *html.Node) error {
		got, _ := attr(n, "class")
		for _, c := range strings.Fields(got) {
			if c == class {
				return nil
			}
		}
		return fmt.Errorf("got %s class=%q, want %q among them", describe(n), got, class)
	}
}

// Find returns the first element below root matching selector, or nil.
func Find(root *html.Node, selector string) *html.Node {
	return mustCompile(selector).first(root)
}

// FindAll returns every element below root matching selector, in document
// order.
func FindAll(root *html.Node, selector string) []*html.Node {
	return mustCompile(selector).all(root)
}

// Text returns the node's text with runs of white space collapsed to one
// space and trimmed; script and style contents are not text. A nil node
// has no text.
func Text(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style"):
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return normalize(b.String())
}

func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

func clip(s string) string {
	if r := []rune(s); len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return s
}

func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

// describe names an element the way a selector would: tag#id.class.
func describe(n *html.Node) string {
	if n.Type != html.ElementNode {
		return "document"
	}
	s := n.Data
	if id, ok := attr(n, "id"); ok {
		s += "#" + id
	}
	if cl, ok := attr(n, "class"); ok {
		for _, c := range strings.Fields(cl) {
			s += "." + c
		}
	}
	return s
}

func excerpt(n *html.Node) string {
	return fmt.Sprintf("<%s> %q", describe(n), clip(Text(n)))
}

package htmlcheck

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// A selector is a chain of compounds joined by combinators, read right to
// left when matching: the last compound must match the element itself.
type selector struct {
	parts []compound // parts[0] is the leftmost
	combs []byte     // combs[i] joins parts[i] and parts[i+1]: ' ' or '>'
}

// A compound is the simple selectors that must all hold for one element.
type compound struct {
	tag      string // "" or "*" for any
	id       string
	classes  []string
	attrs    []attrSel
	nthChild int // 0 for none; -1 for last-child
}

type attrSel struct {
	name, value string
	hasValue    bool
}

// mustCompile parses a selector; a malformed one is a mistake in the test
// that uses it, so it panics.
func mustCompile(s string) *selector {
	sel, err := compile(s)
	if err != nil {
		panic(fmt.Sprintf("htmlcheck: selector %q: %v", s, err))
	}
	return sel
}

func compile(s string) (*selector, error) {
	p := &parser{s: s}
	sel := &selector{}
	p.space()
	for {
		c, err := p.compound()
		if err != nil {
			return nil, err
		}
		sel.parts = append(sel.parts, c)
		sp := p.space()
		if p.done() {
			break
		}
		comb := byte(' ')
		if p.peek() == '>' {
			comb = '>'
			p.i++
			p.space()
		} else if !sp {
			return nil, fmt.Errorf("unexpected %q at %d", p.peek(), p.i)
		}
		if p.done() {
			return nil, fmt.Errorf("combinator at the end")
		}
		sel.combs = append(sel.combs, comb)
	}
	return sel, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) done() bool { return p.i >= len(p.s) }
func (p *parser) peek() byte { return p.s[p.i] }

func (p *parser) space() bool {
	start := p.i
	for !p.done() && strings.IndexByte(" \t\n", p.peek()) >= 0 {
		p.i++
	}
	return p.i > start
}

// ident reads a name: letters, digits, '-' and '_' (and any non-ASCII).
func (p *parser) ident() string {
	start := p.i
	for !p.done() {
		c := p.peek()
		if c == '-' || c == '_' || c >= 0x80 || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

func (p *parser) compound() (compound, error) {
	var c compound
	if !p.done() && p.peek() == '*' {
		p.i++
		c.tag = "*"
	} else {
		c.tag = strings.ToLower(p.ident())
	}
	empty := c.tag == ""
	for !p.done() {
		switch p.peek() {
		case '#':
			p.i++
			if c.id = p.ident(); c.id == "" {
				return c, fmt.Errorf("empty id at %d", p.i)
			}
		case '.':
			p.i++
			cl := p.ident()
			if cl == "" {
				return c, fmt.Errorf("empty class at %d", p.i)
			}
			c.classes = append(c.classes, cl)
		case '[':
			p.i++
			a, err := p.attr()
			if err != nil {
				return c, err
			}
			c.attrs = append(c.attrs, a)
		case ':':
			p.i++
			if err := p.pseudo(&c); err != nil {
				return c, err
			}
		default:
			if empty {
				return c, fmt.Errorf("expected a selector at %d", p.i)
			}
			return c, nil
		}
		empty = false
	}
	if empty {
		return c, fmt.Errorf("empty selector")
	}
	return c, nil
}

func (p *parser) attr() (attrSel, error) {
	var a attrSel
	p.space()
	if a.name = strings.ToLower(p.ident()); a.name == "" {
		return a, fmt.Errorf("empty attribute name at %d", p.i)
	}
	p.space()
	if p.done() {
		return a, fmt.Errorf("unclosed [")
	}
	if p.peek() == '=' {
		p.i++
		p.space()
		a.hasValue = true
		if p.done() {
			return a, fmt.Errorf("unclosed [")
		}
		if q := p.peek(); q == '"' || q == '\'' {
			end := strings.IndexByte(p.s[p.i+1:], q)
			if end < 0 {
				return a, fmt.Errorf("unclosed quote at %d", p.i)
			}
			a.value = p.s[p.i+1 : p.i+1+end]
			p.i += end + 2
		} else {
			a.value = p.ident()
		}
		p.space()
	}
	if p.done() || p.peek() != ']' {
		return a, fmt.Errorf("expected ] at %d", p.i)
	}
	p.i++
	return a, nil
}

func (p *parser) pseudo(c *compound) error {
	name := p.ident()
	switch name {
	case "first-child":
		c.nthChild = 1
	case "last-child":
		c.nthChild = -1
	case "nth-child":
		if p.done() || p.peek() != '(' {
			return fmt.Errorf("expected ( after :nth-child")
		}
		end := strings.IndexByte(p.s[p.i:], ')')
		if end < 0 {
			return fmt.Errorf("unclosed :nth-child(")
		}
		n, err := strconv.Atoi(strings.TrimSpace(p.s[p.i+1 : p.i+end]))
		if err != nil || n < 1 {
			return fmt.Errorf(":nth-child takes a position from 1, not %q", p.s[p.i+1:p.i+end])
		}
		c.nthChild = n
		p.i += end + 1
	default:
		return fmt.Errorf("unsupported pseudo-class :%s", name)
	}
	return nil
}

// first returns the first element below root (in document order) that
// matches, or nil.
func (s *selector) first(root *html.Node) *html.Node {
	var found *html.Node
	s.walk(root, func(n *html.Node) bool { found = n; return false })
	return found
}

// all returns every element below root that matches, in document order.
func (s *selector) all(root *html.Node) []*html.Node {
	var found []*html.Node
	s.walk(root, func(n *html.Node) bool { found = append(found, n); return true })
	return found
}

// walk calls f on each matching descendant of root until f returns false.
// As with querySelector, ancestors named by the selector may lie above root.
func (s *selector) walk(root *html.Node, f func(*html.Node) bool) {
	var visit func(*html.Node) bool
	visit = func(n *html.Node) bool {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && s.matches(c, len(s.parts)-1) && !f(c) {
				return false
			}
			if !visit(c) {
				return false
			}
		}
		return true
	}
	visit(root)
}

// matches reports whether n matches parts[:i+1] with parts[i] on n itself.
func (s *selector) matches(n *html.Node, i int) bool {
	if !s.parts[i].matches(n) {
		return false
	}
	if i == 0 {
		return true
	}
	if s.combs[i-1] == '>' {
		p := n.Parent
		return p != nil && p.Type == html.ElementNode && s.matches(p, i-1)
	}
	for p := n.Parent; p != nil && p.Type == html.ElementNode; p = p.Parent {
		if s.matches(p, i-1) {
			return true
		}
	}
	return false
}

func (c *compound) matches(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	if c.tag != "" && c.tag != "*" && c.tag != n.Data {
		return false
	}
	if c.id != "" {
		if id, _ := attr(n, "id"); id != c.id {
			return false
		}
	}
	if len(c.classes) > 0 {
		have, _ := attr(n, "class")
		fields := strings.Fields(have)
		for _, want := range c.classes {
			if !slices.Contains(fields, want) {
				return false
			}
		}
	}
	for _, a := range c.attrs {
		v, ok := attr(n, a.name)
		if !ok || a.hasValue && v != a.value {
			return false
		}
	}
	switch {
	case c.nthChild > 0:
		if position(n) != c.nthChild {
			return false
		}
	case c.nthChild < 0:
		for sib := n.NextSibling; sib != nil; sib = sib.NextSibling {
			if sib.Type == html.ElementNode {
				return false
			}
		}
	}
	return true
}

// position is n's place among its parent's element children, from 1.
func position(n *html.Node) int {
	pos := 1
	for sib := n.PrevSibling; sib != nil; sib = sib.PrevSibling {
		if sib.Type == html.ElementNode {
			pos++
		}
	}
	return pos
}

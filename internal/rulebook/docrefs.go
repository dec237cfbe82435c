package rulebook

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"regexp"
	"strings"
)

var (
	mdRef      = regexp.MustCompile(`[\w./-]*[\w-]+\.md\b`)
	sectionRef = regexp.MustCompile(`§\s*(?:(\d+(?:\.\d+)*)(?:\s*[–-]\s*(\d+(?:\.\d+)*))?|([^\s\d,;:()（），；：][^,;:()（），；：\n]*))`)
	numbered   = regexp.MustCompile(`^(?:#+\s+|\*\*)(\d+(?:\.\d+)*)\.?\s`)
	heading    = regexp.MustCompile(`^#+\s+(.*)$`)
	mdLink     = regexp.MustCompile(`\]\(([^)#\s]+)(?:#[^)]*)?\)`)
)

// DocRefs checks what the comments of the module's Go files (tests too)
// point to: every file named *.md must exist, relative to the module's
// root, and every section named after it with a section sign (5.11, a range
// 5.6–5.12, or a heading's title) must be a numbered section or heading of
// that file. A section with no file before it in the same comment is an
// error too. It also checks
// the relative links of README.md and docs/*.md. It returns one line per
// broken reference.
func DocRefs(fsys fs.FS) ([]string, error) {
	c := &refChecker{fsys: fsys, sections: map[string]*docIndex{}, fset: token.NewFileSet()}
	err := fs.WalkDir(fsys, ".", c.visit)
	return c.bad, err
}

// refChecker is one run of DocRefs: the documents indexed so far (each
// read once, however many comments name it) and the broken references found.
type refChecker struct {
	fsys     fs.FS
	sections map[string]*docIndex // nil for a document that cannot be read
	fset     *token.FileSet
	bad      []string
}

// index is document p's sections, nil when p cannot be read.
func (c *refChecker) index(p string) *docIndex {
	if ix, ok := c.sections[p]; ok {
		return ix
	}
	var ix *docIndex
	if b, err := fs.ReadFile(c.fsys, p); err == nil {
		ix = indexDoc(string(b))
	}
	c.sections[p] = ix
	return ix
}

// visit checks one file of the walk: the links of README.md and docs/*.md,
// the comments of a Go file; hidden folders, testdata and node_modules are
// not the module's own and are skipped.
func (c *refChecker) visit(p string, d fs.DirEntry, err error) error {
	if err != nil {
		return err
	}
	if d.IsDir() {
		if p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return fs.SkipDir
		}
		return nil
	}
	if strings.HasSuffix(p, ".md") && (p == "README.md" || path.Dir(p) == "docs") {
		return c.checkLinks(p)
	}
	if !strings.HasSuffix(p, ".go") {
		return nil
	}
	return c.checkGoFile(p)
}

// checkLinks reports each relative link of document p to a file that is
// not in the repository; links out of it (a scheme, mailto:, an absolute
// path) are not checked.
func (c *refChecker) checkLinks(p string) error {
	b, err := fs.ReadFile(c.fsys, p)
	if err != nil {
		return err
	}
	for _, m := range mdLink.FindAllStringSubmatch(string(b), -1) {
		target := m[1]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") || strings.HasPrefix(target, "/") {
			continue
		}
		if _, err := fs.Stat(c.fsys, path.Join(path.Dir(p), target)); err != nil {
			c.bad = append(c.bad, p+": link to "+target+", which is not in the repository")
		}
	}
	return nil
}

// checkGoFile checks every comment of Go file p.
func (c *refChecker) checkGoFile(p string) error {
	src, err := fs.ReadFile(c.fsys, p)
	if err != nil {
		return err
	}
	f, err := parser.ParseFile(c.fset, p, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	for _, cg := range f.Comments {
		c.checkComment(p+":"+itoa(c.fset.Position(cg.Pos()).Line), cg.Text())
	}
	return nil
}

// checkComment reports, for the comment at where, each document it names
// that is not in the repository, then each section it names that has no
// document before it or is not in that document.
func (c *refChecker) checkComment(where, text string) {
	docs := mdRef.FindAllStringIndex(text, -1)
	for _, m := range docs {
		ref := strings.TrimPrefix(text[m[0]:m[1]], "./")
		if _, err := fs.Stat(c.fsys, ref); err != nil {
			c.bad = append(c.bad, where+": "+ref+" is not in the repository (documents live in docs/)")
		}
	}
	for _, m := range sectionRef.FindAllStringSubmatchIndex(text, -1) {
		doc := ""
		for _, d := range docs {
			if d[1] <= m[0] {
				doc = strings.TrimPrefix(text[d[0]:d[1]], "./")
			}
		}
		ref := strings.TrimSpace(text[m[0]:m[1]])
		if doc == "" {
			c.bad = append(c.bad, where+": "+ref+" names no document (write docs/domain.md "+ref+")")
			continue
		}
		ix := c.index(doc)
		if ix == nil {
			continue // reported above
		}
		for _, s := range missingSections(ix, text, m) {
			c.bad = append(c.bad, where+": "+doc+" has no section "+s)
		}
	}
}

// missingSections is what section reference m (a match of sectionRef in
// text) names that ix lacks: either end of a numbered range, or a title.
func missingSections(ix *docIndex, text string, m []int) []string {
	var missing []string
	if m[2] >= 0 {
		for _, g := range [][2]int{{m[2], m[3]}, {m[4], m[5]}} {
			if g[0] >= 0 && !ix.numbers[text[g[0]:g[1]]] {
				missing = append(missing, "§"+text[g[0]:g[1]])
			}
		}
	} else if title := strings.TrimSpace(text[m[6]:m[7]]); !ix.hasTitle(title) {
		missing = append(missing, "§"+strings.TrimRight(title, "."))
	}
	return missing
}

type docIndex struct {
	numbers map[string]bool
	titles  []string
}

func indexDoc(s string) *docIndex {
	ix := &docIndex{numbers: map[string]bool{}}
	inFence := false
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "```") {
			inFence = !inFence
		}
		if inFence {
			continue
		}
		if m := numbered.FindStringSubmatch(l); m != nil {
			ix.numbers[m[1]] = true
		}
		if m := heading.FindStringSubmatch(l); m != nil {
			t := strings.TrimSpace(strings.TrimLeft(m[1], "0123456789."))
			ix.titles = append(ix.titles, strings.ToLower(t))
		}
	}
	return ix
}

// hasTitle reports whether a heading starts with title.
func (ix *docIndex) hasTitle(title string) bool {
	t := strings.ToLower(strings.Trim(title, `"“”'.`))
	for _, h := range ix.titles {
		if strings.HasPrefix(h, t) {
			return true
		}
	}
	return false
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

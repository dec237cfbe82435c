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
	var bad []string
	sections := map[string]*docIndex{}
	index := func(p string) *docIndex {
		if ix, ok := sections[p]; ok {
			return ix
		}
		var ix *docIndex
		if b, err := fs.ReadFile(fsys, p); err == nil {
			ix = indexDoc(string(b))
		}
		sections[p] = ix
		return ix
	}
	fset := token.NewFileSet()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
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
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			for _, m := range mdLink.FindAllStringSubmatch(string(b), -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") || strings.HasPrefix(target, "/") {
					continue
				}
				if _, err := fs.Stat(fsys, path.Join(path.Dir(p), target)); err != nil {
					bad = append(bad, p+": link to "+target+", which is not in the repository")
				}
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, p, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, cg := range f.Comments {
			line := fset.Position(cg.Pos()).Line
			where := p + ":" + itoa(line)
			text := cg.Text()
			docs := mdRef.FindAllStringIndex(text, -1)
			for _, m := range docs {
				ref := strings.TrimPrefix(text[m[0]:m[1]], "./")
				if _, err := fs.Stat(fsys, ref); err != nil {
					bad = append(bad, where+": "+ref+" is not in the repository (documents live in docs/)")
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
					bad = append(bad, where+": "+ref+" names no document (write docs/domain.md "+ref+")")
					continue
				}
				ix := index(doc)
				if ix == nil {
					continue // reported above
				}
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
				for _, s := range missing {
					bad = append(bad, where+": "+doc+" has no section "+s)
				}
			}
		}
		return nil
	})
	return bad, err
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

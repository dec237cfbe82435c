package rulebook

import (
	"os"
	"slices"
	"testing"
	"testing/fstest"
)

// Every document and section a comment points to is in the repository.
func TestCommentsReferToExistingDocs(t *testing.T) {
	bad, err := DocRefs(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Error(b)
	}
}

// The check finds a document, a section or a heading that is not there.
func TestDocRefs(t *testing.T) {
	domain := "# Domain\n\n## 5. Rules\n\n**5.1 Permit.** …\n\n**5.3 Contracts.** …\n\n## 6. Working days\n"
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"sections that exist", "// Check (docs/domain.md §5.1, §5.3) and the\n// calendar (docs/domain.md\n// §6).\n", nil},
		{"a range", "// see docs/domain.md §5.1–5.3\n", nil},
		{"a heading by name", "// docs/domain.md §Working days.\n", nil},
		{"a document outside the repository", "// (../shared/DOMAIN.md §5.1)\n", []string{
			"a.go:3: ../shared/DOMAIN.md is not in the repository (documents live in docs/)"}},
		{"a document that is not there", "// docs/design.md says so\n", []string{
			"a.go:3: docs/design.md is not in the repository (documents live in docs/)"}},
		{"a section that is not there", "// docs/domain.md §5.2, §5.1–5.4\n", []string{
			"a.go:3: docs/domain.md has no section §5.2", "a.go:3: docs/domain.md has no section §5.4"}},
		{"a heading that is not there", "// docs/domain.md §Holidays\n", []string{
			"a.go:3: docs/domain.md has no section §Holidays"}},
		{"a section of no document", "// the rule of §5.3\n", []string{
			"a.go:3: §5.3 names no document (write docs/domain.md §5.3)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"docs/domain.md": {Data: []byte(domain)},
				"a.go":           {Data: []byte("package a\n\n" + tt.src + "func F() {}\n")},
			}
			got, err := DocRefs(fsys)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

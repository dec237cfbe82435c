// Package snippets holds the signature checks that /docs/events shows
// partners' developers, in Go, Java and Python, as source files: the page
// shows the files, and this package's tests compile and run them against
// the platform's own signing (exchange.SignAll), so that what partners
// copy is what was checked.
package snippets

import (
	"embed"
	"strings"
)

//go:embed verify.go verify.py HandoverSignature.java
var files embed.FS

// Go is the Go check as the page shows it: verify.go from its imports on
// (the package clause is the reader's own).
func Go() string {
	s := read("verify.go")
	if i := strings.Index(s, "import ("); i >= 0 {
		s = s[i:]
	}
	return strings.TrimSpace(s)
}

// Java is the Java check (Bouncy Castle), the whole file.
func Java() string { return strings.TrimSpace(read("HandoverSignature.java")) }

// Python is the Python check, the whole file.
func Python() string { return strings.TrimSpace(read("verify.py")) }

func read(name string) string {
	b, err := files.ReadFile(name)
	if err != nil {
		panic("snippets: " + name + " is not embedded") // a build without the file: caught by every test of the page
	}
	return string(b)
}

package web

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The pages' Content-Security-Policy (script-src 'self', style-src 'self')
// blocks inline event handlers and style attributes: a template that uses
// one has a control that silently does nothing. Behaviour goes in
// static/app.js, keyed by data- attributes.
func TestTemplatesNeedNoInlineScriptOrStyle(t *testing.T) {
	inline := regexp.MustCompile(`(?i)\son[a-z]+\s*=|\sstyle\s*=|<script>|<style>`)
	err := fs.WalkDir(os.DirFS("templates"), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := os.ReadFile("templates/" + path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if m := inline.FindString(line); m != "" {
				t.Errorf("templates/%s:%d: %q is blocked by the pages' CSP", path, i+1, strings.TrimSpace(m))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

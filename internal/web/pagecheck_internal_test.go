package web

import (
	"testing"

	"handover/internal/web/htmlcheck"
)

// The template tests of this package check pages by element too; see
// pagecheck_test.go for the tests that drive the running platform.
var (
	in           = htmlcheck.In
	notIn        = htmlcheck.NotIn
	none         = htmlcheck.None
	countOf      = htmlcheck.Count
	hasText      = htmlcheck.HasText
	lacksText    = htmlcheck.LacksText
	hasExactText = htmlcheck.HasExactText
	hasAttr      = htmlcheck.HasAttr
)

// checkPage reports under what every check the page fails; it returns
// whether all passed.
func checkPage(t testing.TB, what, page string, checks ...htmlcheck.Checker) bool {
	t.Helper()
	if err := htmlcheck.Run(page, checks...); err != nil {
		t.Errorf("%s: %v", what, err)
		return false
	}
	return true
}

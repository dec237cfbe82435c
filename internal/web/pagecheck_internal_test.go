package web

import (
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
	checkPage    = htmlcheck.Expect // reports every failed check under what; whether all passed
)

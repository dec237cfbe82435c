package web_test

import (
	"testing"

	"handover/internal/web/htmlcheck"
)

// Page checks address the element that shows a thing, so a phrase elsewhere
// on the page (the navigation, another row, a hidden form) cannot pass them.
var (
	allOf        = htmlcheck.All
	in           = htmlcheck.In
	inAll        = htmlcheck.InAll
	inAny        = htmlcheck.InAny
	notIn        = htmlcheck.NotIn
	none         = htmlcheck.None
	countOf      = htmlcheck.Count
	hasText      = htmlcheck.HasText
	lacksText    = htmlcheck.LacksText
	hasExactText = htmlcheck.HasExactText
	hasAttr      = htmlcheck.HasAttr
	checkPage    = htmlcheck.Expect // reports every failed check under what; whether all passed
	hasClass     = htmlcheck.HasClass
)

// pageText is the text of the first element of page matching selector, ""
// when none does.
func pageText(t testing.TB, page, selector string) string {
	t.Helper()
	doc, err := htmlcheck.Parse(page)
	if err != nil {
		t.Fatal(err)
	}
	return htmlcheck.Text(htmlcheck.Find(doc, selector))
}

package web_test

import (
	"os"
	"regexp"
	"testing"

	"handover/internal/store/storetest"
	"handover/internal/web/htmlcheck"
	"handover/internal/web/webtest"
)

// The 通报's comparison of counties gives each county's median working days
// from the completion filing to the certificate: in the demo prefecture's
// report of one county, the county's median is the report's own.
func TestReportCountyWorkdays(t *testing.T) {
	if os.Getenv(storetest.EnvPostgres) != "" {
		// The counties' spans are summed on the page from the dashboard's
		// groups, whose SQL the dashboard tests run on both engines.
		t.Skip("engine-independent; run on SQLite")
	}
	env := webtest.StartDemo(t)
	_, page := get(t, env.Client(t, "jianguan"), env.HTTP.URL+"/dashboard/report?jurisdiction=652301")
	m := regexp.MustCompile(`中位数 (\d+)`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the demo's report of 昌吉市 gives no median working days from filing to certificate")
	}
	checkPage(t, "the report's counties", page,
		htmlcheck.Count("#report-counties tbody tr", 1),
		in("#report-counties tbody tr td.county", hasExactText("昌吉市")),
		in("#report-counties tbody tr td.workdays", hasExactText(m[1])))
}

package web_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Jurisdictions appear by name, not by code, on the pages that list them
// and in the report's workbook.
func TestJurisdictionsByName(t *testing.T) {
	m := newMatrix(t)
	base := m.env.HTTP.URL
	supervisor := m.env.Client(t, "jianguan")

	_, page := get(t, m.env.Client(t, "kaifa"), base+fmt.Sprintf("/alerts/%d", m.fixture["alert"]))
	checkPage(t, "the alert", page, in("#alert-jurisdiction", hasExactText("昌吉市")))

	_, page = get(t, supervisor, base+"/dashboard/projects?jurisdiction=652301")
	checkPage(t, "the dashboard's projects", page,
		inAny("#projects td.jurisdiction", hasExactText("昌吉市")),
		notIn("#projects td.jurisdiction", hasText("652301")))

	_, page = get(t, supervisor, base+"/dashboard/report?jurisdiction=652301")
	checkPage(t, "the report", page,
		inAny("#report-counties td.county", hasExactText("昌吉市")),
		notIn("#report-counties td.county", hasText("652301")))

	resp, err := supervisor.Get(base + "/dashboard/report.xlsx?jurisdiction=652301")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("report workbook (%d): %v", resp.StatusCode, err)
	}
	defer f.Close()
	if got, _ := f.GetCellValue("项目", "B4"); got != "昌吉市" {
		t.Errorf("the workbook's first project is in %q, want 昌吉市", got)
	}
}

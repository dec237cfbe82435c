package web_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"handover/internal/web/htmlcheck"
)

// The units behind a dashboard number: the dashboard's link opens the
// list of as many units as it says, 50 a page; the pager and the search
// keep the number's stage, period and jurisdiction; the search finds a
// flat by its unit number; a county's clerk may not open another county's.
func TestDashboardUnitsPage(t *testing.T) {
	env, _ := startLedger(t)
	supervisor := env.Client(t, "jianguan")
	open := func(c string, path string) string {
		t.Helper()
		client := supervisor
		if c != "jianguan" {
			client = env.Client(t, c)
		}
		return getOK(t, client, env.HTTP.URL+path)
	}
	dash, err := htmlcheck.Parse(open("jianguan", "/dashboard?jurisdiction=652301"))
	if err != nil {
		t.Fatal(err)
	}
	// The stage table's link to the unsold flats, and the number it shows.
	var link string
	var figure int
	for _, a := range htmlcheck.FindAll(dash, "a") {
		for _, at := range a.Attr {
			if at.Key == "href" && strings.HasPrefix(at.Val, "/dashboard/units?stage=unsold&") && link == "" {
				if n, err := strconv.Atoi(htmlcheck.Text(a)); err == nil {
					link, figure = at.Val, n
				}
			}
		}
	}
	if link == "" || figure <= 50 {
		t.Fatalf("the dashboard's link to the unsold flats: %q with %d, want more than a page", link, figure)
	}
	var total int
	if err := env.Raw.QueryRow(`SELECT COUNT(*) FROM units u JOIN buildings b ON b.id = u.building_id JOIN projects p ON p.id = b.project_id
		WHERE p.jurisdiction = '652301' AND u.id NOT IN (SELECT unit_id FROM contracts WHERE state IN ('signed', 'filed'))`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if figure != total {
		t.Fatalf("the dashboard says %d unsold, the database %d", figure, total)
	}
	u, _ := url.Parse(link)
	carried := u.Query()
	next := url.Values{}
	for k, v := range carried {
		next[k] = v
	}
	next.Set("page", "2")

	first := open("jianguan", link)
	checkPage(t, "the units behind the figure", first,
		in("#total", hasExactText("共 "+strconv.Itoa(total)+" 户。")),
		in(".pager .pager-total b", hasExactText(strconv.Itoa(total))),
		countOf("#units tbody tr[data-unit]", 50),
		in(".pager a[rel=next]", hasAttr("href", "/dashboard/units?"+next.Encode())))
	for _, k := range []string{"stage", "from", "to", "jurisdiction"} {
		checkPage(t, "the search form carries "+k, first, in(`form[role=search] input[type=hidden][name=`+k+`]`, hasAttr("value", carried.Get(k))))
	}
	// Due dates in order: the soonest first.
	doc, _ := htmlcheck.Parse(first)
	var due []string
	for _, n := range htmlcheck.FindAll(doc, "#units tbody tr[data-unit] td.due") {
		due = append(due, htmlcheck.Text(n))
	}
	for i := 1; i < len(due); i++ {
		if due[i-1] > due[i] && due[i] != "" {
			t.Errorf("rows %d and %d: due %s before %s", i, i+1, due[i-1], due[i])
		}
	}
	checkPage(t, "page 2", open("jianguan", "/dashboard/units?"+next.Encode()),
		countOf("#units tbody tr[data-unit]", min(50, total-50)),
		in(".pager .pager-at", hasText("第 2 /")))

	unitNo := htmlcheck.Text(htmlcheck.Find(doc, "#units tbody tr[data-unit] td.mono"))
	search := url.Values{}
	for k, v := range carried {
		search[k] = v
	}
	search.Set("q", unitNo)
	checkPage(t, "search by unit number", open("jianguan", "/dashboard/units?"+search.Encode()),
		countOf("#units tbody tr[data-unit]", 1),
		in("#units tbody tr[data-unit] td.mono", hasExactText(unitNo)),
		in("#total", hasText("共 1 户")))
	search.Set("q", "%")
	checkPage(t, "search for %", open("jianguan", "/dashboard/units?"+search.Encode()),
		none("#units tbody tr[data-unit]"), in("#units tbody td.muted", hasExactText("没有与“%”相符的户。")))

	if status, _ := get(t, env.Client(t, "shouli"), env.HTTP.URL+"/dashboard/units?stage=unsold&jurisdiction=652302"); status != 403 {
		t.Errorf("a clerk of 652301 opening 652302's units: %d, want 403", status)
	}
}

// A number's address edited by hand, or cut short, is refused with what
// was wrong, never answered with an empty list or a prefecture of zeros
// under a name it does not count.
func TestDashboardRefusesWrongInput(t *testing.T) {
	env, _ := startLedger(t)
	supervisor := env.Client(t, "jianguan")
	for _, tt := range []struct {
		path, code, field string
	}{
		{"/dashboard?jurisdiction=999999", "dashboard.jurisdiction", "jurisdiction"},
		{"/dashboard/units?stage=unsold&jurisdiction=65230", "dashboard.jurisdiction", "jurisdiction"},
		{"/dashboard/units?stage=nonsense", "dashboard.drill", "stage"},
		{"/dashboard/units?month=2026-1", "dashboard.drill", "month"},
		{"/dashboard/units?month=2026-13", "dashboard.drill", "month"},
		{"/dashboard/units?month=%3Cb%3E", "dashboard.drill", "month"},
		{"/dashboard/projects?stage=bogus", "dashboard.drill", "stage"},
		{"/dashboard/units?stage=handed_over&from=2026-02-30", "dashboard.period", "from"},
		{"/dashboard?from=2026-12-01&to=2026-01-01", "dashboard.period", "to"},
	} {
		status, page := get(t, supervisor, env.HTTP.URL+tt.path)
		if status != 400 {
			t.Errorf("GET %s: %d, want 400", tt.path, status)
			continue
		}
		checkPage(t, "GET "+tt.path, page,
			in("#error-code", hasExactText(tt.code)),
			countOf(".alert.err ul.fields li[data-field]", 1),
			in(".alert.err ul.fields li[data-field="+tt.field+"]", hasText("")),
			none("#units"))
	}
	// The API answers the same codes.
	for _, tt := range []struct{ path, code string }{
		{"/api/v1/dashboard?jurisdiction=999999", "dashboard.jurisdiction"},
		{"/api/v1/dashboard?from=x", "dashboard.period"},
	} {
		status, body := get(t, supervisor, env.HTTP.URL+tt.path)
		if status != 400 || !strings.Contains(body, `"code":"`+tt.code+`"`) {
			t.Errorf("GET %s: %d %s, want 400 with %s", tt.path, status, body, tt.code)
		}
	}
	// The prefecture's own code is the whole prefecture, as no code is.
	whole, prefecture := getOK(t, supervisor, env.HTTP.URL+"/dashboard"), getOK(t, supervisor, env.HTTP.URL+"/dashboard?jurisdiction=652300")
	if got, want := pageText(t, prefecture, "#fig-handed"), pageText(t, whole, "#fig-handed"); got != want || want == "" {
		t.Errorf("handed over in the period, with the prefecture's code: got %q, want %q as for the whole prefecture", got, want)
	}
	// What the dashboard links to still opens.
	for _, path := range []string{"/dashboard?jurisdiction=652301", "/dashboard/units?stage=same_day", "/dashboard/units?month=2026-03",
		"/dashboard/units", "/dashboard/projects?stage=meeting", "/dashboard/projects?stage=handed_in_period", "/dashboard/projects"} {
		if status, _ := get(t, supervisor, env.HTTP.URL+path); status != 200 {
			t.Errorf("GET %s: %d, want 200", path, status)
		}
	}
}

package web_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"handover/internal/audit"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/store/storetest"
	"handover/internal/web/htmlcheck"
	"handover/internal/web/webtest"
)

// The window's queue at volume: 60 applications waiting for review show
// 50 to a page with the total on the tab and in the pager, page 2 holds
// the rest, and the search box finds one application by its flat and by
// its 受理号, keeping the step.
func TestRegistrationQueuePages(t *testing.T) {
	env := webtest.StartDemo(t)
	ctx := context.Background()
	var clerk audit.Actor
	if err := env.Raw.QueryRow(`SELECT id, name, org_id FROM users WHERE username = 'shouli'`).Scan(&clerk.UserID, &clerk.Name, &clerk.OrgID); err != nil {
		t.Fatal(err)
	}
	rows, err := env.Raw.Query(`SELECT u.id, b.name || ' ' || u.room FROM units u JOIN buildings b ON b.id = u.building_id
		JOIN projects p ON p.id = b.project_id WHERE p.jurisdiction = '652301' AND u.id NOT IN (SELECT unit_id FROM services)
		ORDER BY u.id LIMIT 60`)
	if err != nil {
		t.Fatal(err)
	}
	type flat struct {
		id   int64
		room string
	}
	var flats []flat
	for rows.Next() {
		var f flat
		if err := rows.Scan(&f.id, &f.room); err != nil {
			t.Fatal(err)
		}
		flats = append(flats, f)
	}
	rows.Close()
	if len(flats) != 60 {
		t.Fatalf("got %d free flats in 652301, want 60", len(flats))
	}
	cal := env.Cal.Get()
	var numbers []string
	for i, f := range flats {
		a, err := env.DB.CreateApplication(ctx, clerk, cal, store.ApplicationInput{Applicants: storetest.Applicants(fmt.Sprintf("异议人%02d", i)),
			Services: []store.ServiceInput{{Kind: registry.ObjectReg, UnitID: f.id, Details: map[string]string{"reason": "共同出资"}}}})
		if err != nil {
			t.Fatalf("application for %s: %v", f.room, err)
		}
		numbers = append(numbers, a.Number)
	}
	var before int
	if err := env.Raw.QueryRow(`SELECT COUNT(*) FROM services s JOIN applications a ON a.id = s.application_id
		WHERE a.state = 'open' AND a.jurisdiction = '652301' AND s.state = 'accepted'`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	c := env.Client(t, "shenhe")
	page := func(query url.Values) string {
		t.Helper()
		status, body := get(t, c, env.HTTP.URL+"/registration?"+query.Encode())
		if status != 200 {
			t.Fatalf("GET /registration?%s: got status %d", query.Encode(), status)
		}
		return body
	}
	total := fmt.Sprint(before)
	htmlcheck.Expect(t, "the review queue, page 1", page(url.Values{"state": {"accepted"}}),
		htmlcheck.In(`.tabs a[aria-current="page"] .badge`, htmlcheck.HasExactText(total)),
		htmlcheck.In(`.pager .pager-total b`, htmlcheck.HasExactText(total)),
		htmlcheck.Count(`#queue tbody tr`, 50),
		htmlcheck.In(`.pager a[rel="next"]`, htmlcheck.HasAttr("href", "/registration?page=2&state=accepted")))
	htmlcheck.Expect(t, "the review queue, page 2", page(url.Values{"state": {"accepted"}, "page": {"2"}}),
		htmlcheck.Count(`#queue tbody tr`, before-50),
		htmlcheck.None(`.pager a[rel="next"]`))

	one, n := flats[41], numbers[41]
	for _, search := range []string{one.room, n} {
		htmlcheck.Expect(t, "the queue searched for "+search, page(url.Values{"state": {"accepted"}, "q": {search}}),
			htmlcheck.Count(`#queue tbody tr`, 1),
			htmlcheck.In(`#queue tbody tr td a`, htmlcheck.HasExactText(n)),
			htmlcheck.In(`form[role="search"] input[name="state"]`, htmlcheck.HasAttr("value", "accepted")),
			htmlcheck.In(`form[role="search"] input[name="q"]`, htmlcheck.HasAttr("value", search)))
	}
}

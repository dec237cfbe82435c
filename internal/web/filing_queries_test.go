package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/store"
	"handover/internal/web/webtest"
)

// A completion filing recorded on the completion page costs the database
// no more than the same filing over the API: both read the project, decide
// on it and ask store.RecordFiling; the page is not loaded to authorise.
func TestFilingPageReadsNoMoreThanAPI(t *testing.T) {
	file := func(t *testing.T, viaPage bool) *store.QueryCount {
		env, project, building := readyToFile(t, time.Time{})
		base, measure := countingServer(t, env)
		client := env.Client(t, "zhujian")
		// The first request resolves the principal; the filing finds it cached.
		if status, _ := get(t, client, fmt.Sprintf("%s/api/v1/projects/%d", base, project)); status != 200 {
			t.Fatalf("GET project: %d", status)
		}
		number, today := "昌建竣备〔2026〕001号", calendar.DateOf(env.Clock.Now()).String()
		n := measure(func() {
			if viaPage {
				status, loc, body := postForm(t, client, fmt.Sprintf("%s/projects/%d/completion/filing", base, project), url.Values{
					"number": {number}, "filed_on": {today}, "building": {strconv.FormatInt(building, 10)}})
				if status != http.StatusSeeOther {
					t.Fatalf("page filing: %d %s %s", status, loc, body)
				}
				return
			}
			body := fmt.Sprintf(`{"number":%q,"filed_on":%q,"buildings":[%d]}`, number, today, building)
			if status, e := call(t, client, "POST", fmt.Sprintf("%s/api/v1/projects/%d/completion-filing", base, project), body, nil); status != 201 {
				t.Fatalf("API filing: %d %+v", status, e)
			}
		})
		fs, err := env.DB.Filings(context.Background(), project)
		if err != nil || len(fs) != 1 {
			t.Fatalf("filings after one filing: %d %v", len(fs), err)
		}
		return n
	}
	api, page := file(t, false), file(t, true)
	t.Logf("API: %d reads, %d statements in transactions; page: %d reads, %d statements in transactions",
		api.Reads.Load(), api.InTx.Load(), page.Reads.Load(), page.InTx.Load())
	if api.Reads.Load() == 0 || api.InTx.Load() == 0 {
		t.Fatal("the API's filing counted no statement: the counter is not reached")
	}
	if page.Reads.Load() > api.Reads.Load() {
		t.Errorf("the page's filing read %d times outside its transaction, the API's %d", page.Reads.Load(), api.Reads.Load())
	}
	if page.InTx.Load() > api.InTx.Load() {
		t.Errorf("the page's filing ran %d statements in transactions, the API's %d", page.InTx.Load(), api.InTx.Load())
	}
}

// readyToFile takes building 0 of the demo's first project through the
// joint acceptance (every department passed, at opinionsAt when it is not
// zero) and the accounting (every item cleared), ready for its completion
// filing.
func readyToFile(t *testing.T, opinionsAt time.Time) (*webtest.Env, int64, int64) {
	t.Helper()
	env, project, ids := startCompletion(t, stageApplied)
	if !opinionsAt.IsZero() {
		env.Clock.Set(opinionsAt)
	}
	ctx := context.Background()
	c, err := env.DB.AcceptanceCase(ctx, ids["case"])
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range c.Tasks {
		if _, err := env.DB.RecordOpinion(ctx, audit.Actor{UserID: 1, OrgID: task.OrgID}, c.ID, task.Department, completion.Pass, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	housing := actorOfUser(env, "zhujian")
	if _, err := env.DB.PrepareAccounting(ctx, housing, project); err != nil {
		t.Fatal(err)
	}
	items, _ := env.DB.AccountingItems(ctx, project, false)
	for _, it := range items {
		if _, err := env.DB.RecordItem(ctx, housing, it.ID, it.Due, it.Due, "凭证", "补充协议"); err != nil {
			t.Fatal(err)
		}
		if _, err := env.DB.ClearItem(ctx, housing, it.ID); err != nil {
			t.Fatal(err)
		}
	}
	return env, project, c.Buildings[0]
}

// countingServer serves env's pages and API on a second address; measure
// runs do and returns the statements the store ran for the requests do
// sent there (requests must not overlap a measure).
func countingServer(t *testing.T, env *webtest.Env) (string, func(do func()) *store.QueryCount) {
	t.Helper()
	var cur atomic.Pointer[store.QueryCount]
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := cur.Load(); c != nil {
			r = r.WithContext(store.CountQueries(r.Context(), c))
		}
		env.Server.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	return hs.URL, func(do func()) *store.QueryCount {
		c := new(store.QueryCount)
		cur.Store(c)
		defer cur.Store(nil)
		do()
		return c
	}
}

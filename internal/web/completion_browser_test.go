package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"handover/internal/completion"
	"handover/internal/demo"
	"handover/internal/ledger"
	"handover/internal/web/webtest"
)

// buildingAndTable reads a building and its 楼盘表.
func buildingAndTable(t *testing.T, env *webtest.Env, building int64) (ledger.Building, ledger.Table) {
	t.Helper()
	ctx := context.Background()
	b, err := env.DB.Building(ctx, building)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := env.DB.BuildingTable(ctx, building)
	if err != nil {
		t.Fatal(err)
	}
	return b, tab
}

// firstAvailable is the first unit of a building the 楼盘表 shows as 未售.
func firstAvailable(t *testing.T, env *webtest.Env, building int64) int64 {
	t.Helper()
	_, tab := buildingAndTable(t, env, building)
	for _, row := range tab.Rows {
		for _, c := range row.Cells {
			if c.State == ledger.Available {
				return c.Unit.ID
			}
		}
	}
	t.Fatalf("building %d has no unit for sale", building)
	return 0
}

// startCompletion starts the demo ledger and takes building 0 of the first
// project to stage.
func startCompletion(t *testing.T, stage int) (*webtest.Env, int64, map[string]int64) {
	t.Helper()
	env, _, building := startSale(t)
	b, tab := buildingAndTable(t, env, building)
	// Two flats of the building are sold and filed.
	for i, id := range []string{"652301199003071231", "65230120000229456X"} {
		sell(t, env, saleInput(tab.Rows[0].Cells[i].Unit.ID, "买受人", id), true)
	}
	return env, b.ProjectID, completeBuilding(t, env, b.ProjectID, building, tab, 0, stage)
}

// The fire department's inspector opens the queue, refuses with reasons
// and an attachment; the case returns to the developer, the attachment
// can be downloaded, and the developer sees the re-inspection button.
func TestBrowserAcceptanceOpinion(t *testing.T) {
	env, _, ids := startCompletion(t, stageApplied)
	b := webtest.Browser(t)
	base := env.HTTP.URL
	photo := filepath.Join(t.TempDir(), "现场照片.txt")
	if err := os.WriteFile(photo, []byte("消防车道宽度3.6米"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := webtest.Login(b, base, "yanshou", demo.Password); err != nil {
		t.Fatal(err)
	}
	// The queue lists the open task; following it opens the case.
	err := chromedp.Do(b,
		chromedp.Navigate(base+"/acceptance"),
		webtest.Submit(fmt.Sprintf(`a[href="/acceptance/%d"]`, ids["case"])),
		chromedp.WaitVisible(chromedp.CSS(`#opinion`)),
	)
	if err != nil {
		t.Fatalf("queue: %v", err)
	}
	yes := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](`window.confirm = () => true`)(ctx, t)
		return err
	})
	err = chromedp.Do(b, yes,
		chromedp.Click(chromedp.CSS(`input[name=result][value=fail]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=reasons]`), "消防车道宽度不足4米，请整改后复验"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name=files]`), []string{photo}),
		webtest.Submit(`button[data-step=opinion]`),
		chromedp.WaitVisible(chromedp.CSS(`#case-state`)),
	)
	if err != nil {
		t.Fatalf("opinion: %v", err)
	}
	webtest.Screenshot(t, b, "acceptance-refused")
	if state := webtest.Text(t, b, "#case-state"); state != completion.Rejected.Label() {
		t.Errorf("case state: got %q, want %q", state, completion.Rejected.Label())
	}
	if msg := webtest.Text(t, b, ".alert.ok"); !strings.Contains(msg, "已出具消防验收意见") {
		t.Errorf("flash: %q", msg)
	}
	href, err := chromedp.Run(b, chromedp.Evaluate[string](`(document.querySelector('a[href^="/attachments/"]') || {}).href || ""`))
	if err != nil || href == "" {
		t.Fatalf("no attachment link: %v", err)
	}
	c := env.Client(t, "kaifa")
	if status, body := get(t, c, href); status != 200 || body != "消防车道宽度3.6米" {
		t.Errorf("attachment download by the developer: %d %q", status, body)
	}
	if status, _ := get(t, env.Client(t, "yinhang"), href); status != 403 {
		t.Errorf("attachment download by a bank: %d, want 403", status)
	}
	// The developer sees the refusal and may ask for re-inspection once
	// every department has answered.
	status, body := get(t, c, fmt.Sprintf("%s/acceptance/%d", base, ids["case"]))
	if status != 200 {
		t.Errorf("developer's case page: got status %d, want 200", status)
	}
	checkPage(t, "developer's case page", body, inAny("table tbody tr td.opinion-reasons", hasText("消防车道宽度不足4米")))
}

// The readiness page of a filed project shows the countdown: 20 working
// days on the day of filing, ticking down to the end of the due day, and
// the conditions still blocking the handover.
func TestBrowserReadinessCountdown(t *testing.T) {
	env, project, _ := startCompletion(t, stageFiled)
	b := webtest.Browser(t)
	base := env.HTTP.URL
	if err := webtest.Login(b, base, "kaifa", demo.Password); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(b,
		chromedp.Navigate(fmt.Sprintf("%s/projects/%d", base, project)),
		webtest.Submit(`a[href$="/readiness"]`),
		chromedp.WaitVisible(chromedp.CSS(`.countdown`)),
		chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Poll[bool](`document.querySelector('.clock-remaining').textContent.includes('距时限届满还有')`)(ctx, tg)
			return chromedp.Void{}, err
		}),
	)
	if err != nil {
		html, _ := chromedp.Run(b, chromedp.Evaluate[string](`document.querySelector('.countdown') ? document.querySelector('.countdown').outerHTML : document.body.innerHTML.slice(0, 2000)`))
		t.Fatalf("readiness page: %v\n%s", err, html)
	}
	webtest.Screenshot(t, b, "readiness-countdown")
	if left := webtest.Text(t, b, ".countdown .workdays-left"); left != "20" {
		t.Errorf("working days left on the day of filing: got %q, want 20", left)
	}
	first := webtest.Text(t, b, ".clock-remaining")
	if err := chromedp.Do(b, chromedp.Sleep(1100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if again := webtest.Text(t, b, ".clock-remaining"); again == first {
		t.Errorf("the countdown does not tick: %q", again)
	}
	// Narrowed to the filed building, what remains is per sold unit.
	var building int64
	if d, err := env.DB.ProjectDetail(context.Background(), project); err == nil {
		building = d.Buildings[0].Building.ID
	}
	err = chromedp.Do(b, chromedp.Navigate(fmt.Sprintf("%s/projects/%d/readiness?target=handover&building=%d", base, project, building)),
		chromedp.WaitVisible(chromedp.CSS(`.checklist`)))
	if err != nil {
		t.Fatal(err)
	}
	codes, err := chromedp.Run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('tr[data-code]')].map(r => r.dataset.code)`))
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(codes, " ")
	for _, want := range []string{"transfer.ownership", "handover.maintenance", "transfer.deed_tax"} {
		if !strings.Contains(joined, want) {
			t.Errorf("conditions %v lack %s", codes, want)
		}
	}
	if strings.Contains(joined, "filing.") {
		t.Errorf("a filed building still lists filing conditions: %v", codes)
	}
}

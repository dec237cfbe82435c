package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"handover/internal/completion"
)

// The 工程建设项目审批管理系统 records a filing over the API: a date before
// the day the joint acceptance passed is refused with the rule, the
// building, its basis and who corrects it; the acceptance day is filed.
func TestFilingAPIRefusesDateBeforeAcceptance(t *testing.T) {
	// The opinions on 2026-03-12, 10:00 in China.
	env, project, building := readyToFile(t, time.Date(2026, 3, 12, 2, 0, 0, 0, time.UTC))
	b, err := env.DB.Building(context.Background(), building)
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("%s/api/v1/projects/%d/completion-filing", env.HTTP.URL, project)
	body := func(on string) string {
		return fmt.Sprintf(`{"number":"昌建竣备〔2026〕%s","filed_on":%q,"buildings":[%d]}`, on, on, b.ID)
	}
	client := env.Client(t, "zhujian")
	status, e := call(t, client, "POST", url, body("2026-03-11"), nil)
	if status != 422 || e.Error.Code != completion.RuleBeforeAcceptance || len(e.Error.Reasons) != 1 {
		t.Fatalf("filed the day before the acceptance: got %d %s %+v, want 422 %s", status, e.Error.Code, e.Error.Reasons, completion.RuleBeforeAcceptance)
	}
	if r := e.Error.Reasons[0]; r.Rule != completion.RuleBeforeAcceptance || r.Subject != b.Name || r.Basis == "" || r.Fixer == "" ||
		!strings.Contains(r.Message, "2026年3月12日") {
		t.Errorf("reason %+v: want the rule, the building, the acceptance day, a basis and a fixer", r)
	}
	var f struct {
		DueOn string `json:"due_on"`
	}
	if status, e := call(t, client, "POST", url, body("2026-03-12"), &f); status != 201 || f.DueOn != "2026-04-10" {
		t.Errorf("filed on the acceptance day: got %d %+v %+v, want 201 due 2026-04-10", status, f, e)
	}
}

// A holiday notice loaded over the API after the filing moves the clock on
// the readiness API and on the completion page by the working day it adds.
func TestNoticeMovesClock(t *testing.T) {
	env, project, _ := startCompletion(t, stageFiled) // filed on 2026-03-10: due 2026-04-08
	admin, housing := env.Client(t, "admin"), env.Client(t, "zhujian")
	readiness := func() (string, int) {
		t.Helper()
		var r struct {
			Clocks []struct {
				DueOn        string `json:"due_on"`
				WorkdaysLeft int    `json:"workdays_left"`
			} `json:"clocks"`
		}
		if status, e := call(t, housing, "GET", fmt.Sprintf("%s/api/v1/projects/%d/readiness", env.HTTP.URL, project), "", &r); status != 200 || len(r.Clocks) != 1 {
			t.Fatalf("readiness: %d %+v %+v", status, r, e)
		}
		return r.Clocks[0].DueOn, r.Clocks[0].WorkdaysLeft
	}
	if due, left := readiness(); due != "2026-04-08" || left != 20 {
		t.Fatalf("before the notice: due %s with %d working days left, want 2026-04-08 and 20", due, left)
	}
	notice := "范围 650000 新疆维吾尔自治区\n年度 2026\n标题 新疆维吾尔自治区2026年肉孜节放假安排\n休 2026-03-20 至 2026-03-22 肉孜节\n"
	req := strings.NewReader(notice)
	resp, err := admin.Post(env.HTTP.URL+"/api/v1/calendar/notices", "text/plain; charset=utf-8", req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("loading the notice: %d", resp.StatusCode)
	}
	if due, left := readiness(); due != "2026-04-09" || left != 20 {
		t.Errorf("after the notice: due %s with %d working days left, want 2026-04-09 and 20", due, left)
	}
	status, page := get(t, housing, fmt.Sprintf("%s/projects/%d/completion", env.HTTP.URL, project))
	if status != 200 {
		t.Errorf("completion page: got status %d, want 200", status)
	}
	checkPage(t, "completion page", page, in("#file p.filing", hasText("交房即交证时限至 2026年4月9日"), in("strong", hasExactText("2026年4月9日"))))
}

package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/completion"
	"handover/internal/ledger"
	"handover/internal/measure"
	"handover/internal/problem"
)

// shrink is a's 套内 area times f with the 分摊 and 建筑 areas consistent.
func shrink(a ledger.Areas, f string) ledger.Areas {
	a.Inner = a.Inner.Mul(decimal.RequireFromString(f)).Round(2)
	a.Shared = a.Inner.Mul(a.Ratio).Round(2)
	a.Total = a.Inner.Add(a.Shared)
	return a
}

// The reconciliation page's refund card shows the total the API's
// contracts add up to, the double refund included: two flats measured
// smaller, one by 5 % (beyond the band: refunded once up to 3 %, double
// beyond) and one by 2 %.
func TestReconciliationCardMatchesAPI(t *testing.T) {
	env, _, building := startSale(t)
	ctx := context.Background()
	b, tab := buildingAndTable(t, env, building)
	u1, u2 := tab.Rows[0].Cells[0].Unit, tab.Rows[0].Cells[1].Unit
	sell(t, env, saleInput(u1.ID, "买受人", "652301199003071231"), true)
	sell(t, env, saleInput(u2.ID, "买受人", "65230120000229456X"), true)
	if err := env.DB.CommissionSurveyor(ctx, actorOfUser(env, "kaifa"), b.ProjectID, env.Demo.Orgs["surveyor"].ID); err != nil {
		t.Fatal(err)
	}
	survey := buildingSurvey(tab, 0)
	for i, m := range survey.Units {
		switch m.UnitNo {
		case u1.UnitNo:
			survey.Units[i].Areas = shrink(m.Areas, "0.95")
		case u2.UnitNo:
			survey.Units[i].Areas = shrink(m.Areas, "0.98")
		}
	}
	res, err := env.DB.SubmitSurvey(ctx, actorOfUser(env, "cehui"), building, survey, nil, nil)
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("survey: %v %v", err, res.Errors)
	}
	if _, err := env.DB.DecideSurvey(ctx, actorOfUser(env, "zhujian"), res.Survey.ID, true, nil, ""); err != nil {
		t.Fatal(err)
	}
	c := env.Client(t, "kaifa")
	var out struct {
		Contracts []struct {
			Refund       string `json:"refund"`
			DoubleRefund string `json:"double_refund"`
		} `json:"contracts"`
	}
	if code, e := call(t, c, "GET", fmt.Sprintf("%s/api/v1/projects/%d/reconciliation", env.HTTP.URL, b.ProjectID), "", &out); code != 200 {
		t.Fatalf("API: %d %+v", code, e)
	}
	refunded, double := decimal.Zero, decimal.Zero
	for _, x := range out.Contracts {
		r, d := decimal.RequireFromString(x.Refund), decimal.RequireFromString(x.DoubleRefund)
		refunded, double = refunded.Add(r).Add(d), double.Add(d)
	}
	if len(out.Contracts) != 2 || !double.IsPositive() {
		t.Fatalf("API: %+v, want two contracts, one refunded double", out)
	}
	resp, err := c.Get(fmt.Sprintf("%s/projects/%d/reconciliation", env.HTTP.URL, b.ProjectID))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Errorf("reconciliation page: got status %d, want 200", resp.StatusCode)
	}
	checkPage(t, "reconciliation page", string(raw), in("#refunds",
		in(".stat-title", hasExactText("返还合计（含双倍返还"+measure.Money(double)+"元）"), in("#total-double", hasExactText(measure.Money(double)))),
		in(".stat-num#total-refunded", hasExactText(measure.Money(refunded)+"元"))))
}

// A survey the 多测合一 platform pushes is refused with errors that name
// each bad unit, not only its position in the request.
func TestSurveyAPIErrorsNameTheUnit(t *testing.T) {
	env, _, building := startSale(t)
	ctx := context.Background()
	b, tab := buildingAndTable(t, env, building)
	if err := env.DB.CommissionSurveyor(ctx, actorOfUser(env, "kaifa"), b.ProjectID, env.Demo.Orgs["surveyor"].ID); err != nil {
		t.Fatal(err)
	}
	survey := buildingSurvey(tab, 0)
	in := completion.SurveyInput{ReportNo: survey.ReportNo, BuildingTotal: survey.BuildingTotal.String(), LandArea: survey.LandArea.String(), FloorArea: survey.FloorArea.String()}
	for _, m := range survey.Units {
		in.Units = append(in.Units, completion.SurveyInputUnit{UnitNo: m.UnitNo, Total: m.Areas.Total.StringFixed(2), Inner: m.Areas.Inner.StringFixed(2),
			Shared: m.Areas.Shared.StringFixed(2), Ratio: m.Areas.Ratio.String()})
	}
	room := map[string]string{}
	for _, u := range tab.Units() {
		room[u.UnitNo] = u.Room
	}
	post := func(in completion.SurveyInput) []string {
		t.Helper()
		body, _ := json.Marshal(in)
		code, e := call(t, env.Client(t, "cehui"), http.MethodPost, fmt.Sprintf("%s/api/v1/buildings/%d/surveys", env.HTTP.URL, building), string(body), nil)
		if code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
			t.Fatalf("bad survey: status %d, want a refusal", code)
		}
		var msgs []string
		for _, r := range e.Error.Reasons {
			msgs = append(msgs, r.Message)
		}
		return msgs
	}
	// A value that is not a number: the unit is known by its number alone.
	bad := in
	bad.Units = append([]completion.SurveyInputUnit(nil), in.Units...)
	bad.Units[2].Total = "abc"
	_, perr := measure.Parse("abc", "total")
	want := fmt.Sprintf("工作表“实测户”第3行“total”列：不动产单元号%s：%s", bad.Units[2].UnitNo, problem.As(perr).Message)
	if got := post(bad); len(got) != 1 || got[0] != want {
		t.Errorf("format error: got %q, want [%q]", got, want)
	}
	// Areas that do not add up: the unit is named by its 室号 too.
	bad.Units = append([]completion.SurveyInputUnit(nil), in.Units...)
	bad.Units[4].Total = decimal.RequireFromString(in.Units[4].Total).Add(decimal.New(1, -2)).StringFixed(2)
	a := survey.Units[4].Areas
	a.Total = decimal.RequireFromString(bad.Units[4].Total)
	want = fmt.Sprintf("工作表“实测户”第5行“实测建筑面积”列：户%s（不动产单元号%s）：%s", room[bad.Units[4].UnitNo], bad.Units[4].UnitNo, a.Check()[0])
	if got := post(bad); len(got) != 1 || got[0] != want {
		t.Errorf("area error: got %q, want [%q]", got, want)
	}
}

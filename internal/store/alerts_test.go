package store_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/courier"
	"handover/internal/exchange"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/supervision"
)

// alertOf returns the one alert of kind about subject, failing when there
// is none or more.
func alertOf(t *testing.T, db *store.DB, kind supervision.AlertKind, subject string) supervision.Alert {
	t.Helper()
	all, err := db.Alerts(context.Background(), store.AlertQuery{Filter: access.Filter{All: true}, Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	var out []supervision.Alert
	for _, a := range all {
		if a.Subject == subject {
			out = append(out, a)
		}
	}
	if len(out) != 1 {
		t.Fatalf("alerts %s about %s: got %d (%+v), want 1", kind, subject, len(out), all)
	}
	return out[0]
}

func evaluate(t *testing.T, db *store.DB, x *completionFixture) store.AlertRun {
	t.Helper()
	run, err := db.EvaluateAlerts(context.Background(), x.cal)
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	return run
}

func historyOf(t *testing.T, db *store.DB, id int64) []string {
	t.Helper()
	_, hs, err := db.Alert(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hs {
		out = append(out, h.Action)
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The planned delivery approaching while sold units are not ready raises
// one alert for the developer; it grows critical as the day nears, a
// person resolving it while the cause remains sees it reopen, and moving
// the planned date away resolves it.
func TestAlertDeliveryAtRisk(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	subject := "project:" + itoa(x.project.ID) + ":delivery"
	x.clock.Set(time.Date(2027, 6, 10, 2, 0, 0, 0, time.UTC)) // 14 working days before 2027-06-30
	evaluate(t, x.db, x)
	if all, _ := x.db.Alerts(ctx, store.AlertQuery{Filter: access.Filter{All: true}, Kind: supervision.DeliveryAtRisk}); len(all) != 0 {
		t.Fatalf("alerts beyond the window: %+v", all)
	}
	x.clock.Set(time.Date(2027, 6, 22, 2, 0, 0, 0, time.UTC)) // 6 working days before
	if run := evaluate(t, x.db, x); run.Raised == 0 {
		t.Fatalf("nothing raised: %+v", run)
	}
	a := alertOf(t, x.db, supervision.DeliveryAtRisk, subject)
	if a.OrgID != x.project.Developer || a.Severity != supervision.Warning || a.State != supervision.Open || a.Link == "" {
		t.Fatalf("alert %+v: want an open warning for the developer with a link", a)
	}
	x.clock.Set(time.Date(2027, 6, 28, 2, 0, 0, 0, time.UTC))
	evaluate(t, x.db, x)
	if a = alertOf(t, x.db, supervision.DeliveryAtRisk, subject); a.Severity != supervision.Critical || a.Occurrences != 1 {
		t.Fatalf("two days before: %+v, want the same alert, critical", a)
	}
	if _, err := x.db.ResolveAlert(ctx, x.dev, a.ID, "已通知购房人延期交付"); err != nil {
		t.Fatal(err)
	}
	x.clock.Advance(time.Minute)
	if run := evaluate(t, x.db, x); run.Reopened != 1 {
		t.Fatalf("cause still there: %+v, want the alert reopened", run)
	}
	if a = alertOf(t, x.db, supervision.DeliveryAtRisk, subject); a.State != supervision.Open || a.Occurrences != 2 {
		t.Fatalf("after recurrence: %+v, want open, second occurrence", a)
	}
	if _, err := x.db.UpdateProject(ctx, x.dev, x.project.ID, func(p *ledger.Project) error {
		p.PlannedDelivery = p.PlannedDelivery.AddDays(90)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if run := evaluate(t, x.db, x); run.Resolved != 1 {
		t.Fatalf("planned date moved: %+v, want it resolved", run)
	}
	want := []string{"raise", "resolve", "reopen", "auto_resolve"}
	if got := historyOf(t, x.db, a.ID); !equal(got, want) {
		t.Errorf("history %v, want %v", got, want)
	}
}

// Opinions awaited past their limit raise one alert per department, each
// resolved when that department answers.
func TestAlertAcceptanceOverdue(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	c := x.applyAcceptance(t)
	evaluate(t, x.db, x)
	if all, _ := x.db.Alerts(ctx, store.AlertQuery{Filter: access.Filter{All: true}, Kind: supervision.AcceptanceOverdue}); len(all) != 0 {
		t.Fatalf("alerts within the limit: %+v", all)
	}
	x.clock.Advance(10 * 24 * time.Hour)
	evaluate(t, x.db, x)
	all, _ := x.db.Alerts(ctx, store.AlertQuery{Filter: access.Filter{All: true}, Kind: supervision.AcceptanceOverdue, State: "open"})
	if len(all) != len(c.Tasks) {
		t.Fatalf("%d alerts, want one per department (%d)", len(all), len(c.Tasks))
	}
	task := c.Tasks[0]
	mine, _ := x.db.Alerts(ctx, store.AlertQuery{Filter: access.Filter{Org: task.OrgID}, Kind: supervision.AcceptanceOverdue, State: "open"})
	if len(mine) != 1 {
		t.Fatalf("department %d sees %d alerts, want its own one", task.OrgID, len(mine))
	}
	if _, err := x.db.RecordOpinion(ctx, audit.Actor{UserID: 1, OrgID: task.OrgID}, c.ID, task.Department, "pass", "", nil); err != nil {
		t.Fatal(err)
	}
	if run := evaluate(t, x.db, x); run.Resolved != 1 {
		t.Fatalf("after the opinion: %+v, want one resolved", run)
	}
}

// After the filing: the clock running short raises an alert for the
// registration centre; a person's review seconds after acceptance is
// flagged; a service past its due date too, resolved when it is done.
func TestAlertClockAndRegistration(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	registryOrg := x.f.Orgs["652301/registry"].ID
	unit := x.contracts[1].UnitID
	a := x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: unit},
		store.ServiceInput{Kind: registry.Transfer, UnitID: unit, ContractID: x.contracts[1].ID})
	x.clock.Advance(30 * time.Second)
	if _, err := x.step(t, x.reviewer, a, registry.StepReview, store.StepOptions{}); err != nil {
		t.Fatal(err)
	}
	evaluate(t, x.db, x.completionFixture)
	fast := alertOf(t, x.db, supervision.RegistrationTooFast, "service:"+itoa(a.Services[0].ID)+":review")
	if fast.OrgID != registryOrg || fast.Severity != supervision.Notice {
		t.Fatalf("fast review: %+v", fast)
	}
	if _, err := x.db.ResolveAlert(ctx, x.recorder, fast.ID, "已核查，材料齐全的标准件"); err != nil {
		t.Fatal(err)
	}
	// The filing was on 2026-03-10: its 20th working day is in early April;
	// the services were due on 2026-04-22.
	x.clock.Set(time.Date(2026, 4, 27, 2, 0, 0, 0, time.UTC))
	evaluate(t, x.db, x.completionFixture)
	if fast = alertOf(t, x.db, supervision.RegistrationTooFast, fast.Subject); fast.State != supervision.Resolved {
		t.Fatalf("an event alert resolved by a person came back: %+v", fast)
	}
	late := alertOf(t, x.db, supervision.RegistrationOverdue, "service:"+itoa(a.Services[0].ID)+":due")
	clock, err := x.db.Alerts(ctx, store.AlertQuery{Filter: access.Filter{Org: registryOrg}, Kind: supervision.ClockRunningOut, State: "open"})
	if err != nil || len(clock) != 1 || late.OrgID != registryOrg {
		t.Fatalf("clock alerts %+v (%v), late service %+v", clock, err, late)
	}
	if _, err := x.step(t, x.recorder, a, registry.StepRecord, store.StepOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.Step(ctx, x.recorder, a.ID, registry.StepCertify, store.StepOptions{}, x.keys); err != nil {
		t.Fatal(err)
	}
	if _, err := x.step(t, x.recorder, a, registry.StepIssue, store.StepOptions{Delivery: "hand"}); err != nil {
		t.Fatal(err)
	}
	evaluate(t, x.db, x.completionFixture)
	if late = alertOf(t, x.db, supervision.RegistrationOverdue, late.Subject); late.State != supervision.Resolved {
		t.Errorf("issued service still alerted: %+v", late)
	}
	if c := alertOf(t, x.db, supervision.ClockRunningOut, clock[0].Subject); c.State != supervision.Open {
		t.Errorf("clock alert with five units still uncertified: %+v", c)
	}
}

// Refused attempts on one unit are recorded by the store whatever the path;
// at the threshold they raise an alert for the housing bureau, which a
// newer refusal reopens after it was resolved. A withdrawal by a node not
// reached raises a critical alert.
func TestAlertRefusals(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	cal, _ := x.db.Calendar(ctx)
	fx := &completionFixture{saleFixture: x, cal: cal}
	sold := x.sign(t, x.input(x.units[0]))
	attempt := func() {
		t.Helper()
		_, err := x.db.DraftContract(ctx, x.dev, x.f.Orgs["dev1"].ID, x.input(sold.UnitID))
		if problem.As(err).Kind != problem.Refused {
			t.Fatalf("a second contract on a sold unit: %v, want a refusal", err)
		}
		x.clock.Advance(time.Minute)
	}
	attempt()
	attempt()
	evaluate(t, x.db, fx)
	if all, _ := x.db.Alerts(ctx, store.AlertQuery{Filter: access.Filter{All: true}, Kind: supervision.RepeatedRefusal}); len(all) != 0 {
		t.Fatalf("two refusals raised %+v", all)
	}
	if rs, _ := x.db.RefusalsOf(ctx, sold.UnitID); len(rs) != 2 || rs[0].Action != "contract.draft" {
		t.Fatalf("recorded refusals %+v", rs)
	}
	attempt()
	evaluate(t, x.db, fx)
	subject := "unit:" + itoa(sold.UnitID) + ":refusals"
	a := alertOf(t, x.db, supervision.RepeatedRefusal, subject)
	if a.OrgID != x.f.Orgs["652301/housing"].ID {
		t.Fatalf("refusal alert for org %d, want the housing bureau", a.OrgID)
	}
	if a.UnitID != sold.UnitID {
		t.Errorf("refusal alert about unit %d, want %d (the list finds it by the flat)", a.UnitID, sold.UnitID)
	}
	if _, err := x.db.ResolveAlert(ctx, x.hous, a.ID, "已核查：经办人录入错误"); err != nil {
		t.Fatal(err)
	}
	x.clock.Advance(time.Minute)
	evaluate(t, x.db, fx)
	if a = alertOf(t, x.db, supervision.RepeatedRefusal, subject); a.State != supervision.Resolved {
		t.Fatalf("reopened without a new refusal: %+v", a)
	}
	attempt()
	evaluate(t, x.db, fx)
	if a = alertOf(t, x.db, supervision.RepeatedRefusal, subject); a.State != supervision.Open || a.Occurrences != 2 {
		t.Fatalf("after a new refusal: %+v, want reopened", a)
	}
	_, err := x.db.RequestWithdrawal(ctx, x.dev, presale.Withdrawal{ProjectID: x.project.ID, Node: "completion", Amount: dec("900000"), Evidence: "无"})
	if problem.As(err).Kind != problem.Refused {
		t.Fatalf("withdrawal by an unreached node: %v", err)
	}
	evaluate(t, x.db, fx)
	all, _ := x.db.Alerts(ctx, store.AlertQuery{Filter: access.Filter{Developer: x.project.Developer}, Kind: supervision.WithdrawalNoNode})
	if len(all) != 1 || all[0].Severity != supervision.Critical {
		t.Fatalf("withdrawal alerts %+v", all)
	}
	// The alert says the withdrawal was refused, and the fund page it
	// links to lists the attempt (no request was made, nothing withdrawn).
	if !strings.Contains(all[0].Message, "已被系统拒绝") {
		t.Errorf("withdrawal alert message %q does not say the withdrawal was refused", all[0].Message)
	}
	refused, err := x.db.RefusedWithdrawals(ctx, x.project.ID)
	if err != nil || len(refused) != 1 || refused[0].Node != "completion" || refused[0].Amount != "900000.00" || !slices.Contains(refused[0].Rules, "fund.milestone") {
		t.Errorf("refused withdrawals: %v %+v, want the one attempt by the completion node", err, refused)
	}
}

// A developer correcting its own draft is not selling a flat twice: three
// drafts of an unsold flat refused for a mistyped ID number are recorded,
// but raise no repeated-refusal alert (the rule counts what suggests a
// second sale).
func TestAlertRefusalsIgnoreTypos(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	cal, _ := x.db.Calendar(ctx)
	fx := &completionFixture{saleFixture: x, cal: cal}
	unit := x.units[1]
	for _, id := range []string{"652301199003071230", "65230119900307123", "652301199013071231"} {
		in := x.input(unit)
		in.Buyers[0].IDNumber = id
		_, err := x.db.DraftContract(ctx, x.dev, x.f.Orgs["dev1"].ID, in)
		if pe := problem.As(err); pe.Kind != problem.Refused || len(pe.Reasons) == 0 || pe.Reasons[0].Rule != "contract.buyer_id" {
			t.Fatalf("a draft with ID number %s: got %v, want refused by contract.buyer_id", id, err)
		}
		x.clock.Advance(time.Minute)
	}
	if rs, _ := x.db.RefusalsOf(ctx, unit); len(rs) != 3 {
		t.Fatalf("recorded refusals: got %d, want 3", len(rs))
	}
	evaluate(t, x.db, fx)
	if all, _ := x.db.Alerts(ctx, store.AlertQuery{Filter: access.Filter{All: true}, Kind: supervision.RepeatedRefusal}); len(all) != 0 {
		t.Errorf("three corrected drafts raised %d repeated-refusal alerts, want none: %+v", len(all), all)
	}
}

// A partner endpoint that keeps failing raises an alert for the partner;
// once it answers again the alert resolves, and failing again reopens it.
func TestAlertPartnerFailing(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	var failing atomic.Bool
	failing.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "维护中", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	tax := x.f.Orgs["652301/tax"].ID
	admin := actor(x.f, "admin")
	ep, err := x.db.PutEndpoint(ctx, admin, exchange.Endpoint{OrgID: tax, Name: "税务征管系统", URL: srv.URL, Secret: "0123456789abcdef-secret",
		Events: []string{exchange.ContractFiled}, Jurisdiction: "652301", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	c := &courier.Courier{DB: x.db, Client: srv.Client(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: x.clock.Now}
	deliver := func(rounds int) {
		t.Helper()
		for i := 0; i < rounds; i++ {
			if _, err := c.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			x.clock.Advance(2 * time.Hour)
		}
	}
	file := func(unit int64) {
		t.Helper()
		in := x.input(unit)
		in.Buyers[0].IDNumber = buyerIDs[1]
		if _, err := x.db.FileContract(ctx, x.dev, x.sign(t, in).ID); err != nil {
			t.Fatal(err)
		}
	}
	file(x.saleFixture.units[8])
	deliver(5)
	evaluate(t, x.db, x)
	subject := "endpoint:" + itoa(ep.ID)
	a := alertOf(t, x.db, supervision.PartnerFailing, subject)
	if a.OrgID != tax || a.State != supervision.Open {
		t.Fatalf("partner alert %+v", a)
	}
	failing.Store(false)
	deliver(1)
	if run := evaluate(t, x.db, x); run.Resolved != 1 {
		t.Fatalf("after the partner recovered: %+v", run)
	}
	failing.Store(true)
	file(x.saleFixture.units[9])
	deliver(5)
	evaluate(t, x.db, x)
	if a = alertOf(t, x.db, supervision.PartnerFailing, subject); a.State != supervision.Open || a.Occurrences != 2 {
		t.Fatalf("failing again: %+v, want reopened", a)
	}
}

// The inbox: who sees what, assigning within the organisation only, and
// resolving with a note.
func TestAlertInbox(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	x.clock.Set(time.Date(2027, 6, 22, 2, 0, 0, 0, time.UTC))
	evaluate(t, x.db, x)
	a := alertOf(t, x.db, supervision.DeliveryAtRisk, "project:"+itoa(x.project.ID)+":delivery")
	other := x.f.Orgs["dev2"].ID
	tests := []struct {
		name   string
		filter access.Filter
		want   int
	}{
		{"the developer", access.Filter{Developer: x.project.Developer}, 1},
		{"another developer", access.Filter{Developer: other}, 0},
		{"the jurisdiction", access.Filter{Jurisdiction: "652301"}, 1},
		{"another jurisdiction", access.Filter{Jurisdiction: "652302"}, 0},
		{"nobody", access.Filter{}, 0},
	}
	for _, tt := range tests {
		got, err := x.db.Alerts(ctx, store.AlertQuery{Filter: tt.filter, Kind: supervision.DeliveryAtRisk})
		if err != nil || len(got) != tt.want {
			t.Errorf("%s sees %d (%v), want %d", tt.name, len(got), err, tt.want)
		}
	}
	if _, err := x.db.AssignAlert(ctx, x.dev, a.ID, x.f.Users["zhujian"].ID, ""); problem.As(err).Code != "alert.assignee" {
		t.Errorf("assigning to another organisation's user: %v", err)
	}
	if _, err := x.db.AcknowledgeAlert(ctx, x.dev, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.AcknowledgeAlert(ctx, x.dev, a.ID); problem.As(err).Code != "alert.state" {
		t.Errorf("acknowledged twice: %v", err)
	}
	users, err := x.db.AssignableUsers(ctx, a.OrgID)
	if err != nil || !slices.ContainsFunc(users, func(u identity.User) bool { return u.ID == x.f.Users["kaifa"].ID }) {
		t.Fatalf("assignable users of the developer: %+v %v", users, err)
	}
	b, err := x.db.AssignAlert(ctx, x.dev, a.ID, x.f.Users["kaifa"].ID, "请于本周内补齐")
	if err != nil || b.Assignee != x.f.Users["kaifa"].ID {
		t.Fatalf("assign: %+v %v", b, err)
	}
	if _, err := x.db.ResolveAlert(ctx, x.dev, a.ID, ""); problem.As(err).Code != "alert.note" {
		t.Errorf("resolved without a note: %v", err)
	}
	mine, _ := x.db.Alerts(ctx, store.AlertQuery{Filter: access.Filter{All: true}, Assignee: x.f.Users["kaifa"].ID})
	if len(mine) != 1 {
		t.Errorf("assigned to me: %d, want 1", len(mine))
	}
	if got := historyOf(t, x.db, a.ID); !equal(got, []string{"raise", "acknowledge", "assign"}) {
		t.Errorf("history %v", got)
	}
}

// A partner that keeps failing: after the prefecture's number of attempts
// its deliveries are dead, the health report says so, an administrator
// replays them, and once the partner answers they are delivered, in order,
// once.
func TestDeadLetterReplay(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	var failing atomic.Bool
	failing.Store(true)
	// The courier sends different units' events side by side: the
	// handler's goroutines append under a lock.
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "维护中", http.StatusServiceUnavailable)
			return
		}
		mu.Lock()
		got = append(got, r.Header.Get(exchange.HeaderID))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	admin := actor(x.f, "admin")
	if err := x.db.PutSetting(ctx, admin, "652300", store.SettingMaxAttempts, "3"); err != nil {
		t.Fatal(err)
	}
	max, err := x.db.MaxAttempts(ctx)
	if err != nil || max != 3 {
		t.Fatalf("max attempts %d %v", max, err)
	}
	ep, err := x.db.PutEndpoint(ctx, admin, exchange.Endpoint{OrgID: x.f.Orgs["652301/tax"].ID, Name: "税务征管系统", URL: srv.URL,
		Secret: "0123456789abcdef-secret", Events: []string{exchange.ContractFiled}, Jurisdiction: "652301", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range x.saleFixture.units[8:10] {
		in := x.input(u)
		in.Buyers[0].IDNumber = buyerIDs[2]
		if _, err := x.db.FileContract(ctx, x.dev, x.sign(t, in).ID); err != nil {
			t.Fatal(err)
		}
	}
	c := &courier.Courier{DB: x.db, Client: srv.Client(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: x.clock.Now, MaxAttempts: max}
	deliver := func(rounds int) {
		t.Helper()
		for range rounds {
			if _, err := c.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			x.clock.Advance(6 * time.Hour)
		}
	}
	health := func() store.EndpointHealth {
		t.Helper()
		hs, err := x.db.PartnerHealth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			if h.Endpoint.ID == ep.ID {
				return h
			}
		}
		t.Fatalf("no health for endpoint %d", ep.ID)
		return store.EndpointHealth{}
	}
	deliver(5)
	if h := health(); h.Dead != 2 || h.Backlog != 0 || h.Healthy() || h.LastError == "" {
		t.Fatalf("after 5 rounds at 3 attempts: %+v, want both dead", h)
	}
	if _, err := x.db.ReplayDeliveries(ctx, admin, 999999); problem.CodeOf(err) != "endpoint.not_found" {
		t.Errorf("replay of no endpoint: %v", err)
	}
	failing.Store(false)
	n, err := x.db.ReplayDeliveries(ctx, admin, ep.ID)
	if err != nil || n != 2 {
		t.Fatalf("replay: %d %v", n, err)
	}
	if _, err := x.db.ReplayDeliveries(ctx, admin, ep.ID); problem.CodeOf(err) != "delivery.none_dead" {
		t.Errorf("replay with nothing dead: %v", err)
	}
	deliver(2)
	if h := health(); h.Delivered != 2 || h.Dead != 0 || h.Backlog != 0 || !h.Healthy() {
		t.Errorf("after the replay: %+v, want both delivered", h)
	}
	// The two events are two units': order is promised per unit (the
	// courier's tests), and the courier sends different units' events side
	// by side, so only "each once" is asked here.
	sort.Strings(got)
	if len(got) != 2 || got[0] == got[1] {
		t.Fatalf("partner received %v, want both events once", got)
	}
}

package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/demo"
	"handover/internal/exchange"
	"handover/internal/store"
	"handover/internal/store/storetest"
	"handover/internal/supervision"
)

// pageThrough reads a list page by page at size and checks each page's
// place in it (total, first and last row, the page past the end being the
// last); it returns the ids of every row in the order read.
func pageThrough[T any](t *testing.T, what string, size int, read func(store.Page) (store.Listed[T], error), id func(T) int64) []int64 {
	t.Helper()
	var ids []int64
	total := -1
	for n := 1; ; n++ {
		l, err := read(store.Page{Number: n, Size: size})
		if err != nil {
			t.Fatal(err)
		}
		if total >= 0 && l.Total != total {
			t.Fatalf("%s, page %d: total %d, was %d", what, n, l.Total, total)
		}
		total = l.Total
		if len(l.Rows) > 0 && (l.First() != (n-1)*size+1 || l.Last() != l.First()+len(l.Rows)-1) {
			t.Fatalf("%s, page %d: rows %d–%d", what, n, l.First(), l.Last())
		}
		for _, x := range l.Rows {
			ids = append(ids, id(x))
		}
		if n >= l.Pages() {
			if want := (total + size - 1) / size; l.Pages() != max(1, want) {
				t.Errorf("%s: %d pages of %d, want %d", what, l.Pages(), size, want)
			}
			past, err := read(store.Page{Number: n + 5, Size: size})
			if err != nil || past.Page.Number != l.Pages() || len(past.Rows) != len(l.Rows) {
				t.Errorf("%s: a page past the end is page %d with %d rows, want the last (%d, %d rows)", what, past.Page.Number, len(past.Rows), l.Pages(), len(l.Rows))
			}
			break
		}
	}
	if len(ids) != total {
		t.Errorf("%s: read %d rows, total says %d", what, len(ids), total)
	}
	return ids
}

// alertRow is an alert as a test writes it straight into the table.
type alertRow struct {
	kind         supervision.AlertKind
	severity     supervision.Severity
	state        supervision.AlertState
	jurisdiction string
	project      int64
	unit         int64
	org          int64
	assignee     int64
	message      string
}

// The alert list: paged in the order a supervisor works (most severe,
// then newest), its severities counted over the whole list, searched by
// project, flat (room label or 不动产单元号) and text with % and _ read
// literally, narrowed by state, kind, overdue kinds, jurisdiction,
// organisation and assignee, and within the viewer's scope.
func TestAlertListPages(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	p, err := demo.SyntheticProject(ctx, db, f, demo.Synthetic{Name: "预警·翻页苑", Jurisdiction: "652301", Developer: "dev1", Parcel: "652301009002GB00081",
		LandCertNo: "新(2024)昌吉市不动产权第0000081号", Delivery: calendar.MustDate("2027-12-31"),
		Plan: []demo.BuildingPlan{{Number: 1, Floors: 3, Sections: 1, PerSection: 2, Ratio: "0.190000"}}})
	if err != nil {
		t.Fatal(err)
	}
	unitIDs := projectUnitIDs(t, db, p.ID)
	flat, err := db.Unit(ctx, unitIDs[1])
	if err != nil {
		t.Fatal(err)
	}
	dev, other := f.Orgs["dev1"].ID, f.Orgs["dev2"].ID
	kaifa := f.Users["kaifa"].ID
	kinds := []supervision.AlertKind{supervision.CommitmentOverdue, supervision.RegistrationTooFast, supervision.ClockRunningOut, supervision.WithdrawalNoNode}
	severities := []supervision.Severity{supervision.Warning, supervision.Critical, supervision.Notice}
	states := []supervision.AlertState{supervision.Open, supervision.Acknowledged, supervision.Resolved, supervision.Open}
	var want []alertRow
	for i := range 40 {
		a := alertRow{kind: kinds[i%len(kinds)], severity: severities[i%len(severities)], state: states[i%len(states)],
			jurisdiction: "652301", org: dev, message: fmt.Sprintf("第%d号事项需要核查", i)}
		if i%5 == 0 {
			a.jurisdiction, a.org = "652302", other
		}
		if i%3 == 0 {
			a.project = p.ID
		}
		if i%7 == 0 {
			a.assignee = kaifa
		}
		want = append(want, a)
	}
	want = append(want,
		alertRow{kind: supervision.RepeatedRefusal, severity: supervision.Warning, state: supervision.Open, jurisdiction: "652301", project: p.ID,
			unit: flat.Unit.ID, org: dev, message: "同一户被拒绝办理3次"},
		alertRow{kind: supervision.WithdrawalNoNode, severity: supervision.Critical, state: supervision.Open, jurisdiction: "652301", org: dev,
			message: "支取比例达到100%，请核查"},
		alertRow{kind: supervision.WithdrawalNoNode, severity: supervision.Critical, state: supervision.Open, jurisdiction: "652301", org: dev,
			message: "节点代码 node_3 尚无记录"})
	for i, a := range want {
		if _, err := db.SQLForTest().ExecContext(ctx, `INSERT INTO alerts (kind, severity, state, jurisdiction, project_id, unit_id, org_id, assignee,
			subject, message, raised_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
			string(a.kind), string(a.severity), string(a.state), a.jurisdiction, a.project, a.unit, a.org, a.assignee,
			fmt.Sprintf("test:%d", i), a.message, storetest.DefaultTime.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	all := access.Filter{All: true}
	list := func(f access.Filter, q store.AlertListQuery) store.AlertListed {
		t.Helper()
		if q.Page.Size == 0 {
			q.Page.Size = store.MaxPageSize
		}
		l, err := db.AlertList(ctx, f, q)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	whole := list(all, store.AlertListQuery{})
	if whole.Total != len(want) || len(whole.Rows) != len(want) {
		t.Fatalf("the whole list: %d rows of %d, want %d", len(whole.Rows), whole.Total, len(want))
	}
	rank := map[supervision.Severity]int{supervision.Critical: 0, supervision.Warning: 1, supervision.Notice: 2}
	for i := 1; i < len(whole.Rows); i++ {
		a, b := whole.Rows[i-1], whole.Rows[i]
		if rank[a.Severity] > rank[b.Severity] || rank[a.Severity] == rank[b.Severity] && a.ID < b.ID {
			t.Fatalf("order: #%d (%s) before #%d (%s), want the most severe, then the newest first", a.ID, a.Severity, b.ID, b.Severity)
		}
	}
	var wholeIDs []int64
	for _, a := range whole.Rows {
		wholeIDs = append(wholeIDs, a.ID)
	}
	ids := pageThrough(t, "alerts by 7", 7, func(p store.Page) (store.Listed[supervision.Alert], error) {
		l, err := db.AlertList(ctx, all, store.AlertListQuery{Page: p})
		// The severities are the whole list's on every page.
		if l.Severities[supervision.Critical]+l.Severities[supervision.Warning]+l.Severities[supervision.Notice] != len(want) {
			t.Errorf("page %d: severities %v, want the whole list's %d", p.Number, l.Severities, len(want))
		}
		return l.Listed, err
	}, func(a supervision.Alert) int64 { return a.ID })
	if !slices.Equal(ids, wholeIDs) {
		t.Errorf("the pages of 7 hold %v, want the whole list %v in order", ids, wholeIDs)
	}

	open := func(a alertRow) bool { return a.state != supervision.Resolved }
	overdue := func(a alertRow) bool { return slices.Contains(supervision.OverdueKinds, a.kind) }
	tests := []struct {
		name string
		f    access.Filter
		q    store.AlertListQuery
		keep func(alertRow) bool
	}{
		{"open", all, store.AlertListQuery{State: "open"}, open},
		{"resolved", all, store.AlertListQuery{State: "resolved"}, func(a alertRow) bool { return !open(a) }},
		{"a kind, open", all, store.AlertListQuery{State: "open", Kind: supervision.ClockRunningOut},
			func(a alertRow) bool { return open(a) && a.kind == supervision.ClockRunningOut }},
		{"overdue kinds of a jurisdiction", all, store.AlertListQuery{State: "open", Overdue: true, Jurisdiction: "652301"},
			func(a alertRow) bool { return open(a) && overdue(a) && a.jurisdiction == "652301" }},
		{"one organisation's", all, store.AlertListQuery{OrgID: other}, func(a alertRow) bool { return a.org == other }},
		{"mine", all, store.AlertListQuery{Assignee: kaifa}, func(a alertRow) bool { return a.assignee == kaifa }},
		{"search: the project", all, store.AlertListQuery{Search: "翻页苑"}, func(a alertRow) bool { return a.project == p.ID }},
		{"search: the flat's room", all, store.AlertListQuery{Search: flat.Building.Name + " " + flat.Unit.Room}, func(a alertRow) bool { return a.unit == flat.Unit.ID }},
		{"search: the 不动产单元号", all, store.AlertListQuery{Search: flat.Unit.UnitNo[10:]}, func(a alertRow) bool { return a.unit == flat.Unit.ID }},
		{"search: the text", all, store.AlertListQuery{Search: "第12号"}, func(a alertRow) bool { return strings.Contains(a.message, "第12号") }},
		{"search: a typed %", all, store.AlertListQuery{Search: "%"}, func(a alertRow) bool { return strings.Contains(a.message, "%") }},
		{"search: a typed _", all, store.AlertListQuery{Search: "_"}, func(a alertRow) bool { return strings.Contains(a.message, "_") }},
		{"search: nothing", all, store.AlertListQuery{Search: "没有这样的预警"}, func(alertRow) bool { return false }},
		{"the county", access.Filter{Jurisdiction: "652302"}, store.AlertListQuery{}, func(a alertRow) bool { return a.jurisdiction == "652302" }},
		{"the developer", access.Filter{Developer: dev}, store.AlertListQuery{}, func(a alertRow) bool { return a.org == dev }},
		{"another county, asking for this one's", access.Filter{Jurisdiction: "652302"}, store.AlertListQuery{Jurisdiction: "652301"}, func(alertRow) bool { return false }},
		{"nobody", access.Filter{}, store.AlertListQuery{}, func(alertRow) bool { return false }},
	}
	for _, tt := range tests {
		l := list(tt.f, tt.q)
		var wantMsgs []string
		counts := map[supervision.Severity]int{}
		for _, a := range want {
			if tt.keep(a) {
				wantMsgs = append(wantMsgs, a.message)
				counts[a.severity]++
			}
		}
		var got []string
		for _, a := range l.Rows {
			got = append(got, a.Message)
		}
		slices.Sort(got)
		slices.Sort(wantMsgs)
		if !slices.Equal(got, wantMsgs) || l.Total != len(wantMsgs) {
			t.Errorf("%s: got %d alerts (total %d) %v, want %d %v", tt.name, len(got), l.Total, got, len(wantMsgs), wantMsgs)
		}
		for _, s := range severities {
			if l.Severities[s] != counts[s] {
				t.Errorf("%s: %d %s, want %d", tt.name, l.Severities[s], s, counts[s])
			}
		}
	}
}

// The audit list: paged newest first with its total, every filter of the
// page (action, actions, record, actor, dates, the before cursor) and a
// county's staff seeing only what actors of its organisations did.
func TestAuditListPages(t *testing.T) {
	db, clock := storetest.Open(t)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	start := clock.Now().Add(24 * time.Hour)
	clock.Set(start)
	here := audit.Actor{UserID: f.Users["zhujian"].ID, Name: "陈刚", OrgID: f.Orgs["652301/housing"].ID}
	there := audit.Actor{UserID: 999, Name: "外县", OrgID: f.Orgs["652302/housing"].ID}
	type event struct {
		actor  audit.Actor
		action string
		record string
		at     time.Time
	}
	var events []event
	for i := range 30 {
		e := event{actor: here, action: "contract.file", record: fmt.Sprint(i % 4), at: clock.Now()}
		switch {
		case i%5 == 0:
			e.actor = there
		case i%3 == 0:
			e.action = "unit.lock"
		}
		if err := db.RecordAudit(ctx, e.actor, e.action, "contract", e.record, map[string]int{"n": i}); err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
		clock.Advance(6 * time.Hour)
	}
	all := access.Filter{All: true}
	mine := func(q store.AuditQuery) store.AuditQuery { q.From = start; return q } // the foundation's own events left out
	whole, err := db.AuditList(ctx, all, mine(store.AuditQuery{Page: store.Page{Size: store.MaxPageSize}}))
	if err != nil {
		t.Fatal(err)
	}
	if whole.Total != len(events) || whole.More {
		t.Fatalf("the whole list: %d events (more: %v), want %d", whole.Total, whole.More, len(events))
	}
	var wholeIDs []int64
	for i, e := range whole.Rows {
		wholeIDs = append(wholeIDs, e.ID)
		if i > 0 && e.ID > whole.Rows[i-1].ID {
			t.Fatalf("event #%d after #%d: want the newest first", e.ID, whole.Rows[i-1].ID)
		}
	}
	ids := pageThrough(t, "audit by 7", 7, func(p store.Page) (store.Listed[audit.Event], error) {
		return db.AuditList(ctx, all, mine(store.AuditQuery{Page: p}))
	}, func(e audit.Event) int64 { return e.ID })
	if !slices.Equal(ids, wholeIDs) {
		t.Errorf("the pages of 7 hold %v, want %v", ids, wholeIDs)
	}
	second, err := db.AuditList(ctx, all, mine(store.AuditQuery{Page: store.Page{Number: 2, Size: 7}}))
	if err != nil || len(second.Rows) != 7 || second.Rows[0].ID != wholeIDs[7] {
		t.Errorf("page 2 of 7: %d rows from #%d, want 7 from #%d (%v)", len(second.Rows), second.Rows[0].ID, wholeIDs[7], err)
	}

	// Past the count's cap the list says there are more, its pages end at
	// the cap, and the before cursor goes on from the last of them.
	capped := func(q store.AuditQuery) store.Listed[audit.Event] {
		t.Helper()
		l, err := db.AuditListCappedForTest(ctx, all, mine(q), 10)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if l := capped(store.AuditQuery{Page: store.Page{Size: 4}}); !l.More || l.Total != 10 || l.Pages() != 3 {
		t.Errorf("capped at 10: total %d, more %v, %d pages; want 10, true, 3", l.Total, l.More, l.Pages())
	}
	last := capped(store.AuditQuery{Page: store.Page{Number: 9, Size: 4}})
	if last.Page.Number != 3 || len(last.Rows) != 2 || last.Rows[1].ID != wholeIDs[9] {
		t.Fatalf("the last capped page: page %d, %d rows; want page 3 ending at the 10th event #%d", last.Page.Number, len(last.Rows), wholeIDs[9])
	}
	on := capped(store.AuditQuery{BeforeID: last.Rows[1].ID, Page: store.Page{Size: 4}})
	if on.Total != 10 || !on.More || on.Rows[0].ID != wholeIDs[10] {
		t.Errorf("before #%d: first #%d, total %d (more %v); want #%d, 10 and more", last.Rows[1].ID, on.Rows[0].ID, on.Total, on.More, wholeIDs[10])
	}
	if l := capped(store.AuditQuery{Action: "unit.lock"}); l.More || l.Total != 8 {
		t.Errorf("8 locks under a cap of 10: total %d, more %v; want 8, false", l.Total, l.More)
	}

	day := calendar.DateOf(start.Add(30 * time.Hour))
	tests := []struct {
		name string
		f    access.Filter
		q    store.AuditQuery
		keep func(event) bool
	}{
		{"an action", all, store.AuditQuery{Action: "unit.lock"}, func(e event) bool { return e.action == "unit.lock" }},
		{"a prefix", all, store.AuditQuery{Action: "contract."}, func(e event) bool { return e.action == "contract.file" }},
		{"actions", all, store.AuditQuery{Actions: []string{"unit.lock", "contract.file"}}, func(event) bool { return true }},
		{"a record", all, store.AuditQuery{RecordType: "contract", RecordID: "2"}, func(e event) bool { return e.record == "2" }},
		{"an actor", all, store.AuditQuery{ActorUser: 999}, func(e event) bool { return e.actor.UserID == 999 }},
		{"one day", all, store.AuditQuery{From: day.Start(), To: day.AddDays(1).Start()},
			func(e event) bool { return calendar.DateOf(e.at) == day }},
		{"before the cursor", all, store.AuditQuery{BeforeID: wholeIDs[10]}, func(e event) bool { return false }}, // counted below
		{"the county", access.Filter{Jurisdiction: "652302"}, store.AuditQuery{}, func(e event) bool { return e.actor.OrgID == there.OrgID }},
	}
	for _, tt := range tests {
		l, err := db.AuditList(ctx, tt.f, mine(store.AuditQuery{Action: tt.q.Action, Actions: tt.q.Actions, RecordType: tt.q.RecordType,
			RecordID: tt.q.RecordID, ActorUser: tt.q.ActorUser, BeforeID: tt.q.BeforeID, Page: store.Page{Size: store.MaxPageSize}}))
		if !tt.q.From.IsZero() {
			l, err = db.AuditList(ctx, tt.f, store.AuditQuery{From: tt.q.From, To: tt.q.To, Page: store.Page{Size: store.MaxPageSize}})
		}
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, e := range events {
			if tt.keep(e) {
				want++
			}
		}
		if tt.q.BeforeID != 0 {
			want = len(wholeIDs) - 11
		}
		if l.Total != want || len(l.Rows) != want {
			t.Errorf("%s: %d events (total %d), want %d", tt.name, len(l.Rows), l.Total, want)
		}
	}
}

// The deliveries of the partners page: paged newest first with the total,
// narrowed to what waits on an administrator (dead, and failed awaiting a
// retry), searched by event type (code or name), record and partner, and
// within the viewer's jurisdiction.
func TestDeliveryListPages(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	admin := actor(f, "admin")
	var eps []exchange.Endpoint
	for _, e := range []exchange.Endpoint{
		{OrgID: f.Orgs["652301/tax"].ID, Name: "税收征管系统", URL: "http://127.0.0.1:1/a", Jurisdiction: "652301"},
		{OrgID: f.Orgs["652302/tax"].ID, Name: "呼图壁征管", URL: "http://127.0.0.1:1/b"},
	} {
		e.Secret, e.Events, e.Active = "0123456789abcdef-secret", []string{exchange.ContractFiled}, true
		if e, err = db.PutEndpoint(ctx, admin, e); err != nil {
			t.Fatal(err)
		}
		eps = append(eps, e)
	}
	type delivery struct {
		endpoint  int
		typ       string
		aggregate string
		state     string
		lastError string
	}
	var want []delivery
	raw := db.SQLForTest()
	for i := range 24 {
		d := delivery{endpoint: i % 2, typ: exchange.ContractFiled, aggregate: fmt.Sprintf("unit:%d", 100+i), state: "delivered"}
		switch i % 4 {
		case 1:
			d.state, d.lastError = "dead", "connection refused"
		case 2:
			d.state, d.lastError = "pending", "HTTP 500"
		case 3:
			d.state = "pending"
		}
		if i%6 == 0 {
			d.typ = exchange.UnitSealed
		}
		if i == 5 {
			d.aggregate = "unit:1_0%"
		}
		var outbox int64
		if err := raw.QueryRowContext(ctx, `INSERT INTO outbox (type, aggregate, jurisdiction, payload, created_at) VALUES ($1, $2, '652301', '{}', $3) RETURNING id`,
			d.typ, d.aggregate, storetest.DefaultTime).Scan(&outbox); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(ctx, `INSERT INTO deliveries (outbox_id, endpoint_id, aggregate, state, attempts, next_at, last_error) VALUES ($1, $2, $3, $4, 1, $5, $6)`,
			outbox, eps[d.endpoint].ID, d.aggregate, d.state, storetest.DefaultTime, d.lastError); err != nil {
			t.Fatal(err)
		}
		want = append(want, d)
	}
	all := access.Filter{All: true}
	whole, err := db.DeliveryList(ctx, all, store.DeliveryListQuery{Page: store.Page{Size: store.MaxPageSize}})
	if err != nil || whole.Total != len(want) {
		t.Fatalf("the whole list: %d deliveries (%v), want %d", whole.Total, err, len(want))
	}
	var wholeIDs []int64
	for i, d := range whole.Rows {
		wholeIDs = append(wholeIDs, d.ID)
		if i > 0 && d.ID > whole.Rows[i-1].ID {
			t.Fatalf("delivery #%d after #%d: want the newest first", d.ID, whole.Rows[i-1].ID)
		}
	}
	ids := pageThrough(t, "deliveries by 5", 5, func(p store.Page) (store.Listed[store.Delivery], error) {
		return db.DeliveryList(ctx, all, store.DeliveryListQuery{Page: p})
	}, func(d store.Delivery) int64 { return d.ID })
	if !slices.Equal(ids, wholeIDs) {
		t.Errorf("the pages of 5 hold %v, want %v", ids, wholeIDs)
	}
	tests := []struct {
		name string
		f    access.Filter
		q    store.DeliveryListQuery
		keep func(delivery) bool
	}{
		{"waiting on an administrator", all, store.DeliveryListQuery{Failed: true}, func(d delivery) bool { return d.lastError != "" }},
		{"dead", all, store.DeliveryListQuery{State: "dead"}, func(d delivery) bool { return d.state == "dead" }},
		{"one endpoint", all, store.DeliveryListQuery{EndpointID: eps[1].ID}, func(d delivery) bool { return d.endpoint == 1 }},
		{"search: an event's code", all, store.DeliveryListQuery{Search: exchange.UnitSealed}, func(d delivery) bool { return d.typ == exchange.UnitSealed }},
		{"search: an event's name", all, store.DeliveryListQuery{Search: "查封"}, func(d delivery) bool { return d.typ == exchange.UnitSealed }},
		{"search: a record", all, store.DeliveryListQuery{Search: "unit:117"}, func(d delivery) bool { return d.aggregate == "unit:117" }},
		{"search: a typed % and _", all, store.DeliveryListQuery{Search: "1_0%"}, func(d delivery) bool { return d.aggregate == "unit:1_0%" }},
		{"search: a typed _ alone", all, store.DeliveryListQuery{Search: "_"}, func(d delivery) bool { return strings.Contains(d.aggregate, "_") }},
		{"search: the endpoint", all, store.DeliveryListQuery{Search: "呼图壁征管"}, func(d delivery) bool { return d.endpoint == 1 }},
		{"search: the partner", all, store.DeliveryListQuery{Search: f.Orgs["652301/tax"].Name}, func(d delivery) bool { return d.endpoint == 0 }},
		{"failed, searched", all, store.DeliveryListQuery{Failed: true, Search: "查封"},
			func(d delivery) bool { return d.lastError != "" && d.typ == exchange.UnitSealed }},
		{"the county", access.Filter{Jurisdiction: "652302"}, store.DeliveryListQuery{}, func(d delivery) bool { return d.endpoint == 1 }},
		{"nobody", access.Filter{}, store.DeliveryListQuery{}, func(delivery) bool { return false }},
	}
	for _, tt := range tests {
		tt.q.Page = store.Page{Size: store.MaxPageSize}
		l, err := db.DeliveryList(ctx, tt.f, tt.q)
		if err != nil {
			t.Fatal(err)
		}
		var wantAgg, got []string
		for _, d := range want {
			if tt.keep(d) {
				wantAgg = append(wantAgg, d.aggregate)
			}
		}
		for _, d := range l.Rows {
			got = append(got, d.Event.Aggregate)
		}
		slices.Sort(got)
		slices.Sort(wantAgg)
		if !slices.Equal(got, wantAgg) || l.Total != len(wantAgg) {
			t.Errorf("%s: got %d (total %d) %v, want %d %v", tt.name, len(got), l.Total, got, len(wantAgg), wantAgg)
		}
	}
	if d := whole.Rows[0]; d.Endpoint.OrgName == "" || d.Endpoint.Name == "" || d.Event.Type == "" {
		t.Errorf("a listed delivery lacks its endpoint or event: %+v", d)
	}
}

// projectUnitIDs are a project's units, by id.
func projectUnitIDs(t *testing.T, db *store.DB, project int64) []int64 {
	t.Helper()
	return storetest.IDs(t, db.SQLForTest(), `SELECT u.id FROM units u JOIN buildings b ON b.id = u.building_id WHERE b.project_id = $1 ORDER BY u.id`, project)
}

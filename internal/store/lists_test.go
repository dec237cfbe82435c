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

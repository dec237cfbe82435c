package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// The clerks' queue is read a page at a time, oldest due first, with the
// steps' badges counted over the whole queue; the search finds a service
// by its 受理号, its flat, its 不动产单元号 or its applicant, reads a typed
// % literally, and a county's queue holds only its own applications.
func TestQueueListPages(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	var apps []registry.Application
	for i, c := range x.contracts {
		a, err := x.db.CreateApplication(ctx, x.acceptor, x.cal, store.ApplicationInput{Applicants: storetest.Applicants(fmt.Sprintf("申请人%d号", i)),
			Services: []store.ServiceInput{{Kind: registry.ObjectReg, UnitID: c.UnitID, Details: map[string]string{"reason": "共同出资"}}}})
		if err != nil {
			t.Fatalf("application %d: %v", i, err)
		}
		apps = append(apps, a)
	}
	if _, err := x.step(t, x.reviewer, apps[0], registry.StepReview, store.StepOptions{}); err != nil {
		t.Fatal(err)
	}
	waiting := len(apps) - 1 // the first is reviewed, so approved
	county := store.QueueQuery{Jurisdiction: "652301", State: registry.Accepted}

	tally, err := x.db.QueueTally(ctx, county)
	if err != nil {
		t.Fatal(err)
	}
	if tally[registry.Accepted] != waiting || tally[registry.Approved] != 1 {
		t.Errorf("tally: got %v, want %d accepted and 1 approved (one review suffices here)", tally, waiting)
	}

	var got []string
	for n := 1; ; n++ {
		q := county
		q.Page = store.Page{Number: n, Size: 2}
		l, err := x.db.QueueList(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if l.Total != waiting {
			t.Fatalf("page %d: got total %d, want %d", n, l.Total, waiting)
		}
		for _, r := range l.Rows {
			if r.Service.State != registry.Accepted {
				t.Errorf("%s is %s, want only accepted services", r.Application.Number, r.Service.State)
			}
			got = append(got, r.Application.Number)
		}
		if n == l.Pages() {
			break
		}
	}
	var want []string
	for _, a := range apps[1:] {
		want = append(want, a.Number)
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages: got %v, want %v (due on the same day, so in the order taken)", got, want)
	}

	one := apps[3]
	ref, err := x.db.Unit(ctx, one.Services[0].UnitID)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, search string
		want         []string
	}{
		{"受理号", one.Number, []string{one.Number}},
		{"flat", ref.Building.Name + " " + ref.Unit.Room, []string{one.Number}},
		{"unit number", ref.Unit.UnitNo, []string{one.Number}},
		{"applicant", "申请人3号", []string{one.Number}},
		{"a typed % is literal", "申请人%号", nil},
		{"not the stored applicants' keys", "name", nil},
		{"not their documents' kind", "身份证", nil},
		{"not a fragment of their document numbers", storetest.Applicants("申请人3号")[0].IDNumber[6:14], nil},
		{"nothing", "不存在的", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := county
			q.Search = tt.search
			l, err := x.db.QueueList(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range l.Rows {
				got = append(got, r.Application.Number)
			}
			if !slices.Equal(got, tt.want) || l.Total != len(tt.want) {
				t.Errorf("search %q: got %v (total %d), want %v", tt.search, got, l.Total, tt.want)
			}
		})
	}

	other, err := x.db.QueueList(ctx, store.QueueQuery{Jurisdiction: "652302"})
	if err != nil || other.Total != 0 {
		t.Errorf("another county's queue: got %d rows (%v), want none", other.Total, err)
	}
}

// A counter application with a fault in each of its parts is refused once
// with every fault named under its service (services[1].authority), by
// CreateApplication and by the dry CheckApplication alike, and neither
// writes anything.
func TestApplicationFaultsAtOnce(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	ref, err := x.db.Unit(ctx, x.contracts[0].UnitID)
	if err != nil {
		t.Fatal(err)
	}
	in := store.ApplicationInput{Applicants: []registry.Applicant{{Name: "张伟", IDNumber: "652301199003071232"}},
		Services: []store.ServiceInput{
			{Kind: registry.ObjectReg, UnitNo: "652301009001GB00001F99990001", Details: map[string]string{"reason": "共同出资"}},
			{Kind: registry.SealReg, UnitNo: strings.ToLower(ref.Unit.UnitNo)},
			{Kind: registry.MortgageReg, UnitNo: ref.Unit.UnitNo, Whole: true},
		}}
	want := []string{"applicants", "services[0].unit_no", "services[1].authority", "services[1].doc_no", "services[2].whole"}
	count := func() (n int) {
		x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM applications`).Scan(&n)
		return n
	}
	before := count()
	for name, call := range map[string]func() error{
		"create": func() error { _, err := x.db.CreateApplication(ctx, x.acceptor, x.cal, in); return err },
		"check":  func() error { return x.db.CheckApplication(ctx, x.acceptor, in) },
	} {
		err := call()
		e := problem.As(err)
		var got []string
		for k := range e.Fields {
			got = append(got, k)
		}
		slices.Sort(got)
		if e.Kind != problem.Invalid || !slices.Equal(got, want) {
			t.Errorf("%s: got %v fields %v, want every fault: %v", name, err, got, want)
		}
		if !strings.Contains(e.Message, "5处错误") {
			t.Errorf("%s: got message %q, want it to count 5 faults", name, e.Message)
		}
	}
	if after := count(); after != before {
		t.Errorf("applications: got %d after the refusals, want %d", after, before)
	}
	// Put right, the same input is taken, its units found by number (in
	// either case).
	in.Applicants[0].IDNumber = "652301199003071231"
	in.Services = in.Services[1:2]
	in.Services[0].Details = map[string]string{"authority": "昌吉市人民法院", "doc_no": "执1号", "term_end": "2029-01-01"}
	if err := x.db.CheckApplication(ctx, x.acceptor, in); err != nil {
		t.Errorf("check of a sound application: %v", err)
	}
	a, err := x.db.CreateApplication(ctx, x.acceptor, x.cal, in)
	if err != nil || a.Services[0].UnitID != ref.Unit.ID {
		t.Errorf("put right: got %v on unit %d, want it taken on unit %d", err, a.Services[0].UnitID, ref.Unit.ID)
	}
}

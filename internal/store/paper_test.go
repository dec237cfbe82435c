package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"handover/internal/certificate"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
)

func paperRange(t *testing.T, prefix, first, last string) certificate.Range {
	t.Helper()
	r, err := certificate.NewRange(prefix, first, last)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// certified takes an application of the fixture through review, 登簿 and
// 缮证: its certificates are signed and wait to be issued.
func (x *registrationFixture) certified(t *testing.T, services ...store.ServiceInput) registry.Application {
	t.Helper()
	a := x.apply(t, services...)
	var err error
	if a.Services[0].State == registry.Accepted {
		if a, err = x.step(t, x.reviewer, a, registry.StepReview, store.StepOptions{}); err != nil {
			t.Fatalf("review: %v", err)
		}
	}
	for _, step := range []registry.Step{registry.StepRecord, registry.StepCertify} {
		if a, err = x.step(t, x.recorder, a, step, store.StepOptions{}); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	return a
}

// stockCounts renders the authority's stock as "received used spoiled remaining".
func stockCounts(t *testing.T, db *store.DB, jurisdiction string) string {
	t.Helper()
	st, err := db.PaperStock(context.Background(), jurisdiction)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(st.Received(), st.Used(), st.Spoiled(), st.Remaining())
}

// Ranges are received once nationwide, blanks are spoiled with a reason,
// and the stock counts what became of every blank; nothing is edited or
// deleted.
func TestPaperStock(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	r, err := x.db.ReceivePaper(ctx, x.recorder, "652301", certificate.Range{Prefix: "XJ", First: 26000001, Last: 26000100, Digits: 8, Note: "2026年第4批"})
	if err != nil {
		t.Fatal(err)
	}
	if r.ID == 0 || r.ReceivedBy != x.recorder.UserID || r.ReceivedAt.IsZero() {
		t.Errorf("received range: got %+v, want its id, who and when", r)
	}
	tests := []struct {
		name, jurisdiction string
		r                  certificate.Range
		want               string
	}{
		{"the same box again", "652301", paperRange(t, "XJ", "26000001", "26000100"), "paper.overlap"},
		{"overlapping, by another authority", "652302", paperRange(t, "XJ", "26000100", "26000200"), "paper.overlap"},
		{"the next box, by another authority", "652302", paperRange(t, "XJ", "26000101", "26000200"), ""},
		{"another prefix", "652301", paperRange(t, "XK", "26000001", "26000100"), ""},
		{"no registration authority", "652300", paperRange(t, "XL", "26000001", "26000100"), "paper.authority"},
	}
	long := paperRange(t, "XM", "26000001", "26000100")
	long.Note = strings.Repeat("批", 201)
	tests = append(tests, struct {
		name, jurisdiction string
		r                  certificate.Range
		want               string
	}{"a note over 200 characters", "652301", long, "paper.range_invalid"})
	for _, tt := range tests {
		// The page's confirmation asks the same rules first, writing nothing.
		preview := x.db.CheckPaperRange(ctx, tt.jurisdiction, tt.r)
		_, err := x.db.ReceivePaper(ctx, x.recorder, tt.jurisdiction, tt.r)
		if got := problem.CodeOf(err); (err != nil || tt.want != "") && got != tt.want {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
		if tt.want != "" && problem.CodeOf(preview) != tt.want {
			t.Errorf("%s: the preview got %v, want %q", tt.name, preview, tt.want)
		}
	}
	if got, want := stockCounts(t, x.db, "652301"), "200 0 0 200"; got != want {
		t.Errorf("stock of 652301: got %s, want %s", got, want)
	}

	spoils := []struct {
		name, serial, reason, want string
	}{
		{"jammed", "XJ26000003", "打印机卡纸，证书纸褶皱", ""},
		{"the same blank again", "xj26000003", "重复登记", "paper.spoiled"},
		{"another authority's blank", "XJ26000150", "卡纸", "paper.not_in_stock"},
		{"never received", "XJ26009999", "卡纸", "paper.not_in_stock"},
		{"without a reason", "XJ26000004", " ", "paper.spoil_invalid"},
		{"not a serial", "26000004", "卡纸", "paper.spoil_invalid"},
	}
	for _, tt := range spoils {
		b, err := x.db.SpoilBlank(ctx, x.recorder, "652301", tt.serial, tt.reason)
		if got := problem.CodeOf(err); (err != nil || tt.want != "") && got != tt.want {
			t.Errorf("spoil %s: got %v, want %q", tt.name, err, tt.want)
		}
		if err == nil && (b.Serial != "XJ26000003" || b.RangeID != r.ID || b.By != x.recorder.UserID) {
			t.Errorf("spoil %s: got %+v", tt.name, b)
		}
	}
	if got, want := stockCounts(t, x.db, "652301"), "200 0 1 199"; got != want {
		t.Errorf("stock after spoiling: got %s, want %s", got, want)
	}
	blanks, err := x.db.PaperBlanks(ctx, "652301", certificate.Spoiled, 10)
	if err != nil || len(blanks) != 1 || blanks[0].Reason != "打印机卡纸，证书纸褶皱" || blanks[0].ByName != x.recorder.Name || blanks[0].At.IsZero() {
		t.Errorf("spoiled blanks: got %+v, %v; want the one with reason, who and when", blanks, err)
	}
	free, err := x.db.NextFreeSerials(ctx, "652301", 3)
	if got, want := strings.Join(free, " "), "XJ26000001 XJ26000002 XJ26000004"; err != nil || got != want {
		t.Errorf("next free: got %s, %v; want %s", got, err, want)
	}
	if _, _, err := x.db.CheckPaperBlank(ctx, "652301", "XJ26000003"); problem.CodeOf(err) != "paper.spoiled" {
		t.Errorf("checking the spoiled blank: got %v, want paper.spoiled", err)
	}
	if _, r2, err := x.db.CheckPaperBlank(ctx, "652301", "XJ26000004"); err != nil || r2.ID != r.ID {
		t.Errorf("checking a free blank: got %v, range %d; want its range %d", err, r2.ID, r.ID)
	}

	// Append-only: the database refuses an edit or a deletion.
	raw := x.db.SQLForTest()
	for _, q := range []string{
		`UPDATE paper_ranges SET last_no = last_no + 1`,
		`DELETE FROM paper_ranges`,
		`UPDATE paper_blanks SET reason = 'x'`,
		`DELETE FROM paper_blanks`,
	} {
		if _, err := raw.ExecContext(ctx, q); err == nil {
			t.Errorf("%s succeeded, want the append-only trigger to refuse it", q)
		}
	}
}

// An application with several certifying services prints each certificate
// on its own blank; a serial outside the stock, used, spoiled, repeated or
// missing is refused and leaves nothing behind.
func TestPaperIssue(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	if _, err := x.db.ReceivePaper(ctx, x.recorder, "652301", paperRange(t, "XJ", "26000001", "26000010")); err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.ReceivePaper(ctx, x.recorder, "652302", paperRange(t, "XJ", "26000011", "26000020")); err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.SpoilBlank(ctx, x.recorder, "652301", "XJ26000001", "打印机卡纸"); err != nil {
		t.Fatal(err)
	}
	// 首次登记 + 转移 + 抵押: the title to the buyer and the bank's proof.
	c0, c1 := x.contracts[0], x.contracts[1]
	a := x.certified(t, store.ServiceInput{Kind: registry.First, UnitID: c0.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: c0.UnitID},
		store.ServiceInput{Kind: registry.MortgageReg, UnitID: c0.UnitID, Details: map[string]string{"bank": fmt.Sprint(x.bank), "amount": "300000"}})
	free, err := x.db.NextFreeSerials(ctx, "652301", 2)
	if err != nil || strings.Join(free, ",") != "XJ26000002,XJ26000003" {
		t.Fatalf("next free: %v %v", free, err)
	}
	issue := func(a registry.Application, delivery, serials string) (registry.Application, error) {
		return x.step(t, x.recorder, a, registry.StepIssue, store.StepOptions{Delivery: delivery, PaperSerial: serials})
	}
	refusals := []struct {
		name, delivery, serials, want string
	}{
		{"one serial for two certificates", "hand", "XJ26000002", "paper.count"},
		{"three serials for two", "hand", "XJ26000002,XJ26000003,XJ26000004", "paper.count"},
		{"the same serial twice", "hand", "XJ26000002,XJ26000002", "paper.duplicate"},
		{"outside the stock", "hand", "XJ26000002,XJ26000099", "paper.not_in_stock"},
		{"another authority's blank", "hand", "XJ26000011,XJ26000003", "paper.not_in_stock"},
		{"a spoiled blank", "hand", "XJ26000001,XJ26000003", "paper.spoiled"},
		{"not a serial", "hand", "XJ26000002,26000003", "paper.serial_invalid"},
		{"paper for an electronic issue", "electronic", "XJ26000002,XJ26000003", "paper.electronic"},
	}
	for _, tt := range refusals {
		if _, err := issue(a, tt.delivery, tt.serials); problem.CodeOf(err) != tt.want {
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.want)
		}
	}
	if got, want := stockCounts(t, x.db, "652301"), "10 0 1 9"; got != want {
		t.Errorf("stock after the refusals: got %s, want %s (nothing used)", got, want)
	}
	if a, err = issue(a, "hand", strings.Join(free, ",")); err != nil {
		t.Fatalf("issue on two blanks: %v", err)
	}
	if a.State != "done" {
		t.Errorf("application state: got %s, want done", a.State)
	}
	certs, _ := x.db.CertificatesOfUnit(ctx, c0.UnitID)
	got := map[certificate.Kind]string{}
	for _, c := range certs {
		got[c.Kind] = c.PaperSerial
	}
	if len(certs) != 2 || got[certificate.Title] != "XJ26000002" || got[certificate.Proof] != "XJ26000003" {
		t.Errorf("certificates and their blanks: got %v of %d certificates, want the title on XJ26000002 and the proof on XJ26000003", got, len(certs))
	}
	used, _ := x.db.PaperBlanks(ctx, "652301", certificate.Used, 10)
	if len(used) != 2 || used[0].CertNo == "" || used[0].ByName != x.recorder.Name {
		t.Errorf("used blanks: got %+v, want two naming their certificate and printer", used)
	}

	// 首次登记 + 转移 of another flat: its one title.
	b := x.certified(t, store.ServiceInput{Kind: registry.First, UnitID: c1.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: c1.UnitID})
	for _, tt := range []struct{ serial, want string }{
		{"XJ26000002", "paper.used"},
		{"XJ26000003", "paper.used"},
		{"XJ26000001", "paper.spoiled"},
	} {
		if _, err := issue(b, "hand", tt.serial); problem.CodeOf(err) != tt.want {
			t.Errorf("reusing %s: got %v, want %s", tt.serial, err, tt.want)
		}
	}
	free, _ = x.db.NextFreeSerials(ctx, "652301", 1)
	if _, err := issue(b, "developer", free[0]); err != nil || free[0] != "XJ26000004" {
		t.Fatalf("issue on the next free blank %v: %v", free, err)
	}
	if got, want := stockCounts(t, x.db, "652301"), "10 3 1 6"; got != want {
		t.Errorf("stock at the end: got %s, want %s", got, want)
	}
}

// Clerks issuing at the same moment on the same blank: one wins, the
// others are refused, and the blank names one certificate.
func TestPaperIssueConcurrent(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	if _, err := x.db.ReceivePaper(ctx, x.recorder, "652301", paperRange(t, "XJ", "26000001", "26000010")); err != nil {
		t.Fatal(err)
	}
	var apps []registry.Application
	for _, c := range x.contracts[:4] {
		apps = append(apps, x.certified(t, store.ServiceInput{Kind: registry.First, UnitID: c.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID}))
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, len(apps))
	for i, a := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = x.db.Step(ctx, x.recorder, a.ID, registry.StepIssue, store.StepOptions{Delivery: "hand", PaperSerial: "XJ26000005"}, x.keys)
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case problem.CodeOf(err) != "paper.used":
			t.Errorf("application %d: got %v, want issued or paper.used", i, err)
		}
	}
	if won != 1 {
		t.Errorf("issues on one blank: %d won, want 1", won)
	}
	if got, want := stockCounts(t, x.db, "652301"), "10 1 0 9"; got != want {
		t.Errorf("stock: got %s, want %s", got, want)
	}
	// The serial's key is the last line of defence, whatever the checks.
	if _, err := x.db.SQLForTest().ExecContext(ctx, `INSERT INTO paper_blanks (serial, jurisdiction, state, certificate_id, reason, by_user, at, range_id, number)
		VALUES ('XJ26000005', '652301', 'spoiled', 0, 'x', 1, CURRENT_TIMESTAMP, 0, 26000005)`); err == nil {
		t.Error("a second row for a used blank was written, want the unique key to refuse it")
	}
}

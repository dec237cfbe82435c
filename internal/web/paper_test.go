package web

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
)

// paperSamples fill the paper stock page.
func paperSamples(b Base, now time.Time) map[string]any {
	r := certificate.Range{ID: 1, Jurisdiction: "652301", Prefix: "XJ", First: 26000001, Last: 26000500, Digits: 8, Note: "2026年第4批", ByName: "王磊", ReceivedAt: now}
	return map[string]any{
		"paper": PaperPage{Base: b, Jurisdictions: []identity.Jurisdiction{{Code: "652301", Name: "昌吉市"}, {Code: "652302", Name: "阜康市"}},
			Current: "652301", CanManage: true, Action: "spoil",
			Stock: certificate.Stock{Jurisdiction: "652301", Authority: "昌吉市不动产登记中心", Ranges: []certificate.RangeStock{{Range: r, Used: 2, Spoiled: 1}}},
			Next:  []string{"XJ26000004", "XJ26000005"},
			Used: []certificate.Blank{{Serial: "XJ26000002", State: certificate.Used, CertificateID: 1, CertNo: "新(2026)昌吉市不动产权第0000001号",
				ByName: "王磊", At: now}},
			Spoiled: []certificate.Blank{{Serial: "XJ26000001", State: certificate.Spoiled, Reason: "打印机卡纸", ByName: "王磊", At: now}},
			Form:    PaperForm{Prefix: "XJ", First: "26000501", Last: "26000400", Serial: "XJ26000003", Reason: "污损"},
			Errors:  map[string]string{"serial": "x", "last": "y"}, Message: "m", Reasons: []problem.Reason{{Rule: "paper.used", Message: "r"}}},
	}
}

// The stock page's confirmations and the issue form's serials render.
func TestPaperTemplates(t *testing.T) {
	ps, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{pages: ps}
	render := func(name string, page any) string {
		t.Helper()
		w := httptest.NewRecorder()
		if err := s.render(w, 200, name, page); err != nil {
			t.Fatalf("render %s: %v", name, err)
		}
		b, _ := io.ReadAll(w.Result().Body)
		return string(b)
	}
	now := time.Date(2026, 11, 16, 2, 0, 0, 0, time.UTC)
	b := Base{Title: "t", Today: calendar.MustDate("2026-11-16")}
	sample := paperSamples(b, now)["paper"].(PaperPage)
	r := sample.Stock.Ranges[0].Range

	receive := sample
	receive.Action, receive.Preview, receive.Form.Note = "receive", &PaperPreview{Action: "receive", Range: r}, "2026年第5批"
	spoil := sample
	spoil.Preview = &PaperPreview{Action: "spoil", Range: r, Serial: "XJ26000003"}
	empty := PaperPage{Base: b, Current: "652302", Stock: certificate.Stock{Authority: "阜康市不动产登记中心"}}

	title := store.Certificate{ID: 1, Kind: certificate.Title, Number: "新(2026)昌吉市不动产权第0000001号"}
	proof := store.Certificate{ID: 2, Kind: certificate.Proof, Number: "新(2026)昌吉市不动产证明第0000001号"}
	app := registry.Application{ID: 1, Number: "652301-2026-000001", Jurisdiction: "652301", State: "open"}
	issue := ApplicationPage{Base: b, App: app, Next: registry.StepIssue, CanStep: true, Certificates: []store.Certificate{title, proof},
		Paper: []PaperSlot{{Cert: title, Serial: "XJ26000004"}, {Cert: proof}}, PaperLeft: 1, PaperOn: true}

	tests := []struct {
		name, template string
		page           any
		want, not      []string
	}{
		{"receive confirmation", "paper", receive, []string{`id="paper-receive-confirm"`, "XJ26000001–XJ26000500", "共 <strong>500</strong> 张", "2026年第5批",
			`name="confirm" value="1"`}, []string{`id="paper-spoil-confirm"`}},
		{"spoil confirmation", "paper", spoil, []string{`id="paper-spoil-confirm"`, "作废证书纸 <strong class=\"mono\">XJ26000003</strong>", "不能撤销"},
			[]string{`id="paper-receive-confirm"`}},
		{"empty stock", "paper", empty, []string{`id="paper-next-none"`, "尚未领入证书纸"}, []string{`id="receive"`, `id="spoil"`}},
		{"issue form", "application", issue, []string{`id="paper-serials"`, `name="paper_serial" value="XJ26000004"`, `id="paper-on" checked`,
			`id="paper-short"`, "新(2026)昌吉市不动产证明第0000001号", "/paper-stock?jurisdiction=652301"}, nil},
	}
	for _, tt := range tests {
		body := render(tt.template, tt.page)
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %s", tt.name, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(body, w) {
				t.Errorf("%s: page shows %s", tt.name, w)
			}
		}
	}
	if n := strings.Count(render("application", issue), `name="paper_serial"`); n != 2 {
		t.Errorf("issue form: %d serial inputs, want one per certificate (2)", n)
	}
}

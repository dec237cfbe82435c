package web

import (
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/web/htmlcheck"
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
		want           []htmlcheck.Checker
	}{
		{"receive confirmation", "paper", receive, []htmlcheck.Checker{
			in("#receive #paper-confirm", hasText("领入 XJ26000001–XJ26000500，共 500 张（2026年第5批）。"),
				in("p:first-child strong.mono", hasExactText("XJ26000001–XJ26000500")), in("p:first-child strong:nth-child(2)", hasExactText("500"))),
			in(`#receive form input[type=hidden][name=note]`, hasAttr("value", "2026年第5批")),
			in(`#receive form input[type=hidden][name=confirm]`, hasAttr("value", "1")),
			in("#receive #paper-receive-confirm"),
			none("#paper-spoil-confirm"),
		}},
		{"spoil confirmation", "paper", spoil, []htmlcheck.Checker{
			in("#spoil #paper-confirm", hasText("不能撤销"),
				in("p:first-child", hasText("作废证书纸 XJ26000003"), in("strong.mono:first-child", hasExactText("XJ26000003")))),
			in("#spoil #paper-spoil-confirm"),
			none("#paper-receive-confirm"),
		}},
		{"empty stock", "paper", empty, []htmlcheck.Checker{
			in("#paper-next-none"),
			in("#paper-ranges-none", hasText("尚未领入证书纸")),
			none("#receive"), none("#spoil"),
		}},
		{"issue form", "application", issue, []htmlcheck.Checker{
			countOf(`input[name="paper_serial"]`, 2),
			in("#paper-serials tbody tr:nth-child(1) input[name=paper_serial]", hasAttr("value", "XJ26000004")),
			in("#paper-serials tbody tr:nth-child(2) td:nth-child(3)", hasExactText("新(2026)昌吉市不动产证明第0000001号")),
			in("#paper #paper-on[checked]"),
			in("#paper #paper-short"),
			in(`#paper a[href="/paper-stock?jurisdiction=652301"]`),
		}},
	}
	for _, tt := range tests {
		checkPage(t, tt.name, render(tt.template, tt.page), tt.want...)
	}
}

package web_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"handover/internal/courier"
	"handover/internal/exchange"
)

// The partners page reads in Chinese: a delivery's state, why it failed
// (the Go error behind a toggle for administrators), the flat an event is
// about, the event's name and the endpoint's jurisdiction by name.
func TestPartnersPageInChinese(t *testing.T) {
	env, unit, _ := startSale(t)
	ctx := context.Background()
	admin := actorOfUser(env, "cj-admin")
	// One partner refuses connections, another answers 500.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/hook"
	l.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer broken.Close()
	for _, ep := range []exchange.Endpoint{
		{OrgID: env.Demo.Orgs["652301/tax"].ID, Name: "税收征管系统", URL: closed, Jurisdiction: "652301"},
		{OrgID: env.Demo.Orgs["652301/bank"].ID, Name: "贷款系统", URL: broken.URL},
	} {
		ep.Secret, ep.Events, ep.Active = "0123456789abcdef-secret", []string{exchange.ContractFiled}, true
		if _, err := env.DB.PutEndpoint(ctx, admin, ep); err != nil {
			t.Fatal(err)
		}
	}
	sell(t, env, saleInput(unit.ID, "王芳", "652301199003071231"), true)
	c := &courier.Courier{DB: env.DB, Client: &http.Client{Timeout: 5 * time.Second}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: env.Clock.Now, MaxAttempts: 1}
	if _, err := c.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}

	for _, who := range []string{"cj-admin", "admin"} {
		status, page := get(t, env.Client(t, who), env.HTTP.URL+"/admin/partners")
		if status != 200 {
			t.Fatalf("%s: GET /admin/partners = %d", who, status)
		}
		refused := allOf(in("td.event", hasExactText("商品房预售合同备案")), in("td.subject", hasText("户 "), lacksText("unit:")),
			in("td.state", hasExactText("死信（已停止重试）")), in("td.error .failure", hasExactText("对方系统无法连接（连接被拒绝）")),
			in("td.error details.raw-error pre", hasText("connection refused")))
		checkPage(t, who+"'s partners page", page,
			inAny("tr[data-delivery]", refused),
			inAny("tr[data-delivery]", in("td.error .failure", hasExactText("对方返回错误 HTTP 500（对方系统内部错误）"))),
			inAll("tr[data-delivery] td.state", lacksText("dead"), lacksText("pending")),
			inAny("#health tr[data-endpoint]", in("td.jurisdiction", hasExactText("昌吉市")),
				in("td.error .failure", hasExactText("对方系统无法连接（连接被拒绝）"))),
			notIn("#health td.jurisdiction", hasText("652301")))
	}
}

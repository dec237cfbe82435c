package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/audit"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/store"
	"handover/internal/web/webtest"
)

type apiError struct {
	Error struct {
		Code    string           `json:"code"`
		Reasons []problem.Reason `json:"reasons"`
	} `json:"error"`
}

// startSale starts the demo with its ledger and a supervised account for
// the first project, and returns the first unit of its first building.
func startSale(t *testing.T) (*webtest.Env, ledger.Unit, int64) {
	env, lr := startLedger(t)
	ctx := context.Background()
	pid := lr.Projects[0].ID
	if err := env.DB.OpenFundAccount(ctx, actorOfUser(env, "zhujian"), presale.FundAccount{ProjectID: pid, Bank: env.Demo.Orgs["652301/bank"].ID,
		Number: "6523010022008812345", Supervised: decimal.NewFromInt(420000000)}); err != nil {
		t.Fatal(err)
	}
	d, err := env.DB.ProjectDetail(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	building := d.Buildings[0].Building.ID
	tab, err := env.DB.BuildingTable(ctx, building)
	if err != nil {
		t.Fatal(err)
	}
	return env, tab.Rows[0].Cells[0].Unit, building
}

// call sends a JSON request and decodes the answer into out (when 2xx) or
// returns the error body.
func call(t *testing.T, c *http.Client, method, url, body string, out any) (int, apiError) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e apiError
	if resp.StatusCode >= 300 {
		json.Unmarshal(b, &e)
		return resp.StatusCode, e
	}
	if out != nil {
		if err := json.NewDecoder(bytes.NewReader(b)).Decode(out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
	return resp.StatusCode, e
}

// The whole contract path over the JSON API: a refused draft lists every
// reason with its basis and fixer; a good one is sent, confirmed by the
// buyer, filed with its pre-notice and pre-mortgage, and cancelled by both
// parties, which ends both entries by new entries.
func TestContractAPIFlow(t *testing.T) {
	env, unit, _ := startSale(t)
	ctx := context.Background()
	base := env.HTTP.URL + "/api/v1"
	dev, buyer := env.Client(t, "kaifa"), env.Client(t, "zhangwei")
	bank := env.Demo.Orgs["652301/bank"].ID

	bad := fmt.Sprintf(`{"unit_id":%d,"ownership":"shares","price_basis":"gross","unit_price":"6800","payment":"commercial","loan_bank":%d,
		"loan_amount":"400000","loan_years":25,"home_count":"first","delivery_date":"2027-06-30","registration_days":60,
		"late_delivery_rate":"3","late_certificate_rate":"3",
		"buyers":[{"name":"张伟","id_number":"652301199003071231","share":"1/2"},{"name":"李娜","id_number":"652301199205123424","share":"1/3"}]}`, unit.ID, bank)
	status, e := call(t, dev, "POST", base+"/contracts", bad, nil)
	var rules []string
	for _, r := range e.Error.Reasons {
		rules = append(rules, r.Rule)
		if r.Basis == "" || r.Fixer == "" || r.Subject != unit.UnitNo {
			t.Errorf("reason %+v lacks its basis, fixer or unit", r)
		}
	}
	if status != 422 || e.Error.Code != "contract.refused" || !slices.Contains(rules, "contract.buyer_id") || !slices.Contains(rules, "contract.shares") {
		t.Fatalf("bad draft: got %d %s %v, want 422 contract.refused with buyer_id and shares", status, e.Error.Code, rules)
	}

	good := strings.Replace(strings.Replace(bad, "652301199205123424", "652301199205123423", 1), `"1/3"`, `"1/2"`, 1)
	var c struct {
		ID          int64  `json:"id"`
		State       string `json:"state"`
		PreNoticeNo string `json:"prenotice_no"`
		Digest      string `json:"sm3_digest"`
		Intact      *bool  `json:"digest_intact"`
		Buyers      []struct {
			IDNumber string `json:"id_number"`
		} `json:"buyers"`
	}
	if status, e := call(t, dev, "POST", base+"/contracts", good, &c); status != 201 || c.State != "draft" {
		t.Fatalf("draft: got %d %+v %+v", status, c, e)
	}
	if c.Buyers[0].IDNumber == "652301199003071231" {
		t.Errorf("the developer's API view shows the buyer's full ID number")
	}
	// The same unit cannot be drafted twice.
	if status, e := call(t, dev, "POST", base+"/contracts", good, nil); status != 422 || e.Error.Reasons[0].Rule != "contract.unit_taken" {
		t.Errorf("second draft of the unit: got %d %+v, want contract.unit_taken", status, e)
	}
	id := fmt.Sprint(c.ID)
	steps := []struct {
		client *http.Client
		path   string
		state  string
	}{
		{dev, "/send", "sent"},
		{buyer, "/confirm", "sent"}, // one of two buyers
	}
	for _, s := range steps {
		if status, e := call(t, s.client, "POST", base+"/contracts/"+id+s.path, "", &c); status != 200 || c.State != s.state {
			t.Fatalf("%s: got %d %s %+v, want %s", s.path, status, c.State, e, s.state)
		}
	}
	// Filing needs every buyer's confirmation.
	if status, e := call(t, dev, "POST", base+"/contracts/"+id+"/file", "", nil); status != 409 || e.Error.Code != "contract.state" {
		t.Errorf("filing before the second buyer confirmed: got %d %s, want 409 contract.state", status, e.Error.Code)
	}
	// The second buyer has no demo login: she confirms through the store.
	if _, err := env.DB.ConfirmContract(ctx, audit.Actor{Name: "李娜"}, c.ID, "652301199205123423"); err != nil {
		t.Fatal(err)
	}
	if status, e := call(t, dev, "POST", base+"/contracts/"+id+"/file", "", &c); status != 200 || c.State != "filed" || c.PreNoticeNo == "" {
		t.Fatalf("file: got %d %+v %+v", status, c, e)
	}
	if call(t, buyer, "GET", base+"/contracts/"+id, "", &c); c.Intact == nil || !*c.Intact || len(c.Digest) != 64 {
		t.Errorf("the buyer's view: digest %q intact %v", c.Digest, c.Intact)
	}

	type book struct {
		Entries []struct {
			Kind      string `json:"kind"`
			PreNotice int    `json:"prenotice_kind"`
			Status    string `json:"status"`
			CertNo    string `json:"cert_no"`
		} `json:"entries"`
	}
	var b book
	if status, e := call(t, buyer, "GET", fmt.Sprintf("%s/units/%d/register", base, unit.ID), "", &b); status != 200 || len(b.Entries) != 2 {
		t.Fatalf("register: got %d %+v %+v, want the pre-notice and the pre-mortgage", status, b, e)
	}
	for _, en := range b.Entries {
		if en.Kind != "prenotice" || en.Status != "current" || en.CertNo == "" {
			t.Errorf("register entry after filing: %+v", en)
		}
	}

	// Cancellation: the developer asks, the buyers agree.
	var x struct {
		State string `json:"state"`
	}
	if status, e := call(t, dev, "POST", base+"/contracts/"+id+"/cancellation", `{"reason":"双方协商解除"}`, &x); status != 200 || x.State != "open" {
		t.Fatalf("developer's cancellation: got %d %+v %+v", status, x, e)
	}
	if status, e := call(t, buyer, "POST", base+"/contracts/"+id+"/cancellation", `{"reason":"双方协商解除"}`, &x); status != 200 {
		t.Fatalf("first buyer's agreement: got %d %+v", status, e)
	}
	if _, err := env.DB.AgreeCancellation(ctx, audit.Actor{Name: "李娜"}, c.ID, store.CancelParty{Buyer: "652301199205123423"}, "双方协商解除"); err != nil {
		t.Fatal(err)
	}
	call(t, dev, "GET", base+"/contracts/"+id, "", &c)
	// A former buyer no longer sees the unit's register; housing staff do.
	if status, _ := call(t, buyer, "GET", fmt.Sprintf("%s/units/%d/register", base, unit.ID), "", nil); status != 403 {
		t.Errorf("the former buyer reads the register: got %d, want 403", status)
	}
	b = book{}
	if status, e := call(t, env.Client(t, "zhujian"), "GET", fmt.Sprintf("%s/units/%d/register", base, unit.ID), "", &b); status != 200 {
		t.Fatalf("housing staff read the register: got %d %+v", status, e)
	}
	var ended, cancellations int
	for _, en := range b.Entries {
		switch {
		case en.Kind == "prenotice" && en.Status == "terminated":
			ended++
		case en.Kind == "cancellation":
			cancellations++
		}
	}
	if c.State != "cancelled" || ended != 2 || cancellations != 2 || len(b.Entries) != 4 {
		t.Errorf("after cancellation: contract %s, register %+v; want cancelled, both entries terminated by two new entries", c.State, b.Entries)
	}
}

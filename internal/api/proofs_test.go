package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"handover/internal/audit"
)

// The lending bank's own system, with its API token, lists the 预抵押 and
// mortgages it holds, each with its signed proof, and verifies each proof
// by its identifier and number: a 预抵押 still waiting is 现势, one the
// handover converted into a mortgage is 注销.
func TestBankVerifiesItsProofsWithItsToken(t *testing.T) {
	env := sharedDemo(t)
	ctx := context.Background()
	var user int64
	if err := env.Raw.QueryRow(`SELECT id FROM users WHERE username = 'yinhang'`).Scan(&user); err != nil {
		t.Fatal(err)
	}
	secret, _, err := env.DB.CreateToken(ctx, audit.System(), user, "按揭业务系统")
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string, out any) int {
		t.Helper()
		req, _ := http.NewRequest("GET", env.HTTP.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(out)
		return resp.StatusCode
	}
	var list struct {
		Mortgages []struct {
			Entry struct {
				Kind   string `json:"kind"`
				CertNo string `json:"cert_no"`
			} `json:"entry"`
			Proof *struct {
				LicenceID string `json:"licence_id"`
				Number    string `json:"number"`
				Signed    bool   `json:"signed"`
				State     string `json:"state"`
			} `json:"proof"`
		} `json:"mortgages"`
	}
	if code := get("/api/v1/mortgages", &list); code != 200 || len(list.Mortgages) == 0 {
		t.Fatalf("GET /api/v1/mortgages: %d with %d rows, want 200 with the bank's", code, len(list.Mortgages))
	}
	seen := map[string]int{}
	for _, m := range list.Mortgages {
		if m.Proof == nil || !m.Proof.Signed || m.Proof.Number != m.Entry.CertNo {
			t.Errorf("%s %s: proof %+v, want its signed proof", m.Entry.Kind, m.Entry.CertNo, m.Proof)
			continue
		}
		want := map[string]string{"live": "现势", "cancelled": "注销"}[m.Proof.State]
		var v struct {
			Kind           string `json:"kind"`
			SignatureValid bool   `json:"signature_valid"`
			State          string `json:"state"`
			Limited        bool   `json:"limited"`
		}
		code := get("/api/v1/verify/"+m.Proof.LicenceID+"?number="+url.QueryEscape(m.Proof.Number), &v)
		if code != 200 || !v.SignatureValid || v.State != want || v.Kind != "proof" || v.Limited {
			t.Errorf("verify %s (%s): %d %+v, want a valid proof, %s, in full", m.Entry.CertNo, m.Entry.Kind, code, v, want)
		}
		seen[m.Entry.Kind+"/"+m.Proof.State]++
	}
	for _, k := range []string{"prenotice/live", "prenotice/cancelled", "mortgage/live"} {
		if seen[k] == 0 {
			t.Errorf("no %s proof among the bank's (%v)", k, seen)
		}
	}
}

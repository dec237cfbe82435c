package exchange

import (
	"testing"

	"handover/internal/problem"
)

func TestSignVerify(t *testing.T) {
	secret, ts, body := []byte("0123456789abcdef"), "1780000000", []byte(`{"contract":"652301YS20260000001"}`)
	sig := Sign(secret, ts, body)
	if len(sig) != len("hmac-sm3=")+64 {
		t.Fatalf("signature %q: want hmac-sm3= and 64 hex digits", sig)
	}
	tests := []struct {
		name   string
		secret []byte
		ts     string
		body   []byte
		header string
		want   bool
	}{
		{"genuine", secret, ts, body, sig, true},
		{"other secret", []byte("fedcba9876543210"), ts, body, sig, false},
		{"replayed at another time", secret, "1780000001", body, sig, false},
		{"changed body", secret, ts, []byte(`{"contract":"652301YS20260000002"}`), sig, false},
		{"empty header", secret, ts, body, "", false},
	}
	for _, tt := range tests {
		if got := Verify(tt.secret, tt.ts, tt.body, tt.header); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestEndpointValidate(t *testing.T) {
	good := func() Endpoint {
		return Endpoint{OrgID: 3, Name: "税务局接收", URL: "https://tax.example/handover", Secret: "0123456789abcdef",
			Events: []string{ContractFiled}}
	}
	tests := []struct {
		name  string
		edit  func(e *Endpoint)
		field string // "" valid
	}{
		{"valid", func(e *Endpoint) {}, ""},
		{"no name", func(e *Endpoint) { e.Name = "  " }, "name"},
		{"not http", func(e *Endpoint) { e.URL = "ftp://x/y" }, "url"},
		{"no host", func(e *Endpoint) { e.URL = "http:///y" }, "url"},
		{"plain http elsewhere", func(e *Endpoint) { e.URL = "http://tax.example/handover" }, "url"},
		{"plain http to a LAN address", func(e *Endpoint) { e.URL = "http://10.1.2.3:8080/handover" }, "url"},
		{"plain http to this machine", func(e *Endpoint) { e.URL = "http://127.0.0.1:9090/handover" }, ""},
		{"plain http to localhost", func(e *Endpoint) { e.URL = "http://localhost:9090/handover" }, ""},
		{"plain http to IPv6 loopback", func(e *Endpoint) { e.URL = "http://[::1]:9090/handover" }, ""},
		{"no organisation", func(e *Endpoint) { e.OrgID = 0 }, "org"},
		{"short secret", func(e *Endpoint) { e.Secret = "short" }, "secret"},
		{"no events", func(e *Endpoint) { e.Events = nil }, "events"},
		{"unknown event", func(e *Endpoint) { e.Events = []string{"contract.signed"} }, "events"},
	}
	for _, tt := range tests {
		e := good()
		tt.edit(&e)
		err := e.Validate()
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: got %v, want valid", tt.name, err)
			}
			continue
		}
		if p := problem.As(err); err == nil || p.Fields[tt.field] == "" {
			t.Errorf("%s: got %v, want an error on %s", tt.name, err, tt.field)
		}
	}
}

// Events carry personal data: only https, or plain HTTP to this machine.
func TestSecure(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"https://tax.example/handover", true},
		{"HTTPS://tax.example/handover", true},
		{"http://tax.example/handover", false},
		{"http://10.0.0.8/handover", false},
		{"http://127.0.0.1:8080/x", true},
		{"http://127.9.9.9/x", true},
		{"http://localhost/x", true},
		{"http://[::1]:80/x", true},
		{"http://localhost.example/x", false},
		{"ftp://127.0.0.1/x", false},
		{"://bad", false},
	}
	for _, tt := range tests {
		if got := Secure(tt.url); got != tt.want {
			t.Errorf("Secure(%q): got %v, want %v", tt.url, got, tt.want)
		}
	}
}

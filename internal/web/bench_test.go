package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"handover/internal/audit"
)

// BenchmarkBuildingTableJSON serves the 楼盘表 JSON of the 40-storey demo
// building (320 units); handover bench reports it as a ratio (P4).
func BenchmarkBuildingTableJSON(b *testing.B) {
	env, lr := startLedgerB(b)
	ctx := context.Background()
	d, _ := env.DB.ProjectDetail(ctx, lr.Projects[0].ID)
	var big int64
	for _, x := range d.Buildings {
		if x.Building.FloorsAbove == 40 {
			big = x.Building.ID
		}
	}
	token, _, err := env.DB.CreateToken(ctx, audit.System(), env.Demo.Users["zhujian"].ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	url := fmt.Sprintf("%s/api/v1/buildings/%d/table", env.HTTP.URL, big)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatal(resp.StatusCode)
		}
	}
}

func BenchmarkStackOverhead(b *testing.B) {
	env, _ := startLedgerB(b)
	ctx := context.Background()
	token, _, _ := env.DB.CreateToken(ctx, audit.System(), env.Demo.Users["zhujian"].ID, "bench")
	for _, path := range []string{"/healthz", "/api/v1/me", "/api/v1/calendar/notices"} {
		b.Run(path, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest("GET", env.HTTP.URL+path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

func BenchmarkStackAnon(b *testing.B) {
	env, _ := startLedgerB(b)
	for _, path := range []string{"/healthz", "/api/v1/jurisdictions"} {
		b.Run(path, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				resp, err := http.Get(env.HTTP.URL + path)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

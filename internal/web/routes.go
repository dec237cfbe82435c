package web

import (
	"encoding/json"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes registers every page route; the JSON API registers its own.
func (s *Server) routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(staticFS()))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))

	mux.Handle("GET /login", s.page(s.loginForm))
	mux.Handle("POST /login", s.page(s.login))
	mux.Handle("POST /logout", s.page(s.logout))
	mux.Handle("GET /{$}", s.page(s.home))

	mux.Handle("GET /admin/orgs", s.page(s.orgList))
	mux.Handle("GET /admin/orgs/new", s.page(s.orgForm))
	mux.Handle("POST /admin/orgs", s.page(s.orgCreate))
	mux.Handle("GET /admin/users", s.page(s.userList))
	mux.Handle("GET /admin/users/new", s.page(s.userForm))
	mux.Handle("POST /admin/users", s.page(s.userCreate))
	mux.Handle("GET /admin/users/{id}", s.page(s.userDetail))
	mux.Handle("POST /admin/users/{id}", s.page(s.userUpdate))
	mux.Handle("POST /admin/users/{id}/tokens", s.page(s.tokenCreate))
	mux.Handle("POST /admin/tokens/{id}/revoke", s.page(s.tokenRevoke))
	mux.Handle("GET /admin/calendar", s.page(s.calendarPage))
	mux.Handle("POST /admin/calendar", s.page(s.calendarLoad))

	mux.Handle("GET /audit", s.page(s.auditPage))
	mux.Handle("GET /audit/verify", s.page(s.auditVerify))

	mux.Handle("GET /tools", s.page(s.toolsPage))
	mux.Handle("GET /docs/api", s.page(s.apiDocs))

	mux.Handle("/", s.page(func(w http.ResponseWriter, r *http.Request) error {
		return notFoundPage()
	}))
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if err := s.Ready(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]string{"status": "unavailable", "error": err.Error()})
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"status": "ready", "engine": s.db.Engine().String()})
}

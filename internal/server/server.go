// Package server composes the platform's HTTP server: the pages (package
// web) and the JSON API (package api) on one mux, behind the pages'
// middleware (sessions and tokens, the text check, security headers,
// metrics). It is the one package that knows both; the pages never import
// the API.
package server

import (
	"net/http"
	"os"
	"runtime/debug"

	"handover/internal/api"
	"handover/internal/web"
)

// Server is the platform's HTTP server: pages and API.
type Server struct {
	web *web.Server
	api *api.API
}

// New builds the API from cfg and the server of the pages with the API
// mounted on the same mux.
func New(cfg web.Config) (*Server, error) {
	// Both log each request's lines with its id and user (web.RequestLogger).
	cfg.Log = web.RequestLogger(cfg.Log)
	a := api.New(api.Deps{DB: cfg.DB, Calendar: cfg.Calendar, Now: cfg.Now, Log: cfg.Log, Hash: cfg.Hash, BaseURL: cfg.BaseURL,
		Keys: cfg.Keys, Wake: cfg.Wake})
	routes := make([]web.APIRoute, 0, len(a.Routes()))
	for _, rt := range a.Routes() {
		routes = append(routes, web.APIRoute{Method: rt.Method, Pattern: rt.Pattern, Action: rt.Action, Tag: rt.Tag, Summary: rt.Summary})
	}
	w, err := web.New(cfg, web.JSONAPI{Mount: a.Register, WriteError: a.WriteError, Routes: routes})
	if err != nil {
		return nil, err
	}
	return &Server{web: w, api: a}, nil
}

// Handler returns the root handler of pages and API.
func (s *Server) Handler() http.Handler { return s.web.Handler() }

// API returns the JSON API, for its route table.
func (s *Server) API() *api.API { return s.api }

// GCPercent is the collector's target the server runs with (GOGC) unless
// the environment sets one. The server's live Go heap is small — SQLite's
// page caches are outside it — and at Go's default of 100 it is collected
// every time it doubles: under a busy office's requests with a batch
// handover beside them, collection took about a quarter of the CPU, and a
// page read during the batch queued behind it (P6 in docs/benchmarks.md).
// At 400 the heap may grow to five times what is live, some tens of MiB.
const GCPercent = 400

// TuneGC sets the collector's target to GCPercent unless GOGC is set in
// the environment, and returns a func that restores the previous target
// (for the benchmark, which serves beside other scenarios).
func TuneGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(GCPercent)
	return func() { debug.SetGCPercent(prev) }
}

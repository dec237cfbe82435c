// Package web serves the platform over HTTP: server-rendered pages in
// Chinese for every role (html/template, embedded, no external asset), the
// JSON API (package api) under /api/v1, the public pages, health and
// metrics. Handlers are func(w, r) error behind one adapter that maps error
// kinds to status codes and pages; each template has its own typed page
// struct.
package web

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/prometheus/client_golang/prometheus"

	"handover/internal/api"
	"handover/internal/calendar"
	"handover/internal/identity"
	"handover/internal/store"
)

//go:embed templates static
var assets embed.FS

// Config is what the server needs; cmd/handover fills it from flags.
type Config struct {
	DB            *store.DB
	Calendar      *calendar.Source
	Now           func() time.Time
	Log           *slog.Logger
	Hash          identity.HashParams
	SecureCookies bool           // set the Secure flag (behind TLS)
	BaseURL       string         // external base URL, e.g. https://bdc.changji.gov.cn
	Keys          *store.Keyring // the authorities' unlocked signing keys (nil: 缮证 is refused with the reason)
	Wake          func()         // wakes the background worker after queueing a batch (optional)
}

// Server is the platform's HTTP server.
type Server struct {
	cfg      Config
	db       *store.DB
	log      *slog.Logger
	sessions *scs.SessionManager
	pages    *pages
	api      *api.API
	metrics  *metrics
	mux      *http.ServeMux
	handler  http.Handler
	// principals caches resolved principals by token or session user.
	principals sync.Map
}

// New builds the server and its routes.
func New(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, db: cfg.DB, log: cfg.Log}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.sessions = scs.New()
	s.sessions.Store = cfg.DB.Sessions()
	s.sessions.Lifetime = 12 * time.Hour
	s.sessions.IdleTimeout = time.Hour
	s.sessions.HashTokenInStore = true
	s.sessions.Cookie.Name = "handover_session"
	s.sessions.Cookie.HttpOnly = true
	s.sessions.Cookie.SameSite = http.SameSiteLaxMode
	s.sessions.Cookie.Secure = cfg.SecureCookies
	s.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.log.Error("session", "err", err)
		http.Error(w, "会话存储暂时不可用，请稍后重试", http.StatusServiceUnavailable)
	}
	s.metrics = newMetrics(prometheus.NewRegistry())
	s.api = api.New(api.Deps{DB: cfg.DB, Calendar: cfg.Calendar, Now: cfg.Now, Log: cfg.Log, Hash: cfg.Hash, BaseURL: cfg.BaseURL,
		Keys: cfg.Keys, Wake: cfg.Wake})

	mux := http.NewServeMux()
	s.mux = mux
	s.routes(mux)
	s.api.Register(mux)
	s.handler = s.recover(s.observe(s.secure(http.NewCrossOriginProtection().Handler(
		s.sessions.LoadAndSave(s.authenticate(s.checkText(mux)))))))
	return s, nil
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// API returns the JSON API, for its route table.
func (s *Server) API() *api.API { return s.api }

func (s *Server) now() time.Time { return s.cfg.Now() }

func (s *Server) today() calendar.Date { return calendar.DateOf(s.cfg.Now()) }

func staticFS() fs.FS {
	f, err := fs.Sub(assets, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	return f
}

// Ready reports whether the database answers and its migrations are current.
func (s *Server) Ready(ctx context.Context) error {
	return s.db.Ready(ctx)
}

// Package web serves the platform over HTTP: server-rendered pages in
// Chinese for every role (html/template, embedded, no external asset), the
// public pages, health and metrics, and the middleware in front of every
// route, the JSON API's under /api/ included: the API is mounted on the
// same mux through JSONAPI, by a composition (package server), so that the
// pages never depend on the API's package. Handlers are func(w, r) error
// behind one adapter that maps error kinds to status codes and pages; each
// template has its own typed page struct.
package web

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/prometheus/client_golang/prometheus"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/certificate"
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
	SecureCookies bool                 // set the Secure flag (behind TLS)
	BaseURL       string               // external base URL, e.g. https://bdc.changji.gov.cn
	Keys          *certificate.Keyring // the authorities' unlocked signing keys (nil: 缮证 is refused with the reason)
	Wake          func()               // wakes the background worker after queueing a batch (optional)
	MetricsToken  string               // bearer token /metrics requires; "" serves /metrics to this machine only
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (the client address in the audit trail and the login
	// throttle); none by default.
	TrustedProxies []netip.Prefix
	// PublicLimit is how fast one address may use the public pages and
	// API (ratelimit.go); the zero value is the defaults.
	PublicLimit PublicLimit
}

// JSONAPI is what the server needs of the JSON API that shares its mux and
// middleware. Every field is required.
type JSONAPI struct {
	// Mount registers the API's routes (under /api/) on mux.
	Mount func(mux *http.ServeMux)
	// WriteError writes err as the API's JSON error; the middleware uses it
	// for requests under /api/ it refuses before they reach a route.
	WriteError func(w http.ResponseWriter, r *http.Request, err error)
	// Routes are the API's operations, for the documentation page.
	Routes []APIRoute
}

// APIRoute is one operation of the JSON API as the documentation page
// lists it.
type APIRoute struct {
	Method  string
	Pattern string        // ServeMux pattern path, e.g. /api/v1/users/{id}
	Action  access.Action // the access action the operation decides on
	Tag     string        // the section it is listed under
	Summary string
}

// Server is the platform's HTTP server.
type Server struct {
	cfg      Config
	db       *store.DB
	log      *slog.Logger
	sessions *scs.SessionManager
	pages    *pages
	api      JSONAPI
	metrics  *metrics
	mux      *http.ServeMux
	handler  http.Handler
	needs    map[string]pageNeed // what each page needs of its viewer (links.go)
	public   map[string]bool     // the route patterns the public limit applies to (ratelimit.go)
	limiter  *addressLimiter     // nil when the public limit is off
	logins   *addressLimiter     // password attempts per address; nil when the public limit is off
	// principals caches resolved principals by token digest or session
	// user; cached counts the entries stored, to sweep now and then.
	principals sync.Map
	cached     atomic.Int64
}

// New builds the server with its routes and the API's, mounted by a.
func New(cfg Config, a JSONAPI) (*Server, error) {
	if a.Mount == nil || a.WriteError == nil {
		return nil, errors.New("web: the JSON API's Mount and WriteError are required")
	}
	s := &Server{cfg: cfg, db: cfg.DB, log: RequestLogger(cfg.Log), api: a, needs: pageNeeds()}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.sessions = scs.New()
	s.sessions.Store = sessionStore{Sessions: cfg.DB.Sessions(), codec: s.sessions.Codec}
	s.sessions.Lifetime = 12 * time.Hour
	s.sessions.IdleTimeout = time.Hour
	s.sessions.HashTokenInStore = true
	s.sessions.Cookie.Name = "handover_session"
	s.sessions.Cookie.HttpOnly = true
	s.sessions.Cookie.SameSite = http.SameSiteLaxMode
	s.sessions.Cookie.Secure = cfg.SecureCookies
	s.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.log.ErrorContext(r.Context(), "session", "err", err)
		http.Error(w, "会话存储暂时不可用，请稍后重试", http.StatusServiceUnavailable)
	}
	s.metrics = newMetrics(prometheus.NewRegistry())
	s.metrics.reg.MustRegister(newOpsCollector(cfg.DB, func(err error) { s.log.Error("metrics: operations", "err", err) }))

	mux := http.NewServeMux()
	s.mux = mux
	s.routes(mux)
	a.Mount(mux)
	if !cfg.PublicLimit.Off {
		s.public, s.limiter = publicRoutes(a.Routes), newAddressLimiter(cfg.PublicLimit)
		s.logins = newAddressLimiter(PublicLimit{PerSecond: loginRate, Burst: loginBurst, Addresses: cfg.PublicLimit.Addresses})
	}
	s.handler = s.recover(s.observe(s.secure(s.limitPublic(http.NewCrossOriginProtection().Handler(
		s.sessions.LoadAndSave(s.authenticate(s.checkText(mux))))))))
	return s, nil
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

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

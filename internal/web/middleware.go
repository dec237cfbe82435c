package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"handover/internal/code"
	"handover/internal/identity"
	"handover/internal/problem"
)

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "handover_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "handover_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs every request and records its metrics under the route
// pattern the mux matched (never the raw path, which may hold IDs). The log
// line has no query string and no body: those may carry 身份证号.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.cfg.Now()
		info := &requestInfo{id: s.requestID(r)}
		w.Header().Set(HeaderRequestID, info.id)
		ctx := context.WithValue(r.Context(), requestKey{}, info)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(ctx))
		d := s.cfg.Now().Sub(start)
		// The request the mux saw is a copy (sessions and authentication
		// add context), so ask the mux which pattern this request matches.
		_, route := s.mux.Handler(r)
		if route == "" {
			route = "unmatched"
		}
		status := sw.status
		if status == 0 {
			status = 200
		}
		s.metrics.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
		s.metrics.latency.WithLabelValues(route, r.Method).Observe(d.Seconds())
		if route == "GET /healthz" || route == "GET /metrics" || strings.HasPrefix(route, "GET /static/") {
			return
		}
		s.log.InfoContext(ctx, "http", "method", r.Method, "route", route, "path", code.RedactIDNumbers(r.URL.Path),
			"status", status, "bytes", sw.bytes, "ms", d.Milliseconds())
	})
}

// recover turns a panic into a 500 and a log line with the stack.
func (s *Server) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", "route", r.Pattern, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				http.Error(w, "系统内部错误", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// secure sets headers that keep pages self-contained: nothing is loaded
// from another origin, pages are not framed, types are not sniffed.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

const sessionUser = "uid"

// principalTTL bounds how long a resolved principal is reused. Any change
// to users, roles, organisations or tokens invalidates it sooner: at once
// when made through this process, and when the generations watcher sees it
// otherwise (store.WatchGenerations: a notification on PostgreSQL, a
// quarter-second poll on SQLite). The bound covers a process that runs no
// watcher. The end of a user's sessions is read on every request with the
// session itself, never from this cache.
const principalTTL = 5 * time.Second

type cachedPrincipal struct {
	p   *identity.Principal
	gen int64
	at  time.Time
}

// cachedLookup returns the principal under key, resolving and caching it
// with resolve when absent or stale. A cached principal is shared: handlers
// treat principals as read-only.
func (s *Server) cachedLookup(key string, resolve func() (*identity.Principal, error)) (*identity.Principal, error) {
	gen, now := s.db.IdentityGeneration(), s.now()
	if v, ok := s.principals.Load(key); ok {
		c := v.(cachedPrincipal)
		if c.gen == gen && now.Sub(c.at) < principalTTL && !now.Before(c.at) {
			return c.p, nil
		}
	}
	p, err := resolve()
	if err != nil {
		s.principals.Delete(key)
		return nil, err
	}
	s.principals.Store(key, cachedPrincipal{p: p, gen: gen, at: now})
	// Now and then, forget what is stale, so that principals of tokens and
	// sessions no longer used do not pile up.
	if s.cached.Add(1)%1024 == 0 {
		s.principals.Range(func(k, v any) bool {
			if c := v.(cachedPrincipal); c.gen != gen || now.Sub(c.at) >= principalTTL {
				s.principals.Delete(k)
			}
			return true
		})
	}
	return p, nil
}

// authenticate resolves the request's principal from a bearer token or the
// page session and puts it, with the client address, in the context.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := s.clientAddr(r)
		var p *identity.Principal
		// On /metrics the bearer token is the operators' (metricsGuard),
		// not an API token.
		if auth := r.Header.Get("Authorization"); auth != "" && r.URL.Path != "/metrics" {
			token, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok {
				s.api.WriteError(w, r, problem.New(problem.Unauthenticated, "auth.scheme", "仅支持 Authorization: Bearer 令牌"))
				return
			}
			// The token's principal is cached like a session's: a revocation
			// moves the identity generation, through this server at its
			// commit, through another server or the command line when the
			// generations watcher sees the database's counter move.
			token = strings.TrimSpace(token)
			// Keyed by the token's digest: the cache keeps no secret.
			sum := sha256.Sum256([]byte(token))
			var err error
			p, err = s.cachedLookup("t:"+hex.EncodeToString(sum[:16]), func() (*identity.Principal, error) {
				uid, err := s.db.TokenUser(r.Context(), token)
				if err != nil {
					return nil, err
				}
				p, err := s.db.Principal(r.Context(), uid)
				if err == nil {
					p.ViaToken = true
				}
				return p, err
			})
			if err != nil {
				s.api.WriteError(w, r, err)
				return
			}
		} else if uid := s.sessions.GetInt64(r.Context(), sessionUser); uid != 0 {
			var err error
			p, err = s.cachedLookup("u:"+strconv.FormatInt(uid, 10), func() (*identity.Principal, error) {
				return s.db.Principal(r.Context(), uid)
			})
			if err != nil {
				s.log.InfoContext(r.Context(), "session principal gone", "user", uid, "err", err)
				s.sessions.Destroy(r.Context())
				p = nil
			}
		}
		if info := requestOf(r.Context()); info != nil && p != nil {
			info.user.Store(p.User.ID)
		}
		next.ServeHTTP(w, r.WithContext(identity.WithPrincipal(r.Context(), p, addr)))
	})
}

// clientAddr is the client's IP address (the port dropped): the peer's,
// or, when the peer is a trusted proxy (Config.TrustedProxies), the
// nearest address in X-Forwarded-For that is not itself a trusted proxy.
// A header from anyone else is ignored: it is the client's to forge.
func (s *Server) clientAddr(r *http.Request) string {
	peer := peerAddr(r)
	if !s.trusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := hopAddr(hops[i])
		if !ok {
			break // not an address: stop at what can be trusted
		}
		if !s.trusted(hop) {
			return hop
		}
	}
	return peer
}

// hopAddr reads one X-Forwarded-For entry as some proxies write it: an
// address, with a port or in brackets or not, in canonical form.
func hopAddr(hop string) (string, bool) {
	hop = strings.TrimSpace(hop)
	if ap, err := netip.ParseAddrPort(hop); err == nil {
		return ap.Addr().Unmap().String(), true
	}
	if a, err := netip.ParseAddr(strings.Trim(hop, "[]")); err == nil {
		return a.Unmap().String(), true
	}
	return "", false
}

// peerAddr is the address of the connection's other end.
func peerAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// trusted reports whether addr is one of the configured proxies.
func (s *Server) trusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"handover/internal/access"
	"handover/internal/identity"
	"handover/internal/problem"
)

// The public limit's defaults: a person reading the public pages or
// checking a certificate stays far below them; a script walking
// identifiers is slowed to a few a second per address.
const (
	DefaultPublicRate      = 5.0     // requests per second, sustained, per address
	DefaultPublicBurst     = 20      // requests at once, per address
	DefaultPublicAddresses = 100_000 // addresses tracked at once
)

// PublicLimit is how fast one client address may use the routes anyone
// may use without logging in: the public pages (certificate verification,
// disclosure, the service guide, the credit list, the documentation) and
// the public operations of the JSON API. Everything else needs a login,
// and the login has its own throttle. The zero value is the defaults.
//
// An address is the client's as the audit trail names it (clientAddr:
// behind a trusted proxy, the one it forwards for), an IPv6 address by its
// /64 (identity.LoginSourceOf), since one subscriber is handed a whole /64.
type PublicLimit struct {
	// Off turns the limit off. The benchmark does, because it hammers the
	// public verification from one address to measure the verification,
	// not the limiter; tests that run a frozen clock do too.
	Off bool
	// PerSecond is the sustained rate one address may keep up; 0 means
	// DefaultPublicRate.
	PerSecond float64
	// Burst is how many requests one address may send at once; 0 means
	// DefaultPublicBurst.
	Burst int
	// Addresses bounds how many addresses are tracked at once, and so the
	// memory the limit holds; 0 means DefaultPublicAddresses. When that
	// many have been seen recently, any further address shares a single
	// allowance with the others beyond the bound until entries go idle.
	Addresses int
}

// withDefaults fills in the zero fields.
func (l PublicLimit) withDefaults() PublicLimit {
	if l.PerSecond <= 0 {
		l.PerSecond = DefaultPublicRate
	}
	if l.Burst <= 0 {
		l.Burst = DefaultPublicBurst
	}
	if l.Addresses <= 0 {
		l.Addresses = DefaultPublicAddresses
	}
	return l
}

// loginLimit bounds password attempts per address, whatever the username:
// the per-account throttle (identity.LoginSource) cannot count attempts on
// usernames that do not exist, and each costs a password hash (argon2, the
// same work as a real one, so that timing tells nothing), which would let
// one address keep every hashing slot busy. Thirty at once and two a
// second after that let an office behind one address sign in together in
// the morning. It applies to everyone alike, so that its refusal says
// nothing about whether a username exists.
const (
	loginRate  = 2.0
	loginBurst = 30
)

// publicPages are the page routes (and the API document) open to anyone,
// by their patterns in routes.go; the API's public operations are found
// by their access action (access.Public).
func publicPages() []string {
	return []string{
		"GET /verify", "POST /verify", "GET /verify/{licence}",
		"GET /public", "GET /public/buildings/{id}", "GET /public/projects/{id}", "GET /public/guide", "GET /public/guide/{kind}",
		"GET /credit", "GET /tools", "GET /docs/api", "GET /docs/events", "GET /docs/events.json", "GET /api/openapi.json",
	}
}

// publicRoutes is the set of route patterns the public limit applies to.
func publicRoutes(api []APIRoute) map[string]bool {
	set := map[string]bool{}
	for _, p := range publicPages() {
		set[p] = true
	}
	for _, rt := range api {
		if access.Public(rt.Action) {
			set[rt.Method+" "+rt.Pattern] = true
		}
	}
	return set
}

// addressLimiter is a token bucket per address, with the idle ones
// forgotten so that memory stays bounded. It is safe for concurrent use.
type addressLimiter struct {
	limit rate.Limit
	burst int
	max   int
	// idle is how long an untouched bucket takes to fill up again: an
	// entry idle that long is the same as a new one, so dropping it
	// changes no answer.
	idle time.Duration

	mu       sync.Mutex
	entries  map[string]*addressEntry
	overflow *rate.Limiter // shared by the addresses beyond max
	swept    time.Time
}

type addressEntry struct {
	bucket *rate.Limiter
	last   time.Time
}

func newAddressLimiter(l PublicLimit) *addressLimiter {
	l = l.withDefaults()
	idle := time.Duration(float64(l.Burst) / l.PerSecond * float64(time.Second))
	return &addressLimiter{limit: rate.Limit(l.PerSecond), burst: l.Burst, max: l.Addresses, idle: max(idle, time.Second),
		entries: map[string]*addressEntry{}, overflow: rate.NewLimiter(rate.Limit(l.PerSecond), l.Burst)}
}

// allow takes one request from addr at now. When the address has used its
// allowance it answers false and how long until a request would be
// allowed again.
func (l *addressLimiter) allow(addr string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[addr]
	if !ok {
		l.sweep(now)
		if len(l.entries) >= l.max {
			return take(l.overflow, now)
		}
		e = &addressEntry{bucket: rate.NewLimiter(l.limit, l.burst)}
		l.entries[addr] = e
	}
	e.last = now
	return take(e.bucket, now)
}

// sweep forgets the entries idle for l.idle: every l.idle, or, when the
// table is full, at most once a second (a sweep walks the whole table).
func (l *addressLimiter) sweep(now time.Time) {
	due := now.Sub(l.swept) >= l.idle || (len(l.entries) >= l.max && now.Sub(l.swept) >= time.Second)
	if !due {
		return
	}
	for addr, e := range l.entries {
		if now.Sub(e.last) >= l.idle {
			delete(l.entries, addr)
		}
	}
	l.swept = now
}

// take reserves one request from b at now, or, when b has none to give,
// cancels the reservation and answers how long until it would.
func take(b *rate.Limiter, now time.Time) (bool, time.Duration) {
	r := b.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// tracked is how many addresses the limiter holds now (for tests of the
// bound).
func (l *addressLimiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// limitPublic answers 429 Too Many Requests, with Retry-After, to an
// address that has used up its allowance on the public routes: a Chinese
// page for a page, the API's error (request.too_many) under /api/. It runs
// before sessions and authentication, so that a flood costs no database
// read; a logged-in user on a public page counts like anyone else.
func (s *Server) limitPublic(next http.Handler) http.Handler {
	if s.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := s.mux.Handler(r)
		limiter, what := s.limiter, "查询"
		switch {
		case pattern == "POST /login":
			limiter, what = s.logins, "登录尝试"
		case !s.public[pattern]:
			next.ServeHTTP(w, r)
			return
		}
		ok, wait := limiter.allow(identity.LoginSourceOf(s.clientAddr(r)), s.now())
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		err := problem.Newf(problem.TooManyRequests, "request.too_many", "请求过于频繁：本地址的%s已超过每秒%g次（可连续%d次）的限额，请%d秒后再试", what, float64(limiter.limit), limiter.burst, max(secs, 1))
		if strings.HasPrefix(r.URL.Path, "/api/") {
			s.api.WriteError(w, r, err)
			return
		}
		s.tooManyPage(w, r, err)
	})
}

// tooManyPage is the error page for a refused public request. The
// session is not loaded yet (limitPublic runs before it), so the page is
// the anonymous visitor's, without a flash.
func (s *Server) tooManyPage(w http.ResponseWriter, r *http.Request, e *problem.Error) {
	base := Base{Title: "请求过于频繁", Nav: nav(nil, r.URL.Path), Today: s.today(), Path: r.URL.Path,
		may: func(href string) bool { return s.mayOpen(nil, href) }}
	page := ErrorPage{Base: base, Status: e.Kind.Status(), Code: e.Code, Message: e.Message}
	if err := s.render(w, page.Status, "error", page); err != nil {
		s.log.ErrorContext(r.Context(), "render error page", "err", err)
		http.Error(w, page.Message, page.Status)
	}
}

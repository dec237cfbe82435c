// Package webtest starts the real platform for a test: a migrated database
// on the test's engine, the demo foundation (with cheap password hashing),
// and the HTTP server on a real port. Browser tests drive it with headless
// Chromium through chromedp.
package webtest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/demo"
	"handover/internal/identity"
	"handover/internal/jobs"
	"handover/internal/priority"
	"handover/internal/server"
	"handover/internal/store"
	"handover/internal/store/storetest"
	"handover/internal/web"
)

// Cheap hashing keeps tests fast; production uses identity.DefaultHashParams.
var Cheap = identity.HashParams{Time: 1, Memory: 1024, Threads: 1}

// Env is a running platform.
type Env struct {
	DB     *store.DB
	Clock  *storetest.Clock
	Server *server.Server // pages and API
	HTTP   *httptest.Server
	Demo   *demo.Foundation
	Cal    *calendar.Source
	Logs   *Logs   // everything the server logged
	Raw    *sql.DB // a plain connection to the same database, for independent counts
	Keys   *certificate.Keyring
}

// KeyPassphrase protects the test authority's signing key.
const KeyPassphrase = "webtest-signing"

// Logs collects log output; safe for concurrent use.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.Write(p) }

// String returns everything logged so far.
func (l *Logs) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

// Start runs the platform with the demo foundation.
func Start(t testing.TB) *Env {
	t.Helper()
	db, clock, dsn := storetest.OpenFilled(t, "foundation", func(ctx context.Context, db *store.DB) error {
		_, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: Cheap})
		return err
	})
	f, err := demo.FoundationOf(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	env := StartWith(t, db, clock, f)
	env.Raw = storetest.Raw(t, dsn)
	return env
}

// StartDemo runs the platform over the whole demo prefecture (projects,
// contracts, completion, registration, handover, alerts) on the test's
// engine, as serve --demo does; Env.Demo is nil (log in by the demo's
// usernames and demo.Password).
//
// Where the package's TestMain calls Main, each test gets a copy of one
// load (see demotemplate.go).
func StartDemo(t testing.TB) *Env {
	t.Helper()
	ctx := context.Background()
	dsn, at, copied := demoDSN(t)
	if !copied {
		dsn, at = storetest.DSN(t), storetest.DefaultTime
	}
	clock := storetest.NewClock(at)
	db := storetest.OpenDSN(t, dsn, clock.Now)
	set := func(at time.Time) {
		if !at.IsZero() {
			clock.Set(at)
		}
	}
	if !copied {
		if err := demo.Load(ctx, db, demo.Options{Hash: Cheap, Clock: set}); err != nil {
			t.Fatal(err)
		}
	}
	cal, err := calendar.NewSource(ctx, db.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := db.UnlockKeys(ctx, []byte(demo.KeyPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(nil)
	srv, err := server.New(web.Config{DB: db, Calendar: cal, Now: clock.Now, Log: slog.New(slog.DiscardHandler), Hash: Cheap,
		Keys: keys, BaseURL: "http://" + hs.Listener.Addr().String(), PublicLimit: web.PublicLimit{Off: true}}) // as in StartWith
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = srv.Handler()
	hs.Start()
	t.Cleanup(hs.Close)
	return &Env{DB: db, Clock: clock, Server: srv, HTTP: hs, Cal: cal, Keys: keys, Raw: storetest.Raw(t, dsn)}
}

// StartWith runs the platform over an already prepared database.
func StartWith(t testing.TB, db *store.DB, clock *storetest.Clock, f *demo.Foundation) *Env {
	t.Helper()
	cal, err := calendar.NewSource(context.Background(), db.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	logs := &Logs{}
	var w io.Writer = logs
	if os.Getenv("HANDOVER_TEST_LOG") != "" {
		w = io.MultiWriter(logs, os.Stderr)
	}
	log := slog.New(slog.NewJSONHandler(w, nil))
	// The home county's registration authority signs certificates.
	ctx := context.Background()
	if keys, err := db.Keys(ctx); err != nil || len(keys) == 0 {
		if _, err := db.CreateAuthorityKey(ctx, audit.System(), "652301", []byte(KeyPassphrase)); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := db.UnlockKeys(ctx, []byte(KeyPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	// The background worker runs queued handover batches, as in serve,
	// giving way to the server's requests (the gate counts them on the
	// wall clock: it paces work, it dates nothing).
	gate := priority.New(0, time.Now)
	db.GiveWayTo(gate)
	worker := jobs.New(db, log, clock.Now, 100*time.Millisecond)
	worker.HandleHandover(cal, keys)
	worker.HandleProofs(keys)
	wctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	// The generations watcher, as in serve: another process's change to
	// users, tokens or the calendar reaches this server's caches.
	db.OnGeneration(store.CalendarData, cal.Reload)
	go func() { defer func() { done <- struct{}{} }(); worker.Run(wctx) }()
	go func() { defer func() { done <- struct{}{} }(); db.WatchGenerations(wctx) }()
	t.Cleanup(func() { stop(); <-done; <-done })
	// The server's own address is the base of verification links.
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	// The public rate limit is off: tests open public pages many times from
	// one address on a clock that stands still, where an allowance never
	// refills. The limit's own tests build a server with it on.
	srv, err := server.New(web.Config{DB: db, Calendar: cal, Now: clock.Now, Log: log, Hash: Cheap, Keys: keys, BaseURL: base, Wake: worker.Wake,
		PublicLimit: web.PublicLimit{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = gate.Handler(srv.Handler())
	hs.Start()
	t.Cleanup(hs.Close)
	return &Env{DB: db, Clock: clock, Server: srv, HTTP: hs, Demo: f, Cal: cal, Logs: logs, Keys: keys}
}

// Client returns an HTTP client with a cookie jar, logged in as username
// (demo password) unless username is "".
func (e *Env) Client(t testing.TB, username string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if username == "" {
		return c
	}
	resp, err := c.PostForm(e.HTTP.URL+"/login", url.Values{"username": {username}, "password": {demo.Password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s: status %d", username, resp.StatusCode)
	}
	return c
}

// EnvRequireBrowser turns a missing Chromium into a test failure (CI sets it).
const EnvRequireBrowser = "HANDOVER_REQUIRE_BROWSER"

// chromium finds the browser binary.
func chromium() string {
	for _, name := range []string{os.Getenv("HANDOVER_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is the one headless Chromium of this test binary: starting one
// costs more than most page tests, so each test gets its own browser
// context in it (its own cookies, storage and cache, as a fresh profile
// would have) instead of its own process. Package state, as the demo
// template is: it outlives every test; Main closes it.
var browser struct {
	once   sync.Once
	ctx    context.Context // the browser's; tests derive theirs from it
	cancel func()
	err    error
}

// startBrowser starts the shared Chromium at path.
func startBrowser(path string) {
	dir, err := os.MkdirTemp("", "webtest-chromium-")
	if err != nil {
		browser.err = err
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(dir),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1400, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	browser.ctx = ctx
	browser.cancel = func() { cancelBrowser(); cancelAlloc(); os.RemoveAll(dir) }
	if err := chromedp.Do(ctx); err != nil {
		browser.err = fmt.Errorf("start chromium: %w", err)
	}
}

// closeBrowser ends the shared Chromium, if a test started it.
func closeBrowser() {
	if browser.cancel != nil {
		browser.cancel()
	}
}

// Browser returns a headless Chromium context of its own for the test (a
// new browser context in the binary's one Chromium), or skips the test
// when none is installed (and fails instead when
// HANDOVER_REQUIRE_BROWSER=1).
func Browser(t testing.TB) context.Context {
	t.Helper()
	path := chromium()
	if path == "" {
		msg := "headless Chromium not found (install Debian package chromium, or set HANDOVER_CHROMIUM); browser test skipped"
		if os.Getenv(EnvRequireBrowser) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	browser.once.Do(func() { startBrowser(path) })
	if browser.err != nil {
		t.Fatal(browser.err)
	}
	ctx, cancel := chromedp.NewContext(browser.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancel2 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a browser context: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: fetchLog}); err != nil {
		t.Fatalf("watch the page's requests: %v", err)
	}
	watchCSP(t, ctx)
	return ctx
}

// fetchLog records every fetch a page makes — its path, when it began and,
// once answered, when and with what status — so that a test waiting for a
// list that never loads can say whether the request is still open
// (Fetches).
const fetchLog = `(() => {
  const log = window.__webtestFetches = [];
  const fetch = window.fetch;
  window.fetch = function (url, opts) {
    const e = { url: String(url), start: Math.round(performance.now()), end: null, status: null };
    log.push(e);
    return fetch.call(this, url, opts).then(
      r => { e.end = Math.round(performance.now()); e.status = r.status; return r; },
      err => { e.end = Math.round(performance.now()); e.status = String(err); throw err; });
  };
})();`

// Fetches lists the requests the page in ctx made by fetch, each with its
// start, and its end and status or "still open".
func Fetches(ctx context.Context) string {
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(window.__webtestFetches || []).map(e => e.url + " at " + e.start + " ms: " +
		(e.end === null ? "still open" : e.status + " after " + (e.end - e.start) + " ms")).join("\n")`))
	if err != nil {
		return err.Error()
	}
	return s
}

// watchCSP fails the test for every Content-Security-Policy violation the
// browser reports on any page the test visits: a blocked inline handler or
// style is a control that silently does nothing.
func watchCSP(t testing.TB, ctx context.Context) {
	var mu sync.Mutex
	var violations []string
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*cdplog.EventEntryAdded); ok && e.Entry != nil && strings.Contains(e.Entry.Text, "Content Security Policy") {
			mu.Lock()
			violations = append(violations, fmt.Sprintf("%s: %s", e.Entry.URL, e.Entry.Text))
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("listen to the browser: %v", err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, v := range violations {
			t.Errorf("CSP violation: %s", v)
		}
	})
}

// Screenshot saves a full-page PNG when HANDOVER_SCREENSHOTS names a directory.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("HANDOVER_SCREENSHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	name = strings.ReplaceAll(name, "/", "_")
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}

// Login logs in through the real login page.
func Login(ctx context.Context, base, username, password string) error {
	return chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), username),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.who-name`)), // only a logged-in page has it
	)
}

// Text returns the visible text of the first element matching a CSS selector.
func Text(t testing.TB, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// Submit clicks the element (a submit button or a link) and waits until the
// page it leads to has loaded: a page marker set before the click must be
// gone, so an element of the old page (a flash message) cannot satisfy a
// later wait.
func Submit(css string) chromedp.Action[chromedp.Void] {
	return submit(css, chromedp.Click(chromedp.CSS(css)))
}

func submit(css string, leave chromedp.Action[chromedp.Void]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.Evaluate[any](`window.__webtestOld = true`)(ctx, tg); err != nil {
			return err
		}
		if _, err := leave(ctx, tg); err != nil {
			return err
		}
		for {
			loaded, err := chromedp.Evaluate[bool](`window.__webtestOld === undefined && document.readyState === 'complete'`)(ctx, tg)
			if err == nil && loaded {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for the page after clicking %s: %w", css, ctx.Err())
			case <-time.After(25 * time.Millisecond):
			}
		}
	})
}

// SignLog gives the prefecture's registration centre its signing key,
// takes every record into the register log and signs a checkpoint, as
// serve's minute job does, and returns the checkpoint.
func (e *Env) SignLog(t testing.TB) store.Checkpoint {
	t.Helper()
	ctx := context.Background()
	if _, err := e.DB.CreateAuthorityKey(ctx, audit.System(), "652300", []byte(KeyPassphrase)); err != nil {
		t.Fatal(err)
	}
	keys, err := e.DB.UnlockKeys(ctx, []byte(KeyPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.DB.IntegrateLog(ctx); err != nil {
		t.Fatal(err)
	}
	cp, _, err := e.DB.SignCheckpoint(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

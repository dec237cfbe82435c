package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/courier"
	"handover/internal/demo"
	"handover/internal/jobs"
	"handover/internal/priority"
	"handover/internal/problem"
	"handover/internal/registerlog"
	"handover/internal/server"
	"handover/internal/store"
	"handover/internal/web"
)

// serve runs the web application, the API and the background worker on
// one database until ctx is cancelled, then shuts down gracefully.
func serve(ctx context.Context, args []string, out io.Writer) error {
	c, withDemo, err := serveConfig(args)
	if err != nil {
		return err
	}
	log := newLogger(c.LogLevel)
	server.TuneGC()

	// The demo replays its history on a clock it can set; serving then
	// runs on the same clock, back at real time.
	clock := demo.NewClock(time.Now)
	db, err := openDB(ctx, c.DB, clock.Now, withDemo)
	if err != nil {
		return err
	}
	defer db.Close()
	if withDemo {
		if err := loadDemo(ctx, db, clock, c, out); err != nil {
			return err
		}
	}
	if !db.PersonalUnlocked() {
		log.Warn("personal information locked: set HANDOVER_KEY_PASSPHRASE to read and write ID and phone numbers")
	}
	h, worker, err := assemble(ctx, db, &c, withDemo, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	return serveUntilDone(ctx, ln, h, worker, db, log, out)
}

// serveConfig reads serve's flags (and their environment variables) into
// a Config, and whether to load the demo into an empty database.
func serveConfig(args []string) (Config, bool, error) {
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	commonFlags(fs, &c)
	fs.StringVar(&c.Addr, "addr", env("HANDOVER_ADDR", "127.0.0.1:8080"), "listen address (env HANDOVER_ADDR)")
	fs.StringVar(&c.BaseURL, "base-url", env("HANDOVER_BASE_URL", ""), "external base URL for links and QR codes (env HANDOVER_BASE_URL)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", os.Getenv("HANDOVER_SECURE_COOKIES") == "1", "mark cookies Secure (behind TLS)")
	c.MetricsToken = os.Getenv("HANDOVER_METRICS_TOKEN") // not a flag: a flag shows in the process list
	withDemo := fs.Bool("demo", false, "load the demo prefecture when the database is empty")
	if err := fs.Parse(args); err != nil {
		return c, false, err
	}
	c.LogLevel = parseLevel(env("HANDOVER_LOG_LEVEL", "info"))
	proxies, err := parseProxies(os.Getenv("HANDOVER_TRUSTED_PROXIES"))
	if err != nil {
		return c, false, err
	}
	c.Proxies = proxies
	if c.PublicLimit, err = parsePublicLimit(os.Getenv("HANDOVER_PUBLIC_RATE"), os.Getenv("HANDOVER_PUBLIC_BURST")); err != nil {
		return c, false, err
	}
	return c, *withDemo, nil
}

// parsePublicLimit reads the public rate limit from its environment
// variables: the requests per second one address may keep up ("" for the
// default, "off" for no limit) and how many it may send at once ("" for
// the default).
func parsePublicLimit(perSecond, burst string) (web.PublicLimit, error) {
	var l web.PublicLimit
	switch v := strings.TrimSpace(perSecond); v {
	case "":
	case "off":
		l.Off = true
	default:
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 || math.IsInf(r, 0) || math.IsNaN(r) {
			return l, fmt.Errorf("HANDOVER_PUBLIC_RATE：%q 应为每秒请求数（大于0，如 5），或 off 表示不限速", v)
		}
		l.PerSecond = r
	}
	if v := strings.TrimSpace(burst); v != "" {
		b, err := strconv.Atoi(v)
		if err != nil || b <= 0 {
			return l, fmt.Errorf("HANDOVER_PUBLIC_BURST：%q 应为正整数（如 20）", v)
		}
		l.Burst = b
	}
	return l, nil
}

// assemble wires the server and the worker on db: the working-day
// calendar, the base URL (the listen address when none is given), the
// unlocked signing keys and the worker's jobs. The worker's long batches
// give way to the server's requests (package priority), so that a clerk's
// page answers as fast while a project's handover runs beside it.
func assemble(ctx context.Context, db *store.DB, c *Config, withDemo bool, log *slog.Logger) (http.Handler, *jobs.Worker, error) {
	cal, err := calendar.NewSource(ctx, db.Calendar)
	if err != nil {
		return nil, nil, err
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	keys, err := unlockKeys(ctx, db, withDemo, log)
	if err != nil {
		return nil, nil, err
	}
	worker := jobs.New(db, log, time.Now, 2*time.Second)
	srv, err := server.New(web.Config{DB: db, Calendar: cal, Now: time.Now, Log: log, Hash: c.Hash,
		SecureCookies: c.SecureCookies, BaseURL: c.BaseURL, Keys: keys, Wake: worker.Wake, MetricsToken: c.MetricsToken,
		TrustedProxies: c.Proxies, PublicLimit: c.PublicLimit})
	if err != nil {
		return nil, nil, err
	}
	// A holiday notice loaded through another server or the command line
	// reaches this server's calendar as soon as the generations watcher
	// sees it (serveUntilDone runs the watcher).
	db.OnGeneration(store.CalendarData, cal.Reload)
	registerJobs(worker, db, cal, &courier.Courier{DB: db, Client: &http.Client{Timeout: 15 * time.Second}, Log: log, Now: time.Now}, keys)
	gate := priority.New(0, time.Now)
	db.GiveWayTo(gate)
	return gate.Handler(srv.Handler()), worker, nil
}

// serveUntilDone serves h on ln with the worker beside it until the server fails or
// ctx is cancelled; then it lets requests in flight finish (15 s at most)
// and stops the worker, so no job is cut off by the shutdown.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler, worker *jobs.Worker, db *store.DB, log *slog.Logger, out io.Writer) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second}
	var wg sync.WaitGroup
	wctx, stopWorker := context.WithCancel(ctx)
	wg.Add(2)
	go func() { defer wg.Done(); worker.Run(wctx) }()
	go func() { defer wg.Done(); db.WatchGenerations(wctx) }()

	fmt.Fprintf(out, "交房即交证平台已启动：http://%s/ （数据库：%s）\n", ln.Addr(), db.Engine())
	log.Info("serving", "addr", ln.Addr().String(), "engine", db.Engine().String())
	if os.Getenv("HANDOVER_METRICS_TOKEN") == "" {
		log.Warn("HANDOVER_METRICS_TOKEN not set: /metrics answers direct requests from this machine only; behind a proxy on this machine that adds no X-Forwarded-For, set the token")
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		stopWorker()
		wg.Wait()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := hs.Shutdown(sctx)
	stopWorker()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	fmt.Fprintln(out, "已停止。")
	return err
}

// unlockKeys unlocks the authorities' signing keys with the passphrase of
// HANDOVER_KEY_PASSPHRASE (the demo's own when serving the demo without
// one). A wrong passphrase stops the server; no passphrase leaves the keys
// locked, and 缮证 is refused with the reason until a restart with one.
func unlockKeys(ctx context.Context, db *store.DB, withDemo bool, log *slog.Logger) (*certificate.Keyring, error) {
	pass := keyPassphrase()
	if len(pass) == 0 && withDemo {
		pass = []byte(demo.KeyPassphrase)
	}
	if len(pass) == 0 {
		log.Warn("signing keys locked: set HANDOVER_KEY_PASSPHRASE to issue certificates")
		return nil, nil
	}
	keys, err := db.UnlockKeys(ctx, pass)
	if err != nil {
		return nil, fmt.Errorf("解锁签名密钥失败（请核对 HANDOVER_KEY_PASSPHRASE）：%w", err)
	}
	return keys, nil
}

// registerJobs wires the worker's periodic work.
func registerJobs(w *jobs.Worker, db *store.DB, cal *calendar.Source, c *courier.Courier, keys *certificate.Keyring) {
	w.HandleHandover(cal, keys)
	w.HandleProofs(keys)
	// Deliver the outbox to partners every few seconds.
	// A delivery failing the prefecture's number of attempts is dead until an
	// administrator replays it.
	// The calendar follows the database's generation (serveUntilDone runs
	// the watcher); a reload every ten minutes besides costs nothing and
	// repairs whatever a missed reading left.
	w.EveryHere(10*time.Minute, func(ctx context.Context) {
		if err := cal.Reload(ctx); err != nil {
			c.Log.Error("calendar reload", "err", err)
		}
	})
	// One delivery run at a time per server (it sends eight side by side).
	w.Slots("exchange.deliver", 1)
	w.Every("exchange.deliver", 3*time.Second, func(ctx context.Context, _ string) error {
		n, err := db.MaxAttempts(ctx)
		if err != nil {
			return err
		}
		c.MaxAttempts = n
		_, err = c.RunOnce(ctx)
		return err
	})
	w.Every("sessions.purge", time.Hour, func(ctx context.Context, _ string) error {
		_, err := db.PurgeExpiredSessions(ctx)
		return err
	})
	// Finished jobs after a week, acknowledged deliveries after a month,
	// an address's login failures a day after its last;
	// never the audit trail or the register book.
	w.Every("retention.purge", time.Hour, func(ctx context.Context, _ string) error {
		p, err := db.PurgeFinished(ctx)
		if p.Total() > 0 {
			c.Log.Info("retention", "jobs", p.Jobs, "deliveries", p.Deliveries, "outbox", p.Events, "login_sources", p.LoginSources)
		}
		return err
	})
	// The early warnings and the credit rule over the whole platform: every
	// ten minutes in any case (days pass), and within half a minute of a
	// change made through any server — a server that has committed a change
	// since its last look brings the one pending evaluation forward, so
	// that one evaluation at a time runs across the servers. While one runs,
	// the server asks again at its next look, and the run after it sees the
	// change.
	w.Every("alerts.evaluate", 10*time.Minute, func(ctx context.Context, _ string) error {
		return evaluateAlerts(ctx, db, cal)
	})
	w.Slots("alerts.evaluate", 1)
	// Each server takes up a data key of personal information made by
	// handover personal rotate beside it, so that what it writes next is
	// sealed with the new key (values of the new key open at once anyway).
	w.EveryHere(time.Minute, func(ctx context.Context) {
		if took, err := db.RefreshPersonal(ctx); err != nil {
			c.Log.Error("take up a new personal-information key", "err", err)
		} else if took {
			c.Log.Info("personal information now sealed with the newest data key", "key", db.Keyring().Active())
		}
	})
	var seen int64
	w.EveryHere(30*time.Second, func(ctx context.Context) {
		n := db.Changes()
		if n == seen {
			return
		}
		hurried, err := db.HurryJob(ctx, jobs.PeriodicKey("alerts.evaluate"), db.Now())
		if err != nil {
			c.Log.Error("bring the alerts forward", "err", err)
			return
		}
		if hurried {
			seen = n
			w.Wake()
		}
	})
	// 登记簿日志: each minute the records since the last run become the
	// log's leaves and, when there are new ones, the prefecture's
	// authority signs a checkpoint (none without its key unlocked).
	// The last checkpoint this server signed is held here too, outside the
	// database: a log cut back with its checkpoint rows deleted is refused
	// (log.fork) while the server runs.
	var signedLast []registerlog.Checkpoint
	w.Slots("log.integrate", 1)
	w.Every("log.integrate", time.Minute, func(ctx context.Context, _ string) error {
		if _, err := db.IntegrateLog(ctx); err != nil {
			return err
		}
		cp, _, err := db.SignCheckpoint(ctx, keys, signedLast...)
		if problem.CodeOf(err) == "log.key" || problem.CodeOf(err) == "log.prefecture" {
			return nil
		}
		if err == nil {
			signedLast = []registerlog.Checkpoint{cp.Checkpoint}
		}
		return err
	})
	// One batch at a time per server: on SQLite batches share one writer,
	// on PostgreSQL a second server takes the next.
	w.Slots(store.JobHandover, 1)
	// 交房预演: the handovers within their jurisdiction's lead are
	// rehearsed once a day, on the first run after midnight; the alerts
	// that follow name each party with flats waiting on it.
	w.Slots("handover.rehearse", 1)
	w.Every("handover.rehearse", time.Hour, func(ctx context.Context, _ string) error {
		n, err := db.RehearseDue(ctx, cal.Get(), keys)
		if n > 0 {
			err = errors.Join(err, evaluateAlerts(ctx, db, cal))
		}
		return err
	})
}

// evaluateAlerts runs the early-warning rules and the credit rule.
func evaluateAlerts(ctx context.Context, db *store.DB, cal *calendar.Source) error {
	if _, err := db.EvaluateAlerts(ctx, cal.Get()); err != nil {
		return err
	}
	_, err := db.EvaluateCredit(ctx, cal.Get())
	return err
}

// loadDemo loads the demo prefecture into an empty database, or prints
// the logins of the demo already there.
func loadDemo(ctx context.Context, db *store.DB, clock *demo.Clock, c Config, out io.Writer) error {
	fmt.Fprintln(out, "正在载入演示数据（昌吉回族自治州）……")
	err := demo.Load(ctx, db, demo.Options{Hash: c.Hash, Out: out, Clock: clock.Set})
	if problem.Is(err, "demo.not_empty") {
		fmt.Fprintln(out, "数据库已有数据，演示数据未重复载入。")
		logins, err := demo.Logins(ctx, db)
		if err != nil {
			return err
		}
		if len(logins) > 0 {
			demo.PrintLogins(out, logins)
		}
		return nil
	}
	return err
}

// parseProxies reads HANDOVER_TRUSTED_PROXIES: addresses or networks
// (CIDR), comma-separated.
func parseProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("HANDOVER_TRUSTED_PROXIES：%q 不是地址或网段（如 10.0.0.5 或 10.0.0.0/24）", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

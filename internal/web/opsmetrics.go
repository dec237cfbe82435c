package web

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"handover/internal/store"
)

// opsCollector exports what operators watch of the background work
// (store.Operations), read fresh at each scrape: job queues by kind,
// deliveries pending, failing and dead by partner, handover batches in
// progress, open alerts by kind, and the database pool.
type opsCollector struct {
	db  *store.DB
	log func(err error)

	jobsWaiting, jobsDue, jobsRunning, jobsOldest *prometheus.Desc
	deliveries, alerts, batch, scrapeErr          *prometheus.Desc
	poolOpen, poolInUse, poolWaits, poolWaited    *prometheus.Desc
	retries                                       *prometheus.Desc
}

func newOpsCollector(db *store.DB, log func(error)) *opsCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("handover_"+name, help, labels, nil)
	}
	return &opsCollector{db: db, log: log,
		jobsWaiting: d("jobs_waiting", "Unfinished background jobs by kind.", "kind"),
		jobsDue:     d("jobs_due", "Jobs due now and not taken by a worker, by kind.", "kind"),
		jobsRunning: d("jobs_running", "Jobs a worker holds the lease of, by kind.", "kind"),
		jobsOldest:  d("jobs_oldest_due_seconds", "How long the oldest due job of a kind has waited.", "kind"),
		deliveries:  d("deliveries", "Deliveries to partners not yet acknowledged: pending, failing (attempted before) or dead, by partner endpoint (its id and name).", "endpoint", "partner", "state"),
		alerts:      d("alerts_open", "Open alerts by kind.", "kind"),
		batch:       d("batch_units", "Units of a running or paused handover batch: total, done, blocked.", "event", "state", "units"),
		scrapeErr:   d("operations_scrape_error", "1 when the operations figures could not be read at this scrape."),
		poolOpen:    d("db_connections_open", "Open database connections."),
		poolInUse:   d("db_connections_in_use", "Database connections in use."),
		poolWaits:   d("db_connection_waits_total", "Times a request waited for a database connection."),
		poolWaited:  d("db_connection_wait_seconds_total", "Time spent waiting for a database connection."),
		retries:     d("db_retries_total", "Transaction attempts lost to the engine and run again, by cause: deadlock (a defect of lock order), serialization, busy.", "cause"),
	}
}

func (c *opsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.jobsWaiting, c.jobsDue, c.jobsRunning, c.jobsOldest, c.deliveries, c.alerts, c.batch, c.scrapeErr,
		c.poolOpen, c.poolInUse, c.poolWaits, c.poolWaited, c.retries} {
		ch <- d
	}
}

func (c *opsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ops, err := c.db.Operations(ctx)
	failed := 0.0
	if err != nil {
		c.log(err)
		failed = 1
	}
	g := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	g(c.scrapeErr, failed)
	for _, j := range ops.Jobs {
		g(c.jobsWaiting, float64(j.Waiting), j.Kind)
		g(c.jobsDue, float64(j.Due), j.Kind)
		g(c.jobsRunning, float64(j.Running), j.Kind)
		g(c.jobsOldest, j.Oldest.Seconds(), j.Kind)
	}
	for _, d := range ops.Deliveries {
		g(c.deliveries, float64(d.Count), strconv.FormatInt(d.Endpoint, 10), d.Partner, d.State)
	}
	for kind, n := range ops.Alerts {
		g(c.alerts, float64(n), kind)
	}
	for _, b := range ops.Batches {
		id := strconv.FormatInt(b.Event, 10)
		g(c.batch, float64(b.Total), id, b.State, "total")
		g(c.batch, float64(b.Done), id, b.State, "done")
		g(c.batch, float64(b.Blocked), id, b.State, "blocked")
	}
	g(c.poolOpen, float64(ops.Pool.OpenConnections))
	g(c.poolInUse, float64(ops.Pool.InUse))
	ch <- prometheus.MustNewConstMetric(c.poolWaits, prometheus.CounterValue, float64(ops.Pool.WaitCount))
	ch <- prometheus.MustNewConstMetric(c.poolWaited, prometheus.CounterValue, ops.Pool.WaitDuration.Seconds())
	for cause, n := range map[string]int64{"deadlock": ops.Retries.Deadlock, "serialization": ops.Retries.Serialization, "busy": ops.Retries.Busy} {
		ch <- prometheus.MustNewConstMetric(c.retries, prometheus.CounterValue, float64(n), cause)
	}
}

// metricsGuard lets a scrape through with the configured bearer token, or,
// when no token is set, only from this machine: the figures name partners
// and batches, which are not for anyone on the internet.
func (s *Server) metricsGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := s.cfg.MetricsToken; tok != "" {
			got := r.Header.Get("Authorization")
			if subtle.ConstantTimeCompare([]byte(got), []byte("Bearer "+tok)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				http.Error(w, "指标接口需要令牌（HANDOVER_METRICS_TOKEN）", http.StatusUnauthorized)
				return
			}
		} else if peer := peerAddr(r); !loopbackAddr(peer) || s.trusted(peer) || r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
			// A request a proxy forwarded is not this machine's, even when
			// the proxy runs here. (A local proxy that adds no header is
			// not told apart: set the token there; serve warns.)
			http.Error(w, "未设置 HANDOVER_METRICS_TOKEN 时，指标接口只对本机开放", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackAddr reports whether addr (an IP address) is this machine.
func loopbackAddr(addr string) bool {
	ip := net.ParseIP(addr)
	return ip != nil && ip.IsLoopback()
}

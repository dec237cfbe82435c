// Package bench is the platform's benchmark suite (handover bench): each
// scenario is measured as a ratio to a raw probe of the same bottleneck,
// run in the same process and interleaved with it in short windows, because
// these machines are shared and noisy (docs/benchmarks.md). The
// report is one JSON document with every window, the medians, the ratios,
// their spread and whether each goal is met.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	platform "handover/internal/server"
)

// Config sets up a run.
type Config struct {
	Dir      string        // scratch directory for the databases (not tmpfs)
	Rounds   int           // interleaved rounds (≥ 9)
	Window   time.Duration // length of one probe or scenario window
	Postgres string        // PostgreSQL URL for the PostgreSQL scenarios ("" skips them)
	Only     []string      // scenario names to run (empty: all)
	Small    bool          // shrink the heavy fixtures tenfold (the smoke test); figures are then not comparable
	ScaledDB string        // P7: copy this database (made by demo --scale) instead of scaling afresh
	ScaledPG string        // P7 on PostgreSQL: this postgres:// database made by demo --scale 1000000, read in place
	PageLoad float64       // P6: offered rate as a share of the page's saturation (0: the half of docs/benchmarks.md)
	Log      io.Writer     // progress lines
	Now      func() time.Time

	// scaled is where Run keeps the first database a scenario scaled
	// afresh, so that the next one that needs it (L1 after P7) copies it
	// instead of scaling again.
	scaled *scaledSnapshot
}

// scaledSnapshot is a copy of a database scaled to dashboardUnits, made
// once per run.
type scaledSnapshot struct {
	path string
	made bool
}

// Window is one measured window.
type Window struct {
	Round   int     `json:"round"`
	Name    string  `json:"name"`
	Ops     float64 `json:"ops"` // units of work done (rows, requests, units …)
	Seconds float64 `json:"seconds"`
	Rate    float64 `json:"rate"` // ops per second
	CPU     float64 `json:"cpu"`  // process CPU seconds per wall second
}

// Result is one scenario's outcome.
type Result struct {
	Name        string   `json:"name"`
	Goal        string   `json:"goal"`
	Unit        string   `json:"unit"`
	Probe       string   `json:"probe"`
	ProbeUnit   string   `json:"probe_unit"`
	MedianRate  float64  `json:"median_rate"`
	MedianProbe float64  `json:"median_probe"`
	Ratio       float64  `json:"ratio"` // median of per-round ratios
	Spread      float64  `json:"spread"`
	Target      float64  `json:"target"`
	AtLeast     bool     `json:"at_least"` // the ratio must be ≥ Target (else ≤)
	Pass        bool     `json:"pass"`
	Noisy       bool     `json:"inconclusive"`
	Skipped     bool     `json:"skipped,omitempty"` // not run here (see Notes); counts as neither pass nor fail
	Notes       []string `json:"notes,omitempty"`
	Windows     []Window `json:"windows"`
	Extra       any      `json:"extra,omitempty"`
}

// Report is the whole run.
type Report struct {
	Started    time.Time         `json:"started"`
	Env        map[string]string `json:"environment"`
	Results    []Result          `json:"results"`
	AllPass    bool              `json:"all_pass"`
	Conclusive bool              `json:"conclusive"`
}

// op runs work once and returns how many units of work it did.
type op func(ctx context.Context) (float64, error)

// window runs op repeatedly for about d and returns the window.
func window(ctx context.Context, name string, round int, d time.Duration, now func() time.Time, f op) (Window, error) {
	w := Window{Round: round, Name: name}
	cpu0 := cpuTime()
	start := now()
	for now().Sub(start) < d {
		n, err := f(ctx)
		if err != nil {
			return w, fmt.Errorf("%s: %w", name, err)
		}
		w.Ops += n
	}
	w.Seconds = now().Sub(start).Seconds()
	w.Rate = w.Ops / w.Seconds
	w.CPU = (cpuTime() - cpu0).Seconds() / w.Seconds
	return w, nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spread is the interquartile range relative to the median.
func spread(xs []float64) float64 {
	if len(xs) < 4 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	q1, q3 := s[len(s)/4], s[(3*len(s))/4]
	m := median(xs)
	if m == 0 {
		return 0
	}
	return (q3 - q1) / m
}

// interleave alternates probe and scenario windows for rounds and fills
// the result's medians, ratio and spread.
func interleave(ctx context.Context, cfg Config, r *Result, probe, scenario op, maxSpread float64) error {
	var ratios, rates, probes []float64
	for round := 1; round <= cfg.Rounds; round++ {
		pw, err := window(ctx, r.Probe, round, cfg.Window, cfg.Now, probe)
		if err != nil {
			return err
		}
		sw, err := window(ctx, r.Name, round, cfg.Window, cfg.Now, scenario)
		if err != nil {
			return err
		}
		r.Windows = append(r.Windows, pw, sw)
		rates, probes = append(rates, sw.Rate), append(probes, pw.Rate)
		if pw.Rate > 0 {
			ratios = append(ratios, sw.Rate/pw.Rate)
		}
		logf(cfg, "  round %d: %s %.1f/s, %s %.1f/s, ratio %.3f", round, r.Probe, pw.Rate, r.Name, sw.Rate, sw.Rate/pw.Rate)
	}
	r.MedianRate, r.MedianProbe = median(rates), median(probes)
	r.Ratio, r.Spread = median(ratios), spread(ratios)
	r.Noisy = r.Spread > maxSpread
	if r.AtLeast {
		r.Pass = r.Ratio >= r.Target
	} else {
		r.Pass = r.Ratio <= r.Target
	}
	return nil
}

func logf(cfg Config, format string, args ...any) {
	if cfg.Log != nil {
		fmt.Fprintf(cfg.Log, format+"\n", args...)
	}
}

// scenario is one named benchmark.
type scenario struct {
	name string
	run  func(ctx context.Context, cfg Config) (Result, error)
}

func scenarios() []scenario {
	return []scenario{
		{"ledger_import", ledgerImport},
		{"P1_filing", filingSQLite},
		{"P1s_filing_latency", filingLatency},
		{"P4_table_json", tableJSON},
		{"P5_filing_pg", filingPostgres},
		{"readiness_2000", readiness},
		{"P2_batch_handover", batchHandover},
		{"T1_register_log", registerLogCost},
		{"P6_page_during_batch", pageDuringBatch},
		{"P3_public_verify", publicVerify},
		{"P7_dashboard", dashboardScale},
		{"P7_dashboard_pg", dashboardScalePG},
		{"L1_list_pages", listPages},
	}
}

// checkOnly refuses a selection that names no scenario: a misspelt name
// would otherwise run nothing and report every goal met.
func checkOnly(only []string) error {
	known := map[string]bool{}
	var names []string
	for _, s := range scenarios() {
		known[s.name] = true
		names = append(names, s.name)
	}
	var unknown []string
	for _, n := range only {
		if !known[n] {
			unknown = append(unknown, fmt.Sprintf("%q", n))
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("bench: no scenario named %s; the scenarios are %s", strings.Join(unknown, ", "), strings.Join(names, ", "))
	}
	return nil
}

// Run runs the selected scenarios and returns the report.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if cfg.Rounds < 3 {
		cfg.Rounds = 9
	}
	if cfg.Window <= 0 {
		cfg.Window = 1500 * time.Millisecond
	}
	if cfg.Now == nil {
		return Report{}, fmt.Errorf("bench: Config.Now is required")
	}
	if err := checkOnly(cfg.Only); err != nil {
		return Report{}, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return Report{}, err
	}
	prev := runtime.GOMAXPROCS(1) // per-core ratios
	defer runtime.GOMAXPROCS(prev)
	// The platform's code runs as serve runs it, with the collector's
	// target serve sets (server.GCPercent, or GOGC when set); the probes
	// allocate next to nothing, so the target is the platform's alone.
	defer platform.TuneGC()()
	gogc := os.Getenv("GOGC")
	if gogc == "" {
		gogc = fmt.Sprint(platform.GCPercent)
	}
	cfg.scaled = &scaledSnapshot{path: filepath.Join(cfg.Dir, "scaled.db")}
	defer os.Remove(cfg.scaled.path)
	host, _ := os.Hostname()
	rep := Report{Started: cfg.Now().UTC(), AllPass: true, Conclusive: true, Env: map[string]string{
		"go": runtime.Version(), "goos": runtime.GOOS, "goarch": runtime.GOARCH, "cpus": fmt.Sprint(runtime.NumCPU()),
		"gomaxprocs": "1", "gogc": gogc, "host": host, "dir": cfg.Dir, "rounds": fmt.Sprint(cfg.Rounds), "window": cfg.Window.String(),
		"sqlite_pragmas": "journal_mode=WAL, synchronous=FULL, busy_timeout=5000, BEGIN IMMEDIATE",
	}}
	for _, s := range scenarios() {
		if len(cfg.Only) > 0 && !contains(cfg.Only, s.name) {
			continue
		}
		logf(cfg, "%s", s.name)
		dir := filepath.Join(cfg.Dir, s.name)
		os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return rep, err
		}
		c := cfg
		c.Dir = dir
		res, err := s.run(ctx, c)
		os.RemoveAll(dir)
		if err != nil {
			return rep, fmt.Errorf("%s: %w", s.name, err)
		}
		rep.Results = append(rep.Results, res)
		if res.Skipped {
			logf(cfg, "  → skipped: %s", strings.Join(res.Notes, "; "))
			continue
		}
		logf(cfg, "  → ratio %.3f (spread %.1f%%) goal %s: pass=%v inconclusive=%v", res.Ratio, 100*res.Spread, res.Goal, res.Pass, res.Noisy)
		rep.AllPass = rep.AllPass && res.Pass
		rep.Conclusive = rep.Conclusive && !res.Noisy
	}
	return rep, nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// WriteJSON writes the report.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

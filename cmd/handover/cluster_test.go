package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/courier"
	"handover/internal/demo"
	"handover/internal/exchange"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// clusterChild, set in a child's environment, makes the test binary a
// serve process with these arguments (TestMain).
const clusterChild = "HANDOVER_TEST_SERVE_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(clusterChild); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, "serve", strings.Fields(args), os.Stdout)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serveProcess is one serve process of the cluster.
type serveProcess struct {
	cmd  *exec.Cmd
	addr string
	out  *lockedBuffer
}

// startServe starts the test binary as `serve` on dsn and waits for it to
// listen.
func startServe(t *testing.T, name, dsn, pass string) *serveProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), clusterChild+"=--db "+dsn+" --addr 127.0.0.1:0", "HANDOVER_KEY_PASSPHRASE="+pass,
		"HANDOVER_LOG_LEVEL=warn",
		// The test polls the public deadline faster than a person would.
		"HANDOVER_PUBLIC_RATE=off")
	out := &lockedBuffer{}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, out: out}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		pw.Close()
		if t.Failed() {
			t.Logf("server %s said:\n%s", name, out.String())
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		re := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)
		for sc.Scan() {
			out.Write(append(sc.Bytes(), '\n'))
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case p.addr = <-found:
	case <-time.After(60 * time.Second):
		t.Fatalf("server %s did not start:\n%s", name, out.String())
	}
	return p
}

// partner is a slow partner endpoint recording every arrival.
type partner struct {
	delay    time.Duration
	mu       sync.Mutex
	got      map[int64]int
	order    map[string][]int64
	inFlight map[int64]bool
	overlap  int
}

func (rv *partner) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var env courier.Envelope
	json.NewDecoder(r.Body).Decode(&env)
	rv.mu.Lock()
	rv.got[env.ID]++
	for id := range rv.inFlight {
		if id != env.ID && rv.aggregateOf(id) == env.Aggregate {
			rv.overlap++
		}
	}
	rv.order[env.Aggregate] = append(rv.order[env.Aggregate], env.ID)
	rv.inFlight[env.ID] = true
	rv.mu.Unlock()
	time.Sleep(rv.delay)
	rv.mu.Lock()
	delete(rv.inFlight, env.ID)
	rv.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (rv *partner) aggregateOf(id int64) string {
	for agg, ids := range rv.order {
		for _, x := range ids {
			if x == id {
				return agg
			}
		}
	}
	return ""
}

// TestClusterOfTwoServers runs two serve processes on one PostgreSQL
// database, as a prefecture behind a proxy does: a holiday notice reaches
// both servers' deadlines within 2 s; a batch handover started on one
// survives that server being killed (the other finishes it); and a slow
// partner receives the batch's events once each, in order per unit.
func TestClusterOfTwoServers(t *testing.T) {
	dsn := storetest.DSN(t)
	if !store.IsPostgresURL(dsn) {
		t.Skip("several servers share only a PostgreSQL database; set HANDOVER_TEST_POSTGRES")
	}
	ctx := context.Background()
	db := storetest.OpenDSN(t, dsn, time.Now)
	raw := storetest.Raw(t, dsn)
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: identity.HashParams{Time: 1, Memory: 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	// One passphrase for the signing keys and the keys of personal
	// information, as in service: the test database made the latter.
	const pass = storetest.Passphrase
	event, total := clusterFixture(t, db, raw, f, pass)

	rv := &partner{delay: 20 * time.Millisecond, got: map[int64]int{}, order: map[string][]int64{}, inFlight: map[int64]bool{}}
	hs := httptest.NewServer(rv)
	defer hs.Close()
	var types []string
	for _, et := range exchange.EventTypes() {
		types = append(types, et.Code)
	}
	if _, err := db.PutEndpoint(ctx, audit.System(), exchange.Endpoint{OrgID: f.Orgs["652301/tax"].ID, Name: "税务征管系统", URL: hs.URL,
		Secret: "0123456789abcdef-secret", Events: types, Jurisdiction: "652301", Active: true}); err != nil {
		t.Fatal(err)
	}
	token, _, err := db.CreateToken(ctx, audit.System(), f.Users["kaifa"].ID, "集群测试")
	if err != nil {
		t.Fatal(err)
	}
	a := startServe(t, "A", dsn, pass)
	b := startServe(t, "B", dsn, pass)
	call := func(p *serveProcess, method, path string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+p.addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}

	// 1. One deadline on both servers within 2 s of a holiday notice.
	deadline := func(p *serveProcess) string {
		t.Helper()
		status, body := call(p, "GET", "/api/v1/calendar/deadline?start=2026-03-16&workdays=5&region=650000")
		var d calendar.Deadline
		if status != 200 || json.Unmarshal(body, &d) != nil {
			t.Fatalf("deadline on %s: %d %s", p.addr, status, body)
		}
		return d.Due.String()
	}
	before := deadline(a)
	if got := deadline(b); got != before {
		t.Fatalf("before the notice: A says %s, B says %s", before, got)
	}
	if _, err := db.LoadNotice(ctx, audit.System(), calendar.Notice{Scope: "650000", ScopeName: "新疆维吾尔自治区", Year: 2026,
		Title: "新疆维吾尔自治区2026年肉孜节放假安排", Rules: []calendar.Rule{{From: calendar.MustDate("2026-03-20"),
			To: calendar.MustDate("2026-03-22"), Off: true, Name: "肉孜节"}}}); err != nil {
		t.Fatal(err)
	}
	loaded := time.Now()
	for _, p := range []*serveProcess{a, b} {
		for deadline(p) == before {
			if time.Since(loaded) > 2*time.Second {
				t.Fatalf("server %s still says %s %v after the notice, want the new deadline within 2 s", p.addr, before, time.Since(loaded))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("holiday notice: both servers answer %s (was %s) %v after it was loaded", deadline(b), before, time.Since(loaded).Round(time.Millisecond))

	// 2. The batch, queued on A; the server running it is killed once a
	// first chunk is done, and the other finishes it.
	if status, body := call(a, "POST", fmt.Sprintf("/api/v1/handover-events/%d/run", event)); status != 202 {
		t.Fatalf("run the batch: %d %s", status, body)
	}
	var runner, survivor *serveProcess
	start := time.Now()
	for runner == nil {
		var owner string
		var done int
		raw.QueryRow(`SELECT lease_owner FROM jobs WHERE kind = $1 AND done_at IS NULL`, store.JobHandover).Scan(&owner)
		raw.QueryRow(`SELECT COUNT(*) FROM handover_units WHERE event_id = $1 AND state <> 'pending'`, event).Scan(&done)
		if done > 0 && done < total {
			for _, p := range [][2]*serveProcess{{a, b}, {b, a}} {
				if strings.Contains(owner, "/"+strconv.Itoa(p[0].cmd.Process.Pid)+"/") {
					runner, survivor = p[0], p[1]
				}
			}
		}
		if done == total {
			t.Fatalf("the batch of %d units finished before a server could be killed in its middle", total)
		}
		if time.Since(start) > 60*time.Second {
			t.Fatalf("the batch did not start on either server: %d of %d done, lease %q", done, total, owner)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The batch shows on /metrics (this machine may read it without the
	// operators' token), on either server: the figures are the database's.
	resp, err := http.Get("http://" + survivor.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var shown []string
	for _, line := range strings.Split(string(metrics), "\n") {
		if strings.HasPrefix(line, "handover_batch_units") || strings.HasPrefix(line, "handover_jobs_") ||
			strings.HasPrefix(line, "handover_deliveries") {
			shown = append(shown, line)
		}
	}
	if !strings.Contains(string(metrics), fmt.Sprintf(`handover_batch_units{event="%d",state="running",units="total"} %d`, event, total)) {
		t.Errorf("/metrics during the batch (%d) lacks its units:\n%.2000s", resp.StatusCode, metrics)
	}
	t.Logf("/metrics during the batch:\n%s", strings.Join(shown, "\n"))

	runner.cmd.Process.Kill()
	runner.cmd.Wait()
	killed := time.Now()
	// What the killed server had not recorded as delivered may have reached
	// the partner already (answered, not yet recorded): at least once, by
	// its idempotency key, it may come again.
	inFlight := map[int64]bool{}
	for _, id := range storetest.IDs(t, raw, `SELECT outbox_id FROM deliveries WHERE state <> 'delivered'`) {
		inFlight[id] = true
	}
	var doneAt time.Time
	for {
		status, body := call(survivor, "GET", fmt.Sprintf("/api/v1/handover-events/%d", event))
		var ev struct {
			State string `json:"state"`
			Done  int    `json:"done"`
		}
		json.Unmarshal(body, &ev)
		if status == 200 && ev.State == "done" {
			doneAt = time.Now()
			break
		}
		if time.Since(killed) > 120*time.Second {
			t.Fatalf("the batch is %q with %d done %v after its server was killed, want done by the other server (%d %s)", ev.State, ev.Done, time.Since(killed), status, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("batch of %d units: its server killed; finished by the other %v later", total, doneAt.Sub(killed).Round(time.Millisecond))

	// 3. Every event reaches the partner once, in order per unit.
	for {
		var left int
		raw.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE state <> 'delivered'`).Scan(&left)
		if left == 0 {
			break
		}
		if time.Since(doneAt) > 120*time.Second {
			t.Fatalf("%d deliveries still pending 2 min after the batch", left)
		}
		time.Sleep(100 * time.Millisecond)
	}
	ids := storetest.IDs(t, raw, `SELECT outbox_id FROM deliveries`)
	rv.mu.Lock()
	defer rv.mu.Unlock()
	var twice, resent int
	for _, id := range ids {
		switch n := rv.got[id]; {
		case n == 1:
		case n == 2 && inFlight[id]:
			resent++ // unrecorded when its server died: at least once, by its idempotency key
		default:
			twice++
			if twice <= 5 {
				t.Errorf("event %d arrived %d times, want once", id, n)
			}
		}
	}
	var reordered int
	for agg, got := range rv.order {
		for i := 1; i < len(got); i++ {
			if got[i] < got[i-1] && !inFlight[got[i-1]] {
				reordered++
				t.Errorf("%s: events arrived in the order %v, want ascending", agg, got)
				break
			}
		}
	}
	if rv.overlap > 0 {
		t.Errorf("%d times a unit had two events in flight at once", rv.overlap)
	}
	t.Logf("%d deliveries of %d units: %d arrived twice, %d reordered; %d sent again after the kill (unrecorded when it died)", len(ids), total, twice, reordered, resent)
}

// clusterFixture builds a project of 400 units sold, filed, completed and
// scheduled for a handover that the batch may run, and returns the event
// and its units.
func clusterFixture(t *testing.T, db *store.DB, raw *sql.DB, f *demo.Foundation, pass string) (int64, int) {
	t.Helper()
	ctx := context.Background()
	dev := audit.Actor{UserID: f.Users["kaifa"].ID, Name: "吴强", OrgID: f.Orgs["dev1"].ID}
	pl := demo.ProjectPlan{Parcel: "652301009002GB00001"}
	for b := 1; b <= 2; b++ { // 2 × 25 floors × 2 sections × 4 = 400
		pl.Buildings = append(pl.Buildings, demo.BuildingPlan{Number: b, Floors: 25, Sections: 2, PerSection: 4, Ratio: "0.190000"})
	}
	p, err := demo.SyntheticProject(ctx, db, f, demo.Synthetic{Name: "集群·交房", Jurisdiction: "652301", Parcel: pl.Parcel, Developer: "dev1",
		LandCertNo: "新(2024)昌吉市不动产权第0000001号", Delivery: calendar.MustDate("2027-12-31"), Plan: pl.Buildings})
	if err != nil {
		t.Fatal(err)
	}
	units := storetest.IDs(t, raw, `SELECT u.id FROM units u JOIN buildings b ON b.id = u.building_id WHERE b.project_id = $1 ORDER BY u.id`, p.ID)
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	contracts, err := demo.SignInBulk(ctx, db, tx, p, f, units, time.Now().UTC())
	if err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, c := range contracts {
		if _, err := db.FileContract(ctx, dev, c); err != nil {
			t.Fatal(err)
		}
	}
	today := calendar.DateOf(time.Now())
	built, err := demo.CompleteProject(ctx, db, f, p, contracts, today, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin := audit.Actor{UserID: f.Users["cj-admin"].ID, Name: "cj-admin"}
	if _, err := db.CreateAuthorityKey(ctx, admin, "652301", []byte(pass)); err != nil {
		t.Fatal(err)
	}
	if err := db.PutSetting(ctx, admin, "652301", registry.SettingAutoReview, "first,transfer,mortgage"); err != nil {
		t.Fatal(err)
	}
	ev, err := db.ScheduleHandover(ctx, dev, handover.Event{ProjectID: p.ID, Buildings: built, HeldOn: today.AddDays(14), Place: "售楼部",
		Mode: handover.OnSite, NoticeOn: today})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Total != len(contracts) {
		t.Fatalf("%d units scheduled, want %d", ev.Total, len(contracts))
	}
	return ev.ID, ev.Total
}

package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"handover/internal/audit"
	"handover/internal/demo"
	"handover/internal/presale"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// envFilingChild makes this test binary the child of
// TestKillDuringFilingsLosesNoAcknowledged: it files the contracts named in
// the variable (dsn|user|org|id,id,…) from 32 goroutines and prints
// "filed <id>" for each filing the store acknowledged.
const envFilingChild = "HANDOVER_TEST_FILING_CHILD"

// A process killed with SIGKILL while it files contracts from 32 clients
// (on SQLite, while the writer holds a group of them) loses no filing it
// acknowledged: every contract the child reported filed is filed, with its
// pre-notice in the register book, and the audit chain is intact.
func TestKillDuringFilingsLosesNoAcknowledged(t *testing.T) {
	if spec := os.Getenv(envFilingChild); spec != "" {
		fileAsChild(t, spec)
		return
	}
	ctx := context.Background()
	dsn := storetest.DSN(t)
	clock := storetest.NewClock(storetest.DefaultTime)
	db := storetest.OpenDSN(t, dsn, clock.Now)
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	p, _, contracts := signedProject(t, db, f, demo.Synthetic{Name: "断电演练", Parcel: "652301009002GB00078",
		LandCertNo: "新(2024)昌吉市不动产权第0000078号", Plan: []demo.BuildingPlan{{Number: 1, Floors: 50, Sections: 2, PerSection: 4, Ratio: "0.190000"}}})

	dev := actor(f, "kaifa")
	ids := make([]string, len(contracts))
	for i, c := range contracts {
		ids[i] = strconv.FormatInt(c, 10)
	}
	cmd := osexec.Command(os.Args[0], "-test.run=^TestKillDuringFilingsLosesNoAcknowledged$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d|%d|%s", envFilingChild, dsn, dev.UserID, dev.OrgID, strings.Join(ids, ",")))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	const killAfter = 60
	var acked []int64
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		id, ok := strings.CutPrefix(sc.Text(), "filed ")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			t.Fatalf("child printed %q", sc.Text())
		}
		acked = append(acked, n)
		if len(acked) == killAfter {
			cmd.Process.Kill() // SIGKILL: no deferred function, no Close
		}
	}
	cmd.Wait()
	if len(acked) < killAfter || len(acked) == len(contracts) {
		t.Fatalf("child acknowledged %d of %d filings before it died, want it killed mid-way (stderr: %s)", len(acked), len(contracts), stderr.String())
	}

	var filed int
	if err := db.SQLForTest().QueryRow(`SELECT count(*) FROM contracts WHERE project_id = $1 AND state = 'filed'`, p.ID).Scan(&filed); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed after %d acknowledged filings; %d filed in all", len(acked), filed)
	for _, id := range acked {
		c, err := db.Contract(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var entries int
		if err := db.SQLForTest().QueryRow(`SELECT count(*) FROM register_entries WHERE unit_id = $1 AND kind = 'prenotice' AND prenotice_kind = 1`, c.UnitID).Scan(&entries); err != nil {
			t.Fatal(err)
		}
		if c.State != presale.Filed || entries != 1 {
			t.Errorf("acknowledged contract %d: got state %s with %d pre-notices, want filed with 1", id, c.State, entries)
		}
	}
	v, err := db.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b, broken := v.First(); broken {
		t.Errorf("audit chain after the kill: broken at %v, want intact", b)
	}
}

// fileAsChild is the child's side: file every contract of spec from 32
// goroutines, printing each acknowledged filing, until killed.
func fileAsChild(t *testing.T, spec string) {
	parts := strings.Split(spec, "|")
	user, _ := strconv.ParseInt(parts[1], 10, 64)
	org, _ := strconv.ParseInt(parts[2], 10, 64)
	dev := audit.Actor{UserID: user, OrgID: org, Name: "吴强"}
	var ids []int64
	for _, s := range strings.Split(parts[3], ",") {
		n, _ := strconv.ParseInt(s, 10, 64)
		ids = append(ids, n)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, parts[0], storetest.Options(func() time.Time { return storetest.DefaultTime }))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.UnlockPersonal(ctx, []byte(storetest.Passphrase)); err != nil {
		t.Fatal(err)
	}
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; int(i) < len(ids); i = next.Add(1) - 1 {
				if _, err := db.FileContract(ctx, dev, ids[i]); err != nil {
					fmt.Fprintln(os.Stderr, "filing", ids[i], err)
					continue
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "filed %d\n", ids[i])
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"handover/internal/certificate"
	"handover/internal/demo"
	"handover/internal/exchange"
	"handover/internal/problem"
	"handover/internal/registerlog"
	"handover/internal/store"
	"handover/internal/store/storetest"
	"handover/internal/web"
)

func runCmd(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), args[0], args[1:], &out); err != nil {
		t.Fatalf("handover %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

func TestCommands(t *testing.T) {
	dsn := storetest.DSN(t)
	if out, want := runCmd(t, "version"), fmt.Sprintf("数据库版本 %d", store.SchemaVersion()); !strings.HasPrefix(out, "handover ") || !strings.Contains(out, want) {
		t.Errorf("version: got %q, want the binary and %q", out, want)
	}
	if out := runCmd(t, "migrate", "--db", dsn); !strings.Contains(out, "数据库版本") {
		t.Errorf("migrate: %s", out)
	}
	out := runCmd(t, "demo", "--db", dsn)
	for _, want := range []string{"admin", "shouli", "zhangwei", "Demo2026!"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if out := runCmd(t, "demo", "--db", dsn); !strings.Contains(out, "未重复载入") {
		t.Errorf("second demo: %s", out)
	}
	out = runCmd(t, "token", "create", "--db", dsn, "--user", "shuiwu", "--name", "征管系统")
	if !regexp.MustCompile(`hov_[a-z2-7]{32}`).MatchString(out) {
		t.Errorf("token create: %s", out)
	}
	if out := runCmd(t, "token", "revoke", "--db", dsn, "1"); !strings.Contains(out, "已吊销") {
		t.Errorf("token revoke: %s", out)
	}
	notice := filepath.Join(t.TempDir(), "xj2026.txt")
	os.WriteFile(notice, []byte("范围 650000 新疆维吾尔自治区\n年度 2026\n标题 测试\n休 2026-03-20 至 2026-03-22 肉孜节\n"), 0o644)
	if out := runCmd(t, "calendar", "load", "--db", dsn, notice); !strings.Contains(out, "已载入") {
		t.Errorf("calendar load: %s", out)
	}
	if out := runCmd(t, "calendar", "list", "--db", dsn); !strings.Contains(out, "650000") || !strings.Contains(out, "2026  测试") {
		t.Errorf("calendar list: %s", out)
	}
	if out := runCmd(t, "audit", "verify", "--db", dsn); !strings.Contains(out, "审计链完整") {
		t.Errorf("audit verify: %s", out)
	}
	var buf bytes.Buffer
	if err := run(context.Background(), "calendar", []string{"load", "--db", dsn, "/nonexistent"}, &buf); err == nil {
		t.Errorf("calendar load of a missing file succeeded")
	}
	// The demo's personal information re-sealed under a new data key (the
	// index key is 1, the demo's first data key 2), in batches of 97 (the
	// buyers' numbers alone take dozens); the register log, which commits
	// to the opened values, still verifies.
	if out := runCmd(t, "personal", "rotate", "--db", dsn, "--batch", "97"); !strings.Contains(out, "已全部以数据密钥 3 加密") ||
		!regexp.MustCompile(`contract_buyers\.id_number：核对 \d+ 行，重新加密 [1-9]\d* 行`).MatchString(out) {
		t.Errorf("personal rotate: %s", out)
	}
	if out := runCmd(t, "personal", "reseal", "--db", dsn); regexp.MustCompile(`重新加密 [1-9]`).MatchString(out) || !strings.Contains(out, "已全部以数据密钥 3 加密") {
		t.Errorf("personal reseal after a finished rotation re-sealed something: %s", out)
	}
	if out := runCmd(t, "audit", "verify", "--db", dsn); !strings.Contains(out, "审计链完整") {
		t.Errorf("audit verify after the rotation: %s", out)
	}
	if err := run(context.Background(), "personal", []string{"rotate", "--db", dsn, "--batch", "0"}, &buf); problem.CodeOf(err) != "personal.batch" {
		t.Errorf("personal rotate --batch 0: %v, want personal.batch", err)
	}
	checkBackupCommand(t, dsn)
	checkCertificateCommands(t, dsn)
	checkDemoEvents(t, dsn)
}

// Every event of the demo follows the partners' catalogue (the demo has
// what the store tests' fixtures lack: mortgages registered at the batch).
func checkDemoEvents(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.UnlockPersonal(ctx, []byte(demo.KeyPassphrase)); err != nil {
		t.Fatal(err)
	}
	events, err := db.Outbox(ctx, 100000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range events {
		seen[e.Type]++
		if err := exchange.ValidatePayload(e.Type, e.Payload); err != nil && seen[e.Type] < 3 {
			t.Errorf("demo event %d (%s): %v %v", e.ID, e.Type, err, problem.As(err).Fields)
		}
	}
	if seen[exchange.MortgageRegistered] == 0 {
		t.Errorf("the demo registered no mortgage: %v", seen)
	}
}

// The demo's certificates verify offline against the exported authority
// certificate, a changed byte does not; the batch resumes from the console;
// a new key replaces the old one, whose certificates still verify.
func checkCertificateCommands(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	if out := runCmd(t, "keys", "list", "--db", dsn); !strings.Contains(out, "652301") || !strings.Contains(out, "在用") {
		t.Errorf("keys list: %s", out)
	}
	dir := t.TempDir()
	pem := filepath.Join(dir, "authority.pem")
	os.WriteFile(pem, []byte(runCmd(t, "keys", "export", "--db", dsn, "--id", "1")), 0o644)
	db, err := openDB(ctx, dsn, timeNow, false)
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.CertificateByID(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	file, err := db.CertificateFile(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	checkpoint, ok, err := db.LatestCheckpoint(ctx)
	if err != nil || !ok {
		t.Fatalf("the demo's register log checkpoint: %v %v", ok, err)
	}
	queries, err := db.Inquiries(ctx, "", 1)
	if err != nil || len(queries) == 0 {
		t.Fatalf("the demo's register queries: %v %v", queries, err)
	}
	query, err := db.InquiryFile(ctx, queries[0])
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The query proof verifies offline like a certificate; the same file
	// with its purpose changed does not.
	queryPEM := filepath.Join(dir, "query-authority.pem")
	os.WriteFile(queryPEM, []byte(runCmd(t, "keys", "export", "--db", dsn, "--id", fmt.Sprint(queries[0].KeyID))), 0o644)
	logPEM := filepath.Join(dir, "log-authority.pem")
	os.WriteFile(logPEM, []byte(runCmd(t, "keys", "export", "--db", dsn, "--id", fmt.Sprint(checkpoint.KeyID))), 0o644)
	goodQuery := filepath.Join(dir, "inquiry.json")
	os.WriteFile(goodQuery, query, 0o644)
	if out := runCmd(t, "verify", goodQuery, "--authority", queryPEM); !strings.Contains(out, "签名有效：不动产登记资料查询结果证明 "+queries[0].Number) ||
		!strings.Contains(out, "目的："+queries[0].Request.Purpose) {
		t.Errorf("verify of the query proof: got %s, want its number and purpose", out)
	}
	badQuery := filepath.Join(dir, "inquiry-changed.json")
	os.WriteFile(badQuery, bytes.Replace(query, []byte(queries[0].Request.Purpose), []byte("另作他用"), 1), 0o644)
	var qout bytes.Buffer
	if err := run(ctx, "verify", []string{badQuery, "--authority", queryPEM}, &qout); err == nil || !strings.Contains(describe(err), "签名验证失败") {
		t.Errorf("verify of a query proof with its purpose changed: got %v, want 签名验证失败", err)
	}
	good := filepath.Join(dir, "certificate.json")
	os.WriteFile(good, file, 0o644)
	if out := runCmd(t, "verify", good, "--authority", pem); !strings.Contains(out, "签名有效") || !strings.Contains(out, c.Number) ||
		!strings.Contains(out, "已入登记簿日志 #") || !strings.Contains(out, "检查点签署者未经核验") {
		t.Errorf("verify without the prefecture's certificate: %s, want the place in the register log, its signer not vouched for", out)
	}
	if out := runCmd(t, "verify", good, "--authority", pem, "--log-authority", logPEM); !strings.Contains(out, "已入登记簿日志 #") ||
		!strings.Contains(out, "州登记机构签名有效") {
		t.Errorf("verify with the prefecture's certificate: %s, want the place in the register log, signed", out)
	}
	// A log proof forged with a key of one's own: a one-leaf log of the
	// certificate's entry, under a checkpoint the forger signed. Without
	// the prefecture's certificate it is not vouched for; with it, refused.
	forged := forgeLogProof(t, file)
	if out := runCmd(t, "verify", forged, "--authority", pem); strings.Contains(out, "签名有效）") || !strings.Contains(out, "未经核验") {
		t.Errorf("verify of a forged log proof without --log-authority: %s, want its signer not vouched for", out)
	}
	var fout bytes.Buffer
	if err := run(ctx, "verify", []string{forged, "--authority", pem, "--log-authority", logPEM}, &fout); err == nil || !strings.Contains(describe(err), "certificate.log") {
		t.Errorf("verify of a forged log proof with --log-authority: %v, want certificate.log", err)
	}
	// The file's log proof with a flipped bit, or with another entry's
	// leaf, fails.
	for name, change := range map[string]func(*certificate.LogProof){
		"a flipped bit": func(l *certificate.LogProof) { l.Hashes[0][0] ^= 1 },
		"another number": func(l *certificate.LogProof) {
			l.Leaf = bytes.Replace(l.Leaf, []byte(c.Number), []byte("新(2026)昌吉市不动产权第9999999号"), 1)
		},
		"a changed checkpoint": func(l *certificate.LogProof) { l.Checkpoint = strings.Replace(l.Checkpoint, "\n", "\n1", 1) },
	} {
		var f certificate.File
		if err := json.Unmarshal(file, &f); err != nil || f.Log == nil || len(f.Log.Hashes) == 0 {
			t.Fatalf("the demo certificate's file has no log proof: %v", err)
		}
		change(f.Log)
		b, _ := json.Marshal(f)
		changed := filepath.Join(dir, "log-changed.json")
		os.WriteFile(changed, b, 0o644)
		var out bytes.Buffer
		if err := run(ctx, "verify", []string{changed, "--authority", pem}, &out); err == nil || !strings.Contains(describe(err), "certificate.log") {
			t.Errorf("verify with %s in the log proof: %v", name, err)
		}
	}
	bad := filepath.Join(dir, "changed.json")
	os.WriteFile(bad, bytes.Replace(file, []byte("房屋建筑面积"), []byte("房屋建筑面積"), 1), 0o644)
	var out bytes.Buffer
	if err := run(ctx, "verify", []string{bad, "--authority", pem}, &out); err == nil || !strings.Contains(describe(err), "签名验证失败") {
		t.Errorf("verify of a changed file: %v", err)
	}
	t.Setenv("HANDOVER_KEY_PASSPHRASE", demo.KeyPassphrase)
	// The rehearsal of the demo's blocked flats names each with who must
	// act, and changes nothing.
	if out := runCmd(t, "batch", "rehearse", "--db", dsn, "--event", "1"); !strings.Contains(out, "交房预演") || !strings.Contains(out, "须由") ||
		!strings.Contains(out, "契税尚未缴纳") {
		t.Errorf("batch rehearse: %s", out)
	}
	if out := runCmd(t, "batch", "run", "--db", dsn, "--event", "1"); !strings.Contains(out, "受阻") {
		t.Errorf("batch run: %s", out)
	}
	// The register log: a checkpoint signed now and kept in a file; the
	// log verifies against it and against the platform's newest signed one.
	note := runCmd(t, "audit", "checkpoint", "--db", dsn)
	if !strings.HasPrefix(note, "handover/652300/register-log\n") || !strings.Contains(note, "\n— handover/652300/register-log ") {
		t.Errorf("audit checkpoint: %q, want a signed checkpoint note", note)
	}
	held := filepath.Join(t.TempDir(), "checkpoint.txt")
	os.WriteFile(held, []byte(note), 0o644)
	if out := runCmd(t, "audit", "verify", "--db", dsn, "--checkpoint", held); !strings.Contains(out, "与 2 个检查点一致") {
		t.Errorf("audit verify --checkpoint: %s", out)
	}
	os.WriteFile(held, []byte(strings.Replace(note, "\n", "\n1", 1)), 0o644)
	if err := run(ctx, "audit", []string{"verify", "--db", dsn, "--checkpoint", held}, &out); err == nil || !strings.Contains(describe(err), "log.signature") {
		t.Errorf("audit verify of a changed checkpoint: %v", err)
	}
	t.Setenv("HANDOVER_KEY_PASSPHRASE", "short")
	if err := run(ctx, "keys", []string{"create", "--db", dsn, "--jurisdiction", "652301"}, &out); err == nil {
		t.Errorf("a key with a short passphrase was made")
	}
	t.Setenv("HANDOVER_KEY_PASSPHRASE", "a-new-passphrase-2027")
	if out := runCmd(t, "keys", "create", "--db", dsn, "--jurisdiction", "652301"); !strings.Contains(out, "已生成签名密钥 3") {
		t.Errorf("keys create: %s", out)
	}
	if out := runCmd(t, "verify", good, "--authority", pem); !strings.Contains(out, "签名有效") {
		t.Errorf("an old certificate after the key change: %s", out)
	}
}

// lockedBuffer is an io.Writer safe for the server goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func TestServeShutsDownGracefully(t *testing.T) {
	dsn := storetest.DSN(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, "serve", []string{"--db", dsn, "--addr", "127.0.0.1:0"}, out) }()
	var addr string
	for i := 0; i < 400 && addr == ""; i++ {
		time.Sleep(25 * time.Millisecond)
		if m := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`).FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped early: %v\n%s", err, out.String())
		default:
		}
	}
	if addr == "" {
		t.Fatalf("serve did not start:\n%s", out.String())
	}
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/readyz = %d %s", resp.StatusCode, b)
	}
	cancel() // as SIGINT or SIGTERM would
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after shutdown, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if !strings.Contains(out.String(), "已停止") {
		t.Errorf("output lacks the stop message:\n%s", out.String())
	}
}

func TestParseProxies(t *testing.T) {
	tests := []struct {
		in   string
		want string // the prefixes, or "error"
	}{
		{"", ""},
		{"10.0.0.5", "10.0.0.5/32"},
		{" 10.0.0.0/24 , ::1 ", "10.0.0.0/24 ::1/128"},
		{"10.0.0.9/24", "10.0.0.0/24"},
		{"proxy.local", "error"},
	}
	for _, tt := range tests {
		ps, err := parseProxies(tt.in)
		got := ""
		if err != nil {
			got = "error"
		} else {
			var s []string
			for _, p := range ps {
				s = append(s, p.String())
			}
			got = strings.Join(s, " ")
		}
		if got != tt.want {
			t.Errorf("parseProxies(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The public rate limit comes from HANDOVER_PUBLIC_RATE and
// HANDOVER_PUBLIC_BURST: empty for the defaults (the zero PublicLimit),
// "off" for none; anything else that is not a positive number stops the
// server from starting rather than serving unlimited.
func TestParsePublicLimit(t *testing.T) {
	tests := []struct {
		rate, burst string
		want        web.PublicLimit
		err         bool
	}{
		{"", "", web.PublicLimit{}, false},
		{"off", "", web.PublicLimit{Off: true}, false},
		{" 2.5 ", "40", web.PublicLimit{PerSecond: 2.5, Burst: 40}, false},
		{"", "10", web.PublicLimit{Burst: 10}, false},
		{"0", "", web.PublicLimit{}, true},
		{"-1", "", web.PublicLimit{}, true},
		{"NaN", "", web.PublicLimit{}, true},
		{"fast", "", web.PublicLimit{}, true},
		{"5", "0", web.PublicLimit{}, true},
		{"5", "1.5", web.PublicLimit{}, true},
	}
	for _, tt := range tests {
		got, err := parsePublicLimit(tt.rate, tt.burst)
		if (err != nil) != tt.err {
			t.Errorf("parsePublicLimit(%q, %q): error %v, want error %v", tt.rate, tt.burst, err, tt.err)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("parsePublicLimit(%q, %q): got %+v, want %+v", tt.rate, tt.burst, got, tt.want)
		}
	}
}

// The backup of the demo database reports what it wrote and the trail's
// head, which handover audit verify shows again on the restored copy; it
// refuses to write over a backup without --force, and refuses a missing
// database and PostgreSQL (pg_dump's job) without leaving a file behind.
func checkBackupCommand(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "handover-backup.db")
	refused := func(args []string, want ...string) {
		t.Helper()
		var out bytes.Buffer
		err := run(ctx, "backup", args, &out)
		if err == nil {
			t.Errorf("backup %v succeeded, want a refusal", args)
			return
		}
		for _, w := range want {
			if !strings.Contains(describe(err), w) {
				t.Errorf("backup %v: got %q, want it to say %q", args, describe(err), w)
			}
		}
	}
	refused([]string{file, "--db", "postgres://nobody@127.0.0.1:1/handover"}, "pg_dump -Fc", "docs/backup.md")
	refused([]string{file, "--db", filepath.Join(dir, "missing.db")}, "不存在")
	refused([]string{"--db", dsn}, "用法")
	if store.IsPostgresURL(dsn) {
		refused([]string{file, "--db", dsn}, "pg_dump -Fc")
		assertNoFiles(t, dir)
		return
	}
	assertNoFiles(t, dir)

	out := runCmd(t, "backup", file, "--db", dsn)
	m := regexp.MustCompile(`链头摘要 ([0-9a-f]{64})`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "已写入备份 "+file) || !strings.Contains(out, "完整性检查 ok") || !strings.Contains(out, "条记载") {
		t.Fatalf("backup: got %q, want the file, its integrity, the register and the chain head", out)
	}
	refused([]string{file, "--db", dsn}, "已存在", "--force")
	if out := runCmd(t, "backup", "--force", file, "--db", dsn); !strings.Contains(out, m[0]) {
		t.Errorf("backup --force of an unchanged database: got %q, want %s again", out, m[0])
	}
	restored := filepath.Join(t.TempDir(), "handover.db")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(restored, b, 0o600)
	if out := runCmd(t, "audit", "verify", "--db", restored); !strings.Contains(out, "审计链完整") || !strings.Contains(out, m[0]) {
		t.Errorf("audit verify of the restored backup: got %q, want an intact trail and %s", out, m[0])
	}
}

func assertNoFiles(t *testing.T, dir string) {
	t.Helper()
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		t.Errorf("a refused backup left %s in %s", ents[0].Name(), dir)
	}
}

func TestSimulateCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dsn := storetest.DSN(t)
	out := runCmd(t, "simulate", "--scenario", "on-time", "--projects", "1", "--flats", "16", "--db", dsn, "--out", dir, "--check")
	if !strings.Contains(out, "交房 16 户，当日发证 16 户（100.0%）") {
		t.Errorf("simulate: got %q, want all 16 flats certified on the day", out)
	}
	for _, f := range []string{"report.html", "report.json"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("simulate wrote no %s: %v", f, err)
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--scenario", "no-such", "--db", storetest.DSN(t)}, "simulation.scenario"},
		{[]string{"--flats", "3", "--projects", "1", "--db", storetest.DSN(t), "--out", t.TempDir()}, "simulation.options"},
		{[]string{"--start", "2026-13-01"}, "simulation.start"},
		// A database with data in it is refused: a year is played on an empty one.
		{[]string{"--projects", "1", "--flats", "16", "--db", dsn, "--out", t.TempDir()}, "demo.not_empty"},
	} {
		var b bytes.Buffer
		if err := run(ctx, "simulate", tt.args, &b); err == nil || !strings.Contains(describe(err), tt.want) {
			t.Errorf("simulate %v: got %v, want %s", tt.args, err, tt.want)
		}
	}
}

// forgeLogProof writes the certificate file with its log proof replaced by
// one its forger made: the same leaf alone in a log, under a checkpoint
// of the real log's name signed with the forger's own key.
func forgeLogProof(t *testing.T, file []byte) string {
	t.Helper()
	var f certificate.File
	if err := json.Unmarshal(file, &f); err != nil || f.Log == nil {
		t.Fatalf("the certificate's file has no log proof: %v", err)
	}
	key, err := certificate.NewKey("伪造者", "91652300MA0000009X", []byte("forger-passphrase"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s, err := certificate.Unlock(key, []byte("forger-passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	body, _, _ := strings.Cut(f.Log.Checkpoint, "\n")
	cp := registerlog.Checkpoint{Origin: body, Size: 1, Root: registerlog.Hasher{}.HashLeaf(f.Log.Leaf)}
	note, err := registerlog.Sign(cp, s.Cert.RawSubjectPublicKeyInfo, s.Sign)
	if err != nil {
		t.Fatal(err)
	}
	f.Log.Index, f.Log.Size, f.Log.Hashes, f.Log.Checkpoint, f.Log.Authority = 0, 1, nil, string(note), key.CertPEM
	b, _ := json.Marshal(f)
	path := filepath.Join(t.TempDir(), "forged.json")
	os.WriteFile(path, b, 0o644)
	return path
}

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"handover/internal/store/storetest"
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

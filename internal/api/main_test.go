package api_test

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"

	"handover/internal/web/webtest"
)

// The demo prefecture takes most of this package's test time to load, so
// the tests that read it share one copy per test binary (sharedDemo); the
// records they write are their own (a new contract, application or
// endpoint), which no other test reads. A test that needs a prefecture
// nobody else has touched calls startDemo.

var shared struct {
	once sync.Once
	env  *webtest.Env
	tb   *fixtureTB
}

// sharedDemo returns the demo prefecture shared by this binary's tests.
func sharedDemo(t testing.TB) *webtest.Env {
	t.Helper()
	shared.once.Do(func() {
		shared.tb = &fixtureTB{}
		done := make(chan struct{})
		go func() { // a Fatal of the load ends this goroutine only
			defer close(done)
			shared.env = startDemo(shared.tb)
		}()
		<-done
	})
	if shared.tb.err != nil {
		t.Fatalf("loading the shared demo prefecture: %v", shared.tb.err)
	}
	return shared.env
}

// TestMain loads the demo through webtest's template, which a run's test
// binaries may share (webtest.EnvShared), and closes the shared demo
// before the template goes.
func TestMain(m *testing.M) {
	webtest.Main(m, func() {
		if shared.tb != nil {
			shared.tb.cleanup()
		}
	})
}

// fixtureTB is the testing.TB the shared fixture is built with: it outlives
// every test, so its cleanups run when the binary's tests are done.
type fixtureTB struct {
	testing.TB // nil: only the methods below are used by the fixture's helpers
	mu         sync.Mutex
	cleanups   []func()
	err        error
}

func (f *fixtureTB) Helper()      {}
func (f *fixtureTB) Name() string { return "sharedDemo" }
func (f *fixtureTB) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}
func (f *fixtureTB) TempDir() string {
	d, err := os.MkdirTemp("", "api-demo-")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { os.RemoveAll(d) })
	return d
}
func (f *fixtureTB) Fatal(args ...any) {
	f.err = fmt.Errorf("%s", fmt.Sprint(args...))
	runtime.Goexit()
}
func (f *fixtureTB) Fatalf(format string, args ...any) {
	f.err = fmt.Errorf(format, args...)
	runtime.Goexit()
}
func (f *fixtureTB) Errorf(format string, args ...any) { f.Fatalf(format, args...) }
func (f *fixtureTB) Logf(string, ...any)               {}

// cleanup runs the cleanups, last registered first.
func (f *fixtureTB) cleanup() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

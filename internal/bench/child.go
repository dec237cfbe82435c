package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"handover/internal/personal"
	platform "handover/internal/server"
	"handover/internal/store"
)

// childEnv names the database a server child process serves: a scenario
// whose goal is stated for "the server on one core" runs the server in a
// child process with GOMAXPROCS=1, so that the load generator (in the
// bench process) does not share that core.
const childEnv = "HANDOVER_BENCH_SERVER_DB"

// childProfileEnv, when set in the bench's environment, names a file the
// server child writes its CPU profile to (go tool pprof FILE), for finding
// where a scenario served by a child spends its core.
const childProfileEnv = "HANDOVER_BENCH_SERVER_CPUPROFILE"

// ServeChild serves the platform on the database named by the environment
// and never returns, when this process is a bench server child, or
// generates P6's load when it is the load child (loadchild.go); otherwise
// it returns at once. Binaries that run the bench (handover, the bench
// tests) call it first thing.
func ServeChild() {
	if os.Getenv(loadEnv) != "" {
		if err := serveLoad(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "bench load:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	path := os.Getenv(childEnv)
	if path == "" {
		return
	}
	if err := serveChild(path, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench server:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serveChild prints the address it listens on and serves until in closes
// (the parent closes it, or dies).
func serveChild(path string, in io.Reader, out io.Writer) error {
	runtime.GOMAXPROCS(1)
	platform.TuneGC() // as serve runs
	ctx := context.Background()
	db, err := store.Open(ctx, path, storeOptions(time.Now))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.UnlockPersonal(ctx, []byte(passphrase)); err != nil {
		return err
	}
	h, err := webHandler(ctx, db, time.Now)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	if prof := os.Getenv(childProfileEnv); prof != "" {
		stop, err := ProfileCPU(prof)
		if err != nil {
			return err
		}
		defer stop()
	}
	hs := &http.Server{Handler: h}
	go hs.Serve(ln)
	fmt.Fprintln(out, ln.Addr().String())
	io.Copy(io.Discard, in)
	return hs.Close()
}

// ProfileCPU starts a CPU profile of this process written to path; stop
// ends it and closes the file.
func ProfileCPU(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// child is a running server child process.
type child struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	addr string
}

// startChild starts this binary as a server child on the database at path.
func startChild(path string) (*child, error) {
	cmd, in, out, err := startSelf(childEnv + "=" + path)
	if err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		in.Close()
		cmd.Wait()
		return nil, fmt.Errorf("bench server did not start: %w", err)
	}
	return &child{cmd: cmd, in: in, addr: strings.TrimSpace(line)}, nil
}

// startSelf starts this binary with env added to its environment, its
// stdin and stdout piped to the caller and its stderr the caller's.
func startSelf(env string) (*exec.Cmd, io.WriteCloser, io.ReadCloser, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), env)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, nil, err
	}
	return cmd, in, out, nil
}

// Close stops the child and waits for it.
func (c *child) Close() error {
	c.in.Close()
	return c.cmd.Wait()
}

// passphrase unlocks the keys of personal information of the databases
// the benchmarks make: their buyers' numbers are sealed as in service.
const passphrase = "bench-personal-keys"

// storeOptions opens a benchmark's database on now with its keys. The
// keys are wrapped at the least cost: unwrapping them is not measured.
func storeOptions(now func() time.Time) store.Options {
	return store.Options{Now: now, Passphrase: []byte(passphrase), KeyCost: personal.TestCost}
}

func withConns(o store.Options, n int) store.Options {
	o.MaxConns = n
	return o
}

package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"time"
)

// loadEnv, when set, makes this process P6's load generator: it offers
// the page to the server the bench process runs, as an office's browsers
// would from machines of their own, so that the generator's goroutines,
// sockets and garbage are not the server's to schedule and collect.
const loadEnv = "HANDOVER_BENCH_LOAD"

// loadCommand is one line the bench writes to its load child.
type loadCommand struct {
	// Op is "saturate" (8 closed-loop clients for Seconds, answering how
	// many requests they completed), "open" (requests at Rate a second,
	// open loop, until "stop") or "stop" (answering the open loop's
	// latencies).
	Op      string  `json:"op"`
	URL     string  `json:"url,omitempty"`
	Auth    string  `json:"auth,omitempty"`
	Seconds float64 `json:"seconds,omitempty"`
	Rate    float64 `json:"rate,omitempty"`
}

// loadAnswer is the load child's answer to saturate or stop.
type loadAnswer struct {
	Requests  float64   `json:"requests,omitempty"`
	Latencies []float64 `json:"latencies,omitempty"`
	Err       string    `json:"err,omitempty"`
}

// serveLoad answers the bench's commands on in and out until in closes.
func serveLoad(in io.Reader, out io.Writer) error {
	ctx := context.Background()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	enc := json.NewEncoder(out)
	var stop chan struct{}
	var done chan loadAnswer
	lines := bufio.NewScanner(in)
	for lines.Scan() {
		var c loadCommand
		if err := json.Unmarshal(lines.Bytes(), &c); err != nil {
			return err
		}
		var a loadAnswer
		switch c.Op {
		case "saturate":
			// load runs its clients for a quarter of the duration it is given.
			n, err := load(client, c.URL, c.Auth, 4*time.Duration(c.Seconds*float64(time.Second)), time.Now)(ctx)
			a = loadAnswer{Requests: n}
			if err != nil {
				a.Err = err.Error()
			}
		case "open":
			stop, done = make(chan struct{}), make(chan loadAnswer, 1)
			get := pageGetter(client, c.URL, c.Auth)
			go func(stop <-chan struct{}, done chan<- loadAnswer) {
				lat, err := openLoop(ctx, c.Rate, time.Now, get, stop)
				a := loadAnswer{Latencies: lat}
				if err != nil {
					a.Err = err.Error()
				}
				done <- a
			}(stop, done)
			continue // answered at stop
		case "stop":
			if stop == nil {
				return errors.New("load child: stop without an open loop")
			}
			close(stop)
			a, stop = <-done, nil
		default:
			return fmt.Errorf("load child: unknown command %q", c.Op)
		}
		if err := enc.Encode(a); err != nil {
			return err
		}
	}
	return lines.Err()
}

// pageGetter GETs url with auth and wants 200.
func pageGetter(client *http.Client, url, auth string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		req.Header.Set("Authorization", auth)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("GET %s: status %d: %.300s", url, resp.StatusCode, body)
		}
		return nil
	}
}

// loadChild is a running load generator process.
type loadChild struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *json.Decoder
}

// startLoadChild starts this binary as a load generator.
func startLoadChild() (*loadChild, error) {
	cmd, in, out, err := startSelf(loadEnv + "=1")
	if err != nil {
		return nil, err
	}
	return &loadChild{cmd: cmd, in: in, out: json.NewDecoder(bufio.NewReader(out))}, nil
}

// send writes c; when want, it reads the answer.
func (l *loadChild) send(c loadCommand, want bool) (loadAnswer, error) {
	var a loadAnswer
	line, err := json.Marshal(c)
	if err != nil {
		return a, err
	}
	if _, err := l.in.Write(append(line, '\n')); err != nil {
		return a, fmt.Errorf("load child: %w", err)
	}
	if !want {
		return a, nil
	}
	if err := l.out.Decode(&a); err != nil {
		return a, fmt.Errorf("load child: %w", err)
	}
	if a.Err != "" {
		return a, errors.New(a.Err)
	}
	return a, nil
}

// saturate is how many requests 8 closed-loop clients complete in d.
func (l *loadChild) saturate(url, auth string, d time.Duration) (float64, error) {
	a, err := l.send(loadCommand{Op: "saturate", URL: url, Auth: auth, Seconds: d.Seconds()}, true)
	return a.Requests, err
}

// openWhile offers url at rate a second until until returns, and returns
// the latencies in seconds, each from its request's scheduled time.
func (l *loadChild) openWhile(url, auth string, rate float64, until func()) ([]float64, error) {
	if _, err := l.send(loadCommand{Op: "open", URL: url, Auth: auth, Rate: rate}, false); err != nil {
		return nil, err
	}
	until()
	a, err := l.send(loadCommand{Op: "stop"}, true)
	return a.Latencies, err
}

// Close stops the child and waits for it.
func (l *loadChild) Close() error {
	l.in.Close()
	return l.cmd.Wait()
}

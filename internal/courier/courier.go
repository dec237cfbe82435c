// Package courier delivers the outbox: it claims due deliveries, posts each
// event to its partner endpoint signed with HMAC-SM3 (with both secrets
// during a secret rotation), and records the acknowledgement (2xx) or
// schedules a retry with exponential backoff. An acknowledged delivery is
// never sent again; every delivery of one event carries the event id as
// its idempotency key, so that a partner whose acknowledgement was lost
// can recognise the resend.
package courier

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"handover/internal/exchange"
	"handover/internal/jobs"
	"handover/internal/store"
)

// Courier posts events to partners.
type Courier struct {
	DB          *store.DB
	Client      *http.Client
	Log         *slog.Logger
	Now         func() time.Time
	MaxAttempts int // after this many failed attempts a delivery is dead; 0: retry forever

	Lease    time.Duration // DefaultLease when zero
	Parallel int           // DefaultParallel when zero

	once  sync.Once
	owner string // this courier's name on the deliveries it holds
}

// Envelope is the body of every delivery.
type Envelope struct {
	ID           int64           `json:"id"`
	Type         string          `json:"type"`
	Aggregate    string          `json:"aggregate"`
	Jurisdiction string          `json:"jurisdiction"`
	CreatedAt    time.Time       `json:"created_at"`
	Data         json.RawMessage `json:"data"`
}

// DefaultLease is how long a claimed delivery is held before it is sent;
// the claim is renewed, for the lease, just before the post, whose timeout
// (half the lease, 10 s at most) is well inside it. Another server
// can take a delivery only once its lease has run out, so with the post
// inside the renewed lease no delivery is sent by two servers at once, and
// a unit's next event waits for this one's answer (ClaimDeliveries): order
// per unit holds with N servers.
const DefaultLease = 30 * time.Second

// DefaultParallel is how many deliveries a courier sends at once. Those
// claimed together are each the next of their own unit and endpoint, so
// sending them side by side keeps every unit's order.
const DefaultParallel = 8

// RunOnce delivers every due delivery and returns how many were acknowledged.
func (c *Courier) RunOnce(ctx context.Context) (int, error) {
	c.once.Do(func() { c.owner = jobs.HolderName() })
	var done atomic.Int64
	for {
		ds, err := c.DB.ClaimDeliveries(ctx, 32, c.lease(), c.owner)
		if err != nil || len(ds) == 0 {
			return int(done.Load()), err
		}
		var g errgroup.Group
		g.SetLimit(cmp.Or(c.Parallel, DefaultParallel))
		for _, d := range ds {
			g.Go(func() error {
				ok, err := c.deliver(ctx, d)
				if ok {
					done.Add(1)
				}
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return int(done.Load()), err
		}
		if ctx.Err() != nil {
			return int(done.Load()), ctx.Err()
		}
	}
}

// deliver renews the claim on d and, while this courier still holds it,
// sends it and records the answer. It reports whether the partner
// acknowledged it.
func (c *Courier) deliver(ctx context.Context, d store.Delivery) (bool, error) {
	// The renewed lease runs from no earlier than now; the post must be
	// over by half of it however long the renewal or the scheduler took,
	// so it ends well before anyone else may take the delivery.
	renewed := time.Now()
	held, err := c.DB.RenewDelivery(ctx, d.ID, d.Lease, c.Now().Add(c.lease()))
	if err != nil || !held {
		return false, err // another server took it over: it sends it
	}
	pctx, cancel := context.WithDeadline(ctx, renewed.Add(min(c.lease()/2, 10*time.Second)))
	defer cancel()
	status, err := c.post(pctx, d)
	if err == nil {
		return true, c.DB.DeliveryDone(ctx, d.ID, status)
	}
	next := c.Now().Add(jobs.Backoff(d.Attempts))
	c.Log.Warn("delivery failed", "delivery", d.ID, "endpoint", d.Endpoint.ID, "event", d.Event.Type, "attempt", d.Attempts, "err", err)
	return false, c.DB.DeliveryFailed(ctx, d.ID, d.Lease, status, err.Error(), next, c.MaxAttempts)
}

func (c *Courier) lease() time.Duration {
	if c.Lease <= 0 {
		return DefaultLease
	}
	return c.Lease
}

// refuseRedirect keeps a delivery at the address the partner registered:
// following a redirect would send the signed body, with its personal
// data, to an address nobody checked (plain HTTP, say). The redirect is
// answered as a failed attempt.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// post sends one delivery; a nil error means the partner acknowledged it.
func (c *Courier) post(ctx context.Context, d store.Delivery) (int, error) {
	body, err := json.Marshal(Envelope{ID: d.Event.ID, Type: d.Event.Type, Aggregate: d.Event.Aggregate,
		Jurisdiction: d.Event.Jurisdiction, CreatedAt: d.Event.CreatedAt, Data: d.Event.Payload})
	if err != nil {
		return 0, err
	}
	if !exchange.Secure(d.Endpoint.URL) {
		return 0, errors.New("接收地址不是 https://：含个人信息的事件不以明文传送，请将接收地址改为 https://")
	}
	now := c.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	ctx, cancel := context.WithTimeout(ctx, min(c.lease()/2, 10*time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Endpoint.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set(exchange.HeaderEvent, d.Event.Type)
	req.Header.Set(exchange.HeaderID, strconv.FormatInt(d.Event.ID, 10))
	req.Header.Set(exchange.HeaderTimestamp, ts)
	// One signature, or, during a secret rotation, the new secret's and the
	// old one's (exchange.Endpoint.Signature): signed afresh at each attempt,
	// so a retry after the changeover carries the new secret's only.
	req.Header.Set(exchange.HeaderSignature, d.Endpoint.Signature(now, ts, body))
	client := *c.Client
	client.CheckRedirect = refuseRedirect
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("partner answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

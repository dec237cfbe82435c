// Package courier delivers the outbox: it claims due deliveries, posts each
// event to its partner endpoint signed with HMAC-SM3, and records the
// acknowledgement (2xx) or schedules a retry with exponential backoff. An
// acknowledged delivery is never sent again; every delivery of one event
// carries the event id as its idempotency key, so that a partner whose
// acknowledgement was lost can recognise the resend.
package courier

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

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

// RunOnce delivers every due delivery and returns how many were acknowledged.
func (c *Courier) RunOnce(ctx context.Context) (int, error) {
	done := 0
	for {
		ds, err := c.DB.ClaimDeliveries(ctx, 32, time.Minute)
		if err != nil || len(ds) == 0 {
			return done, err
		}
		for _, d := range ds {
			status, err := c.post(ctx, d)
			if err == nil {
				if err := c.DB.DeliveryDone(ctx, d.ID, status); err != nil {
					return done, err
				}
				done++
				continue
			}
			next := c.Now().Add(jobs.Backoff(d.Attempts))
			c.Log.Warn("delivery failed", "delivery", d.ID, "endpoint", d.Endpoint.ID, "event", d.Event.Type, "attempt", d.Attempts, "err", err)
			if err := c.DB.DeliveryFailed(ctx, d.ID, status, err.Error(), next, c.MaxAttempts); err != nil {
				return done, err
			}
		}
		if ctx.Err() != nil {
			return done, ctx.Err()
		}
	}
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
	ts := strconv.FormatInt(c.Now().Unix(), 10)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Endpoint.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set(exchange.HeaderEvent, d.Event.Type)
	req.Header.Set(exchange.HeaderID, strconv.FormatInt(d.Event.ID, 10))
	req.Header.Set(exchange.HeaderTimestamp, ts)
	req.Header.Set(exchange.HeaderSignature, exchange.Sign([]byte(d.Endpoint.Secret), ts, body))
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

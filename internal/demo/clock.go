package demo

import (
	"sync"
	"time"
)

// Clock is the database clock of a platform that loads the demo: the real
// clock, except while the demo replays its history, when it reads the
// moment the demo set (so that a contract signed "in 2025" carries a 2025
// timestamp in every record and audit event).
type Clock struct {
	mu    sync.Mutex
	real  func() time.Time
	fixed time.Time
}

// NewClock wraps the real clock.
func NewClock(real func() time.Time) *Clock { return &Clock{real: real} }

// Now returns the replayed moment, or the real time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fixed.IsZero() {
		return c.fixed
	}
	return c.real()
}

// Set fixes the clock at t; a zero t returns it to real time.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.fixed = t; c.mu.Unlock() }

// Package audit defines the platform's append-only audit trail: one event
// per state change (who, which organisation, what, which record, a
// before/after summary, when, from which address), hash-chained with SM3 so
// that an edited or deleted event is detected.
//
// The trail is split into Lanes independent chains so that writers on
// different records do not serialise on one chain head (PostgreSQL commits
// in parallel); each lane is an ordinary hash chain with a sequence number
// without gaps and a recorded head.
package audit

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Lanes is the number of independent chains.
const Lanes = 16

// Actor is who causes a change: a user (with organisation) or the system
// itself (UserID 0, e.g. the worker), and the network address of the request.
type Actor struct {
	UserID  int64
	Name    string
	OrgID   int64
	OrgName string
	Addr    string
}

// System is the actor of the platform's own jobs and commands.
func System() Actor { return Actor{Name: "系统"} }

// Event is one audit event.
type Event struct {
	ID         int64     // global order of insertion
	Lane       int       // 0 … Lanes-1
	Seq        int64     // position in the lane, from 1, without gaps
	At         time.Time // transaction time, UTC, microseconds
	Actor      Actor
	Action     string // e.g. "user.create", "access.denied"
	RecordType string // e.g. "user", "unit"
	RecordID   string
	Summary    string // JSON: what changed (before/after), never an ID number or password
	PrevHash   []byte
	Hash       []byte
}

// LaneOf assigns a record to a lane, so one record's history stays in one chain.
func LaneOf(recordType, recordID string) int {
	h := fnv.New32a()
	h.Write([]byte(recordType))
	h.Write([]byte{0})
	h.Write([]byte(recordID))
	return int(h.Sum32() % Lanes)
}

// Genesis is the hash before a lane's first event.
func Genesis(lane int) []byte {
	s := sm3.Sum([]byte(fmt.Sprintf("handover audit lane %d", lane)))
	return s[:]
}

// Compute returns SM3(prev || canonical encoding of e). The encoding is
// length-prefixed so that no two events share it.
func Compute(prev []byte, e *Event) []byte {
	var b bytes.Buffer
	b.Write(prev)
	num := func(v int64) {
		var x [8]byte
		binary.BigEndian.PutUint64(x[:], uint64(v))
		b.Write(x[:])
	}
	str := func(s string) {
		num(int64(len(s)))
		b.WriteString(s)
	}
	num(int64(e.Lane))
	num(e.Seq)
	num(e.At.UTC().UnixMicro())
	num(e.Actor.UserID)
	str(e.Actor.Name)
	num(e.Actor.OrgID)
	str(e.Actor.OrgName)
	str(e.Actor.Addr)
	str(e.Action)
	str(e.RecordType)
	str(e.RecordID)
	str(e.Summary)
	s := sm3.Sum(b.Bytes())
	return s[:]
}

// Break is the first inconsistency found in a lane.
type Break struct {
	EventID int64
	Lane    int
	Seq     int64
	Reason  string
}

func (b Break) String() string {
	if b.EventID == 0 {
		return fmt.Sprintf("链 %d：%s", b.Lane, b.Reason)
	}
	return fmt.Sprintf("事件 #%d（链 %d，序号 %d）：%s", b.EventID, b.Lane, b.Seq, b.Reason)
}

// Verifier checks lanes event by event. Feed it each lane's events in Seq
// order, then the recorded head; it keeps the first break of every lane.
type Verifier struct {
	prev   map[int][]byte
	seq    map[int]int64
	lastID map[int]int64
	breaks map[int]Break
	Count  int
}

// NewVerifier returns a verifier with every lane at its genesis.
func NewVerifier() *Verifier {
	v := &Verifier{prev: map[int][]byte{}, seq: map[int]int64{}, lastID: map[int]int64{}, breaks: map[int]Break{}}
	for l := 0; l < Lanes; l++ {
		v.prev[l] = Genesis(l)
	}
	return v
}

// Add checks the next event of its lane.
func (v *Verifier) Add(e *Event) {
	v.Count++
	l := e.Lane
	if l < 0 || l >= Lanes {
		v.fail(Break{EventID: e.ID, Lane: l, Seq: e.Seq, Reason: "链号超出范围"})
		return
	}
	if _, broken := v.breaks[l]; broken {
		return
	}
	want := v.seq[l] + 1
	switch {
	case e.Seq != want:
		v.fail(Break{EventID: e.ID, Lane: l, Seq: e.Seq, Reason: fmt.Sprintf("序号 %d 紧接在 %d 之后：其前的事件已被删除", e.Seq, want-1)})
	case !bytes.Equal(e.PrevHash, v.prev[l]):
		v.fail(Break{EventID: e.ID, Lane: l, Seq: e.Seq, Reason: "前一事件的哈希不符：其前的事件已被修改或删除"})
	case !bytes.Equal(e.Hash, Compute(v.prev[l], e)):
		v.fail(Break{EventID: e.ID, Lane: l, Seq: e.Seq, Reason: "哈希与内容不符：该事件已被修改"})
	}
	v.prev[l], v.seq[l], v.lastID[l] = e.Hash, e.Seq, e.ID
}

// Head checks a lane's recorded head (its last sequence and hash) after all
// its events were added: a mismatch means events at the end were deleted or
// the head was changed.
func (v *Verifier) Head(lane int, seq int64, hash []byte) {
	if _, broken := v.breaks[lane]; broken {
		return
	}
	if seq != v.seq[lane] || !bytes.Equal(hash, v.prev[lane]) {
		v.fail(Break{EventID: v.lastID[lane], Lane: lane, Seq: v.seq[lane],
			Reason: fmt.Sprintf("链头记录序号 %d、哈希 %s，而事件止于序号 %d：链尾事件已被删除或链头已被修改",
				seq, short(hash), v.seq[lane])})
	}
}

func short(b []byte) string {
	s := hex.EncodeToString(b)
	if len(s) > 12 {
		s = s[:12]
	}
	return s
}

func (v *Verifier) fail(b Break) {
	if _, ok := v.breaks[b.Lane]; !ok {
		v.breaks[b.Lane] = b
	}
}

// First returns the earliest break by event ID (or false when the trail is intact).
func (v *Verifier) First() (Break, bool) {
	var first Break
	found := false
	for _, b := range v.breaks {
		if !found || (b.EventID != 0 && (first.EventID == 0 || b.EventID < first.EventID)) {
			first, found = b, true
		}
	}
	return first, found
}

// Breaks returns the number of broken lanes.
func (v *Verifier) Breaks() int { return len(v.breaks) }

// Digest is one hash standing for the whole trail as walked: SM3 over every
// lane's last sequence number and hash, in lane order. Two databases whose
// intact trails have the same digest hold the same trail, which is how a
// backup is compared with its source at the moment of the copy. It says
// nothing about a broken trail: check First before trusting it.
func (v *Verifier) Digest() []byte {
	var b bytes.Buffer
	for l := 0; l < Lanes; l++ {
		var x [8]byte
		binary.BigEndian.PutUint64(x[:], uint64(v.seq[l]))
		b.Write(x[:])
		b.Write(v.prev[l])
	}
	s := sm3.Sum(b.Bytes())
	return s[:]
}

// Hex renders a hash for display.
func Hex(b []byte) string { return hex.EncodeToString(b) }

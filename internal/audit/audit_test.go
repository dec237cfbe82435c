package audit

import (
	"testing"
	"time"
)

func chain(n int) []*Event {
	var out []*Event
	prev := Genesis(3)
	for i := 1; i <= n; i++ {
		e := &Event{ID: int64(i * 10), Lane: 3, Seq: int64(i), At: time.Unix(int64(i), 0), Action: "a", RecordType: "r", RecordID: "1", Summary: "{}"}
		e.PrevHash = prev
		e.Hash = Compute(prev, e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestVerifier(t *testing.T) {
	tests := []struct {
		name   string
		tamper func([]*Event) []*Event
		head   func([]*Event) (int64, []byte)
		want   int64 // first broken event id, 0 for intact
	}{
		{"intact", nil, nil, 0},
		{"edited", func(es []*Event) []*Event { es[2].Summary = "{\"x\":1}"; return es }, nil, 30},
		{"deleted middle", func(es []*Event) []*Event { return append(es[:1], es[2:]...) }, nil, 30},
		{"deleted last", func(es []*Event) []*Event { return es[:4] }, nil, 40},
		{"head changed", nil, func(es []*Event) (int64, []byte) { return 5, make([]byte, 32) }, 50},
		{"recomputed suffix", func(es []*Event) []*Event {
			es[3].Summary = "{\"y\":2}"
			es[3].Hash = Compute(es[3].PrevHash, es[3]) // the next event's prev hash no longer matches
			return es
		}, nil, 50},
	}
	for _, tt := range tests {
		es := chain(5)
		head, hash := int64(5), es[4].Hash
		if tt.tamper != nil {
			es = tt.tamper(es)
		}
		if tt.head != nil {
			head, hash = tt.head(es)
		}
		v := NewVerifier()
		for _, e := range es {
			v.Add(e)
		}
		for l := 0; l < Lanes; l++ {
			if l == 3 {
				v.Head(l, head, hash)
			} else {
				v.Head(l, 0, Genesis(l))
			}
		}
		b, broken := v.First()
		if got := int64(0); broken {
			got = b.EventID
			if got != tt.want {
				t.Errorf("%s: first break at %d (%s), want %d", tt.name, got, b.Reason, tt.want)
			}
		} else if tt.want != 0 {
			t.Errorf("%s: intact, want a break at %d", tt.name, tt.want)
		}
	}
}

func TestLaneOfIsStable(t *testing.T) {
	if LaneOf("unit", "1") != LaneOf("unit", "1") {
		t.Fatal("LaneOf is not deterministic")
	}
	seen := map[int]bool{}
	for i := 0; i < 200; i++ {
		seen[LaneOf("unit", string(rune('a'+i%26))+string(rune('0'+i/26)))] = true
	}
	if len(seen) < Lanes/2 {
		t.Errorf("200 records use only %d of %d lanes", len(seen), Lanes)
	}
}

// The digest of a trail is the same for the same events and changes with
// one more event: a backup whose digest equals its source's holds the
// source's trail up to the same point in every lane.
func TestDigest(t *testing.T) {
	digest := func(n int) string {
		v := NewVerifier()
		for _, e := range chain(n) {
			v.Add(e)
		}
		return Hex(v.Digest())
	}
	tests := []struct {
		a, b int
		same bool
	}{
		{0, 0, true},
		{4, 4, true},
		{4, 5, false},
		{0, 1, false},
	}
	for _, tt := range tests {
		if got := digest(tt.a) == digest(tt.b); got != tt.same {
			t.Errorf("digests of %d and %d events equal: got %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
}

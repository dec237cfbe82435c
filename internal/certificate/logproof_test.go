package certificate

import (
	"bytes"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/compact"

	"handover/internal/problem"
	"handover/internal/registerlog"
)

// A certificate's log proof holds only for its own entry, under a
// checkpoint signed by the trusted prefecture key.
func TestLogProofCheck(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	key, err := NewKey("昌吉州不动产登记中心", "12652300MA0000000X", []byte("passphrase-1"), now)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Unlock(key, []byte("passphrase-1"))
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[compact.NodeID][]byte{}
	rng := registerlog.Ranges().NewEmptyRange(0)
	var leaves [][]byte
	for i := range 9 {
		leaf, err := registerlog.Leaf(registerlog.RegisterEntry, int64(i+1), map[string]any{"CertNo": "新(2026)昌吉市不动产权第000000" + string(rune('1'+i)) + "号"})
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, leaf)
		rng.Append(registerlog.Hasher{}.HashLeaf(leaf), func(id compact.NodeID, h []byte) { nodes[id] = h })
	}
	root, _ := rng.GetRootHash(nil)
	cp := registerlog.Checkpoint{Origin: registerlog.Origin("652300"), Size: 9, Root: root}
	note, err := registerlog.Sign(cp, s.Cert.RawSubjectPublicKeyInfo, s.Sign)
	if err != nil {
		t.Fatal(err)
	}
	hashes, err := registerlog.InclusionProof(4, 9, func(ids []compact.NodeID) ([][]byte, error) {
		out := make([][]byte, len(ids))
		for i, id := range ids {
			out[i] = nodes[id]
		}
		return out, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	proof := func() LogProof {
		hs := make([][]byte, len(hashes))
		for i := range hashes {
			hs[i] = bytes.Clone(hashes[i])
		}
		return LogProof{Index: 4, Size: 9, Leaf: bytes.Clone(leaves[4]), Hashes: hs, Checkpoint: string(note), Authority: key.CertPEM}
	}
	number := "新(2026)昌吉市不动产权第0000005号"
	if _, err := proof().Check(number, ""); err != nil {
		t.Fatalf("the proof of entry 5: %v", err)
	}
	other, _ := NewKey("他处", "12652300MA0000001X", []byte("passphrase-2"), now)
	tests := []struct {
		name    string
		change  func(*LogProof)
		number  string
		trusted string
	}{
		{"another certificate's number", func(*LogProof) {}, "新(2026)昌吉市不动产权第0000006号", ""},
		{"a flipped bit", func(p *LogProof) { p.Hashes[1][3] ^= 4 }, number, ""},
		{"another leaf", func(p *LogProof) { p.Leaf = bytes.Clone(leaves[5]) }, "新(2026)昌吉市不动产权第0000006号", ""},
		{"another index", func(p *LogProof) { p.Index = 3 }, number, ""},
		{"another size", func(p *LogProof) { p.Size = 10 }, number, ""},
		{"a key not trusted", func(*LogProof) {}, number, other.CertPEM},
	}
	for _, tt := range tests {
		p := proof()
		tt.change(&p)
		if _, err := p.Check(tt.number, tt.trusted); problem.CodeOf(err) != "certificate.log" {
			t.Errorf("%s: Check = %v, want certificate.log", tt.name, err)
		}
	}
}

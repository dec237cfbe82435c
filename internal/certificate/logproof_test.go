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
		leaf, err := registerlog.Leaf(registerlog.RegisterEntry, int64(i+1), registerlog.EntryLeaf{ID: int64(i + 1),
			CertNo:  "新(2026)昌吉市不动产权第000000" + string(rune('1'+i)) + "号",
			Holders: []registerlog.HolderLeaf{{Name: "张伟", IDKind: "身份证", IDNumber: "652301199003071231"}}})
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
	payload := func(number string) Payload {
		return Payload{Number: number, Holders: []Holder{{Name: "张伟", IDKind: "身份证", IDNumber: "652301199003071231"}}}
	}
	if _, err := proof().Check(payload(number), ""); err != nil {
		t.Fatalf("the proof of entry 5: %v", err)
	}
	other, _ := NewKey("他处", "12652300MA0000001X", []byte("passphrase-2"), now)
	tests := []struct {
		name    string
		change  func(*LogProof)
		payload Payload
		trusted string
	}{
		{"another certificate's number", func(*LogProof) {}, payload("新(2026)昌吉市不动产权第0000006号"), ""},
		{"another holder", func(*LogProof) {}, Payload{Number: number, Holders: []Holder{{Name: "李四", IDNumber: "652301199003071231"}}}, ""},
		{"a flipped bit", func(p *LogProof) { p.Hashes[1][3] ^= 4 }, payload(number), ""},
		{"a flipped bit in the leaf", func(p *LogProof) { p.Leaf[len(p.Leaf)-3] ^= 1 }, payload(number), ""},
		{"another leaf", func(p *LogProof) { p.Leaf = bytes.Clone(leaves[5]) }, payload("新(2026)昌吉市不动产权第0000006号"), ""},
		{"another index", func(p *LogProof) { p.Index = 3 }, payload(number), ""},
		{"another size", func(p *LogProof) { p.Size = 10 }, payload(number), ""},
		{"a key not trusted", func(*LogProof) {}, payload(number), other.CertPEM},
	}
	for _, tt := range tests {
		p := proof()
		tt.change(&p)
		if _, err := p.Check(tt.payload, tt.trusted); problem.CodeOf(err) != "certificate.log" {
			t.Errorf("%s: Check = %v, want certificate.log", tt.name, err)
		}
	}
}

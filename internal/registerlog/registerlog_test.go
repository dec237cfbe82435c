package registerlog_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/transparency-dev/merkle/compact"

	"handover/internal/audit"
	"handover/internal/certificate"
	"handover/internal/problem"
	"handover/internal/registerlog"
	"handover/internal/registry"
)

// tree appends n leaves and keeps every node the appends compute, as the
// store does.
type tree struct {
	leaves [][]byte
	nodes  map[compact.NodeID][]byte
	r      *compact.Range
}

func newTree(t *testing.T, n int) *tree {
	t.Helper()
	tr := &tree{nodes: map[compact.NodeID][]byte{}, r: registerlog.Ranges().NewEmptyRange(0)}
	for i := range n {
		h, err := registerlog.LeafHash(registerlog.AuditEvent, int64(i+1), registerlog.EventLeaf{ID: int64(i + 1), Action: "test", Seq: int64(i)})
		if err != nil {
			t.Fatal(err)
		}
		tr.leaves = append(tr.leaves, h)
		if err := tr.r.Append(h, func(id compact.NodeID, h []byte) { tr.nodes[id] = h }); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

func (tr *tree) get(ids []compact.NodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		out[i] = tr.nodes[id]
	}
	return out, nil
}

// root is the root of the first size leaves, computed afresh.
func root(t *testing.T, leaves [][]byte, size int) []byte {
	t.Helper()
	r := registerlog.Ranges().NewEmptyRange(0)
	for _, h := range leaves[:size] {
		r.Append(h, nil)
	}
	if size == 0 {
		return registerlog.Hasher{}.EmptyRoot()
	}
	h, err := r.GetRootHash(nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHasherIsRFC6962WithSM3(t *testing.T) {
	h := registerlog.Hasher{}
	a, b, c := h.HashLeaf([]byte("a")), h.HashLeaf([]byte("b")), h.HashLeaf([]byte("c"))
	// RFC 6962, section 2.1: the tree of three is H(H(a,b), c).
	want := h.HashChildren(h.HashChildren(a, b), c)
	if got := root(t, [][]byte{a, b, c}, 3); !bytes.Equal(got, want) {
		t.Errorf("root of three = %x, want %x", got, want)
	}
	if bytes.Equal(h.HashLeaf([]byte("ab")), h.HashChildren([]byte("a"), []byte("b"))) {
		t.Errorf("a leaf and an inner node hash alike")
	}
}

func TestProofs(t *testing.T) {
	tr := newTree(t, 37)
	for _, size := range []int{1, 2, 7, 16, 37} {
		r := root(t, tr.leaves, size)
		for _, index := range []int{0, size / 2, size - 1} {
			p, err := registerlog.InclusionProof(uint64(index), uint64(size), tr.get)
			if err != nil {
				t.Fatal(err)
			}
			if err := registerlog.VerifyInclusion(uint64(index), uint64(size), tr.leaves[index], p, r); err != nil {
				t.Errorf("inclusion of %d in %d: %v", index, size, err)
			}
			if len(p) > 0 {
				p[0] = append([]byte(nil), p[0]...)
				p[0][5] ^= 1
				if registerlog.VerifyInclusion(uint64(index), uint64(size), tr.leaves[index], p, r) == nil {
					t.Errorf("inclusion of %d in %d verified with a flipped bit", index, size)
				}
			}
		}
		for _, older := range []int{1, size / 2, size} {
			if older == 0 {
				continue
			}
			p, err := registerlog.ConsistencyProof(uint64(older), uint64(size), tr.get)
			if err != nil {
				t.Fatal(err)
			}
			if err := registerlog.VerifyConsistency(uint64(older), uint64(size), p, root(t, tr.leaves, older), r); err != nil {
				t.Errorf("consistency %d → %d: %v", older, size, err)
			}
		}
	}
	// A log whose leaf 3 was rewritten proves nothing consistent with the
	// checkpoint taken before.
	before := root(t, tr.leaves, 20)
	changed := newTree(t, 37)
	changed.leaves[3] = registerlog.Hasher{}.HashLeaf([]byte("rewritten"))
	if bytes.Equal(root(t, changed.leaves, 20), before) {
		t.Fatalf("a rewritten leaf left the root unchanged")
	}
	if _, err := registerlog.InclusionProof(37, 37, tr.get); problem.CodeOf(err) != "log.index" {
		t.Errorf("a proof beyond the log: %v", err)
	}
}

func TestCheckpointSigned(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	key, err := certificate.NewKey("昌吉州不动产登记中心", "12652300MA0000000X", []byte("passphrase-1"), now)
	if err != nil {
		t.Fatal(err)
	}
	s, err := certificate.Unlock(key, []byte("passphrase-1"))
	if err != nil {
		t.Fatal(err)
	}
	pub := s.Cert.RawSubjectPublicKeyInfo
	verify := func(msg, sig []byte) bool { return certificate.VerifySignature(s.Cert, msg, sig) }
	c := registerlog.Checkpoint{Origin: registerlog.Origin("652300"), Size: 37, Root: newTreeRoot(t)}
	signed, err := registerlog.Sign(c, pub, s.Sign)
	if err != nil {
		t.Fatal(err)
	}
	got, err := registerlog.Open(signed, c.Origin, pub, verify)
	if err != nil || got.Size != 37 || !bytes.Equal(got.Root, c.Root) {
		t.Fatalf("registerlog.Open = %+v, %v; want the checkpoint", got, err)
	}
	other, _ := certificate.NewKey("他处", "12652300MA0000001X", []byte("passphrase-2"), now)
	os, _ := certificate.Unlock(other, []byte("passphrase-2"))
	tests := []struct {
		name   string
		signed []byte
		origin string
		pub    []byte
		code   string
		says   string // the refusal's wording names the cause
	}{
		{"size changed", bytes.Replace(signed, []byte("\n37\n"), []byte("\n38\n"), 1), c.Origin, pub, "log.signature", "签名无效"},
		{"another log", signed, registerlog.Origin("652301"), pub, "log.signature", "不是由本州登记机构的密钥签名"},
		{"another key", signed, c.Origin, os.Cert.RawSubjectPublicKeyInfo, "log.signature", "不是由本州登记机构的密钥签名"},
		{"not a note", []byte("hello\n"), c.Origin, pub, "log.signature", "格式有误"},
	}
	for _, tt := range tests {
		_, err := registerlog.Open(tt.signed, tt.origin, tt.pub, verify)
		if problem.CodeOf(err) != tt.code || err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: registerlog.Open = %v, want %s saying %q", tt.name, err, tt.code, tt.says)
		}
	}
}

func newTreeRoot(t *testing.T) []byte {
	tr := newTree(t, 37)
	return root(t, tr.leaves, 37)
}

func FuzzParseBody(f *testing.F) {
	f.Add("handover/652300/register-log\n37\n" + strings.Repeat("A", 43) + "=\n")
	f.Add("x\n1\n\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := registerlog.ParseBody(text)
		if err != nil {
			return
		}
		// What is read writes back as the same first three lines.
		if back, err := registerlog.ParseBody(c.Body()); err != nil || back.Size != c.Size || !bytes.Equal(back.Root, c.Root) || back.Origin != c.Origin {
			t.Errorf("registerlog.ParseBody(%q) = %+v; its Body reads back as %+v, %v", text, c, back, err)
		}
	})
}

// A leaf's bytes are fixed for good: the same entry and event give the
// same leaves whatever fields the Go types gain. The hashes below were
// computed once; a change to them breaks every checkpoint a partner holds.
func TestLeafEncodingIsPinned(t *testing.T) {
	at := time.Date(2026, 6, 1, 3, 4, 5, 123456789, time.FixedZone("CST", 8*3600))
	entry := registry.Entry{ID: 7, UnitID: 12, Kind: "ownership", RegType: 100, RightType: 4,
		Holders:   []registry.Holder{{Name: "张伟", IDKind: "身份证", IDNumber: "652301199003071231", ShareNum: 1, ShareDen: 2}},
		Ownership: "按份共有", Amount: decimal.RequireFromString("856000.50"), CertNo: "新(2026)昌吉市不动产权第0000007号",
		ContractID: 3, Detail: registry.Detail{Rank: 1}, ServiceID: 9, RecordedBy: 2, RecordedAt: at}
	event := audit.Event{ID: 11, Lane: 3, Seq: 4, At: at, Actor: audit.Actor{UserID: 2, Name: "登簿员", OrgID: 5, OrgName: "昌吉市不动产登记中心"},
		Action: "register.record", RecordType: "unit", RecordID: "12", Summary: `{"kind":"ownership"}`, PrevHash: []byte{1, 2}, Hash: []byte{3, 4}}
	tests := []struct {
		name    string
		kind    string
		id      int64
		content any
		want    string
	}{
		{"entry", registerlog.RegisterEntry, 7, registerlog.Entry(entry), "595c1e5b29e8737888b61e234e6d8af67c4818d3238b07ace5d6e331373e41a5"},
		{"event", registerlog.AuditEvent, 11, registerlog.Event(event), "47e4282a7e1d8ea947026ae4d781ea122e252968c1e18758a608736463e1cef4"},
	}
	for _, tt := range tests {
		h, err := registerlog.LeafHash(tt.kind, tt.id, tt.content)
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(h); got != tt.want {
			leaf, _ := registerlog.Leaf(tt.kind, tt.id, tt.content)
			t.Errorf("%s leaf hash: got %s, want %s\nleaf: %s", tt.name, got, tt.want, leaf)
		}
	}
	if _, err := registerlog.Leaf(registerlog.RegisterEntry, 7, entry); err == nil {
		t.Error("a leaf of a registry.Entry itself (not its pinned EntryLeaf): got no error")
	}
	leaf, _ := registerlog.Leaf(registerlog.RegisterEntry, 7, registerlog.Entry(entry))
	if got, err := registerlog.ReadEntryLeaf(leaf); err != nil || got.CertNo != entry.CertNo || got.RecordedAt != "2026-05-31T19:04:05.123456Z" {
		t.Errorf("ReadEntryLeaf = %+v, %v; want the entry back with its time in UTC to the microsecond", got, err)
	}
}

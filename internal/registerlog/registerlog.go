// Package registerlog is the register's transparency log (登记簿日志): an
// append-only Merkle tree (RFC 6962's structure, SM3 as its hash) over
// every register-book entry and every audit event, each leaf committing to
// the record's full content, and the log's signed checkpoints (the C2SP
// tlog-checkpoint note: origin, size, root hash, the prefecture
// registration authority's SM2 signature).
//
// A hash chain the database's administrator can recompute proves nothing
// against that administrator. A checkpoint held outside the database (by
// the tax bureau, a bank, the provincial platform, a buyer's certificate)
// does: the log as it stands either contains, unchanged and in order,
// every leaf the checkpoint covered, or it cannot be made to match the
// checkpoint's root, whatever was rewritten with it.
package registerlog

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"

	"handover/internal/problem"
)

// Hasher is RFC 6962's tree hashing with SM3: a leaf is SM3(0x00 ‖ data),
// an inner node SM3(0x01 ‖ left ‖ right), the empty tree SM3("").
type Hasher struct{}

// EmptyRoot is the root of the empty tree.
func (Hasher) EmptyRoot() []byte { s := sm3.Sum(nil); return s[:] }

// HashLeaf hashes a leaf's data.
func (Hasher) HashLeaf(leaf []byte) []byte {
	h := sm3.New()
	h.Write([]byte{0})
	h.Write(leaf)
	return h.Sum(nil)
}

// HashChildren hashes an inner node.
func (Hasher) HashChildren(l, r []byte) []byte {
	h := sm3.New()
	h.Write([]byte{1})
	h.Write(l)
	h.Write(r)
	return h.Sum(nil)
}

// Size is the hash's length in bytes.
func (Hasher) Size() int { return sm3.Size }

// Ranges makes the compact ranges the log appends to (with the SM3 hasher).
func Ranges() *compact.RangeFactory {
	return &compact.RangeFactory{Hash: Hasher{}.HashChildren}
}

// ---- checkpoints

// Checkpoint is the log at one size: the body of a signed note.
type Checkpoint struct {
	Origin string // the log's name
	Size   uint64
	Root   []byte
}

// Origin is the name of a prefecture's register log.
func Origin(prefecture string) string { return "handover/" + prefecture + "/register-log" }

// Body is the checkpoint as the note's text: origin, size and the root in
// base64, a line each.
func (c Checkpoint) Body() string {
	return fmt.Sprintf("%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root))
}

// ParseBody reads a checkpoint's text (further lines, extensions, are
// allowed and ignored); anything else is refused.
func ParseBody(text string) (Checkpoint, error) {
	bad := func(why string) (Checkpoint, error) {
		return Checkpoint{}, problem.New(problem.Invalid, "log.checkpoint", "不是有效的登记簿日志检查点："+why)
	}
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 {
		return bad("应有日志名、大小与根哈希三行")
	}
	var c Checkpoint
	if c.Origin = lines[0]; c.Origin == "" || strings.TrimSpace(c.Origin) != c.Origin {
		return bad("日志名为空或含空白")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return bad("大小不是十进制整数")
	}
	c.Size = size
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != sm3.Size {
		return bad("根哈希不是32字节的 base64")
	}
	c.Root = root
	return c, nil
}

// ---- proofs

// VerifyInclusion checks that the leaf with leafHash is at index in the
// tree of size with root.
func VerifyInclusion(index, size uint64, leafHash []byte, path [][]byte, root []byte) error {
	return proof.VerifyInclusion(Hasher{}, index, size, leafHash, path, root)
}

// VerifyConsistency checks that the tree of size2 with root2 extends the
// tree of size1 with root1, unchanged.
func VerifyConsistency(size1, size2 uint64, path [][]byte, root1, root2 []byte) error {
	return proof.VerifyConsistency(Hasher{}, size1, size2, path, root1, root2)
}

// keyHash is a note key's 4-byte id, as C2SP signed-note recommends:
// SHA-256 of the key's name, a newline, the signature type and the public
// key, its first four bytes. SM2 with SM3 is not one of the note format's
// registered types, so its type is 0xff followed by the identifier
// sigType; the public key is its DER (SubjectPublicKeyInfo).
func keyHash(name string, pubDER []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{0xff})
	h.Write([]byte(sigType))
	h.Write(pubDER)
	return binary.BigEndian.Uint32(h.Sum(nil)[:4])
}

// legacyKeyHash is the key id the first checkpoints were signed under
// (SM3, without the algorithm's name): their notes still open.
func legacyKeyHash(name string, pubDER []byte) uint32 {
	h := sm3.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{0xff})
	h.Write(pubDER)
	return binary.BigEndian.Uint32(h.Sum(nil)[:4])
}

// sigType names the checkpoints' signature algorithm after the 0xff byte
// of the key id: SM2 (GB/T 32918) over SM3, ASN.1 DER signatures.
const sigType = "sm2-sm3"

// Nodes fetches the hashes of stored tree nodes, in the order asked.
type Nodes func(ids []compact.NodeID) ([][]byte, error)

// InclusionProof is the proof that the leaf at index is in the tree of
// size, from the stored nodes.
func InclusionProof(index, size uint64, get Nodes) ([][]byte, error) {
	if index >= size {
		return nil, problem.Newf(problem.Invalid, "log.index", "叶序号 %d 不在大小为 %d 的日志内", index, size)
	}
	n, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, err
	}
	hashes, err := get(n.IDs)
	if err != nil {
		return nil, err
	}
	return n.Rehash(hashes, Hasher{}.HashChildren)
}

// ConsistencyProof is the proof that the tree of size2 extends the tree of
// size1, from the stored nodes.
func ConsistencyProof(size1, size2 uint64, get Nodes) ([][]byte, error) {
	if size1 > size2 {
		return nil, problem.Newf(problem.Invalid, "log.size", "较早的大小 %d 大于较晚的大小 %d", size1, size2)
	}
	n, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, err
	}
	hashes, err := get(n.IDs)
	if err != nil {
		return nil, err
	}
	return n.Rehash(hashes, Hasher{}.HashChildren)
}

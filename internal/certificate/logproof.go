package certificate

import (
	"slices"
	"strings"

	"handover/internal/problem"
	"handover/internal/registerlog"
)

// LogProof places a certificate's register entry in the register log
// (登记簿日志): the leaf (the entry as the log holds it), its inclusion
// proof to a checkpoint the prefecture's registration authority signed,
// and that authority's certificate. It travels beside the signed payload,
// not inside it: the entry joins the log after the certificate is signed.
type LogProof struct {
	Index      uint64   `json:"index" doc:"叶序号"`
	Size       uint64   `json:"size" doc:"检查点的日志大小"`
	Leaf       []byte   `json:"leaf" doc:"叶内容：登记簿记载（base64）"`
	Hashes     [][]byte `json:"hashes" doc:"包含证明（base64）"`
	Checkpoint string   `json:"checkpoint" doc:"签名检查点原文"`
	Authority  string   `json:"authority_certificate" doc:"签署检查点的州登记机构证书（PEM）"`
}

// Check proves the certificate whose signed payload is c is in the
// register log: the checkpoint's signature by the authority (trustedPEM
// when given; the proof's own certificate otherwise, which shows the
// proof whole but not whose it is: the caller must say so), the leaf's
// inclusion under the checkpoint's root, and the leaf being the register
// entry of this certificate: its number and its holders. It returns the
// checkpoint.
func (p LogProof) Check(c Payload, trustedPEM string) (registerlog.Checkpoint, error) {
	bad := func(why string) (registerlog.Checkpoint, error) {
		return registerlog.Checkpoint{}, problem.New(problem.Invalid, "certificate.log", "登记簿日志证明无效："+why)
	}
	authority := p.Authority
	if trustedPEM != "" {
		authority = trustedPEM
	}
	cert, err := ParseCertificate(authority)
	if err != nil {
		return bad("州登记机构证书无法读取")
	}
	body, _, _ := strings.Cut(p.Checkpoint, "\n\n")
	head, err := registerlog.ParseBody(body + "\n")
	if err != nil || !strings.HasPrefix(head.Origin, "handover/") || !strings.HasSuffix(head.Origin, "/register-log") {
		return bad("检查点格式有误")
	}
	cp, err := registerlog.Open([]byte(p.Checkpoint), head.Origin, cert.RawSubjectPublicKeyInfo,
		func(msg, sig []byte) bool { return VerifySignature(cert, msg, sig) })
	if err != nil {
		return bad("检查点的签名无效")
	}
	if cp.Size != p.Size {
		return bad("证明的大小与检查点不符")
	}
	if err := registerlog.VerifyInclusion(p.Index, p.Size, registerlog.Hasher{}.HashLeaf(p.Leaf), p.Hashes, cp.Root); err != nil {
		return bad("包含证明与检查点的根哈希不符")
	}
	entry, err := registerlog.ReadEntryLeaf(p.Leaf)
	if err != nil || entry.CertNo != c.Number || !sameHolders(entry.Holders, c.Holders) {
		return bad("日志中的叶不是该证书的登记簿记载")
	}
	return cp, nil
}

// sameHolders: the entry's holders are the certificate's, by name and
// identity document number, in any order.
func sameHolders(entry []registerlog.HolderLeaf, cert []Holder) bool {
	key := func(name, id string) string { return name + "\x00" + id }
	var a, b []string
	for _, h := range entry {
		a = append(a, key(h.Name, h.IDNumber))
	}
	for _, h := range cert {
		b = append(b, key(h.Name, h.IDNumber))
	}
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

package certificate

import (
	"encoding/json"
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

// Check proves the certificate numbered number is in the register log:
// the checkpoint's signature by the authority (trustedPEM when given, the
// proof's own certificate otherwise), the leaf's inclusion under the
// checkpoint's root, and the leaf being the register entry of that
// certificate number. It returns the checkpoint.
func (p LogProof) Check(number, trustedPEM string) (registerlog.Checkpoint, error) {
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
	c, err := registerlog.Open([]byte(p.Checkpoint), head.Origin, cert.RawSubjectPublicKeyInfo,
		func(msg, sig []byte) bool { return VerifySignature(cert, msg, sig) })
	if err != nil {
		return bad("检查点的签名无效")
	}
	if c.Size != p.Size {
		return bad("证明的大小与检查点不符")
	}
	if err := registerlog.VerifyInclusion(p.Index, p.Size, registerlog.Hasher{}.HashLeaf(p.Leaf), p.Hashes, c.Root); err != nil {
		return bad("包含证明与检查点的根哈希不符")
	}
	lines := strings.SplitN(string(p.Leaf), "\n", 4)
	var entry struct{ CertNo string }
	if len(lines) != 4 || lines[1] != registerlog.RegisterEntry || json.Unmarshal([]byte(lines[3]), &entry) != nil || entry.CertNo != number {
		return bad("日志中的叶不是该证书的登记簿记载")
	}
	return c, nil
}

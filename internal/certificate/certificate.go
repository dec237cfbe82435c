// Package certificate is the electronic 不动产权证书 and 不动产登记证明
// (docs/domain.md §5.13): their metadata, the SM2 signature over SM3 by the
// issuing authority's key, the exported signed file that anyone can check
// offline, the QR code of the verification address, and the authority's
// keys (an X.509 certificate and an encrypted private key).
package certificate

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/pkcs"
	"github.com/emmansun/gmsm/pkcs8"
	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	qrcode "github.com/skip2/go-qrcode"

	"handover/internal/problem"
)

// Kind is the series: a title certificate or a registration proof.
type Kind string

const (
	Title Kind = "title" // 不动产权证书
	Proof Kind = "proof" // 不动产登记证明
)

// Label names the kind in Chinese.
func (k Kind) Label() string {
	if k == Proof {
		return "不动产登记证明"
	}
	return "不动产权证书"
}

// Holder is a rights holder as the certificate shows it.
type Holder struct {
	Name     string `json:"name"`
	IDKind   string `json:"id_kind"`
	IDNumber string `json:"id_number"`
	Share    string `json:"share,omitempty"`
}

// Payload is what a certificate says and what its signature covers. The
// field order is fixed: the JSON encoding of a Payload is canonical.
type Payload struct {
	Kind        Kind     `json:"kind"`
	Number      string   `json:"number"`     // 不动产权证书号 / 不动产证明号
	LicenceID   string   `json:"licence_id"` // 电子证照标识
	Holders     []Holder `json:"holders"`    // 权利人
	Ownership   string   `json:"ownership"`  // 共有情况
	Obligor     string   `json:"obligor,omitempty"`
	UnitNo      string   `json:"unit_no"`  // 不动产单元号
	Location    string   `json:"location"` // 坐落
	RightType   string   `json:"right_type"`
	RightKind   string   `json:"right_nature"` // 权利性质
	Use         string   `json:"use"`          // 用途
	Area        string   `json:"area"`         // 面积
	Term        string   `json:"term"`         // 使用期限
	Amount      string   `json:"amount,omitempty"`
	Matter      string   `json:"matter,omitempty"` // 证明权利或事项
	Notes       string   `json:"notes,omitempty"`  // 附记
	Authority   string   `json:"authority"`        // 登记机构
	AuthorityID string   `json:"authority_uscc"`
	IssuedOn    string   `json:"issued_on"`
}

// Canonical is the payload as signed.
func (p Payload) Canonical() []byte {
	b, _ := json.Marshal(p)
	return b
}

// Sign signs the canonical payload with SM2 over SM3 (GB/T 32918 with the
// default user identity).
func Sign(priv *sm2.PrivateKey, payload []byte) ([]byte, error) {
	return priv.Sign(rand.Reader, payload, sm2.DefaultSM2SignerOpts)
}

// VerifySignature checks an SM2 signature of payload by the authority's
// certificate's key.
func VerifySignature(authority *smx509.Certificate, payload, sig []byte) bool {
	pub, ok := authority.PublicKey.(*ecdsaPublicKey)
	if !ok {
		return false
	}
	return sm2.VerifyASN1WithSM2(pub, nil, payload, sig)
}

// ---- keys

// Key is an authority's signing key as stored: its X.509 certificate and
// its PKCS#8 private key encrypted with the operator's passphrase.
type Key struct {
	ID           int64
	Jurisdiction string
	Subject      string
	CertPEM      string
	KeyPEM       string
	Active       bool
	CreatedAt    time.Time
}

// NewKey creates an SM2 key and a self-signed X.509 certificate for an
// authority, valid for ten years from now, with the private key encrypted
// (SM4-CBC, PBKDF2 with HMAC-SM3) by passphrase.
func NewKey(subject, uscc string, passphrase []byte, now time.Time) (Key, error) {
	if len(passphrase) < 8 {
		return Key{}, problem.New(problem.Invalid, "key.passphrase", "私钥保护口令至少8个字符")
	}
	priv, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return Key{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return Key{}, err
	}
	tpl := &smx509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: subject, Organization: []string{subject}, SerialNumber: uscc, Country: []string{"CN"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              smx509.KeyUsageDigitalSignature | smx509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tpl, tpl, &priv.PublicKey, priv)
	if err != nil {
		return Key{}, err
	}
	keyDER, err := pkcs8.MarshalPrivateKey(priv, passphrase, &pkcs8.Opts{Cipher: pkcs.SM4CBC,
		KDFOpts: pkcs8.PBKDF2Opts{SaltSize: 16, IterationCount: 10000, HMACHash: pkcs8.SM3}})
	if err != nil {
		return Key{}, err
	}
	return Key{Subject: subject, CertPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		KeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: keyDER})), Active: true, CreatedAt: now}, nil
}

// ParseCertificate reads an authority's PEM certificate; a block that is
// not a certificate's DER is refused as one that is not PEM at all.
func ParseCertificate(certPEM string) (*smx509.Certificate, error) {
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, problem.New(problem.Invalid, "certificate.pem", "不是PEM格式的证书")
	}
	c, err := smx509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, &problem.Error{Kind: problem.Invalid, Code: "certificate.pem", Message: "不是PEM格式的证书", Err: err}
	}
	return c, nil
}

// Signer signs with one authority's key, unlocked with the passphrase.
type Signer struct {
	KeyID int64
	Cert  *smx509.Certificate
	priv  *sm2.PrivateKey
}

// Unlock decrypts a key's private part.
func Unlock(k Key, passphrase []byte) (*Signer, error) {
	block, _ := pem.Decode([]byte(k.KeyPEM))
	if block == nil {
		return nil, errors.New("certificate: the stored private key is not PEM")
	}
	priv, err := pkcs8.ParsePKCS8PrivateKeySM2(block.Bytes, passphrase)
	if err != nil {
		return nil, problem.New(problem.Refused, "key.locked", "签名私钥口令不正确，无法解锁（请检查 HANDOVER_KEY_PASSPHRASE）")
	}
	cert, err := ParseCertificate(k.CertPEM)
	if err != nil {
		return nil, err
	}
	if pub, ok := cert.PublicKey.(*ecdsaPublicKey); !ok || !pub.Equal(&priv.PublicKey) {
		return nil, errors.New("certificate: the private key does not match the certificate")
	}
	return &Signer{KeyID: k.ID, Cert: cert, priv: priv}, nil
}

// Sign signs a payload.
func (s *Signer) Sign(payload []byte) ([]byte, error) { return Sign(s.priv, payload) }

// ---- the exported signed file

// File is an exported signed document (a certificate, or a 查询结果证明 in
// the same envelope): the payload, its signature and the
// authority's certificate; `handover verify FILE` checks it offline.
type File struct {
	Format    string          `json:"format" enum:"handover-certificate/1,handover-inquiry/1" doc:"文件格式：电子证照或查询结果证明"`
	Payload   json.RawMessage `json:"payload" doc:"证照内容（签名范围）"`
	Signature []byte          `json:"signature" doc:"SM2签名（ASN.1，Base64）"` // SM2 (ASN.1), base64 in JSON
	Authority string          `json:"authority_certificate" doc:"登记机构的X.509证书（PEM）"`
	// Log places the certificate's register entry in the register log
	// (absent until the log took it in and a checkpoint covers it).
	Log *LogProof `json:"log,omitempty" doc:"登记簿日志中的包含证明"`
}

// FileFormat names the exported format.
const FileFormat = "handover-certificate/1"

// CheckSigned refuses to export a certificate not yet signed: until its
// signature is stored (缮证) it is not a certificate.
func CheckSigned(sig []byte) error {
	if len(sig) == 0 {
		return problem.New(problem.Conflict, "certificate.unsigned", "证照尚未签名（缮证未完成）")
	}
	return nil
}

// Export writes the signed file of a certificate.
func Export(payload, sig []byte, authorityPEM string) []byte {
	return ExportAs(FileFormat, payload, sig, authorityPEM)
}

// ExportAs writes a signed file of the given format: another signed
// document of the authority (a 查询结果证明) travels in the same envelope
// and is checked offline by the same code.
func ExportAs(format string, payload, sig []byte, authorityPEM string) []byte {
	b, _ := json.MarshalIndent(File{Format: format, Payload: payload, Signature: sig, Authority: authorityPEM}, "", "  ")
	return b
}

// FormatOf is the format a signed file claims, "" when raw is not one.
// It says nothing of the signature: OpenFile checks that.
func FormatOf(raw []byte) string {
	var f struct {
		Format string `json:"format"`
	}
	if json.Unmarshal(raw, &f) != nil {
		return ""
	}
	return f.Format
}

// CheckFile verifies an exported file against a trusted authority
// certificate (PEM; "" trusts the one in the file, which only proves the
// file was not changed since signing). It returns the payload.
func CheckFile(raw []byte, trustedPEM string) (Payload, error) {
	var p Payload
	signed, err := OpenFile(raw, FileFormat, trustedPEM)
	if err != nil {
		return p, err
	}
	// The format is not signed, only the payload: a query proof's signed
	// payload relabelled as a certificate must not read as one. Its fields
	// differ (requester, queried_at …), so it is refused here.
	if err := DecodeSigned(signed, &p); err != nil || (p.Kind != Title && p.Kind != Proof) || p.LicenceID == "" {
		return p, problem.New(problem.Invalid, "certificate.file", "文件内容不是电子证照")
	}
	return p, nil
}

// DecodeSigned reads signed content into v, refusing a field v does not
// have: the authority signs documents of several kinds with one key, and a
// document of one kind must not be read as another whose missing fields
// would read as false or empty.
func DecodeSigned(signed []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(signed))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data after the signed content")
	}
	return nil
}

// OpenFile verifies a signed file of the given format against a trusted
// authority certificate ("" trusts the one in the file) and returns the
// signed content, compacted as it was signed. Nothing it returns is
// unsigned.
func OpenFile(raw []byte, format, trustedPEM string) ([]byte, error) {
	var f File
	if err := json.Unmarshal(raw, &f); err != nil || f.Format != format {
		return nil, problem.New(problem.Invalid, "certificate.file", "不是本平台导出的签名文件（应为 "+format+" 格式）")
	}
	authority := f.Authority
	if trustedPEM != "" {
		trusted, err := ParseCertificate(trustedPEM)
		if err != nil {
			return nil, err
		}
		inFile, err := ParseCertificate(f.Authority)
		if err != nil || !bytes.Equal(inFile.Raw, trusted.Raw) {
			return nil, problem.New(problem.Refused, "certificate.authority", "文件中的登记机构证书与所信任的证书不一致")
		}
		authority = trustedPEM
	}
	cert, err := ParseCertificate(authority)
	if err != nil {
		return nil, err
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, f.Payload); err != nil {
		return nil, problem.New(problem.Invalid, "certificate.file", "文件内容不是有效的JSON")
	}
	if !VerifySignature(cert, compact.Bytes(), f.Signature) {
		return nil, problem.New(problem.Refused, "certificate.signature", "签名验证失败：文件内容已被改动或非该登记机构签发")
	}
	return compact.Bytes(), nil
}

type ecdsaPublicKey = ecdsa.PublicKey

// QR renders the verification address as a PNG QR code.
func QR(url string) ([]byte, error) {
	png, err := qrcode.Encode(url, qrcode.Medium, 256)
	if err != nil {
		return nil, fmt.Errorf("certificate QR: %w", err)
	}
	return png, nil
}

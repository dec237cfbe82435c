package registerlog

import (
	"errors"

	"golang.org/x/mod/sumdb/note"

	"handover/internal/problem"
)

// noteKey is the authority's SM2 key as the note format sees it: the
// log's origin as its name, its key hash, and how to sign or verify (the
// certificate package does the SM2 itself; this package only frames it).
type noteKey struct {
	name   string
	hash   uint32
	sign   func(msg []byte) ([]byte, error)
	verify func(msg, sig []byte) bool
}

func (k noteKey) Name() string                    { return k.name }
func (k noteKey) KeyHash() uint32                 { return k.hash }
func (k noteKey) Sign(msg []byte) ([]byte, error) { return k.sign(msg) }
func (k noteKey) Verify(msg, sig []byte) bool     { return k.verify(msg, sig) }

// Sign signs a checkpoint as a note: its body, then one signature line by
// the key whose public part (DER) is pubDER, named after the log.
func Sign(c Checkpoint, pubDER []byte, sign func(msg []byte) ([]byte, error)) ([]byte, error) {
	return note.Sign(&note.Note{Text: c.Body()}, noteKey{name: c.Origin, hash: keyHash(c.Origin, pubDER), sign: sign})
}

// Open reads a signed checkpoint of the log origin and checks its
// signature by the key whose public part is pubDER (verify checks the SM2
// signature of a message). A note by another key, of another log, changed,
// or not a checkpoint, is refused.
func Open(signed []byte, origin string, pubDER []byte, verify func(msg, sig []byte) bool) (Checkpoint, error) {
	n, err := note.Open(signed, note.VerifierList(noteKey{name: origin, hash: keyHash(origin, pubDER), verify: verify},
		noteKey{name: origin, hash: legacyKeyHash(origin, pubDER), verify: verify}))
	if err != nil {
		// A note with no signature by this key (another authority's, or
		// another log's) is unverified; one whose signature by this key
		// fails is invalid.
		var unverified *note.UnverifiedNoteError
		if errors.As(err, &unverified) {
			return Checkpoint{}, problem.New(problem.Invalid, "log.signature", "检查点不是由本州登记机构的密钥签名，或不是本日志的检查点")
		}
		return Checkpoint{}, &problem.Error{Kind: problem.Invalid, Code: "log.signature", Message: "检查点的签名无效或格式有误", Err: err}
	}
	c, err := ParseBody(n.Text)
	if err != nil {
		return c, err
	}
	if c.Origin != origin {
		return Checkpoint{}, problem.Newf(problem.Invalid, "log.origin", "检查点属于日志“%s”，不是“%s”", c.Origin, origin)
	}
	return c, nil
}

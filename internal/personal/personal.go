// Package personal protects natural persons' personal information at rest
// (《个人信息保护法》; GB/T 35273): identity document numbers, phone numbers
// and addresses are stored sealed with SM4-GCM under a data key, and an
// ID number is found through a blind index, HMAC-SM3 under a separate
// index key, never by its clear text. The keys are kept wrapped with the
// operator's passphrase (Argon2id, as the platform's passwords, then
// SM4-GCM) and unlocked at start, as the authorities' signing keys are.
//
// A data key is rotated by adding a new one: values are sealed with the
// newest, and opened with whichever sealed them, so a rotation re-seals
// the stored values in batches, at its own pace. The index key is not
// rotated: the blind index is how rows are found, and re-indexing every
// row at once is what rotation in batches avoids.
package personal

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
	"golang.org/x/crypto/argon2"

	"handover/internal/problem"
)

// The kinds of key.
const (
	DataKey  = "data"  // seals values (SM4, 16 bytes)
	IndexKey = "index" // keys the blind index (HMAC-SM3, 32 bytes)
)

// Key is a key as stored: wrapped with the passphrase.
type Key struct {
	ID        int64
	Kind      string
	Wrapped   string // argon2id$<time>,<memory KiB>,<threads>$<salt>$<nonce‖sealed key>, base64
	CreatedAt time.Time
	// The key itself and the SM3 of the passphrase that wrapped it, held
	// by the process that made it: Unlock with that passphrase needs no
	// unwrapping (no second Argon2id).
	raw      []byte
	madeWith [32]byte
}

// Cost is Argon2id's cost of deriving the wrapping key from a passphrase.
// It is written into each wrapped key, so a key opens whatever cost it was
// made with.
type Cost struct {
	Time, Memory uint32 // passes; KiB
	Threads      uint8
}

// DefaultCost is the platform's passwords' cost (identity): unlocking is
// once a start, so it can be slow for whoever guesses.
var DefaultCost = Cost{Time: 3, Memory: 64 * 1024, Threads: 4}

// TestCost is the least cost a key may be made with; for tests, which
// make a database, and so its keys, many times a second.
var TestCost = Cost{Time: 1, Memory: 8 * 1024, Threads: 1}

// NewKey makes a key of kind, wrapped with passphrase at cost (the zero
// Cost is DefaultCost).
func NewKey(kind string, passphrase []byte, now time.Time, cost Cost) (Key, error) {
	if cost == (Cost{}) {
		cost = DefaultCost
	}
	if len(passphrase) < 8 {
		return Key{}, problem.New(problem.Invalid, "key.passphrase", "私钥保护口令至少8个字符")
	}
	size := map[string]int{DataKey: 16, IndexKey: 32}[kind]
	if size == 0 {
		return Key{}, fmt.Errorf("personal: no key of kind %q", kind)
	}
	raw, salt := make([]byte, size), make([]byte, 16)
	rand.Read(raw)
	rand.Read(salt)
	aead, err := gcm(argon2.IDKey(passphrase, salt, cost.Time, cost.Memory, cost.Threads, 16))
	if err != nil {
		return Key{}, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, raw, []byte(kind))
	enc := base64.RawStdEncoding
	return Key{Kind: kind, CreatedAt: now, raw: raw, madeWith: sm3.Sum(passphrase), Wrapped: fmt.Sprintf("argon2id$%d,%d,%d$%s$%s",
		cost.Time, cost.Memory, cost.Threads, enc.EncodeToString(salt), enc.EncodeToString(sealed))}, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	b, err := sm4.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// unwrap opens a stored key with the passphrase.
func unwrap(k Key, passphrase []byte) ([]byte, error) {
	parts := strings.Split(k.Wrapped, "$")
	enc := base64.RawStdEncoding
	notWrapped := fmt.Errorf("personal: key %d is not a wrapped key", k.ID)
	if len(parts) != 4 || parts[0] != "argon2id" {
		return nil, notWrapped
	}
	var c Cost
	if n, err := fmt.Sscanf(parts[1], "%d,%d,%d", &c.Time, &c.Memory, &c.Threads); err != nil || n != 3 ||
		c.Time < 1 || c.Time > 10 || c.Memory < 8*1024 || c.Memory > 1024*1024 || c.Threads < 1 {
		return nil, notWrapped
	}
	salt, serr := enc.DecodeString(parts[2])
	sealed, kerr := enc.DecodeString(parts[3])
	if serr != nil || kerr != nil {
		return nil, notWrapped
	}
	aead, err := gcm(argon2.IDKey(passphrase, salt, c.Time, c.Memory, c.Threads, 16))
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, notWrapped
	}
	raw, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(k.Kind))
	if err != nil {
		return nil, problem.New(problem.Refused, "personal.locked", "个人信息密钥口令不正确，无法解锁（请检查 HANDOVER_KEY_PASSPHRASE）")
	}
	return raw, nil
}

// Keyring is the unlocked keys: every data key by id (the newest seals),
// and the index key. A keyring may fetch a data key made after it was
// unlocked (Fetch), the first time a value sealed with it is opened: a
// rotation run by another process is read by a running one.
type Keyring struct {
	mu     sync.RWMutex
	data   map[int64]cipher.AEAD
	active int64
	index  []byte
	fetch  func(id int64) (Key, error)
	pass   []byte
	// fetching lets one fetch run at a time: the unwrapping is Argon2id's
	// cost, paid once per key, not once per request that needs it.
	fetching sync.Mutex
}

// Unlock opens keys with passphrase. There must be an index key and at
// least one data key; the data key with the highest id seals.
func Unlock(keys []Key, passphrase []byte) (*Keyring, error) {
	k := &Keyring{data: map[int64]cipher.AEAD{}}
	for _, key := range keys {
		raw := key.raw
		if made := sm3.Sum(passphrase); raw == nil || subtle.ConstantTimeCompare(made[:], key.madeWith[:]) != 1 {
			var err error
			if raw, err = unwrap(key, passphrase); err != nil {
				return nil, err
			}
		}
		switch key.Kind {
		case DataKey:
			aead, err := gcm(raw)
			if err != nil {
				return nil, err
			}
			k.data[key.ID] = aead
			k.active = max(k.active, key.ID)
		case IndexKey:
			if k.index != nil {
				return nil, fmt.Errorf("personal: more than one index key")
			}
			k.index = raw
		}
	}
	if k.active == 0 || k.index == nil {
		return nil, problem.New(problem.NotFound, "personal.no_key", "尚未生成个人信息密钥（数据密钥与索引密钥）")
	}
	k.pass = passphrase
	return k, nil
}

// Fetch lets the keyring read a data key it does not hold, by id, when a
// value sealed with it is opened; the key is unwrapped with the
// passphrase the keyring was unlocked with.
func (k *Keyring) Fetch(fetch func(id int64) (Key, error)) { k.fetch = fetch }

// aead is the data key id, fetched if the keyring does not hold it yet.
func (k *Keyring) aead(id int64) cipher.AEAD {
	k.mu.RLock()
	a := k.data[id]
	k.mu.RUnlock()
	if a != nil || k.fetch == nil || id <= 0 {
		return a
	}
	k.fetching.Lock()
	defer k.fetching.Unlock()
	k.mu.RLock()
	a = k.data[id]
	k.mu.RUnlock()
	if a != nil {
		return a
	}
	key, err := k.fetch(id)
	if err != nil || key.Kind != DataKey {
		return nil
	}
	raw, err := unwrap(key, k.pass)
	if err != nil {
		return nil
	}
	if a, err = gcm(raw); err != nil {
		return nil
	}
	k.mu.Lock()
	k.data[id] = a
	k.mu.Unlock()
	return a
}

// Active is the id of the data key that seals.
func (k *Keyring) Active() int64 { return k.active }

// prefix opens every sealed value: the format, then the data key's id.
const prefix = "pi1:"

// Seal seals value bound to field: what the value is, where it is kept
// and whose it is (the table, the column and the row's stable key, as
// "contract_buyers.id_number:12/1"), so that a sealed value copied to
// another column or another row does not open. An empty value stays empty.
func (k *Keyring) Seal(field, value string) string {
	if value == "" {
		return ""
	}
	aead := k.aead(k.active)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, []byte(value), []byte(field))
	return prefix + strconv.FormatInt(k.active, 10) + ":" + base64.RawStdEncoding.EncodeToString(sealed)
}

// Open opens a stored value bound to field. A value not sealed (stored
// before the platform sealed, and not yet re-sealed by a rotation) is
// returned as it is: the caller that knows every value is sealed by then
// treats such a value as tampering.
func (k *Keyring) Open(field, stored string) (string, error) {
	id, sealed, ok, err := parse(stored)
	if err != nil || !ok {
		return stored, err
	}
	aead := k.aead(id)
	if aead == nil {
		return "", problem.Newf(problem.Refused, "personal.key_missing", "个人信息数据密钥 %d 不存在或未解锁", id)
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return "", problem.New(problem.Invalid, "personal.sealed", "加密存储的个人信息已损坏")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(field))
	if err != nil {
		return "", problem.New(problem.Invalid, "personal.sealed", "加密存储的个人信息已损坏或被改动")
	}
	return string(plain), nil
}

// IsSealed says whether stored is a sealed value (well formed or not).
func IsSealed(stored string) bool { return strings.HasPrefix(stored, prefix) }

// KeyOf is the id of the data key that sealed stored (0: not sealed).
func KeyOf(stored string) int64 {
	id, _, ok, err := parse(stored)
	if err != nil || !ok {
		return 0
	}
	return id
}

// parse reads a stored value: ok false when it is not sealed at all; an
// error when it claims to be sealed but is not well formed.
func parse(stored string) (id int64, sealed []byte, ok bool, err error) {
	rest, found := strings.CutPrefix(stored, prefix)
	if !found {
		return 0, nil, false, nil
	}
	bad := problem.New(problem.Invalid, "personal.sealed", "加密存储的个人信息已损坏")
	num, body, found := strings.Cut(rest, ":")
	if !found {
		return 0, nil, false, bad
	}
	id, err = strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != num {
		return 0, nil, false, bad
	}
	if sealed, err = base64.RawStdEncoding.Strict().DecodeString(body); err != nil {
		return 0, nil, false, bad
	}
	return id, sealed, true, nil
}

// Index is the blind index of an identity document number: HMAC-SM3
// under the index key of the number as written on the document (letters
// upper case, spaces trimmed), in hex. An empty number has none.
func (k *Keyring) Index(number string) string {
	number = strings.ToUpper(strings.TrimSpace(number))
	if number == "" {
		return ""
	}
	m := hmac.New(sm3.New, k.index)
	m.Write([]byte(number))
	return hex.EncodeToString(m.Sum(nil))
}

package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode"

	"golang.org/x/crypto/argon2"

	"handover/internal/problem"
)

// HashParams are the argon2id cost parameters. Production uses
// DefaultHashParams (RFC 9106's second recommended option, scaled to this
// platform's servers); tests may use cheaper ones.
type HashParams struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultHashParams: 3 passes over 64 MiB, on one thread, so that a hash
// takes one core and the concurrent hashes a server allows (a store's
// hashing slots) leave the others to everyone else's requests.
var DefaultHashParams = HashParams{Time: 3, Memory: 64 * 1024, Threads: 1}

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string, p HashParams) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the PHC-format hash.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var p HashParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// ValidatePassword enforces the password policy: at least 8 characters with
// letters and digits, at most 128.
func ValidatePassword(pw string) error {
	var letter, digit bool
	for _, r := range pw {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		}
	}
	n := len([]rune(pw))
	if n < 8 || n > 128 || !letter || !digit {
		return problem.New(problem.Invalid, "user.password_weak", "密码至少8位，须同时包含字母和数字")
	}
	return nil
}

// Login throttling (等保 2.0 requires a limit on failed attempts).
//
// Failures are counted per account and source address: after
// MaxFailedLogins consecutive failures from one address the pair is locked
// for LockDuration, and that address may not try the account again until
// then. Other addresses are not affected, so that nobody can lock a user
// out from elsewhere by guessing at the user's account. The account as a
// whole is only slowed: once its consecutive failures from every address
// reach SlowAfter, each attempt waits FailureDelay before its password is
// checked, the right password included.
const (
	MaxFailedLogins = 5
	LockDuration    = 15 * time.Minute
	SlowAfter       = 2 * MaxFailedLogins
	MaxLoginDelay   = 3 * time.Second
)

// CanLogin reports whether the user may log in at all (not disabled).
func (u User) CanLogin() error {
	if u.Disabled {
		return problem.New(problem.Unauthenticated, "auth.disabled", "账户已停用，请联系系统管理员")
	}
	return nil
}

// FailureDelay is how long an attempt on u waits before its password is
// checked: nothing until the account's consecutive failures reach
// SlowAfter, then a second more for every MaxFailedLogins further
// failures, at most MaxLoginDelay.
func (u User) FailureDelay() time.Duration {
	if u.FailedLogins < SlowAfter {
		return 0
	}
	return min(time.Duration(1+(u.FailedLogins-SlowAfter)/MaxFailedLogins)*time.Second, MaxLoginDelay)
}

// FailLogin counts a failed attempt on the account (from any address).
func (u *User) FailLogin() { u.FailedLogins++ }

// SucceedLogin clears the account's failure count.
func (u *User) SucceedLogin() { u.FailedLogins = 0; u.LockedUntil = time.Time{} }

// LoginSourceOf is the source a login's failures are counted under: the
// IPv4 address, or the /64 network of an IPv6 one (a single subscriber
// is handed a whole /64 and could otherwise try from 2^64 addresses).
// Anything else is taken as given.
func LoginSourceOf(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	if a = a.Unmap(); a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// LoginSource is the failures of one account from one source address.
type LoginSource struct {
	Failures    int       // consecutive, since the last lock or success from this address
	LockedUntil time.Time // zero when not locked
}

// CanTry reports whether the address may try the account at now.
func (s LoginSource) CanTry(now time.Time) error {
	if now.Before(s.LockedUntil) {
		return problem.Newf(problem.Unauthenticated, "auth.locked",
			"从本地址连续登录失败次数过多，本账户在本地址的登录已锁定至%s（其他地址不受影响）；可联系系统管理员解锁",
			s.LockedUntil.In(time.FixedZone("CST", 8*3600)).Format("15:04"))
	}
	return nil
}

// Fail records a failed attempt at now and locks the pair when the limit
// is reached. It reports whether this attempt locked it.
func (s *LoginSource) Fail(now time.Time) bool {
	s.Failures++
	if s.Failures >= MaxFailedLogins {
		s.Failures = 0
		s.LockedUntil = now.Add(LockDuration)
		return true
	}
	return false
}

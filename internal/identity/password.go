package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
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

// DefaultHashParams: 3 passes over 64 MiB.
var DefaultHashParams = HashParams{Time: 3, Memory: 64 * 1024, Threads: 2}

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

// Login lock-out: after MaxFailedLogins consecutive failures the account is
// locked for LockDuration (等保 2.0 requires a limit on failed attempts).
const (
	MaxFailedLogins = 5
	LockDuration    = 15 * time.Minute
)

// CanLogin reports whether the user may try to log in at now.
func (u User) CanLogin(now time.Time) error {
	if u.Disabled {
		return problem.New(problem.Unauthenticated, "auth.disabled", "账户已停用，请联系系统管理员")
	}
	if now.Before(u.LockedUntil) {
		return problem.Newf(problem.Unauthenticated, "auth.locked",
			"连续登录失败次数过多，账户已锁定至%s；可联系系统管理员解锁", u.LockedUntil.In(time.FixedZone("CST", 8*3600)).Format("15:04"))
	}
	return nil
}

// FailLogin records a failed attempt at now and locks the account when the
// limit is reached. It reports whether this attempt locked it.
func (u *User) FailLogin(now time.Time) bool {
	u.FailedLogins++
	if u.FailedLogins >= MaxFailedLogins {
		u.FailedLogins = 0
		u.LockedUntil = now.Add(LockDuration)
		return true
	}
	return false
}

// SucceedLogin clears the failure count.
func (u *User) SucceedLogin() { u.FailedLogins = 0; u.LockedUntil = time.Time{} }

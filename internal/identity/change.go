package identity

import "handover/internal/problem"

// UserChange is an administrator's change to a user; nil fields stay.
type UserChange struct {
	Roles    []Role // nil: unchanged; empty: every role taken away (refused: a user keeps one)
	Disabled *bool
	Unlock   bool   // clears failed logins and a lock-out
	Password string // "": unchanged
	Hash     HashParams
}

// CheckNewPassword checks a password an administrator sets, as a field of
// the user's form (user.invalid naming password).
func CheckNewPassword(password string) error {
	if err := ValidatePassword(password); err != nil {
		return &problem.Error{Kind: problem.Invalid, Code: "user.invalid", Message: "用户信息有误",
			Fields: map[string]string{"password": problem.As(err).Message}}
	}
	return nil
}

// NewHash checks the change's new password and hashes it ("" when the
// password is unchanged). Hashing is deliberately slow: callers do it
// before their transaction, so that it holds no write lock.
func (c UserChange) NewHash() (string, error) {
	if c.Password == "" {
		return "", nil
	}
	if err := CheckNewPassword(c.Password); err != nil {
		return "", err
	}
	return HashPassword(c.Password, c.Hash)
}

// Apply makes the change on u, a user of org: its roles, its disabling,
// its unlocking, and hash (from NewHash; "" leaves the password). The user
// it makes must pass Validate against org (the roles org may grant, at
// least one role), else nothing of the change is kept on the stored user.
func (c UserChange) Apply(u *User, org Org, hash string) error {
	if c.Roles != nil {
		u.Roles = c.Roles
	}
	if c.Disabled != nil {
		u.Disabled = *c.Disabled
	}
	if c.Unlock {
		u.SucceedLogin()
	}
	if err := u.Validate(org); err != nil {
		return err
	}
	if hash != "" {
		u.PasswordHash = hash
	}
	return nil
}

// EndsSessions reports whether the change, with hash from NewHash, ends
// the user's page sessions: a new password (whoever knew the old one may
// be signed in), a change of roles (a session must not keep rights taken
// away) or disabling.
func (c UserChange) EndsSessions(hash string) bool {
	return hash != "" || c.Roles != nil || (c.Disabled != nil && *c.Disabled)
}

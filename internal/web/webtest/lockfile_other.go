//go:build !unix

package webtest

import "errors"

// lockFile is unix-only: elsewhere a run's binaries cannot share a
// template (leave EnvShared unset and each loads its own).
func lockFile(string) (func(), error) {
	return nil, errors.New(EnvShared + " needs a unix file lock")
}

//go:build unix

package webtest

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on the file at path (made if absent),
// waiting for another process that holds it, and returns its release.
// The lock goes with the process, so a killed holder does not keep it.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

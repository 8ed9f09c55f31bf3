//go:build unix

package testport

import (
	"os"
	"syscall"
)

// claim takes an exclusive, non-blocking lock on path; the lock is the
// port's reservation across processes and ends when release closes the
// file (or the process dies, so a killed test leaks nothing).
func claim(path string) (release func(), ok bool) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, false
	}
	return func() { f.Close() }, true
}

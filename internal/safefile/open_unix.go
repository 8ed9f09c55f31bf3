//go:build unix

package safefile

import (
	"errors"
	"os"
	"syscall"
)

// open opens path for reading without blocking: O_NONBLOCK makes the open
// of a FIFO return at once instead of waiting for a writer (regular files
// ignore the flag), and O_NOFOLLOW refuses a symbolic link as the last
// element in the same system call, so there is no check-then-open race.
func open(path string, follow bool) (*os.File, error) {
	flags := os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	if !follow {
		flags |= syscall.O_NOFOLLOW
	}
	f, err := os.OpenFile(path, flags, 0)
	// Linux and macOS answer O_NOFOLLOW on a link with ELOOP, FreeBSD with
	// EMLINK.
	if !follow && (errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)) {
		return nil, &symlinkError{Path: path, Err: err}
	}
	return f, err
}

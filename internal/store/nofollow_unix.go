//go:build unix

package store

import (
	"errors"
	"syscall"
)

// oNoFollow makes open fail (ELOOP) when the last path element is a
// symbolic link.
const oNoFollow = syscall.O_NOFOLLOW

// oNonBlock makes the open of a FIFO return at once instead of waiting
// for a writer; regular files ignore it.
const oNonBlock = syscall.O_NONBLOCK

func isSymlinkLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }

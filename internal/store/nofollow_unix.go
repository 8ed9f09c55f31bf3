//go:build unix

package store

import (
	"errors"
	"syscall"
)

// oNoFollow makes open fail (ELOOP) when the last path element is a
// symbolic link.
const oNoFollow = syscall.O_NOFOLLOW

func isSymlinkLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }
